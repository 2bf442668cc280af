package bohpmod

import (
	"context"
	"fmt"
	"maps"
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
	methods lib.Methods
}

// netMethods is the method table of network objects; it is also their
// documentation.
var netMethods = []method[*Network]{
	{"reset", "() -> undefined", "start an episode: traces, gradients and the engine's state are zeroed", netReset},
	{"step", "(x vec|array) -> vec", "run one step on input x and return the output (a copy); traces update when the next step starts", netStep},
	{"score", "(loss string, target vec|array[, weight number]) -> float", "add weight (default 1) × loss(output, target) of this step to the episode loss and return the unweighted loss; loss: sse, l1, cross_entropy; weight 0 scores nothing", netScore},
	{"score_grad", "(value number, grad vec|array) -> undefined", "add a loss computed in script: its value and its gradient with respect to this step's output", netScoreGrad},
	{"end", "() -> float", "end the episode: every tensor's gradient of the summed weighted loss is computed; returns that loss", netEnd},
	{"episode", "(inputs mat, targets mat, weights vec|array|number, loss string) -> map", "reset, run every row of inputs as a step scored against the same row of targets with its weight, end; returns {loss: weighted sum, losses: vec of unweighted per-step losses, outputs: mat}", netEpisode},
	{"tensors", "() -> array", "names of the trained tensors, e.g. [\"l0.w\", \"l0.alpha\", \"l0.b\", ...]", netTensors},
	{"get", "(name string) -> mat", "a copy of a tensor's values (rows × cols; biases are rows × 1)", netGet},
	{"set", "(name string, values mat|vec|array) -> undefined", "set a tensor's values (same number of elements; sign constraints apply)", netSet},
	{"grad", "(name string) -> mat", "a copy of a tensor's gradient from the last episode", netGrad},
	{"constrain", "(name string, opts map) -> undefined", "per-tensor options: {sign: 1 (>= 0) | -1 (<= 0) | 0, frozen: bool}", netConstrain},
	{"fix", "(name string, values mat|vec|array) -> undefined", "set a tensor to values and freeze it (e.g. an identity readout)", netFix},
	{"layers", "() -> array", "one map per layer: {name, in, out, act, plastic, rule, retention|rate}", netLayers},
	{"traces", "(layer string) -> mat", "a copy of a plastic layer's current Hebbian traces (out × in)", netTraces},
	{"output", "(layer string) -> vec", "a copy of a layer's output at the current step", netOutput},
	{"engine", "() -> string", "the gradient engine: bptt or forward", netEngine},
	{"set_engine", "(name string) -> undefined", "switch the gradient engine (bptt or forward); resets the episode", netSetEngine},
	{"gradcheck", "([opts map]) -> map", "replay the last episode and compare the gradient with 4th-order central differences: {max_rel_err, max_abs_err, worst}; opts: {eps: 1e-3}; an episode scored with score_grad cannot be replayed (check such a loss against score's built-in losses instead)", netGradcheck},
	{"save", "(path string[, opts map]) -> string", "write a YAML checkpoint (atomically) and return its path; relative paths go to the run's output directory; opts: {optimizer, meta}", netSave},
	{"diagram", "(path string[, opts map]) -> string", "draw the network as SVG (fixed/plastic, excitatory/inhibitory, width by strength); opts: {title, threshold: fraction of the largest |value| below which connections are left out (0.05)}", netDiagram},
}

func newNetworkObject(env *lib.Env, net *bohp.Network) *Network {
	n := &Network{Net: net, env: env}
	n.methods = bindMethods("network", n, netMethods)
	return n
}

func (n *Network) TypeName() string { return "network" }

// String describes the architecture, e.g.
// network(10 -> 2 tanh hebb(0.98) -> 2 softmax; bptt).
func (n *Network) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "network(%d", n.Net.In)
	for _, l := range n.Net.Layers {
		fmt.Fprintf(&b, " -> %d %s", l.Out, l.Act)
		if l.Rule != nil {
			s := l.Rule.Settings()
			for _, k := range slices.Sorted(maps.Keys(s)) {
				fmt.Fprintf(&b, " %s(%s=%g)", l.Rule.Name(), k, s[k])
			}
		}
	}
	fmt.Fprintf(&b, "; %s)", n.Net.Engine())
	return b.String()
}

// Copy clones the network (architecture, tensors, options); the clone
// starts a fresh episode.
func (n *Network) Copy() tengo.Object {
	c, err := cloneNetwork(n.Net)
	if err != nil {
		return n
	}
	return newNetworkObject(n.env, c)
}

func (n *Network) Equals(x tengo.Object) bool { return x == tengo.Object(n) }

func (n *Network) IndexGet(i tengo.Object) (tengo.Object, error) {
	return n.methods.Get("network", i)
}

func engineErr(fn string, err error) error { return lib.Errorf(fn, "%v", err) }

func netReset(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	n.Net.Reset()
	return tengo.UndefinedValue, nil
}

func netStep(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := vec.Floats(fn, "x", args[0])
	if err != nil {
		return nil, err
	}
	if len(x) != n.Net.In {
		return nil, &vec.ShapeError{Fn: fn, Got: vec.Shape(args[0]), Want: vec.VecShape(n.Net.In) + " (the network's input size)"}
	}
	y, err := n.Net.Step(x)
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return vec.New(append([]float64(nil), y...)), nil
}

func parseLoss(fn string, o tengo.Object) (bohp.Loss, error) {
	s, err := lib.String(fn, "loss", o)
	if err != nil {
		return 0, err
	}
	l, err := bohp.ParseLoss(s)
	if err != nil {
		return 0, lib.Errorf(fn, "%v", err)
	}
	return l, nil
}

func netScore(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 3); err != nil {
		return nil, err
	}
	loss, err := parseLoss(fn, args[0])
	if err != nil {
		return nil, err
	}
	target, err := vec.Floats(fn, "target", args[1])
	if err != nil {
		return nil, err
	}
	if len(target) != n.Net.Out() {
		return nil, &vec.ShapeError{Fn: fn, Got: vec.Shape(args[1]), Want: vec.VecShape(n.Net.Out()) + " (the output size)"}
	}
	w := 1.0
	if len(args) == 3 {
		if w, err = lib.Float(fn, "weight", args[2]); err != nil {
			return nil, err
		}
	}
	v, err := n.Net.Score(loss, target, w)
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return lib.FromFloat(v), nil
}

func netScoreGrad(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	v, err := lib.Float(fn, "value", args[0])
	if err != nil {
		return nil, err
	}
	g, err := vec.Floats(fn, "grad", args[1])
	if err != nil {
		return nil, err
	}
	if len(g) != n.Net.Out() {
		return nil, &vec.ShapeError{Fn: fn, Got: vec.Shape(args[1]), Want: vec.VecShape(n.Net.Out()) + " (the output size)"}
	}
	if err := n.Net.ScoreGrad(v, g); err != nil {
		return nil, engineErr(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netEnd(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	l, err := n.Net.EndEpisode()
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return lib.FromFloat(l), nil
}

func netEpisode(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 4, 4); err != nil {
		return nil, err
	}
	X, err := vec.MatOf(fn, "inputs", args[0])
	if err != nil {
		return nil, err
	}
	Y, err := vec.MatOf(fn, "targets", args[1])
	if err != nil {
		return nil, err
	}
	if X.Cols != n.Net.In {
		return nil, &vec.ShapeError{Fn: fn, Got: "inputs " + vec.MatShape(X.Rows, X.Cols), Want: fmt.Sprintf("%d columns (the network's input size)", n.Net.In)}
	}
	if Y.Rows != X.Rows || Y.Cols != n.Net.Out() {
		return nil, &vec.ShapeError{Fn: fn, Got: "targets " + vec.MatShape(Y.Rows, Y.Cols), Want: vec.MatShape(X.Rows, n.Net.Out()) + " (a row per input row, a column per output)"}
	}
	T := X.Rows
	var weights []float64
	uniform := 1.0
	switch w := args[2].(type) {
	case *tengo.Int, *tengo.Float:
		uniform, _ = lib.Float(fn, "weights", w)
	default:
		if weights, err = vec.Floats(fn, "weights", args[2]); err != nil {
			return nil, err
		}
		if len(weights) != T {
			return nil, &vec.ShapeError{Fn: fn, Got: "weights " + vec.Shape(args[2]), Want: vec.VecShape(T) + " (one per step)"}
		}
	}
	loss, err := parseLoss(fn, args[3])
	if err != nil {
		return nil, err
	}
	out := n.Net.Out()
	losses := make([]float64, T)
	outputs := make([]float64, T*out)
	n.Net.Reset()
	for t := 0; t < T; t++ {
		if t&15 == 15 {
			if err := n.env.Cancelled(fn); err != nil {
				return nil, err
			}
		}
		y, err := n.Net.Step(X.Data[t*X.Cols : (t+1)*X.Cols])
		if err != nil {
			return nil, engineErr(fn, err)
		}
		copy(outputs[t*out:], y)
		w := uniform
		if weights != nil {
			w = weights[t]
		}
		if losses[t], err = n.Net.Score(loss, Y.Data[t*out:(t+1)*out], w); err != nil {
			return nil, engineErr(fn, err)
		}
	}
	total, err := n.Net.EndEpisode()
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return &tengo.Map{Value: map[string]tengo.Object{
		"loss":    lib.FromFloat(total),
		"losses":  vec.New(losses),
		"outputs": vec.NewMat(T, out, outputs),
	}}, nil
}

func (n *Network) param(fn string, o tengo.Object) (*bohp.Param, error) {
	name, err := lib.String(fn, "name", o)
	if err != nil {
		return nil, err
	}
	p := n.Net.Param(name)
	if p == nil {
		var names []string
		for _, q := range n.Net.Params() {
			names = append(names, q.Name)
		}
		return nil, lib.Errorf(fn, "no tensor %q (tensors: %s)", name, strings.Join(names, ", "))
	}
	return p, nil
}

func (n *Network) layer(fn string, o tengo.Object) (*bohp.Layer, error) {
	name, err := lib.String(fn, "layer", o)
	if err != nil {
		return nil, err
	}
	l := n.Net.Layer(name)
	if l == nil {
		var names []string
		for _, q := range n.Net.Layers {
			names = append(names, q.Name)
		}
		return nil, lib.Errorf(fn, "no layer %q (layers: %s)", name, strings.Join(names, ", "))
	}
	return l, nil
}

func netTensors(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	var out []tengo.Object
	for _, p := range n.Net.Params() {
		out = append(out, &tengo.String{Value: p.Name})
	}
	return &tengo.Array{Value: out}, nil
}

func netGet(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	p, err := n.param(fn, args[0])
	if err != nil {
		return nil, err
	}
	return vec.NewMat(p.Rows, p.Cols, append([]float64(nil), p.Data...)), nil
}

func netGrad(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	p, err := n.param(fn, args[0])
	if err != nil {
		return nil, err
	}
	return vec.NewMat(p.Rows, p.Cols, append([]float64(nil), p.Grad...)), nil
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

func netSet(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	p, err := n.param(fn, args[0])
	if err != nil {
		return nil, err
	}
	data, err := values(fn, p, args[1])
	if err != nil {
		return nil, err
	}
	if err := p.Set(data); err != nil {
		return nil, engineErr(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netFix(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if _, err := netSet(n, fn, args); err != nil {
		return nil, err
	}
	p, _ := n.param(fn, args[0])
	p.Frozen = true
	return tengo.UndefinedValue, nil
}

func netConstrain(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	p, err := n.param(fn, args[0])
	if err != nil {
		return nil, err
	}
	opts, err := lib.Map(fn, "opts", args[1])
	if err != nil {
		return nil, err
	}
	if err := lib.Options(fn, opts, "sign", "frozen"); err != nil {
		return nil, err
	}
	if o := opts["sign"]; o != nil {
		s, err := lib.Int(fn, "sign", o)
		if err != nil {
			return nil, err
		}
		if err := p.SetSign(s); err != nil {
			return nil, engineErr(fn, err)
		}
	}
	if o := opts["frozen"]; o != nil {
		f, err := lib.Bool(fn, "frozen", o)
		if err != nil {
			return nil, err
		}
		p.Frozen = f
	}
	return tengo.UndefinedValue, nil
}

func netLayers(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	var out []tengo.Object
	for _, l := range n.Net.Layers {
		m := map[string]tengo.Object{
			"name": &tengo.String{Value: l.Name}, "in": lib.FromInt(l.In), "out": lib.FromInt(l.Out),
			"act": &tengo.String{Value: l.Act.String()}, "plastic": lib.FromBool(l.Plastic()),
		}
		if l.Rule != nil {
			m["rule"] = &tengo.String{Value: l.Rule.Name()}
			for k, v := range l.Rule.Settings() {
				m[k] = lib.FromFloat(v)
			}
		}
		out = append(out, &tengo.Map{Value: m})
	}
	return &tengo.Array{Value: out}, nil
}

func netTraces(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	l, err := n.layer(fn, args[0])
	if err != nil {
		return nil, err
	}
	if !l.Plastic() {
		return nil, lib.Errorf(fn, "layer %s is not plastic", l.Name)
	}
	return vec.NewMat(l.Out, l.In, append([]float64(nil), l.Traces()...)), nil
}

func netOutput(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	l, err := n.layer(fn, args[0])
	if err != nil {
		return nil, err
	}
	return vec.New(append([]float64(nil), l.Output()...)), nil
}

func netEngine(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	return &tengo.String{Value: n.Net.Engine().String()}, nil
}

func netSetEngine(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	s, err := lib.String(fn, "name", args[0])
	if err != nil {
		return nil, err
	}
	e, err := bohp.ParseEngine(s)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	if err := n.Net.SetEngine(e); err != nil {
		return nil, engineErr(fn, err)
	}
	return tengo.UndefinedValue, nil
}

func netGradcheck(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 1); err != nil {
		return nil, err
	}
	eps := 1e-3
	if len(args) == 1 {
		opts, err := lib.Map(fn, "opts", args[0])
		if err != nil {
			return nil, err
		}
		if err := lib.Options(fn, opts, "eps"); err != nil {
			return nil, err
		}
		if o := opts["eps"]; o != nil {
			if eps, err = lib.Float(fn, "eps", o); err != nil {
				return nil, err
			}
		}
	}
	ctx := n.env.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := n.Net.GradCheckContext(ctx, eps)
	if err != nil {
		return nil, engineErr(fn, err)
	}
	return &tengo.Map{Value: map[string]tengo.Object{
		"max_rel_err": lib.FromFloat(res.MaxRelErr),
		"max_abs_err": lib.FromFloat(res.MaxAbsErr),
		"worst":       &tengo.String{Value: res.Worst},
	}}, nil
}

func netSave(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 2); err != nil {
		return nil, err
	}
	path, err := lib.String(fn, "path", args[0])
	if err != nil {
		return nil, err
	}
	var opt bohp.Optimizer
	var meta map[string]any
	if len(args) == 2 {
		opts, err := lib.Map(fn, "opts", args[1])
		if err != nil {
			return nil, err
		}
		if err := lib.Options(fn, opts, "optimizer", "meta"); err != nil {
			return nil, err
		}
		if o := opts["optimizer"]; o != nil {
			oo, ok := o.(*Optimizer)
			if !ok {
				return nil, lib.Errorf(fn, "option optimizer must be an optimizer, got %s", lib.Describe(o))
			}
			opt = oo.Opt
		}
		if o := opts["meta"]; o != nil {
			if _, err := lib.Map(fn, "meta", o); err != nil {
				return nil, err
			}
			v, err := yamlmod.ToGo(o) // written as yaml.write writes it
			if err != nil {
				return nil, lib.Errorf(fn, "meta: %v", err)
			}
			meta = v.(map[string]any)
		}
	}
	full, err := writePath(n.env, path)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	if err := bohp.SaveCheckpointFile(full, n.Net, opt, meta); err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	return &tengo.String{Value: full}, nil
}

// DiagramLayers converts a network into the diagram's input.
func DiagramLayers(net *bohp.Network) []figures.DiagramLayer {
	var out []figures.DiagramLayer
	for _, l := range net.Layers {
		d := figures.DiagramLayer{Name: l.Name, In: l.In, Out: l.Out, W: l.W.Data, Plastic: l.Plastic(), Activation: l.Act.String()}
		if l.Plastic() {
			d.Alpha = l.Alpha.Data
		}
		out = append(out, d)
	}
	return out
}

func netDiagram(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 2); err != nil {
		return nil, err
	}
	path, err := lib.String(fn, "path", args[0])
	if err != nil {
		return nil, err
	}
	opt := figures.DiagramOptions{}
	if len(args) == 2 {
		opts, err := lib.Map(fn, "opts", args[1])
		if err != nil {
			return nil, err
		}
		if err := lib.Options(fn, opts, "title", "threshold"); err != nil {
			return nil, err
		}
		if o := opts["title"]; o != nil {
			if opt.Title, err = lib.String(fn, "title", o); err != nil {
				return nil, err
			}
		}
		if o := opts["threshold"]; o != nil {
			if opt.Threshold, err = lib.Float(fn, "threshold", o); err != nil {
				return nil, err
			}
			if opt.Threshold < 0 || opt.Threshold > 1 || math.IsNaN(opt.Threshold) {
				return nil, lib.Errorf(fn, "threshold must be in [0, 1], got %v", opt.Threshold)
			}
		}
	}
	full, err := writePath(n.env, path)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	if err := figures.WriteDiagram(full, DiagramLayers(n.Net), opt); err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	return &tengo.String{Value: full}, nil
}
