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
// elements, the number of elements to process (a multiple of the vector
// width), then the scalars. Its layout is fixed by the offsets in
// reckernel_amd64.s.
type recRowPtrs[F float] struct {
	h, g, w, a, ga, x, pre, gx, hdst, src *F
	n                                     int
	delta, cNext, dNext, cPrev, dInv      F
}

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		kernels32 = recKernels[float32]{forwardAVX32, backwardAVX32, accumulateAVX32}
		kernels64 = recKernels[float64]{forwardAVX64, backwardAVX64, accumulateAVX64}
		simdKernels = "avx2"
	}
}

// The adapters check the slices' lengths (so the assembly never reads out
// of bounds), run the assembly on the largest multiple of the vector width
// (8 float32s, 4 float64s) and the portable kernel on the rest, adding
// the sums in that order. They call the assembly directly (not through a
// function value) so that the operands stay on the stack, which is why
// each precision has its own: one generic adapter taking the lane count
// and the kernel allocated backward's recRowPtrs on every row (6720
// allocations an episode of BenchmarkRecurrentEpisode at N=64) and made
// every call to the assembly indirect.

func forwardAVX32(h, w, a, pre, x []float32, d, c float32) float32 {
	n := len(h) &^ 7
	if n == 0 {
		return recForwardGo(h, w, a, pre, x, d, c)
	}
	_, _, _, _ = w[len(h)-1], a[len(h)-1], pre[len(h)-1], x[len(h)-1]
	s := recForwardAVX32(&h[0], &w[0], &a[0], &pre[0], &x[0], n, d, c)
	return s + recForwardGo(h[n:], w[n:], a[n:], pre[n:], x[n:], d, c)
}

func forwardAVX64(h, w, a, pre, x []float64, d, c float64) float64 {
	n := len(h) &^ 3
	if n == 0 {
		return recForwardGo(h, w, a, pre, x, d, c)
	}
	_, _, _, _ = w[len(h)-1], a[len(h)-1], pre[len(h)-1], x[len(h)-1]
	s := recForwardAVX64(&h[0], &w[0], &a[0], &pre[0], &x[0], n, d, c)
	return s + recForwardGo(h[n:], w[n:], a[n:], pre[n:], x[n:], d, c)
}

func backwardAVX32(r *recRow[float32]) (float32, float32) {
	n := len(r.h) &^ 7
	if n == 0 {
		return recBackwardGo(r)
	}
	p := rowPtrs(r, n)
	gh, gp := recBackwardAVX32(&p)
	th, tp := recBackwardGo(r.tail(n))
	return gh + th, gp + tp
}

func backwardAVX64(r *recRow[float64]) (float64, float64) {
	n := len(r.h) &^ 3
	if n == 0 {
		return recBackwardGo(r)
	}
	p := rowPtrs(r, n)
	gh, gp := recBackwardAVX64(&p)
	th, tp := recBackwardGo(r.tail(n))
	return gh + th, gp + tp
}

// rowPtrs checks r's slices and returns the assembly's view of its first n
// elements (0 < n <= len(r.h)).
func rowPtrs[F float](r *recRow[F], n int) recRowPtrs[F] {
	k := len(r.h) - 1
	_, _, _, _, _, _, _, _, _ = r.g[k], r.w[k], r.a[k], r.ga[k], r.x[k], r.pre[k], r.gx[k], r.src[k], r.hdst[k]
	return recRowPtrs[F]{h: &r.h[0], g: &r.g[0], w: &r.w[0], a: &r.a[0], ga: &r.ga[0], x: &r.x[0], pre: &r.pre[0], gx: &r.gx[0],
		hdst: &r.hdst[0], src: &r.src[0], n: n, delta: r.delta, cNext: r.cNext, dNext: r.dNext, cPrev: r.cPrev, dInv: r.dInv}
}

func accumulateAVX32(dst, X []float32, stride int, coef []float32) {
	n, T := len(dst)&^7, len(coef)
	if T == 0 {
		return
	}
	if n > 0 {
		_ = X[(T-1)*stride+len(dst)-1]
		recAccumulateAVX32(&dst[0], &X[0], n, stride, &coef[0], T)
	}
	recAccumulateGo(dst[n:], X[n:], stride, coef)
}

func accumulateAVX64(dst, X []float64, stride int, coef []float64) {
	n, T := len(dst)&^3, len(coef)
	if T == 0 {
		return
	}
	if n > 0 {
		_ = X[(T-1)*stride+len(dst)-1]
		recAccumulateAVX64(&dst[0], &X[0], n, stride, &coef[0], T)
	}
	recAccumulateGo(dst[n:], X[n:], stride, coef)
}
