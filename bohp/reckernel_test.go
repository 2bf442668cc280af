package bohp

import (
	"fmt"
	"math"
	"testing"
)

// randSlice returns n values drawn from N(0, 1), as F.
func randSlice[F float](r *RNG, n int) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(r.Normal())
	}
	return s
}

// closeTo reports whether a and b agree to tol relative to max(|a|, |b|, 1).
func closeTo[F float](a, b F, tol float64) bool {
	d := math.Abs(float64(a) - float64(b))
	return d <= tol*math.Max(1, math.Max(math.Abs(float64(a)), math.Abs(float64(b))))
}

func checkSlices[F float](t *testing.T, what string, got, want []F, tol float64) {
	t.Helper()
	for i := range want {
		if !closeTo(got[i], want[i], tol) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// testKernels compares k with the portable kernels on random rows of every
// length up to 40 (all vector blocks and tails) and of 1000.
func testKernels[F float](t *testing.T, k recKernels[F], tol float64) {
	r := NewRNG(7)
	lengths := []int{1000, 1003}
	for n := 0; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		h, w, a, pre, x := randSlice[F](r, n), randSlice[F](r, n), randSlice[F](r, n), randSlice[F](r, n), randSlice[F](r, n)
		d, c := F(0.9), F(0.3)
		h2 := append([]F(nil), h...)
		got := k.forward(h, w, a, pre, x, d, c)
		want := goKernels(k).forward(h2, w, a, pre, x, d, c)
		if !closeTo(got, want, tol*float64(n+1)) {
			t.Fatalf("n=%d: forward = %v, want %v", n, got, want)
		}
		checkSlices(t, fmt.Sprintf("n=%d: forward h", n), h, h2, tol)

		// H_{t-1} recovered in place (src = hdst = h), or read from
		// elsewhere into another buffer.
		for _, inPlace := range []bool{true, false} {
			mk := func() *recRow[F] {
				rr := NewRNG(int64(n))
				row := &recRow[F]{h: randSlice[F](rr, n), g: randSlice[F](rr, n), w: w, a: a, ga: randSlice[F](rr, n),
					x: x, pre: pre, gx: randSlice[F](rr, n), src: randSlice[F](rr, n), hdst: make([]F, n),
					delta: 0.7, cNext: -0.2, dNext: 0.95, cPrev: 0.1, dInv: 1.2}
				if inPlace {
					row.src, row.hdst = row.h, row.h
				}
				return row
			}
			r1, r2 := mk(), mk()
			gh, gp := k.backward(r1)
			wh, wp := goKernels(k).backward(r2)
			what := fmt.Sprintf("n=%d in place=%v: backward", n, inPlace)
			if !closeTo(gh, wh, tol*float64(n+1)) || !closeTo(gp, wp, tol*float64(n+1)) {
				t.Fatalf("%s sums = %v, %v, want %v, %v", what, gh, gp, wh, wp)
			}
			checkSlices(t, what+" g", r1.g, r2.g, tol)
			checkSlices(t, what+" ga", r1.ga, r2.ga, tol)
			checkSlices(t, what+" gx", r1.gx, r2.gx, tol)
			checkSlices(t, what+" hdst", r1.hdst, r2.hdst, tol)
			checkSlices(t, what+" h", r1.h, r2.h, tol)
		}

		const T = 7
		X := randSlice[F](r, T*(n+3))
		coef := randSlice[F](r, T)
		dst := randSlice[F](r, n)
		dst2 := append([]F(nil), dst...)
		k.accumulate(dst, X, n+3, coef)
		goKernels(k).accumulate(dst2, X, n+3, coef)
		checkSlices(t, fmt.Sprintf("n=%d: accumulate", n), dst, dst2, tol*T)
	}
}

func goKernels[F float](recKernels[F]) recKernels[F] {
	var k any
	var zero F
	switch any(zero).(type) {
	case float32:
		k = goKernels32
	default:
		k = goKernels64
	}
	return k.(recKernels[F])
}

// TestRecKernels: the kernels in use (assembly where the CPU allows) agree
// with the portable ones.
func TestRecKernels(t *testing.T) {
	t.Logf("kernels: %s", simdKernels)
	t.Run("float32", func(t *testing.T) { testKernels(t, kernels32, 1e-5) })
	t.Run("float64", func(t *testing.T) { testKernels(t, kernels64, 1e-13) })
}

// BenchmarkRecKernels: one step's sweeps over the N×N matrices (N = 1000),
// bytes counted as the matrices read and written.
func BenchmarkRecKernels(b *testing.B) {
	const n = 1000
	b.Run("float32", func(b *testing.B) { benchKernels(b, kernels32, n) })
	b.Run("float64", func(b *testing.B) { benchKernels(b, kernels64, n) })
	b.Run("go-float32", func(b *testing.B) { benchKernels(b, goKernels32, n) })
	b.Run("go-float64", func(b *testing.B) { benchKernels(b, goKernels64, n) })
}

func benchKernels[F float](b *testing.B, k recKernels[F], n int) {
	r := NewRNG(1)
	H, G, W, A, GA, HD := randSlice[F](r, n*n), randSlice[F](r, n*n), randSlice[F](r, n*n), randSlice[F](r, n*n), randSlice[F](r, n*n), randSlice[F](r, n*n)
	x, pre, gx := randSlice[F](r, n), randSlice[F](r, n), randSlice[F](r, n)
	for i := range H {
		H[i] *= 1e-3
		G[i] *= 1e-3
	}
	size := int64(n * n * sizeOf[F]())
	b.Run("forward", func(b *testing.B) {
		b.SetBytes(4 * size)
		for i := 0; i < b.N; i++ {
			for j := 0; j < n; j++ {
				row := j * n
				k.forward(H[row:row+n], W[row:row+n], A[row:row+n], pre, x, 1, 0)
			}
		}
	})
	b.Run("backward", func(b *testing.B) {
		b.SetBytes(8 * size)
		rr := &recRow[F]{x: x, pre: pre, gx: gx, delta: 1e-3, cNext: 1e-3, dNext: 1, cPrev: 0, dInv: 1}
		for i := 0; i < b.N; i++ {
			for j := 0; j < n; j++ {
				row := j * n
				rr.h, rr.g, rr.w, rr.a, rr.ga = H[row:row+n], G[row:row+n], W[row:row+n], A[row:row+n], GA[row:row+n]
				rr.src, rr.hdst = rr.h, HD[row:row+n]
				k.backward(rr)
			}
		}
	})
}
