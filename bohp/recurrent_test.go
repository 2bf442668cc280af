package bohp

import (
	"errors"
	"fmt"
	"math"
	"strings"
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
					saved[c.name] += l.kind.(interface{ savedTraces() int }).savedTraces()
				}
			}
		}
		// direct-hebb-fixed: 12 steps, rate 0.1 (float32 stores one trace).
		if saved["large-rate-stored-traces"] < 5 || saved["direct-hebb-fixed"] > 1 {
			t.Errorf("%s: traces stored per case: %v; want many with a large rate, at most one in 12 steps with rate 0.1", prec, saved)
		}
	}
}

// Gradients, outputs and traces are bit-identical whatever the number of
// workers sharing the sweeps.
func TestRecurrentWorkersDeterministic(t *testing.T) {
	for _, prec := range []Precision{Float64, Float32} {
		sameWhateverWorkers(t, prec.String(), []int{2, 3, 7}, func() (*Network, func() error) {
			net, _, r := newCompletionNet(t, 200, prec, RateCell)
			tk := newCompletionTask(200)
			return net, func() error { _, err := tk.episode(net, r); return err }
		})
	}
}

// sameWhateverWorkers fails unless the networks that build makes, run
// with each number of workers for two episodes, have the gradients and
// traces of the one run with one worker.
func sameWhateverWorkers(t *testing.T, what string, workers []int, build func() (net *Network, episode func() error)) {
	t.Helper()
	run := func(w int) *Network {
		net, episode := build()
		net.SetWorkers(w)
		for range 2 {
			if err := episode(); err != nil {
				t.Fatal(err)
			}
		}
		return net
	}
	ref := run(1)
	for _, w := range workers {
		requireSameState(t, fmt.Sprintf("%s, %d workers", what, w), ref, run(w))
	}
}

// requireSameState fails unless net's gradients and first layer's traces
// are bit for bit those of ref (the run with one worker).
func requireSameState(t *testing.T, what string, ref, net *Network) {
	t.Helper()
	for k, p := range ref.Params() {
		q := net.Params()[k]
		for e := range p.Grad {
			if math.Float64bits(p.Grad[e]) != math.Float64bits(q.Grad[e]) {
				t.Fatalf("%s: %s gradient [%d] = %v, with 1 worker %v", what, p.Name, e, q.Grad[e], p.Grad[e])
			}
		}
	}
	a, b := ref.Layers[0].Traces(), net.Layers[0].Traces()
	for e := range a {
		if math.Float64bits(a[e]) != math.Float64bits(b[e]) {
			t.Fatalf("%s: traces differ at %d", what, e)
		}
	}
}

func TestRecurrentSpecErrors(t *testing.T) {
	rec := LayerSpec{Out: 3, Act: Tanh, Rule: Hebb{0.9}, Recurrent: true, Input: InputDirect}
	with := func(f func(*LayerSpec)) LayerSpec { s := rec; f(&s); return s }
	cases := []struct {
		in     int
		engine Engine
		spec   LayerSpec
		want   string
	}{
		{3, EngineForward, rec, "layer l0 is recurrent, which the forward engine does not support; use the bptt engine"},
		{4, EngineBPTT, rec, "direct input needs as many inputs as cells: 4 inputs, 3 cells"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Act = Softmax }), "cannot use softmax"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Input = 7 }), "unknown input mode 7"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.LearnRate = -1 }), "unknown rate mode -1"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Precision = 3 }), "unknown precision 3"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Recurrent = false; s.LearnRate = RateLayer }), "input mode and precision are options of recurrent layers"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Recurrent, s.Input, s.LearnRate = false, InputWeights, RateLayer }), "a trained rate is an option of recurrent layers"},
		{3, EngineBPTT, with(func(s *LayerSpec) { s.Out = 1 << 15; s.Input = InputWeights }), "too large"},
	}
	for _, c := range cases {
		_, err := NewNetwork(c.in, c.engine, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.spec, err, c.want)
		}
	}
	n, err := NewNetwork(3, EngineBPTT, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetEngine(EngineForward); err == nil || !strings.Contains(err.Error(), "use the bptt engine") {
		t.Errorf("SetEngine(forward): %v", err)
	}
	if n.Engine() != EngineBPTT {
		t.Errorf("engine changed to %v by a refused SetEngine", n.Engine())
	}
	for _, s := range []string{"weights", "direct"} {
		if m, err := ParseInputMode(s); err != nil || m.String() != s {
			t.Errorf("ParseInputMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseRateMode("sometimes"); err == nil || !strings.Contains(err.Error(), "known: fixed, layer, cell") {
		t.Errorf("ParseRateMode: %v", err)
	}
	if _, err := ParsePrecision("float16"); err == nil || !strings.Contains(err.Error(), "known: float64, float32") {
		t.Errorf("ParsePrecision: %v", err)
	}
}

// A diverging recurrent layer is reported at the step where it diverges,
// as for other layers.
func TestRecurrentNonFinite(t *testing.T) {
	n, err := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Linear, Rule: Hebb{0.5}, Recurrent: true, Input: InputDirect})
	if err != nil {
		t.Fatal(err)
	}
	n.Param("l0.w").Set([]float64{1e200, 0, 0, 1e200})
	n.Reset()
	var stepErr error
	for s := 0; s < 5 && stepErr == nil; s++ {
		_, stepErr = n.Step([]float64{1, 1})
	}
	var nf *NonFiniteError
	if !errors.As(stepErr, &nf) || nf.Step != 2 || !strings.Contains(nf.Where, "output of layer l0") {
		t.Errorf("error %v, want a non-finite output of layer l0 at step 2", stepErr)
	}
}

// The float32 gradient also agrees with finite differences of the float32
// loss, to the accuracy those allow: rounding of float32 sums (about 1e-7
// of the loss) divided by the step h = 5e-3, plus the truncation error of
// a step that large (the rate is 0.1 in some cases); measured 5.5e-4 of each
// tensor's largest gradient.
func TestRecurrentFloat32FiniteDifferences(t *testing.T) {
	worst := 0.0
	for _, c := range recurrentCases(Float32) {
		n := runRandomEpisode(t, c, EngineBPTT, 1)
		res, err := n.GradCheck(5e-3)
		if err != nil {
			t.Fatal(err)
		}
		for name, a := range res.Analytic {
			num := res.Numeric[name]
			scale := 1e-3
			for _, g := range a {
				scale = max(scale, math.Abs(g))
			}
			for i := range a {
				e := math.Abs(a[i]-num[i]) / scale
				worst = max(worst, e)
				if e > 1e-3 {
					t.Errorf("%s: %s[%d]: analytic %v, numeric %v (largest |gradient| %.3g)", c.name, name, i, a[i], num[i], scale)
				}
			}
		}
	}
	t.Logf("largest deviation from finite differences, relative to the tensor's largest gradient: %.3g", worst)
}

// The backward pass can be run again with the same result (as
// locateNonFinite does to find the step of a non-finite gradient): it
// leaves the last step's traces and the stored traces intact (recurrent:
// large-rate-stored-traces in float64 and float32; neuromodulated:
// rec-retro-long).
func TestRecurrentBackwardRepeatable(t *testing.T) {
	long := modCases(0.3, false)[10] // rec-retro-long: several trace segments
	for _, c := range []gradCase{recurrentCases(Float64)[6], recurrentCases(Float32)[6], long} {
		name := fmt.Sprintf("%s/%s", c.name, c.specs[0].Precision)
		n := runRandomEpisode(t, c, EngineBPTT, 1)
		if saved, ok := n.Layers[0].kind.(interface{ savedTraces() int }); ok && saved.savedTraces() == 0 {
			t.Fatalf("%s: no stored traces", name)
		}
		first := map[string][]float64{}
		for _, p := range n.Params() {
			first[p.Name] = append([]float64(nil), p.Grad...)
			clear(p.Grad)
		}
		// EndEpisode has applied the last step's update; undo it by
		// replaying up to the backward pass.
		n.log.frozen = true
		n.Reset()
		for s := 0; s < n.log.steps; s++ {
			n.Step(n.log.inputs[s*n.In : (s+1)*n.In])
			for _, r := range n.log.scores {
				if r.step == s {
					n.Score(r.loss, n.log.targets[r.off:r.off+r.n], r.weight)
				}
			}
		}
		n.finishStep(true)
		n.log.frozen = false
		for range 2 {
			for _, p := range n.Params() {
				clear(p.Grad)
			}
			n.eng.end(n)
			for _, p := range n.Params() {
				for i, g := range p.Grad {
					if math.Float64bits(g) != math.Float64bits(first[p.Name][i]) {
						t.Fatalf("%s: %s[%d]: %v, first run %v", name, p.Name, i, g, first[p.Name][i])
					}
				}
			}
		}
	}
}

// Clone copies a recurrent or neuromodulated layer with its options and
// tensors: the copy computes the same gradient.
func TestRecurrentClone(t *testing.T) {
	for _, c := range append(recurrentCases(Float32), modCases(0.3, true)...) {
		n := runRandomEpisode(t, c, EngineBPTT, 2)
		m := n.Clone()
		for i, l := range n.Layers {
			if k := m.Layers[i]; k.Spec() != l.Spec() {
				t.Fatalf("%s: layer %s: clone's spec %+v, want %+v", c.name, l.Name, k.Spec(), l.Spec())
			}
		}
		m.log = n.log
		m.log.frozen = true
		if _, err := m.replay(); err != nil {
			t.Fatal(err)
		}
		for i, p := range n.Params() {
			q := m.Params()[i]
			for e := range p.Grad {
				if math.Float64bits(p.Grad[e]) != math.Float64bits(q.Grad[e]) {
					t.Fatalf("%s: %s[%d]: clone's gradient %v, original's %v", c.name, p.Name, e, q.Grad[e], p.Grad[e])
				}
			}
		}
	}
}
