//go:build amd64 && !purego

package bohp

import "golang.org/x/sys/cpu"

// AVX2+FMA versions of the recurrent layer's row kernels (reckernel_amd64.s),
// used when the CPU has both; the portable ones otherwise.

//go:noescape
func recForwardAVX32(h, w, a, pre, x *float32, n int, d, c float32) float32

//go:noescape
func recForwardAVX64(h, w, a, pre, x *float64, n int, d, c float64) float64

//go:noescape
func recBackwardAVX32(p *recRowPtrs[float32]) (sumGH, sumGP float32)

//go:noescape
func recBackwardAVX64(p *recRowPtrs[float64]) (sumGH, sumGP float64)

//go:noescape
func recAccumulateAVX32(dst, X *float32, n, stride int, coef *float32, T int)

//go:noescape
func recAccumulateAVX64(dst, X *float64, n, stride int, coef *float64, T int)

// recRowPtrs is recRow as the assembly reads it: the slices' first
// elements and the row length, then the scalars. Its layout is fixed by the
// offsets in reckernel_amd64.s.
type recRowPtrs[F float] struct {
	h, g, w, a, ga, x, pre, gx, hdst, hsrc *F
	n                                      int
	load                                   int // 1: H_{t-1} is read from hsrc; 0: reconstructed into hdst
	delta, cNext, dNext, cPrev, dInv       F
}

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kernels32 = recKernels[float32]{forwardAVX32, backwardAVX32, accumulateAVX32}
		kernels64 = recKernels[float64]{forwardAVX64, backwardAVX64, accumulateAVX64}
		simdKernels = "avx2"
	}
}

// The adapters check the slices' lengths (so the assembly never reads out
// of bounds) and pass their first elements. They call the assembly
// directly (not through a function value) so that the operands stay on the
// stack.

func forwardAVX32(h, w, a, pre, x []float32, d, c float32) float32 {
	n := len(h)
	if n == 0 {
		return 0
	}
	_, _, _, _ = w[n-1], a[n-1], pre[n-1], x[n-1]
	return recForwardAVX32(&h[0], &w[0], &a[0], &pre[0], &x[0], n, d, c)
}

func forwardAVX64(h, w, a, pre, x []float64, d, c float64) float64 {
	n := len(h)
	if n == 0 {
		return 0
	}
	_, _, _, _ = w[n-1], a[n-1], pre[n-1], x[n-1]
	return recForwardAVX64(&h[0], &w[0], &a[0], &pre[0], &x[0], n, d, c)
}

func backwardAVX32(r *recRow[float32]) (float32, float32) {
	p, ok := rowPtrs(r)
	if !ok {
		return 0, 0
	}
	return recBackwardAVX32(&p)
}

func backwardAVX64(r *recRow[float64]) (float64, float64) {
	p, ok := rowPtrs(r)
	if !ok {
		return 0, 0
	}
	return recBackwardAVX64(&p)
}

// rowPtrs checks r's slices and returns the assembly's view of it; false
// for an empty row.
func rowPtrs[F float](r *recRow[F]) (recRowPtrs[F], bool) {
	n := len(r.h)
	if n == 0 {
		return recRowPtrs[F]{}, false
	}
	_, _, _, _, _, _, _ = r.g[n-1], r.w[n-1], r.a[n-1], r.ga[n-1], r.x[n-1], r.pre[n-1], r.gx[n-1]
	p := recRowPtrs[F]{h: &r.h[0], g: &r.g[0], w: &r.w[0], a: &r.a[0], ga: &r.ga[0], x: &r.x[0], pre: &r.pre[0], gx: &r.gx[0], n: n,
		delta: r.delta, cNext: r.cNext, dNext: r.dNext, cPrev: r.cPrev, dInv: r.dInv}
	if r.hsrc != nil {
		_ = r.hsrc[n-1]
		p.hsrc, p.load = &r.hsrc[0], 1
	} else {
		_ = r.hdst[n-1]
		p.hdst = &r.hdst[0]
	}
	return p, true
}

func accumulateAVX32(dst, X []float32, stride int, coef []float32) {
	n, T := len(dst), len(coef)
	if n == 0 || T == 0 {
		return
	}
	_ = X[(T-1)*stride+n-1]
	recAccumulateAVX32(&dst[0], &X[0], n, stride, &coef[0], T)
}

func accumulateAVX64(dst, X []float64, stride int, coef []float64) {
	n, T := len(dst), len(coef)
	if n == 0 || T == 0 {
		return
	}
	_ = X[(T-1)*stride+n-1]
	recAccumulateAVX64(&dst[0], &X[0], n, stride, &coef[0], T)
}
