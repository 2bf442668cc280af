//go:build amd64 && !purego

#include "textflag.h"
#include "hsum_amd64.h"

// AVX2+FMA row kernels of the neuromodulated layer, with the hard bound
// and (after those) the soft one; modkernel.go has the portable versions
// and says what they compute. The adapters in modkernel_amd64.go pass a
// positive multiple of 4 elements and do the rest in Go. Trace updates
// multiply and add without fusing, as the portable code does, so the clip
// binds at the same elements; the clip is VMINPD/VMAXPD with the trace as
// the second source (a NaN passes through, as in clipTo) and the hard
// bound's derivative a VCMPPD mask (predicate 2, LE_OS: false for NaN, as
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
// it loads p into P, ĝ into G, δ x into D and a into A and adds D P to
// ga; T is scratch.
#define ROW_HEAD(P, G, D, T, A) \
	VMOVUPD     (BX)(AX*8), P;       \
	VMOVUPD     (DX)(AX*8), G;       \
	VMULPD      (R10)(AX*8), Y10, D; \
	VMOVUPD     (DI)(AX*8), T;       \
	VFMADD231PD D, P, T;             \
	VMOVUPD     T, (DI)(AX*8);       \
	VMOVUPD     (R8)(AX*8), A

// ROW_R adds (w + a p) δ + V S to r (R9), given p in P and a in A, unless
// r is nil (the layer's input needs no gradient): then it jumps to SKIP.
// WAP is scratch; R may be P.
#define ROW_R(P, A, WAP, R, V, S, SKIP) \
	TESTQ       R9, R9;          \
	JZ          SKIP;            \
	VMOVUPD     (SI)(AX*8), WAP; \
	VFMADD231PD A, P, WAP;       \
	VMOVUPD     (R9)(AX*8), R;   \
	VFMADD231PD Y10, WAP, R;     \
	VFMADD231PD S, V, R;         \
	VMOVUPD     R, (R9)(AX*8)

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
	ROW_HEAD(Y1, Y4, Y5, Y6, Y7)       // p, ĝ, δ x, a
	ROW_R(Y1, Y7, Y8, Y9, Y4, Y11, hg) // r += (w + a p) δ + ĝ m

hg:
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
	ROW_HEAD(Y3, Y6, Y4, Y5, Y7)        // p, ĝ, δ x, a
	VMOVUPD     (R14)(AX*8), Y5     // γ
	ROW_R(Y3, Y7, Y8, Y3, Y5, Y15, eg)  // r += (w + a p) δ + γ ey

eg:
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

// The soft bound's kernels round every operation as the portable code
// does (no fused multiply-add; 1 + u as 1 - (-u), which IEEE arithmetic
// rounds alike) and add each sum lane after lane, element after element,
// so their results are bit-identical to the portable kernels'. They keep
// 1.0 in Y9 and the sign bit in Y15 (SOFT_CONST); c = hi (Y14), -c = lo
// (Y13).

// SOFT_CONST sets Y9 to 1.0 and Y15 to the sign bit, in every lane.
#define SOFT_CONST \
	VPCMPEQQ Y15, Y15, Y15; \
	VPSRLQ   $54, Y15, Y9;  \
	VPSLLQ   $52, Y9, Y9;   \
	VPSLLQ   $63, Y15, Y15

// SOFT_FACTOR sets F to 1 - X/c with the sign of X/c flipped where S has
// the sign bit: 1 - X/c for an increment d > 0, 1 + X/c for d < 0.
#define SOFT_FACTOR(X, S, F) \
	VDIVPD Y14, X, F; \
	VXORPD S, F, F;   \
	VSUBPD F, Y9, F

// SOFT_STEP is softStep of P by D: it sets S to D's sign bits, F to the
// factor 1 ∓ P/c (1 where D is 0 or NaN), V to the move P + D (1 ∓ P/c)
// (P where D is 0 or NaN) and Z to the mask D != 0 (false for NaN); ZERO
// holds zeros. V may be S, and Z may be D (D's last use).
#define SOFT_STEP(P, D, ZERO, S, F, V, Z) \
	VANDPD    Y15, D, S;       \
	SOFT_FACTOR(P, S, F);      \
	VMULPD    F, D, V;         \
	VADDPD    V, P, V;         \
	VCMPPD    $12, ZERO, D, Z; \
	VBLENDVPD Z, V, P, V;      \
	VBLENDVPD Z, F, Y9, F

// SOFT_KEEP sets M where the clip leaves the move V as it is, !(V > c)
// and !(V < -c) (a NaN kept, as in softGate); it overwrites V.
#define SOFT_KEEP(V, M) \
	VCMPPD $5, V, Y14, M; \
	VCMPPD $5, Y13, V, V; \
	VANDPD V, M, M

// SOFT_GRADS is softGate of ĝ (loaded from g into S) for the move of P by
// D: it leaves gd = ∂P_{t+1}/∂d ĝ in F and gp = ∂P_{t+1}/∂p ĝ in D; V and
// Z are scratch; zeros at 0(SP).
#define SOFT_GRADS(P, D, S, F, V, Z) \
	SOFT_STEP(P, D, 0(SP), S, F, V, Z); \
	SOFT_FACTOR(D, S, D);               \
	VBLENDVPD Z, D, Y9, D;              \
	SOFT_KEEP(V, Z);                    \
	VMOVUPD   (DX)(AX*8), S;            \
	VMULPD    S, F, F;                  \
	VANDPD    Z, F, F;                  \
	VMULPD    S, D, D;                  \
	VANDPD    Z, D, D

// SOFT_PREV_SUM adds to the low lane of SUM, lane after lane, G gated by
// the soft bound of step t-1's move of PP by D, times X (Σ_k Ĝ_t x(t-1)
// or Σ_k Ĝ_t E_{t-1}); it overwrites PP and D; S, F and V are scratch (V
// may be S), XF is F's low half, XT scratch; zeros at 0(SP).
#define SOFT_PREV_SUM(PP, D, G, X, S, F, XF, V, SUM, XT) \
	SOFT_STEP(PP, D, 0(SP), S, F, V, D); \
	SOFT_KEEP(V, PP);                    \
	VMULPD    F, G, F;                   \
	VANDPD    PP, F, F;                  \
	VMULPD    X, F, F;                   \
	SEQSUM(F, XF, SUM, XT)

// SEQSUM adds Y's four lanes to the low lane of S, one after the other
// (as the portable loop adds its elements); X is Y's low half, XT scratch.
#define SEQSUM(Y, X, S, XT) \
	VADDSD       X, S, S;  \
	VUNPCKHPD    X, X, XT; \
	VADDSD       XT, S, S; \
	VEXTRACTF128 $1, Y, X; \
	VADDSD       X, S, S;  \
	VUNPCKHPD    X, X, XT; \
	VADDSD       XT, S, S

// func modSoftUpdateAVX64(q *modRowPtrs, n int)
// DI p, R8 ps, SI x; Y12 m; Y10 zeros.
TEXT ·modSoftUpdateAVX64(SB), NOSPLIT, $0-16
	MOVQ   q+0(FP), AX
	MOVQ   n+8(FP), CX
	SOFT_CONST
	VXORPD Y10, Y10, Y10
	UPD_SETUP

suloop:
	VMULPD  (SI)(AX*8), Y12, Y0            // d = m x
	VMOVUPD (R8)(AX*8), Y1                 // ps
	SOFT_STEP(Y1, Y0, Y10, Y2, Y3, Y4, Y5)
	CLIP(Y4)
	VMOVUPD Y4, (DI)(AX*8)
	NEXT(suloop)
	VZEROUPPER
	RET

// func modSoftRetroUpdateAVX64(q *modRowPtrs, n int)
// DI p, DX e, R8 ps, R9 es, SI x; Y12 m, Y11 keep, Y8 ey; Y10 zeros.
TEXT ·modSoftRetroUpdateAVX64(SB), NOSPLIT, $0-16
	MOVQ         q+0(FP), AX
	MOVQ         n+8(FP), CX
	MOVQ         8(AX), DX
	MOVQ         80(AX), R9
	VBROADCASTSD 120(AX), Y11
	VBROADCASTSD 128(AX), Y8
	SOFT_CONST
	VXORPD       Y10, Y10, Y10
	UPD_SETUP

srloop:
	VMOVUPD (R9)(AX*8), Y6                 // es
	VMULPD  Y6, Y12, Y0                    // d = m es
	VMOVUPD (R8)(AX*8), Y1                 // ps
	SOFT_STEP(Y1, Y0, Y10, Y2, Y3, Y4, Y5)
	CLIP(Y4)
	VMOVUPD Y4, (DI)(AX*8)
	VMULPD  Y6, Y11, Y2
	VMULPD  (SI)(AX*8), Y8, Y3
	VADDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DX)(AX*8)                 // e = keep es + ey x
	NEXT(srloop)
	VZEROUPPER
	RET

// func modSoftHebbBackwardAVX64(q *modRowPtrs, n int) float64
// Registers as in modHebbBackwardAVX64; zeros at 0(SP); X0 the sum.
TEXT ·modSoftHebbBackwardAVX64(SB), NOSPLIT, $32-24
	MOVQ    q+0(FP), AX
	ROW_SETUP
	SOFT_CONST
	MOVQ    n+8(FP), CX
	XORQ    AX, AX
	VXORPD  Y0, Y0, Y0
	VMOVUPD Y0, 0(SP)

shloop:
	VMOVUPD   (BX)(AX*8), Y1                 // p
	VMOVUPD   (R10)(AX*8), Y2                // x
	VMULPD    Y2, Y11, Y3                    // d = m x
	SOFT_GRADS(Y1, Y3, Y4, Y5, Y6, Y7)       // Y5 gd, Y3 gp
	VMULPD    Y2, Y10, Y2                    // δ x
	VMULPD    Y1, Y2, Y4
	VADDPD    (DI)(AX*8), Y4, Y4
	VMOVUPD   Y4, (DI)(AX*8)                 // ga += δ x p
	VMOVUPD   (R8)(AX*8), Y6                 // a
	TESTQ     R9, R9
	JZ        shg                            // r nil: no ∂L/∂x
	VMULPD    Y1, Y6, Y4
	VADDPD    (SI)(AX*8), Y4, Y4
	VMULPD    Y10, Y4, Y4
	VMULPD    Y11, Y5, Y5
	VADDPD    Y5, Y4, Y4
	VADDPD    (R9)(AX*8), Y4, Y4
	VMOVUPD   Y4, (R9)(AX*8)                 // r += (w + a p) δ + gd m

shg:
	VMULPD    Y2, Y6, Y2
	VADDPD    Y2, Y3, Y3
	VMOVUPD   Y3, (DX)(AX*8)                 // G_t = gp + a δ x
	VMOVUPD   (R11)(AX*8), Y1                // P_{t-1}
	VMOVUPD   (R12)(AX*8), Y2                // x(t-1)
	VMULPD    Y2, Y12, Y4                    // mp x(t-1)
	SOFT_PREV_SUM(Y1, Y4, Y3, Y2, Y5, Y6, X6, Y7, X0, X7)
	NEXT(shloop)
	VMOVSD    X0, ret+16(FP)
	VZEROUPPER
	RET

// func modSoftRetroBackwardAVX64(q *modRowPtrs, n int) (se, sgx, sge float64)
// Registers as in modRetroBackwardAVX64, with R13 e; zeros at 0(SP), keep
// at 32(SP), ey at 64(SP); X0-X2 the sums.
TEXT ·modSoftRetroBackwardAVX64(SB), NOSPLIT, $96-40
	MOVQ         q+0(FP), AX
	ROW_SETUP
	SOFT_CONST
	MOVQ         8(AX), R13
	MOVQ         24(AX), R14
	MOVQ         80(AX), CX
	VBROADCASTSD 120(AX), Y3
	VMOVUPD      Y3, 32(SP)
	VBROADCASTSD 128(AX), Y3
	VMOVUPD      Y3, 64(SP)
	XORQ         AX, AX
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VMOVUPD      Y0, 0(SP)

sbloop:
	VMOVUPD   (BX)(AX*8), Y3                 // p
	VMULPD    (R13)(AX*8), Y11, Y4           // d = m E
	SOFT_GRADS(Y3, Y4, Y5, Y6, Y7, Y8)       // Y6 gd, Y4 gp
	VMULPD    (R10)(AX*8), Y10, Y5           // δ x
	VMULPD    Y3, Y5, Y7
	VADDPD    (DI)(AX*8), Y7, Y7
	VMOVUPD   Y7, (DI)(AX*8)                 // ga += δ x p
	VMOVUPD   (R8)(AX*8), Y7                 // a
	TESTQ     R9, R9
	JZ        sbg                            // r nil: no ∂L/∂x
	VMULPD    Y3, Y7, Y8
	VADDPD    (SI)(AX*8), Y8, Y8
	VMULPD    Y10, Y8, Y8
	VMOVUPD   (R14)(AX*8), Y3                // γ
	VMULPD    64(SP), Y3, Y3
	VADDPD    Y3, Y8, Y8
	VADDPD    (R9)(AX*8), Y8, Y8
	VMOVUPD   Y8, (R9)(AX*8)                 // r += (w + a p) δ + γ ey

sbg:
	VMULPD    Y5, Y7, Y5
	VADDPD    Y5, Y4, Y4
	VMOVUPD   Y4, (DX)(AX*8)                 // G_t = gp + a δ x
	VMOVUPD   (R14)(AX*8), Y3
	VMULPD    32(SP), Y3, Y3
	VMULPD    Y11, Y6, Y6
	VADDPD    Y6, Y3, Y3
	VMOVUPD   Y3, (R14)(AX*8)                // Γ_t = keep γ + m gd
	VMOVUPD   (CX)(AX*8), Y6                 // E_{t-1}
	VMULPD    (R12)(AX*8), Y3, Y7
	SEQSUM(Y7, X7, X1, X8)                   // Γ_t x(t-1)
	VMULPD    Y6, Y3, Y7
	SEQSUM(Y7, X7, X2, X8)                   // Γ_t E_{t-1}
	VMOVUPD   (R11)(AX*8), Y3                // P_{t-1}
	VMULPD    Y6, Y12, Y5                    // mp E_{t-1}
	SOFT_PREV_SUM(Y3, Y5, Y4, Y6, Y7, Y8, X8, Y7, X0, X7)
	ADDQ      $4, AX
	CMPQ      AX, n+8(FP)
	JLT       sbloop
	VMOVSD    X0, se+16(FP)
	VMOVSD    X1, sgx+24(FP)
	VMOVSD    X2, sge+32(FP)
	VZEROUPPER
	RET
