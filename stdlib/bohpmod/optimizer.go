package bohpmod

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// optimizer makes bohp.rmsprop, bohp.sgd and bohp.adam: an optimizer of
// bohp's registry with the settings in opts.
func optimizer(name string) func(*lib.Env, string, []tengo.Object) (tengo.Object, error) {
	return func(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
		var opts map[string]tengo.Object
		if err := lib.UnpackArgs(fn, args, "opts?", &opts); err != nil {
			return nil, err
		}
		settings := map[string]float64{}
		for _, k := range slices.Sorted(maps.Keys(opts)) {
			var v float64
			if err := lib.UnpackArg(fn, k, opts[k], &v); err != nil {
				return nil, err
			}
			settings[k] = v
		}
		opt, err := bohp.NewOptimizer(name, settings)
		if err != nil {
			return nil, lib.EngineError(fn, err)
		}
		return newOptimizerObject(opt), nil
	}
}

// Optimizer is the script object wrapping a bohp.Optimizer.
type Optimizer struct {
	lib.Base
	Opt     bohp.Optimizer
	methods lib.Bound
}

// optMethods is the method table of optimizer objects; it is also their
// documentation.
var optMethods = lib.NewMethodSet("optimizer",
	lib.Def("update", "(net network) -> bool", "apply one update to every trained, non-frozen tensor of net from its gradient (call after net.end or net.episode, not mid-episode); with a batch of n, add the gradient and update at every n-th call; returns whether it updated", optUpdate),
	lib.DefNoArgs("name", "() -> string", "the optimizer's name (rmsprop, sgd, adam)", func(o *Optimizer, _ string) (tengo.Object, error) {
		return &tengo.String{Value: o.Opt.Name()}, nil
	}),
	lib.DefNoArgs("settings", "() -> map", "the optimizer's hyperparameters", func(o *Optimizer, _ string) (tengo.Object, error) {
		m := map[string]tengo.Object{}
		for k, v := range o.Opt.Settings() {
			m[k] = lib.FromFloat(v)
		}
		return &tengo.Map{Value: m}, nil
	}),
	lib.DefNoArgs("updates", "() -> int", "number of updates applied so far", func(o *Optimizer, _ string) (tengo.Object, error) {
		return lib.FromInt(o.Opt.Updates()), nil
	}),
)

func optUpdate(o *Optimizer, fn string, args []tengo.Object) (tengo.Object, error) {
	var n *Network
	if err := lib.UnpackArgs(fn, args, "net", lib.Object("network", &n)); err != nil {
		return nil, err
	}
	if err := n.checkIdle(fn, "the tensors of net"); err != nil {
		return nil, err
	}
	before := o.Opt.Updates()
	if err := o.Opt.Update(n.Net.Params()); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	return lib.FromBool(o.Opt.Updates() > before), nil
}

func newOptimizerObject(opt bohp.Optimizer) *Optimizer { return &Optimizer{Opt: opt} }

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
	return optMethods.Get(o, &o.methods, i)
}
