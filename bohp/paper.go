package bohp

import "math"

// EnginePaper reproduces the gradient of the 2016 paper's own numpy code,
// which computes the forward recursion of its eq. 3-4 with two
// approximations:
//
//   - the hidden biases get only the leading term of their recursion
//     (dy_i/db_i = act'(z_i), the effect of b_i on later steps through
//     cell i's traces is left out);
//   - the activation factor of the weights' and plasticity coefficients'
//     recursion is 1 − tanh(y)² where y is already the tanh output (the
//     exact factor is 1 − y²).
//
// The approximations apply to each plastic layer's own parameters (the
// factor to tanh layers only: the code has no other plastic activation);
// everything else — dense layers, the bias's leading term, earlier
// layers' parameters reached through later plastic layers, which the code
// has no case of — stays exact. The recursion is the forward engine's, so
// for the paper's networks this is the code's gradient up to rounding
// (paper_test.go checks it against a direct transcription of the code's
// sums). The gradient is not exact: GradCheck flags it (Approximate).

// paperDeriv is the activation derivative the paper engine uses in the
// recursion of a plastic layer's own weights and alphas, from its output
// y: on a tanh layer the code's 1 − tanh(y)², else the exact one. (The
// exact engine's call sites use Activation.deriv, inlined, and test
// e.paper first.)
func paperDeriv(l *Layer, y float64) float64 {
	if l.Act == Tanh {
		t := math.Tanh(y)
		return 1 - t*t
	}
	return l.Act.deriv(y)
}

// paperDelta is the factor of cell i's weight and alpha tangents in layer
// j's gradient with the paper engine: ∂L/∂y_i times paperDeriv (the exact
// engine uses ∂L/∂z_i).
func (e *forwardEngine) paperDelta(n *Network, j, i int) float64 {
	l := n.Layers[j]
	gy := n.gyOut // the last layer: kept by Score and ScoreGrad
	if j < len(n.Layers)-1 {
		gy = e.layers[j].ga // set by backpropStep
	}
	return gy[i] * paperDeriv(l, l.y[i])
}
