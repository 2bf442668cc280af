// Package bohpmod is the Tengo module "bohp": plastic networks, episodes,
// losses, exact gradients, optimizers, tensors and checkpoints, as thin
// adapters over package bohp.
//
//	bohp.network(spec)      build a network (random N(0, init²) parameters from the run's RNG)
//	bohp.load(path)         read a checkpoint: {network, optimizer, meta}
//	bohp.rmsprop(opts)      the paper's RMSprop (eta, maxdw, l1, l2, decay, eps)
//	bohp.sgd(opts)          plain gradient descent (lr, l1, l2)
//	bohp.adam(opts)         Adam (lr, beta1, beta2, eps, l1, l2)
//
// A network object runs episodes step by step (reset, step, score, end) or
// whole (episode), exposes its tensors, gradients and traces, checks its
// gradient by finite differences, and saves checkpoints and diagrams. See
// the method table below (netMethods) for every method with its doc line.
package bohpmod

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Module is the script module "bohp".
var Module = &lib.Module{
	Name: "bohp",
	Doc:  "plastic networks (Hebbian traces), episodes, losses, exact gradients (forward or bptt), optimizers, checkpoints",
	Funcs: []lib.Func{
		{Name: "network", Args: "(spec map) -> network",
			Doc:  "build a network: {inputs: int, layers: [layer, ...], engine: bptt (default) | forward, init: std of the N(0, std²) initial parameters (0.1)}; layer: {size: int, act: tanh (default) | sigmoid | linear | softmax (last layer only), plastic: bool (false), rule: hebb (default when plastic) | oja, retention: the Hebbian trace retention g (required for hebb), rate: Oja's rate (required for oja), name: string (l0, l1, ...), init_abs: bool (draw the layer's weights as |N(0, std²)|, as the paper does for hidden-to-output)}",
			Make: makeNetwork},
		{Name: "load", Args: "(path string[, spec map]) -> map",
			Doc:  "read a checkpoint written by network.save: {network, optimizer (undefined if none), meta}; with a network spec (as for bohp.network), a checkpoint whose architecture differs is an error; relative paths: the working directory, then the script's",
			Make: makeLoad},
		{Name: "rmsprop", Args: "(opts map) -> optimizer",
			Doc:  "the paper's RMSprop: m = g² first, then m += decay (g² - m); p += clip(-eta g/sqrt(m+eps), ±maxdw); then l1/l2 penalties on weights and alphas. opts: eta, maxdw, l1, l2, decay (0.01), eps (1e-8)",
			Make: optimizerMaker("rmsprop")},
		{Name: "sgd", Args: "(opts map) -> optimizer",
			Doc:  "plain gradient descent p -= lr g, then l1/l2 penalties on weights and alphas. opts: lr, l1, l2",
			Make: optimizerMaker("sgd")},
		{Name: "adam", Args: "(opts map) -> optimizer",
			Doc:  "Adam with bias correction, then l1/l2 penalties on weights and alphas. opts: lr (0.001), beta1 (0.9), beta2 (0.999), eps (1e-8), l1, l2",
			Make: optimizerMaker("adam")},
	},
	Types: []lib.Type{
		{Name: "network", Doc: "a plastic network with its episode state; copy(net) makes an independent clone of its architecture, tensors and options that starts a fresh episode; == is identity", Methods: methodDocs(netMethods)},
		{Name: "optimizer", Doc: "an optimizer with its state; opt.update(net) after each episode", Methods: methodDocs(optMethods)},
	},
}

func makeNetwork(env *lib.Env) tengo.CallableFunc {
	return func(args ...tengo.Object) (tengo.Object, error) {
		const fn = "bohp.network"
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		spec, err := lib.Map(fn, "spec", args[0])
		if err != nil {
			return nil, err
		}
		net, err := buildNetwork(fn, env, spec)
		if err != nil {
			return nil, err
		}
		return newNetworkObject(env, net), nil
	}
}

// netSpec is a parsed network spec.
type netSpec struct {
	inputs  int
	engine  bohp.Engine
	std     float64
	layers  []bohp.LayerSpec
	absInit []bool
}

func parseSpec(fn string, spec map[string]tengo.Object) (*netSpec, error) {
	if err := lib.Options(fn, spec, "inputs", "layers", "engine", "init"); err != nil {
		return nil, err
	}
	if spec["inputs"] == nil || spec["layers"] == nil {
		return nil, lib.Errorf(fn, "spec needs inputs (int) and layers (array of maps)")
	}
	ns := &netSpec{engine: bohp.EngineBPTT, std: 0.1}
	var err error
	if ns.inputs, err = lib.Int(fn, "inputs", spec["inputs"]); err != nil {
		return nil, err
	}
	if o := spec["engine"]; o != nil {
		s, err := lib.String(fn, "engine", o)
		if err != nil {
			return nil, err
		}
		if ns.engine, err = bohp.ParseEngine(s); err != nil {
			return nil, lib.Errorf(fn, "%v", err)
		}
	}
	if o := spec["init"]; o != nil {
		if ns.std, err = lib.Float(fn, "init", o); err != nil {
			return nil, err
		}
		if ns.std < 0 || math.IsNaN(ns.std) || math.IsInf(ns.std, 0) {
			return nil, lib.Errorf(fn, "init must be a finite std >= 0, got %v", ns.std)
		}
	}
	layerObjs, err := lib.Array(fn, "layers", spec["layers"])
	if err != nil {
		return nil, err
	}
	for i, lo := range layerObjs {
		ls, abs, err := layerSpec(fn, i, lo)
		if err != nil {
			return nil, err
		}
		ns.layers = append(ns.layers, ls)
		ns.absInit = append(ns.absInit, abs)
	}
	return ns, nil
}

func buildNetwork(fn string, env *lib.Env, spec map[string]tengo.Object) (*bohp.Network, error) {
	ns, err := parseSpec(fn, spec)
	if err != nil {
		return nil, err
	}
	net, err := bohp.NewNetwork(ns.inputs, ns.engine, ns.layers...)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	net.InitNormal(env.RNG(), ns.std)
	for i, abs := range ns.absInit {
		if abs {
			w := net.Layers[i].W.Data
			for k, v := range w {
				w[k] = math.Abs(v)
			}
		}
	}
	return net, nil
}

// fits reports how a loaded network differs from a spec, or nil.
func (ns *netSpec) fits(net *bohp.Network) error {
	if net.In != ns.inputs {
		return fmt.Errorf("it has %d inputs, the spec %d", net.In, ns.inputs)
	}
	if len(net.Layers) != len(ns.layers) {
		return fmt.Errorf("it has %d layers, the spec %d", len(net.Layers), len(ns.layers))
	}
	for i, l := range net.Layers {
		s := ns.layers[i]
		if s.Name != "" && s.Name != l.Name {
			return fmt.Errorf("layer %d is named %q, the spec says %q", i, l.Name, s.Name)
		}
		if l.Out != s.Out || l.Act != s.Act {
			return fmt.Errorf("layer %s is %d %s cells, the spec %d %s", l.Name, l.Out, l.Act, s.Out, s.Act)
		}
		if (l.Rule == nil) != (s.Rule == nil) {
			return fmt.Errorf("layer %s is plastic in one and not in the other", l.Name)
		}
		if l.Rule != nil && (l.Rule.Name() != s.Rule.Name() || fmt.Sprint(l.Rule.Settings()) != fmt.Sprint(s.Rule.Settings())) {
			return fmt.Errorf("layer %s has rule %s%v, the spec %s%v", l.Name, l.Rule.Name(), l.Rule.Settings(), s.Rule.Name(), s.Rule.Settings())
		}
	}
	return nil
}

func layerSpec(fn string, i int, o tengo.Object) (bohp.LayerSpec, bool, error) {
	name := fmt.Sprintf("layers[%d]", i)
	m, err := lib.Map(fn, name, o)
	if err != nil {
		return bohp.LayerSpec{}, false, err
	}
	if err := lib.Options(fn+" "+name, m, "size", "act", "plastic", "rule", "retention", "rate", "name", "init_abs"); err != nil {
		return bohp.LayerSpec{}, false, err
	}
	var s bohp.LayerSpec
	if m["size"] == nil {
		return s, false, lib.Errorf(fn, "%s needs a size", name)
	}
	if s.Out, err = lib.Int(fn, name+".size", m["size"]); err != nil {
		return s, false, err
	}
	s.Act = bohp.Tanh
	if a := m["act"]; a != nil {
		str, err := lib.String(fn, name+".act", a)
		if err != nil {
			return s, false, err
		}
		if s.Act, err = bohp.ParseActivation(str); err != nil {
			return s, false, lib.Errorf(fn, "%s: %v", name, err)
		}
	}
	if nm := m["name"]; nm != nil {
		if s.Name, err = lib.String(fn, name+".name", nm); err != nil {
			return s, false, err
		}
	}
	plastic := false
	if p := m["plastic"]; p != nil {
		if plastic, err = lib.Bool(fn, name+".plastic", p); err != nil {
			return s, false, err
		}
	}
	rule := "hebb"
	if r := m["rule"]; r != nil {
		if rule, err = lib.String(fn, name+".rule", r); err != nil {
			return s, false, err
		}
		plastic = true
	}
	if plastic {
		settings := map[string]float64{}
		for _, key := range []string{"retention", "rate"} {
			if v := m[key]; v != nil {
				f, err := lib.Float(fn, name+"."+key, v)
				if err != nil {
					return s, false, err
				}
				settings[key] = f
			}
		}
		if s.Rule, err = bohp.NewRule(rule, settings); err != nil {
			return s, false, lib.Errorf(fn, "%s: %v", name, err)
		}
	} else if m["retention"] != nil || m["rate"] != nil {
		return s, false, lib.Errorf(fn, "%s: retention/rate given for a layer that is not plastic (add plastic: true)", name)
	}
	abs := false
	if a := m["init_abs"]; a != nil {
		if abs, err = lib.Bool(fn, name+".init_abs", a); err != nil {
			return s, false, err
		}
	}
	return s, abs, nil
}

func makeLoad(env *lib.Env) tengo.CallableFunc {
	return func(args ...tengo.Object) (tengo.Object, error) {
		const fn = "bohp.load"
		if err := lib.NArgs(fn, args, 1, 2); err != nil {
			return nil, err
		}
		path, err := lib.String(fn, "path", args[0])
		if err != nil {
			return nil, err
		}
		var want *netSpec
		if len(args) == 2 {
			m, err := lib.Map(fn, "spec", args[1])
			if err != nil {
				return nil, err
			}
			if want, err = parseSpec(fn, m); err != nil {
				return nil, err
			}
		}
		ck, err := bohp.LoadCheckpointFile(readPath(env, path))
		if err != nil {
			return nil, lib.Errorf(fn, "%v", err)
		}
		if want != nil {
			if err := want.fits(ck.Network); err != nil {
				return nil, lib.Errorf(fn, "checkpoint %s does not fit the network spec: %v", path, err)
			}
		}
		out := map[string]tengo.Object{"network": newNetworkObject(env, ck.Network), "optimizer": tengo.UndefinedValue}
		if ck.Optimizer != nil {
			out["optimizer"] = newOptimizerObject(ck.Optimizer)
		}
		meta, err := tengo.FromInterface(anyMap(ck.Meta))
		if err != nil {
			return nil, lib.Errorf(fn, "meta: %v", err)
		}
		out["meta"] = meta
		return &tengo.Map{Value: out}, nil
	}
}

// anyMap turns YAML-decoded values into ones tengo.FromInterface accepts.
func anyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = anyValue(v)
	}
	return out
}

func anyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return anyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = anyValue(e)
		}
		return out
	case int:
		return int64(x)
	}
	return v
}

// readPath resolves a path to read: absolute, else the working directory
// if it exists there, else the script's directory if it exists there, else
// the path as given (so the error names what the user typed).
func readPath(env *lib.Env, p string) string {
	if filepath.IsAbs(p) || env.ScriptDir == "" {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if q := filepath.Join(env.ScriptDir, p); fileExists(q) {
		return q
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writePath resolves a path to write: relative paths go into the run's
// output directory (when there is one); parent directories are created.
func writePath(env *lib.Env, p string) (string, error) {
	if !filepath.IsAbs(p) && env.OutDir != "" {
		p = filepath.Join(env.OutDir, p)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	return p, nil
}

func optimizerMaker(name string) func(env *lib.Env) tengo.CallableFunc {
	return func(env *lib.Env) tengo.CallableFunc {
		return func(args ...tengo.Object) (tengo.Object, error) {
			fn := "bohp." + name
			if err := lib.NArgs(fn, args, 0, 1); err != nil {
				return nil, err
			}
			settings := map[string]float64{}
			if len(args) == 1 {
				m, err := lib.Map(fn, "opts", args[0])
				if err != nil {
					return nil, err
				}
				for k, v := range m {
					f, err := lib.Float(fn, k, v)
					if err != nil {
						return nil, err
					}
					settings[k] = f
				}
			}
			opt, err := bohp.NewOptimizer(name, settings)
			if err != nil {
				return nil, lib.Errorf(fn, "%v", err)
			}
			return newOptimizerObject(opt), nil
		}
	}
}

// Optimizer is the script object wrapping a bohp.Optimizer.
type Optimizer struct {
	lib.Base
	Opt     bohp.Optimizer
	methods lib.Methods
}

// method is one documented method of an object type T: the table of a type
// is both its implementation and its documentation.
type method[T any] struct {
	name, args, doc string
	f               func(self T, fn string, args []tengo.Object) (tengo.Object, error)
}

var optMethods = []method[*Optimizer]{
	{"update", "(net network) -> undefined", "apply one update to every trained, non-frozen tensor of net from its gradient (call after net.end or net.episode)",
		func(o *Optimizer, fn string, args []tengo.Object) (tengo.Object, error) {
			if err := lib.NArgs(fn, args, 1, 1); err != nil {
				return nil, err
			}
			n, ok := args[0].(*Network)
			if !ok {
				return nil, lib.Errorf(fn, "argument net must be a network, got %s", lib.Describe(args[0]))
			}
			if err := o.Opt.Update(n.Net.Params()); err != nil {
				return nil, lib.Errorf(fn, "%v", err)
			}
			return tengo.UndefinedValue, nil
		}},
	{"name", "() -> string", "the optimizer's name (rmsprop, sgd, adam)",
		func(o *Optimizer, fn string, args []tengo.Object) (tengo.Object, error) {
			if err := lib.NArgs(fn, args, 0, 0); err != nil {
				return nil, err
			}
			return &tengo.String{Value: o.Opt.Name()}, nil
		}},
	{"settings", "() -> map", "the optimizer's hyperparameters",
		func(o *Optimizer, fn string, args []tengo.Object) (tengo.Object, error) {
			if err := lib.NArgs(fn, args, 0, 0); err != nil {
				return nil, err
			}
			m := map[string]tengo.Object{}
			for k, v := range o.Opt.Settings() {
				m[k] = lib.FromFloat(v)
			}
			return &tengo.Map{Value: m}, nil
		}},
	{"updates", "() -> int", "number of updates applied so far",
		func(o *Optimizer, fn string, args []tengo.Object) (tengo.Object, error) {
			if err := lib.NArgs(fn, args, 0, 0); err != nil {
				return nil, err
			}
			_, u := o.Opt.State()
			return lib.FromInt(u), nil
		}},
}

func methodDocs[T any](table []method[T]) []lib.Method {
	out := make([]lib.Method, len(table))
	for i, m := range table {
		out[i] = lib.Method{Name: m.name, Args: m.args, Doc: m.doc}
	}
	return out
}

// bindMethods binds a method table to one object, for lib.Methods lookups.
func bindMethods[T any](typeName string, self T, table []method[T]) lib.Methods {
	fns := make(map[string]lib.MethodFunc, len(table))
	for _, m := range table {
		fn := typeName + "." + m.name
		fns[m.name] = func(args ...tengo.Object) (tengo.Object, error) { return m.f(self, fn, args) }
	}
	return lib.Bind(typeName, fns)
}

func newOptimizerObject(opt bohp.Optimizer) *Optimizer {
	o := &Optimizer{Opt: opt}
	o.methods = bindMethods("optimizer", o, optMethods)
	return o
}

func (o *Optimizer) TypeName() string { return "optimizer" }
func (o *Optimizer) String() string {
	var parts []string
	s := o.Opt.Settings()
	for _, k := range slices.Sorted(maps.Keys(s)) {
		parts = append(parts, fmt.Sprintf("%s=%g", k, s[k]))
	}
	return fmt.Sprintf("optimizer(%s %s)", o.Opt.Name(), strings.Join(parts, " "))
}

// Copy makes an optimizer with the same settings and state.
func (o *Optimizer) Copy() tengo.Object {
	opt, err := bohp.NewOptimizer(o.Opt.Name(), o.Opt.Settings())
	if err != nil {
		return o // cannot happen: settings come from a valid optimizer
	}
	st, u := o.Opt.State()
	_ = opt.SetState(st, u)
	return newOptimizerObject(opt)
}
func (o *Optimizer) Equals(x tengo.Object) bool { return x == tengo.Object(o) }
func (o *Optimizer) IndexGet(i tengo.Object) (tengo.Object, error) {
	return o.methods.Get("optimizer", i)
}

// cloneNetwork copies a network through its checkpoint form.
func cloneNetwork(n *bohp.Network) (*bohp.Network, error) {
	var buf bytes.Buffer
	if err := bohp.SaveCheckpoint(&buf, n, nil, nil); err != nil {
		return nil, err
	}
	ck, err := bohp.LoadCheckpoint(&buf)
	if err != nil {
		return nil, err
	}
	return ck.Network, nil
}
