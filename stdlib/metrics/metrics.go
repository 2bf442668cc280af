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
	"sort"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Module is the "metrics" module.
var Module = &lib.Module{
	Name: "metrics",
	Doc:  "record per-episode values (metrics.csv, summary.yaml, figures) and say which episodes are final",
	Funcs: []lib.Func{
		{Name: "record", Args: "(name string, episode int, value number|bool)", Doc: "records the value of metric name at episode (at most one value per metric and episode; a bool counts as 1 or 0)", Make: makeRecord},
		{Name: "record_map", Args: "(episode int, values map)", Doc: "records several metrics {name: value} at episode", Make: makeRecordMap},
		{Name: "final_last", Args: "(count int)", Doc: "the last count recorded episodes of each metric are final (default: 1)", Make: makeFinalLast},
		{Name: "final_from", Args: "(episode int)", Doc: "episodes >= episode are final", Make: makeFinalFrom},
		{Name: "final", Args: "(name string) -> float", Doc: "this run's final value of metric name: the mean over its final episodes so far (NaN if none)", Make: makeFinal},
		{Name: "values", Args: "(name string) -> array", Doc: "the recorded values of metric name, by episode", Make: makeValues},
		{Name: "episodes", Args: "(name string) -> array", Doc: "the episodes at which metric name was recorded, increasing", Make: makeEpisodes},
		{Name: "names", Args: "() -> array", Doc: "the recorded metric names, in the order of their first record", Make: makeNames},
		{Name: "progress", Args: "(done int, total int?)", Doc: "sets the run's progress (progress bar, episodes_per_second): episodes done and planned; by default done is the number of recorded episodes of the longest metric, and planned the int parameter \"episodes\" if declared", Make: makeProgress},
	},
}

func metrics(env *lib.Env) *lib.Metrics {
	if env.Metrics == nil {
		env.Metrics = lib.NewMetrics()
	}
	return env.Metrics
}

func value(fn, name string, o tengo.Object) (float64, error) {
	if b, ok := o.(*tengo.Bool); ok {
		if b.IsFalsy() {
			return 0, nil
		}
		return 1, nil
	}
	v, err := lib.Float(fn, name, o)
	if err != nil {
		return 0, lib.Errorf(fn, "value of %s must be a number or bool, got %s", name, lib.Describe(o))
	}
	return v, nil
}

func episode(fn string, o tengo.Object) (int, error) {
	ep, err := lib.Int(fn, "episode", o)
	if err != nil {
		return 0, err
	}
	if ep < 0 {
		return 0, lib.Errorf(fn, "episode must be >= 0, got %d", ep)
	}
	return ep, nil
}

func makeRecord(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.record"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 3, 3); err != nil {
			return nil, err
		}
		name, err := lib.String(fn, "name", args[0])
		if err != nil {
			return nil, err
		}
		ep, err := episode(fn, args[1])
		if err != nil {
			return nil, err
		}
		return nil, recordOne(env, fn, name, ep, args[2])
	}
}

// recordOne records one value of metric name at episode ep.
func recordOne(env *lib.Env, fn, name string, ep int, o tengo.Object) error {
	v, err := value(fn, name, o)
	if err != nil {
		return err
	}
	if name == "" {
		return lib.Errorf(fn, "empty metric name")
	}
	if err := metrics(env).Record(name, ep, v); err != nil {
		return lib.Errorf(fn, "%v", err)
	}
	return nil
}

func makeRecordMap(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.record_map"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 2, 2); err != nil {
			return nil, err
		}
		ep, err := episode(fn, args[0])
		if err != nil {
			return nil, err
		}
		m, err := lib.Map(fn, "values", args[1])
		if err != nil {
			return nil, err
		}
		// Sorted, so that a new metric's column order does not depend on
		// Go's map iteration order.
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			if err := recordOne(env, fn, name, ep, m[name]); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
}

func makeFinalLast(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.final_last"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		n, err := lib.Int(fn, "count", args[0])
		if err != nil {
			return nil, err
		}
		if n < 1 {
			return nil, lib.Errorf(fn, "count must be >= 1, got %d", n)
		}
		metrics(env).Final = lib.FinalRule{Last: n}
		return nil, nil
	}
}

func makeFinalFrom(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.final_from"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		ep, err := episode(fn, args[0])
		if err != nil {
			return nil, err
		}
		metrics(env).Final = lib.FinalRule{From: ep}
		return nil, nil
	}
}

func series(fn string, env *lib.Env, args []tengo.Object) (*lib.Series, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	name, err := lib.String(fn, "name", args[0])
	if err != nil {
		return nil, err
	}
	s := metrics(env).Get(name)
	if s == nil {
		var known []string
		for _, s := range metrics(env).Series() {
			known = append(known, s.Name)
		}
		return nil, lib.Errorf(fn, "no metric %q recorded (recorded: %v)", name, known)
	}
	return s, nil
}

func makeFinal(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.final"
	return func(args ...tengo.Object) (tengo.Object, error) {
		s, err := series(fn, env, args)
		if err != nil {
			return nil, err
		}
		v, _ := metrics(env).FinalValue(s)
		return lib.FromFloat(v), nil
	}
}

func makeValues(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.values"
	return func(args ...tengo.Object) (tengo.Object, error) {
		s, err := series(fn, env, args)
		if err != nil {
			return nil, err
		}
		out := make([]tengo.Object, len(s.Values))
		for i, v := range s.Values {
			out[i] = lib.FromFloat(v)
		}
		return &tengo.Array{Value: out}, nil
	}
}

func makeEpisodes(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.episodes"
	return func(args ...tengo.Object) (tengo.Object, error) {
		s, err := series(fn, env, args)
		if err != nil {
			return nil, err
		}
		out := make([]tengo.Object, len(s.Episodes))
		for i, v := range s.Episodes {
			out[i] = lib.FromInt(v)
		}
		return &tengo.Array{Value: out}, nil
	}
}

func makeNames(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.names"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 0, 0); err != nil {
			return nil, err
		}
		var out []tengo.Object
		for _, s := range metrics(env).Series() {
			out = append(out, &tengo.String{Value: s.Name})
		}
		return &tengo.Array{Value: out}, nil
	}
}

func makeProgress(env *lib.Env) tengo.CallableFunc {
	const fn = "metrics.progress"
	return func(args ...tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 1, 2); err != nil {
			return nil, err
		}
		done, err := lib.Int(fn, "done", args[0])
		if err != nil {
			return nil, err
		}
		total := 0
		if len(args) == 2 {
			if total, err = lib.Int(fn, "total", args[1]); err != nil {
				return nil, err
			}
		}
		if done < 0 || total < 0 {
			return nil, lib.Errorf(fn, "done and total must be >= 0, got %d and %d", done, total)
		}
		metrics(env).SetProgress(int64(done), int64(total))
		return nil, nil
	}
}
