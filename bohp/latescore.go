package bohp

import "fmt"

// Scoring a step after the fact. In a reward-driven episode the loss of
// step t depends on rewards that come later (discounted returns), so the
// gradient with respect to the output of step t is known only once the
// episode's rewards are: ScoreAt and ScoreSteps add it then, before
// EndEpisode. The BPTT engine records each step's loss gradient on its tape
// and reads it only in the backward pass, so a late score is one more
// gradient added to the tape's row of that step; the forward engine has
// already folded every past step into its tangents and cannot take one.

// ScoreAt adds a loss of value value whose gradient with respect to the
// output of step t (the last layer's y(t)) is grad. t may be any step run
// in the current episode; the current step is scored as by ScoreGrad, an
// earlier one needs the BPTT engine. Episodes scored this way cannot be
// replayed by GradCheck.
func (n *Network) ScoreAt(t int, value float64, grad []float64) error {
	if err := n.checkLate(t, false); err != nil {
		return err
	}
	if n.inStep && t == n.step {
		return n.ScoreGrad(value, grad)
	}
	if err := n.checkCustom(true, t, value, grad); err != nil {
		return err
	}
	n.loss += value
	n.log.custom = true
	n.addLate(t, grad)
	return nil
}

// ScoreSteps scores every step run so far in one call: grads holds the
// gradient for each step's output (Steps × outputs, row t for step t) and
// value the loss of them all. It is the usual way to score an episode
// whose loss is known only at its end (an actor-critic loss, say).
func (n *Network) ScoreSteps(value float64, grads []float64) error {
	const op = "score of every step"
	steps, out := n.Steps(), n.Out()
	if err := n.checkLate(0, true); err != nil {
		return err
	}
	if len(grads) != steps*out {
		return &ShapeError{Op: op, Got: fmt.Sprintf("gradients of %d values", len(grads)), Want: fmt.Sprintf("%d (%d steps × %d outputs)", steps*out, steps, out)}
	}
	for t := range steps { // all checked first, so that an error adds nothing
		v := 0.0
		if t == steps-1 {
			v = value
		}
		if err := n.checkCustom(true, t, v, grads[t*out:(t+1)*out]); err != nil {
			return err
		}
	}
	for t := range steps {
		v := 0.0
		if t == steps-1 {
			v = value
		}
		if err := n.ScoreAt(t, v, grads[t*out:(t+1)*out]); err != nil {
			return err // cannot happen: checked above
		}
	}
	return nil
}

// lateOp names the late scoring of step t in errors.
func lateOp(t int) string { return fmt.Sprintf("score of step %d", t) }

// checkLate reports why step t of the episode cannot be scored now
// (every: for ScoreSteps, which scores them all).
func (n *Network) checkLate(t int, every bool) error {
	fail := func(format string, a ...any) error {
		if every {
			return opErrorf("score", format, a...)
		}
		return opErrorf("score", "step %d: "+format, append([]any{t}, a...)...)
	}
	steps := n.Steps()
	switch {
	case n.broken != nil:
		return n.broken
	case n.ended:
		return fail("the episode has ended (reset starts the next)")
	case steps == 0:
		return fail("no step has been run since the episode started")
	case t < 0:
		return fail("steps are numbered from 0")
	case t >= steps:
		return fail("the episode has run %d steps (0 to %d)", steps, steps-1)
	}
	if _, ok := n.eng.(*bpttEngine); !ok && (!n.inStep || t < n.step || every && steps > 1) {
		return fail("the %s engine adds each step's gradient as the episode runs and cannot score a past step (the current step is %d); use the bptt engine", n.engine, steps-1)
	}
	return nil
}

// addLate adds grad, the gradient with respect to the output of a past
// step t, to BPTT's record of that step's loss gradient (with respect to
// the last layer's pre-activation).
func (n *Network) addLate(t int, grad []float64) {
	e := n.eng.(*bpttEngine)
	last := n.Layers[len(n.Layers)-1]
	J := len(n.Layers)
	y := e.tapeA[t*e.strideA+e.offA[J] : t*e.strideA+e.offA[J]+last.Out]
	last.Act.backward(y, grad, n.gy)
	row := e.tapeG[t*e.strideG : (t+1)*e.strideG]
	for i, g := range n.gy {
		row[i] += g
	}
	e.scored[t] = true
}
