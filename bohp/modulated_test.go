package bohp

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// modCases cover the three neuromodulated rules on recurrent layers (input
// through weights or direct, below a readout or last) and on feed-forward
// layers (first, or between two layers, so that the gradient of their
// input is checked), with and without fan-out, with a fixed rate or one
// trained per layer or per cell, and episodes longer than BPTT's trace
// segments. clip is the bound c, soft selects the soft bound.
func modCases(clip float64, soft bool) []gradCase {
	hebb := ModRule{Mode: ModHebb, Clip: clip, Soft: soft, Rate: 0.8}
	simple := ModRule{Mode: ModSimple, Clip: clip, Soft: soft}
	retro := ModRule{Mode: ModRetro, Clip: clip, Soft: soft, Rate: 0.3}
	fan := func(r ModRule) ModRule { r.Fanout = true; return r }
	rec := func(out int, rule Rule, in InputMode, rate RateMode) LayerSpec {
		return LayerSpec{Out: out, Act: Tanh, Rule: rule, Recurrent: true, Input: in, LearnRate: rate}
	}
	ff := func(out int, rule Rule, rate RateMode) LayerSpec {
		return LayerSpec{Out: out, Act: Tanh, Rule: rule, LearnRate: rate}
	}
	dense := LayerSpec{Out: 3, Act: Tanh}
	readout := LayerSpec{Out: 2, Act: Linear}
	return []gradCase{
		{"rec-hebb-layer", 3, []LayerSpec{rec(3, hebb, InputWeights, RateLayer)}, SSE, 10, nil, true},
		{"rec-hebb-cell-direct", 3, []LayerSpec{rec(3, hebb, InputDirect, RateCell), readout}, SSE, 10, nil, true},
		{"rec-modulated", 2, []LayerSpec{rec(3, simple, InputWeights, RateFixed), readout}, SSE, 10, nil, true},
		{"rec-modulated-fanout-direct", 3, []LayerSpec{rec(3, fan(simple), InputDirect, RateFixed)}, SSE, 10, nil, true},
		{"rec-retro-layer", 2, []LayerSpec{rec(3, retro, InputWeights, RateLayer), readout}, SSE, 10, nil, true},
		{"rec-retro-fanout-cell", 3, []LayerSpec{rec(3, fan(retro), InputWeights, RateCell)}, L1, 10, nil, true},
		{"rec-retro-fixed-below-dense", 2, []LayerSpec{dense, rec(3, retro, InputWeights, RateFixed), {Out: 2, Act: Softmax}}, CrossEntropy, 10, nil, true},
		{"ff-hebb-layer", 3, []LayerSpec{ff(3, hebb, RateLayer), readout}, SSE, 10, nil, true},
		{"ff-modulated-fanout-between", 2, []LayerSpec{dense, ff(3, fan(simple), RateFixed), readout}, SSE, 10, nil, true},
		{"ff-retro-cell-between", 2, []LayerSpec{dense, ff(3, retro, RateCell), {Out: 2, Act: Softmax}}, CrossEntropy, 10, nil, true},
		{"rec-retro-long", 2, []LayerSpec{rec(2, fan(retro), InputWeights, RateLayer)}, SSE, 40, func(t int) bool { return t < 35 }, true},
		{"ff-modulated-long", 2, []LayerSpec{ff(2, simple, RateFixed)}, SSE, 37, func(t int) bool { return t%8 != 0 }, true},
		// rows of 5 and 6: the row kernels' vector part and its tail
		{"rec-modulated-wide", 2, []LayerSpec{rec(5, simple, InputWeights, RateFixed), readout}, SSE, 10, nil, true},
		{"rec-retro-wide", 6, []LayerSpec{rec(6, fan(retro), InputDirect, RateCell), readout}, SSE, 10, nil, true},
		{"ff-hebb-wide", 5, []LayerSpec{ff(3, hebb, RateCell), readout}, SSE, 10, nil, true},
	}
}

// clipStats replays the traces of the episode just run and returns, over
// every update of every neuromodulated layer: how many entries the clip
// bound, the smallest distance from a kink of the bound (hard: |P + Δ| at
// c; soft: |Δ| at c, where the move P + Δ (1 - sgn(Δ) P/c) leaves [-c, c]
// unless P is already held at the bound it moves towards), and the
// smallest nonzero |Δ| (where the soft bound's slope jumps).
func clipStats(n *Network) (bound int, margin, minDelta float64) {
	margin, minDelta = math.Inf(1), math.Inf(1)
	for _, l := range n.Layers {
		s, ok := l.kind.(*modState)
		if !ok || !s.plastic {
			continue
		}
		r := &s.rule
		P, E := make([]float64, len(s.P)), slices.Clone(s.E)
		clear(E)
		for u := 0; u < s.steps; u++ {
			x, y, M := s.pre(u), s.y(u), s.mod(u)
			for i := range y {
				for k, xk := range x {
					o := i*s.cols + k
					d := float64(float64(M[i]*y[i]) * xk)
					if r.Mode == ModRetro {
						d = float64(M[i] * E[o])
					}
					v := P[o] + d
					if r.Soft {
						v = softStep(P[o], d, r.Clip)
					}
					if math.Abs(v) > r.Clip {
						bound++
					}
					switch {
					case !r.Soft:
						margin = min(margin, math.Abs(math.Abs(P[o]+d)-r.Clip))
					case d != 0:
						minDelta = min(minDelta, math.Abs(d))
						if pinned := math.Abs(P[o]) == r.Clip && d*P[o] > 0; !pinned {
							margin = min(margin, math.Abs(math.Abs(d)-r.Clip))
						}
					}
				}
			}
			s.applyUpdate(P, E, P, E, u)
		}
	}
	return bound, margin, minDelta
}

// The gradient of every neuromodulated rule equals central finite
// differences, with the clip binding and not binding, with the hard and the
// soft bound. Episodes are drawn until two keep every trace at least 1e-3
// from the clip's kink (and every nonzero Δ 1e-3 from the soft bound's),
// so that the difference stencil (h = 1e-4) never straddles one.
func TestModulatedGradientsMatchFiniteDifferences(t *testing.T) {
	const h, margin = 1e-4, 1e-3
	worst := 0.0
	for _, soft := range []bool{false, true} {
		for _, active := range []bool{true, false} {
			clip := 50.0
			if active {
				clip = 0.3
			}
			for _, c := range modCases(clip, soft) {
				name := fmt.Sprintf("%s/soft=%v/clip-active=%v", c.name, soft, active)
				t.Run(name, func(t *testing.T) {
					checked := 0
					for seed := int64(1); seed <= 200 && checked < 2; seed++ {
						n := runRandomEpisode(t, c, EngineBPTT, seed)
						bound, m, dmin := clipStats(n)
						if active != (bound > 0) || m < margin || soft && dmin < margin {
							continue
						}
						res, err := n.GradCheck(h)
						if err != nil {
							t.Fatal(err)
						}
						worst = max(worst, checkAgainstDifferences(t, res))
						if _, again, _ := clipStats(n); again != m {
							t.Errorf("seed %d: replaying the episode changed the clip margin from %v to %v", seed, m, again)
						}
						checked++
					}
					if checked < 2 {
						t.Fatalf("only %d of 200 episodes keep the traces %v from the clip's kinks", checked, margin)
					}
				})
			}
		}
	}
	t.Logf("largest finite-difference relative error: %.3g", worst)
}

// checkAgainstDifferences fails unless every entry of the gradient is
// within 1e-6 of its finite difference relatively, or 1e-10 absolutely
// (the differences' round-off, which decides for entries below 1e-4), and
// returns the largest relative error of entries above 1e-3.
func checkAgainstDifferences(t *testing.T, res *GradCheckResult) float64 {
	t.Helper()
	worst := 0.0
	for name, a := range res.Analytic {
		for i, g := range a {
			num := res.Numeric[name][i]
			d, scale := math.Abs(g-num), max(math.Abs(g), math.Abs(num))
			if d > 1e-6*scale+1e-10 {
				t.Errorf("%s[%d]: gradient %.12g, finite difference %.12g (relative error %.3g)", name, i, g, num, d/scale)
			}
			if scale >= 1e-3 {
				worst = max(worst, d/scale)
			}
		}
	}
	return worst
}

// A recurrent layer without plasticity (the 2019 code's "rnn") has the
// exact gradient too.
func TestRecurrentWithoutPlasticityGradient(t *testing.T) {
	rnn := func(in InputMode) LayerSpec { return LayerSpec{Out: 3, Act: Tanh, Recurrent: true, Input: in} }
	for _, c := range []gradCase{
		{"rnn-weights-readout", 2, []LayerSpec{rnn(InputWeights), {Out: 2, Act: Linear}}, SSE, 12, nil, true},
		{"rnn-direct-below-dense", 3, []LayerSpec{{Out: 3, Act: Tanh}, rnn(InputDirect)}, SSE, 20, nil, true},
	} {
		n := runRandomEpisode(t, c, EngineBPTT, 1)
		if n.Layers[len(n.Layers)-1].Plastic() || n.Param("l0.alpha") != nil || n.Param("l1.alpha") != nil {
			t.Fatalf("%s: the recurrent layer is plastic", c.name)
		}
		res, err := n.GradCheck(1e-4)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: largest relative error %.3g", c.name, checkAgainstDifferences(t, res))
	}
}

// BPTT recomputes, segment by segment, exactly the traces P_t and E_t the
// forward pass used at every step (so the clip binds where it did).
func TestModulatedTracesRecomputed(t *testing.T) {
	for _, c := range []gradCase{modCases(0.3, false)[10], modCases(0.3, true)[11]} {
		n, err := NewNetwork(c.in, EngineBPTT, c.specs...)
		if err != nil {
			t.Fatal(err)
		}
		n.InitNormal(NewRNG(3), 0.5)
		s := n.Layers[0].kind.(*modState)
		data := NewRNG(4)
		x := make([]float64, c.in)
		var Ps, Es [][]float64
		for range c.steps {
			data.FillUniform(x, -1, 1)
			if _, err := n.Step(x); err != nil {
				t.Fatal(err)
			}
			Ps, Es = append(Ps, slices.Clone(n.Layers[0].Traces())), append(Es, slices.Clone(n.Layers[0].Eligibility()))
			n.ScoreGrad(0, make([]float64, n.Out()))
		}
		if _, err := n.EndEpisode(); err != nil {
			t.Fatal(err)
		}
		if bound, _, _ := clipStats(n); bound == 0 {
			t.Fatalf("%s: the clip never binds", c.name)
		}
		s.beginBackward()
		for u := c.steps - 1; u >= 0; u-- {
			s.load(max(u-1, 0))
			if !slices.Equal(s.slot(s.bwd.segP, u), Ps[u]) || !slices.Equal(s.slot(s.bwd.segE, u), Es[u]) {
				t.Fatalf("%s: the traces of step %d differ", c.name, u)
			}
		}
	}
}

// What a script reads at each step: M(t) = tanh(mod_w·y(t) + mod_b) (per
// cell f m + g with fan-out; η for clipped_hebb), the traces P_t and the
// eligibility trace E_t the step used, computed here independently from
// the layer's outputs with the 2019 code's updates (E_t before its update:
// the modulation of step t gates E_t, not the coactivation of step t; the
// soft bound P + [Δ]₊ (1 - P/c) + [Δ]₋ (1 + P/c), then the clip), for every
// rule, recurrent and feed-forward, hard and soft bound.
func TestModulatedInspection(t *testing.T) {
	const clip, eta = 0.4, 0.2
	for _, c := range []struct {
		rule      ModRule
		recurrent bool
	}{
		{ModRule{Mode: ModRetro, Clip: clip, Fanout: true, Rate: eta}, true},
		{ModRule{Mode: ModRetro, Clip: clip, Soft: true, Rate: eta}, false},
		{ModRule{Mode: ModSimple, Clip: clip}, true},
		{ModRule{Mode: ModSimple, Clip: clip, Soft: true, Fanout: true}, false},
		{ModRule{Mode: ModHebb, Clip: clip, Rate: 1.5}, true},
		{ModRule{Mode: ModHebb, Clip: clip, Soft: true, Rate: 1.5}, false},
	} {
		name := fmt.Sprintf("%s/soft=%v/fanout=%v/recurrent=%v", c.rule.Name(), c.rule.Soft, c.rule.Fanout, c.recurrent)
		t.Run(name, func(t *testing.T) { checkInspection(t, c.rule, c.recurrent) })
	}
}

// checkInspection runs 12 steps of a layer of 3 cells with rule r on 3
// inputs and checks what Modulation, Traces and Eligibility return at each
// against the reference.
func checkInspection(t *testing.T, r ModRule, recurrent bool) {
	n, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: r, Recurrent: recurrent})
	if err != nil {
		t.Fatal(err)
	}
	n.InitNormal(NewRNG(5), 0.8)
	l := n.Layers[0]
	if l.Modulation() != nil || (len(l.Eligibility()) == 9) != (r.Mode == ModRetro) {
		t.Fatalf("before the first step: modulation %v, eligibility %v", l.Modulation(), l.Eligibility())
	}
	P, E := make([]float64, 9), make([]float64, 9)
	prev := make([]float64, 3)  // y(t-1)
	clip, eta := r.Clip, r.Rate // eta: η_E (retroactive)
	data := NewRNG(6)
	x := make([]float64, 3)
	bound, top := 0, 0.0
	for step := 0; step < 12; step++ {
		data.FillUniform(x, -1, 1)
		y, err := n.Step(x)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.Traces(), P) || r.Mode == ModRetro && !slices.Equal(l.Eligibility(), E) {
			t.Fatalf("step %d: traces %v eligibility %v, want %v %v", step, l.Traces(), l.Eligibility(), P, E)
		}
		M := []float64{r.Rate, r.Rate, r.Rate}
		if r.modulated() {
			a := l.ModB.Data[0]
			for i, v := range y {
				a += l.ModW.Data[i] * v
			}
			m := math.Tanh(a)
			M = l.Modulation()
			for i := range M {
				want := m
				if r.Fanout {
					want = l.Fanout.Data[i]*m + l.FanoutB.Data[i]
				}
				if math.Abs(M[i]-want) > 1e-15 {
					t.Fatalf("step %d: M[%d] = %v, want %v", step, i, M[i], want)
				}
			}
		} else if l.Modulation() != nil {
			t.Fatalf("clipped_hebb has a modulation: %v", l.Modulation())
		}
		pre := x
		if recurrent {
			pre = prev
		}
		for i := range 3 {
			for k := range 3 {
				o := i*3 + k
				d := M[i] * y[i] * pre[k]
				if r.Mode == ModRetro {
					d = M[i] * E[o]
				}
				v := P[o] + d
				if r.Soft {
					v = P[o] + max(d, 0)*(1-P[o]/clip) + min(d, 0)*(1+P[o]/clip)
				}
				if math.Abs(v) > clip {
					bound++
				}
				P[o] = max(-clip, min(clip, v))
				E[o] = (1-eta)*E[o] + eta*y[i]*pre[k]
				top = max(top, math.Abs(P[o]))
			}
		}
		copy(prev, y)
	}
	// The test shows less than it should if the clip never binds, or if the
	// soft bound's factor 1 ∓ P/c stays near 1.
	if !r.Soft && bound == 0 || r.Soft && top < clip/2 {
		t.Errorf("the clip bound %d times, the largest |P| is %.3g: the test shows less than it should", bound, top)
	}
}

// Neuromodulated layers need the bptt engine and float64; rules without a
// rate have none to train.
func TestModulatedSpecErrors(t *testing.T) {
	retro := ModRule{Mode: ModRetro, Clip: 1, Rate: 0.1}
	for _, c := range []struct {
		engine Engine
		spec   LayerSpec
		want   string
	}{
		{EngineForward, LayerSpec{Out: 3, Act: Tanh, Rule: retro}, "layer l0: rule retroactive needs the bptt engine (the modulator couples every cell's traces: the forward engine would need O(N^4) tangents)"},
		{EngineForward, LayerSpec{Out: 3, Act: Tanh, Rule: ModRule{Mode: ModHebb, Clip: 1, Rate: 0.1}}, "rule clipped_hebb needs the bptt engine (the forward engine implements elementwise rules only)"},
		{EngineForward, LayerSpec{Out: 3, Act: Tanh, Recurrent: true}, "layer l0 is recurrent, which the forward engine does not support"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: retro, Recurrent: true, Precision: Float32}, "layer l0: rule retroactive supports float64 only"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Recurrent: true, Precision: Float32}, "a recurrent layer without plasticity supports float64 only"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: 1}, LearnRate: RateLayer}, "rule modulated has no rate to train (learn_rate must be fixed)"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Recurrent: true, LearnRate: RateCell}, "a recurrent layer without plasticity has no rate to train"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Softmax, Rule: retro}, "a plastic layer cannot use softmax"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: -1}}, "clip must be a finite number > 0, got -1"},
		{EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: retro, Input: InputDirect}, "input mode and precision are options of recurrent layers"},
	} {
		_, err := NewNetwork(3, c.engine, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.spec, err, c.want)
		}
	}
	n, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: retro})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetEngine(EngineForward); err == nil || !strings.Contains(err.Error(), "rule retroactive needs the bptt engine") || n.Engine() != EngineBPTT {
		t.Errorf("SetEngine(forward): %v (engine now %v)", err, n.Engine())
	}
}

// DiffSpec names every setting of a neuromodulated rule that differs, and
// the trained rate of a feed-forward layer.
func TestModulatedDiffSpec(t *testing.T) {
	retro := ModRule{Mode: ModRetro, Clip: 1, Fanout: true, Rate: 0.1}
	n, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 2, Act: Tanh, Rule: retro, LearnRate: RateLayer})
	if err != nil {
		t.Fatal(err)
	}
	other := retro
	other.Clip, other.Fanout, other.Soft = 2, false, true
	got := n.DiffSpec(3, []LayerSpec{{Out: 2, Act: Tanh, Rule: other}}).Describe("the checkpoint", "the script")
	want := "layer l0: learn_rate layer in the checkpoint, fixed in the script; layer l0: clip 1 in the checkpoint, 2 in the script; " +
		"layer l0: soft false in the checkpoint, true in the script; layer l0: fanout true in the checkpoint, false in the script"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if d := n.DiffSpec(3, []LayerSpec{{Out: 2, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: 1}, LearnRate: RateLayer}}); len(d) != 1 || d[0].Field != "rule" {
		t.Errorf("another rule: %v", d)
	}
}

// Gradients and traces of the neuromodulated layers are bit-identical
// whatever the number of workers sharing the sweeps (N = 200: 3 chunks).
func TestModulatedWorkersDeterministic(t *testing.T) {
	soft := ModRule{Mode: ModRetro, Clip: 1, Soft: true, Rate: 0.1}
	specs := []LayerSpec{{Rule: soft, LearnRate: RateCell}}
	for _, rule := range cueRewardRules[2:] {
		specs = append(specs, rule.spec)
	}
	for _, spec := range specs {
		sameWhateverWorkers(t, spec.Rule.Name(), []int{2, 3}, func() (*Network, func() error) {
			tk := newCueRewardTask(4, 20, 40)
			net, _ := newCueRewardNet(t, 27, 200, spec)
			r := NewRNG(3)
			return net, func() error { _, err := tk.episode(net, r); return err }
		})
	}
}

// With 192 cells a neuromodulated layer's sweeps run over 3 chunks of
// rows, each summing its part of ∂L/∂x(t), which the parts then add: the
// gradient of a feed-forward layer between two others (so that ∂L/∂x is
// used) still equals finite differences, for each rule, with the hard
// bound binding nowhere (with 192×3 traces over 8 steps, some entry is
// always within the stencil of a kink when the clip binds).
func TestModulatedChunksGradient(t *testing.T) {
	const cells = 192
	if chunkCount(cells) < 2 {
		t.Fatalf("%d rows make %d chunk", cells, chunkCount(cells))
	}
	for _, rule := range []ModRule{
		{Mode: ModHebb, Clip: 50, Rate: 0.5},
		{Mode: ModSimple, Clip: 50, Fanout: true},
		{Mode: ModRetro, Clip: 50, Rate: 0.3},
	} {
		rate := RateFixed
		if rule.hasRate() {
			rate = RateCell
		}
		c := gradCase{"ff-" + rule.Name() + "-chunks", 2, []LayerSpec{{Out: 3, Act: Tanh},
			{Out: cells, Act: Tanh, Rule: rule, LearnRate: rate}, {Out: 2, Act: Linear}}, SSE, 8, nil, true}
		n := runRandomEpisode(t, c, EngineBPTT, 1)
		if bound, _, _ := clipStats(n); bound > 0 {
			t.Fatalf("%s: the clip binds %d times", c.name, bound)
		}
		res, err := n.GradCheck(1e-4)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: largest relative error %.3g", c.name, checkAgainstDifferences(t, res))
	}
}
