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
	// the previous step (see recurrent.go), through plastic connections
	// when it has a Rule. Input and Precision apply to recurrent layers
	// only; LearnRate to recurrent layers and to layers whose rule has a
	// rate (clipped_hebb, retroactive).
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
	// (nil with InputDirect). Eta is the trained rate (nil when fixed).
	WIn, Eta  *Param
	Input     InputMode
	LearnRate RateMode
	Precision Precision
	// Neuromodulated layers (modulated.go): the modulator's weights and
	// bias, and with fan-out the per-cell factor and bias.
	ModW, ModB, Fanout, FanoutB *Param

	recurrent bool
	elem      ElementRule // Rule, when elementwise and the layer has no kind
	kind      layerKind   // the machinery of a layer kind (recurrent, neuromodulated), nil for a plain layer

	// Episode state.
	H []float64 // traces, Out×In, used by the current step
	x []float64 // input of the current step (a view)
	z []float64 // pre-activation
	y []float64 // output
}

// Plastic reports whether the layer has plastic connections.
func (l *Layer) Plastic() bool { return l.Rule != nil }

// Params returns the layer's trained tensors, in this order, those it has:
// WIn, W, Alpha, B, Eta, ModW, ModB, Fanout, FanoutB.
func (l *Layer) Params() []*Param {
	var ps []*Param
	for _, p := range []*Param{l.WIn, l.W, l.Alpha, l.B, l.Eta, l.ModW, l.ModB, l.Fanout, l.FanoutB} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
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
	if l.kind != nil {
		return l.kind.traces()
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
	_, mod := spec.Rule.(ModRule)
	if !spec.Recurrent && (spec.Input != InputWeights || spec.Precision != Float64) {
		return nil, fmt.Errorf("layer %s: input mode and precision are options of recurrent layers", name)
	}
	if !spec.Recurrent && !mod && spec.LearnRate != RateFixed {
		return nil, fmt.Errorf("layer %s: a trained rate is an option of recurrent layers and of the rules clipped_hebb and retroactive", name)
	}
	if spec.Rule != nil && spec.Act == Softmax {
		return nil, fmt.Errorf("layer %s: a plastic layer cannot use softmax (softmax is for a non-plastic output layer)", name)
	}
	if spec.Rule != nil {
		if err := checkRule(spec.Rule); err != nil {
			return nil, fmt.Errorf("layer %s: %w", name, err)
		}
	}
	l := &Layer{Name: name, In: in, Out: spec.Out, Act: spec.Act, Rule: spec.Rule, InitAbs: spec.InitAbs,
		B: newParam(name+".b", KindBias, spec.Out, 1),
		z: make([]float64, spec.Out), y: make([]float64, spec.Out)}
	if mod || spec.Recurrent {
		build := newRecurrentLayer
		if mod || spec.Rule == nil {
			build = newModLayer
		}
		if err := build(l, spec); err != nil {
			return nil, err
		}
		return l, nil
	}
	l.W = newParam(name+".w", KindWeight, spec.Out, in)
	if spec.Rule != nil {
		er, ok := spec.Rule.(ElementRule)
		if !ok {
			return nil, fmt.Errorf("layer %s: rule %s is not elementwise", name, spec.Rule.Name())
		}
		l.elem = er
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
func (l *Layer) updateTraces() { applyRule(l.elem, l.H, l.x, l.y, l.In) }

// applyRule updates the traces h (len(y) × in) in place from the step's
// input x and output y. BPTT recomputes traces with it from checkpoints,
// so the arithmetic must stay the same for both (bit-identical traces).
func applyRule(rule ElementRule, h, x, y []float64, in int) {
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
