//go:build amd64 && !purego

#include "textflag.h"

// AVX2+FMA row kernels of the recurrent layer; reckernel.go has the
// portable versions and says what they compute. Vector lanes are summed in
// a fixed order, so results are deterministic. Registers R14 and R15 are
// not used.

// Offsets in recRowPtrs: the pointers h, g, w, a, ga, x, pre, gx, hdst,
// hsrc at 0, 8, ..., 72; n at 80; load at 88; the scalars delta, cNext,
// dNext, cPrev, dInv from 96, 4 (float32) or 8 (float64) bytes apart.
//
// Registers: BX h, DX g, SI w, R8 a, DI ga, R9 x, R10 pre, R11 gx, R13
// hdst or hsrc, AX the element index, CX the end of the vector loop, R12
// the row length; Y10-Y14 the scalars; Y0 and Y1 the sums.

#define LOADPTRS \
	MOVQ p+0(FP), R12; \
	MOVQ 0(R12), BX; \
	MOVQ 8(R12), DX; \
	MOVQ 16(R12), SI; \
	MOVQ 24(R12), R8; \
	MOVQ 32(R12), DI; \
	MOVQ 40(R12), R9; \
	MOVQ 48(R12), R10; \
	MOVQ 56(R12), R11; \
	MOVQ 64(R12), R13; \
	CMPQ 88(R12), $0; \
	JEQ  2(PC); \
	MOVQ 72(R12), R13

// func recForwardAVX32(h, w, a, pre, x *float32, n int, d, c float32) float32
TEXT ·recForwardAVX32(SB), NOSPLIT, $0-60
	MOVQ         h+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         a+16(FP), R8
	MOVQ         pre+24(FP), R9
	MOVQ         x+32(FP), R10
	MOVQ         n+40(FP), CX
	VBROADCASTSS d+48(FP), Y14
	VBROADCASTSS c+52(FP), Y15
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       X5, X5, X5
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-16, BX

f32loop16:
	CMPQ        AX, BX
	JGE         f32block8
	VMULPS      (R9)(AX*4), Y15, Y2
	VFMADD231PS (DI)(AX*4), Y14, Y2
	VMOVUPS     Y2, (DI)(AX*4)
	VMOVUPS     (SI)(AX*4), Y3
	VFMADD231PS (R8)(AX*4), Y2, Y3
	VFMADD231PS (R10)(AX*4), Y3, Y0
	VMULPS      32(R9)(AX*4), Y15, Y4
	VFMADD231PS 32(DI)(AX*4), Y14, Y4
	VMOVUPS     Y4, 32(DI)(AX*4)
	VMOVUPS     32(SI)(AX*4), Y6
	VFMADD231PS 32(R8)(AX*4), Y4, Y6
	VFMADD231PS 32(R10)(AX*4), Y6, Y1
	ADDQ        $16, AX
	JMP         f32loop16

f32block8:
	MOVQ        CX, BX
	SUBQ        AX, BX
	CMPQ        BX, $8
	JLT         f32sum
	VMULPS      (R9)(AX*4), Y15, Y2
	VFMADD231PS (DI)(AX*4), Y14, Y2
	VMOVUPS     Y2, (DI)(AX*4)
	VMOVUPS     (SI)(AX*4), Y3
	VFMADD231PS (R8)(AX*4), Y2, Y3
	VFMADD231PS (R10)(AX*4), Y3, Y0
	ADDQ        $8, AX

f32sum:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0

f32tail:
	CMPQ        AX, CX
	JGE         f32done
	VMOVSS      (R9)(AX*4), X2
	VMULSS      X15, X2, X2
	VFMADD231SS (DI)(AX*4), X14, X2
	VMOVSS      X2, (DI)(AX*4)
	VMOVSS      (SI)(AX*4), X3
	VFMADD231SS (R8)(AX*4), X2, X3
	VFMADD231SS (R10)(AX*4), X3, X5
	INCQ        AX
	JMP         f32tail

f32done:
	VADDSS     X5, X0, X0
	VMOVSS     X0, ret+56(FP)
	VZEROUPPER
	RET

// func recForwardAVX64(h, w, a, pre, x *float64, n int, d, c float64) float64
TEXT ·recForwardAVX64(SB), NOSPLIT, $0-72
	MOVQ         h+0(FP), DI
	MOVQ         w+8(FP), SI
	MOVQ         a+16(FP), R8
	MOVQ         pre+24(FP), R9
	MOVQ         x+32(FP), R10
	MOVQ         n+40(FP), CX
	VBROADCASTSD d+48(FP), Y14
	VBROADCASTSD c+56(FP), Y15
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       X5, X5, X5
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-8, BX

f64loop8:
	CMPQ        AX, BX
	JGE         f64block4
	VMULPD      (R9)(AX*8), Y15, Y2
	VFMADD231PD (DI)(AX*8), Y14, Y2
	VMOVUPD     Y2, (DI)(AX*8)
	VMOVUPD     (SI)(AX*8), Y3
	VFMADD231PD (R8)(AX*8), Y2, Y3
	VFMADD231PD (R10)(AX*8), Y3, Y0
	VMULPD      32(R9)(AX*8), Y15, Y4
	VFMADD231PD 32(DI)(AX*8), Y14, Y4
	VMOVUPD     Y4, 32(DI)(AX*8)
	VMOVUPD     32(SI)(AX*8), Y6
	VFMADD231PD 32(R8)(AX*8), Y4, Y6
	VFMADD231PD 32(R10)(AX*8), Y6, Y1
	ADDQ        $8, AX
	JMP         f64loop8

f64block4:
	MOVQ        CX, BX
	SUBQ        AX, BX
	CMPQ        BX, $4
	JLT         f64sum
	VMULPD      (R9)(AX*8), Y15, Y2
	VFMADD231PD (DI)(AX*8), Y14, Y2
	VMOVUPD     Y2, (DI)(AX*8)
	VMOVUPD     (SI)(AX*8), Y3
	VFMADD231PD (R8)(AX*8), Y2, Y3
	VFMADD231PD (R10)(AX*8), Y3, Y0
	ADDQ        $4, AX

f64sum:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0

f64tail:
	CMPQ        AX, CX
	JGE         f64done
	VMOVSD      (R9)(AX*8), X2
	VMULSD      X15, X2, X2
	VFMADD231SD (DI)(AX*8), X14, X2
	VMOVSD      X2, (DI)(AX*8)
	VMOVSD      (SI)(AX*8), X3
	VFMADD231SD (R8)(AX*8), X2, X3
	VFMADD231SD (R10)(AX*8), X3, X5
	INCQ        AX
	JMP         f64tail

f64done:
	VADDSD     X5, X0, X0
	VMOVSD     X0, ret+64(FP)
	VZEROUPPER
	RET


// func recBackwardAVX32(p *recRowPtrs[float32]) (sumGH, sumGP float32)
TEXT ·recBackwardAVX32(SB), NOSPLIT, $0-16
	LOADPTRS
	VBROADCASTSS 96(R12), Y10
	VBROADCASTSS 100(R12), Y11
	VBROADCASTSS 104(R12), Y12
	VBROADCASTSS 108(R12), Y13
	VBROADCASTSS 112(R12), Y14
	MOVQ         88(R12), AX
	MOVQ         80(R12), R12
	MOVQ         R12, CX
	ANDQ         $-8, CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	CMPQ         AX, $0
	MOVQ         $0, AX
	JNE          b32load

b32recon:
	CMPQ        AX, CX
	JGE         b32sum
	VMOVUPS     (BX)(AX*4), Y2
	VMOVUPS     (DX)(AX*4), Y3
	VMOVUPS     (R8)(AX*4), Y4
	VMOVUPS     (SI)(AX*4), Y5
	VFMADD231PS Y4, Y2, Y5
	VMOVUPS     (R11)(AX*4), Y6
	VFMADD231PS Y10, Y5, Y6
	VFMADD231PS Y11, Y3, Y6
	VMOVUPS     Y6, (R11)(AX*4)
	VMULPS      (R9)(AX*4), Y10, Y7
	VMOVUPS     (DI)(AX*4), Y8
	VFMADD231PS Y7, Y2, Y8
	VMOVUPS     Y8, (DI)(AX*4)
	VMULPS      Y7, Y4, Y9
	VFMADD231PS Y12, Y3, Y9
	VMOVUPS     Y9, (DX)(AX*4)
	VMOVUPS     (R10)(AX*4), Y5
	VFNMADD231PS Y13, Y5, Y2
	VMULPS      Y14, Y2, Y2
	VMOVUPS     Y2, (R13)(AX*4)
	VFMADD231PS Y9, Y2, Y0
	VFMADD231PS Y9, Y5, Y1
	ADDQ        $8, AX
	JMP         b32recon

b32load:
	CMPQ        AX, CX
	JGE         b32sum
	VMOVUPS     (BX)(AX*4), Y2
	VMOVUPS     (DX)(AX*4), Y3
	VMOVUPS     (R8)(AX*4), Y4
	VMOVUPS     (SI)(AX*4), Y5
	VFMADD231PS Y4, Y2, Y5
	VMOVUPS     (R11)(AX*4), Y6
	VFMADD231PS Y10, Y5, Y6
	VFMADD231PS Y11, Y3, Y6
	VMOVUPS     Y6, (R11)(AX*4)
	VMULPS      (R9)(AX*4), Y10, Y7
	VMOVUPS     (DI)(AX*4), Y8
	VFMADD231PS Y7, Y2, Y8
	VMOVUPS     Y8, (DI)(AX*4)
	VMULPS      Y7, Y4, Y9
	VFMADD231PS Y12, Y3, Y9
	VMOVUPS     Y9, (DX)(AX*4)
	VMOVUPS     (R10)(AX*4), Y5
	VMOVUPS     (R13)(AX*4), Y2
	VFMADD231PS Y9, Y2, Y0
	VFMADD231PS Y9, Y5, Y1
	ADDQ        $8, AX
	JMP         b32load

b32sum:
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
	MOVQ         p+0(FP), CX
	MOVQ         88(CX), CX

b32tail:
	CMPQ         AX, R12
	JGE          b32done
	VMOVSS       (BX)(AX*4), X2
	VMOVSS       (DX)(AX*4), X3
	VMOVSS       (R8)(AX*4), X4
	VMOVSS       (SI)(AX*4), X5
	VFMADD231SS  X4, X2, X5
	VMOVSS       (R11)(AX*4), X6
	VFMADD231SS  X10, X5, X6
	VFMADD231SS  X11, X3, X6
	VMOVSS       X6, (R11)(AX*4)
	VMULSS       (R9)(AX*4), X10, X7
	VMOVSS       (DI)(AX*4), X8
	VFMADD231SS  X7, X2, X8
	VMOVSS       X8, (DI)(AX*4)
	VMULSS       X7, X4, X9
	VFMADD231SS  X12, X3, X9
	VMOVSS       X9, (DX)(AX*4)
	VMOVSS       (R10)(AX*4), X5
	CMPQ         CX, $0
	JNE          b32tailload
	VFNMADD231SS X13, X5, X2
	VMULSS       X14, X2, X2
	VMOVSS       X2, (R13)(AX*4)
	JMP          b32tailsum

b32tailload:
	VMOVSS (R13)(AX*4), X2

b32tailsum:
	VFMADD231SS X9, X2, X0
	VFMADD231SS X9, X5, X1
	INCQ        AX
	JMP         b32tail

b32done:
	VMOVSS     X0, sumGH+8(FP)
	VMOVSS     X1, sumGP+12(FP)
	VZEROUPPER
	RET

// func recBackwardAVX64(p *recRowPtrs[float64]) (sumGH, sumGP float64)
TEXT ·recBackwardAVX64(SB), NOSPLIT, $0-24
	LOADPTRS
	VBROADCASTSD 96(R12), Y10
	VBROADCASTSD 104(R12), Y11
	VBROADCASTSD 112(R12), Y12
	VBROADCASTSD 120(R12), Y13
	VBROADCASTSD 128(R12), Y14
	MOVQ         88(R12), AX
	MOVQ         80(R12), R12
	MOVQ         R12, CX
	ANDQ         $-4, CX
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	CMPQ         AX, $0
	MOVQ         $0, AX
	JNE          b64load

b64recon:
	CMPQ         AX, CX
	JGE          b64sum
	VMOVUPD      (BX)(AX*8), Y2
	VMOVUPD      (DX)(AX*8), Y3
	VMOVUPD      (R8)(AX*8), Y4
	VMOVUPD      (SI)(AX*8), Y5
	VFMADD231PD  Y4, Y2, Y5
	VMOVUPD      (R11)(AX*8), Y6
	VFMADD231PD  Y10, Y5, Y6
	VFMADD231PD  Y11, Y3, Y6
	VMOVUPD      Y6, (R11)(AX*8)
	VMULPD       (R9)(AX*8), Y10, Y7
	VMOVUPD      (DI)(AX*8), Y8
	VFMADD231PD  Y7, Y2, Y8
	VMOVUPD      Y8, (DI)(AX*8)
	VMULPD       Y7, Y4, Y9
	VFMADD231PD  Y12, Y3, Y9
	VMOVUPD      Y9, (DX)(AX*8)
	VMOVUPD      (R10)(AX*8), Y5
	VFNMADD231PD Y13, Y5, Y2
	VMULPD       Y14, Y2, Y2
	VMOVUPD      Y2, (R13)(AX*8)
	VFMADD231PD  Y9, Y2, Y0
	VFMADD231PD  Y9, Y5, Y1
	ADDQ         $4, AX
	JMP          b64recon

b64load:
	CMPQ        AX, CX
	JGE         b64sum
	VMOVUPD     (BX)(AX*8), Y2
	VMOVUPD     (DX)(AX*8), Y3
	VMOVUPD     (R8)(AX*8), Y4
	VMOVUPD     (SI)(AX*8), Y5
	VFMADD231PD Y4, Y2, Y5
	VMOVUPD     (R11)(AX*8), Y6
	VFMADD231PD Y10, Y5, Y6
	VFMADD231PD Y11, Y3, Y6
	VMOVUPD     Y6, (R11)(AX*8)
	VMULPD      (R9)(AX*8), Y10, Y7
	VMOVUPD     (DI)(AX*8), Y8
	VFMADD231PD Y7, Y2, Y8
	VMOVUPD     Y8, (DI)(AX*8)
	VMULPD      Y7, Y4, Y9
	VFMADD231PD Y12, Y3, Y9
	VMOVUPD     Y9, (DX)(AX*8)
	VMOVUPD     (R10)(AX*8), Y5
	VMOVUPD     (R13)(AX*8), Y2
	VFMADD231PD Y9, Y2, Y0
	VFMADD231PD Y9, Y5, Y1
	ADDQ        $4, AX
	JMP         b64load

b64sum:
	VEXTRACTF128 $1, Y0, X2
	VADDPD       X2, X0, X0
	VUNPCKHPD    X0, X0, X2
	VADDSD       X2, X0, X0
	VEXTRACTF128 $1, Y1, X2
	VADDPD       X2, X1, X1
	VUNPCKHPD    X1, X1, X2
	VADDSD       X2, X1, X1
	MOVQ         p+0(FP), CX
	MOVQ         88(CX), CX

b64tail:
	CMPQ         AX, R12
	JGE          b64done
	VMOVSD       (BX)(AX*8), X2
	VMOVSD       (DX)(AX*8), X3
	VMOVSD       (R8)(AX*8), X4
	VMOVSD       (SI)(AX*8), X5
	VFMADD231SD  X4, X2, X5
	VMOVSD       (R11)(AX*8), X6
	VFMADD231SD  X10, X5, X6
	VFMADD231SD  X11, X3, X6
	VMOVSD       X6, (R11)(AX*8)
	VMULSD       (R9)(AX*8), X10, X7
	VMOVSD       (DI)(AX*8), X8
	VFMADD231SD  X7, X2, X8
	VMOVSD       X8, (DI)(AX*8)
	VMULSD       X7, X4, X9
	VFMADD231SD  X12, X3, X9
	VMOVSD       X9, (DX)(AX*8)
	VMOVSD       (R10)(AX*8), X5
	CMPQ         CX, $0
	JNE          b64tailload
	VFNMADD231SD X13, X5, X2
	VMULSD       X14, X2, X2
	VMOVSD       X2, (R13)(AX*8)
	JMP          b64tailsum

b64tailload:
	VMOVSD (R13)(AX*8), X2

b64tailsum:
	VFMADD231SD X9, X2, X0
	VFMADD231SD X9, X5, X1
	INCQ        AX
	JMP         b64tail

b64done:
	VMOVSD     X0, sumGH+8(FP)
	VMOVSD     X1, sumGP+16(FP)
	VZEROUPPER
	RET

// func recAccumulateAVX32(dst, X *float32, n, stride int, coef *float32, T int)
TEXT ·recAccumulateAVX32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ X+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	SHLQ $2, DX
	MOVQ coef+32(FP), R8
	MOVQ T+40(FP), R9
	XORQ AX, AX

a32block32:
	MOVQ    CX, BX
	SUBQ    AX, BX
	CMPQ    BX, $32
	JLT     a32block8
	VMOVUPS (DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	LEAQ    (SI)(AX*4), R10
	XORQ    R11, R11

a32t32:
	CMPQ         R11, R9
	JGE          a32store32
	VBROADCASTSS (R8)(R11*4), Y4
	VFMADD231PS  (R10), Y4, Y0
	VFMADD231PS  32(R10), Y4, Y1
	VFMADD231PS  64(R10), Y4, Y2
	VFMADD231PS  96(R10), Y4, Y3
	ADDQ         DX, R10
	INCQ         R11
	JMP          a32t32

a32store32:
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	JMP     a32block32

a32block8:
	MOVQ    CX, BX
	SUBQ    AX, BX
	CMPQ    BX, $8
	JLT     a32tail
	VMOVUPS (DI)(AX*4), Y0
	LEAQ    (SI)(AX*4), R10
	XORQ    R11, R11

a32t8:
	CMPQ         R11, R9
	JGE          a32store8
	VBROADCASTSS (R8)(R11*4), Y4
	VFMADD231PS  (R10), Y4, Y0
	ADDQ         DX, R10
	INCQ         R11
	JMP          a32t8

a32store8:
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     a32block8

a32tail:
	CMPQ   AX, CX
	JGE    a32done
	VMOVSS (DI)(AX*4), X0
	LEAQ   (SI)(AX*4), R10
	XORQ   R11, R11

a32t1:
	CMPQ        R11, R9
	JGE         a32store1
	VMOVSS      (R8)(R11*4), X4
	VFMADD231SS (R10), X4, X0
	ADDQ        DX, R10
	INCQ        R11
	JMP         a32t1

a32store1:
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    a32tail

a32done:
	VZEROUPPER
	RET

// func recAccumulateAVX64(dst, X *float64, n, stride int, coef *float64, T int)
TEXT ·recAccumulateAVX64(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ X+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), DX
	SHLQ $3, DX
	MOVQ coef+32(FP), R8
	MOVQ T+40(FP), R9
	XORQ AX, AX

a64block16:
	MOVQ    CX, BX
	SUBQ    AX, BX
	CMPQ    BX, $16
	JLT     a64block4
	VMOVUPD (DI)(AX*8), Y0
	VMOVUPD 32(DI)(AX*8), Y1
	VMOVUPD 64(DI)(AX*8), Y2
	VMOVUPD 96(DI)(AX*8), Y3
	LEAQ    (SI)(AX*8), R10
	XORQ    R11, R11

a64t16:
	CMPQ         R11, R9
	JGE          a64store16
	VBROADCASTSD (R8)(R11*8), Y4
	VFMADD231PD  (R10), Y4, Y0
	VFMADD231PD  32(R10), Y4, Y1
	VFMADD231PD  64(R10), Y4, Y2
	VFMADD231PD  96(R10), Y4, Y3
	ADDQ         DX, R10
	INCQ         R11
	JMP          a64t16

a64store16:
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	ADDQ    $16, AX
	JMP     a64block16

a64block4:
	MOVQ    CX, BX
	SUBQ    AX, BX
	CMPQ    BX, $4
	JLT     a64tail
	VMOVUPD (DI)(AX*8), Y0
	LEAQ    (SI)(AX*8), R10
	XORQ    R11, R11

a64t4:
	CMPQ         R11, R9
	JGE          a64store4
	VBROADCASTSD (R8)(R11*8), Y4
	VFMADD231PD  (R10), Y4, Y0
	ADDQ         DX, R10
	INCQ         R11
	JMP          a64t4

a64store4:
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     a64block4

a64tail:
	CMPQ   AX, CX
	JGE    a64done
	VMOVSD (DI)(AX*8), X0
	LEAQ   (SI)(AX*8), R10
	XORQ   R11, R11

a64t1:
	CMPQ        R11, R9
	JGE         a64store1
	VMOVSD      (R8)(R11*8), X4
	VFMADD231SD (R10), X4, X0
	ADDQ        DX, R10
	INCQ        R11
	JMP         a64t1

a64store1:
	VMOVSD X0, (DI)(AX*8)
	INCQ   AX
	JMP    a64tail

a64done:
	VZEROUPPER
	RET
