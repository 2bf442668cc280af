package bohp

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// randomEpisode draws an episode for n: random inputs and targets, a few
// steps with weight 0 (learning periods) and others with weights != 1.
func randomEpisode(n *Network, steps int, loss Loss, seed int64) *Episode {
	r := NewRNG(seed)
	ep := &Episode{Steps: steps, Loss: loss,
		Inputs: make([]float64, steps*n.In), Targets: make([]float64, steps*n.Out()), Weights: make([]float64, steps),
		Outputs: make([]float64, steps*n.Out()), Losses: make([]float64, steps)}
	r.FillNormal(ep.Inputs, 0, 1)
	r.FillUniform(ep.Targets, 0, 1)
	for t := range ep.Weights {
		ep.Weights[t] = []float64{0, 1, 0.5, 2}[r.Intn(4)]
	}
	return ep
}

// runSteps runs ep step by step through the public Step/Score/EndEpisode.
func runSteps(t *testing.T, n *Network, ep *Episode) (loss float64, outputs, losses []float64) {
	t.Helper()
	n.Reset()
	out := n.Out()
	for s := 0; s < ep.Steps; s++ {
		y, err := n.Step(ep.Inputs[s*n.In : (s+1)*n.In])
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, y...)
		l, err := n.Score(ep.Loss, ep.Targets[s*out:(s+1)*out], ep.Weights[s])
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, l)
	}
	loss, err := n.EndEpisode()
	if err != nil {
		t.Fatal(err)
	}
	return loss, outputs, losses
}

// RunEpisode gives bit for bit what the step-by-step calls give: loss,
// outputs, per-step losses and every gradient, with both engines.
func TestRunEpisodeEqualsSteps(t *testing.T) {
	for _, c := range gradCases() {
		for _, e := range []Engine{EngineForward, EngineBPTT} {
			n, err := NewNetwork(c.in, e, c.specs...)
			if err != nil {
				t.Fatal(err)
			}
			n.InitNormal(NewRNG(3), 0.5)
			ep := randomEpisode(n, c.steps, c.loss, 4)
			want, wantOut, wantLosses := runSteps(t, n, ep)
			wantGrads := map[string][]float64{}
			for _, p := range n.Params() {
				wantGrads[p.Name] = slices.Clone(p.Grad)
			}
			got, err := n.RunEpisode(context.Background(), ep)
			if err != nil {
				t.Fatal(err)
			}
			if got != want || !slices.Equal(ep.Outputs, wantOut) || !slices.Equal(ep.Losses, wantLosses) {
				t.Errorf("%s/%s: loss %v, want %v; outputs or losses differ", c.name, e, got, want)
			}
			for _, p := range n.Params() {
				if !slices.Equal(p.Grad, wantGrads[p.Name]) {
					t.Errorf("%s/%s: gradient of %s differs", c.name, e, p.Name)
				}
			}
		}
	}
}

// Ending an ended episode again returns its loss and leaves its gradients
// as they were, with every engine: BPTT's backward pass ran again and
// doubled them, which an optimizer update then used.
func TestEndTwice(t *testing.T) {
	retro := gradCase{name: "recurrent-retroactive", in: 3, specs: []LayerSpec{{Out: 4, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 0.5, Fanout: true, Rate: 0.2}, Recurrent: true, LearnRate: RateLayer}, {Out: 3, Act: Linear}}, loss: SSE, steps: 12}
	for _, c := range append(gradCases(), retro) {
		for _, e := range []Engine{EngineForward, EngineBPTT} {
			if c.name == retro.name && e != EngineBPTT {
				continue
			}
			n, err := NewNetwork(c.in, e, c.specs...)
			if err != nil {
				t.Fatal(err)
			}
			n.InitNormal(NewRNG(3), 0.5)
			want, _, _ := runSteps(t, n, randomEpisode(n, c.steps, c.loss, 4))
			wantGrads := map[string][]float64{}
			for _, p := range n.Params() {
				wantGrads[p.Name] = slices.Clone(p.Grad)
			}
			if got, err := n.EndEpisode(); got != want || err != nil {
				t.Errorf("%s/%s: end again = %v, %v, want %v", c.name, e, got, err, want)
			}
			for _, p := range n.Params() {
				if !slices.Equal(p.Grad, wantGrads[p.Name]) {
					t.Errorf("%s/%s: end again changed the gradient of %s", c.name, e, p.Name)
				}
			}
		}
	}
}

// An episode runs from its first step to its end; a broken one does not
// (it cannot end with a gradient), so its tensors may change.
func TestRunning(t *testing.T) {
	n, err := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Tanh})
	if err != nil {
		t.Fatal(err)
	}
	want := func(when string, running bool) {
		t.Helper()
		if n.Running() != running {
			t.Errorf("%s: Running() = %v, want %v", when, !running, running)
		}
	}
	want("new", false)
	n.Reset()
	want("after reset", false)
	n.Step([]float64{1, 2})
	want("in the first step", true)
	n.Step([]float64{1, 2})
	want("in the second step", true)
	n.EndEpisode()
	want("after end", false)
	n.Reset()
	n.Step([]float64{1, 2})
	if _, err := n.Score(SSE, []float64{1e308, -1e308}, 1e308); err == nil {
		t.Fatal("an infinite loss is not an error")
	}
	want("broken", false)
}

// A uniform weight (Weights nil) scores every step with Weight; result
// buffers are optional.
func TestRunEpisodeUniformWeight(t *testing.T) {
	n, _, _ := newReversalNet(t, EngineBPTT)
	ep := randomEpisode(n, 7, SSE, 5)
	for i := range ep.Weights {
		ep.Weights[i] = 0.25
	}
	want, _, _ := runSteps(t, n, ep)
	ep.Weights, ep.Weight, ep.Outputs, ep.Losses = nil, 0.25, nil, nil
	if got, err := n.RunEpisode(context.Background(), ep); err != nil || got != want {
		t.Errorf("uniform weight: %v, %v, want %v", got, err, want)
	}
}

// An episode allocates nothing once the engine's tape has grown.
func TestRunEpisodeAllocations(t *testing.T) {
	for _, e := range []Engine{EngineForward, EngineBPTT} {
		n, _, _ := newReversalNet(t, e)
		ep := randomEpisode(n, 20, CrossEntropy, 6)
		ctx := context.Background()
		if _, err := n.RunEpisode(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(50, func() { n.RunEpisode(ctx, ep) }); a != 0 {
			t.Errorf("%s: %v allocations per episode, want 0", e, a)
		}
	}
}

func TestRunEpisodeErrors(t *testing.T) {
	n, _, _ := newReversalNet(t, EngineBPTT)
	ep := randomEpisode(n, 40, CrossEntropy, 7)
	bad := func(name string, mutate func(ep *Episode), want string) {
		t.Helper()
		e := *ep
		mutate(&e)
		_, err := n.RunEpisode(context.Background(), &e)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
	}
	bad("inputs", func(e *Episode) { e.Inputs = e.Inputs[1:] }, "episode: shape mismatch: got inputs of 399 values, want 400 (40 steps × 10)")
	bad("targets", func(e *Episode) { e.Targets = e.Targets[:4] }, "got targets of 4 values, want 80 (40 steps × 2)")
	bad("weights", func(e *Episode) { e.Weights = e.Weights[:39] }, "got weights of 39 values, want 40")
	bad("outputs", func(e *Episode) { e.Outputs = make([]float64, 1) }, "got outputs of 1 values")
	bad("losses", func(e *Episode) { e.Losses = make([]float64, 1) }, "got losses of 1 values")
	bad("steps", func(e *Episode) { e.Steps = -1 }, "steps must be >= 0")
	bad("non-finite input", func(e *Episode) { e.Inputs = slices.Clone(e.Inputs); e.Inputs[35] = math.NaN() }, "non-finite value NaN in input[5] at step 3 of episode 0")
	bad("non-finite weight", func(e *Episode) { e.Weights = slices.Clone(e.Weights); e.Weights[2] = math.Inf(1) }, "score: weight is +Inf at step 2")
	// A finite loss times a finite weight that overflows: +Inf, an error
	// at its step (it was returned as the episode's loss).
	bad("weighted loss +Inf", func(e *Episode) { e.Weights = nil; e.Weight = math.MaxFloat64 }, "non-finite value +Inf in weighted episode loss cross_entropy[0] at step 1 of episode 0")
	// After two good episodes the error names the third.
	if _, err := n.RunEpisode(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	if _, err := n.RunEpisode(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	bad("episode 2", func(e *Episode) { e.Inputs = slices.Clone(e.Inputs); e.Inputs[35] = math.NaN() }, "at step 3 of episode 2")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := n.RunEpisode(ctx, ep)
	if !errors.Is(err, context.Canceled) || err.Error() != "interrupted (context canceled)" {
		t.Errorf("cancelled: %v", err)
	}
	if n.Steps() != 15 {
		t.Errorf("cancelled after %d steps, want 15 (the context is looked at every 16 steps)", n.Steps())
	}
}
