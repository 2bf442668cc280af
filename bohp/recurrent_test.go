package bohp

import (
	"fmt"
	"math"
	"testing"
)

// recurrentCases cover both rules, both input modes, fixed and trained rates
// (per layer and per cell), recurrent layers below and above other layers,
// rates so large that BPTT stores traces instead of recovering them, and
// episodes as short as one and two steps.
func recurrentCases(prec Precision) []gradCase {
	rec := func(out int, rule Rule, in InputMode, rate RateMode) LayerSpec {
		return LayerSpec{Out: out, Act: Tanh, Rule: rule, Recurrent: true, Input: in, LearnRate: rate, Precision: prec}
	}
	scoredFrom := func(s int) func(int) bool { return func(t int) bool { return t < s } }
	return []gradCase{
		{"direct-hebb-fixed", 5, []LayerSpec{rec(5, Hebb{0.9}, InputDirect, RateFixed)}, SSE, 12, scoredFrom(11), true},
		{"direct-hebb-layer", 5, []LayerSpec{rec(5, Hebb{0.9}, InputDirect, RateLayer)}, SSE, 12, nil, true},
		{"direct-oja-cell", 4, []LayerSpec{rec(4, Oja{0.3}, InputDirect, RateCell)}, SSE, 15, nil, true},
		{"weights-hebb-cell-readout", 3, []LayerSpec{rec(6, Hebb{0.8}, InputWeights, RateCell), {Out: 2, Act: Softmax}}, CrossEntropy, 14, scoredFrom(3), true},
		{"weights-oja-layer-below", 3, []LayerSpec{{Out: 4, Act: Tanh, Rule: Hebb{0.7}}, rec(5, Oja{0.2}, InputWeights, RateLayer), {Out: 3, Act: Linear}}, SSE, 10, nil, true},
		{"two-recurrent", 4, []LayerSpec{rec(4, Hebb{0.95}, InputDirect, RateLayer), rec(3, Oja{0.1}, InputWeights, RateCell)}, L1, 9, nil, true},
		{"large-rate-stored-traces", 4, []LayerSpec{rec(4, Hebb{0.3}, InputDirect, RateCell)}, SSE, 20, nil, true},
		{"long-small-rate", 3, []LayerSpec{rec(3, Hebb{0.9}, InputWeights, RateLayer)}, SSE, 60, scoredFrom(40), true},
		{"one-step", 3, []LayerSpec{rec(3, Hebb{0.5}, InputDirect, RateLayer)}, SSE, 1, nil, true},
		{"two-steps", 3, []LayerSpec{rec(3, Oja{0.5}, InputWeights, RateCell)}, SSE, 2, nil, true},
		{"three-steps", 3, []LayerSpec{rec(3, Hebb{0.5}, InputDirect, RateCell)}, SSE, 3, nil, true},
	}
}

// forEachKernels runs f with the kernels in use and, where they are
// assembly, again with the portable ones.
func forEachKernels(t *testing.T, f func(t *testing.T)) {
	t.Run(simdKernels, f)
	if simdKernels == "go" {
		return
	}
	k32, k64 := kernels32, kernels64
	kernels32, kernels64 = goKernels32, goKernels64
	defer func() { kernels32, kernels64 = k32, k64 }()
	t.Run("go", f)
}

func TestRecurrentGradientsMatchFiniteDifferences(t *testing.T) {
	forEachKernels(t, testRecurrentGradients)
}

func testRecurrentGradients(t *testing.T) {
	worst := 0.0
	for _, c := range recurrentCases(Float64) {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", c.name, seed), func(t *testing.T) {
				n := runRandomEpisode(t, c, EngineBPTT, seed)
				res, err := n.GradCheck(1e-3)
				if err != nil {
					t.Fatal(err)
				}
				worst = max(worst, res.MaxRelErr)
				// An exactly zero gradient (one step: w, α and η have no
				// effect) differs from its estimate by the estimate's noise.
				if res.MaxRelErr > 1e-6 && res.MaxAbsErr > 1e-10 {
					t.Errorf("max relative error %.3g at %s (abs %.3g): analytic %v numeric %v", res.MaxRelErr, res.Worst, res.MaxAbsErr, res.Analytic, res.Numeric)
				}
			})
		}
	}
	t.Logf("largest finite-difference relative error: %.3g", worst)
}

// The gradient in float32 equals the float64 one to float32 accuracy (the
// float64 one being checked against finite differences above).
func TestRecurrentFloat32Gradients(t *testing.T) {
	forEachKernels(t, testFloat32Gradients)
}

func testFloat32Gradients(t *testing.T) {
	c64, c32 := recurrentCases(Float64), recurrentCases(Float32)
	for i := range c64 {
		for seed := int64(1); seed <= 3; seed++ {
			a := runRandomEpisode(t, c64[i], EngineBPTT, seed)
			b := runRandomEpisode(t, c32[i], EngineBPTT, seed)
			for k, p := range a.Params() {
				q := b.Params()[k]
				scale := 0.0
				for _, g := range p.Grad {
					scale = max(scale, math.Abs(g))
				}
				for e := range p.Grad {
					if d := math.Abs(p.Grad[e] - q.Grad[e]); d > 1e-4*scale+1e-6 {
						t.Errorf("%s seed %d: %s[%d]: float64 %.9g, float32 %.9g (largest |gradient| %.3g)", c64[i].name, seed, p.Name, e, p.Grad[e], q.Grad[e], scale)
					}
				}
			}
		}
	}
}

// The cases run both ways of recovering traces in BPTT: running the
// updates backwards, and reading traces stored because running back to
// them would amplify rounding too much.
func TestRecurrentTraceRecovery(t *testing.T) {
	for _, prec := range []Precision{Float64, Float32} {
		saved := map[string]int{}
		for _, c := range recurrentCases(prec) {
			n := runRandomEpisode(t, c, EngineBPTT, 1)
			for _, l := range n.Layers {
				if l.Recurrent() {
					saved[c.name] += l.rec.(interface{ savedTraces() int }).savedTraces()
				}
			}
		}
		// direct-hebb-fixed: 12 steps, rate 0.1 (float32 stores one trace).
		if saved["large-rate-stored-traces"] < 5 || saved["direct-hebb-fixed"] > 1 {
			t.Errorf("%s: traces stored per case: %v; want many with a large rate, at most one in 12 steps with rate 0.1", prec, saved)
		}
	}
}
