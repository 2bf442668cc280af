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
	"slices"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/internal/stats"
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
	{"normals", "(n int[, mean number, std number]) -> vec", "vec of n Gaussian numbers (default mean 0, std 1)",
		drawVec("n, mean?, std?", "mean and std", 0, 1, checkMeanStd, (*bohp.RNG).FillNormal)},
	{"uniforms", "(n int[, lo number, hi number]) -> vec", "vec of n uniform numbers in [lo, hi) (default [0, 1))",
		drawVec("n, lo?, hi?", "lo and hi", 0, 1, checkBounds, (*bohp.RNG).FillUniform)},
	{"perm", "(n int) -> array", "random permutation of the ints 0..n-1", drawPerm},
	{"shuffle", "(a array|vec) -> array|vec", "new array (or vec) with a's elements in random order (elements are not copied); a is unchanged", drawShuffle},
	{"choice", "(a array|vec) -> any", "one element of a, uniformly at random; a must not be empty", drawChoice},
	{"categorical", "(p vec|array) -> int", "an index i drawn with probability p[i]: p non-negative and summing to 1 within 1e-6 (e.g. v.softmax()), never an index of probability 0; one uniform draw whatever p", drawCategorical},
}

// Module is the script module "rand".
var Module = &lib.Module{
	Name:  "rand",
	Doc:   "random numbers from the run's seeded generator (same seed, same numbers); rand.new(seed) for an independent stream",
	Funcs: moduleFuncs(),
	Types: []lib.Type{genMethods.Type("an independent seeded generator made by rand.new(seed); its methods draw like the module's functions but from its own stream")},
}

func moduleFuncs() []lib.Func {
	var out []lib.Func
	for _, d := range draws {
		out = append(out, lib.Func{Name: d.name, Args: d.args, Doc: d.doc + " (from the run's generator)",
			Call: func(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
				return d.f(env.RNG(), fn, args)
			}})
	}
	return append(out, lib.Func{Name: "new", Args: "(seed int) -> rng",
		Doc: "a new independent generator seeded with seed (the run's stream is unaffected)",
		Call: func(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
			var seed int
			if err := lib.UnpackArgs(fn, args, "seed", &seed); err != nil {
				return nil, err
			}
			return newSeededGen(int64(seed)), nil
		}})
}

func drawFloat(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.UnpackArgs(fn, args, ""); err != nil {
		return nil, err
	}
	return &tengo.Float{Value: r.Float64()}, nil
}

// checkBounds checks lo and hi of a uniform draw: finite, lo <= hi.
func checkBounds(fn string, lo, hi float64) error {
	if !stats.IsFinite(lo) || !stats.IsFinite(hi) || lo > hi {
		return lib.Errorf(fn, "need finite lo <= hi, got lo = %v, hi = %v", lo, hi)
	}
	return nil
}

func drawUniform(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	if err := lib.UnpackArgs(fn, args, "lo, hi", &lo, &hi); err != nil {
		return nil, err
	}
	if err := checkBounds(fn, lo, hi); err != nil {
		return nil, err
	}
	return &tengo.Float{Value: r.Uniform(lo, hi)}, nil
}

// checkMeanStd checks the mean and std of a Gaussian draw.
func checkMeanStd(fn string, mean, std float64) error {
	if !stats.IsFinite(mean) || !stats.IsFinite(std) || std < 0 {
		return lib.Errorf(fn, "need a finite mean and a finite std >= 0, got mean = %v, std = %v", mean, std)
	}
	return nil
}

func drawNormal(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	mean, std := 0.0, 1.0
	if err := lib.UnpackArgs(fn, args, "mean?, std?", &mean, &std); err != nil {
		return nil, err
	}
	if err := checkMeanStd(fn, mean, std); err != nil {
		return nil, err
	}
	return &tengo.Float{Value: mean + float64(std*r.Normal())}, nil
}

func drawIntn(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", &n); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, lib.Errorf(fn, "argument n must be positive, got %d", n)
	}
	return &tengo.Int{Value: int64(r.Intn(n))}, nil
}

func drawInt(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi int
	if err := lib.UnpackArgs(fn, args, "lo, hi", &lo, &hi); err != nil {
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

// sizeArg reads the one argument n of signs and perm, whose results take
// bytesPer bytes per element.
func sizeArg(fn string, args []tengo.Object, bytesPer int64) (int, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", &n); err != nil {
		return 0, err
	}
	return n, vec.CheckCount(fn, "n", bytesPer, n)
}

func drawSigns(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	n, err := sizeArg(fn, args, 8)
	if err != nil {
		return nil, err
	}
	v := vec.Zeros(n)
	r.FillSigns(v.Data)
	return v, nil
}

// drawVec makes normals and uniforms: n, then the two numbers of the
// distribution (named by params, both or neither, defaults a and b),
// checked by check and drawn by fill.
func drawVec(params, both string, a, b float64, check func(fn string, a, b float64) error, fill func(r *bohp.RNG, dst []float64, a, b float64)) func(*bohp.RNG, string, []tengo.Object) (tengo.Object, error) {
	return func(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
		if len(args) == 2 {
			return nil, lib.Errorf(fn, "give both %s, or neither", both)
		}
		var n int
		a, b := a, b
		if err := lib.UnpackArgs(fn, args, params, &n, &a, &b); err != nil {
			return nil, err
		}
		if err := vec.CheckCount(fn, "n", 8, n); err != nil {
			return nil, err
		}
		if err := check(fn, a, b); err != nil {
			return nil, err
		}
		v := vec.Zeros(n)
		fill(r, v.Data, a, b)
		return v, nil
	}
}

// permBytes is what rand.perm takes per element: the permutation, the
// array's slot (an interface) and its boxed int.
const permBytes = 8 + 16 + 8

func drawPerm(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	n, err := sizeArg(fn, args, permBytes)
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

// sequence reads the argument a of shuffle and choice: a vec or an array
// (of which one of the results is nil).
func sequence(fn string, args []tengo.Object) (*vec.Vec, []tengo.Object, error) {
	var a tengo.Object
	if err := lib.UnpackArgs(fn, args, "a", &a); err != nil {
		return nil, nil, err
	}
	if v, ok := a.(*vec.Vec); ok {
		return v, nil, nil
	}
	if elems, ok := lib.AsArray(a); ok {
		return nil, elems, nil
	}
	return nil, nil, lib.Errorf(fn, "argument a must be an array or a vec, got %s", lib.Describe(a))
}

func drawShuffle(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	v, elems, err := sequence(fn, args)
	switch {
	case err != nil:
		return nil, err
	case v != nil:
		out := slices.Clone(v.Data)
		shuffleIndex(r, len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return vec.New(out), nil
	}
	out := slices.Clone(elems)
	shuffleIndex(r, len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return &tengo.Array{Value: out}, nil
}

func drawChoice(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	v, elems, err := sequence(fn, args)
	switch {
	case err != nil:
		return nil, err
	case v != nil && len(v.Data) == 0:
		return nil, lib.Errorf(fn, "empty vec")
	case v != nil:
		return &tengo.Float{Value: v.Data[r.Intn(len(v.Data))]}, nil
	case len(elems) == 0:
		return nil, lib.Errorf(fn, "empty array")
	}
	return elems[r.Intn(len(elems))], nil
}

func drawCategorical(r *bohp.RNG, fn string, args []tengo.Object) (tengo.Object, error) {
	var p []float64
	if err := lib.UnpackArgs(fn, args, "p", lib.Read(vec.Floats, &p)); err != nil {
		return nil, err
	}
	i, err := r.Categorical(p)
	if err != nil {
		return nil, lib.Errorf(fn, "%s (p = %s)", bohp.OpDetail(err), lib.Describe(args[0]))
	}
	return &tengo.Int{Value: int64(i)}, nil
}
