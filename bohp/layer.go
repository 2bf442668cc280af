package bohp

import "fmt"

// LayerSpec describes one layer of a network.
type LayerSpec struct {
	Name string     // defaults to "l<index>"
	Out  int        // number of cells
	Act  Activation // output function
	Rule Rule       // plasticity rule; nil for a dense (non-plastic) layer

	// InitAbs makes InitNormal draw the layer's weights W as |N(0, std²)|
	// (the paper does so for hidden-to-output). It only affects
	// initialisation, so checkpoints do not store it.
	InitAbs bool

	// Recurrent makes the layer's cells also receive their own outputs of
	// the previous step through plastic connections (see recurrent.go); it
	// needs a Rule. Input, LearnRate and Precision apply to recurrent
	// layers only.
	Recurrent bool
	Input     InputMode
	LearnRate RateMode
	Precision Precision
}

// Layer is one layer of a network: y = act(b + (W + Alpha ⊙ H) x), with H
// the layer's traces when it is plastic (Rule != nil), W x otherwise.
type Layer struct {
	Name    string
	In, Out int
	Act     Activation
	Rule    Rule
	InitAbs bool // see LayerSpec

	W, B  *Param
	Alpha *Param // nil when not plastic

	// Recurrent layers: W and Alpha are Out×Out; the input weights are WIn
	// (nil with InputDirect), Eta the trained rate (nil when fixed).
	WIn, Eta  *Param
	Input     InputMode
	LearnRate RateMode
	Precision Precision
	rec       recLayer

	// Episode state.
	H []float64 // traces, Out×In, used by the current step
	x []float64 // input of the current step (a view)
	z []float64 // pre-activation
	y []float64 // output
}

// Plastic reports whether the layer has plastic connections.
func (l *Layer) Plastic() bool { return l.Rule != nil }

// Params returns the layer's trained tensors: W, Alpha (if plastic), B; a
// recurrent layer's are WIn (unless direct), W, Alpha, B, Eta (if trained).
func (l *Layer) Params() []*Param {
	if l.Recurrent() {
		var ps []*Param
		for _, p := range []*Param{l.WIn, l.W, l.Alpha, l.B, l.Eta} {
			if p != nil {
				ps = append(ps, p)
			}
		}
		return ps
	}
	if l.Plastic() {
		return []*Param{l.W, l.Alpha, l.B}
	}
	return []*Param{l.W, l.B}
}

// Spec returns the spec the layer was built from (its name filled in).
func (l *Layer) Spec() LayerSpec {
	return LayerSpec{Name: l.Name, Out: l.Out, Act: l.Act, Rule: l.Rule, InitAbs: l.InitAbs,
		Recurrent: l.Recurrent(), Input: l.Input, LearnRate: l.LearnRate, Precision: l.Precision}
}

// Output returns the output of the current step (valid until the next step).
func (l *Layer) Output() []float64 { return l.y }

// Traces returns the layer's current traces (row-major, see TraceShape),
// nil if not plastic: a view, or a copy for a float32 recurrent layer.
func (l *Layer) Traces() []float64 {
	if l.Recurrent() {
		return l.rec.traces()
	}
	return l.H
}

func newLayer(spec LayerSpec, index, in int) (*Layer, error) {
	name := spec.Name
	if name == "" {
		name = fmt.Sprintf("l%d", index)
	}
	if spec.Out <= 0 {
		return nil, fmt.Errorf("layer %s: size must be positive, got %d", name, spec.Out)
	}
	if spec.Act < Linear || spec.Act > Softmax {
		return nil, fmt.Errorf("layer %s: unknown activation %d", name, spec.Act)
	}
	if !spec.Recurrent && (spec.Input != InputWeights || spec.LearnRate != RateFixed || spec.Precision != Float64) {
		return nil, fmt.Errorf("layer %s: input mode, trained rate and precision are options of recurrent layers", name)
	}
	if spec.Rule != nil && spec.Act == Softmax {
		return nil, fmt.Errorf("layer %s: a plastic layer cannot use softmax (softmax is for a non-plastic output layer)", name)
	}
	if spec.Rule != nil {
		if err := checkRule(spec.Rule); err != nil {
			return nil, fmt.Errorf("layer %s: %w", name, err)
		}
	}
	if spec.Recurrent {
		l := &Layer{Name: name, In: in, Out: spec.Out, Act: spec.Act, Rule: spec.Rule, InitAbs: spec.InitAbs,
			B: newParam(name+".b", KindBias, spec.Out, 1),
			z: make([]float64, spec.Out), y: make([]float64, spec.Out)}
		if err := newRecurrentLayer(l, spec); err != nil {
			return nil, err
		}
		return l, nil
	}
	l := &Layer{Name: name, In: in, Out: spec.Out, Act: spec.Act, Rule: spec.Rule, InitAbs: spec.InitAbs,
		W: newParam(name+".w", KindWeight, spec.Out, in),
		B: newParam(name+".b", KindBias, spec.Out, 1),
		z: make([]float64, spec.Out), y: make([]float64, spec.Out)}
	if spec.Rule != nil {
		l.Alpha = newParam(name+".alpha", KindAlpha, spec.Out, in)
		l.H = make([]float64, spec.Out*in)
	}
	return l, nil
}

// forward computes the layer's output for input x with the current traces.
func (l *Layer) forward(x []float64) {
	l.x = x
	w, b, z := l.W.Data, l.B.Data, l.z
	n := l.In
	if l.Plastic() {
		a, h := l.Alpha.Data, l.H
		for i := range z {
			s := b[i]
			row := i * n
			wr, ar, hr := w[row:row+n], a[row:row+n], h[row:row+n]
			for k, xk := range x[:n] {
				s += (wr[k] + ar[k]*hr[k]) * xk
			}
			z[i] = s
		}
	} else {
		for i := range z {
			s := b[i]
			wr := w[i*n : i*n+n]
			for k, xk := range x[:n] {
				s += wr[k] * xk
			}
			z[i] = s
		}
	}
	l.Act.apply(z, l.y)
}

// updateTraces applies the rule after the step's output is known.
func (l *Layer) updateTraces() { applyRule(l.Rule, l.H, l.x, l.y, l.In) }

// applyRule updates the traces h (len(y) × in) in place from the step's
// input x and output y. BPTT recomputes traces with it from checkpoints,
// so the arithmetic must stay the same for both (bit-identical traces).
func applyRule(rule Rule, h, x, y []float64, in int) {
	if hb, ok := rule.(Hebb); ok {
		g := hb.Retention
		c := 1 - g
		for i, yi := range y {
			hr := h[i*in : i*in+in]
			cy := c * yi
			for k, xk := range x[:in] {
				hr[k] = g*hr[k] + cy*xk
			}
		}
		return
	}
	for i, yi := range y {
		hr := h[i*in : i*in+in]
		for k, xk := range x[:in] {
			hr[k], _, _, _ = rule.Update(hr[k], xk, yi)
		}
	}
}
