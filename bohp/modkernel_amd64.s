//go:build amd64 && !purego

#include "textflag.h"
#include "hsum_amd64.h"

// AVX2+FMA row kernels of the neuromodulated layer with the hard bound;
// modkernel.go has the portable versions and says what they compute. The
// adapters in modkernel_amd64.go pass a positive multiple of 4 elements and
// do the rest in Go. Trace updates multiply and add without fusing, as the
// portable code does, so the clip binds at the same elements; the clip is
// VMINPD/VMAXPD with the trace as the second source (a NaN passes through,
// as in clipTo) and its derivative a VCMPPD mask (predicate 2, LE_OS:
// false for NaN, as in gate). Vector lanes are summed in a fixed order.

// CLIP bounds Y to [Y13, Y14] (lo, hi).
#define CLIP(Y) \
	VMINPD Y, Y14, Y; \
	VMAXPD Y, Y13, Y

// GATE sets M to all ones where lo <= V <= hi, to 0 elsewhere; T is scratch.
#define GATE(V, M, T) \
	VCMPPD $2, Y14, V, M; \
	VCMPPD $2, V, Y13, T; \
	VANDPD T, M, M

// Offsets in modRowPtrs: the pointers p, e, g, gam, w, a, ga, r, x, pp,
// ep, xp at 0, 8, ..., 88; the scalars δ, m, mp, keep, ey, lo, hi from 96.
// The update kernels read ps and es from pp and ep.

// SETP stores clip(ps + D) to p (R8 ps, DI p).
#define SETP(D) \
	VADDPD  (R8)(AX*8), D, D; \
	CLIP(D);                  \
	VMOVUPD D, (DI)(AX*8)

// NEXT moves AX to the next vector and loops while AX < CX.
#define NEXT(LOOP) \
	ADDQ $4, AX;   \
	CMPQ AX, CX;   \
	JLT  LOOP

// UPD_SETUP loads, from the modRowPtrs at AX, the operands of both update
// kernels (DI p, R8 pp as ps, SI x, Y12 m, Y13 lo, Y14 hi) and zeroes AX.
#define UPD_SETUP \
	MOVQ         0(AX), DI;    \
	MOVQ         72(AX), R8;   \
	MOVQ         64(AX), SI;   \
	VBROADCASTSD 104(AX), Y12; \
	VBROADCASTSD 136(AX), Y13; \
	VBROADCASTSD 144(AX), Y14; \
	XORQ         AX, AX

// func modUpdateAVX64(q *modRowPtrs, n int)
TEXT ·modUpdateAVX64(SB), NOSPLIT, $0-16
	MOVQ q+0(FP), AX
	MOVQ n+8(FP), CX
	UPD_SETUP

uloop:
	VMULPD (SI)(AX*8), Y12, Y0
	SETP(Y0)
	NEXT(uloop)
	VZEROUPPER
	RET

// func modRetroUpdateAVX64(q *modRowPtrs, n int)
// DX e, R9 ep as es; Y11 keep, Y15 ey.
TEXT ·modRetroUpdateAVX64(SB), NOSPLIT, $0-16
	MOVQ         q+0(FP), AX
	MOVQ         n+8(FP), CX
	MOVQ         8(AX), DX
	MOVQ         80(AX), R9
	VBROADCASTSD 120(AX), Y11
	VBROADCASTSD 128(AX), Y15
	UPD_SETUP

rloop:
	VMOVUPD (R9)(AX*8), Y0
	VMULPD  Y0, Y12, Y1
	SETP(Y1)
	VMULPD  Y0, Y11, Y2
	VMULPD  (SI)(AX*8), Y15, Y3
	VADDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DX)(AX*8)
	NEXT(rloop)
	VZEROUPPER
	RET

// func modDotAVX64(w, a, p, x *float64, n int) float64
TEXT ·modDotAVX64(SB), NOSPLIT, $0-48
	MOVQ   w+0(FP), SI
	MOVQ   a+8(FP), R8
	MOVQ   p+16(FP), DI
	MOVQ   x+24(FP), R10
	MOVQ   n+32(FP), CX
	XORQ   AX, AX
	VXORPD Y0, Y0, Y0

dloop:
	VMOVUPD     (SI)(AX*8), Y1
	VMOVUPD     (R8)(AX*8), Y2
	VFMADD231PD (DI)(AX*8), Y2, Y1
	VFMADD231PD (R10)(AX*8), Y1, Y0
	NEXT(dloop)
	HSUM_PD(Y0, X0, X1)
	VMOVSD      X0, ret+40(FP)
	VZEROUPPER
	RET


// ROW_SETUP loads, from the modRowPtrs at AX, the pointers both backward
// kernels use (BX p, DX g, SI w, R8 a, DI ga, R9 r, R10 x, R11 pp, R12 xp)
// and the scalars δ, m, mp and the bounds (Y10-Y14).
#define ROW_SETUP \
	MOVQ         0(AX), BX;   \
	MOVQ         16(AX), DX;  \
	MOVQ         32(AX), SI;  \
	MOVQ         40(AX), R8;  \
	MOVQ         48(AX), DI;  \
	MOVQ         56(AX), R9;  \
	MOVQ         64(AX), R10; \
	MOVQ         72(AX), R11; \
	MOVQ         88(AX), R12; \
	VBROADCASTSD 96(AX), Y10;  \
	VBROADCASTSD 104(AX), Y11; \
	VBROADCASTSD 112(AX), Y12; \
	VBROADCASTSD 136(AX), Y13; \
	VBROADCASTSD 144(AX), Y14

// ROW_HEAD is what both backward kernels do first with an element vector:
// it loads p into P, ĝ into G, δ x into D and a into A, adds D P to ga,
// and leaves w + a p in WAP and r + (w + a p) δ in R (not stored); T is
// scratch (it may be WAP).
#define ROW_HEAD(P, G, D, T, A, WAP, R) \
	VMOVUPD     (BX)(AX*8), P;       \
	VMOVUPD     (DX)(AX*8), G;       \
	VMULPD      (R10)(AX*8), Y10, D; \
	VMOVUPD     (DI)(AX*8), T;       \
	VFMADD231PD D, P, T;             \
	VMOVUPD     T, (DI)(AX*8);       \
	VMOVUPD     (R8)(AX*8), A;       \
	VMOVUPD     (SI)(AX*8), WAP;     \
	VFMADD231PD A, P, WAP;           \
	VMOVUPD     (R9)(AX*8), R;       \
	VFMADD231PD Y10, WAP, R

// PREV_GATE leaves in M the adjoint G gated by the clip of the previous
// step's update, pp + MP V (R11 pp); T and S are scratch.
#define PREV_GATE(V, MP, G, M, T, S) \
	VMULPD V, MP, T;           \
	VADDPD (R11)(AX*8), T, T;  \
	GATE(T, M, S);             \
	VANDPD G, M, M

// func modHebbBackwardAVX64(q *modRowPtrs, n int) float64
// BX p, DX g, SI w, R8 a, DI ga, R9 r, R10 x, R11 pp, R12 xp; Y10 δ,
// Y11 m, Y12 mp; Y0 the sum.
TEXT ·modHebbBackwardAVX64(SB), NOSPLIT, $0-24
	MOVQ         q+0(FP), AX
	ROW_SETUP
	MOVQ         n+8(FP), CX
	XORQ         AX, AX
	VXORPD       Y0, Y0, Y0

hloop:
	ROW_HEAD(Y1, Y4, Y5, Y6, Y7, Y8, Y9) // p, ĝ, δ x, a
	VFMADD231PD Y11, Y4, Y9
	VMOVUPD     Y9, (R9)(AX*8)     // r += (w + a p) δ + ĝ m
	VFMADD231PD Y7, Y5, Y4         // G_t = ĝ + a δ x
	VMOVUPD     (R12)(AX*8), Y2    // x(t-1)
	PREV_GATE(Y2, Y12, Y4, Y5, Y3, Y6)
	VMOVUPD     Y5, (DX)(AX*8)     // Ĝ_t
	VFMADD231PD Y2, Y5, Y0
	NEXT(hloop)
	HSUM_PD(Y0, X0, X1)
	VMOVSD      X0, ret+16(FP)
	VZEROUPPER
	RET

// func modRetroBackwardAVX64(q *modRowPtrs, n int) (se, sgx, sge float64)
// BX p, DX g, R14 gam, SI w, R8 a, DI ga, R9 r, R10 x, R11 pp, CX ep,
// R12 xp (R14 is scratch in ABI0); Y10 δ, Y11 m, Y12 mp, Y9 keep, Y15 ey;
// Y0-Y2 the sums; n is compared in memory.
TEXT ·modRetroBackwardAVX64(SB), NOSPLIT, $0-40
	MOVQ         q+0(FP), AX
	ROW_SETUP
	MOVQ         24(AX), R14
	MOVQ         80(AX), CX
	VBROADCASTSD 120(AX), Y9
	VBROADCASTSD 128(AX), Y15
	XORQ         AX, AX
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2

eloop:
	ROW_HEAD(Y3, Y6, Y4, Y5, Y7, Y5, Y8) // p, ĝ, δ x, a
	VMOVUPD     (R14)(AX*8), Y5     // γ
	VFMADD231PD Y15, Y5, Y8
	VMOVUPD     Y8, (R9)(AX*8)      // r += (w + a p) δ + γ ey
	VMOVAPD     Y6, Y3
	VFMADD231PD Y7, Y4, Y3          // G_t = ĝ + a δ x
	VMULPD      Y5, Y9, Y5
	VFMADD231PD Y11, Y6, Y5
	VMOVUPD     Y5, (R14)(AX*8)     // Γ_t = keep γ + m ĝ
	VMOVUPD     (CX)(AX*8), Y4      // E_{t-1}
	PREV_GATE(Y4, Y12, Y3, Y7, Y6, Y8)
	VMOVUPD     Y7, (DX)(AX*8)      // Ĝ_t
	VFMADD231PD Y4, Y7, Y0
	VFMADD231PD (R12)(AX*8), Y5, Y1
	VFMADD231PD Y4, Y5, Y2
	ADDQ        $4, AX
	CMPQ        AX, n+8(FP)
	JLT         eloop
	HSUM_PD(Y0, X0, X3)
	HSUM_PD(Y1, X1, X3)
	HSUM_PD(Y2, X2, X3)
	VMOVSD      X0, se+16(FP)
	VMOVSD      X1, sgx+24(FP)
	VMOVSD      X2, sge+32(FP)
	VZEROUPPER
	RET
