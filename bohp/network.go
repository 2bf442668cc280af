package bohp

import (
	"errors"
	"fmt"
	"math"
)

// Engine selects how EndEpisode computes the gradient.
type Engine int

const (
	EngineBPTT    Engine = iota // reverse mode through time over the recorded episode
	EngineForward               // the paper's forward recursion, made exact (RTRL)
	// EnginePaper is the forward recursion with the two approximations of
	// the 2016 paper's code (paper.go): its gradient is not exact.
	EnginePaper
)

var engineNames = []string{"bptt", "forward", "paper"}

func (e Engine) String() string { return enumName(engineNames, e, "Engine") }

// Exact reports whether the engine's gradient is exact (all but EnginePaper).
func (e Engine) Exact() bool { return e != EnginePaper }

// Engines lists every engine, the default (bptt) first.
func Engines() []Engine { return []Engine{EngineBPTT, EngineForward, EnginePaper} }

// ParseEngine maps "bptt", "forward" or "paper" to an Engine.
func ParseEngine(name string) (Engine, error) {
	return parseEnum[Engine](engineNames, name, "gradient engine")
}

// gradEngine accumulates the episode gradient. step is called once per
// finished step, after its losses and before the traces are updated.
type gradEngine interface {
	reset()
	step(n *Network, last bool) // last: the episode ends after this step
	end(n *Network)
}

// MaxElements bounds the size of one tensor (and of the forward engine's
// tangents), so that an oversized network is an error rather than an
// out-of-memory crash: 2^28 float64s, 2 GiB.
const MaxElements = 1 << 28

// ErrNoStep is returned by Score when no step has been run in the episode.
var ErrNoStep error = &OpError{Op: "score", Err: errors.New("no step has been run since the episode started")}

// Network is a feed-forward stack of layers with an episode state and a
// gradient engine. It is not safe for concurrent use.
type Network struct {
	In     int
	Layers []*Layer

	engine Engine
	eng    gradEngine
	params []*Param

	input  []float64 // copy of the current step's input
	step   int       // index of the current step in the episode
	inStep bool      // a step's output is computed, its traces not yet updated
	scored bool      // the current step has a nonzero-weight loss
	gz     []float64 // weighted dLoss/dz of the last layer for the current step
	gyOut  []float64 // weighted dLoss/dy of the last layer, kept for the paper engine only (else nil)
	gy     []float64 // scratch
	loss   float64   // weighted loss summed over the episode
	noGrad bool      // forward only (finite differences)
	broken error     // a non-finite value ended the episode; cleared by Reset
	ended  bool      // EndEpisode has run; cleared by Reset
	done   int       // episodes ended without error, for messages

	log episodeLog

	recordNext int        // Record: values per quantity to record from the next Reset (0: none)
	recording  *Recording // the episode being recorded
	recorded   *Recording // the last recorded episode
}

// NewNetwork builds a network with in inputs and the given layers, all
// parameters zero (see InitNormal), using the given gradient engine.
func NewNetwork(in int, engine Engine, specs ...LayerSpec) (*Network, error) {
	if in <= 0 || in > MaxElements {
		return nil, opErrorf("network", "input size must be in [1, %d], got %d", MaxElements, in)
	}
	if len(specs) == 0 {
		return nil, opErrorf("network", "no layers")
	}
	n := &Network{In: in, engine: engine, input: make([]float64, in)}
	prev := in
	names := map[string]bool{}
	for i, s := range specs {
		if s.Out > 0 && prev > MaxElements/s.Out {
			return nil, opErrorf("network", "layer %d: %d x %d connections is too large (at most %d per tensor)", i, s.Out, prev, MaxElements)
		}
		l, err := newLayer(s, i, prev)
		if err != nil {
			return nil, &OpError{Op: "network", Err: err}
		}
		if names[l.Name] {
			return nil, opErrorf("network", "two layers are named %q", l.Name)
		}
		names[l.Name] = true
		if l.Act == Softmax && i != len(specs)-1 {
			return nil, opErrorf("network", "layer %s: softmax is only allowed on the last layer", l.Name)
		}
		n.Layers = append(n.Layers, l)
		n.params = append(n.params, l.Params()...)
		prev = l.Out
	}
	out := n.Layers[len(n.Layers)-1].Out
	n.gz = make([]float64, out)
	n.gy = make([]float64, out)
	if err := n.SetEngine(engine); err != nil {
		return nil, err
	}
	return n, nil
}

// SetEngine switches the gradient engine; it resets the episode.
func (n *Network) SetEngine(e Engine) error {
	switch e {
	case EngineBPTT:
		n.eng = newBPTT(n)
	case EngineForward, EnginePaper:
		for _, l := range n.Layers {
			if err := forwardSupports(l, e); err != nil {
				return err
			}
		}
		if need := forwardSize(n); need > MaxElements {
			return opErrorf("network", "the %s engine would need %d floats (%.1f GiB) of trace tangents; use the bptt engine for networks this wide", e, need, float64(need)*8/(1<<30))
		}
		f := newForward(n)
		f.paper = e == EnginePaper
		n.eng = f
	default:
		return opErrorf("network", "unknown gradient engine %d", e)
	}
	n.gyOut = nil
	if e == EnginePaper {
		n.gyOut = make([]float64, n.Out())
	}
	n.engine = e
	n.Reset()
	return nil
}

// forwardSupports reports why the forward engine cannot run layer l.
func forwardSupports(l *Layer, e Engine) error {
	if r, ok := l.Rule.(ModRule); ok {
		why := fmt.Sprintf("the %s engine implements elementwise rules only", e)
		if r.modulated() {
			why = fmt.Sprintf("the modulator couples every cell's traces: the %s engine would need O(N^4) tangents", e)
		}
		return opErrorf("network", "layer %s: rule %s needs the bptt engine (%s)", l.Name, r.Name(), why)
	}
	if l.Recurrent() {
		return opErrorf("network", "layer %s is recurrent, which the %s engine does not support; use the bptt engine", l.Name, e)
	}
	return nil
}

// Engine returns the gradient engine in use.
func (n *Network) Engine() Engine { return n.engine }

// Params returns every trained tensor, in layer order (W, Alpha, B).
func (n *Network) Params() []*Param { return n.params }

// Param returns the tensor with the given name ("l0.alpha"), or nil.
func (n *Network) Param(name string) *Param {
	for _, p := range n.params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Layer returns the layer with the given name, or nil.
func (n *Network) Layer(name string) *Layer {
	for _, l := range n.Layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Out is the size of the last layer.
func (n *Network) Out() int { return n.Layers[len(n.Layers)-1].Out }

// Output returns the last step's output (valid until the next step).
func (n *Network) Output() []float64 { return n.Layers[len(n.Layers)-1].y }

// Steps returns the number of steps run in the current episode.
func (n *Network) Steps() int {
	if n.inStep {
		return n.step + 1
	}
	return n.step
}

// Running reports whether an episode is under way: a step has run since
// Reset and EndEpisode has not (a broken episode is not: it cannot end with
// a gradient). Its steps ran with the tensors' values of then, which the
// gradient at EndEpisode assumes unchanged.
func (n *Network) Running() bool {
	return n.Steps() > 0 && !n.ended && n.broken == nil
}

// EpisodeLoss returns the weighted loss summed over the episode so far.
func (n *Network) EpisodeLoss() float64 { return n.loss }

// InitNormal sets every parameter to std * N(0,1), drawn in layer order
// (W, Alpha, B), as in the paper (std 0.1); the weights of a layer with
// InitAbs become their absolute values. Constraints are then applied.
func (n *Network) InitNormal(r *RNG, std float64) {
	for _, l := range n.Layers {
		for _, p := range l.Params() {
			if p.Kind == KindRule {
				continue // a trained rate starts at its rule's setting
			}
			r.FillNormal(p.Data, 0, std)
			if p == l.W && l.InitAbs {
				for i, v := range p.Data {
					p.Data[i] = math.Abs(v)
				}
			}
			p.applySign()
		}
	}
}

// Clone returns an exact, independent copy of the network: architecture,
// rules and their settings, tensors with their options (frozen, sign) and
// the gradient engine. The copy starts a fresh episode.
func (n *Network) Clone() *Network {
	specs := make([]LayerSpec, len(n.Layers))
	for i, l := range n.Layers {
		specs[i] = l.Spec()
	}
	c, err := NewNetwork(n.In, n.engine, specs...)
	if err != nil { // n was built from the same specs, so this cannot fail
		panic(fmt.Sprintf("bohp: Clone: %v", err))
	}
	for i, p := range n.params {
		q := c.params[i]
		copy(q.Data, p.Data)
		q.Frozen, q.Sign = p.Frozen, p.Sign
	}
	return c
}

// Reset starts a new episode: traces, gradients and the engine's state are
// zeroed.
func (n *Network) Reset() {
	for _, l := range n.Layers {
		clear(l.H)
		if l.kind != nil {
			l.kind.reset()
		}
	}
	for _, p := range n.params {
		clear(p.Grad)
	}
	n.step, n.inStep, n.scored, n.loss, n.broken, n.ended = 0, false, false, 0, nil, false
	clear(n.gz)
	clear(n.gyOut)
	n.eng.reset()
	n.log.reset(n.noGrad)
	n.startRecording()
}

// halted is the error of op (a step or a score) in an episode that cannot
// go on: a broken one's error, or, after EndEpisode, an error of its own
// (the episode would go on from the ended one's traces and tape, silently,
// its loss and gradient summing both: a forgotten Reset).
func (n *Network) halted(op string) error {
	if n.broken != nil {
		return n.broken
	}
	if n.ended {
		return opErrorf(op, "the episode has ended (reset starts the next)")
	}
	return nil
}

// scorable is the error of a score now: the episode's, or ErrNoStep.
func (n *Network) scorable() error {
	if err := n.halted("score"); err != nil {
		return err
	}
	if !n.inStep {
		return ErrNoStep
	}
	return nil
}

// Step runs one step on input x and returns the network's output (a view
// valid until the next step). The traces used are those before this step;
// they are updated when the next step starts or the episode ends.
func (n *Network) Step(x []float64) ([]float64, error) {
	if len(x) != n.In {
		return nil, &ShapeError{Op: "step", Got: fmt.Sprintf("input of %d values", len(x)), Want: fmt.Sprintf("%d (the network's input size)", n.In)}
	}
	if err := n.halted("step"); err != nil {
		return nil, err
	}
	if n.inStep {
		n.finishStep(false)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, n.tag(&NonFiniteError{Step: n.step, Where: "input", Index: i, Value: v})
		}
	}
	copy(n.input, x)
	n.log.addStep(x)
	in := n.input
	for _, l := range n.Layers {
		if l.kind != nil {
			l.kind.step(in, !n.noGrad)
		} else {
			l.forward(in)
		}
		if err := checkFinite(n.step, "output of layer ", l.Name, l.y); err != nil {
			n.broken = n.tag(err) // the episode is unusable until Reset
			return nil, err
		}
		in = l.y
	}
	n.inStep = true
	return n.Output(), nil
}

// Score adds weight * loss(output, target) of the current step to the
// episode loss and returns the unweighted loss. Weight 0 scores nothing (a
// learning period) but still returns the loss value. A step may be scored
// more than once (the losses add).
func (n *Network) Score(loss Loss, target []float64, weight float64) (float64, error) {
	if err := n.scorable(); err != nil {
		return 0, err
	}
	last := n.Layers[len(n.Layers)-1]
	if len(target) != last.Out {
		return 0, &ShapeError{Op: "score " + loss.String(), Got: fmt.Sprintf("target of %d values", len(target)), Want: fmt.Sprintf("%d (the output size)", last.Out)}
	}
	if loss == CrossEntropy && last.Act != Softmax && last.Act != Linear {
		return 0, opErrorf("score", "the last layer %s is %s; cross-entropy needs a softmax or linear output layer", last.Name, last.Act)
	}
	if loss < SSE || loss > CrossEntropy {
		return 0, opErrorf("score", "unknown loss %d", loss)
	}
	if math.IsNaN(weight) || math.IsInf(weight, 0) {
		return 0, opErrorf("score", "weight is %v at step %d", weight, n.step)
	}
	for i, v := range target {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, n.tag(&NonFiniteError{Step: n.step, Where: "target", Index: i, Value: v})
		}
	}
	w := weight
	if n.noGrad {
		w = 0
	}
	val := loss.eval(last, target, w, n.gz, n.gy, n.gyOut)
	if math.IsNaN(val) || math.IsInf(val, 0) {
		n.broken = n.tag(&NonFiniteError{Step: n.step, Where: "loss " + loss.String(), Value: val})
		return 0, n.broken
	}
	// A finite loss times a finite weight, or their sum over the episode,
	// can still overflow.
	if wl := weight * val; math.IsInf(wl, 0) || math.IsInf(n.loss+wl, 0) {
		n.broken = n.tag(&NonFiniteError{Step: n.step, Where: "weighted episode loss " + loss.String(), Value: n.loss + wl})
		return 0, n.broken
	}
	if weight != 0 {
		n.scored = n.scored || w != 0
		n.loss += weight * val
	}
	n.log.addScore(loss, target, weight)
	return val, nil
}

// ScoreGrad adds a loss computed outside the engine (e.g. in a script):
// value is its (weighted) value and grad its gradient with respect to the
// network's output. Episodes scored this way cannot be replayed by GradCheck.
func (n *Network) ScoreGrad(value float64, grad []float64) error {
	if err := n.scorable(); err != nil {
		return err
	}
	if err := n.checkCustom(false, n.step, value, grad); err != nil {
		return err
	}
	n.loss += value
	n.log.custom = true
	last := n.Layers[len(n.Layers)-1]
	last.Act.backward(last.y, grad, n.gy)
	for i, g := range n.gy {
		n.gz[i] += g
	}
	for i, g := range grad[:len(n.gyOut)] {
		n.gyOut[i] += g
	}
	n.scored = true
	if n.recording != nil {
		n.recording.custom++ // the log keeps the targets of score, not these
	}
	return nil
}

// checkCustom checks a loss computed outside the engine for step t (by
// ScoreGrad, or late by ScoreAt): its value and its gradient with respect
// to the output.
func (n *Network) checkCustom(late bool, t int, value float64, grad []float64) error {
	if out := n.Out(); len(grad) != out {
		op := "score_grad"
		if late {
			op = lateOp(t)
		}
		return &ShapeError{Op: op, Got: fmt.Sprintf("gradient of %d values", len(grad)), Want: fmt.Sprintf("%d (the output size)", out)}
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return n.tag(&NonFiniteError{Step: t, Where: "custom loss", Value: value})
	}
	if math.IsInf(n.loss+value, 0) {
		return n.tag(&NonFiniteError{Step: t, Where: "episode loss with the custom loss", Value: n.loss + value})
	}
	return n.tag(checkFinite(t, "custom loss gradient", "", grad))
}

// finishStep hands the step to the gradient engine, then updates traces.
func (n *Network) finishStep(last bool) {
	if n.recording != nil { // here rather than in Step: the hot path stays as it was
		n.recording.recordStep(n.input, n.Output())
	}
	if !n.noGrad {
		n.eng.step(n, last)
	}
	for _, l := range n.Layers {
		if l.elem != nil { // a layer kind's update runs with its next step
			l.updateTraces()
		}
	}
	clear(n.gz)
	clear(n.gyOut)
	n.scored = false
	n.inStep = false
	n.step++
}

// EndEpisode finishes the episode and leaves in every Param.Grad the
// gradient of the summed weighted loss; it returns that loss. Ending an
// ended episode again changes nothing (BPTT's backward pass would add its
// gradient a second time).
func (n *Network) EndEpisode() (float64, error) {
	if n.broken != nil {
		return n.loss, n.broken
	}
	if n.ended {
		return n.loss, nil
	}
	if n.inStep {
		n.finishStep(true)
	}
	n.ended = true
	if !n.noGrad {
		n.eng.end(n)
		for _, p := range n.params {
			if err := checkFinite(-1, "gradient of ", p.Name, p.Grad); err != nil {
				n.broken = n.tag(n.locateNonFinite(err.(*NonFiniteError)))
				return n.loss, n.broken
			}
		}
	}
	for _, l := range n.Layers {
		if l.kind != nil { // after BPTT, which needs the traces of the last step
			l.kind.finish()
		}
	}
	n.done++
	if n.recording != nil {
		n.recording.addScores(&n.log)
		n.recorded, n.recording = n.recording, nil
	}
	return n.loss, nil
}

// tag sets the episode of a *NonFiniteError found in the current episode.
// It returns nil at once for nil: errors.As's target escapes, so it would
// allocate on every call of a step's checks.
func (n *Network) tag(err error) error {
	if err == nil {
		return nil
	}
	var nf *NonFiniteError
	if errors.As(err, &nf) && nf.Episode == 0 {
		nf.Episode = n.done + 1
	}
	return err
}

// SetWorkers sets how many goroutines may share an episode's sweeps over a
// recurrent or neuromodulated layer's matrices (default 1). Results do not
// depend on it.
func (n *Network) SetWorkers(workers int) {
	for _, l := range n.Layers {
		if l.kind != nil {
			l.kind.setWorkers(workers)
		}
	}
}

// locateNonFinite finds the episode step at which a non-finite gradient
// first appears (only called on failure, so the search may be slow): BPTT
// reruns its backward pass checking after each step; the forward engine
// replays the logged episode checking after each step.
func (n *Network) locateNonFinite(err *NonFiniteError) error {
	switch e := n.eng.(type) {
	case *bpttEngine:
		for _, p := range n.params {
			clear(p.Grad)
		}
		e.check = true
		defer func() { e.check = false }()
		e.end(n)
		if e.bad != nil {
			return e.bad
		}
	case *forwardEngine:
		if n.log.custom || n.log.frozen {
			return err
		}
		n.log.frozen = true
		e.check = true
		defer func() { n.log.frozen, e.check = false, false }()
		n.replay()
		if e.bad != nil {
			return e.bad
		}
	}
	return err
}
