package bohp

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// lateNets are networks whose last layer is linear (a neuromodulated
// recurrent layer below), softmax (a plastic feed-forward layer below) and
// tanh (a neuromodulated feed-forward layer itself).
func lateNets(t *testing.T) []*Network {
	t.Helper()
	specs := [][]LayerSpec{
		{{Out: 4, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 0.5, Fanout: true, Rate: 0.2}, Recurrent: true, LearnRate: RateLayer}, {Out: 3, Act: Linear}},
		{{Out: 4, Act: Tanh, Rule: Hebb{0.9}}, {Out: 3, Act: Softmax}},
		{{Out: 3, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: 0.5}}},
	}
	var nets []*Network
	for i, s := range specs {
		n, err := NewNetwork(2, EngineBPTT, s...)
		if err != nil {
			t.Fatal(err)
		}
		n.InitNormal(NewRNG(int64(i+1)), 0.6)
		nets = append(nets, n)
	}
	return nets
}

// Scoring every step after the fact gives the gradient, bit for bit, of
// scoring each step as it runs.
func TestLateScoresEqualScoresInTime(t *testing.T) {
	const steps = 20
	for k, n := range lateNets(t) {
		out := n.Out()
		data := NewRNG(10)
		xs, gs := make([]float64, steps*2), make([]float64, steps*out)
		data.FillUniform(xs, -1, 1)
		data.FillUniform(gs, -1, 1)
		grads := make([][2][]float64, len(n.Params()))
		for way := range 2 {
			n.Reset()
			for s := range steps {
				if _, err := n.Step(xs[s*2 : s*2+2]); err != nil {
					t.Fatal(err)
				}
				if way == 0 {
					if err := n.ScoreGrad(0.5, gs[s*out:(s+1)*out]); err != nil {
						t.Fatal(err)
					}
				}
			}
			if way == 1 {
				if err := n.ScoreSteps(0.5*steps, gs); err != nil {
					t.Fatal(err)
				}
			}
			loss, err := n.EndEpisode()
			if err != nil {
				t.Fatal(err)
			}
			if loss != 0.5*steps {
				t.Errorf("net %d: loss %v, want %v", k, loss, 0.5*steps)
			}
			for i, p := range n.Params() {
				grads[i][way] = append([]float64(nil), p.Grad...)
			}
		}
		nonzero := 0
		for i, p := range n.Params() {
			for e, g := range grads[i][0] {
				if math.Float64bits(g) != math.Float64bits(grads[i][1][e]) {
					t.Fatalf("net %d: %s[%d]: in time %v, late %v", k, p.Name, e, g, grads[i][1][e])
				}
				if g != 0 {
					nonzero++
				}
			}
		}
		if nonzero == 0 {
			t.Errorf("net %d: every gradient is zero", k)
		}
	}
}

func TestLateScoreErrors(t *testing.T) {
	n := lateNets(t)[0]
	g := []float64{1, 2, 3}
	if err := n.ScoreAt(0, 0, g); err == nil || err.Error() != "score: step 0: no step has been run since the episode started" {
		t.Errorf("before a step: %v", err)
	}
	for range 3 {
		n.Step([]float64{0.5, -0.5})
	}
	for _, c := range []struct {
		t     int
		value float64
		grad  []float64
		want  string
	}{
		{-1, 0, g, "score: step -1: steps are numbered from 0"},
		{3, 0, g, "score: step 3: the episode has run 3 steps (0 to 2)"},
		{1, 0, g[:2], "score of step 1: shape mismatch: got gradient of 2 values, want 3 (the output size)"},
		{1, math.NaN(), g, "non-finite value NaN in custom loss[0] at step 1 of episode 0"},
		{0, 0, []float64{1, math.Inf(1), 0}, "non-finite value +Inf in custom loss gradient[1] at step 0 of episode 0"},
	} {
		if err := n.ScoreAt(c.t, c.value, c.grad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ScoreAt(%d, %v, %v): %v, want %q", c.t, c.value, c.grad, err, c.want)
		}
	}
	if err := n.ScoreSteps(0, make([]float64, 8)); err == nil || err.Error() != "score of every step: shape mismatch: got gradients of 8 values, want 9 (3 steps × 3 outputs)" {
		t.Errorf("ScoreSteps: %v", err)
	}
	bad := make([]float64, 9)
	bad[4] = math.NaN()
	var nf *NonFiniteError
	if err := n.ScoreSteps(0, bad); !errors.As(err, &nf) || nf.Step != 1 || n.EpisodeLoss() != 0 {
		t.Errorf("ScoreSteps with a NaN at step 1: %v (loss now %v)", err, n.EpisodeLoss())
	}
	n.EndEpisode()
	if err := n.ScoreAt(1, 0, g); err == nil || err.Error() != "score: step 1: the episode has ended (reset starts the next)" {
		t.Errorf("after the end: %v", err)
	}
	f, err := NewNetwork(2, EngineForward, LayerSpec{Out: 3, Act: Tanh, Rule: Hebb{0.5}})
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		f.Step([]float64{1, 0})
	}
	if err := f.ScoreAt(3, 1, g); err != nil {
		t.Errorf("forward engine, current step: %v", err)
	}
	want := "score: step 2: the forward engine adds each step's gradient as the episode runs and cannot score a past step (the current step is 3); use the bptt engine"
	if err := f.ScoreAt(2, 1, g); err == nil || err.Error() != want {
		t.Errorf("forward engine, past step: %v", err)
	}
}

// The advantage actor-critic loss scored after the episode through a
// neuromodulated recurrent network with a policy and a value head (one
// linear layer: 2 logits and a value) gives the gradient of the loss with
// the advantages held at their recorded values (the policy term treats
// them as constants), checked against finite differences of that
// surrogate with the episode's inputs, actions and rewards replayed.
func TestActorCriticThroughNetwork(t *testing.T) {
	const steps, K = 16, 2
	n, err := NewNetwork(3, EngineBPTT,
		LayerSpec{Out: 4, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 50, Fanout: true, Rate: 0.3}, Recurrent: true, LearnRate: RateCell},
		LayerSpec{Out: K + 1, Act: Linear})
	if err != nil {
		t.Fatal(err)
	}
	n.InitNormal(NewRNG(7), 0.7)
	ac := ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.1, Bonus: ConcentrationPenalty}
	data := NewRNG(8)
	xs := make([]float64, steps*3)
	data.FillUniform(xs, -1, 1)
	rewards := make([]float64, steps)
	for s := range rewards {
		rewards[s] = float64(data.Intn(3) - 1)
	}
	actions := make([]int, steps)
	probs, values := make([]float64, steps*K), make([]float64, steps)
	// run replays the episode and fills probs and values (actions drawn
	// when draw is set).
	run := func(draw bool) {
		n.Reset()
		for s := range steps {
			y, err := n.Step(xs[s*3 : s*3+3])
			if err != nil {
				t.Fatal(err)
			}
			p := probs[s*K : (s+1)*K]
			softmax(y[:K], p)
			values[s] = y[K]
			if draw {
				if actions[s], err = data.Categorical(p); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	run(true)
	gL, gV := make([]float64, steps*K), make([]float64, steps)
	loss, err := ac.Loss(probs, actions, rewards, values, gL, gV)
	if err != nil {
		t.Fatal(err)
	}
	adv := make([]float64, steps)
	DiscountedReturns(adv, rewards, ac.Gamma)
	for s := range adv {
		adv[s] -= values[s]
	}
	grads := make([]float64, steps*(K+1))
	for s := range steps {
		copy(grads[s*(K+1):], gL[s*K:(s+1)*K])
		grads[s*(K+1)+K] = gV[s]
	}
	if err := n.ScoreSteps(loss.Total, grads); err != nil {
		t.Fatal(err)
	}
	if got, err := n.EndEpisode(); err != nil || got != loss.Total {
		t.Fatalf("EndEpisode: %v, %v; want loss %v", got, err, loss.Total)
	}
	analytic := map[string][]float64{}
	for _, p := range n.Params() {
		analytic[p.Name] = append([]float64(nil), p.Grad...)
	}
	surrogate := func() float64 {
		run(false)
		return ac.episode(probs, K, actions, rewards, values, adv, gL, gV).Total
	}
	n.noGrad = true
	res := &GradCheckResult{Analytic: analytic, Numeric: map[string][]float64{}}
	const h = 1e-4
	for _, p := range n.Params() {
		num := make([]float64, len(p.Data))
		for i, v := range p.Data {
			var f [4]float64
			for j, d := range [4]float64{2 * h, h, -h, -2 * h} {
				p.Data[i] = v + d
				f[j] = surrogate()
			}
			p.Data[i] = v
			num[i] = (-f[0] + 8*f[1] - 8*f[2] + f[3]) / (12 * h)
		}
		res.Numeric[p.Name] = num
	}
	n.noGrad = false
	t.Logf("largest relative error: %.3g", checkAgainstDifferences(t, res))
}

// Scoring every step after the episode allocates nothing (a cue-reward
// episode of a neuromodulated network: steps, ScoreSteps, EndEpisode).
func TestScoreStepsNoAllocation(t *testing.T) {
	tk := newCueRewardTask(2, 10, 60)
	net, _ := newCueRewardNet(t, 17, 8, cueRewardRules[4].spec)
	r := NewRNG(2)
	episode := func() {
		if _, err := tk.episode(net, r); err != nil {
			t.Fatal(err)
		}
	}
	episode()
	if a := testing.AllocsPerRun(10, episode); a != 0 {
		t.Errorf("%v allocations per episode", a)
	}
}
