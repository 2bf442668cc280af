package bohp

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// paperReference transcribes the 2016 code's gradient computation directly
// (an O(T²) sum over past steps per step, as the code does), for a plastic
// tanh layer, optionally followed by a dense output layer (softmax with
// cross-entropy, or linear with squared error), or scored itself with
// squared error. approx switches on the code's two approximations; without
// them the same sums give the exact gradient (the bias then has the
// recursion too).
type paperReference struct {
	in, hid, out int     // out = 0: the plastic layer is the output
	g            float64 // trace retention
	act          Activation
	approx       bool
	W, A, V      [][]float64
	b, c         []float64
}

// gradients runs the episode (xs, targets, weights) and returns the
// gradients by tensor name, as the engine names them.
func (r *paperReference) gradients(xs, targets [][]float64, weights []float64) map[string][]float64 {
	T := len(xs)
	hebb := zeros2(r.hid, r.in)
	var ys [][]float64
	var dyda, dydw [][][]float64 // per step, hid × in
	var dydb [][]float64         // per step, hid (the bias's recursion)
	gW, gA, gb := zeros2(r.hid, r.in), zeros2(r.hid, r.in), make([]float64, r.hid)
	gV, gc := zeros2(r.out, r.hid), make([]float64, r.out)
	for t, x := range xs {
		y := make([]float64, r.hid)
		for i := range y {
			z := r.b[i]
			for k := range x {
				z += (r.W[i][k] + r.A[i][k]*hebb[i][k]) * x[k]
			}
			y[i] = math.Tanh(z)
		}
		// gam[u] = (1-g) g^(t-1-u): the weight of step u's product in the trace at t.
		gam := make([]float64, t)
		for u := range gam {
			gam[u] = (1 - r.g) * math.Pow(r.g, float64(t-1-u))
		}
		// d trace[i][k](t)/dθ = Σ_u gam[u] x_k(u) dy_i(u)/dθ; summed over k with alpha[i][k] x_k(t).
		through := func(i, j int, past [][][]float64) float64 {
			s := 0.0
			for k := range x {
				inner := 0.0
				for u := 0; u < t; u++ {
					inner += xs[u][k] * past[u][i][j] * gam[u]
				}
				s += r.A[i][k] * x[k] * inner
			}
			return s
		}
		da, dw, db := zeros2(r.hid, r.in), zeros2(r.hid, r.in), make([]float64, r.hid)
		for i := range y {
			f := 1 - y[i]*y[i]
			if r.approx {
				f = 1 - math.Tanh(y[i])*math.Tanh(y[i])
			}
			for j := range x {
				da[i][j] = f * (x[j]*hebb[i][j] + through(i, j, dyda))
				dw[i][j] = f * (x[j] + through(i, j, dydw))
			}
			db[i] = 1 - y[i]*y[i] // the leading term, with the exact factor
			if !r.approx {
				s := 0.0
				for k := range x {
					inner := 0.0
					for u := 0; u < t; u++ {
						inner += xs[u][k] * dydb[u][i] * gam[u]
					}
					s += r.A[i][k] * x[k] * inner
				}
				db[i] += f * s
			}
		}
		ys, dyda, dydw, dydb = append(ys, y), append(dyda, da), append(dydw, dw), append(dydb, db)
		for i := range y {
			for k := range x {
				hebb[i][k] += (1 - r.g) * (y[i]*x[k] - hebb[i][k])
			}
		}
	}
	for t := 0; t < T; t++ {
		w, y, tgt := weights[t], ys[t], targets[t]
		dLdy := make([]float64, r.hid)
		if r.out == 0 {
			for i := range y {
				dLdy[i] = w * 2 * (y[i] - tgt[i])
			}
		} else {
			o := make([]float64, r.out)
			for m := range o {
				o[m] = r.c[m]
				for i := range y {
					o[m] += r.V[m][i] * y[i]
				}
			}
			dLdo := make([]float64, r.out)
			if r.act == Softmax {
				p := make([]float64, r.out)
				softmax(o, p)
				for m := range o {
					dLdo[m] = w * (p[m] - tgt[m])
				}
			} else {
				for m := range o {
					dLdo[m] = w * 2 * (o[m] - tgt[m])
				}
			}
			for m := range o {
				gc[m] += dLdo[m]
				for i := range y {
					gV[m][i] += dLdo[m] * y[i]
					dLdy[i] += r.V[m][i] * dLdo[m]
				}
			}
		}
		for i := range y {
			gb[i] += dLdy[i] * dydb[t][i]
			for j := range xs[t] {
				gW[i][j] += dLdy[i] * dydw[t][i][j]
				gA[i][j] += dLdy[i] * dyda[t][i][j]
			}
		}
	}
	out := map[string][]float64{"l0.w": flat(gW), "l0.alpha": flat(gA), "l0.b": gb}
	if r.out > 0 {
		out["l1.w"], out["l1.b"] = flat(gV), gc
	}
	return out
}

func zeros2(r, c int) [][]float64 {
	m := make([][]float64, r)
	for i := range m {
		m[i] = make([]float64, c)
	}
	return m
}

func flat(m [][]float64) []float64 {
	var out []float64
	for _, row := range m {
		out = append(out, row...)
	}
	return out
}

func rows(data []float64, r, c int) [][]float64 {
	m := zeros2(r, c)
	for i := range m {
		copy(m[i], data[i*c:(i+1)*c])
	}
	return m
}

// paperCases are the paper's three networks (one-shot/reversal, completion)
// and a plastic tanh output layer.
var paperCases = []struct {
	name  string
	in    int
	hid   int
	out   int
	act   Activation
	g     float64
	steps int
}{
	{"oneshot", 10, 2, 2, Softmax, 0.98, 20},
	{"completion", 8, 8, 8, Linear, 0.5, 2},
	{"plastic-output", 5, 3, 0, Tanh, 0.9, 15},
	{"wide-long", 6, 4, 3, Softmax, 0.8, 40},
}

// TestPaperEngineIsTheCodesGradient compares the paper engine with the
// direct transcription of the 2016 code on random episodes, and the
// forward engine with the same sums without the approximations.
func TestPaperEngineIsTheCodesGradient(t *testing.T) {
	for _, c := range paperCases {
		for seed := int64(1); seed <= 4; seed++ {
			for _, e := range []Engine{EnginePaper, EngineForward} {
				t.Run(fmt.Sprintf("%s/%s/seed%d", c.name, e, seed), func(t *testing.T) {
					specs := []LayerSpec{{Out: c.hid, Act: Tanh, Rule: Hebb{c.g}}}
					if c.out > 0 {
						specs = append(specs, LayerSpec{Out: c.out, Act: c.act})
					}
					n, err := NewNetwork(c.in, e, specs...)
					if err != nil {
						t.Fatal(err)
					}
					r := NewRNG(seed)
					n.InitNormal(r, 0.8) // large enough that the approximations matter
					l0 := n.Layers[0]
					ref := &paperReference{in: c.in, hid: c.hid, out: c.out, g: c.g, act: c.act, approx: e == EnginePaper,
						W: rows(l0.W.Data, c.hid, c.in), A: rows(l0.Alpha.Data, c.hid, c.in), b: l0.B.Data}
					if c.out > 0 {
						ref.V, ref.c = rows(n.Layers[1].W.Data, c.out, c.hid), n.Layers[1].B.Data
					}
					loss := SSE
					if c.act == Softmax {
						loss = CrossEntropy
					}
					var xs, targets [][]float64
					var weights []float64
					n.Reset()
					for s := 0; s < c.steps; s++ {
						x := make([]float64, c.in)
						r.FillSigns(x)
						x[r.Intn(c.in)] = 0
						tgt := make([]float64, n.Out())
						if loss == CrossEntropy {
							tgt[r.Intn(len(tgt))] = 1
						} else {
							r.FillUniform(tgt, -1, 1)
						}
						w := r.Float64()
						if s == 0 {
							w = 0 // a learning period
						}
						xs, targets, weights = append(xs, x), append(targets, tgt), append(weights, w)
						if _, err := n.Step(x); err != nil {
							t.Fatal(err)
						}
						if _, err := n.Score(loss, tgt, w); err != nil {
							t.Fatal(err)
						}
					}
					if _, err := n.EndEpisode(); err != nil {
						t.Fatal(err)
					}
					want := ref.gradients(xs, targets, weights)
					for _, p := range n.Params() {
						for k, g := range p.Grad {
							w := want[p.Name][k]
							if d := math.Abs(g - w); d > 1e-12*math.Max(1, math.Abs(w)) {
								t.Errorf("%s[%d]: engine %.17g, reference %.17g", p.Name, k, g, w)
							}
						}
					}
				})
			}
		}
	}
}

// The approximations change the gradient (else the comparison above could
// not tell the engines apart), and gradcheck flags the paper engine.
func TestPaperEngineIsApproximate(t *testing.T) {
	c := gradCases()[0] // the reversal network
	exact := runRandomEpisode(t, c, EngineForward, 7)
	paper := runRandomEpisode(t, c, EnginePaper, 7)
	for _, name := range []string{"l0.w", "l0.alpha", "l0.b"} {
		e, p := exact.Param(name).Grad, paper.Param(name).Grad
		differs := false
		for k := range e {
			if math.Abs(e[k]-p[k]) > 1e-6*math.Max(1e-3, math.Abs(e[k])) {
				differs = true
			}
		}
		if !differs {
			t.Errorf("%s: the paper engine's gradient equals the exact one: %v", name, p)
		}
	}
	for _, name := range []string{"l1.w", "l1.b"} { // the output layer is exact
		e, p := exact.Param(name).Grad, paper.Param(name).Grad
		for k := range e {
			if e[k] != p[k] {
				t.Errorf("%s[%d]: paper %v, exact %v", name, k, p[k], e[k])
			}
		}
	}
	res, err := paper.GradCheck(1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Approximate || res.MaxRelErr < 1e-4 {
		t.Errorf("gradcheck of the paper engine: approximate %v, max rel err %v", res.Approximate, res.MaxRelErr)
	}
	if res, _ := exact.GradCheck(1e-3); res.Approximate {
		t.Error("gradcheck calls the forward engine approximate")
	}
}

// The paper engine runs every network the forward engine runs (plastic
// layers anywhere, Oja, sigmoid), and on a sigmoid plastic layer (no tanh
// factor) only the biases' gradients differ from the forward engine's.
func TestPaperEngineOnEveryNetwork(t *testing.T) {
	for _, c := range gradCases() {
		n := runRandomEpisode(t, c, EnginePaper, 3)
		for _, p := range n.Params() {
			if err := checkFinite(-1, "gradient of ", p.Name, p.Grad); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
	c := gradCase{"sigmoid", 4, []LayerSpec{{Out: 3, Act: Sigmoid, Rule: Hebb{0.8}}, {Out: 2, Act: Linear}}, SSE, 12, nil, true}
	exact, paper := runRandomEpisode(t, c, EngineForward, 5), runRandomEpisode(t, c, EnginePaper, 5)
	for i, p := range paper.Params() {
		q := exact.Params()[i]
		for k := range p.Grad {
			d := math.Abs(p.Grad[k] - q.Grad[k])
			if p.Kind != KindBias && d > 1e-9*math.Max(1, math.Abs(q.Grad[k])) {
				t.Errorf("sigmoid: %s[%d]: paper %v, forward %v", p.Name, k, p.Grad[k], q.Grad[k])
			}
		}
	}
}

// Switching a network from the paper engine to the exact ones gives the
// exact gradient again.
func TestSwitchingFromThePaperEngine(t *testing.T) {
	specs := []LayerSpec{{Out: 2, Act: Tanh, Rule: Hebb{0.9}}, {Out: 2, Act: Softmax}}
	build := func(e Engine) *Network {
		n, err := NewNetwork(4, e, specs...)
		if err != nil {
			t.Fatal(err)
		}
		n.InitNormal(NewRNG(9), 0.8)
		return n
	}
	ep := &Episode{Steps: 6, Inputs: make([]float64, 24), Targets: make([]float64, 12), Loss: CrossEntropy, Weight: 1}
	NewRNG(10).FillSigns(ep.Inputs)
	for s := range 6 {
		ep.Targets[2*s+s%2] = 1
	}
	run := func(n *Network) {
		if _, err := n.RunEpisode(context.Background(), ep); err != nil {
			t.Fatal(err)
		}
	}
	want := build(EngineForward)
	run(want)
	n := build(EnginePaper)
	run(n)
	for _, e := range []Engine{EngineForward, EngineBPTT} {
		if err := n.SetEngine(e); err != nil {
			t.Fatal(err)
		}
		run(n)
		for i, p := range n.Params() {
			for k, g := range p.Grad {
				if w := want.Params()[i].Grad[k]; math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Fatalf("paper switched to %s: %s[%d] = %v, want %v", e, p.Name, k, g, w)
				}
			}
		}
	}
}
