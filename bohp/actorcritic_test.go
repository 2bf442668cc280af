package bohp

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestDiscountedReturns(t *testing.T) {
	rewards := []float64{1, 0, -1, 2}
	for _, c := range []struct {
		gamma float64
		want  []float64
	}{
		{0, []float64{1, 0, -1, 2}},
		{0.5, []float64{1, 0, 0, 2}},
		{1, []float64{2, 1, 1, 2}},
	} {
		got := make([]float64, len(rewards))
		if err := DiscountedReturns(got, rewards, c.gamma); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("gamma %v: returns %v, want %v", c.gamma, got, c.want)
				break
			}
		}
	}
	inPlace := []float64{1, 0, -1, 2}
	if err := DiscountedReturns(inPlace, inPlace, 0.5); err != nil || inPlace[0] != 1 || inPlace[3] != 2 || inPlace[2] != 0 {
		t.Errorf("in place: %v, %v", inPlace, err)
	}
}

// acEpisode is a random recorded episode: logits, their softmax, sampled
// actions, rewards in {-1, 0, 1} and values.
type acEpisode struct {
	T, K                           int
	logits, probs, rewards, values []float64
	actions                        []int
}

func randomACEpisode(seed int64, T, K int) acEpisode {
	r := NewRNG(seed)
	e := acEpisode{T: T, K: K, logits: make([]float64, T*K), probs: make([]float64, T*K),
		rewards: make([]float64, T), values: make([]float64, T), actions: make([]int, T)}
	r.FillNormal(e.logits, 0, 1.5)
	r.FillNormal(e.values, 0, 1)
	for t := range T {
		softmax(e.logits[t*K:(t+1)*K], e.probs[t*K:(t+1)*K])
		a, err := r.Categorical(e.probs[t*K : (t+1)*K])
		if err != nil {
			panic(err)
		}
		e.actions[t] = a
		e.rewards[t] = float64(r.Intn(3) - 1)
	}
	return e
}

// surrogate is the loss whose gradient Loss returns: the advantages held
// at their values for the recorded V, the logits and values free.
func (ac ActorCritic) surrogate(e acEpisode, logits, values, adv []float64) float64 {
	probs := make([]float64, len(logits))
	for t := range e.T {
		softmax(logits[t*e.K:(t+1)*e.K], probs[t*e.K:(t+1)*e.K])
	}
	return ac.episode(probs, e.K, e.actions, e.rewards, values, adv, make([]float64, len(logits)), make([]float64, e.T)).Total
}

// fourthOrder is the central difference (-f(2h) + 8f(h) - 8f(-h) + f(-2h)) / 12h
// of f in element i of x; x is restored.
func fourthOrder(x []float64, i int, h float64, f func() float64) float64 {
	orig := x[i]
	defer func() { x[i] = orig }()
	var v [4]float64
	for j, d := range [4]float64{2 * h, h, -h, -2 * h} {
		x[i] = orig + d
		v[j] = f()
	}
	return (-v[0] + 8*v[1] - 8*v[2] + v[3]) / (12 * h)
}

func TestActorCriticGradientMatchesFiniteDifferences(t *testing.T) {
	worst := 0.0
	for _, bonus := range []Bonus{EntropyBonus, ConcentrationPenalty} {
		for _, gamma := range []float64{0, 0.9, 1} {
			for seed := int64(1); seed <= 3; seed++ {
				ac := ActorCritic{Gamma: gamma, ValueCoef: 0.1 * float64(seed), EntropyCoef: 0.05 * float64(seed), Bonus: bonus}
				e := randomACEpisode(seed, 9, 1+int(seed))
				gz, gv := make([]float64, e.T*e.K), make([]float64, e.T)
				l, err := ac.Loss(e.probs, e.actions, e.rewards, e.values, gz, gv)
				if err != nil {
					t.Fatal(err)
				}
				adv := make([]float64, e.T)
				if err := DiscountedReturns(adv, e.rewards, gamma); err != nil {
					t.Fatal(err)
				}
				for i := range adv {
					adv[i] -= e.values[i]
				}
				logits, values := append([]float64(nil), e.logits...), append([]float64(nil), e.values...)
				f := func() float64 { return ac.surrogate(e, logits, values, adv) }
				if d := math.Abs(f() - l.Total); d > 1e-12 {
					t.Errorf("%v gamma %v seed %d: surrogate %v, loss %v", bonus, gamma, seed, f(), l.Total)
				}
				check := func(name string, x, analytic []float64) {
					for i := range x {
						num := fourthOrder(x, i, 1e-3, f)
						rel := math.Abs(num-analytic[i]) / math.Max(GradCheckFloor, math.Max(math.Abs(num), math.Abs(analytic[i])))
						worst = math.Max(worst, rel)
						if rel > 1e-6 {
							t.Errorf("%v gamma %v seed %d: d/d%s[%d]: analytic %.12g, numeric %.12g (rel %.3g)", bonus, gamma, seed, name, i, analytic[i], num, rel)
						}
					}
				}
				check("logits", logits, gz)
				check("values", values, gv)
			}
		}
	}
	t.Logf("largest finite-difference relative error: %.3g", worst)
}

// A one-step episode worked by hand: π = (1/2, 1/2), action 0, reward 1,
// V = 0, so R = A = 1.
func TestActorCriticByHand(t *testing.T) {
	probs, actions, rewards, values := []float64{0.5, 0.5}, []int{0}, []float64{1}, []float64{0}
	gz, gv := make([]float64, 2), make([]float64, 1)
	l, err := ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.2}.Loss(probs, actions, rewards, values, gz, gv)
	if err != nil {
		t.Fatal(err)
	}
	// -log(1/2)·1 + 0.1·1 - 0.2·log 2; the entropy is maximal, so its gradient is 0.
	if want := math.Ln2 + 0.1 - 0.2*math.Ln2; math.Abs(l.Total-want) > 1e-15 || math.Abs(l.Bonus+0.2*math.Ln2) > 1e-15 {
		t.Errorf("loss %+v, want total %v", l, want)
	}
	if gz[0] != -0.5 || gz[1] != 0.5 || gv[0] != -0.2 {
		t.Errorf("gradients %v %v, want [-0.5 0.5] [-0.2]", gz, gv)
	}
	l, err = ActorCritic{EntropyCoef: 1, Bonus: ConcentrationPenalty}.Loss(probs, actions, []float64{0}, values, gz, gv)
	if err != nil || l.Total != 0.5 || l.Policy != 0 || gz[0] != 0 || gz[1] != 0 {
		t.Errorf("concentration at the uniform policy: %+v %v %v", l, gz, err)
	}
}

// acArgs are Loss's arguments, for editing one at a time.
type acArgs struct {
	p            []float64
	a            []int
	r, v, gz, gv []float64
}

func (x acArgs) loss(ac ActorCritic) (ACLoss, error) { return ac.Loss(x.p, x.a, x.r, x.v, x.gz, x.gv) }

func TestActorCriticBadInput(t *testing.T) {
	valid := func() acArgs {
		return acArgs{[]float64{0.5, 0.5, 1, 0}, []int{1, 0}, []float64{0, 1}, []float64{0, 0}, make([]float64, 4), make([]float64, 2)}
	}
	ac := ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.1}
	if _, err := valid().loss(ac); err != nil {
		t.Fatalf("valid episode: %v", err)
	}
	cases := []struct {
		name, want string
		ac         ActorCritic
		edit       func(x *acArgs)
	}{
		{"no steps", "the episode has no steps", ac, func(x *acArgs) { x.a = nil }},
		{"probs not T×K", "probabilities of 3 values", ac, func(x *acArgs) { x.p = x.p[:3] }},
		{"short rewards", "rewards of 1 values", ac, func(x *acArgs) { x.r = x.r[:1] }},
		{"short logit gradient", "logit gradient of 3", ac, func(x *acArgs) { x.gz = x.gz[:3] }},
		{"action out of range", "action 2 is not in [0, 2)", ac, func(x *acArgs) { x.a[0] = 2 }},
		{"impossible action", "step 1: action 1 has probability 0", ac, func(x *acArgs) { x.a[1] = 1 }},
		{"not a distribution", "step 0: probabilities sum to 0.9", ac, func(x *acArgs) { x.p[0] = 0.4 }},
		{"negative probability", "step 1: probability 0 is 1.5", ac, func(x *acArgs) { x.p[2], x.p[3] = 1.5, -0.5 }},
		{"NaN reward", "the reward at step 1 is NaN", ac, func(x *acArgs) { x.r[1] = math.NaN() }},
		{"infinite value", "the value at step 0 is +Inf", ac, func(x *acArgs) { x.v[0] = math.Inf(1) }},
		// finite inputs whose return, advantage or loss overflow: an infinite loss, then a misleading error later
		{"return overflows", "the discounted return at step 0 overflows: reward 1e+308 + gamma 0.9 × return 1e+308 is +Inf; scale the rewards down", ac, func(x *acArgs) { x.r[0], x.r[1] = 1e308, 1e308 }},
		{"advantage overflows", "step 1: the advantage (return 1e+308 - value -1e+308) is too large, its value term value_coef × +Inf² is +Inf", ac, func(x *acArgs) { x.r[1], x.v[1] = 1e308, -1e308 }},
		{"value term overflows", "step 1: the advantage (return 1e+200 - value 0) is too large, its value term value_coef × 1e+200² is +Inf", ac, func(x *acArgs) { x.r[1] = 1e200 }},
		{"policy term overflows", "the loss or its gradient overflows (loss +Inf): the rewards (largest 1e+308) or the values (largest 0) are too large", ActorCritic{}, func(x *acArgs) { x.p[0], x.p[1], x.a[0], x.r[0] = 1e-300, 1, 0, 1e308 }},
		{"gamma above 1", "gamma must be in [0, 1], got 1.5", ActorCritic{Gamma: 1.5}, nil},
		{"NaN gamma", "gamma must be in [0, 1], got NaN", ActorCritic{Gamma: math.NaN()}, nil},
		{"negative value coefficient", "got -1 and 0", ActorCritic{ValueCoef: -1}, nil},
		{"infinite entropy coefficient", "got 0 and +Inf", ActorCritic{EntropyCoef: math.Inf(1)}, nil},
		{"unknown bonus", "unknown exploration bonus 7", ActorCritic{Bonus: 7}, nil},
	}
	for _, c := range cases {
		x := valid()
		if c.edit != nil {
			c.edit(&x)
		}
		_, err := x.loss(c.ac)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "actor-critic loss: ") {
			t.Errorf("%s: error %v, want one naming the function and containing %q", c.name, err, c.want)
		}
	}
	var shape *ShapeError
	x := valid()
	x.v = x.v[:1]
	if _, err := x.loss(ac); !errors.As(err, &shape) {
		t.Errorf("short values: %v is not a ShapeError", err)
	}
	r := []float64{0, 1}
	if err := DiscountedReturns(make([]float64, 1), r, 0.5); !errors.As(err, &shape) {
		t.Errorf("discounted returns, short dst: %v is not a ShapeError", err)
	}
	for _, g := range []float64{-0.1, 1.1, math.NaN()} {
		if err := DiscountedReturns(r, r, g); err == nil || !strings.Contains(err.Error(), "gamma must be in [0, 1]") {
			t.Errorf("discounted returns, gamma %v: %v", g, err)
		}
	}
	if err := DiscountedReturns(r, []float64{0, math.Inf(-1)}, 0.5); err == nil || err.Error() != "discounted returns: the reward at step 1 is -Inf" {
		t.Errorf("discounted returns, infinite reward: %v", err)
	}
}

func TestParseBonus(t *testing.T) {
	for _, b := range []Bonus{EntropyBonus, ConcentrationPenalty} {
		if got, err := ParseBonus(b.String()); err != nil || got != b {
			t.Errorf("ParseBonus(%q) = %v, %v", b.String(), got, err)
		}
	}
	if _, err := ParseBonus("gini"); err == nil || !strings.Contains(err.Error(), "known: entropy, concentration") {
		t.Errorf("ParseBonus(gini): %v", err)
	}
	if s := Bonus(9).String(); s != "Bonus(9)" {
		t.Errorf("Bonus(9).String() = %q", s)
	}
}

func TestCategoricalFrequencies(t *testing.T) {
	p := []float64{0.1, 0, 0.2, 0.7}
	const n = 200000
	var count [4]int
	r := NewRNG(7)
	for range n {
		i, err := r.Categorical(p)
		if err != nil {
			t.Fatal(err)
		}
		count[i]++
	}
	if count[1] != 0 {
		t.Errorf("an index of probability 0 was drawn %d times", count[1])
	}
	for i, pi := range p {
		sd := math.Sqrt(n * pi * (1 - pi))
		if d := math.Abs(float64(count[i]) - n*pi); d > 5*sd+1e-9 {
			t.Errorf("index %d drawn %d times, expected %v ± %.0f", i, count[i], n*pi, sd)
		}
	}
}

func TestCategoricalDeterministicOneDraw(t *testing.T) {
	a, b, twin := NewRNG(3), NewRNG(3), NewRNG(3)
	p := []float64{0.25, 0.25, 0.5}
	for range 100 {
		i, _ := a.Categorical(p)
		j, _ := b.Categorical(p)
		twin.Float64()
		if i != j {
			t.Fatalf("same seed drew %d and %d", i, j)
		}
		if a.State() != twin.State() {
			t.Fatal("Categorical consumed other than one Float64 draw")
		}
	}
	// The edge of the last nonzero mass: a probability 1 on the last index
	// but one is drawn whatever u is.
	for range 1000 {
		if i, _ := a.Categorical([]float64{0, 1, 0}); i != 1 {
			t.Fatalf("drew %d from a point mass on 1", i)
		}
	}
}

func TestCategoricalBadInput(t *testing.T) {
	r := NewRNG(1)
	for _, c := range []struct {
		p    []float64
		want string
	}{
		{nil, "categorical: no probabilities"},
		{[]float64{0.5, 0.4}, "categorical: probabilities sum to 0.9, not 1"},
		{[]float64{0, 0}, "categorical: probabilities sum to 0, not 1"},
		{[]float64{1.5, -0.5}, "categorical: probability 0 is 1.5, not in [0, 1]"},
		{[]float64{math.NaN(), 1}, "categorical: probability 0 is NaN, not in [0, 1]"},
	} {
		if _, err := r.Categorical(c.p); err == nil || err.Error() != c.want {
			t.Errorf("Categorical(%v): %v, want %q", c.p, err, c.want)
		}
	}
}

func BenchmarkActorCriticLoss(b *testing.B) {
	for _, T := range []int{120, 1000} {
		b.Run(fmt.Sprintf("T=%d/K=2", T), func(b *testing.B) {
			e := randomACEpisode(1, T, 2)
			gz, gv := make([]float64, T*2), make([]float64, T)
			ac := ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.1}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ac.Loss(e.probs, e.actions, e.rewards, e.values, gz, gv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
