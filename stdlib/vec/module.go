package vec

import (
	"math"
	"strconv"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Module is the script module "vec".
var Module = &lib.Module{
	Name: "vec",
	Doc:  "float vectors (vec) and row-major matrices (mat) held in Go, for per-step inputs, targets and outputs",
	Funcs: []lib.Func{
		lib.Fn("zeros", "(n int) -> vec", "new vec of n zeros", zeros),
		lib.Fn("ones", "(n int) -> vec", "new vec of n ones", ones),
		lib.Fn("full", "(n int, x number) -> vec", "new vec of n copies of x", full),
		lib.Fn("from", "(a array|vec) -> vec", "new vec from an array of numbers (or a copy of a vec)", from),
		lib.Fn("onehot", "(n int, i int) -> vec", "new vec of n zeros with a 1 at index i", onehot),
		lib.Fn("concat", "(parts ...vec|array|number) -> vec", "new vec of the parts' elements in order", concat),
		lib.Fn("range", "(lo number, hi number[, step number]) -> vec", "new vec lo, lo+step, ... below hi (step defaults to 1; a negative step counts down)", rangeVec),
		lib.Fn("linspace", "(lo number, hi number, n int) -> vec", "new vec of n evenly spaced values from lo to hi inclusive", linspace),
		lib.Fn("mat", "(rows int, cols int) -> mat", "new rows x cols matrix of zeros", newMatFn),
		lib.Fn("mat_from", "(rows array) -> mat", "new mat from an array of rows (arrays of numbers or vecs, equal lengths)", matFrom),
		lib.Fn("eye", "(n int) -> mat", "new n x n identity matrix", eye),
		lib.Fn("stack", "(rows ...vec|array) -> mat", "new mat whose rows are copies of the given vecs (or one array of them)", stack),
	},
	Types: []lib.Type{
		vecMethods.Type("float vector: v[i] reads and v[i] = x writes (index in [0, len)); for i, x in v iterates; " +
			"v + w, v - w, v * w, v / w are element-wise with a vec or array of the same length or a number on the right (write v * 2: Tengo cannot dispatch 2 * v), giving a new vec; " +
			"v == w compares length and values; elements are floats, so compare them with 0.0, not 0 (in Tengo 0.0 == 0 is false)"),
		matMethods.Type("row-major float matrix: m[i] is a vec view of row i sharing memory (m[i][j] = x writes m), m[i] = w copies w into row i; " +
			"for i, row in m iterates rows (views); + - * / are element-wise with a mat of the same shape or a number on the right; " +
			"m == w compares shape and values"),
	},
}

func zeros(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	return filled(fn, args, 0)
}

func ones(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	return filled(fn, args, 1)
}

// filled makes a vec of n copies of x, n the one argument.
func filled(fn string, args []tengo.Object, x float64) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", count(&n)); err != nil {
		return nil, err
	}
	return newFilled(n, x), nil
}

func full(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	var x float64
	if err := lib.UnpackArgs(fn, args, "n, x", count(&n), &x); err != nil {
		return nil, err
	}
	return newFilled(n, x), nil
}

func newFilled(n int, x float64) *Vec {
	v := Zeros(n)
	if x != 0 {
		for i := range v.Data {
			v.Data[i] = x
		}
	}
	return v
}

func from(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var a tengo.Object
	if err := lib.UnpackArgs(fn, args, "a", &a); err != nil {
		return nil, err
	}
	if v, ok := a.(*Vec); ok {
		return v.Copy(), nil
	}
	x, err := Floats(fn, "a", a)
	if err != nil {
		return nil, err
	}
	return New(x), nil
}

func onehot(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n, i int
	if err := lib.UnpackArgs(fn, args, "n, i", count(&n), &i); err != nil {
		return nil, err
	}
	if err := checkIndex(fn, "i", i, n); err != nil {
		return nil, err
	}
	v := Zeros(n)
	v.Data[i] = 1
	return v, nil
}

func concat(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	total := 0
	for i, a := range args {
		switch a := a.(type) {
		case *tengo.Int, *tengo.Float:
			total++
		case *Vec:
			total += len(a.Data)
		default:
			elems, ok := lib.AsArray(a)
			if !ok {
				return nil, lib.Errorf(fn, "argument %d must be a vec, an array of numbers or a number, got %s", i+1, lib.Describe(a))
			}
			total += len(elems)
		}
	}
	if err := checkSize(fn, total); err != nil {
		return nil, err
	}
	out := make([]float64, 0, total)
	for i, a := range args {
		if x, ok := lib.AsFloat(a); ok {
			out = append(out, x)
			continue
		}
		x, err := Floats(fn, strconv.Itoa(i+1), a)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return New(out), nil
}

func rangeVec(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	step := 1.0
	if err := lib.UnpackArgs(fn, args, "lo, hi, step?", &lo, &hi, &step); err != nil {
		return nil, err
	}
	if step == 0 || math.IsNaN(step) || math.IsInf(step, 0) || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, lib.Errorf(fn, "need finite lo, hi and a finite non-zero step, got %v, %v, %v", lo, hi, step)
	}
	count := math.Ceil((hi - lo) / step)
	if count < 0 {
		count = 0
	}
	if count > MaxElements {
		return nil, lib.Errorf(fn, "%v elements is too many (at most %d)", count, MaxElements)
	}
	n := int(count)
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + float64(float64(i)*step)
	}
	return New(out), nil
}

func linspace(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	var n int
	if err := lib.UnpackArgs(fn, args, "lo, hi, n", &lo, &hi, count(&n)); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	if n == 1 {
		out[0] = lo
	} else if n > 1 {
		step := (hi - lo) / float64(n-1)
		for i := range out {
			out[i] = lo + float64(float64(i)*step)
		}
		out[n-1] = hi
	}
	return New(out), nil
}

func newMatFn(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var r, c int
	if err := lib.UnpackArgs(fn, args, "rows, cols", count(&r), count(&c)); err != nil {
		return nil, err
	}
	if err := checkSize(fn, r, c); err != nil {
		return nil, err
	}
	return NewMat(r, c, nil), nil
}

func matFrom(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var rows tengo.Object
	if err := lib.UnpackArgs(fn, args, "rows", &rows); err != nil {
		return nil, err
	}
	if m, ok := rows.(*Mat); ok {
		return m.Copy(), nil
	}
	return MatOf(fn, "rows", rows)
}

func eye(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", count(&n)); err != nil {
		return nil, err
	}
	if err := checkSize(fn, n, n); err != nil {
		return nil, err
	}
	m := NewMat(n, n, nil)
	for i := 0; i < n; i++ {
		m.Data[i*n+i] = 1
	}
	return m, nil
}

func stack(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	rows := args
	if len(args) == 1 {
		// stack([v1, v2]) takes an array of rows; stack([1, 2]) is one row.
		if elems, _ := lib.AsArray(args[0]); len(elems) > 0 {
			if _, isNum := lib.AsFloat(elems[0]); !isNum {
				rows = elems
			}
		}
	}
	if len(rows) == 0 {
		return nil, lib.Errorf(fn, "need at least one row")
	}
	return MatOf(fn, "rows", &tengo.Array{Value: rows})
}
