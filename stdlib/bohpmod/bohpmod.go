// Package bohpmod is the Tengo module "bohp": plastic networks, episodes,
// losses, exact gradients, optimizers, tensors and checkpoints, as thin
// adapters over package bohp.
//
//	bohp.network(spec)      build a network (random N(0, init²) parameters from the run's RNG)
//	bohp.load(path)         read a checkpoint: {network, optimizer, meta}
//	bohp.rmsprop(opts)      the paper's RMSprop (eta, maxdw, l1, l2, decay, eps)
//	bohp.sgd(opts)          plain gradient descent (lr, l1, l2)
//	bohp.adam(opts)         Adam (lr, beta1, beta2, eps, l1, l2)
//	bohp.actor_critic(outputs, actions, rewards[, opts])  the advantage actor-critic loss of an episode and its gradient
//	bohp.engines            the gradient engines' names
//
// A network object runs episodes step by step (reset, step, score, end;
// score_at and score_steps score past steps once rewards are known) or
// whole (episode), exposes its tensors, gradients, traces, modulation and
// eligibility traces, checks its
// gradient by finite differences, and saves checkpoints and diagrams. The
// method tables netMethods (network.go) and optMethods (optimizer.go) give
// every method with its doc line.
package bohpmod

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/yamlmod"
	"github.com/d5/tengo/v2"
)

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
		kinds = append(kinds, fmt.Sprintf("%s: %s", k.Name, k.Doc))
	}
	for _, name := range bohp.SettingNames() {
		st, users := ruleSetting(name)
		need := "required"
		if st.Optional {
			need = "optional"
		}
		accepts := st.Range()
		if st.Flag { // a script gives a bool (layerRule), not the 1 or 0 of Range
			accepts = "a bool"
		}
		settings = append(settings, fmt.Sprintf("%s: %s, %s (%s for %s)", st.Name, st.Doc, accepts, need, strings.Join(users, ", ")))
	}
	return "build a network: {inputs: int, layers: [layer, ...], engine: bptt (default) | forward | paper (the forward recursion with the 2016 code's two approximations: hidden biases by their leading term only, tanh factor 1 - tanh(y)² of the output; an approximate gradient, to reproduce the paper's code), init: std of the N(0, std²) initial parameters (0.1)}; " +
		"layer: {size: int, act: tanh (default) | sigmoid | linear | softmax (last layer only), plastic: bool (false), rule: " + strings.Join(rules, " | ") + ", " +
		strings.Join(settings, ", ") + ", name: string (l0, l1, ...), init_abs: bool (draw the layer's weights as |N(0, std²)|, as the paper does for hidden-to-output), " +
		"recurrent: bool (the 2018 network: cells also receive their own previous outputs through plastic connections w + α∘H, tensors <name>.w and .alpha size×size; without a rule, through w only, the 2019 code's non-plastic baseline; bptt engine only), " +
		"input: weights (default: through <name>.w_in) | direct (added to the pre-activation; inputs = size), " +
		"learn_rate: fixed (default) | layer | cell (train the rate, one per layer or per cell: tensor <name>.eta, 1 - retention for hebb, Oja's rate, clipped_hebb's eta; <name>.eta_e for retroactive), " +
		"precision: float64 (default) | float32 (the size×size matrices of hebb and oja; about twice as fast)}; " +
		"a layer with rule modulated or retroactive computes its modulation m(t) = tanh(<name>.mod_w · y(t) + <name>.mod_b) (tensors 1×size and 1×1; with fanout M_i = <name>.fanout_i m + <name>.fanout_b_i, size×1 each); " +
		"rules: " + strings.Join(kinds, "; ")
}

// ruleSetting returns the registry's setting called name and the rules
// that have it.
func ruleSetting(name string) (bohp.Setting, []string) {
	var st bohp.Setting
	var users []string
	for _, k := range bohp.RuleKinds() {
		for _, s := range k.Settings {
			if s.Name == name {
				st, users = s, append(users, k.Name)
			}
		}
	}
	return st, users
}

func network(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var spec map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "spec", &spec); err != nil {
		return nil, err
	}
	ns, err := parseSpec(fn, spec)
	if err != nil {
		return nil, err
	}
	if need := bohp.NetworkBytes(ns.inputs, ns.engine, ns.layers...); need > 0 { // else NewNetwork says what is wrong
		if err := lib.CheckAlloc(fn, nil, need); err != nil {
			return nil, err
		}
	}
	net, err := bohp.NewNetwork(ns.inputs, ns.engine, ns.layers...)
	if err != nil {
		return nil, lib.EngineError(fn, err)
	}
	net.InitNormal(env.RNG(), ns.std)
	return newNetworkObject(env, net), nil
}

// netSpec is a parsed network spec.
type netSpec struct {
	inputs int
	engine bohp.Engine
	std    float64
	layers []bohp.LayerSpec
}

func parseSpec(fn string, spec map[string]tengo.Object) (*netSpec, error) {
	ns := &netSpec{std: 0.1}
	var layers []tengo.Object
	engine := bohp.EngineBPTT.String()
	if err := lib.UnpackOptions(fn, "", spec, "inputs, layers, engine?, init?", &ns.inputs, &layers, &engine, &ns.std); err != nil {
		return nil, err
	}
	var err error
	if ns.engine, err = bohp.ParseEngine(engine); err != nil {
		return nil, lib.EngineError(fn, err)
	}
	if ns.std < 0 || math.IsNaN(ns.std) || math.IsInf(ns.std, 0) {
		return nil, lib.Errorf(fn, "init must be a finite std >= 0, got %v", ns.std)
	}
	for i, o := range layers {
		ls, err := layerSpec(fn, i, o)
		if err != nil {
			return nil, err
		}
		ns.layers = append(ns.layers, ls)
	}
	return ns, nil
}

// layerOptions are the keys of a layer's spec: its own, then the settings
// of the plasticity rules (bohp's rule registry).
var layerOptions = "size, act?, plastic?, rule?, name?, init_abs?, recurrent?, input?, learn_rate?, precision?, " + strings.Join(bohp.SettingNames(), "?, ") + "?"

func layerSpec(fn string, i int, o tengo.Object) (bohp.LayerSpec, error) {
	where := fmt.Sprintf("layers[%d]", i)
	s := bohp.LayerSpec{}
	var m map[string]tengo.Object
	if err := lib.UnpackArg(fn, where, o, &m); err != nil {
		return s, err
	}
	act, rule, plastic := bohp.Tanh.String(), bohp.RuleKinds()[0].Name, false
	settings := make([]tengo.Object, len(bohp.SettingNames())) // nil: not given
	var recurrent [3]string                                    // input, learn_rate, precision; "": not given
	vars := []any{&s.Out, &act, &plastic, &rule, &s.Name, &s.InitAbs, &s.Recurrent, &recurrent[0], &recurrent[1], &recurrent[2]}
	for k := range settings {
		vars = append(vars, &settings[k])
	}
	if err := lib.UnpackOptions(fn, where, m, layerOptions, vars...); err != nil {
		return s, err
	}
	var err error
	if s.Act, err = bohp.ParseActivation(act); err != nil {
		return s, lib.Errorf(fn, "%s: %v", where, err)
	}
	if _, given := m["rule"]; given {
		plastic = true
	}
	if err := recurrentOptions(fn, where, &s, recurrent); err != nil {
		return s, err
	}
	s.Rule, err = layerRule(fn, where, plastic, rule, settings)
	return s, err
}

// recurrentOptions applies a layer's input, learn_rate and precision
// options ("" when not given), which recurrent layers take (learn_rate
// also the rules with a rate).
func recurrentOptions(fn, where string, s *bohp.LayerSpec, given [3]string) error {
	parsers := [3]struct {
		key   string
		parse func(string) error
	}{
		{"input", func(v string) (err error) { s.Input, err = bohp.ParseInputMode(v); return err }},
		{"learn_rate", func(v string) (err error) { s.LearnRate, err = bohp.ParseRateMode(v); return err }},
		{"precision", func(v string) (err error) { s.Precision, err = bohp.ParsePrecision(v); return err }},
	}
	for k, p := range parsers {
		if given[k] == "" {
			continue
		}
		if !s.Recurrent && p.key != "learn_rate" { // learn_rate: NewNetwork says where it applies
			return lib.Errorf(fn, "%s: %s is an option of recurrent layers (add recurrent: true)", where, p.key)
		}
		if err := p.parse(given[k]); err != nil {
			return lib.Errorf(fn, "%s: %v", where, err)
		}
	}
	return nil
}

// layerRule builds a layer's plasticity rule from its options (the settings
// in the order of bohp.SettingNames, nil when not given); nil when the
// layer is not plastic.
func layerRule(fn, where string, plastic bool, rule string, given []tengo.Object) (bohp.Rule, error) {
	settings := map[string]float64{}
	for k, name := range bohp.SettingNames() {
		if given[k] == nil {
			continue
		}
		var v float64
		if st, _ := ruleSetting(name); st.Flag {
			var b bool
			if err := lib.UnpackArg(fn, where+"."+name, given[k], &b); err != nil {
				return nil, err
			}
			v = bohp.FlagValue(b)
		} else if err := lib.UnpackArg(fn, where+"."+name, given[k], &v); err != nil {
			return nil, err
		}
		settings[name] = v
	}
	if !plastic {
		if len(settings) > 0 {
			return nil, lib.Errorf(fn, "%s: %s given for a layer that is not plastic (add plastic: true)", where, strings.Join(slices.Sorted(maps.Keys(settings)), ", "))
		}
		return nil, nil
	}
	r, err := bohp.NewRule(rule, settings)
	if err != nil {
		return nil, lib.Errorf(fn, "%s: %v", where, err)
	}
	return r, nil
}

func load(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var path string
	var spec map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "path, spec?", &path, &spec); err != nil {
		return nil, err
	}
	var want *netSpec
	if spec != nil {
		var err error
		if want, err = parseSpec(fn, spec); err != nil {
			return nil, err
		}
	}
	data, full, err := env.ReadFile(fn, path)
	if err != nil {
		return nil, err
	}
	ck, err := bohp.LoadCheckpoint(bytes.NewReader(data))
	if err != nil {
		return nil, lib.Errorf(fn, "%s: %s", full, bohp.OpDetail(err))
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
	meta, err := yamlmod.FromGo(ck.Meta) // as yaml.read reads it
	if err != nil {
		return nil, lib.Errorf(fn, "meta: %v", err)
	}
	out["meta"] = meta
	return &tengo.Map{Value: out}, nil
}

// engineNames is the value bohp.engines.
func engineNames() tengo.Object {
	var names []tengo.Object
	for _, e := range bohp.Engines() {
		names = append(names, &tengo.String{Value: e.String()})
	}
	return &tengo.ImmutableArray{Value: names}
}
