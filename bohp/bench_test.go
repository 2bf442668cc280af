package bohp

import (
	"fmt"
	"testing"
)

// reversalTask holds the buffers of the paper's reversal task.
type reversalTask struct {
	p1, p2  [8]float64
	x       [10]float64
	target  [2]float64
	reverse bool // false: the one-shot task
}

// episode runs one episode of the task (20 steps; learning periods 0-1 and,
// for reversal, 10-11 unscored) and returns the mean scored cross-entropy.
func (tk *reversalTask) episode(n *Network, r *RNG) (float64, error) {
	r.FillSigns(tk.p1[:])
	for {
		r.FillSigns(tk.p2[:])
		if tk.p1 != tk.p2 {
			break
		}
	}
	n.Reset()
	sum, scored := 0.0, 0
	for t := 0; t < 20; t++ {
		which := t % 2 // pattern 1 at even steps
		label := which
		if tk.reverse && t >= 10 {
			label = 1 - which
		}
		pat := tk.p1[:]
		if which == 1 {
			pat = tk.p2[:]
		}
		copy(tk.x[2:], pat)
		tk.x[0], tk.x[1] = 0, 0
		learning := t < 2 || (tk.reverse && (t == 10 || t == 11))
		if learning {
			tk.x[label] = 1
		}
		if _, err := n.Step(tk.x[:]); err != nil {
			return 0, err
		}
		tk.target[0], tk.target[1] = 0, 0
		tk.target[label] = 1
		w := 1.0
		if learning {
			w = 0
		}
		l, err := n.Score(CrossEntropy, tk.target[:], w)
		if err != nil {
			return 0, err
		}
		if !learning {
			sum += l
			scored++
		}
	}
	if _, err := n.EndEpisode(); err != nil {
		return 0, err
	}
	return sum / float64(scored), nil
}

func newReversalNet(tb testing.TB, e Engine) (*Network, *RMSprop, *RNG) {
	n, err := NewNetwork(10, e, LayerSpec{Out: 2, Act: Tanh, Rule: Hebb{0.98}}, LayerSpec{Out: 2, Act: Softmax})
	if err != nil {
		tb.Fatal(err)
	}
	r := NewRNG(1)
	n.InitNormal(r, 0.1)
	return n, NewRMSprop(0.01, 0.01, Penalty{L1: 1e-4}), r
}

// BenchmarkReversalEpisode: one episode of the paper's reversal task at the
// paper's sizes, with the gradient and the RMSprop update.
func BenchmarkReversalEpisode(b *testing.B) {
	for _, e := range []Engine{EngineForward, EngineBPTT} {
		b.Run(e.String(), func(b *testing.B) {
			n, opt, r := newReversalNet(b, e)
			tk := &reversalTask{reverse: true}
			for i := 0; i < 3; i++ { // warm up: tapes and optimizer state sized
				if _, err := tk.episode(n, r); err != nil {
					b.Fatal(err)
				}
				if err := opt.Update(n.Params()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tk.episode(n, r); err != nil {
					b.Fatal(err)
				}
				if err := opt.Update(n.Params()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLargePlasticLayer: a 1000 -> 1000 plastic tanh layer, a 100-step
// episode, BPTT gradient.
func BenchmarkLargePlasticLayer(b *testing.B) {
	const size, steps = 1000, 100
	n, err := NewNetwork(size, EngineBPTT, LayerSpec{Out: size, Act: Tanh, Rule: Hebb{0.9}})
	if err != nil {
		b.Fatal(err)
	}
	r := NewRNG(1)
	n.InitNormal(r, 0.01)
	xs := make([][]float64, steps)
	for t := range xs {
		xs[t] = make([]float64, size)
		r.FillSigns(xs[t])
	}
	target := make([]float64, size)
	run := func() {
		n.Reset()
		for t := 0; t < steps; t++ {
			if _, err := n.Step(xs[t]); err != nil {
				b.Fatal(err)
			}
			if _, err := n.Score(SSE, target, 1); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := n.EndEpisode(); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
}

// TestReversalLearns: a short training run of the reversal task with each
// engine brings the error well below chance (ln 2 ≈ 0.69).
func TestReversalLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("training run")
	}
	for _, e := range []Engine{EngineForward, EngineBPTT} {
		n, opt, r := newReversalNet(t, e)
		tk := &reversalTask{reverse: true}
		sum := 0.0
		const episodes = 6000
		for i := 0; i < episodes; i++ {
			l, err := tk.episode(n, r)
			if err != nil {
				t.Fatal(err)
			}
			if i >= episodes-500 {
				sum += l
			}
			if err := opt.Update(n.Params()); err != nil {
				t.Fatal(err)
			}
		}
		mean := sum / 500
		fmt.Printf("%s: mean error over the last 500 episodes %.4f\n", e, mean)
		if mean > 0.1 {
			t.Errorf("%s: reversal did not learn: mean error %.4f over the last 500 episodes", e, mean)
		}
	}
}
