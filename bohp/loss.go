package bohp

import (
	"math"
)

// Loss is a per-step loss between the network's output and a target.
type Loss int

const (
	// SSE is the sum of squared errors sum_i (y_i - t_i)^2.
	SSE Loss = iota
	// L1 is the Manhattan distance sum_i |y_i - t_i| (gradient sign(y-t), 0 at 0).
	L1
	// CrossEntropy is -sum_i t_i log softmax(z)_i on the logits z of the last
	// layer (its pre-activation when the layer is softmax, its output when it
	// is linear), computed with a stable log-sum-exp.
	CrossEntropy
)

var lossNames = []string{"sse", "l1", "cross_entropy"}

func (l Loss) String() string { return enumName(lossNames, l, "Loss") }

// ParseLoss maps "sse", "l1" or "cross_entropy" to a Loss.
func ParseLoss(name string) (Loss, error) { return parseEnum[Loss](lossNames, name, "loss") }

// eval returns the loss of the last layer l against target and adds
// weight * dLoss/dz (z: the layer's pre-activation) into gz, using gy as
// scratch, and weight * dLoss/dy into gyOut unless it is nil (a softmax
// layer, never plastic, leaves it alone). weight 0 computes the value only.
func (loss Loss) eval(l *Layer, target []float64, weight float64, gz, gy, gyOut []float64) float64 {
	y := l.y
	switch loss {
	case CrossEntropy:
		if l.Act == Softmax {
			return crossEntropySoftmax(l.z, y, target, weight, gz)
		}
		logits := y
		m := maxValue(logits)
		s := 0.0
		for _, v := range logits {
			s += math.Exp(v - m)
		}
		lse := m + math.Log(s)
		val, tsum := 0.0, 0.0
		for i, t := range target {
			val += t * (lse - logits[i])
			tsum += t
		}
		if weight != 0 {
			for i, v := range logits {
				p := math.Exp(v - lse)
				g := weight * (tsum*p - target[i])
				gz[i] += g
				if gyOut != nil { // linear: dL/dy = dL/dz
					gyOut[i] += g
				}
			}
		}
		return val
	case SSE, L1:
		val := 0.0
		for i, t := range target {
			d := y[i] - t
			if loss == SSE {
				val += d * d
				gy[i] = 2 * d
			} else {
				val += math.Abs(d)
				switch {
				case d > 0:
					gy[i] = 1
				case d < 0:
					gy[i] = -1
				default:
					gy[i] = 0
				}
			}
		}
		if weight != 0 {
			for i, g := range gy[:len(gyOut)] {
				gyOut[i] += weight * g
			}
			l.Act.backward(y, gy, gy)
			for i, g := range gy {
				gz[i] += weight * g
			}
		}
		return val
	}
	panic("bohp: unknown loss")
}

// crossEntropySoftmax uses the softmax already computed in y: the gradient
// is sum(t) y - t, and log-sum-exp is z_k - log y_k for the largest y_k
// (y_k >= 1/n, so the log is well conditioned), saving every exp.
func crossEntropySoftmax(z, y, target []float64, weight float64, gz []float64) float64 {
	k := 0
	for i, v := range y {
		if v > y[k] {
			k = i
		}
	}
	lse := z[k] - math.Log(y[k])
	val, tsum := 0.0, 0.0
	for i, t := range target {
		if t != 0 {
			val += t * (lse - z[i])
		}
		tsum += t
	}
	if weight != 0 {
		for i, p := range y {
			gz[i] += weight * (tsum*p - target[i])
		}
	}
	return val
}
