package bohp

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// BenchmarkKernels compares the forward engine's two inner kernels written
// as plain loops with gonum's BLAS (Dgemv for dz += c^T T, Dger for
// T += c ⊗ dz), at the reversal task's size (10 x 21) and larger ones.
func BenchmarkKernels(b *testing.B) {
	for _, sz := range [][2]int{{10, 21}, {100, 201}, {1000, 2001}} {
		in, P := sz[0], sz[1]
		T := make([]float64, in*P)
		c := make([]float64, in)
		dz := make([]float64, P)
		r := NewRNG(1)
		r.FillNormal(T, 0, 1)
		r.FillNormal(c, 0, 1)
		r.FillNormal(dz, 0, 1)
		b.Run(fmt.Sprintf("loops/%dx%d", in, P), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for k, ck := range c {
					axpy(ck, T[k*P:k*P+P], dz)
				}
				for k, ck := range c {
					axpy(ck*1e-9, dz, T[k*P:k*P+P])
				}
			}
		})
		b.Run(fmt.Sprintf("gonum/%dx%d", in, P), func(b *testing.B) {
			impl := blas64.Implementation()
			for i := 0; i < b.N; i++ {
				impl.Dgemv(blas.Trans, in, P, 1, T, P, c, 1, 1, dz, 1)
				impl.Dger(in, P, 1e-9, c, 1, dz, 1, T, P)
			}
		})
	}
}

// axpy: y += a x, the plain-loop baseline (len(y) >= len(x)), unrolled by four.
func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}
