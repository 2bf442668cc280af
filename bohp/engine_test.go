package bohp

import (
	"errors"
	"math"
	"sort"
	"strings"
	"testing"
)

// The plastic layer computes y = act(b + (W + alpha*H) x), output first,
// then H <- g H + (1-g) x y.
func TestPlasticLayerByHand(t *testing.T) {
	n, err := NewNetwork(2, EngineBPTT, LayerSpec{Out: 1, Act: Tanh, Rule: Hebb{0.75}})
	if err != nil {
		t.Fatal(err)
	}
	l := n.Layers[0]
	l.W.Data[0], l.W.Data[1] = 0.5, -0.25
	l.Alpha.Data[0], l.Alpha.Data[1] = 2, -1
	l.B.Data[0] = 0.1
	x1, x2 := []float64{1, -1}, []float64{0.5, 2}
	y1, _ := n.Step(x1)
	want1 := math.Tanh(0.1 + 0.5*1 - 0.25*-1) // traces are zero at the first step
	if y1[0] != want1 {
		t.Fatalf("step 1: %v, want %v", y1[0], want1)
	}
	if l.H[0] != 0 {
		t.Fatalf("trace updated before the next step: %v", l.H)
	}
	y2, _ := n.Step(x2)
	h0, h1 := 0.25*x1[0]*want1, 0.25*x1[1]*want1
	want2 := math.Tanh(0.1 + (0.5+2*h0)*0.5 + (-0.25-1*h1)*2)
	if math.Abs(y2[0]-want2) > 1e-15 {
		t.Fatalf("step 2: %v, want %v", y2[0], want2)
	}
	n.Reset()
	if l.H[0] != 0 || l.H[1] != 0 {
		t.Fatalf("reset left traces %v", l.H)
	}
}

func TestLossesByHand(t *testing.T) {
	n, _ := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Linear})
	l := n.Layers[0]
	copy(l.W.Data, []float64{1, 0, 0, 1})
	n.Step([]float64{0.5, -2})
	if v, _ := n.Score(SSE, []float64{1, 1}, 0); v != 0.25+9 {
		t.Errorf("sse %v", v)
	}
	if v, _ := n.Score(L1, []float64{1, 1}, 0); v != 0.5+3 {
		t.Errorf("l1 %v", v)
	}
	lse := math.Log(math.Exp(0.5) + math.Exp(-2))
	if v, _ := n.Score(CrossEntropy, []float64{0, 1}, 0); math.Abs(v-(lse+2)) > 1e-15 {
		t.Errorf("ce %v want %v", v, lse+2)
	}
	// Stable for huge logits.
	n.Step([]float64{1000, -1000})
	if v, err := n.Score(CrossEntropy, []float64{0, 1}, 1); err != nil || v != 2000 {
		t.Errorf("ce of huge logits: %v %v", v, err)
	}
	s, _ := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Softmax})
	copy(s.Layers[0].W.Data, []float64{1, 0, 0, 1})
	s.Step([]float64{800, -800})
	if v, err := s.Score(CrossEntropy, []float64{0, 1}, 1); err != nil || v != 1600 {
		t.Errorf("ce of softmax with huge logits: %v %v", v, err)
	}
	tn, _ := NewNetwork(2, EngineBPTT, LayerSpec{Out: 2, Act: Tanh})
	tn.Step([]float64{1, 1})
	if _, err := tn.Score(CrossEntropy, []float64{0, 1}, 1); err == nil || !strings.Contains(err.Error(), "softmax or linear") {
		t.Errorf("ce on tanh output: %v", err)
	}
}

func TestBadInputs(t *testing.T) {
	if _, err := NewNetwork(0, EngineBPTT, LayerSpec{Out: 1}); err == nil {
		t.Error("zero inputs accepted")
	}
	if _, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 2, Act: Softmax}, LayerSpec{Out: 2}); err == nil || !strings.Contains(err.Error(), "last layer") {
		t.Errorf("softmax in the middle: %v", err)
	}
	if _, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 2, Act: Softmax, Rule: Hebb{0.5}}); err == nil {
		t.Error("plastic softmax accepted")
	}
	n, _ := NewNetwork(3, EngineForward, LayerSpec{Out: 2, Act: Tanh, Rule: Hebb{0.5}})
	if _, err := n.Score(SSE, []float64{1, 1}, 1); !errors.Is(err, ErrNoStep) {
		t.Errorf("score before step: %v", err)
	}
	_, err := n.Step([]float64{1, 2})
	var se *ShapeError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "got input of 2 values, want 3") {
		t.Errorf("short input: %v", err)
	}
	n.Step([]float64{1, 2, 3})
	if _, err := n.Score(SSE, []float64{1}, 1); !errors.As(err, &se) {
		t.Errorf("short target: %v", err)
	}
	if _, err := n.Step([]float64{1, math.NaN(), 3}); err == nil || !strings.Contains(err.Error(), "input[1]") {
		t.Errorf("NaN input: %v", err)
	}
}

func TestNonFiniteIsReported(t *testing.T) {
	n, _ := NewNetwork(2, EngineBPTT, LayerSpec{Name: "hidden", Out: 2, Act: Tanh, Rule: Hebb{0.5}}, LayerSpec{Name: "out", Out: 1, Act: Linear})
	n.Step([]float64{1, 1})
	n.Step([]float64{1, 1})
	n.Layers[1].W.Data[0] = math.Inf(1)
	n.Layers[1].W.Data[1] = math.Inf(-1)
	_, err := n.Step([]float64{1, 1})
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Step != 2 || !strings.Contains(err.Error(), "output of layer out") {
		t.Fatalf("want a non-finite error at step 2 in layer out, got %v", err)
	}
	if _, err2 := n.Score(SSE, []float64{0}, 1); err2 != err {
		t.Errorf("score after a non-finite output: %v", err2)
	}
	if err2 := n.ScoreGrad(0, []float64{0}); err2 != err { // it said no step had run
		t.Errorf("score_grad after a non-finite output: %v", err2)
	}
	if _, err2 := n.EndEpisode(); err2 != err {
		t.Errorf("episode went on after a non-finite output: %v", err2)
	}
	// A loss overflow.
	m, _ := NewNetwork(1, EngineBPTT, LayerSpec{Out: 1, Act: Linear})
	m.Layers[0].W.Data[0] = 1e300
	if _, err := m.Step([]float64{1}); err != nil { // 1e10 overflowed here, in the output
		t.Fatal(err)
	}
	_, err = m.Score(SSE, []float64{0}, 1)
	if !errors.As(err, &nf) || !strings.Contains(nf.Where, "loss") {
		t.Errorf("want a non-finite loss error, got %v", err)
	}
	if err2 := m.ScoreGrad(1, []float64{1}); err2 != err { // it added to the broken episode
		t.Errorf("score_grad after a loss overflow: %v", err2)
	}
	// An optimizer refuses a non-finite gradient and names the tensor.
	p := newParam("l0.w", KindWeight, 1, 1)
	p.Grad[0] = math.NaN()
	if err := NewRMSprop(0.1, 0, Penalty{}).Update([]*Param{p}); err == nil || !strings.Contains(err.Error(), "gradient of l0.w") {
		t.Errorf("optimizer on NaN gradient: %v", err)
	}
}

func TestRMSpropMatchesThePaper(t *testing.T) {
	w := newParam("w", KindWeight, 1, 3)
	b := newParam("b", KindBias, 1, 1)
	copy(w.Data, []float64{0.5, -0.5, 0.001})
	b.Data[0] = 0.5
	o := NewRMSprop(0.01, 0.005, Penalty{L1: 1e-3, L2: 1e-4})
	grads := [][]float64{{0.2, -0.1, 0}, {0.1, 0.3, 1}}
	m := make([]float64, 4)
	want := append(append([]float64{}, w.Data...), b.Data...)
	for ep, g := range grads {
		copy(w.Grad, g)
		b.Grad[0] = g[0]
		all := append(append([]float64{}, g...), g[0])
		for i, gi := range all {
			if ep == 0 {
				m[i] = gi * gi
			} else {
				m[i] += 0.01 * (gi*gi - m[i])
			}
			d := math.Max(-0.005, math.Min(0.005, -0.01*gi/math.Sqrt(m[i]+1e-8)))
			want[i] += d
			if i < 3 { // penalties on weights, not biases
				s := 0.0
				if want[i] > 0 {
					s = 1
				} else if want[i] < 0 {
					s = -1
				}
				want[i] = want[i] - 1e-3*s - 1e-4*want[i]
			}
		}
		if err := o.Update([]*Param{w, b}); err != nil {
			t.Fatal(err)
		}
	}
	got := append(append([]float64{}, w.Data...), b.Data...)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("param %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestOptimizerOptions(t *testing.T) {
	for _, o := range []Optimizer{NewRMSprop(0.1, 0, Penalty{}), &SGD{LR: 0.1}, NewAdam(0.1, Penalty{})} {
		a := newParam("a", KindAlpha, 1, 2)
		f := newParam("f", KindWeight, 1, 2)
		a.Data[0], a.Data[1] = 0.01, 0.5
		a.SetSign(1)
		f.Fix([]float64{1, 0})
		a.Grad[0], a.Grad[1] = 5, -1 // pushes a[0] below zero
		f.Grad[0], f.Grad[1] = 3, 3
		for i := 0; i < 3; i++ {
			if err := o.Update([]*Param{a, f}); err != nil {
				t.Fatal(err)
			}
		}
		if a.Data[0] != 0 || a.Data[1] <= 0.5 {
			t.Errorf("%s: sign constraint: %v", o.Name(), a.Data)
		}
		if f.Data[0] != 1 || f.Data[1] != 0 {
			t.Errorf("%s: fixed tensor changed: %v", o.Name(), f.Data)
		}
	}
	if err := newParam("x", KindWeight, 1, 1).SetSign(2); err == nil {
		t.Error("sign 2 accepted")
	}
	if _, err := NewOptimizer("rmsprop", map[string]float64{"etaa": 1}); err == nil || !strings.Contains(err.Error(), `unknown setting "etaa"`) {
		t.Errorf("unknown setting: %v", err)
	}
}

func TestAdamFirstStep(t *testing.T) {
	p := newParam("w", KindWeight, 1, 1)
	p.Grad[0] = 0.3
	o := NewAdam(0.01, Penalty{})
	o.Update([]*Param{p})
	// With bias correction the first step is -lr * sign(g) (up to eps).
	if math.Abs(p.Data[0]+0.01) > 1e-9 {
		t.Errorf("adam first step %v", p.Data[0])
	}
}

func TestRNG(t *testing.T) {
	a, b := NewRNG(42), NewRNG(42)
	for i := 0; i < 1000; i++ {
		if a.Uint64() != b.Uint64() {
			t.Fatal("same seed, different streams")
		}
	}
	// Golden values: the stream must not change between versions or machines.
	r := NewRNG(7)
	got := []uint64{r.Uint64(), r.Uint64(), r.Uint64()}
	r.Seed(7)
	if r.Uint64() != got[0] {
		t.Fatal("Seed does not restart the stream")
	}
	g := NewRNG(1)
	normals := []float64{g.Normal(), g.Normal(), g.Normal()}
	wantU := []uint64{0xb358faf74ef9765a, 0x475c3d964f482cd2, 0xd6f1d349952c7996}
	wantN := []float64{1.884396104787977, 0.18978089448693036, 1.302090250702661}
	for i := range wantU {
		if got[i] != wantU[i] {
			t.Errorf("Uint64 #%d of seed 7: %#x, want %#x", i, got[i], wantU[i])
		}
		if normals[i] != wantN[i] {
			t.Errorf("Normal #%d of seed 1: %v, want %v", i, normals[i], wantN[i])
		}
	}
	// xoshiro256** reference vector (state 1, 2, 3, 4).
	var ref RNG
	ref.SetState([4]uint64{1, 2, 3, 4})
	for i, w := range []uint64{11520, 0, 1509978240, 1215971899390074240} {
		if v := ref.Uint64(); v != w {
			t.Errorf("xoshiro256** reference output %d: %d, want %d", i, v, w)
		}
	}
	// SplitMix64 reference: the first state word of seed 0.
	if s := NewRNG(0).State()[0]; s != 0xe220a8397b1dcdaf {
		t.Errorf("splitmix64(0) = %#x", s)
	}
	// Moments of the Gaussian and the uniform.
	const N = 200000
	r = NewRNG(3)
	var s, s2, u float64
	for i := 0; i < N; i++ {
		v := r.Normal()
		s += v
		s2 += v * v
		u += r.Float64()
	}
	if math.Abs(s/N) > 0.01 || math.Abs(s2/N-1) > 0.02 || math.Abs(u/N-0.5) > 0.005 {
		t.Errorf("moments: mean %v var %v uniform mean %v", s/N, s2/N, u/N)
	}
	counts := make([]int, 3)
	for i := 0; i < 30000; i++ {
		counts[r.Intn(3)]++
	}
	for _, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("Intn(3) counts %v", counts)
		}
	}
	p := make([]int, 10)
	r.Perm(p)
	q := append([]int{}, p...)
	sort.Ints(q)
	for i, v := range q {
		if v != i {
			t.Fatalf("not a permutation: %v", p)
		}
	}
	x := make([]float64, 100)
	r.FillSigns(x)
	for _, v := range x {
		if v != 1 && v != -1 {
			t.Fatalf("sign %v", v)
		}
	}
	// The portable log agrees with math.Log.
	for _, v := range []float64{1e-300, 0.001, 0.5, 0.7071, 1, 2, 1e10} {
		if d := math.Abs(portableLog(v) - math.Log(v)); d > 1e-15*math.Abs(math.Log(v))+1e-300 {
			t.Errorf("log(%v): %v vs %v", v, portableLog(v), math.Log(v))
		}
	}
}

// A gradient that overflows while outputs and losses stay finite is
// reported with the step where it first appears and the tensor.
func TestNonFiniteGradientIsLocated(t *testing.T) {
	for _, e := range []Engine{EngineBPTT, EngineForward} {
		n, _ := NewNetwork(1, e, LayerSpec{Name: "hidden", Out: 1, Act: Tanh, Rule: Hebb{0.5}}, LayerSpec{Name: "out", Out: 2, Act: Linear})
		n.Param("hidden.w").Data[0] = 0.01
		n.Param("out.w").Data[0] = 1e307
		n.Param("out.w").Data[1] = -1e307
		for s, x := range []float64{1e-3, 1e-3, 1e-3, 10, 1e-3} {
			if _, err := n.Step([]float64{x}); err != nil {
				t.Fatalf("%s: step %d: %v", e, s, err)
			}
			if _, err := n.Score(CrossEntropy, []float64{0, 1}, 1); err != nil {
				t.Fatalf("%s: score %d: %v", e, s, err)
			}
		}
		_, err := n.EndEpisode()
		var nf *NonFiniteError
		if !errors.As(err, &nf) || nf.Step != 3 || !strings.Contains(nf.Where, "hidden") {
			t.Errorf("%s: want a non-finite gradient located at step 3 in layer hidden, got %v", e, err)
		} else {
			t.Logf("%s: %v", e, err)
		}
	}
}

// An optimizer reused on a network of another shape is an error, not a panic.
func TestOptimizerOnAnotherNetwork(t *testing.T) {
	for _, o := range []Optimizer{NewRMSprop(0.1, 0, Penalty{}), NewAdam(0.1, Penalty{})} {
		a := newParam("l0.w", KindWeight, 2, 2)
		b := newParam("l0.w", KindWeight, 3, 2)
		if err := o.Update([]*Param{a}); err != nil {
			t.Fatal(err)
		}
		err := o.Update([]*Param{b})
		var se *ShapeError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "l0.w") {
			t.Errorf("%s: want a shape error naming l0.w, got %v", o.Name(), err)
		}
	}
}

func TestOversizedNetworks(t *testing.T) {
	if _, err := NewNetwork(100000, EngineBPTT, LayerSpec{Out: 100000, Act: Tanh, Rule: Hebb{0.5}}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("100000 x 100000: %v", err)
	}
	if _, err := NewNetwork(1000, EngineForward, LayerSpec{Out: 1000, Act: Tanh, Rule: Hebb{0.5}}); err == nil || !strings.Contains(err.Error(), "use the bptt engine") {
		t.Errorf("forward engine on 1000 x 1000: %v", err)
	}
	if _, err := NewNetwork(1000, EngineBPTT, LayerSpec{Out: 1000, Act: Tanh, Rule: Hebb{0.5}}); err != nil {
		t.Errorf("bptt on 1000 x 1000: %v", err)
	}
}
