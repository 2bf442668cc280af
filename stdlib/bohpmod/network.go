package bohpmod

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/internal/figures"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/bohpsh/bohpsh/stdlib/yamlmod"
	"github.com/d5/tengo/v2"
)

// Network is the script object wrapping a *bohp.Network.
type Network struct {
	lib.Base
	Net     *bohp.Network
	env     *lib.Env
	methods lib.Bound
	figure  *traceFigure    // asked for by record, drawn when its episode ends
	drawn   *bohp.Recording // the recording last drawn
}

// netMethods is the method table of network objects; it is also their
// documentation.
var netMethods = lib.NewMethodSet("network",
	lib.DefNoArgs("reset", "() -> undefined", "start an episode: traces, gradients and the engine's state are zeroed", netReset),
	lib.Def("step", "(x vec|array) -> vec", "run one step on input x and return the output (a copy); traces update when the next step starts", netStep),
	lib.Def("score", "(loss string, target vec|array[, weight number]) -> float", "add weight (default 1) × loss(output, target) of this step to the episode loss and return the unweighted loss; loss: sse, l1, cross_entropy; weight 0 scores nothing", netScore),
	lib.Def("score_grad", "(value number, grad vec|array) -> undefined", "add a loss computed in script: its value and its gradient with respect to this step's output", netScoreGrad),
	lib.Def("score_at", "(t int, grad vec|array[, value number]) -> undefined", "score step t after the fact (once the episode's rewards are known, before net.end): add a loss of value (0) whose gradient with respect to the output of step t is grad; t from 0 to the current step; a past step needs the bptt engine", netScoreAt),
	lib.Def("score_steps", "(grads mat[, value number]) -> undefined", "score every step run so far at once: row t of grads (steps × outputs) is the gradient with respect to the output of step t, value (0) the loss of them all (e.g. bohp.actor_critic's grad and loss); bptt engine", netScoreSteps),
	lib.DefNoArgs("end", "() -> float", "end the episode: every tensor's gradient of the summed weighted loss is computed; returns that loss; step and score are then errors until net.reset() starts the next episode", netEnd),
	lib.Def("episode", "(inputs mat, targets mat, weights vec|array|number, loss string) -> map", "reset, run every row of inputs as a step scored against the same row of targets with its weight, end; returns {loss: weighted sum, losses: vec of unweighted per-step losses, outputs: mat}", netEpisode),
	lib.Def("tensors", "([opts map]) -> array", "names of the trained tensors, e.g. [\"l0.w\", \"l0.alpha\", \"l0.b\", ...]; opts select some: {kind: "+kindNames()+", layer: a layer's name}", netTensors),
	lib.Def("get", "(name string) -> mat", "a copy of a tensor's values (rows × cols; biases are rows × 1)", netGet),
	lib.Def("set", "(name string, values mat|vec|array) -> undefined", "set a tensor's values (same number of elements; sign constraints apply); not between an episode's first step and net.end()", netSet),
	lib.Def("grad", "(name string) -> mat", "a copy of a tensor's gradient from the last episode", netGrad),
	lib.Def("constrain", "(name string, opts map) -> undefined", "per-tensor options: {sign: 1 (>= 0) | -1 (<= 0) | 0, frozen: bool}", netConstrain),
	lib.Def("fix", "(name string, values mat|vec|array) -> undefined", "set a tensor to values and freeze it (e.g. an identity readout); not between an episode's first step and net.end()", netFix),
	lib.DefNoArgs("layers", "() -> array", "one map per layer: {name, in, out, act, plastic, recurrent, rule, "+strings.Join(bohp.SettingNames(), "|")+"; recurrent layers: input, learn_rate, precision}", netLayers),
	lib.Def("traces", "(layer string) -> mat", "a copy of a plastic layer's current Hebbian traces (out × in; a recurrent layer's out × out, row j the connections into cell j): those the current step used, after the episode's end those after its last step", netTraces),
	lib.Def("output", "(layer string) -> vec", "a copy of a layer's output at the current step", netOutput),
	lib.Def("modulation", "(layer string) -> vec", "a copy of the modulation M(t) of a layer with rule modulated or retroactive at the current step: size values, all m(t) = tanh(mod_w · y(t) + mod_b) without fan-out", netModulation),
	lib.Def("eligibility", "(layer string) -> mat", "a copy of the eligibility trace E of a layer with rule retroactive (as traces: out × in, out × out when recurrent): the one the current step's modulation gates (before its update by the step)", netEligibility),
	lib.DefNoArgs("engine", "() -> string", "the gradient engine: bptt, forward or paper", netEngine),
	lib.Def("set_engine", "(name string) -> undefined", "switch the gradient engine (bptt, forward or paper: the 2016 code's approximate gradient); resets the episode", netSetEngine),
	lib.Def("record", "([opts map]) -> undefined", "record the next episode (episode, or reset … end): per step its input, output, scored target and weight, and every layer's per-step quantities (a plastic layer's traces, named as its rule's: "+tracesDoc()+"; the modulation M(t) of modulated and retroactive, <name>.modulation, one value per cell; the eligibility trace of retroactive, <name>.eligibility), at most max values of each per step (beyond, evenly spaced rows and columns); net.recording() returns them. opts: {figure: path (without extension): draw the episode as heatmaps over the steps, PNG and SVG, in the run's directory (not with --no-figures), title, max: 256}", netRecord),
	lib.DefNoArgs("recording", "() -> map", "the last recorded episode (see record), undefined if none: {steps, inputs, outputs, targets (NaN at steps not scored), weights, input_index, output_index (the inputs and cells kept), states: {\"l0.hebb\": {values: mat steps × kept, rows, cols (the rows and columns kept; value k of a step is [rows[k / len(cols)]][cols[k % len(cols)]]), shape}}}", netRecording),
	lib.Def("gradcheck", "([opts map]) -> map", "replay the last episode and compare the gradient with 4th-order central differences: {max_rel_err, max_abs_err, worst: where the largest relative error is, \"tensor[row][column]\", approximate: true with the paper engine, whose gradient is not exact (then also a note)}; opts: {eps: 1e-3}; an episode scored with score_grad, score_at or score_steps cannot be replayed (check such a loss against score's built-in losses instead); with clipped_hebb, modulated or retroactive layers, a trace within eps of ±clip makes the differences cross the clip's kink: a large error there (its worst entry) shrinks with a smaller eps, e.g. {eps: 1e-5}", netGradcheck),
	lib.Def("save", "(path string[, opts map]) -> string", "write a YAML checkpoint (atomically) and return its path; relative paths go inside the run's output directory; opts: {optimizer, meta}", netSave),
	lib.Def("diagram", "(path string[, opts map]) -> string", "draw the network as SVG (fixed/plastic, excitatory/inhibitory, width by strength); opts: {title, threshold: fraction of the largest |value| below which connections are left out (0.05)}", netDiagram),
)

// tracesDoc says how network.record names each rule's traces (from bohp's
// rule registry): "<name>.hebb (rules hebb, oja, clipped_hebb) or ...".
func tracesDoc() string {
	var traces []string
	rules := map[string][]string{}
	for _, k := range bohp.RuleKinds() {
		if rules[k.Trace] == nil {
			traces = append(traces, k.Trace)
		}
		rules[k.Trace] = append(rules[k.Trace], k.Name)
	}
	for i, t := range traces {
		traces[i] = fmt.Sprintf("<name>.%s (rules %s)", t, strings.Join(rules[t], ", "))
	}
	return strings.Join(traces, " or ")
}

func newNetworkObject(env *lib.Env, net *bohp.Network) *Network {
	net.SetWorkers(env.Workers)
	return &Network{Net: net, env: env}
}

func (n *Network) TypeName() string { return "network" }

// String describes the architecture, e.g.
// network(10 -> 2 tanh hebb(retention=0.98) -> 2 softmax; bptt).
func (n *Network) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "network(%d", n.Net.In)
	for _, l := range n.Net.Layers {
		fmt.Fprintf(&b, " -> %d %s", l.Out, l.Act)
		if l.Recurrent() {
			fmt.Fprintf(&b, " recurrent(input=%s, learn_rate=%s, precision=%s)", l.Input, l.LearnRate, l.Precision)
		}
		if l.Rule != nil {
			k, _ := bohp.LookupRule(l.Rule.Name())
			var parts []string
			for i, v := range l.Rule.Settings() {
				if set := k.Settings[i]; set.Flag { // a bool, as net.layers() gives it
					parts = append(parts, fmt.Sprintf("%s=%t", set.Name, v != 0))
				} else {
					parts = append(parts, fmt.Sprintf("%s=%g", set.Name, v))
				}
			}
			fmt.Fprintf(&b, " %s(%s)", l.Rule.Name(), strings.Join(parts, ", "))
		}
	}
	fmt.Fprintf(&b, "; %s)", n.Net.Engine())
	return b.String()
}

// Copy clones the network (architecture, tensors, options); the clone
// starts a fresh episode.
func (n *Network) Copy() tengo.Object { return newNetworkObject(n.env, n.Net.Clone()) }

func (n *Network) Equals(x tengo.Object) bool { return x == tengo.Object(n) }

func (n *Network) IndexGet(i tengo.Object) (tengo.Object, error) {
	return netMethods.Get(n, &n.methods, i)
}

func netReset(n *Network, _ string) (tengo.Object, error) {
	n.Net.Reset()
	return tengo.UndefinedValue, nil
}

func netStep(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var x []float64
	if err := lib.UnpackArgs(fn, args, "x", lib.Read(vec.Floats, &x)); err != nil {
		return nil, err
	}
	if len(x) != n.Net.In {
		return nil, vec.LenError(fn, args[0], n.Net.In, "the network's input size")
	}
	y, err := n.Net.Step(x)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return vec.New(slices.Clone(y)), nil
}

// readLoss reads a loss name (sse, l1, cross_entropy).
func readLoss(fn, name string, o tengo.Object) (bohp.Loss, error) {
	var s string
	if err := lib.UnpackArg(fn, name, o, &s); err != nil {
		return 0, err
	}
	l, err := bohp.ParseLoss(s)
	if err != nil {
		return 0, lib.EngineError(fn, err)
	}
	return l, nil
}

// outputLen checks that a vector argument has the network's output size.
func (n *Network) outputLen(fn string, arg tengo.Object, x []float64) error {
	if len(x) != n.Net.Out() {
		return vec.LenError(fn, arg, n.Net.Out(), "the output size")
	}
	return nil
}

func netScore(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var loss bohp.Loss
	var target []float64
	w := 1.0
	if err := lib.UnpackArgs(fn, args, "loss, target, weight?", lib.Read(readLoss, &loss), lib.Read(vec.Floats, &target), &w); err != nil {
		return nil, err
	}
	if err := n.outputLen(fn, args[1], target); err != nil {
		return nil, err
	}
	v, err := n.Net.Score(loss, target, w)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return lib.FromFloat(v), nil
}

func netScoreGrad(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var v float64
	var g []float64
	if err := lib.UnpackArgs(fn, args, "value, grad", &v, lib.Read(vec.Floats, &g)); err != nil {
		return nil, err
	}
	if err := n.outputLen(fn, args[1], g); err != nil {
		return nil, err
	}
	if err := n.Net.ScoreGrad(v, g); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netScoreAt(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var t int
	var g []float64
	v := 0.0
	if err := lib.UnpackArgs(fn, args, "t, grad, value?", &t, lib.Read(vec.Floats, &g), &v); err != nil {
		return nil, err
	}
	if err := n.outputLen(fn, args[1], g); err != nil {
		return nil, err
	}
	if err := n.Net.ScoreAt(t, v, g); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netScoreSteps(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var g *vec.Mat
	v := 0.0
	if err := lib.UnpackArgs(fn, args, "grads, value?", lib.Read(vec.MatOf, &g), &v); err != nil {
		return nil, err
	}
	if steps, out := n.Net.Steps(), n.Net.Out(); g.Rows != steps || g.Cols != out {
		return nil, &vec.ShapeError{Fn: fn, Got: "grads " + vec.MatShape(g.Rows, g.Cols), Want: vec.MatShape(steps, out) + " (a row per step run, a column per output)"}
	}
	if err := n.Net.ScoreSteps(v, g.Data); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netEnd(n *Network, fn string) (tengo.Object, error) {
	l, err := n.Net.EndEpisode()
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	if err := n.episodeEnded(fn); err != nil {
		return nil, err
	}
	return lib.FromFloat(l), nil
}

func netEpisode(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var X, Y *vec.Mat
	var weights tengo.Object
	ep := bohp.Episode{Weight: 1}
	if err := lib.UnpackArgs(fn, args, "inputs, targets, weights, loss", lib.Read(vec.MatOf, &X), lib.Read(vec.MatOf, &Y), &weights, lib.Read(readLoss, &ep.Loss)); err != nil {
		return nil, err
	}
	if X.Cols != n.Net.In {
		return nil, &vec.ShapeError{Fn: fn, Got: "inputs " + vec.MatShape(X.Rows, X.Cols), Want: fmt.Sprintf("%d columns (the network's input size)", n.Net.In)}
	}
	if Y.Rows != X.Rows || Y.Cols != n.Net.Out() {
		return nil, &vec.ShapeError{Fn: fn, Got: "targets " + vec.MatShape(Y.Rows, Y.Cols), Want: vec.MatShape(X.Rows, n.Net.Out()) + " (a row per input row, a column per output)"}
	}
	ep.Steps, ep.Inputs, ep.Targets = X.Rows, X.Data, Y.Data
	if w, ok := lib.AsFloat(weights); ok {
		ep.Weight = w
	} else {
		var err error
		if ep.Weights, err = vec.Floats(fn, "weights", weights); err != nil {
			return nil, err
		}
		if len(ep.Weights) != ep.Steps {
			return nil, &vec.ShapeError{Fn: fn, Got: "weights " + vec.Shape(weights), Want: vec.VecShape(ep.Steps) + " (one per step)"}
		}
	}
	ep.Losses = make([]float64, ep.Steps)
	ep.Outputs = make([]float64, ep.Steps*n.Net.Out())
	total, err := n.Net.RunEpisode(n.env.Context(), &ep)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	if err := n.episodeEnded(fn); err != nil {
		return nil, err
	}
	return &tengo.Map{Value: map[string]tengo.Object{
		"loss":    lib.FromFloat(total),
		"losses":  vec.New(ep.Losses),
		"outputs": vec.NewMat(ep.Steps, n.Net.Out(), ep.Outputs),
	}}, nil
}

// tensor is an argument that names one of the network's tensors.
func (n *Network) tensor(dst **bohp.Param) lib.Unpacker {
	return byName(dst, "tensor", n.Net.Param, func() []string {
		var names []string
		for _, p := range n.Net.Params() {
			names = append(names, p.Name)
		}
		return names
	})
}

// layer is an argument that names one of the network's layers.
func (n *Network) layer(dst **bohp.Layer) lib.Unpacker {
	return byName(dst, "layer", n.Net.Layer, func() []string {
		var names []string
		for _, l := range n.Net.Layers {
			names = append(names, l.Name)
		}
		return names
	})
}

// byName is an argument that names a thing (what: "tensor"): find returns
// it, nil when there is none, and all names them all for the error.
func byName[T any](dst **T, what string, find func(string) *T, all func() []string) lib.Unpacker {
	return func(fn, name string, o tengo.Object) error {
		var s string
		if err := lib.UnpackArg(fn, name, o, &s); err != nil {
			return err
		}
		x := find(s)
		if x == nil {
			return lib.Errorf(fn, "no %s %q (%ss: %s)", what, s, what, strings.Join(all(), ", "))
		}
		*dst = x
		return nil
	}
}

// kinds are the tensor kinds a script can select, by name.
var kinds = []bohp.Kind{bohp.KindWeight, bohp.KindAlpha, bohp.KindBias, bohp.KindRule}

func kindNames() string {
	var names []string
	for _, k := range kinds {
		names = append(names, k.String())
	}
	return strings.Join(names, " | ")
}

// readKind reads a tensor kind by name.
func readKind(fn, name string, o tengo.Object) (bohp.Kind, error) {
	var s string
	if err := lib.UnpackArg(fn, name, o, &s); err != nil {
		return 0, err
	}
	for _, k := range kinds {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, lib.Errorf(fn, "unknown tensor kind %q (known: %s)", s, strings.ReplaceAll(kindNames(), " |", ","))
}

func netTensors(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var opts map[string]tengo.Object
	kind := bohp.Kind(-1) // any
	var layer *bohp.Layer // any
	if err := lib.UnpackArgs(fn, args, "opts?", &opts); err != nil {
		return nil, err
	}
	if err := lib.UnpackOptions(fn, "", opts, "kind?, layer?", lib.Read(readKind, &kind), n.layer(&layer)); err != nil {
		return nil, err
	}
	out := []tengo.Object{}
	for _, l := range n.Net.Layers {
		if layer != nil && l != layer {
			continue
		}
		for _, p := range l.Params() {
			if kind < 0 || p.Kind == kind {
				out = append(out, &tengo.String{Value: p.Name})
			}
		}
	}
	return &tengo.Array{Value: out}, nil
}

func netGet(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var p *bohp.Param
	if err := lib.UnpackArgs(fn, args, "name", n.tensor(&p)); err != nil {
		return nil, err
	}
	return vec.NewMat(p.Rows, p.Cols, slices.Clone(p.Data)), nil
}

func netGrad(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var p *bohp.Param
	if err := lib.UnpackArgs(fn, args, "name", n.tensor(&p)); err != nil {
		return nil, err
	}
	return vec.NewMat(p.Rows, p.Cols, slices.Clone(p.Grad)), nil
}

// values reads a tensor's new values from a mat (same shape), a vec or an
// array (same number of elements).
func values(fn string, p *bohp.Param, o tengo.Object) ([]float64, error) {
	var data []float64
	if m, ok := o.(*vec.Mat); ok {
		if m.Rows != p.Rows || m.Cols != p.Cols {
			return nil, &vec.ShapeError{Fn: fn, Got: vec.MatShape(m.Rows, m.Cols), Want: vec.MatShape(p.Rows, p.Cols) + " (tensor " + p.Name + ")"}
		}
		data = m.Data
	} else if a, ok := o.(*tengo.Array); ok && len(a.Value) > 0 {
		if _, nested := a.Value[0].(*tengo.Array); nested {
			m, err := vec.MatOf(fn, "values", o)
			if err != nil {
				return nil, err
			}
			return values(fn, p, m)
		}
	}
	if data == nil {
		var err error
		if data, err = vec.Floats(fn, "values", o); err != nil {
			return nil, err
		}
		if len(data) != len(p.Data) {
			return nil, &vec.ShapeError{Fn: fn, Got: vec.Shape(o), Want: fmt.Sprintf("%d values (tensor %s is %s)", len(p.Data), p.Name, vec.MatShape(p.Rows, p.Cols))}
		}
	}
	return data, nil
}

// checkIdle refuses to change a tensor (what names it) while an episode
// runs: its steps so far ran with the old values, and net.end's gradient
// would be that of no loss at all (e.g. -0.0110 for -0.0196 by finite
// differences). Reads (get, grad) are fine.
func (n *Network) checkIdle(fn, what string) error {
	if !n.Net.Running() {
		return nil
	}
	return lib.Errorf(fn, "cannot change %s between net.reset() and net.end(): the episode's steps so far ran with the old values, so the gradient net.end() computes would be of neither; do it before the episode's first step or after net.end()", what)
}

// setTensor sets the tensor named by the first argument to the values of
// the second.
func (n *Network) setTensor(fn string, args []tengo.Object) (*bohp.Param, error) {
	var p *bohp.Param
	var o tengo.Object
	if err := lib.UnpackArgs(fn, args, "name, values", n.tensor(&p), &o); err != nil {
		return nil, err
	}
	data, err := values(fn, p, o)
	if err != nil {
		return nil, err
	}
	if err := n.checkIdle(fn, p.Name); err != nil {
		return nil, err
	}
	if err := p.Set(data); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return p, nil
}

func netSet(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if _, err := n.setTensor(fn, args); err != nil {
		return nil, err
	}
	return tengo.UndefinedValue, nil
}

func netFix(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	p, err := n.setTensor(fn, args)
	if err != nil {
		return nil, err
	}
	p.Frozen = true
	return tengo.UndefinedValue, nil
}

func netConstrain(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var p *bohp.Param
	var opts map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "name, opts", n.tensor(&p), &opts); err != nil {
		return nil, err
	}
	sign, frozen := p.Sign, p.Frozen // unchanged unless given
	if err := lib.UnpackOptions(fn, "", opts, "sign?, frozen?", &sign, &frozen); err != nil {
		return nil, err
	}
	if sign != p.Sign {
		if err := n.checkIdle(fn, p.Name); err != nil { // the sign projects the values
			return nil, err
		}
		if err := p.SetSign(sign); err != nil {
			return nil, lib.EngineError(fn, err)
		}
	}
	p.Frozen = frozen
	return tengo.UndefinedValue, nil
}

func netLayers(n *Network, _ string) (tengo.Object, error) {
	var out []tengo.Object
	for _, l := range n.Net.Layers {
		m := map[string]tengo.Object{
			"name": &tengo.String{Value: l.Name}, "in": lib.FromInt(l.In), "out": lib.FromInt(l.Out),
			"act": &tengo.String{Value: l.Act.String()}, "plastic": lib.FromBool(l.Plastic()),
			"recurrent": lib.FromBool(l.Recurrent()),
		}
		if l.Recurrent() {
			m["input"] = &tengo.String{Value: l.Input.String()}
			m["learn_rate"] = &tengo.String{Value: l.LearnRate.String()}
			m["precision"] = &tengo.String{Value: l.Precision.String()}
		}
		if l.Rule != nil {
			m["rule"] = &tengo.String{Value: l.Rule.Name()}
			for k, v := range bohp.RuleSettings(l.Rule) {
				m[k] = lib.FromFloat(v)
				if st, _ := ruleSetting(k); st.Flag {
					m[k] = lib.FromBool(v == 1)
				}
			}
		}
		out = append(out, &tengo.Map{Value: m})
	}
	return &tengo.Array{Value: out}, nil
}

func netTraces(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var l *bohp.Layer
	if err := lib.UnpackArgs(fn, args, "layer", n.layer(&l)); err != nil {
		return nil, err
	}
	if !l.Plastic() {
		return nil, lib.Errorf(fn, "layer %s is not plastic", l.Name)
	}
	rows, cols := l.TraceShape()
	return vec.NewMat(rows, cols, slices.Clone(l.Traces())), nil
}

func netOutput(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var l *bohp.Layer
	if err := lib.UnpackArgs(fn, args, "layer", n.layer(&l)); err != nil {
		return nil, err
	}
	return vec.New(slices.Clone(l.Output())), nil
}

// modLayer reads a layer argument that must have the given rules.
func (n *Network) modLayer(fn string, args []tengo.Object, what string, rules ...string) (*bohp.Layer, error) {
	var l *bohp.Layer
	if err := lib.UnpackArgs(fn, args, "layer", n.layer(&l)); err != nil {
		return nil, err
	}
	if l.Rule == nil || !slices.Contains(rules, l.Rule.Name()) {
		return nil, lib.Errorf(fn, "layer %s (rule %s) has no %s: only %s layers have one", l.Name, ruleName(l), what, strings.Join(rules, " and "))
	}
	if n.Net.Steps() == 0 {
		return nil, lib.Errorf(fn, "no step has been run since the episode started")
	}
	return l, nil
}

// ruleName names a layer's rule, "none" for a non-plastic layer.
func ruleName(l *bohp.Layer) string {
	if l.Rule == nil {
		return "none"
	}
	return l.Rule.Name()
}

func netModulation(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	l, err := n.modLayer(fn, args, "modulation", "modulated", "retroactive")
	if err != nil {
		return nil, err
	}
	return vec.New(slices.Clone(l.Modulation())), nil
}

func netEligibility(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	l, err := n.modLayer(fn, args, "eligibility trace", "retroactive")
	if err != nil {
		return nil, err
	}
	rows, cols := l.TraceShape()
	return vec.NewMat(rows, cols, slices.Clone(l.Eligibility())), nil
}

func netEngine(n *Network, _ string) (tengo.Object, error) {
	return &tengo.String{Value: n.Net.Engine().String()}, nil
}

func netSetEngine(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var s string
	if err := lib.UnpackArgs(fn, args, "name", &s); err != nil {
		return nil, err
	}
	e, err := bohp.ParseEngine(s)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	if err := n.Net.SetEngine(e); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netGradcheck(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var opts map[string]tengo.Object
	eps := 1e-3
	if err := lib.UnpackArgs(fn, args, "opts?", &opts); err != nil {
		return nil, err
	}
	if err := lib.UnpackOptions(fn, "", opts, "eps?", &eps); err != nil {
		return nil, err
	}
	res, err := n.Net.GradCheckContext(n.env.Context(), eps)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	out := map[string]tengo.Object{
		"max_rel_err": lib.FromFloat(res.MaxRelErr),
		"max_abs_err": lib.FromFloat(res.MaxAbsErr),
		"worst":       &tengo.String{Value: res.Worst},
		"approximate": lib.FromBool(res.Approximate),
	}
	if res.Approximate {
		out["note"] = &tengo.String{Value: fmt.Sprintf("the %s engine's gradient is approximate (the 2016 code's approximations), so it differs from finite differences by design; check the task with the forward or bptt engine", n.Net.Engine())}
	}
	return &tengo.Map{Value: out}, nil
}

// fileArgs reads the arguments of save and diagram: a path, resolved in
// the run's output directory, and an options map (nil when not given).
func fileArgs(fn string, args []tengo.Object) (string, map[string]tengo.Object, error) {
	var path string
	var opts map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "path, opts?", &path, &opts); err != nil {
		return "", nil, err
	}
	return path, opts, nil
}

func netSave(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	path, opts, err := fileArgs(fn, args)
	if err != nil {
		return nil, err
	}
	var o *Optimizer
	var meta map[string]tengo.Object
	if err := lib.UnpackOptions(fn, "", opts, "optimizer?, meta?", lib.Object("optimizer", &o), &meta); err != nil {
		return nil, err
	}
	var opt bohp.Optimizer
	if o != nil {
		opt = o.Opt
	}
	var metaGo map[string]any
	if meta != nil {
		v, err := yamlmod.ToGo(&tengo.Map{Value: meta}) // written as yaml.write writes it
		if err != nil {
			return nil, lib.Errorf(fn, "meta: %v", err)
		}
		metaGo = v.(map[string]any)
	}
	return n.write(fn, path, func(full string) error {
		return n.env.WriteFile(full, func(w io.Writer) error { return bohp.SaveCheckpoint(w, n.Net, opt, metaGo) })
	})
}

// write writes a file of the network at path (relative paths: in the
// run's output directory) with save, and returns the full path.
func (n *Network) write(fn, path string, save func(full string) error) (tengo.Object, error) {
	full, err := n.env.WritePath(fn, path)
	if err != nil {
		return nil, err
	}
	if err := save(full); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return &tengo.String{Value: full}, nil
}

// DiagramLayers converts a network into the diagram's input.
func DiagramLayers(net *bohp.Network) []figures.DiagramLayer {
	var out []figures.DiagramLayer
	for _, l := range net.Layers {
		d := figures.DiagramLayer{Name: l.Name, In: l.In, Out: l.Out, W: l.W.Data, Plastic: l.Plastic(), Activation: l.Act.String(), Recurrent: l.Recurrent()}
		if l.WIn != nil {
			d.Input = l.WIn.Data
		}
		if l.Plastic() {
			d.Alpha, d.Trace = l.Alpha.Data, bohp.TraceName(l.Rule)
		}
		out = append(out, d)
	}
	return out
}

func netDiagram(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	path, opts, err := fileArgs(fn, args)
	if err != nil {
		return nil, err
	}
	opt := figures.DiagramOptions{Threshold: figures.DefaultThreshold}
	if err := lib.UnpackOptions(fn, "", opts, "title?, threshold?", &opt.Title, &opt.Threshold); err != nil {
		return nil, err
	}
	if opt.Threshold < 0 || opt.Threshold > 1 || math.IsNaN(opt.Threshold) {
		return nil, lib.Errorf(fn, "threshold must be in [0, 1], got %v", opt.Threshold)
	}
	if opt.Threshold == 0 { // every nonzero connection: figures reads 0 as its default
		opt.Threshold = -1
	}
	return n.write(fn, path, func(full string) error {
		opt.Files = n.env.UnsyncedFor(full)
		return figures.WriteDiagram(full, DiagramLayers(n.Net), opt)
	})
}
