//go:build amd64 && !purego

#include "textflag.h"

// AVX2+FMA row kernels of the recurrent layer; reckernel.go has the
// portable versions and says what they compute. The adapters in
// reckernel_amd64.go pass a positive multiple of the vector width (8
// float32s, 4 float64s) and do the rest in Go. Vector lanes are summed in
// a fixed order, so results are deterministic. R14 and R15 are not used.
//
// The float32 and float64 kernels share their loop bodies: macros taking
// the instructions (…PS or …PD) and the element size S.

// Forward, one vector at byte offset OFF: h = d h + c pre (stored),
// ACC += (w + a h) x. DI h, SI w, R8 a, R9 pre, R10 x; Y14 d, Y15 c; CX n,
// BX n - 2 vectors, AX the element.
#define FWD_STEP(MOV, MUL, FMA, S, OFF, ACC) \
	MUL OFF(R9)(AX*S), Y15, Y2; \
	FMA OFF(DI)(AX*S), Y14, Y2; \
	MOV Y2, OFF(DI)(AX*S);      \
	MOV OFF(SI)(AX*S), Y3;      \
	FMA OFF(R8)(AX*S), Y2, Y3;  \
	FMA OFF(R10)(AX*S), Y3, ACC

#define FWD_SETUP(VEC2) \
	MOVQ h+0(FP), DI;    \
	MOVQ w+8(FP), SI;    \
	MOVQ a+16(FP), R8;   \
	MOVQ pre+24(FP), R9; \
	MOVQ x+32(FP), R10;  \
	MOVQ n+40(FP), CX;   \
	MOVQ CX, BX;         \
	SUBQ $VEC2, BX;      \
	XORQ AX, AX;         \
	VXORPS Y0, Y0, Y0;   \
	VXORPS Y1, Y1, Y1

// Backward, one vector (see recBackwardGo):
//	gx += (w + a h) δ + cNext g;  dx = δ x;  ga += dx h
//	g = dNext g + a dx;  hdst = (src - cPrev pre) dInv
//	sumGH += g hdst;  sumGP += g pre
// BX h, DX g, SI w, R8 a, DI ga, R9 x, R10 pre, R11 gx, R13 hdst, R12 src;
// Y10-Y14 δ, cNext, dNext, cPrev, dInv; Y0 and Y1 the sums. src is read
// after h, and hdst written after both, so they may be the same row.
#define BWD_STEP(MOV, MUL, FMA, FNMA, S) \
	MOV  (BX)(AX*S), Y2;      \
	MOV  (DX)(AX*S), Y3;      \
	MOV  (R8)(AX*S), Y4;      \
	MOV  (SI)(AX*S), Y5;      \
	FMA  Y4, Y2, Y5;          \
	MOV  (R11)(AX*S), Y6;     \
	FMA  Y10, Y5, Y6;         \
	FMA  Y11, Y3, Y6;         \
	MOV  Y6, (R11)(AX*S);     \
	MUL  (R9)(AX*S), Y10, Y7; \
	MOV  (DI)(AX*S), Y8;      \
	FMA  Y7, Y2, Y8;          \
	MOV  Y8, (DI)(AX*S);      \
	MUL  Y7, Y4, Y9;          \
	FMA  Y12, Y3, Y9;         \
	MOV  Y9, (DX)(AX*S);      \
	MOV  (R10)(AX*S), Y5;     \
	MOV  (R12)(AX*S), Y2;     \
	FNMA Y13, Y5, Y2;         \
	MUL  Y14, Y2, Y2;         \
	MOV  Y2, (R13)(AX*S);     \
	FMA  Y9, Y2, Y0;          \
	FMA  Y9, Y5, Y1

// Offsets in recRowPtrs: the pointers h, g, w, a, ga, x, pre, gx, hdst,
// src at 0, 8, ..., 72; n at 80; the scalars δ, cNext, dNext, cPrev, dInv
// from 88, 4 (float32) or 8 (float64) bytes apart, broadcast by BCAST.
#define BWD_SETUP(BCAST, SZ) \
	MOVQ p+0(FP), CX;          \
	MOVQ 0(CX), BX;            \
	MOVQ 8(CX), DX;            \
	MOVQ 16(CX), SI;           \
	MOVQ 24(CX), R8;           \
	MOVQ 32(CX), DI;           \
	MOVQ 40(CX), R9;           \
	MOVQ 48(CX), R10;          \
	MOVQ 56(CX), R11;          \
	MOVQ 64(CX), R13;          \
	MOVQ 72(CX), R12;          \
	BCAST 88(CX), Y10;         \
	BCAST (88+SZ)(CX), Y11;    \
	BCAST (88+2*SZ)(CX), Y12;  \
	BCAST (88+3*SZ)(CX), Y13;  \
	BCAST (88+4*SZ)(CX), Y14;  \
	MOVQ 80(CX), CX;           \
	XORQ AX, AX;               \
	VXORPS Y0, Y0, Y0;         \
	VXORPS Y1, Y1, Y1

// Accumulate: dst += Σ_t coef[t] X[t*stride + i], four vectors of dst at a
// time (four independent FMA chains), then one at a time. DI dst, SI X, DX
// the stride in bytes, R8 coef, R9 T, CX n, BX n - 4 vectors, AX the
// element; R10 walks down the column of X, R11 counts t.
#define ACC_SETUP(LOG2S, VEC4) \
	MOVQ dst+0(FP), DI;     \
	MOVQ X+8(FP), SI;       \
	MOVQ n+16(FP), CX;      \
	MOVQ stride+24(FP), DX; \
	SHLQ $LOG2S, DX;        \
	MOVQ coef+32(FP), R8;   \
	MOVQ T+40(FP), R9;      \
	MOVQ CX, BX;            \
	SUBQ $VEC4, BX;         \
	XORQ AX, AX

#define ACC_LOAD4(MOV, S) \
	MOV (DI)(AX*S), Y0;   \
	MOV 32(DI)(AX*S), Y1; \
	MOV 64(DI)(AX*S), Y2; \
	MOV 96(DI)(AX*S), Y3; \
	LEAQ (SI)(AX*S), R10; \
	XORQ R11, R11

#define ACC_FMA4(FMA) \
	FMA (R10), Y4, Y0;   \
	FMA 32(R10), Y4, Y1; \
	FMA 64(R10), Y4, Y2; \
	FMA 96(R10), Y4, Y3; \
	ADDQ DX, R10;        \
	INCQ R11

#define ACC_STORE4(MOV, S) \
	MOV Y0, (DI)(AX*S);   \
	MOV Y1, 32(DI)(AX*S); \
	MOV Y2, 64(DI)(AX*S); \
	MOV Y3, 96(DI)(AX*S)

#define ACC_LOAD1(MOV, S) \
	MOV (DI)(AX*S), Y0;   \
	LEAQ (SI)(AX*S), R10; \
	XORQ R11, R11

// func recForwardAVX32(h, w, a, pre, x *float32, n int, d, c float32) float32
TEXT ·recForwardAVX32(SB), NOSPLIT, $0-60
	FWD_SETUP(16)
	VBROADCASTSS d+48(FP), Y14
	VBROADCASTSS c+52(FP), Y15

f32loop:
	CMPQ AX, BX
	JGT  f32last
	FWD_STEP(VMOVUPS, VMULPS, VFMADD231PS, 4, 0, Y0)
	FWD_STEP(VMOVUPS, VMULPS, VFMADD231PS, 4, 32, Y1)
	ADDQ $16, AX
	JMP  f32loop

f32last:
	CMPQ AX, CX
	JGE  f32sum
	FWD_STEP(VMOVUPS, VMULPS, VFMADD231PS, 4, 0, Y0)

f32sum:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VMOVSS       X0, ret+56(FP)
	VZEROUPPER
	RET

// func recForwardAVX64(h, w, a, pre, x *float64, n int, d, c float64) float64
TEXT ·recForwardAVX64(SB), NOSPLIT, $0-72
	FWD_SETUP(8)
	VBROADCASTSD d+48(FP), Y14
	VBROADCASTSD c+56(FP), Y15

f64loop:
	CMPQ AX, BX
	JGT  f64last
	FWD_STEP(VMOVUPD, VMULPD, VFMADD231PD, 8, 0, Y0)
	FWD_STEP(VMOVUPD, VMULPD, VFMADD231PD, 8, 32, Y1)
	ADDQ $8, AX
	JMP  f64loop

f64last:
	CMPQ AX, CX
	JGE  f64sum
	FWD_STEP(VMOVUPD, VMULPD, VFMADD231PD, 8, 0, Y0)

f64sum:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+64(FP)
	VZEROUPPER
	RET

// func recBackwardAVX32(p *recRowPtrs[float32]) (sumGH, sumGP float32)
TEXT ·recBackwardAVX32(SB), NOSPLIT, $0-16
	BWD_SETUP(VBROADCASTSS, 4)

b32loop:
	BWD_STEP(VMOVUPS, VMULPS, VFMADD231PS, VFNMADD231PS, 4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  b32loop
	VEXTRACTF128 $1, Y0, X2
	VADDPS       X2, X0, X0
	VMOVHLPS     X0, X0, X2
	VADDPS       X2, X0, X0
	VMOVSHDUP    X0, X2
	VADDSS       X2, X0, X0
	VEXTRACTF128 $1, Y1, X2
	VADDPS       X2, X1, X1
	VMOVHLPS     X1, X1, X2
	VADDPS       X2, X1, X1
	VMOVSHDUP    X1, X2
	VADDSS       X2, X1, X1
	VMOVSS       X0, sumGH+8(FP)
	VMOVSS       X1, sumGP+12(FP)
	VZEROUPPER
	RET

// func recBackwardAVX64(p *recRowPtrs[float64]) (sumGH, sumGP float64)
TEXT ·recBackwardAVX64(SB), NOSPLIT, $0-24
	BWD_SETUP(VBROADCASTSD, 8)

b64loop:
	BWD_STEP(VMOVUPD, VMULPD, VFMADD231PD, VFNMADD231PD, 8)
	ADDQ $4, AX
	CMPQ AX, CX
	JLT  b64loop
	VEXTRACTF128 $1, Y0, X2
	VADDPD       X2, X0, X0
	VUNPCKHPD    X0, X0, X2
	VADDSD       X2, X0, X0
	VEXTRACTF128 $1, Y1, X2
	VADDPD       X2, X1, X1
	VUNPCKHPD    X1, X1, X2
	VADDSD       X2, X1, X1
	VMOVSD       X0, sumGH+8(FP)
	VMOVSD       X1, sumGP+16(FP)
	VZEROUPPER
	RET

// func recAccumulateAVX32(dst, X *float32, n, stride int, coef *float32, T int)
TEXT ·recAccumulateAVX32(SB), NOSPLIT, $0-48
	ACC_SETUP(2, 32)

a32four:
	CMPQ AX, BX
	JGT  a32one
	ACC_LOAD4(VMOVUPS, 4)

a32fourt:
	VBROADCASTSS (R8)(R11*4), Y4
	ACC_FMA4(VFMADD231PS)
	CMPQ         R11, R9
	JLT          a32fourt
	ACC_STORE4(VMOVUPS, 4)
	ADDQ         $32, AX
	JMP          a32four

a32one:
	CMPQ AX, CX
	JGE  a32done
	ACC_LOAD1(VMOVUPS, 4)

a32onet:
	VBROADCASTSS (R8)(R11*4), Y4
	VFMADD231PS  (R10), Y4, Y0
	ADDQ         DX, R10
	INCQ         R11
	CMPQ         R11, R9
	JLT          a32onet
	VMOVUPS      Y0, (DI)(AX*4)
	ADDQ         $8, AX
	JMP          a32one

a32done:
	VZEROUPPER
	RET

// func recAccumulateAVX64(dst, X *float64, n, stride int, coef *float64, T int)
TEXT ·recAccumulateAVX64(SB), NOSPLIT, $0-48
	ACC_SETUP(3, 16)

a64four:
	CMPQ AX, BX
	JGT  a64one
	ACC_LOAD4(VMOVUPD, 8)

a64fourt:
	VBROADCASTSD (R8)(R11*8), Y4
	ACC_FMA4(VFMADD231PD)
	CMPQ         R11, R9
	JLT          a64fourt
	ACC_STORE4(VMOVUPD, 8)
	ADDQ         $16, AX
	JMP          a64four

a64one:
	CMPQ AX, CX
	JGE  a64done
	ACC_LOAD1(VMOVUPD, 8)

a64onet:
	VBROADCASTSD (R8)(R11*8), Y4
	VFMADD231PD  (R10), Y4, Y0
	ADDQ         DX, R10
	INCQ         R11
	CMPQ         R11, R9
	JLT          a64onet
	VMOVUPD      Y0, (DI)(AX*8)
	ADDQ         $4, AX
	JMP          a64one

a64done:
	VZEROUPPER
	RET
