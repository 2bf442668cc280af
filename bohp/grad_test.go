package bohp

import (
	"fmt"
	"math"
	"testing"
)

type gradCase struct {
	name     string
	in       int
	specs    []LayerSpec
	loss     Loss
	steps    int
	period   func(t int) bool // unscored steps
	negAlpha bool
}

func gradCases() []gradCase {
	learning := func(t int) bool { return t < 2 || t == 10 || t == 11 }
	return []gradCase{
		{"reversal-sizes", 10, []LayerSpec{{Out: 2, Act: Tanh, Rule: Hebb{0.98}}, {Out: 2, Act: Softmax}}, CrossEntropy, 20, learning, false},
		{"completion-sizes", 8, []LayerSpec{{Out: 8, Act: Tanh, Rule: Hebb{0.5}}}, SSE, 2, func(t int) bool { return t == 0 }, false},
		{"two-plastic-50-steps", 5, []LayerSpec{{Out: 4, Act: Tanh, Rule: Hebb{0.9}}, {Out: 3, Act: Sigmoid, Rule: Hebb{0.8}}, {Out: 2, Act: Linear}}, SSE, 50, nil, true},
		{"dense-then-plastic", 4, []LayerSpec{{Out: 3, Act: Tanh}, {Out: 3, Act: Tanh, Rule: Hebb{0.7}}, {Out: 3, Act: Softmax}}, CrossEntropy, 30, learning, true},
		{"plastic-output-l1", 6, []LayerSpec{{Out: 4, Act: Tanh}, {Out: 3, Act: Tanh, Rule: Hebb{0.95}}}, L1, 25, nil, true},
		{"oja-linear-ce", 5, []LayerSpec{{Out: 3, Act: Tanh, Rule: Oja{0.1}}, {Out: 4, Act: Linear}}, CrossEntropy, 20, nil, true},
		{"three-plastic-mixed", 3, []LayerSpec{{Out: 3, Act: Sigmoid, Rule: Hebb{0.6}}, {Out: 4, Act: Linear}, {Out: 3, Act: Tanh, Rule: Oja{0.05}}, {Out: 2, Act: Tanh, Rule: Hebb{0.9}}}, SSE, 60, nil, true},
	}
}

// runRandomEpisode builds the case's network with the engine, random
// parameters (alphas of both signs when negAlpha), and runs one episode of
// random inputs and targets.
func runRandomEpisode(t *testing.T, c gradCase, engine Engine, seed int64) *Network {
	t.Helper()
	n, err := NewNetwork(c.in, engine, c.specs...)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRNG(seed)
	n.InitNormal(r, 0.5)
	for _, p := range n.Params() {
		if p.Kind == KindAlpha && !c.negAlpha {
			for i := range p.Data {
				p.Data[i] = math.Abs(p.Data[i])
			}
		}
	}
	data := NewRNG(seed + 1000)
	x := make([]float64, c.in)
	target := make([]float64, n.Out())
	n.Reset()
	for s := 0; s < c.steps; s++ {
		data.FillSigns(x)
		for i := range x {
			x[i] *= data.Float64()
		}
		if _, err := n.Step(x); err != nil {
			t.Fatal(err)
		}
		if c.loss == CrossEntropy {
			clear(target)
			target[data.Intn(len(target))] = 1
		} else {
			data.FillUniform(target, -1, 1)
		}
		w := 0.5 + data.Float64()
		if c.period != nil && c.period(s) {
			w = 0
		}
		if _, err := n.Score(c.loss, target, w); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.EndEpisode(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	worst := map[Engine]float64{}
	for _, c := range gradCases() {
		for _, eng := range []Engine{EngineForward, EngineBPTT} {
			for seed := int64(1); seed <= 3; seed++ {
				t.Run(fmt.Sprintf("%s/%s/seed%d", c.name, eng, seed), func(t *testing.T) {
					n := runRandomEpisode(t, c, eng, seed)
					res, err := n.GradCheck(1e-3)
					if err != nil {
						t.Fatal(err)
					}
					if res.MaxRelErr > worst[eng] {
						worst[eng] = res.MaxRelErr
					}
					if res.MaxRelErr > 1e-6 {
						t.Errorf("max relative error %.3g at %s (abs %.3g)", res.MaxRelErr, res.Worst, res.MaxAbsErr)
					}
				})
			}
		}
	}
	t.Logf("largest finite-difference relative error: forward %.3g, bptt %.3g", worst[EngineForward], worst[EngineBPTT])
}

func TestEnginesAgree(t *testing.T) {
	for _, c := range gradCases() {
		for seed := int64(1); seed <= 5; seed++ {
			f := runRandomEpisode(t, c, EngineForward, seed)
			b := runRandomEpisode(t, c, EngineBPTT, seed)
			for i, p := range f.Params() {
				q := b.Params()[i]
				for k := range p.Grad {
					d := math.Abs(p.Grad[k] - q.Grad[k])
					rel := d / math.Max(1e-12, math.Max(math.Abs(p.Grad[k]), math.Abs(q.Grad[k])))
					if rel > 1e-9 && d > 1e-15 {
						t.Errorf("%s seed %d: %s[%d]: forward %.17g bptt %.17g (rel %.3g)", c.name, seed, p.Name, k, p.Grad[k], q.Grad[k], rel)
					}
				}
			}
		}
	}
}
