package bohp

import (
	"fmt"
	"math"
)

// Activation is a layer's output function.
type Activation int

const (
	Linear  Activation = iota // y = z
	Tanh                      // y = tanh(z)
	Sigmoid                   // y = 1/(1+exp(-z))
	Softmax                   // y = exp(z)/sum(exp(z)); only for a non-plastic last layer
)

var activationNames = []string{"linear", "tanh", "sigmoid", "softmax"}

func (a Activation) String() string { return enumName(activationNames, a, "Activation") }

// ParseActivation maps a name ("tanh", "sigmoid", "linear", "softmax") to an Activation.
func ParseActivation(name string) (Activation, error) {
	return parseEnum[Activation](activationNames, name, "activation")
}

// apply computes y = act(z).
func (a Activation) apply(z, y []float64) {
	switch a {
	case Linear:
		copy(y, z)
	case Tanh:
		for i, v := range z {
			y[i] = math.Tanh(v)
		}
	case Sigmoid:
		for i, v := range z {
			y[i] = 1 / (1 + math.Exp(-v))
		}
	case Softmax:
		softmax(z, y)
	}
}

// SoftmaxInto writes the softmax of z into p (same length; p may be z), a
// probability distribution for RNG.Categorical.
func SoftmaxInto(p, z []float64) error {
	if len(p) != len(z) {
		return &ShapeError{Op: "softmax", Got: fmt.Sprintf("destination of %d values", len(p)), Want: fmt.Sprintf("%d (one per input)", len(z))}
	}
	softmax(z, p)
	return nil
}

// softmax is the numerically stable softmax (shifted by the maximum).
func softmax(z, y []float64) {
	m := maxValue(z)
	s := 0.0
	for i, v := range z {
		e := math.Exp(v - m)
		y[i] = e
		s += e
	}
	inv := 1 / s
	for i := range y {
		y[i] *= inv
	}
}

// maxValue is the largest value of z (-Inf when empty), the shift of a
// stable softmax or log-sum-exp; NaNs are passed over.
func maxValue(z []float64) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		if v > m {
			m = v
		}
	}
	return m
}

// deriv is dy/dz of an elementwise activation, from its output y.
func (a Activation) deriv(y float64) float64 {
	switch a {
	case Tanh:
		return 1 - y*y
	case Sigmoid:
		return y * (1 - y)
	}
	return 1
}

// backward turns dL/dy into dL/dz (gz may alias gy for elementwise activations).
func (a Activation) backward(y, gy, gz []float64) {
	if a == Softmax {
		dot := 0.0
		for i, v := range y {
			dot += v * gy[i]
		}
		for i, v := range y {
			gz[i] = v * (gy[i] - dot)
		}
		return
	}
	for i, v := range y {
		gz[i] = gy[i] * a.deriv(v)
	}
}
