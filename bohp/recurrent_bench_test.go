package bohp

import (
	"fmt"
	"testing"
)

// completionTask is the 2018 binary pattern completion task (simple/simplest.py
// of the differentiable plasticity code): each episode shows 5 random ±1
// patterns of n bits, twice, each for 6 steps followed by 4 steps of zero
// input, then one of them with about half its bits zeroed for 6 steps (106
// steps); inputs are scaled by 20, and only the last step is scored (squared
// error against the full pattern).
type completionTask struct {
	n        int
	patterns [][]float64
	order    []int
	xs       []float64 // steps × n
	target   []float64
}

const (
	ctPatterns, ctCycles, ctShow, ctGap, ctTest = 5, 2, 6, 4, 6
	ctSteps                                     = ctCycles*ctPatterns*(ctShow+ctGap) + ctTest
)

func newCompletionTask(n int) *completionTask {
	tk := &completionTask{n: n, order: make([]int, ctPatterns), xs: make([]float64, ctSteps*n), target: make([]float64, n)}
	for range ctPatterns {
		tk.patterns = append(tk.patterns, make([]float64, n))
	}
	return tk
}

// draw fills the episode's inputs and target.
func (tk *completionTask) draw(r *RNG) {
	n := tk.n
	for _, p := range tk.patterns {
		r.FillSigns(p)
	}
	copy(tk.target, tk.patterns[r.Intn(ctPatterns)])
	clear(tk.xs)
	t := 0
	for range ctCycles {
		r.Perm(tk.order)
		for _, k := range tk.order {
			for range ctShow {
				for i, v := range tk.patterns[k] {
					tk.xs[t*n+i] = 20 * v
				}
				t++
			}
			t += ctGap
		}
	}
	test := tk.xs[t*n : (t+1)*n]
	for i, v := range tk.target {
		if r.Float64() < 0.5 {
			test[i] = 20 * v
		}
	}
	for k := 1; k < ctTest; k++ {
		copy(tk.xs[(t+k)*n:(t+k+1)*n], test)
	}
}

// episode runs one episode and returns the fraction of wrong-sign bits.
func (tk *completionTask) episode(net *Network, r *RNG) (float64, error) {
	tk.draw(r)
	n := tk.n
	net.Reset()
	for t := 0; t < ctSteps; t++ {
		if _, err := net.Step(tk.xs[t*n : (t+1)*n]); err != nil {
			return 0, err
		}
	}
	if _, err := net.Score(SSE, tk.target, 1); err != nil {
		return 0, err
	}
	wrong := 0
	for i, y := range net.Output() {
		if (y > 0) != (tk.target[i] > 0) {
			wrong++
		}
	}
	if _, err := net.EndEpisode(); err != nil {
		return 0, err
	}
	return float64(wrong) / float64(n), nil
}

// newCompletionNet builds the 2018 network: n recurrent tanh cells, direct
// input, Hebbian traces with rate 0.01, w and α drawn from 0.01 N(0, 1), no
// bias; Adam with learning rate 3e-4.
func newCompletionNet(tb testing.TB, n int, prec Precision, rate RateMode) (*Network, *Adam, *RNG) {
	net, err := NewNetwork(n, EngineBPTT, LayerSpec{Out: n, Act: Tanh, Rule: Hebb{0.99}, Recurrent: true, Input: InputDirect, LearnRate: rate, Precision: prec})
	if err != nil {
		tb.Fatal(err)
	}
	r := NewRNG(1)
	net.InitNormal(r, 0.01)
	if err := net.Param("l0.b").Fix(make([]float64, n)); err != nil {
		tb.Fatal(err)
	}
	return net, NewAdam(3e-4, Penalty{}), r
}

// BenchmarkRecurrentEpisode: one episode of the 2018 pattern completion task
// (106 steps, the gradient of w and α by BPTT, the Adam update) at
// N = 64, 256, 1024, in float64 and float32, on one and two cores.
// "state-MB" is the memory the network, its BPTT state and the optimizer
// hold.
func BenchmarkRecurrentEpisode(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		for _, prec := range []Precision{Float64, Float32} {
			for _, workers := range []int{1, 2} {
				b.Run(fmt.Sprintf("N=%d/%s/workers=%d", n, prec, workers), func(b *testing.B) {
					net, opt, r := newCompletionNet(b, n, prec, RateFixed)
					net.SetWorkers(workers)
					tk := newCompletionTask(n)
					benchEpisodes(b, 2, net, opt, func() error { _, err := tk.episode(net, r); return err })
					b.ReportMetric(float64(heldBytes(net, opt))/(1<<20), "state-MB")
				})
			}
		}
	}
}

// benchEpisodes times episodes, each followed by the optimizer's update,
// after warm episodes that size the tapes and the optimizer's state.
func benchEpisodes(b *testing.B, warm int, net *Network, opt Optimizer, episode func() error) {
	for i := -warm; i < b.N; i++ {
		if i == 0 {
			b.ReportAllocs()
			b.ResetTimer()
		}
		if err := episode(); err != nil {
			b.Fatal(err)
		}
		if err := opt.Update(net.Params()); err != nil {
			b.Fatal(err)
		}
	}
}

// heldBytes is the memory held by the network's tensors, gradients,
// traces, BPTT state and the optimizer's state with its batch (an estimate from the
// lengths of its buffers).
func heldBytes(net *Network, opt *Adam) int {
	total := 0
	for _, p := range net.Params() {
		total += 8 * (len(p.Data) + len(p.Grad))
	}
	for _, l := range net.Layers {
		if l.Recurrent() {
			total += l.kind.(interface{ bytes() int }).bytes()
		}
	}
	for _, s := range opt.m {
		total += 8 * len(s)
	}
	for _, s := range opt.v {
		total += 8 * len(s)
	}
	for _, s := range opt.sum { // a batch's gradients
		total += 8 * len(s)
	}
	return total
}
