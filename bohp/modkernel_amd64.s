//go:build amd64 && !purego

#include "textflag.h"

// AVX2+FMA row kernels of the neuromodulated layer with the hard bound;
// modkernel.go has the portable versions and says what they compute. The
// adapters in modkernel_amd64.go pass a positive multiple of 4 elements and
// do the rest in Go. Trace updates multiply and add without fusing, as the
// portable code does, so the clip binds at the same elements; the clip is
// VMINPD/VMAXPD with the trace as the second source (a NaN passes through,
// as in clipTo) and its derivative a VCMPPD mask (LE_OQ: false for NaN, as
// in gate). Vector lanes are summed in a fixed order.

// CLIP bounds Y to [Y13, Y14] (lo, hi).
#define CLIP(Y) \
	VMINPD Y, Y14, Y; \
	VMAXPD Y, Y13, Y

// GATE sets M to all ones where lo <= V <= hi, to 0 elsewhere; T is scratch.
#define GATE(V, M, T) \
	VCMPPD $2, Y14, V, M; \
	VCMPPD $2, V, Y13, T; \
	VANDPD T, M, M

// HSUM leaves the sum of Y's four lanes in its low lane X; XT is scratch.
#define HSUM(Y, X, XT) \
	VEXTRACTF128 $1, Y, XT; \
	VADDPD       XT, X, X;  \
	VUNPCKHPD    X, X, XT;  \
	VADDSD       XT, X, X

// func modUpdateAVX64(p, ps, x *float64, n int, m, lo, hi float64)
TEXT ·modUpdateAVX64(SB), NOSPLIT, $0-56
	MOVQ         p+0(FP), DI
	MOVQ         ps+8(FP), R8
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSD m+32(FP), Y12
	VBROADCASTSD lo+40(FP), Y13
	VBROADCASTSD hi+48(FP), Y14
	XORQ         AX, AX

uloop:
	VMULPD  (SI)(AX*8), Y12, Y0
	VADDPD  (R8)(AX*8), Y0, Y0
	CLIP(Y0)
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JLT     uloop
	VZEROUPPER
	RET

// func modRetroUpdateAVX64(p, e, ps, es, x *float64, n int, m, keep, ey, lo, hi float64)
TEXT ·modRetroUpdateAVX64(SB), NOSPLIT, $0-88
	MOVQ         p+0(FP), DI
	MOVQ         e+8(FP), DX
	MOVQ         ps+16(FP), R8
	MOVQ         es+24(FP), R9
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	VBROADCASTSD m+48(FP), Y10
	VBROADCASTSD keep+56(FP), Y11
	VBROADCASTSD ey+64(FP), Y12
	VBROADCASTSD lo+72(FP), Y13
	VBROADCASTSD hi+80(FP), Y14
	XORQ         AX, AX

rloop:
	VMOVUPD (R9)(AX*8), Y0
	VMULPD  Y0, Y10, Y1
	VADDPD  (R8)(AX*8), Y1, Y1
	CLIP(Y1)
	VMOVUPD Y1, (DI)(AX*8)
	VMULPD  Y0, Y11, Y2
	VMULPD  (SI)(AX*8), Y12, Y3
	VADDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DX)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JLT     rloop
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
	ADDQ        $4, AX
	CMPQ        AX, CX
	JLT         dloop
	HSUM(Y0, X0, X1)
	VMOVSD      X0, ret+40(FP)
	VZEROUPPER
	RET

// Offsets in modRowPtrs: the pointers p, e, g, gam, w, a, ga, r, x, pp,
// ep, xp at 0, 8, ..., 88; the scalars δ, m, mp, keep, ey, lo, hi from 96.

// func modHebbBackwardAVX64(q *modRowPtrs, n int) float64
// BX p, DX g, SI w, R8 a, DI ga, R9 r, R10 x, R11 pp, R12 xp; Y10 δ,
// Y11 m, Y12 mp; Y0 the sum.
TEXT ·modHebbBackwardAVX64(SB), NOSPLIT, $0-24
	MOVQ         q+0(FP), AX
	MOVQ         0(AX), BX
	MOVQ         16(AX), DX
	MOVQ         32(AX), SI
	MOVQ         40(AX), R8
	MOVQ         48(AX), DI
	MOVQ         56(AX), R9
	MOVQ         64(AX), R10
	MOVQ         72(AX), R11
	MOVQ         88(AX), R12
	VBROADCASTSD 96(AX), Y10
	VBROADCASTSD 104(AX), Y11
	VBROADCASTSD 112(AX), Y12
	VBROADCASTSD 136(AX), Y13
	VBROADCASTSD 144(AX), Y14
	MOVQ         n+8(FP), CX
	XORQ         AX, AX
	VXORPD       Y0, Y0, Y0

hloop:
	VMOVUPD     (BX)(AX*8), Y1  // p
	VMOVUPD     (R10)(AX*8), Y2 // x
	VMULPD      Y2, Y11, Y3
	VADDPD      Y1, Y3, Y3      // p + m x
	GATE(Y3, Y4, Y5)
	VANDPD      (DX)(AX*8), Y4, Y4 // ĝ
	VMULPD      Y2, Y10, Y5        // δ x
	VMOVUPD     (DI)(AX*8), Y6
	VFMADD231PD Y5, Y1, Y6
	VMOVUPD     Y6, (DI)(AX*8)     // ga += δ x p
	VMOVUPD     (R8)(AX*8), Y7     // a
	VMOVUPD     (SI)(AX*8), Y8
	VFMADD231PD Y7, Y1, Y8         // w + a p
	VMOVUPD     (R9)(AX*8), Y9
	VFMADD231PD Y10, Y8, Y9
	VFMADD231PD Y11, Y4, Y9
	VMOVUPD     Y9, (R9)(AX*8)     // r += (w + a p) δ + ĝ m
	VFMADD231PD Y7, Y5, Y4
	VMOVUPD     Y4, (DX)(AX*8)     // G_t = ĝ + a δ x
	VMOVUPD     (R12)(AX*8), Y2    // x(t-1)
	VMULPD      Y2, Y12, Y3
	VADDPD      (R11)(AX*8), Y3, Y3
	GATE(Y3, Y5, Y6)
	VANDPD      Y4, Y5, Y5
	VFMADD231PD Y2, Y5, Y0
	ADDQ        $4, AX
	CMPQ        AX, CX
	JLT         hloop
	HSUM(Y0, X0, X1)
	VMOVSD      X0, ret+16(FP)
	VZEROUPPER
	RET

// func modRetroBackwardAVX64(q *modRowPtrs, n int) (se, sgx, sge float64)
// BX p, R13 e, DX g, R14 gam, SI w, R8 a, DI ga, R9 r, R10 x, R11 pp,
// CX ep, R12 xp (R14 is scratch in ABI0); Y9 δ, Y10 m, Y11 mp, Y12 keep,
// Y15 ey; Y0-Y2 the sums. n is compared in memory: no register is left.
TEXT ·modRetroBackwardAVX64(SB), NOSPLIT, $0-40
	MOVQ         q+0(FP), AX
	MOVQ         0(AX), BX
	MOVQ         8(AX), R13
	MOVQ         16(AX), DX
	MOVQ         24(AX), R14
	MOVQ         32(AX), SI
	MOVQ         40(AX), R8
	MOVQ         48(AX), DI
	MOVQ         56(AX), R9
	MOVQ         64(AX), R10
	MOVQ         72(AX), R11
	MOVQ         80(AX), CX
	MOVQ         88(AX), R12
	VBROADCASTSD 96(AX), Y9
	VBROADCASTSD 104(AX), Y10
	VBROADCASTSD 112(AX), Y11
	VBROADCASTSD 120(AX), Y12
	VBROADCASTSD 128(AX), Y15
	VBROADCASTSD 136(AX), Y13
	VBROADCASTSD 144(AX), Y14
	XORQ         AX, AX
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2

eloop:
	VMOVUPD     (BX)(AX*8), Y3 // p
	VMULPD      (R13)(AX*8), Y10, Y5
	VADDPD      Y3, Y5, Y5     // p + m e
	GATE(Y5, Y6, Y7)
	VANDPD      (DX)(AX*8), Y6, Y6 // ĝ
	VMULPD      (R10)(AX*8), Y9, Y4 // δ x
	VMOVUPD     (DI)(AX*8), Y5
	VFMADD231PD Y4, Y3, Y5
	VMOVUPD     Y5, (DI)(AX*8)      // ga += δ x p
	VMOVUPD     (R8)(AX*8), Y7      // a
	VMOVUPD     (SI)(AX*8), Y5
	VFMADD231PD Y7, Y3, Y5          // w + a p
	VMOVUPD     (R9)(AX*8), Y8
	VFMADD231PD Y9, Y5, Y8
	VMOVUPD     (R14)(AX*8), Y5     // γ
	VFMADD231PD Y15, Y5, Y8
	VMOVUPD     Y8, (R9)(AX*8)      // r += (w + a p) δ + γ ey
	VMOVAPD     Y6, Y3
	VFMADD231PD Y7, Y4, Y3
	VMOVUPD     Y3, (DX)(AX*8)      // G_t = ĝ + a δ x
	VMULPD      Y5, Y12, Y5
	VFMADD231PD Y10, Y6, Y5
	VMOVUPD     Y5, (R14)(AX*8)     // Γ_t = keep γ + m ĝ
	VMOVUPD     (CX)(AX*8), Y4      // E_{t-1}
	VMULPD      Y4, Y11, Y6
	VADDPD      (R11)(AX*8), Y6, Y6
	GATE(Y6, Y7, Y8)
	VANDPD      Y3, Y7, Y7
	VFMADD231PD Y4, Y7, Y0
	VFMADD231PD (R12)(AX*8), Y5, Y1
	VFMADD231PD Y4, Y5, Y2
	ADDQ        $4, AX
	CMPQ        AX, n+8(FP)
	JLT         eloop
	HSUM(Y0, X0, X3)
	HSUM(Y1, X1, X3)
	HSUM(Y2, X2, X3)
	VMOVSD      X0, se+16(FP)
	VMOVSD      X1, sgx+24(FP)
	VMOVSD      X2, sge+32(FP)
	VZEROUPPER
	RET
