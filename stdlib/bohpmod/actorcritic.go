package bohpmod

import (
	"fmt"
	"math"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
)

const actorCriticDoc = "the advantage actor-critic loss of a recorded episode of T steps and its gradient, to pass to net.score_steps: " +
	"outputs is T × (K+1), row t the network's output at step t: K action logits (softmaxed here; K >= 2) and the value V_t (a linear last layer of K+1 cells is the policy and value heads); " +
	"actions[t] is the action taken at step t (an int in [0, K)), rewards[t] the reward received. " +
	"With the returns R_t = r_t + gamma R_(t+1) (0 after the last step) and the advantages A_t = R_t - V_t (constants in the policy term): " +
	"loss = (1/T) Σ_t [-log π_t(a_t) A_t + value_coef (R_t - V_t)² + entropy_coef B(π_t)], B the negative entropy or, with bonus concentration, Σ_a π_t(a)². " +
	"opts (defaults: the 2019 backpropamine code's): gamma (0.9), value_coef (0.1), entropy_coef (0.1), bonus: concentration (default) | entropy. " +
	"Returns {loss, policy, value, bonus (the three terms of loss), grad: mat T × (K+1) (∂loss/∂outputs), returns: vec (R), probs: mat T × K}"

func actorCritic(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var out *vec.Mat
	var actionsArg tengo.Object
	var rewards []float64
	var opts map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "outputs, actions, rewards, opts?", lib.Read(vec.MatOf, &out), &actionsArg, lib.Read(vec.Floats, &rewards), &opts); err != nil {
		return nil, err
	}
	ac := bohp.ActorCritic{Gamma: 0.9, ValueCoef: 0.1, EntropyCoef: 0.1}
	bonus := bohp.ConcentrationPenalty.String()
	if err := lib.UnpackOptions(fn, "", opts, "gamma?, value_coef?, entropy_coef?, bonus?", &ac.Gamma, &ac.ValueCoef, &ac.EntropyCoef, &bonus); err != nil {
		return nil, err
	}
	var err error
	if ac.Bonus, err = bohp.ParseBonus(bonus); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	T, K := out.Rows, out.Cols-1
	if K < 2 {
		return nil, lib.Errorf(fn, "outputs has %d columns, need K+1 >= 3 (K >= 2 action logits, then the value)", out.Cols)
	}
	if T == 0 {
		return nil, lib.Errorf(fn, "the episode has no steps (outputs has no rows)")
	}
	actions, err := readActions(fn, actionsArg, T, K)
	if err != nil {
		return nil, err
	}
	if len(rewards) != T {
		return nil, &vec.ShapeError{Fn: fn, Got: "rewards " + vec.Shape(args[2]), Want: fmt.Sprintf("%s (one per row of outputs)", vec.VecShape(T))}
	}
	for i, v := range out.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, lib.Errorf(fn, "outputs[%d][%d] is %v", i/out.Cols, i%out.Cols, v)
		}
	}
	probs, values := make([]float64, T*K), make([]float64, T)
	for t := range T {
		row := out.Data[t*out.Cols : (t+1)*out.Cols]
		bohp.SoftmaxInto(probs[t*K:(t+1)*K], row[:K])
		values[t] = row[K]
	}
	gL, gV := make([]float64, T*K), make([]float64, T)
	loss, err := ac.Loss(probs, actions, rewards, values, gL, gV)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	grad := vec.NewMat(T, K+1, nil)
	for t := range T {
		copy(grad.Data[t*(K+1):], gL[t*K:(t+1)*K])
		grad.Data[t*(K+1)+K] = gV[t]
	}
	returns := make([]float64, T)
	bohp.DiscountedReturns(returns, rewards, ac.Gamma) // checked by Loss
	return &tengo.Map{Value: map[string]tengo.Object{
		"loss": lib.FromFloat(loss.Total), "policy": lib.FromFloat(loss.Policy), "value": lib.FromFloat(loss.Value), "bonus": lib.FromFloat(loss.Bonus),
		"grad": grad, "returns": vec.New(returns), "probs": vec.NewMat(T, K, probs),
	}}, nil
}

// readActions reads T actions in [0, K) from an array of ints or a vec.
func readActions(fn string, o tengo.Object, T, K int) ([]int, error) {
	vals, err := vec.Floats(fn, "actions", o)
	if err != nil {
		return nil, err
	}
	if len(vals) != T {
		return nil, &vec.ShapeError{Fn: fn, Got: "actions " + vec.Shape(o), Want: fmt.Sprintf("%s (one per row of outputs)", vec.VecShape(T))}
	}
	actions := make([]int, T)
	for t, v := range vals {
		if !(v >= 0 && v < float64(K)) || v != math.Trunc(v) {
			return nil, lib.Errorf(fn, "actions[%d] is %v, not an action (an int in [0, %d))", t, v, K)
		}
		actions[t] = int(v)
	}
	return actions, nil
}
