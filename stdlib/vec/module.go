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
		{Name: "zeros", Args: "(n int) -> vec", Doc: "new vec of n zeros", Make: bind("vec.zeros", func(fn string, args []tengo.Object) (tengo.Object, error) {
			return filled(fn, args, 0)
		})},
		{Name: "ones", Args: "(n int) -> vec", Doc: "new vec of n ones", Make: bind("vec.ones", func(fn string, args []tengo.Object) (tengo.Object, error) {
			return filled(fn, args, 1)
		})},
		{Name: "full", Args: "(n int, x number) -> vec", Doc: "new vec of n copies of x", Make: bind("vec.full", full)},
		{Name: "from", Args: "(a array|vec) -> vec", Doc: "new vec from an array of numbers (or a copy of a vec)", Make: bind("vec.from", from)},
		{Name: "onehot", Args: "(n int, i int) -> vec", Doc: "new vec of n zeros with a 1 at index i", Make: bind("vec.onehot", onehot)},
		{Name: "concat", Args: "(parts ...vec|array|number) -> vec", Doc: "new vec of the parts' elements in order", Make: bind("vec.concat", concat)},
		{Name: "range", Args: "(lo number, hi number[, step number]) -> vec", Doc: "new vec lo, lo+step, ... below hi (step defaults to 1; a negative step counts down)", Make: bind("vec.range", rangeVec)},
		{Name: "linspace", Args: "(lo number, hi number, n int) -> vec", Doc: "new vec of n evenly spaced values from lo to hi inclusive", Make: bind("vec.linspace", linspace)},
		{Name: "mat", Args: "(rows int, cols int) -> mat", Doc: "new rows x cols matrix of zeros", Make: bind("vec.mat", newMatFn)},
		{Name: "mat_from", Args: "(rows array) -> mat", Doc: "new mat from an array of rows (arrays of numbers or vecs, equal lengths)", Make: bind("vec.mat_from", matFrom)},
		{Name: "eye", Args: "(n int) -> mat", Doc: "new n x n identity matrix", Make: bind("vec.eye", eye)},
		{Name: "stack", Args: "(rows ...vec|array) -> mat", Doc: "new mat whose rows are copies of the given vecs (or one array of them)", Make: bind("vec.stack", stack)},
	},
	Types: []lib.Type{
		{
			Name: "vec",
			Doc: "float vector: v[i] reads and v[i] = x writes (index in [0, len)); for i, x in v iterates; " +
				"v + w, v - w, v * w, v / w are element-wise with a vec or array of the same length or a number on the right (write v * 2: Tengo cannot dispatch 2 * v), giving a new vec; " +
				"v == w compares length and values; elements are floats, so compare them with 0.0, not 0 (in Tengo 0.0 == 0 is false)",
			Methods: vecMethods.docs(),
		},
		{
			Name: "mat",
			Doc: "row-major float matrix: m[i] is a vec view of row i sharing memory (m[i][j] = x writes m), m[i] = w copies w into row i; " +
				"for i, row in m iterates rows (views); + - * / are element-wise with a mat of the same shape or a number on the right; " +
				"m == w compares shape and values",
			Methods: matMethods.docs(),
		},
	},
}

// bind makes a Func's Make from an implementation that needs nothing from
// the run's environment; fn is the qualified name used in error messages.
func bind(fn string, impl func(fn string, args []tengo.Object) (tengo.Object, error)) func(*lib.Env) tengo.CallableFunc {
	return func(*lib.Env) tengo.CallableFunc {
		return func(args ...tengo.Object) (tengo.Object, error) { return impl(fn, args) }
	}
}

// size reads a non-negative element count.
func size(fn, name string, o tengo.Object) (int, error) {
	n, err := lib.Int(fn, name, o)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, lib.Errorf(fn, "argument %s must not be negative, got %d", name, n)
	}
	if err := checkSize(fn, n); err != nil {
		return 0, err
	}
	return n, nil
}

func filled(fn string, args []tengo.Object, x float64) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	n, err := size(fn, "n", args[0])
	if err != nil {
		return nil, err
	}
	v := Zeros(n)
	if x != 0 {
		for i := range v.Data {
			v.Data[i] = x
		}
	}
	return v, nil
}

func full(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	x, err := lib.Float(fn, "x", args[1])
	if err != nil {
		return nil, err
	}
	return filled(fn, args[:1], x)
}

func from(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	if v, ok := args[0].(*Vec); ok {
		return v.Copy(), nil
	}
	x, err := Floats(fn, "a", args[0])
	if err != nil {
		return nil, err
	}
	return New(x), nil
}

func onehot(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	n, err := size(fn, "n", args[0])
	if err != nil {
		return nil, err
	}
	i, err := elemIndex(fn, "i", args[1], n)
	if err != nil {
		return nil, err
	}
	v := Zeros(n)
	v.Data[i] = 1
	return v, nil
}

func concat(fn string, args []tengo.Object) (tengo.Object, error) {
	total := 0
	for i, a := range args {
		switch a := a.(type) {
		case *tengo.Int, *tengo.Float:
			total++
		case *Vec:
			total += len(a.Data)
		case *tengo.Array:
			total += len(a.Value)
		case *tengo.ImmutableArray:
			total += len(a.Value)
		default:
			return nil, lib.Errorf(fn, "argument %d must be a vec, an array of numbers or a number, got %s", i+1, lib.Describe(a))
		}
	}
	if err := checkSize(fn, total); err != nil {
		return nil, err
	}
	out := make([]float64, 0, total)
	for i, a := range args {
		if x, ok := number(a); ok {
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

func rangeVec(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 3); err != nil {
		return nil, err
	}
	lo, err := lib.Float(fn, "lo", args[0])
	if err != nil {
		return nil, err
	}
	hi, err := lib.Float(fn, "hi", args[1])
	if err != nil {
		return nil, err
	}
	step := 1.0
	if len(args) == 3 {
		if step, err = lib.Float(fn, "step", args[2]); err != nil {
			return nil, err
		}
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

func linspace(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 3, 3); err != nil {
		return nil, err
	}
	lo, err := lib.Float(fn, "lo", args[0])
	if err != nil {
		return nil, err
	}
	hi, err := lib.Float(fn, "hi", args[1])
	if err != nil {
		return nil, err
	}
	n, err := size(fn, "n", args[2])
	if err != nil {
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

func newMatFn(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	r, err := size(fn, "rows", args[0])
	if err != nil {
		return nil, err
	}
	c, err := size(fn, "cols", args[1])
	if err != nil {
		return nil, err
	}
	if err := checkSize(fn, r, c); err != nil {
		return nil, err
	}
	return NewMat(r, c, nil), nil
}

func matFrom(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	if m, ok := args[0].(*Mat); ok {
		return m.Copy(), nil
	}
	return MatOf(fn, "rows", args[0])
}

func eye(fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	n, err := size(fn, "n", args[0])
	if err != nil {
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

func stack(fn string, args []tengo.Object) (tengo.Object, error) {
	rows := args
	if len(args) == 1 {
		// stack([v1, v2]) takes an array of rows; stack([1, 2]) is one row.
		var elems []tengo.Object
		switch a := args[0].(type) {
		case *tengo.Array:
			elems = a.Value
		case *tengo.ImmutableArray:
			elems = a.Value
		}
		if len(elems) > 0 {
			if _, isNum := number(elems[0]); !isNum {
				rows = elems
			}
		}
	}
	if len(rows) == 0 {
		return nil, lib.Errorf(fn, "need at least one row")
	}
	return MatOf(fn, "rows", &tengo.Array{Value: rows})
}
