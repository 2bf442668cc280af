// Package rand is the Tengo module "rand": random numbers drawn from the
// run's own seeded generator (lib.Env.RNG, a *bohp.RNG seeded with the run's
// seed), so that a run is reproducible bit for bit from its seed, and runs
// with different seeds draw different streams. It never uses Go's math/rand
// nor any state shared between runs.
//
// rand.new(seed) makes an independent generator object (type "rng") with the
// same drawing methods, for scripts that want a stream of their own (e.g.
// fixed test patterns that must not depend on the run's seed, or that must
// not shift the run's stream).
package rand

import (
	"math"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
)

// draw is one drawing function, shared by the module (on the run's
// generator) and by rng objects (on their own generator).
type draw struct {
	name, args, doc string
	f               func(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error)
}

var draws = []draw{
	{"float", "() -> float", "uniform number in [0, 1)", drawFloat},
	{"uniform", "(lo number, hi number) -> float", "uniform number in [lo, hi)", drawUniform},
	{"normal", "([mean number, std number]) -> float", "Gaussian number (default mean 0, std 1)", drawNormal},
	{"intn", "(n int) -> int", "uniform integer in [0, n); n must be positive", drawIntn},
	{"int", "(lo int, hi int) -> int", "uniform integer in [lo, hi) (lo included, hi excluded); lo < hi", drawInt},
	{"signs", "(n int) -> vec", "vec of n values, each -1 or +1 with probability 1/2", drawSigns},
	{"normals", "(n int[, mean number, std number]) -> vec", "vec of n Gaussian numbers (default mean 0, std 1)", drawNormals},
	{"uniforms", "(n int[, lo number, hi number]) -> vec", "vec of n uniform numbers in [lo, hi) (default [0, 1))", drawUniforms},
	{"perm", "(n int) -> array", "random permutation of the ints 0..n-1", drawPerm},
	{"shuffle", "(a array|vec) -> array|vec", "new array (or vec) with a's elements in random order (elements are not copied); a is unchanged", drawShuffle},
	{"choice", "(a array|vec) -> any", "one element of a, uniformly at random; a must not be empty", drawChoice},
}

// Module is the script module "rand".
var Module = &lib.Module{
	Name:  "rand",
	Doc:   "random numbers from the run's seeded generator (same seed, same numbers); rand.new(seed) for an independent stream",
	Funcs: moduleFuncs(),
	Types: []lib.Type{{
		Name:    "rng",
		Doc:     "an independent seeded generator made by rand.new(seed); its methods draw like the module's functions but from its own stream",
		Methods: genMethodDocs(),
	}},
}

func moduleFuncs() []lib.Func {
	var out []lib.Func
	for _, d := range draws {
		d := d
		q := "rand." + d.name
		out = append(out, lib.Func{Name: d.name, Args: d.args, Doc: d.doc + " (from the run's generator)",
			Make: func(env *lib.Env) tengo.CallableFunc {
				return func(args ...tengo.Object) (tengo.Object, error) { return d.f(env.RNG(), q, args) }
			}})
	}
	out = append(out, lib.Func{Name: "new", Args: "(seed int) -> rng",
		Doc: "a new independent generator seeded with seed (the run's stream is unaffected)",
		Make: func(*lib.Env) tengo.CallableFunc {
			return func(args ...tengo.Object) (tengo.Object, error) {
				const fn = "rand.new"
				if err := lib.NArgs(fn, args, 1, 1); err != nil {
					return nil, err
				}
				seed, err := seedArg(fn, args[0])
				if err != nil {
					return nil, err
				}
				return newSeededGen(seed), nil
			}
		}})
	return out
}

// seedArg reads a seed: an int (or an integral float).
func seedArg(fn string, o tengo.Object) (int64, error) {
	if i, ok := o.(*tengo.Int); ok {
		return i.Value, nil
	}
	n, err := lib.Int(fn, "seed", o)
	return int64(n), err
}

func noArgs(fn string, args []tengo.Object) error { return lib.NArgs(fn, args, 0, 0) }

func drawFloat(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := noArgs(fn, args); err != nil {
		return nil, err
	}
	return &tengo.Float{Value: r.Float64()}, nil
}

// bounds reads lo and hi for a uniform draw: finite, lo <= hi.
func bounds(fn string, loArg, hiArg tengo.Object) (float64, float64, error) {
	lo, err := lib.Float(fn, "lo", loArg)
	if err != nil {
		return 0, 0, err
	}
	hi, err := lib.Float(fn, "hi", hiArg)
	if err != nil {
		return 0, 0, err
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		return 0, 0, lib.Errorf(fn, "need finite lo <= hi, got lo = %v, hi = %v", lo, hi)
	}
	return lo, hi, nil
}

func drawUniform(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	lo, hi, err := bounds(fn, args[0], args[1])
	if err != nil {
		return nil, err
	}
	return &tengo.Float{Value: r.Uniform(lo, hi)}, nil
}

// meanStd reads optional mean and std arguments (defaults 0 and 1).
func meanStd(fn string, args []tengo.Object) (float64, float64, error) {
	mean, std := 0.0, 1.0
	var err error
	if len(args) > 0 {
		if mean, err = lib.Float(fn, "mean", args[0]); err != nil {
			return 0, 0, err
		}
	}
	if len(args) > 1 {
		if std, err = lib.Float(fn, "std", args[1]); err != nil {
			return 0, 0, err
		}
	}
	if math.IsNaN(mean) || math.IsInf(mean, 0) || !(std >= 0) || math.IsInf(std, 0) {
		return 0, 0, lib.Errorf(fn, "need a finite mean and a finite std >= 0, got mean = %v, std = %v", mean, std)
	}
	return mean, std, nil
}

func drawNormal(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 2); err != nil {
		return nil, err
	}
	mean, std, err := meanStd(fn, args)
	if err != nil {
		return nil, err
	}
	return &tengo.Float{Value: mean + float64(std*r.Normal())}, nil
}

func drawIntn(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	n, err := lib.Int(fn, "n", args[0])
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, lib.Errorf(fn, "argument n must be positive, got %d", n)
	}
	return &tengo.Int{Value: int64(r.Intn(n))}, nil
}

func drawInt(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	lo, err := lib.Int(fn, "lo", args[0])
	if err != nil {
		return nil, err
	}
	hi, err := lib.Int(fn, "hi", args[1])
	if err != nil {
		return nil, err
	}
	if lo >= hi {
		return nil, lib.Errorf(fn, "need lo < hi (hi is excluded), got lo = %d, hi = %d", lo, hi)
	}
	span := hi - lo
	if span <= 0 { // overflow
		return nil, lib.Errorf(fn, "range [%d, %d) is too wide", lo, hi)
	}
	return &tengo.Int{Value: int64(lo + r.Intn(span))}, nil
}

// size reads a non-negative element count, bounded by vec.MaxElements.
func size(fn string, o tengo.Object) (int, error) {
	n, err := lib.Int(fn, "n", o)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, lib.Errorf(fn, "argument n must not be negative, got %d", n)
	}
	if n > vec.MaxElements {
		return 0, lib.Errorf(fn, "argument n = %d is too large (at most %d)", n, vec.MaxElements)
	}
	return n, nil
}

func drawSigns(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	n, err := size(fn, args[0])
	if err != nil {
		return nil, err
	}
	v := vec.Zeros(n)
	r.FillSigns(v.Data)
	return v, nil
}

func drawNormals(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 3); err != nil {
		return nil, err
	}
	if len(args) == 2 {
		return nil, lib.Errorf(fn, "give both mean and std, or neither")
	}
	n, err := size(fn, args[0])
	if err != nil {
		return nil, err
	}
	mean, std, err := meanStd(fn, args[1:])
	if err != nil {
		return nil, err
	}
	v := vec.Zeros(n)
	r.FillNormal(v.Data, mean, std)
	return v, nil
}

func drawUniforms(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 3); err != nil {
		return nil, err
	}
	if len(args) == 2 {
		return nil, lib.Errorf(fn, "give both lo and hi, or neither")
	}
	n, err := size(fn, args[0])
	if err != nil {
		return nil, err
	}
	lo, hi := 0.0, 1.0
	if len(args) == 3 {
		if lo, hi, err = bounds(fn, args[1], args[2]); err != nil {
			return nil, err
		}
	}
	v := vec.Zeros(n)
	r.FillUniform(v.Data, lo, hi)
	return v, nil
}

func drawPerm(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	n, err := size(fn, args[0])
	if err != nil {
		return nil, err
	}
	p := make([]int, n)
	r.Perm(p)
	out := make([]tengo.Object, n)
	for i, x := range p {
		out[i] = &tengo.Int{Value: int64(x)}
	}
	return &tengo.Array{Value: out}, nil
}

// shuffleIndex applies the Fisher-Yates shuffle of bohp.RNG.Perm to n items
// through swap.
func shuffleIndex(r *bohp.RNG, n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.Intn(i+1))
	}
}

func drawShuffle(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	switch a := args[0].(type) {
	case *vec.Vec:
		out := make([]float64, len(a.Data))
		copy(out, a.Data)
		shuffleIndex(r, len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return vec.New(out), nil
	case *tengo.Array, *tengo.ImmutableArray:
		elems, _ := lib.Array(fn, "a", a)
		out := make([]tengo.Object, len(elems))
		copy(out, elems)
		shuffleIndex(r, len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return &tengo.Array{Value: out}, nil
	}
	return nil, lib.Errorf(fn, "argument a must be an array or a vec, got %s", lib.Describe(args[0]))
}

func drawChoice(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	switch a := args[0].(type) {
	case *vec.Vec:
		if len(a.Data) == 0 {
			return nil, lib.Errorf(fn, "empty vec")
		}
		return &tengo.Float{Value: a.Data[r.Intn(len(a.Data))]}, nil
	case *tengo.Array, *tengo.ImmutableArray:
		elems, _ := lib.Array(fn, "a", a)
		if len(elems) == 0 {
			return nil, lib.Errorf(fn, "empty array")
		}
		return elems[r.Intn(len(elems))], nil
	}
	return nil, lib.Errorf(fn, "argument a must be an array or a vec, got %s", lib.Describe(args[0]))
}
