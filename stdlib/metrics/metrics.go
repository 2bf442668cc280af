// Package metrics is the bohpsh module "metrics": a script records named
// per-episode values, and says which episodes count as final (e.g. the
// paper's frozen last 500 episodes). The values feed the run's outputs:
// metrics.csv, summary.yaml (per metric, median and quartiles across seeds
// of each run's mean over its final episodes) and the learning-curve figures.
//
//	metrics := import("metrics")
//	metrics.final_last(500)
//	for ep := 0; ep < 5000; ep++ {
//	    ...
//	    metrics.record("loss", ep, loss)
//	    // or several at once: metrics.record_map(ep, {loss: loss, correct: ok})
//	}
//
// Without final_last or final_from, the final value of a metric is its value
// at the last recorded episode.
package metrics

import (
	"maps"
	"slices"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// episode is an argument that is an episode number, >= 0.
func episode(dst *int) lib.Unpacker {
	return func(fn, name string, o tengo.Object) error {
		var ep int
		if err := lib.UnpackArg(fn, name, o, &ep); err != nil {
			return err
		}
		if ep < 0 {
			return lib.Errorf(fn, "%s must be >= 0, got %d", name, ep)
		}
		*dst = ep
		return nil
	}
}

func record(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var name string
	var ep int
	var value tengo.Object
	if err := lib.UnpackArgs(fn, args, "name, episode, value", &name, episode(&ep), &value); err != nil {
		return nil, err
	}
	return nil, recordOne(env, fn, name, ep, value)
}

// recordOne records one value of metric name at episode ep; a bool counts
// as 1 or 0.
func recordOne(env *lib.Env, fn, name string, ep int, o tengo.Object) error {
	v, ok := lib.AsFloat(o)
	if b, isBool := o.(*tengo.Bool); isBool {
		v, ok = 0, true
		if !b.IsFalsy() {
			v = 1
		}
	}
	if !ok {
		return lib.Errorf(fn, "value of %s must be a number or bool, got %s", name, lib.Describe(o))
	}
	if env.Metrics.Get(name) == nil {
		if err := env.Metrics.CheckNew(name); err != nil {
			return lib.Errorf(fn, "%v", err)
		}
	}
	if err := env.Metrics.Record(name, ep, v); err != nil {
		return lib.Errorf(fn, "%v", err)
	}
	return nil
}

func recordMap(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var ep int
	var m map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "episode, values", episode(&ep), &m); err != nil {
		return nil, err
	}
	// Sorted, so that a new metric's column order does not depend on Go's
	// map iteration order.
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if err := recordOne(env, fn, name, ep, m[name]); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func finalLast(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "count", &n); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, lib.Errorf(fn, "count must be >= 1, got %d", n)
	}
	env.Metrics.Final = lib.FinalRule{Last: n}
	return nil, nil
}

func finalFrom(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var ep int
	if err := lib.UnpackArgs(fn, args, "episode", episode(&ep)); err != nil {
		return nil, err
	}
	env.Metrics.Final = lib.FinalRule{From: ep}
	return nil, nil
}

// series reads the one argument, the name of a recorded metric.
func series(env *lib.Env, fn string, args []tengo.Object) (*lib.Series, error) {
	var name string
	if err := lib.UnpackArgs(fn, args, "name", &name); err != nil {
		return nil, err
	}
	s := env.Metrics.Get(name)
	if s == nil {
		var known []string
		for _, s := range env.Metrics.Series() {
			known = append(known, s.Name)
		}
		return nil, lib.Errorf(fn, "no metric %q recorded (recorded: %v)", name, known)
	}
	return s, nil
}

func final(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	s, err := series(env, fn, args)
	if err != nil {
		return nil, err
	}
	v, _ := env.Metrics.FinalValue(s)
	return lib.FromFloat(v), nil
}

func values(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	s, err := series(env, fn, args)
	if err != nil {
		return nil, err
	}
	return array(s.Values, lib.FromFloat), nil
}

func episodes(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	s, err := series(env, fn, args)
	if err != nil {
		return nil, err
	}
	return array(s.Episodes, lib.FromInt), nil
}

func names(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.UnpackArgs(fn, args, ""); err != nil {
		return nil, err
	}
	var out []tengo.Object
	for _, s := range env.Metrics.Series() {
		out = append(out, &tengo.String{Value: s.Name})
	}
	return &tengo.Array{Value: out}, nil
}

// array converts x to a Tengo array with box.
func array[T any](x []T, box func(T) tengo.Object) *tengo.Array {
	out := make([]tengo.Object, len(x))
	for i, v := range x {
		out[i] = box(v)
	}
	return &tengo.Array{Value: out}
}

func progress(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var done, total int
	if err := lib.UnpackArgs(fn, args, "done, total?", &done, &total); err != nil {
		return nil, err
	}
	if done < 0 || total < 0 {
		return nil, lib.Errorf(fn, "done and total must be >= 0, got %d and %d", done, total)
	}
	if total > 0 && done > total {
		return nil, lib.Errorf(fn, "done = %d is more than total = %d: done counts the episodes run so far, total those planned in all", done, total)
	}
	env.Metrics.SetProgress(int64(done), int64(total))
	return nil, nil
}
