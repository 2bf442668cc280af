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
			Doc:  networkDoc(),
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

// networkDoc documents bohp.network; the rules and their settings come
// from bohp's rule registry.
func networkDoc() string {
	var rules, settings, kinds []string
	for i, k := range bohp.RuleKinds() {
		name := k.Name
		if i == 0 {
			name += " (default when plastic)"
		}
		rules = append(rules, name)
		for _, st := range k.Settings {
			settings = append(settings, fmt.Sprintf("%s: %s, %s (required for %s)", st.Name, st.Doc, st.Range(), k.Name))
		}
		kinds = append(kinds, fmt.Sprintf("%s: %s", k.Name, k.Doc))
	}
	return "build a network: {inputs: int, layers: [layer, ...], engine: bptt (default) | forward, init: std of the N(0, std²) initial parameters (0.1)}; " +
		"layer: {size: int, act: tanh (default) | sigmoid | linear | softmax (last layer only), plastic: bool (false), rule: " + strings.Join(rules, " | ") + ", " +
		strings.Join(settings, ", ") + ", name: string (l0, l1, ...), init_abs: bool (draw the layer's weights as |N(0, std²)|, as the paper does for hidden-to-output)}; " +
		"rules: " + strings.Join(kinds, "; ")
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
	inputs int
	engine bohp.Engine
	std    float64
	layers []bohp.LayerSpec
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
		ls, err := layerSpec(fn, i, lo)
		if err != nil {
			return nil, err
		}
		ns.layers = append(ns.layers, ls)
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
	return net, nil
}

func layerSpec(fn string, i int, o tengo.Object) (bohp.LayerSpec, error) {
	name := fmt.Sprintf("layers[%d]", i)
	var s bohp.LayerSpec
	m, err := lib.Map(fn, name, o)
	if err != nil {
		return s, err
	}
	if err := lib.Options(fn+" "+name, m, append([]string{"size", "act", "plastic", "rule", "name", "init_abs"}, bohp.SettingNames()...)...); err != nil {
		return s, err
	}
	if m["size"] == nil {
		return s, lib.Errorf(fn, "%s needs a size", name)
	}
	if s.Out, err = lib.Int(fn, name+".size", m["size"]); err != nil {
		return s, err
	}
	s.Act = bohp.Tanh
	if a := m["act"]; a != nil {
		str, err := lib.String(fn, name+".act", a)
		if err != nil {
			return s, err
		}
		if s.Act, err = bohp.ParseActivation(str); err != nil {
			return s, lib.Errorf(fn, "%s: %v", name, err)
		}
	}
	if nm := m["name"]; nm != nil {
		if s.Name, err = lib.String(fn, name+".name", nm); err != nil {
			return s, err
		}
	}
	if s.Rule, err = layerRule(fn, name, m); err != nil {
		return s, err
	}
	if a := m["init_abs"]; a != nil {
		if s.InitAbs, err = lib.Bool(fn, name+".init_abs", a); err != nil {
			return s, err
		}
	}
	return s, nil
}

// layerRule builds a layer's plasticity rule from its options (plastic,
// rule and the settings in bohp's rule registry); nil when not plastic.
func layerRule(fn, name string, m map[string]tengo.Object) (bohp.Rule, error) {
	plastic := false
	if p := m["plastic"]; p != nil {
		var err error
		if plastic, err = lib.Bool(fn, name+".plastic", p); err != nil {
			return nil, err
		}
	}
	rule := bohp.RuleKinds()[0].Name
	if r := m["rule"]; r != nil {
		var err error
		if rule, err = lib.String(fn, name+".rule", r); err != nil {
			return nil, err
		}
		plastic = true
	}
	settings := map[string]float64{}
	for _, key := range bohp.SettingNames() {
		if v := m[key]; v != nil {
			f, err := lib.Float(fn, name+"."+key, v)
			if err != nil {
				return nil, err
			}
			settings[key] = f
		}
	}
	if !plastic {
		if len(settings) > 0 {
			return nil, lib.Errorf(fn, "%s: %s given for a layer that is not plastic (add plastic: true)", name, strings.Join(slices.Sorted(maps.Keys(settings)), ", "))
		}
		return nil, nil
	}
	r, err := bohp.NewRule(rule, settings)
	if err != nil {
		return nil, lib.Errorf(fn, "%s: %v", name, err)
	}
	return r, nil
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
			if diffs := ck.Network.DiffSpec(want.inputs, want.layers); diffs != nil {
				return nil, lib.Errorf(fn, "checkpoint %s does not fit the network spec: %s", path, diffs.Describe("the checkpoint", "the script"))
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
	fns := make(map[string]tengo.CallableFunc, len(table))
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
