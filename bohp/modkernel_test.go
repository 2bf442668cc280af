package bohp

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestModKernels: the neuromodulated layer's kernels in use (assembly
// where the CPU allows) agree with the portable ones on random rows of
// every length up to 40 and of 1000 and 1003, with a bound that binds at
// about half the elements: the trace updates bit for bit (the backward
// sweep's gates depend on it), the sums and gradients to rounding.
func TestModKernels(t *testing.T) {
	t.Logf("kernels: %s", simdKernels)
	testModKernels(t, modK, 1e-13)
}

func testModKernels(t *testing.T, k modKernels, tol float64) {
	r := NewRNG(11)
	lengths := []int{1000, 1003}
	for n := 0; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	const lo, hi = -0.7, 0.7
	for _, n := range lengths {
		vec := func() []float64 { return randSlice[float64](r, n) }
		p, e, x, w, a := vec(), vec(), vec(), vec(), vec()
		if n > 0 { // a NaN passes the clip, as in the portable kernels
			x[n/2] = math.NaN()
			p, p2 := slices.Clone(p), slices.Clone(p)
			k.update(p, p, x, 0.6, lo, hi)
			goModKernels.update(p2, p2, x, 0.6, lo, hi)
			if !slices.EqualFunc(p, p2, sameFloat) {
				t.Fatalf("n=%d: update with a NaN = %v, want %v", n, p, p2)
			}
			x[n/2] = 0.5
		}
		// in place, then out of place (ps, es unchanged)
		p2, e2 := slices.Clone(p), slices.Clone(e)
		k.update(p, p, x, 0.6, lo, hi)
		goModKernels.update(p2, p2, x, 0.6, lo, hi)
		if !slices.Equal(p, p2) {
			t.Fatalf("n=%d: update = %v, want %v", n, p, p2)
		}
		k.retroUpdate(p, e, p, e, x, -0.4, 0.9, 0.3, lo, hi)
		goModKernels.retroUpdate(p2, e2, p2, e2, x, -0.4, 0.9, 0.3, lo, hi)
		if !slices.Equal(p, p2) || !slices.Equal(e, e2) {
			t.Fatalf("n=%d: retroUpdate p, e = %v, %v, want %v, %v", n, p, e, p2, e2)
		}
		po, eo, po2, eo2 := vec(), vec(), vec(), vec()
		k.update(po, p, x, 0.6, lo, hi)
		goModKernels.update(po2, p2, x, 0.6, lo, hi)
		k.retroUpdate(po, eo, p, e, x, -0.4, 0.9, 0.3, lo, hi)
		goModKernels.retroUpdate(po2, eo2, p2, e2, x, -0.4, 0.9, 0.3, lo, hi)
		if !slices.Equal(po, po2) || !slices.Equal(eo, eo2) || !slices.Equal(p, p2) || !slices.Equal(e, e2) {
			t.Fatalf("n=%d: out of place: retroUpdate p, e = %v, %v, want %v, %v", n, po, eo, po2, eo2)
		}
		got, want := k.dot(w, a, p, x), goModKernels.dot(w, a, p, x)
		if !closeTo(got, want, tol*float64(n+1)) {
			t.Fatalf("n=%d: dot = %v, want %v", n, got, want)
		}

		mk := func() *modRow {
			rr := NewRNG(int64(n))
			v := func() []float64 { return randSlice[float64](rr, n) }
			return &modRow{p: v(), g: v(), gam: v(), w: w, a: a, ga: v(), r: v(), x: x, pp: v(), ep: v(), xp: v(),
				delta: 0.7, m: 0.5, mp: -0.8, keep: 0.9, ey: 0.2, lo: lo, hi: hi}
		}
		r1, r2 := mk(), mk()
		s1, s2 := k.hebbBackward(r1), goModKernels.hebbBackward(r2)
		what := fmt.Sprintf("n=%d: hebbBackward", n)
		if !closeTo(s1, s2, tol*float64(n+1)) {
			t.Fatalf("%s sum = %v, want %v", what, s1, s2)
		}
		checkModRow(t, what, r1, r2, tol)

		r1, r2 = mk(), mk()
		a1, b1, c1 := k.retroBackward(r1)
		a2, b2, c2 := goModKernels.retroBackward(r2)
		what = fmt.Sprintf("n=%d: retroBackward", n)
		if !closeTo(a1, a2, tol*float64(n+1)) || !closeTo(b1, b2, tol*float64(n+1)) || !closeTo(c1, c2, tol*float64(n+1)) {
			t.Fatalf("%s sums = %v, %v, %v, want %v, %v, %v", what, a1, b1, c1, a2, b2, c2)
		}
		checkModRow(t, what, r1, r2, tol)
	}
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool { return a == b || a != a && b != b }

func checkModRow(t *testing.T, what string, got, want *modRow, tol float64) {
	t.Helper()
	checkSlices(t, what+" g", got.g, want.g, tol)
	checkSlices(t, what+" gam", got.gam, want.gam, tol)
	checkSlices(t, what+" ga", got.ga, want.ga, tol)
	checkSlices(t, what+" r", got.r, want.r, tol)
}

// BenchmarkModKernels: one step's sweeps of the kernels over N×N traces
// (N = 200, the 2019 paper's size), in use and portable.
func BenchmarkModKernels(b *testing.B) {
	const n = 200
	for _, k := range []struct {
		name string
		k    modKernels
	}{{simdKernels, modK}, {"go", goModKernels}} {
		r := NewRNG(1)
		mat := func() []float64 { return randSlice[float64](r, n*n) }
		P, E, G, Gam, W, A, GA, Pp, Ep := mat(), mat(), mat(), mat(), mat(), mat(), mat(), mat(), mat()
		x, xp, R := randSlice[float64](r, n), randSlice[float64](r, n), make([]float64, n)
		rows := func(b *testing.B, f func(o int)) {
			for b.Loop() {
				for i := range n {
					f(i * n)
				}
			}
		}
		b.Run(k.name+"/update", func(b *testing.B) {
			rows(b, func(o int) { k.k.update(P[o:o+n], P[o:o+n], x, 1e-3, -1, 1) })
		})
		b.Run(k.name+"/retroUpdate", func(b *testing.B) {
			rows(b, func(o int) { k.k.retroUpdate(P[o:o+n], E[o:o+n], P[o:o+n], E[o:o+n], x, 1e-3, 0.9, 1e-3, -1, 1) })
		})
		b.Run(k.name+"/dot", func(b *testing.B) {
			rows(b, func(o int) { k.k.dot(W[o:o+n], A[o:o+n], P[o:o+n], x) })
		})
		row := func(o int) *modRow {
			return &modRow{p: P[o : o+n], g: G[o : o+n], gam: Gam[o : o+n], w: W[o : o+n], a: A[o : o+n], ga: GA[o : o+n],
				r: R, x: x, pp: Pp[o : o+n], ep: Ep[o : o+n], xp: xp, delta: 1e-3, m: 1e-3, mp: 1e-3, keep: 1, ey: 1e-3, lo: -1, hi: 1}
		}
		b.Run(k.name+"/hebbBackward", func(b *testing.B) {
			rows(b, func(o int) { k.k.hebbBackward(row(o)) })
		})
		b.Run(k.name+"/retroBackward", func(b *testing.B) {
			rows(b, func(o int) { k.k.retroBackward(row(o)) })
		})
	}
}
