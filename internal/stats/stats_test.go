package stats

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 4, 8}
	// Type 7: h = (n-1) q = 3q.
	cases := []struct{ q, want float64 }{
		{0, 1},
		{1, 8},
		{0.25, 1.75}, // h = 0.75: 1 + 0.75*(2-1)
		{0.5, 3},     // h = 1.5: 2 + 0.5*(4-2)
		{0.75, 5},    // h = 2.25: 4 + 0.25*(8-4)
		{1.0 / 3, 2}, // h = 1 exactly
	}
	for _, c := range cases {
		if got := Quantile(s, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v, %v) = %v, want %v", s, c.q, got, c.want)
		}
	}
	odd := []float64{-3, 0, 10, 11, 20}
	for _, c := range []struct{ q, want float64 }{{0.5, 10}, {0.25, 0}, {0.75, 11}, {0.1, -1.8}} {
		if got := Quantile(odd, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v, %v) = %v, want %v", odd, c.q, got, c.want)
		}
	}
	if got := Quantile([]float64{7}, 0.25); got != 7 {
		t.Errorf("Quantile of one value = %v, want 7", got)
	}
	for _, q := range []float64{-0.1, 1.1, math.NaN()} {
		if got := Quantile(s, q); !math.IsNaN(got) {
			t.Errorf("Quantile(s, %v) = %v, want NaN", q, got)
		}
	}
	if got := Quantile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("Quantile(nil) = %v, want NaN", got)
	}
}

func TestBands(t *testing.T) {
	inf := math.Inf(1)
	nan := math.NaN()
	perSeed := [][]float64{
		{4, 1, nan, 5},
		{1, 2, nan},
		{3, inf},
		{2, 3},
		{0, -inf},
	}
	median, q25, q75 := Bands(perSeed)
	// Episode 0: values 0 1 2 3 4 -> median 2, q25 1, q75 3.
	// Episode 1: finite values 1 2 3 (Inf skipped) -> 2, 1.5, 2.5.
	// Episode 2: only NaN -> NaN.
	// Episode 3: only seed 0 has it -> 5, 5, 5.
	want := [][3]float64{{2, 1, 3}, {2, 1.5, 2.5}, {nan, nan, nan}, {5, 5, 5}}
	if len(median) != 4 || len(q25) != 4 || len(q75) != 4 {
		t.Fatalf("Bands lengths %d %d %d, want 4", len(median), len(q25), len(q75))
	}
	for e, w := range want {
		got := [3]float64{median[e], q25[e], q75[e]}
		for k := range 3 {
			if !(got[k] == w[k] || math.IsNaN(got[k]) && math.IsNaN(w[k])) {
				t.Errorf("episode %d: (median, q25, q75) = %v, want %v", e, got, w)
				break
			}
		}
	}
	m, a, b := Bands(nil)
	if len(m) != 0 || len(a) != 0 || len(b) != 0 {
		t.Errorf("Bands(nil) not empty")
	}
}
