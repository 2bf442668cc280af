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
// about half the elements: with the hard bound the trace updates bit for
// bit (the backward sweep's gates depend on it), the sums and gradients to
// rounding; with the soft bound everything bit for bit.
func TestModKernels(t *testing.T) {
	t.Logf("kernels: %s", simdKernels)
	testModKernels(t, modK, 1e-13)
	testSoftModKernels(t, modK)
}

// testSoftModKernels checks k's soft-bound kernels against the portable
// ones bit for bit, with zero and NaN increments (which leave P as it is)
// and a bound c = 0.7, whose division rounds.
func testSoftModKernels(t *testing.T, k modKernels) {
	r := NewRNG(12)
	const lo, hi = -0.7, 0.7
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 40, 1003} {
		vec := func() []float64 { return randSlice[float64](r, n) }
		p, e, x := vec(), vec(), vec()
		for i := 0; i < n; i += 5 {
			x[i], e[i] = 0, 0 // increments of 0: no move, both factors 1
		}
		for i := 3; i < n; i += 7 {
			x[i], e[i] = math.NaN(), math.NaN() // ignored: no move
		}
		p2, e2 := slices.Clone(p), slices.Clone(e)
		k.softUpdate(p, p, x, 0.6, lo, hi)
		goModKernels.softUpdate(p2, p2, x, 0.6, lo, hi)
		checkBits(t, fmt.Sprintf("n=%d: softUpdate", n), p, p2)
		k.softUpdate(p, p, x, -0.6, lo, hi)
		goModKernels.softUpdate(p2, p2, x, -0.6, lo, hi)
		checkBits(t, fmt.Sprintf("n=%d: softUpdate, m < 0", n), p, p2)
		po, eo, po2, eo2 := vec(), vec(), vec(), vec()
		k.softRetroUpdate(po, eo, p, e, x, -0.4, 0.9, 0.3, lo, hi)
		goModKernels.softRetroUpdate(po2, eo2, p2, e2, x, -0.4, 0.9, 0.3, lo, hi)
		checkBits(t, fmt.Sprintf("n=%d: softRetroUpdate p", n), po, po2)
		checkBits(t, fmt.Sprintf("n=%d: softRetroUpdate e", n), eo, eo2)
		k.softRetroUpdate(p, e, p, e, x, 0.4, 0.9, 0.3, lo, hi)
		goModKernels.softRetroUpdate(p2, e2, p2, e2, x, 0.4, 0.9, 0.3, lo, hi)
		checkBits(t, fmt.Sprintf("n=%d: softRetroUpdate in place p", n), p, p2)
		checkBits(t, fmt.Sprintf("n=%d: softRetroUpdate in place e", n), e, e2)

		clear(x[:min(n, 2)]) // NaN-free from here, zeros kept
		for i := 3; i < n; i += 7 {
			x[i], e[i] = 0.5, -0.5
		}
		mk := func() *modRow {
			rr := NewRNG(int64(n))
			v := func() []float64 { return randSlice[float64](rr, n) }
			row := &modRow{p: v(), g: v(), gam: v(), w: v(), a: v(), ga: v(), r: v(), x: x, e: e, pp: v(), ep: v(), xp: v(),
				delta: 0.7, m: 0.5, mp: -0.8, keep: 0.9, ey: 0.2, lo: lo, hi: hi}
			for i := 1; i < n; i += 6 {
				row.xp[i], row.ep[i] = 0, 0
			}
			saturate(row)
			if n > 2 { // a NaN move passes the soft gate, as in softGate
				row.p[2] = math.NaN()
			}
			return row
		}
		r1, r2 := mk(), mk()
		s1, s2 := k.softHebbBackward(r1), goModKernels.softHebbBackward(r2)
		what := fmt.Sprintf("n=%d: softHebbBackward", n)
		checkBits(t, what+" sum", []float64{s1}, []float64{s2})
		checkModRowBits(t, what, r1, r2)
		r1, r2 = mk(), mk()
		a1, b1, c1 := k.softRetroBackward(r1)
		a2, b2, c2 := goModKernels.softRetroBackward(r2)
		what = fmt.Sprintf("n=%d: softRetroBackward", n)
		checkBits(t, what+" sums", []float64{a1, b1, c1}, []float64{a2, b2, c2})
		checkModRowBits(t, what, r1, r2)
		checkWithoutR(t, fmt.Sprintf("n=%d: softHebbBackward", n), mk, func(r *modRow) []float64 { return []float64{k.softHebbBackward(r)} })
		checkWithoutR(t, fmt.Sprintf("n=%d: softRetroBackward", n), mk, func(r *modRow) []float64 {
			a, b, c := k.softRetroBackward(r)
			return []float64{a, b, c}
		})
	}
}

// saturate puts every third trace of row (from the second) exactly at the
// bound, two at hi then two at lo, in P_t and P_{t-1}, as a run's
// saturated traces are. There the gates meet their boundary, which lets
// the gradient through: the hard bound's previous update pp + mp x(t-1)
// is the bound itself where x(t-1) (E_{t-1}) is 0, as the callers make it
// at every other of these, and the soft bound's move of a trace at hi by
// an increment d > 0 (at lo by d < 0) is the trace.
func saturate(row *modRow) {
	for i := 1; i < len(row.p); i += 3 {
		b := row.hi
		if i/6%2 == 1 {
			b = row.lo
		}
		row.p[i], row.pp[i] = b, b
	}
}

// checkBits fails unless got and want hold the same float64 bits (any
// NaN equal to any NaN).
func checkBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || a != a && b != b }
	if !slices.EqualFunc(got, want, same) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func checkModRowBits(t *testing.T, what string, got, want *modRow) {
	t.Helper()
	checkBits(t, what+" g", got.g, want.g)
	checkBits(t, what+" gam", got.gam, want.gam)
	checkBits(t, what+" ga", got.ga, want.ga)
	checkBits(t, what+" r", got.r, want.r)
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
			row := &modRow{p: v(), g: v(), gam: v(), w: w, a: a, ga: v(), r: v(), x: x, pp: v(), ep: v(), xp: v(),
				delta: 0.7, m: 0.5, mp: -0.8, keep: 0.9, ey: 0.2, lo: lo, hi: hi}
			for i := 1; i < n; i += 6 {
				row.xp[i], row.ep[i] = 0, 0
			}
			saturate(row)
			return row
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
		checkWithoutR(t, fmt.Sprintf("n=%d: hebbBackward", n), mk, func(r *modRow) []float64 { return []float64{k.hebbBackward(r)} })
		checkWithoutR(t, fmt.Sprintf("n=%d: retroBackward", n), mk, func(r *modRow) []float64 {
			a, b, c := k.retroBackward(r)
			return []float64{a, b, c}
		})
	}
}

// checkWithoutR checks that a backward kernel f given a row of mk with r
// nil (no ∂L/∂x wanted) leaves r nil and the other outputs as with r, bit
// for bit.
func checkWithoutR(t *testing.T, what string, mk func() *modRow, f func(*modRow) []float64) {
	t.Helper()
	r1, r2 := mk(), mk()
	r2.r = nil
	s1, s2 := f(r1), f(r2)
	what += " without r"
	checkBits(t, what+": sums", s2, s1)
	checkBits(t, what+": g", r2.g, r1.g)
	checkBits(t, what+": gam", r2.gam, r1.gam)
	checkBits(t, what+": ga", r2.ga, r1.ga)
	if r2.r != nil {
		t.Fatalf("%s: r = %v", what, r2.r)
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
		var rw modRow // one row, rewritten: a new one per call was an allocation per row
		row := func(o int) *modRow {
			rw = modRow{p: P[o : o+n], g: G[o : o+n], gam: Gam[o : o+n], w: W[o : o+n], a: A[o : o+n], ga: GA[o : o+n],
				r: R, x: x, pp: Pp[o : o+n], ep: Ep[o : o+n], xp: xp, delta: 1e-3, m: 1e-3, mp: 1e-3, keep: 1, ey: 1e-3, lo: -1, hi: 1}
			return &rw
		}
		b.Run(k.name+"/hebbBackward", func(b *testing.B) {
			rows(b, func(o int) { k.k.hebbBackward(row(o)) })
		})
		b.Run(k.name+"/retroBackward", func(b *testing.B) {
			rows(b, func(o int) { k.k.retroBackward(row(o)) })
		})
		b.Run(k.name+"/hebbBackward-noR", func(b *testing.B) {
			rows(b, func(o int) { r := row(o); r.r = nil; k.k.hebbBackward(r) })
		})
		b.Run(k.name+"/retroBackward-noR", func(b *testing.B) {
			rows(b, func(o int) { r := row(o); r.r = nil; k.k.retroBackward(r) })
		})
		b.Run(k.name+"/softUpdate", func(b *testing.B) {
			rows(b, func(o int) { k.k.softUpdate(P[o:o+n], P[o:o+n], x, 1e-3, -1, 1) })
		})
		b.Run(k.name+"/softRetroUpdate", func(b *testing.B) {
			rows(b, func(o int) { k.k.softRetroUpdate(P[o:o+n], E[o:o+n], P[o:o+n], E[o:o+n], x, 1e-3, 0.9, 1e-3, -1, 1) })
		})
		b.Run(k.name+"/softHebbBackward", func(b *testing.B) {
			rows(b, func(o int) { k.k.softHebbBackward(row(o)) })
		})
		b.Run(k.name+"/softRetroBackward", func(b *testing.B) {
			rows(b, func(o int) { r := row(o); r.e = E[o : o+n]; k.k.softRetroBackward(r) })
		})
	}
}
