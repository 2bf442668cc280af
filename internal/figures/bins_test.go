package figures

import (
	"math"
	"testing"
)

func TestBinCurves(t *testing.T) {
	nan := math.NaN()
	m := []float64{1, 2, 3, 4, nan, nan, 7}
	x, ym, _, _ := binCurves(m, m, m, 100)
	if len(x) != 7 || x[6] != 6 || ym[3] != 4 {
		t.Fatalf("no binning expected, got x=%v y=%v", x, ym)
	}
	// 7 episodes, at most 3 points: bins of 3 episodes {0,1,2} {3,4,5} {6}.
	x, ym, y25, y75 := binCurves(m, m, m, 3)
	wantX := []float64{1, 3, 6}
	wantY := []float64{2, 4, 7}
	if len(x) != 3 {
		t.Fatalf("binned to %d points, want 3", len(x))
	}
	for i := range wantX {
		if x[i] != wantX[i] || ym[i] != wantY[i] || y25[i] != wantY[i] || y75[i] != wantY[i] {
			t.Errorf("bin %d: x=%v y=%v, want x=%v y=%v", i, x[i], ym[i], wantX[i], wantY[i])
		}
	}
	x, _, _, _ = binCurves([]float64{nan, nan}, []float64{nan, nan}, []float64{nan, nan}, 10)
	if x != nil {
		t.Errorf("all-NaN input gave points %v", x)
	}
	if r := finiteRuns([]float64{nan, 1, 2, nan, 3}); len(r) != 2 || r[0] != [2]int{1, 3} || r[1] != [2]int{4, 5} {
		t.Errorf("finiteRuns = %v", r)
	}
}
