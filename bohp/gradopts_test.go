package bohp

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// gradParams are two tensors and a frozen one, with gradients set by fill.
func gradParams() []*Param {
	a, b, f := newParam("a", KindWeight, 1, 2), newParam("b", KindBias, 2, 1), newParam("f", KindWeight, 1, 1)
	f.Frozen = true
	return []*Param{a, b, f}
}

// episodeGrads are the gradients of episode e, the same for every test.
func setEpisodeGrads(ps []*Param, e int) {
	for i, p := range ps {
		for k := range p.Grad {
			p.Grad[k] = math.Sin(float64(7*e+3*i+k+1)) * float64(1+e%3)
		}
	}
}

// A batch of B episodes applies, at the B-th call, exactly the update that
// one episode with the batch's mean gradient applies; the calls before
// change nothing.
func TestOptimizerBatch(t *testing.T) {
	for _, name := range []string{"sgd", "rmsprop", "adam"} {
		const B = 4
		batched, err := NewOptimizer(name, map[string]float64{"batch": B, "clip_norm": 0.5})
		if err != nil {
			t.Fatal(err)
		}
		single, _ := NewOptimizer(name, map[string]float64{"clip_norm": 0.5})
		pb, ps := gradParams(), gradParams()
		for e := 0; e < 3*B; e++ {
			setEpisodeGrads(pb, e)
			before := append([]float64(nil), pb[0].Data...)
			if err := batched.Update(pb); err != nil {
				t.Fatal(err)
			}
			if (e+1)%B != 0 {
				if pb[0].Data[0] != before[0] || batched.Updates() != e/B {
					t.Fatalf("%s: episode %d of a batch changed the tensors or the count (%d updates)", name, e, batched.Updates())
				}
				continue
			}
			// The same update from the mean gradient, summed in the same order.
			for i, p := range ps {
				clear(p.Grad)
				for k := e + 1 - B; k <= e; k++ {
					setEpisodeGrads(pb, k)
					for j, v := range pb[i].Grad {
						p.Grad[j] += v
					}
				}
				for j := range p.Grad {
					p.Grad[j] *= 1.0 / B
				}
			}
			if err := single.Update(ps); err != nil {
				t.Fatal(err)
			}
			for i, p := range pb {
				for j, v := range p.Data {
					if d := math.Abs(v - ps[i].Data[j]); d > 1e-15 {
						t.Fatalf("%s: after batch %d: %s[%d] = %v, want %v", name, e/B, p.Name, j, v, ps[i].Data[j])
					}
				}
			}
		}
		if batched.Updates() != 3 || single.Updates() != 3 {
			t.Errorf("%s: %d and %d updates, want 3", name, batched.Updates(), single.Updates())
		}
		if s := batched.Settings(); s["batch"] != B || s["clip_norm"] != 0.5 {
			t.Errorf("%s: settings %v", name, s)
		}
	}
}

// clip_norm scales the gradient as PyTorch's clip_grad_norm_: by
// c/(norm + 1e-6) when the global norm over the trained tensors exceeds c.
func TestOptimizerClipNorm(t *testing.T) {
	for _, c := range []struct{ clip, want float64 }{
		{2, 2 / (5 + 1e-6)}, // norm 5 (the frozen tensor's gradient does not count)
		{6, 1},              // within the bound: unchanged
		{0, 1},              // no clip
	} {
		o, err := NewOptimizer("sgd", map[string]float64{"lr": 1, "clip_norm": c.clip})
		if err != nil {
			t.Fatal(err)
		}
		ps := gradParams()
		copy(ps[0].Grad, []float64{3, 0})
		copy(ps[1].Grad, []float64{0, 4})
		ps[2].Grad[0] = 100
		if err := o.Update(ps); err != nil {
			t.Fatal(err)
		}
		if got := []float64{ps[0].Data[0], ps[1].Data[1], ps[2].Data[0]}; got[0] != -3*c.want || got[1] != -4*c.want || got[2] != 0 {
			t.Errorf("clip %v: moved by %v, want -3 and -4 times %v and the frozen tensor not at all", c.clip, got, c.want)
		}
	}
}

// A checkpoint saved in the middle of a batch resumes it exactly.
func TestOptimizerBatchCheckpoint(t *testing.T) {
	n, err := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Tanh})
	if err != nil {
		t.Fatal(err)
	}
	run := func(n *Network, o Optimizer, from, to int) {
		for e := from; e < to; e++ {
			setEpisodeGrads(n.Params(), e)
			if err := o.Update(n.Params()); err != nil {
				t.Fatal(err)
			}
		}
	}
	o, _ := NewOptimizer("adam", map[string]float64{"batch": 5, "clip_norm": 1})
	run(n, o, 0, 8) // one update, 3 episodes of the next batch
	text := checkpointText(t, n, o, nil)
	if !strings.Contains(text, "batch: [3.0]") || !strings.Contains(text, "l0.w/batch: [") {
		t.Fatalf("the unfinished batch is not saved:\n%s", text)
	}
	ck, err := LoadCheckpoint(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	run(n, o, 8, 15)
	run(ck.Network, ck.Optimizer, 8, 15)
	for i, p := range n.Params() {
		for j, v := range p.Data {
			if q := ck.Network.Params()[i].Data[j]; math.Float64bits(q) != math.Float64bits(v) {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", p.Name, j, q, v)
			}
		}
	}
	if o.Updates() != 3 || ck.Optimizer.Updates() != 3 {
		t.Errorf("updates %d and %d, want 3", o.Updates(), ck.Optimizer.Updates())
	}
}

func TestOptimizerGradOptionErrors(t *testing.T) {
	for _, c := range []struct {
		settings map[string]float64
		want     string
	}{
		{map[string]float64{"batch": 0}, "adam: batch must be a whole number >= 1, got 0"},
		{map[string]float64{"batch": 2.5}, "adam: batch must be a whole number >= 1, got 2.5"},
		{map[string]float64{"clip_norm": -1}, "adam: clip_norm must be a finite number >= 0 (0: no clip), got -1"},
		{map[string]float64{"clip_norm": math.Inf(1)}, "adam: clip_norm must be a finite number >= 0 (0: no clip), got +Inf"},
	} {
		if _, err := NewOptimizer("adam", c.settings); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %q", c.settings, err, c.want)
		}
	}
	o, _ := NewOptimizer("sgd", map[string]float64{"batch": 3})
	if err := o.SetState(map[string][]float64{"batch": {3}, "a/batch": {1, 2}}, 0); err == nil || !strings.Contains(err.Error(), "batch is [3], want the number of episodes added to an unfinished batch of 3") {
		t.Errorf("a full batch in the state: %v", err)
	}
}

// An update allocates nothing once the optimizer has state for the tensors,
// with and without a batch.
func TestOptimizerUpdateAllocations(t *testing.T) {
	for _, name := range []string{"sgd", "rmsprop", "adam"} {
		for _, batch := range []float64{1, 3} {
			o, err := NewOptimizer(name, map[string]float64{"batch": batch, "clip_norm": 1})
			if err != nil {
				t.Fatal(err)
			}
			ps := gradParams()
			setEpisodeGrads(ps, 0)
			for range 3 {
				if err := o.Update(ps); err != nil {
					t.Fatal(err)
				}
			}
			if a := testing.AllocsPerRun(30, func() { o.Update(ps) }); a != 0 {
				t.Errorf("%s, batch %v: %v allocations per update, want 0", name, batch, a)
			}
		}
	}
}

// A batch's sums are the optimizer's state too: an update with a tensor
// of another shape under the same name (another network) is refused, as
// for the optimizers' moments, instead of restarting that tensor's sum.
func TestOptimizerBatchOtherNetwork(t *testing.T) {
	for _, name := range []string{"sgd", "rmsprop", "adam"} {
		o, _ := NewOptimizer(name, map[string]float64{"batch": 2})
		a, _ := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Tanh})
		b, _ := NewNetwork(3, EngineBPTT, LayerSpec{Out: 2, Act: Tanh})
		if err := o.Update(a.Params()); err != nil {
			t.Fatal(err)
		}
		if err := o.Update(b.Params()); err == nil || !strings.Contains(err.Error(), "use one optimizer per network") {
			t.Errorf("%s: the other network's update: %v", name, err)
		}
	}
}

// A state that SetState refuses leaves the optimizer's state as it was:
// its per-tensor state, its unfinished batch and its number of updates
// (RMSprop cleared them); the error names the optimizer.
func TestOptimizerBadStateKeepsOld(t *testing.T) {
	bad := map[string]struct {
		state   map[string][]float64
		updates int
	}{
		"full batch":           {map[string][]float64{"batch": {3}, "a/batch": {1, 2}}, 1},
		"count without sums":   {map[string][]float64{"batch": {1}}, 1},
		"sums without a count": {map[string][]float64{"a/batch": {1, 2}}, 1},
		"negative updates":     {map[string][]float64{}, -1},
		"an unknown entry":     {map[string][]float64{"a/x": {1, 2}, "batch": {1}, "a/batch": {1, 2}}, 1},
	}
	for _, name := range []string{"sgd", "rmsprop", "adam"} {
		o, err := NewOptimizer(name, map[string]float64{"batch": 3})
		if err != nil {
			t.Fatal(err)
		}
		ps := gradParams()
		for e := range 5 { // one update applied, two episodes of the next batch added
			setEpisodeGrads(ps, e)
			if err := o.Update(ps); err != nil {
				t.Fatal(err)
			}
		}
		want, wantUpdates := o.State()
		if wantUpdates != 1 || want["batch"] == nil {
			t.Fatalf("%s: state %v after %d updates, want an unfinished batch after 1", name, want, wantUpdates)
		}
		for what, b := range bad {
			if name == "rmsprop" && what == "an unknown entry" {
				continue // a tensor's name to RMSprop
			}
			if err := o.SetState(b.state, b.updates); err == nil || !strings.HasPrefix(err.Error(), name+" ") {
				t.Errorf("%s: %s: %v, want an error naming the optimizer", name, what, err)
			}
			if got, u := o.State(); !reflect.DeepEqual(got, want) || u != wantUpdates {
				t.Errorf("%s: after refusing %s: state %v, %d updates; want %v, %d", name, what, got, u, want, wantUpdates)
			}
		}
	}
}

// SetState copies the state it is given: a later change of the caller's
// slices (a checkpoint's data reused) leaves the optimizer's state as it
// was (Adam kept the caller's slices).
func TestSetStateCopies(t *testing.T) {
	states := map[string]map[string][]float64{
		"sgd":     {"batch": {1}, "a/batch": {1, 2}},
		"rmsprop": {"a": {1, 2}, "batch": {1}, "a/batch": {3, 4}},
		"adam":    {"a/m": {1, 2}, "a/v": {3, 4}, "batch": {1}, "a/batch": {5, 6}},
	}
	for name, s := range states {
		o, err := NewOptimizer(name, map[string]float64{"batch": 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.SetState(s, 2); err != nil {
			t.Fatal(err)
		}
		want, _ := o.State()
		for _, v := range s {
			for i := range v {
				v[i] = -7
			}
		}
		if got, _ := o.State(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: a change of the caller's slices changed the state from %v to %v", name, want, got)
		}
	}
}

// TestSetStateRefusesUnreachable: a restored state with a NaN or a
// negative second moment is an error, not NaN updates later ("diverged"
// at an episode that did nothing wrong).
func TestSetStateRefusesUnreachable(t *testing.T) {
	cases := []struct {
		opt     Optimizer
		state   map[string][]float64
		updates int
		want    string
	}{
		{NewAdam(0.1, Penalty{}), map[string][]float64{"a/m": {0, -1}, "a/v": {1, -2}}, 3, "adam state a/v[1] is -2, want a mean of squared gradients, >= 0"},
		{NewAdam(0.1, Penalty{}), map[string][]float64{"a/m": {math.NaN()}, "a/v": {1}}, 3, "adam state a/m[0] is NaN, want a number"},
		{&SGD{LR: 0.1, GradOptions: GradOptions{Batch: 3}}, map[string][]float64{"batch": {1}, "a/batch": {math.NaN()}}, 0, "sgd state a/batch[0] is NaN"},
		{NewRMSprop(0.1, 0, Penalty{}), map[string][]float64{"a": {math.Inf(-1)}}, 1, "rmsprop state a[0] is -Inf"},
	}
	for _, c := range cases {
		if err := c.opt.SetState(c.state, c.updates); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s.SetState(%v, %d) = %v, want %q", c.opt.Name(), c.state, c.updates, err, c.want)
		}
	}
	// A second moment of +Inf (a huge gradient squared) is a state a run reaches.
	if err := NewRMSprop(0.1, 0, Penalty{}).SetState(map[string][]float64{"a": {math.Inf(1)}}, 1); err != nil {
		t.Errorf("+Inf mean square refused: %v", err)
	}
}
