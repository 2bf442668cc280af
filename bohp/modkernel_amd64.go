//go:build amd64 && !purego

package bohp

import "golang.org/x/sys/cpu"

// AVX2+FMA versions of the neuromodulated layer's row kernels
// (modkernel_amd64.s), used when the CPU has both.

//go:noescape
func modUpdateAVX64(q *modRowPtrs, n int)

//go:noescape
func modRetroUpdateAVX64(q *modRowPtrs, n int)

//go:noescape
func modDotAVX64(w, a, p, x *float64, n int) float64

//go:noescape
func modHebbBackwardAVX64(q *modRowPtrs, n int) float64

//go:noescape
func modRetroBackwardAVX64(q *modRowPtrs, n int) (se, sgx, sge float64)

//go:noescape
func modSoftUpdateAVX64(q *modRowPtrs, n int)

//go:noescape
func modSoftRetroUpdateAVX64(q *modRowPtrs, n int)

//go:noescape
func modSoftHebbBackwardAVX64(q *modRowPtrs, n int) float64

//go:noescape
func modSoftRetroBackwardAVX64(q *modRowPtrs, n int) (se, sgx, sge float64)

// modRowPtrs is modRow as the assembly reads it: the slices' first
// elements, then the scalars (the update kernels take ps and es in pp and
// ep, and e, which only the soft bound's retroactive backward kernel reads). Its layout is fixed
// by the offsets in modkernel_amd64.s.
type modRowPtrs struct {
	p, e, g, gam, w, a, ga, r, x, pp, ep, xp *float64
	delta, m, mp, keep, ey, lo, hi           float64
}

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		modK = modKernels{modUpdateAVX, modRetroUpdateAVX, modDotAVX, modHebbBackwardAVX, modRetroBackwardAVX,
			modSoftUpdateAVX, modSoftRetroUpdateAVX, modSoftHebbBackwardAVX, modSoftRetroBackwardAVX}
	}
}

// The adapters check the slices' lengths (so the assembly never reads out
// of bounds), run the assembly on the largest multiple of 4 elements and
// the portable kernel on the rest, adding the sums in that order.

func modUpdateAVX(p, ps, x []float64, m, lo, hi float64) { updateAVX(p, ps, x, m, lo, hi, false) }

func modSoftUpdateAVX(p, ps, x []float64, m, lo, hi float64) { updateAVX(p, ps, x, m, lo, hi, true) }

// updateAVX is the update with the hard bound, or the soft one.
func updateAVX(p, ps, x []float64, m, lo, hi float64, soft bool) {
	n := len(p) &^ 3
	if n > 0 {
		_, _ = ps[len(p)-1], x[len(p)-1]
		q := modRowPtrs{p: &p[0], pp: &ps[0], x: &x[0], m: m, lo: lo, hi: hi}
		if soft {
			modSoftUpdateAVX64(&q, n)
		} else {
			modUpdateAVX64(&q, n)
		}
	}
	if soft {
		modSoftUpdateGo(p[n:], ps[n:], x[n:], m, lo, hi)
	} else {
		modUpdateGo(p[n:], ps[n:], x[n:], m, lo, hi)
	}
}

func modRetroUpdateAVX(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64) {
	retroUpdateAVX(p, e, ps, es, x, m, keep, ey, lo, hi, false)
}

func modSoftRetroUpdateAVX(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64) {
	retroUpdateAVX(p, e, ps, es, x, m, keep, ey, lo, hi, true)
}

// retroUpdateAVX is the retroactive update with the hard bound, or the soft one.
func retroUpdateAVX(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64, soft bool) {
	n := len(p) &^ 3
	if n > 0 {
		_, _, _, _ = e[len(p)-1], ps[len(p)-1], es[len(p)-1], x[len(p)-1]
		q := modRowPtrs{p: &p[0], e: &e[0], pp: &ps[0], ep: &es[0], x: &x[0], m: m, keep: keep, ey: ey, lo: lo, hi: hi}
		if soft {
			modSoftRetroUpdateAVX64(&q, n)
		} else {
			modRetroUpdateAVX64(&q, n)
		}
	}
	if soft {
		modSoftRetroUpdateGo(p[n:], e[n:], ps[n:], es[n:], x[n:], m, keep, ey, lo, hi)
	} else {
		modRetroUpdateGo(p[n:], e[n:], ps[n:], es[n:], x[n:], m, keep, ey, lo, hi)
	}
}

func modDotAVX(w, a, p, x []float64) float64 {
	n := len(w) &^ 3
	if n == 0 {
		return modDotGo(w, a, p, x)
	}
	_, _, _ = a[len(w)-1], p[len(w)-1], x[len(w)-1]
	s := modDotAVX64(&w[0], &a[0], &p[0], &x[0], n)
	return s + modDotGo(w[n:], a[n:], p[n:], x[n:])
}

func modHebbBackwardAVX(r *modRow) float64 {
	n := len(r.p) &^ 3
	if n == 0 {
		return modHebbBackwardGo(r)
	}
	q := modPtrs(r, false)
	s := modHebbBackwardAVX64(&q, n)
	if n == len(r.p) {
		return s
	}
	t := r.tail(n)
	return s + modHebbBackwardGo(&t)
}

func modRetroBackwardAVX(r *modRow) (se, sgx, sge float64) {
	n := len(r.p) &^ 3
	if n == 0 {
		return modRetroBackwardGo(r)
	}
	q := modPtrs(r, true)
	se, sgx, sge = modRetroBackwardAVX64(&q, n)
	if n == len(r.p) {
		return se, sgx, sge
	}
	t := r.tail(n)
	te, tx, tg := modRetroBackwardGo(&t)
	return se + te, sgx + tx, sge + tg
}

func modSoftHebbBackwardAVX(r *modRow) float64 {
	n := len(r.p) &^ 3
	if n == 0 {
		return modSoftHebbBackwardGo(r)
	}
	q := modPtrs(r, false)
	s := modSoftHebbBackwardAVX64(&q, n)
	t := r.tail(n)
	return softHebbFrom(&t, s)
}

func modSoftRetroBackwardAVX(r *modRow) (se, sgx, sge float64) {
	n := len(r.p) &^ 3
	if n == 0 {
		return modSoftRetroBackwardGo(r)
	}
	q := modPtrs(r, true)
	_ = r.e[n-1]
	q.e = &r.e[0]
	se, sgx, sge = modSoftRetroBackwardAVX64(&q, n)
	t := r.tail(n)
	return softRetroFrom(&t, se, sgx, sge)
}

// modPtrs checks r's slices (gam and ep only when retro) and returns the
// assembly's view of them but e (len(r.p) > 0; r nil when r.r is: the
// kernels then skip ∂L/∂x).
func modPtrs(r *modRow, retro bool) modRowPtrs {
	k := len(r.p) - 1
	_, _, _, _, _, _, _ = r.g[k], r.w[k], r.a[k], r.ga[k], r.x[k], r.pp[k], r.xp[k]
	q := modRowPtrs{p: &r.p[0], g: &r.g[0], w: &r.w[0], a: &r.a[0], ga: &r.ga[0], x: &r.x[0], pp: &r.pp[0], xp: &r.xp[0],
		delta: r.delta, m: r.m, mp: r.mp, keep: r.keep, ey: r.ey, lo: r.lo, hi: r.hi}
	if r.r != nil {
		_ = r.r[k]
		q.r = &r.r[0]
	}
	if retro {
		_, _ = r.gam[k], r.ep[k]
		q.gam, q.ep = &r.gam[0], &r.ep[0]
	}
	return q
}
