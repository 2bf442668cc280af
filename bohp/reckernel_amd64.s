//go:build amd64 && !purego

#include "textflag.h"
#include "hsum_amd64.h"

// AVX2+FMA row kernels of the recurrent layer; reckernel.go has the
// portable versions and says what they compute. The adapters in
// reckernel_amd64.go pass a positive multiple of the vector width (8
// float32s, 4 float64s) and do the rest in Go. Vector lanes are summed in
// a fixed order, so results are deterministic. R14 and R15 are not used.
//
// The float32 and float64 kernels share their loops: macros taking the
// instructions (…PS or …PD) and the element size S, so that a 32-byte
// vector holds 32/S elements.

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

#define FWD_SETUP(S) \
	MOVQ h+0(FP), DI;    \
	MOVQ w+8(FP), SI;    \
	MOVQ a+16(FP), R8;   \
	MOVQ pre+24(FP), R9; \
	MOVQ x+32(FP), R10;  \
	MOVQ n+40(FP), CX;   \
	MOVQ CX, BX;         \
	SUBQ $(64/S), BX;    \
	XORQ AX, AX;         \
	VXORPS Y0, Y0, Y0;   \
	VXORPS Y1, Y1, Y1

// FWD_LOOP runs FWD_STEP over the row two vectors at a time, summing into
// Y0 and Y1, then over the odd vector if there is one, and leaves Y0 + Y1
// in Y0.
#define FWD_LOOP(MOV, MUL, FMA, ADD, S) \
pairs:                                  \
	CMPQ AX, BX;                        \
	JGT  last;                          \
	FWD_STEP(MOV, MUL, FMA, S, 0, Y0);  \
	FWD_STEP(MOV, MUL, FMA, S, 32, Y1); \
	ADDQ $(64/S), AX;                   \
	JMP  pairs;                         \
last:                                   \
	CMPQ AX, CX;                        \
	JGE  sum;                           \
	FWD_STEP(MOV, MUL, FMA, S, 0, Y0);  \
sum:                                    \
	ADD Y1, Y0, Y0

// Backward (see recBackwardGo), one vector at a time:
//	gx += (w + a h) δ + cNext g;  dx = δ x;  ga += dx h
//	g = dNext g + a dx;  hdst = (src - cPrev pre) dInv
//	sumGH += g hdst;  sumGP += g pre
// BX h, DX g, SI w, R8 a, DI ga, R9 x, R10 pre, R11 gx, R13 hdst, R12 src;
// Y10-Y14 δ, cNext, dNext, cPrev, dInv; Y0 and Y1 the sums; CX n, AX the
// element. src is read after h, and hdst written after both, so they may
// be the same row.
#define BWD_LOOP(MOV, MUL, FMA, FNMA, S) \
loop:                         \
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
	FMA  Y9, Y5, Y1;          \
	ADDQ $(32/S), AX;         \
	CMPQ AX, CX;              \
	JLT  loop

// Offsets in recRowPtrs: the pointers h, g, w, a, ga, x, pre, gx, hdst,
// src at 0, 8, ..., 72; n at 80; the scalars δ, cNext, dNext, cPrev, dInv
// from 88, S bytes apart, broadcast by BCAST.
#define BWD_SETUP(BCAST, S) \
	MOVQ p+0(FP), CX;         \
	MOVQ 0(CX), BX;           \
	MOVQ 8(CX), DX;           \
	MOVQ 16(CX), SI;          \
	MOVQ 24(CX), R8;          \
	MOVQ 32(CX), DI;          \
	MOVQ 40(CX), R9;          \
	MOVQ 48(CX), R10;         \
	MOVQ 56(CX), R11;         \
	MOVQ 64(CX), R13;         \
	MOVQ 72(CX), R12;         \
	BCAST 88(CX), Y10;        \
	BCAST (88+S)(CX), Y11;    \
	BCAST (88+2*S)(CX), Y12;  \
	BCAST (88+3*S)(CX), Y13;  \
	BCAST (88+4*S)(CX), Y14;  \
	MOVQ 80(CX), CX;          \
	XORQ AX, AX;              \
	VXORPS Y0, Y0, Y0;        \
	VXORPS Y1, Y1, Y1

// ACCUMULATE is the accumulate kernel up to its return: dst += Σ_t
// coef[t] X[t*stride + i], four vectors of dst at a time (four independent
// FMA chains), then one at a time. LOG2S is log2 S. DI dst, SI X, DX the
// stride in bytes, R8 coef, R9 T, CX n, BX n - 4 vectors, AX the element;
// R10 walks down the column of X, R11 counts t, Y4 is coef[t].
#define ACCUMULATE(BCAST, MOV, FMA, S, LOG2S) \
	MOVQ dst+0(FP), DI;       \
	MOVQ X+8(FP), SI;         \
	MOVQ n+16(FP), CX;        \
	MOVQ stride+24(FP), DX;   \
	SHLQ $LOG2S, DX;          \
	MOVQ coef+32(FP), R8;     \
	MOVQ T+40(FP), R9;        \
	MOVQ CX, BX;              \
	SUBQ $(128/S), BX;        \
	XORQ AX, AX;              \
four:                         \
	CMPQ AX, BX;              \
	JGT  one;                 \
	MOV  (DI)(AX*S), Y0;      \
	MOV  32(DI)(AX*S), Y1;    \
	MOV  64(DI)(AX*S), Y2;    \
	MOV  96(DI)(AX*S), Y3;    \
	LEAQ (SI)(AX*S), R10;     \
	XORQ R11, R11;            \
fourt:                        \
	BCAST (R8)(R11*S), Y4;    \
	FMA  (R10), Y4, Y0;       \
	FMA  32(R10), Y4, Y1;     \
	FMA  64(R10), Y4, Y2;     \
	FMA  96(R10), Y4, Y3;     \
	ADDQ DX, R10;             \
	INCQ R11;                 \
	CMPQ R11, R9;             \
	JLT  fourt;               \
	MOV  Y0, (DI)(AX*S);      \
	MOV  Y1, 32(DI)(AX*S);    \
	MOV  Y2, 64(DI)(AX*S);    \
	MOV  Y3, 96(DI)(AX*S);    \
	ADDQ $(128/S), AX;        \
	JMP  four;                \
one:                          \
	CMPQ AX, CX;              \
	JGE  done;                \
	MOV  (DI)(AX*S), Y0;      \
	LEAQ (SI)(AX*S), R10;     \
	XORQ R11, R11;            \
onet:                         \
	BCAST (R8)(R11*S), Y4;    \
	FMA  (R10), Y4, Y0;       \
	ADDQ DX, R10;             \
	INCQ R11;                 \
	CMPQ R11, R9;             \
	JLT  onet;                \
	MOV  Y0, (DI)(AX*S);      \
	ADDQ $(32/S), AX;         \
	JMP  one;                 \
done:

// func recForwardAVX32(h, w, a, pre, x *float32, n int, d, c float32) float32
TEXT ·recForwardAVX32(SB), NOSPLIT, $0-60
	FWD_SETUP(4)
	VBROADCASTSS d+48(FP), Y14
	VBROADCASTSS c+52(FP), Y15
	FWD_LOOP(VMOVUPS, VMULPS, VFMADD231PS, VADDPS, 4)
	HSUM_PS(Y0, X0, X1)
	VMOVSS       X0, ret+56(FP)
	VZEROUPPER
	RET

// func recForwardAVX64(h, w, a, pre, x *float64, n int, d, c float64) float64
TEXT ·recForwardAVX64(SB), NOSPLIT, $0-72
	FWD_SETUP(8)
	VBROADCASTSD d+48(FP), Y14
	VBROADCASTSD c+56(FP), Y15
	FWD_LOOP(VMOVUPD, VMULPD, VFMADD231PD, VADDPD, 8)
	HSUM_PD(Y0, X0, X1)
	VMOVSD       X0, ret+64(FP)
	VZEROUPPER
	RET

// func recBackwardAVX32(p *recRowPtrs[float32]) (sumGH, sumGP float32)
TEXT ·recBackwardAVX32(SB), NOSPLIT, $0-16
	BWD_SETUP(VBROADCASTSS, 4)
	BWD_LOOP(VMOVUPS, VMULPS, VFMADD231PS, VFNMADD231PS, 4)
	HSUM_PS(Y0, X0, X2)
	HSUM_PS(Y1, X1, X2)
	VMOVSS X0, sumGH+8(FP)
	VMOVSS X1, sumGP+12(FP)
	VZEROUPPER
	RET

// func recBackwardAVX64(p *recRowPtrs[float64]) (sumGH, sumGP float64)
TEXT ·recBackwardAVX64(SB), NOSPLIT, $0-24
	BWD_SETUP(VBROADCASTSD, 8)
	BWD_LOOP(VMOVUPD, VMULPD, VFMADD231PD, VFNMADD231PD, 8)
	HSUM_PD(Y0, X0, X2)
	HSUM_PD(Y1, X1, X2)
	VMOVSD X0, sumGH+8(FP)
	VMOVSD X1, sumGP+16(FP)
	VZEROUPPER
	RET

// func recAccumulateAVX32(dst, X *float32, n, stride int, coef *float32, T int)
TEXT ·recAccumulateAVX32(SB), NOSPLIT, $0-48
	ACCUMULATE(VBROADCASTSS, VMOVUPS, VFMADD231PS, 4, 2)
	VZEROUPPER
	RET

// func recAccumulateAVX64(dst, X *float64, n, stride int, coef *float64, T int)
TEXT ·recAccumulateAVX64(SB), NOSPLIT, $0-48
	ACCUMULATE(VBROADCASTSD, VMOVUPD, VFMADD231PD, 8, 3)
	VZEROUPPER
	RET
