// Package params is the bohpsh module "params": a script declares its
// parameters with defaults and one-line docs, and the command line overrides
// them (-p key=value, --sweep key=v1,v2,...), each value typed by its
// default.
//
//	params := import("params")
//	p := params.declare({episodes: 5000, eta: 0.01, seed: 0},
//	                    {episodes: "number of episodes", eta: "learning rate"})
//	for ep := 0; ep < p.episodes; ep++ { ... }
//
// A third argument states the values each parameter accepts, checked when
// it is declared (see constraints.go):
//
//	p := params.declare({n: 8, frozen: 500, episodes: 10000, eta: 0.01, engine: "bptt"}, docs,
//	                    {n: ">= 1", frozen: "in [0, episodes]", eta: "> 0", engine: "one of bptt, forward"})
//
// Defaults must be int, float, bool or string. A value for an int parameter
// must be an integer ("1000", "0x10", "1_000"); for a float any number ("1",
// "0.5", "1e-3"); for a bool true/false/1/0; for a string anything. A
// parameter the run reserves (lib.Params.Reserved: the seed), if declared,
// always has the run's value and cannot be overridden. An unknown key or an
// ill-typed value is an error (the command exits with status 2) that lists
// the known parameters with their defaults.
package params

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func declare(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var defaults, docs, checks map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "defaults, docs?, constraints?", &defaults, &docs, &checks); err != nil {
		return nil, err
	}
	ps := env.Params
	// Merge with earlier declarations (a REPL session may redeclare).
	byName := map[string]lib.Param{}
	for _, p := range ps.Declared {
		byName[p.Name] = p
	}
	// In name order, so that of several bad entries the error names the
	// same one in every run (not whichever Go's map order gives).
	for _, name := range slices.Sorted(maps.Keys(defaults)) {
		if err := lib.CheckName("parameter name", name); err != nil {
			return nil, lib.Errorf(fn, "%v", err)
		}
		def := defaults[name]
		switch def.(type) {
		case *tengo.Int, *tengo.Float, *tengo.Bool, *tengo.String:
		default:
			return nil, lib.Errorf(fn, "default of parameter %q must be an int, float, bool or string, got %s", name, lib.Describe(def))
		}
		if r, ok := reserved(ps, name); ok && def.TypeName() != r.Value.TypeName() {
			return nil, lib.Errorf(fn, "parameter %q is %s and must have %s default, got %s", name, r.What, lib.Article(r.Value.TypeName()), lib.Describe(def))
		}
		byName[name] = lib.Param{Name: name, Default: def, Value: def}
	}
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		d := docs[name]
		p, ok := byName[name]
		if !ok {
			return nil, lib.Errorf(fn, "doc for %q, which is not a declared parameter", name)
		}
		s, ok := d.(*tengo.String)
		if !ok {
			return nil, lib.Errorf(fn, "doc of parameter %q must be a string, got %s", name, lib.Describe(d))
		}
		p.Doc = s.Value
		byName[name] = p
	}
	declared := make([]lib.Param, 0, len(byName))
	for _, p := range byName {
		declared = append(declared, p)
	}
	sort.Slice(declared, func(i, j int) bool { return declared[i].Name < declared[j].Name })

	// Resolve: the reserved parameters, then the command-line overrides.
	for i := range declared {
		p := &declared[i]
		p.Value, p.Overridden, p.Reserved = p.Default, false, false
		if r, ok := reserved(ps, p.Name); ok {
			p.Value, p.Reserved = r.Value, true
		}
	}
	keys := make([]string, 0, len(ps.Overrides))
	for k := range ps.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := ps.Overrides[k]
		i := sort.Search(len(declared), func(i int) bool { return declared[i].Name >= k })
		if i == len(declared) || declared[i].Name != k {
			return nil, usage(fn, declared, "unknown parameter %q", k)
		}
		p := &declared[i]
		if r, ok := reserved(ps, k); ok {
			return nil, usage(fn, declared, "parameter %q is %s: set it with %s, not -p", k, r.What, r.SetWith)
		}
		v, err := Parse(p.Default, raw)
		if err != nil {
			return nil, usage(fn, declared, "parameter %q: %v", k, err)
		}
		p.Value, p.Overridden = v, true
	}
	if err := checkConstraints(fn, declared, checks); err != nil {
		return nil, err
	}
	env.SetDeclared(declared)
	out := make(map[string]tengo.Object, len(declared))
	for _, p := range declared {
		out[p.Name] = p.Value
	}
	return &tengo.ImmutableMap{Value: out}, nil
}

func reserved(ps *lib.Params, name string) (lib.ReservedParam, bool) {
	for _, r := range ps.Reserved {
		if r.Name == name {
			return r, true
		}
	}
	return lib.ReservedParam{}, false
}

func usage(fn string, declared []lib.Param, format string, a ...any) error {
	return &lib.UsageError{Err: lib.Errorf(fn, "%s (known parameters: %s)", fmt.Sprintf(format, a...), Known(declared))}
}

// Known lists parameters with their defaults, e.g. "episodes=5000, eta=0.01".
func Known(declared []lib.Param) string {
	if len(declared) == 0 {
		return "none"
	}
	parts := make([]string, len(declared))
	for i, p := range declared {
		parts[i] = p.Name + "=" + p.Default.String()
	}
	return strings.Join(parts, ", ")
}

// Parse converts a command-line string to the type of def (int, float, bool
// or string).
func Parse(def tengo.Object, raw string) (tengo.Object, error) {
	s := strings.TrimSpace(raw)
	switch d := def.(type) {
	case *tengo.Int:
		v, err := strconv.ParseInt(s, 0, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("%q is beyond the range of an int (±9.2e18)", raw)
		}
		if err != nil {
			return nil, fmt.Errorf("want an int (default %d), got %q", d.Value, raw)
		}
		return &tengo.Int{Value: v}, nil
	case *tengo.Float:
		v, err := strconv.ParseFloat(s, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("%q is beyond the range of a float (±1.8e308; write inf for infinity)", raw)
		}
		if err != nil {
			return nil, fmt.Errorf("want a float (default %s), got %q", d.String(), raw)
		}
		return &tengo.Float{Value: v}, nil
	case *tengo.Bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("want a bool true/false (default %s), got %q", d.String(), raw)
		}
		return lib.FromBool(v), nil
	case *tengo.String:
		return &tengo.String{Value: raw}, nil
	}
	return nil, fmt.Errorf("unsupported default %s", lib.Describe(def))
}

func get(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	p, err := lookup(env, fn, args)
	if err != nil {
		return nil, err
	}
	return p.Value, nil
}

func overridden(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	p, err := lookup(env, fn, args)
	if err != nil {
		return nil, err
	}
	return lib.FromBool(p.Overridden), nil
}

// lookup finds the declared parameter named by the single argument.
func lookup(env *lib.Env, fn string, args []tengo.Object) (*lib.Param, error) {
	var name string
	if err := lib.UnpackArgs(fn, args, "name", &name); err != nil {
		return nil, err
	}
	p, ok := env.Params.Lookup(name)
	if !ok {
		return nil, lib.Errorf(fn, "no declared parameter %q (declared: %s)", name, Known(env.Params.Declared))
	}
	return p, nil
}
