package bohp

import (
	"fmt"
	"math"
)

// Reward-driven episodes are scored once they are over: the loss at step t
// depends on the rewards of every later step. The functions here are pure
// (no network, no allocation): given the recorded episode they return the
// loss and its gradient with respect to each step's policy logits and value
// output, which a caller feeds back to the network step by step.

// Bonus selects the exploration term of the actor-critic loss.
type Bonus int

const (
	// EntropyBonus subtracts c_e H(π), H(π) = -sum_i π_i log π_i.
	EntropyBonus Bonus = iota
	// ConcentrationPenalty adds c_e sum_i π_i^2 (the Simpson concentration),
	// the stand-in for the entropy used by the 2019 backpropamine code.
	ConcentrationPenalty
)

var bonusNames = []string{"entropy", "concentration"}

func (b Bonus) String() string { return enumName(bonusNames, b, "Bonus") }

// ParseBonus maps "entropy" or "concentration" to a Bonus.
func ParseBonus(name string) (Bonus, error) {
	return parseEnum[Bonus](bonusNames, name, "exploration bonus")
}

// ActorCritic is the advantage actor-critic loss of one episode of T steps
// with K actions: at step t the policy π_t (the softmax of the step's logits
// z_t) chose action a_t, the value output predicted V_t and the reward r_t
// was received. With the discounted returns R_t = r_t + Gamma R_{t+1}
// (R_T = 0) and the advantages A_t = R_t - V_t,
//
//	L = (1/T) sum_t [ -log π_t(a_t) A_t + ValueCoef (R_t - V_t)^2 + EntropyCoef B(π_t) ]
//
// where B is -H(π) (EntropyBonus) or sum_i π_i^2 (ConcentrationPenalty).
// The advantage in the policy term is a constant (no gradient reaches V
// through it); the mean over the steps is the 2019 code's normalisation.
// That code's cue-reward task uses Gamma 0.9, ValueCoef 0.1, EntropyCoef 0.1
// and ConcentrationPenalty.
type ActorCritic struct {
	Gamma       float64 // discount per step, in [0, 1]
	ValueCoef   float64 // c_v >= 0
	EntropyCoef float64 // c_e >= 0
	Bonus       Bonus
}

// ACLoss is an actor-critic episode loss and its three terms (each already
// divided by T): Total = Policy + Value + Bonus.
type ACLoss struct {
	Total, Policy, Value, Bonus float64
}

// DiscountedReturns writes R_t = rewards[t] + gamma R_{t+1} (R_T = 0) into
// dst, which may be rewards itself. gamma must be in [0, 1].
func DiscountedReturns(dst, rewards []float64, gamma float64) error {
	if len(dst) != len(rewards) {
		return &ShapeError{Op: "discounted returns", Got: fmt.Sprintf("dst of %d values", len(dst)), Want: fmt.Sprintf("%d (one per reward)", len(rewards))}
	}
	if !(gamma >= 0 && gamma <= 1) {
		return opErrorf("discounted returns", "gamma must be in [0, 1], got %v", gamma)
	}
	if err := allFinite("discounted returns", "reward", rewards); err != nil {
		return err
	}
	r := 0.0
	for t := len(rewards) - 1; t >= 0; t-- {
		r = rewards[t] + gamma*r
		dst[t] = r
	}
	return nil
}

// Loss returns the episode's loss and writes its gradient with respect to
// the logits into gLogits (T×K, row-major) and with respect to the values
// into gValues (T). probs holds the T policies (T×K, row-major, each row
// non-negative and summing to 1 within 1e-6: the softmax of that step's
// logits); actions, rewards and values hold T entries each, actions in
// [0, K) with a nonzero probability. The gradients are
//
//	dL/dz_t[j] = (1/T) [ A_t (π_t[j] - [j = a_t]) + EntropyCoef dB/dz_t[j] ]
//	dL/dV_t    = -(2/T) ValueCoef (R_t - V_t)
//
// with dB/dz[j] = π[j] (log π[j] + H(π)) for the entropy and
// 2 π[j] (π[j] - sum_i π_i^2) for the concentration. A loss or gradient
// that overflows (finite rewards or values near the largest float) is an
// error naming the return or step that did.
func (ac ActorCritic) Loss(probs []float64, actions []int, rewards, values, gLogits, gValues []float64) (ACLoss, error) {
	k, err := ac.check(probs, actions, rewards, values, gLogits, gValues)
	if err != nil {
		return ACLoss{}, err
	}
	l := ac.episode(probs, k, actions, rewards, values, nil, gLogits, gValues)
	if l.Total-l.Total != 0 || !finite(gLogits) || !finite(gValues) {
		return ACLoss{}, ac.overflow(rewards, values, l.Total)
	}
	return l, nil
}

// finite reports whether every entry of s is finite.
func finite(s []float64) bool {
	for _, v := range s {
		if v-v != 0 {
			return false
		}
	}
	return true
}

// overflow names the input behind a loss or gradient that overflowed
// although every input was finite (rewards or values near the largest
// float): the first return that is infinite (from the last step back, as
// they are summed), else the first advantage whose value term is.
func (ac ActorCritic) overflow(rewards, values []float64, total float64) error {
	const op = "actor-critic loss"
	ret := 0.0
	for t := len(rewards) - 1; t >= 0; t-- {
		next := ret
		if ret = rewards[t] + ac.Gamma*next; math.IsInf(ret, 0) {
			return opErrorf(op, "the discounted return at step %d overflows: reward %v + gamma %v × return %v is %v; scale the rewards down", t, rewards[t], ac.Gamma, next, ret)
		}
	}
	ret = 0
	for t := len(rewards) - 1; t >= 0; t-- {
		ret = rewards[t] + ac.Gamma*ret
		d := ret - values[t]
		if v := ac.ValueCoef * d * d; math.IsInf(v, 0) {
			return opErrorf(op, "step %d: the advantage (return %v - value %v) is too large, its value term value_coef × %v² is %v; scale the rewards down", t, ret, values[t], d, v)
		}
	}
	return opErrorf(op, "the loss or its gradient overflows (loss %v): the rewards (largest %v) or the values (largest %v) are too large; scale the rewards down", total, maxAbs(rewards), maxAbs(values))
}

// maxAbs returns the entry of s largest in magnitude.
func maxAbs(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		if math.Abs(v) > math.Abs(m) {
			m = v
		}
	}
	return m
}

// check validates Loss's arguments and returns the number of actions K.
func (ac ActorCritic) check(probs []float64, actions []int, rewards, values, gLogits, gValues []float64) (int, error) {
	const op = "actor-critic loss"
	T := len(actions)
	if T == 0 {
		return 0, opErrorf(op, "the episode has no steps")
	}
	if len(probs) == 0 || len(probs)%T != 0 {
		return 0, &ShapeError{Op: op, Got: fmt.Sprintf("probabilities of %d values for %d actions taken", len(probs), T), Want: "T×K values (K actions per step, one row per action taken)"}
	}
	k := len(probs) / T
	for _, s := range []struct {
		name    string
		n, want int
	}{{"rewards", len(rewards), T}, {"values", len(values), T}, {"logit gradient", len(gLogits), T * k}, {"value gradient", len(gValues), T}} {
		if s.n != s.want {
			return 0, &ShapeError{Op: op, Got: fmt.Sprintf("%s of %d values", s.name, s.n), Want: fmt.Sprintf("%d (T = %d steps, K = %d actions)", s.want, T, k)}
		}
	}
	if !(ac.Gamma >= 0 && ac.Gamma <= 1) {
		return 0, opErrorf(op, "gamma must be in [0, 1], got %v", ac.Gamma)
	}
	if !(ac.ValueCoef >= 0) || math.IsInf(ac.ValueCoef, 0) || !(ac.EntropyCoef >= 0) || math.IsInf(ac.EntropyCoef, 0) {
		return 0, opErrorf(op, "the value and entropy coefficients must be finite and non-negative, got %v and %v", ac.ValueCoef, ac.EntropyCoef)
	}
	if ac.Bonus != EntropyBonus && ac.Bonus != ConcentrationPenalty {
		return 0, opErrorf(op, "unknown exploration bonus %d", int(ac.Bonus))
	}
	if err := allFinite(op, "reward", rewards); err != nil {
		return 0, err
	}
	if err := allFinite(op, "value", values); err != nil {
		return 0, err
	}
	for t, a := range actions {
		p := probs[t*k : (t+1)*k]
		if err := checkProbs(p); err != nil {
			return 0, opErrorf(op, "step %d: %w", t, err)
		}
		if a < 0 || a >= k {
			return 0, opErrorf(op, "step %d: action %d is not in [0, %d)", t, a, k)
		}
		if p[a] == 0 {
			return 0, opErrorf(op, "step %d: action %d has probability 0 (log π is -Inf)", t, a)
		}
	}
	return k, nil
}

// allFinite reports the first step whose entry of s is NaN or infinite.
func allFinite(op, what string, s []float64) error {
	for t, v := range s {
		if v-v != 0 {
			return opErrorf(op, "the %s at step %d is %v", what, t, v)
		}
	}
	return nil
}

// checkProbs reports a vector that is not a probability distribution:
// an entry that is not in [0, 1], or a sum off 1 by more than 1e-6.
func checkProbs(p []float64) error {
	s := 0.0
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("probability %d is %v, not in [0, 1]", i, v)
		}
		s += v
	}
	if math.Abs(s-1) > 1e-6 {
		return fmt.Errorf("probabilities sum to %v, not 1", s)
	}
	return nil
}

// episode computes the loss and its gradients in one backward sweep (the
// returns need the later rewards). A fixed advantage adv (nil: R_t - V_t)
// lets the tests differentiate the loss the gradient belongs to.
func (ac ActorCritic) episode(probs []float64, k int, actions []int, rewards, values, adv, gLogits, gValues []float64) ACLoss {
	T := len(actions)
	inv := 1 / float64(T)
	var l ACLoss
	ret := 0.0
	for t := T - 1; t >= 0; t-- {
		ret = rewards[t] + ac.Gamma*ret
		p, g := probs[t*k:(t+1)*k], gLogits[t*k:(t+1)*k]
		d := ret - values[t]
		a := d
		if adv != nil {
			a = adv[t]
		}
		l.Policy -= math.Log(p[actions[t]]) * a
		l.Value += ac.ValueCoef * d * d
		gValues[t] = -2 * ac.ValueCoef * d * inv
		for j, pj := range p {
			g[j] = a * pj
		}
		g[actions[t]] -= a
		l.Bonus += ac.EntropyCoef * ac.bonus(p, g)
		for j := range g {
			g[j] *= inv
		}
	}
	l.Policy *= inv
	l.Value *= inv
	l.Bonus *= inv
	l.Total = l.Policy + l.Value + l.Bonus
	return l
}

// bonus returns B(p) and adds EntropyCoef dB/dz into g.
func (ac ActorCritic) bonus(p, g []float64) float64 {
	c := ac.EntropyCoef
	if ac.Bonus == ConcentrationPenalty {
		s := 0.0
		for _, v := range p {
			s += v * v
		}
		for j, v := range p {
			g[j] += c * 2 * v * (v - s)
		}
		return s
	}
	h := 0.0
	for _, v := range p {
		if v > 0 {
			h -= v * math.Log(v)
		}
	}
	for j, v := range p {
		if v > 0 {
			g[j] += c * v * (math.Log(v) + h)
		}
	}
	return -h
}
