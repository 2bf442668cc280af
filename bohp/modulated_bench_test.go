package bohp

import (
	"fmt"
	"testing"
)

// cueRewardTask is the 2019 cue-reward association task of
// scripts/cue_reward.tengo, in Go for the benchmarks: episodes of random
// trials, an action sampled from the policy at every step, the reward of
// the GO step's action, and the advantage actor-critic loss scored after
// the episode.
type cueRewardTask struct {
	cues, bits, steps int
	cueData           [][]float64
	xs                []float64 // steps × inputs: what does not depend on the actions
	goStep, target    []bool
	order             []int
	probs, values     []float64
	gLogits, gValues  []float64
	grads, rewards    []float64
	actions           []int
	ac                ActorCritic
}

func newCueRewardTask(cues, bits, steps int) *cueRewardTask {
	tk := &cueRewardTask{cues: cues, bits: bits, steps: steps, xs: make([]float64, steps*(bits+7)),
		goStep: make([]bool, steps), target: make([]bool, steps), order: make([]int, cues),
		probs: make([]float64, 2*steps), values: make([]float64, steps), gLogits: make([]float64, 2*steps), gValues: make([]float64, steps),
		grads: make([]float64, 3*steps), rewards: make([]float64, steps), actions: make([]int, steps),
		ac: ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.1, Bonus: ConcentrationPenalty}}
	for range cues {
		tk.cueData = append(tk.cueData, make([]float64, bits))
	}
	return tk
}

// draw fills the episode's action-independent inputs and its trials.
func (tk *cueRewardTask) draw(r *RNG) {
	for _, c := range tk.cueData {
		r.FillSigns(c) // distinct with near certainty at 10 bits; the benchmark does not need them distinct
	}
	target, in := r.Intn(tk.cues), tk.bits+7
	clear(tk.xs)
	for t := 0; t < tk.steps; {
		L := tk.cues/2 + 3 + r.Intn(tk.cues)
		r.Perm(tk.order)
		shown := false
		for s := 0; s < L && t < tk.steps; s, t = s+1, t+1 {
			x := tk.xs[t*in : (t+1)*in]
			// steps 1 .. cues/2 show half the cues (the script shuffles them among the blanks)
			if s >= 1 && s <= tk.cues/2 {
				k := tk.order[s-1]
				copy(x, tk.cueData[k])
				shown = shown || k == target
			}
			tk.goStep[t] = s == L-2
			if tk.goStep[t] {
				x[tk.bits] = 1
			}
			x[tk.bits+1], x[tk.bits+2] = 1, float64(t)/float64(tk.steps)
			tk.target[t] = shown
		}
	}
}

// episode runs one episode with the actor-critic loss and returns its
// reward per trial.
func (tk *cueRewardTask) episode(net *Network, r *RNG) (float64, error) {
	reward, err := tk.forward(net, r)
	if err != nil {
		return 0, err
	}
	return reward, tk.backward(net)
}

// forward runs the steps of an episode and returns its reward per trial.
func (tk *cueRewardTask) forward(net *Network, r *RNG) (float64, error) {
	tk.draw(r)
	net.Reset()
	in, total, trials := tk.bits+7, 0.0, 0
	for t := 0; t < tk.steps; t++ {
		x := tk.xs[t*in : (t+1)*in]
		if t > 0 {
			x[tk.bits+3] = tk.rewards[t-1]
			x[tk.bits+5+tk.actions[t-1]] = 1
		}
		y, err := net.Step(x)
		if err != nil {
			return 0, err
		}
		p := tk.probs[2*t : 2*t+2]
		softmax(y[:2], p)
		tk.values[t] = y[2]
		if tk.actions[t], err = r.Categorical(p); err != nil {
			return 0, err
		}
		tk.rewards[t] = 0
		if tk.goStep[t] {
			tk.rewards[t] = -1
			if tk.target[t] == (tk.actions[t] == 1) {
				tk.rewards[t] = 1
			}
			total += tk.rewards[t]
			trials++
		}
	}
	return total / float64(trials), nil
}

// backward scores the episode just run with the actor-critic loss and
// ends it (BPTT).
func (tk *cueRewardTask) backward(net *Network) error {
	loss, err := tk.ac.Loss(tk.probs, tk.actions, tk.rewards, tk.values, tk.gLogits, tk.gValues)
	if err != nil {
		return err
	}
	for t := range tk.steps {
		copy(tk.grads[3*t:], tk.gLogits[2*t:2*t+2])
		tk.grads[3*t+2] = tk.gValues[t]
	}
	if err := net.ScoreSteps(loss.Total, tk.grads); err != nil {
		return err
	}
	_, err = net.EndEpisode()
	return err
}

// cueRewardRules are the recurrent layers compared: the 2018 decaying
// Hebbian trace (issue 9's layer, the plain Hebbian one), none, and the
// 2019 rules with the cue-reward task's settings.
var cueRewardRules = []struct {
	name string
	spec LayerSpec
}{
	{"hebb-2018", LayerSpec{Rule: Hebb{0.9}, LearnRate: RateLayer}},
	{"none", LayerSpec{}},
	{"clipped_hebb", LayerSpec{Rule: ModRule{Mode: ModHebb, Clip: 1, Rate: 0.1}, LearnRate: RateLayer}},
	{"modulated", LayerSpec{Rule: ModRule{Mode: ModSimple, Clip: 1}}},
	{"retroactive", LayerSpec{Rule: ModRule{Mode: ModRetro, Clip: 1, Rate: 0.1}, LearnRate: RateLayer}},
}

// newCueRewardNet builds the task's network: n recurrent tanh cells with
// the rule, a linear layer of two logits and a value; Adam over batches of
// 10 episodes with the gradient norm clipped at 2.
func newCueRewardNet(tb testing.TB, in, n int, rec LayerSpec) (*Network, Optimizer) {
	rec.Out, rec.Act, rec.Recurrent = n, Tanh, true
	net, err := NewNetwork(in, EngineBPTT, rec, LayerSpec{Out: 3, Act: Linear})
	if err != nil {
		tb.Fatal(err)
	}
	net.InitNormal(NewRNG(1), 0.1)
	opt, err := NewOptimizer("adam", map[string]float64{"lr": 1e-3, "eps": 1e-6, "clip_norm": 2, "batch": 10})
	if err != nil {
		tb.Fatal(err)
	}
	return net, opt
}

// BenchmarkCueRewardEpisode: one episode of the cue-reward task (sampling,
// the actor-critic loss scored after the episode, BPTT, and a tenth of an
// Adam update) per recurrent rule, at the scale of the reproduction (32
// cells, 60 steps, cues of 10 bits) and at the paper's (200 cells, 120
// steps, 20 bits), there also with two workers sharing the sweeps over the
// rows. "state-MB" is the memory the network, its BPTT state and the
// optimizer hold.
func BenchmarkCueRewardEpisode(b *testing.B) {
	sizes := []struct{ n, steps, bits, cues, workers int }{{32, 60, 10, 2, 1}, {200, 120, 20, 4, 1}, {200, 120, 20, 4, 2}}
	for _, size := range sizes {
		for _, rule := range cueRewardRules {
			name := fmt.Sprintf("N=%d/%s", size.n, rule.name)
			if size.workers > 1 {
				name = fmt.Sprintf("N=%d,workers=%d/%s", size.n, size.workers, rule.name)
			}
			b.Run(name, func(b *testing.B) {
				tk := newCueRewardTask(size.cues, size.bits, size.steps)
				net, opt := newCueRewardNet(b, size.bits+7, size.n, rule.spec)
				net.SetWorkers(size.workers)
				r := NewRNG(2)
				benchEpisodes(b, 20, net, opt, func() error { _, err := tk.episode(net, r); return err })
				b.ReportMetric(float64(heldBytes(net, opt.(*Adam)))/(1<<20), "state-MB")
			})
		}
	}
}

// BenchmarkCueRewardBound: the forward pass (the steps) and the backward
// pass (the loss and BPTT) of a cue-reward episode at the paper's scale
// (200 cells, 120 steps, cues of 20 bits), with the hard and the soft
// bound, for every 2019 rule on the recurrent layer and, as "ff", on a
// feed-forward first layer of 200 cells, whose input needs no gradient.
func BenchmarkCueRewardBound(b *testing.B) {
	const n, steps, bits, cues = 200, 120, 20, 4
	for _, rule := range cueRewardRules[2:] {
		for _, soft := range []bool{false, true} {
			for _, recurrent := range []bool{true, false} {
				spec := rule.spec
				r := spec.Rule.(ModRule)
				r.Soft = soft
				spec.Rule, spec.Out, spec.Act, spec.Recurrent = r, n, Tanh, recurrent
				name := rule.name + "/hard"
				if soft {
					name = rule.name + "/soft"
				}
				if !recurrent {
					name += "/ff"
				}
				net, err := NewNetwork(bits+7, EngineBPTT, spec, LayerSpec{Out: 3, Act: Linear})
				if err != nil {
					b.Fatal(err)
				}
				net.InitNormal(NewRNG(1), 0.1)
				tk := newCueRewardTask(cues, bits, steps)
				for _, backward := range []bool{false, true} {
					phase := "/forward"
					if backward {
						phase = "/backward"
					}
					b.Run(name+phase, func(b *testing.B) {
						rng := NewRNG(2)
						for i := -2; i < b.N; i++ {
							if i == 0 {
								b.ReportAllocs()
								b.ResetTimer()
							}
							if backward {
								b.StopTimer()
							}
							if _, err := tk.forward(net, rng); err != nil {
								b.Fatal(err)
							}
							if backward {
								b.StartTimer()
							} else {
								b.StopTimer()
							}
							if err := tk.backward(net); err != nil {
								b.Fatal(err)
							}
							if !backward {
								b.StartTimer()
							}
						}
					})
				}
			}
		}
	}
}
