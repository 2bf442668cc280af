package vec

import (
	"math"
	"slices"
	"strconv"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/internal/stats"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// vecMethods is the method table of *Vec; it is also its documentation.
var vecMethods = lib.NewMethodSet("vec",
	lib.DefNoArgs("len", "() -> int", "number of elements (Tengo's len builtin does not know vec)", func(v *Vec, _ string) (tengo.Object, error) {
		return lib.FromInt(len(v.Data)), nil
	}),
	lib.Def("get", "(i int) -> float", "element i, same as v[i]; i outside [0, len) is an error", vecGet),
	lib.Def("set", "(i int, x number) -> vec", "sets element i to x in place, same as v[i] = x; returns v", vecSet),
	lib.Def("slice", "(lo int[, hi int]) -> vec", "copy of elements lo..hi-1 (hi defaults to len); 0 <= lo <= hi <= len", vecSlice),
	lib.Def("fill", "(x number) -> vec", "sets every element to x in place; returns v", fill[*Vec]),
	lib.Def("assign", "(w vec|array) -> vec", "copies w's elements into v in place (same length); returns v", vecAssign),
	lib.DefNoArgs("copy", "() -> vec", "a new vec with the same elements", copyOf[*Vec]),
	lib.DefNoArgs("to_array", "() -> array", "the elements as a Tengo array of floats", func(v *Vec, fn string) (tengo.Object, error) {
		if err := lib.CheckAlloc(fn, func() string { return strconv.Itoa(len(v.Data)) + " elements" }, arrayBytes*int64(len(v.Data))); err != nil {
			return nil, err
		}
		return floatArray(v.Data), nil
	}),
	lib.DefNoArgs("sum", "() -> float", "sum of the elements (0 for an empty vec)", reduce[*Vec](sumOf, true)),
	lib.DefNoArgs("mean", "() -> float", "mean of the elements; empty is an error", reduce[*Vec](meanOf, false)),
	lib.DefNoArgs("max", "() -> float", "largest element (NaN if any element is NaN); empty is an error", reduce[*Vec](maxOf, false)),
	lib.DefNoArgs("min", "() -> float", "smallest element (NaN if any element is NaN); empty is an error", reduce[*Vec](minOf, false)),
	lib.DefNoArgs("sorted", "() -> vec", "new vec of the elements in increasing order (NaNs first)", vecSorted),
	lib.DefNoArgs("median", "() -> float", "median of the elements (the mean of the two middle ones for an even count: [3, 1, 2, 10] gives 2.5); empty or NaN is an error", func(v *Vec, fn string) (tengo.Object, error) {
		return quantileOf(v, fn, 0.5)
	}),
	lib.Def("quantile", "(q number) -> float", "the q-quantile, 0 <= q <= 1, by linear interpolation between the sorted elements (type 7, as R, NumPy and bohpsh's summaries: 0 the minimum, 0.5 the median, 1 the maximum); empty or NaN is an error", vecQuantile),
	lib.DefNoArgs("argmax", "() -> int", "index of the largest element (first on ties, first NaN if any); empty is an error", argReduce(true)),
	lib.DefNoArgs("argmin", "() -> int", "index of the smallest element (first on ties, first NaN if any); empty is an error", argReduce(false)),
	lib.Def("dot", "(w vec|array) -> float", "dot product with w (same length)", vecDot),
	lib.DefNoArgs("norm", "() -> float", "Euclidean (L2) norm", reduce[*Vec](func(x []float64) float64 { return math.Sqrt(dot(x, x)) }, true)),
	lib.DefNoArgs("abs", "() -> vec", "new vec of absolute values", unary[*Vec](math.Abs)),
	lib.Def("clip", "(lo number, hi number) -> vec", "new vec with each element limited to [lo, hi]", vecClip),
	lib.DefNoArgs("softmax", "() -> vec", "new vec exp(v[i] - max) / Σ_j exp(v[j] - max): the softmax of v, computed stably, a probability vector (e.g. for rand.categorical); -Inf gives 0; empty, NaN, +Inf or all -Inf is an error", vecSoftmax),
	lib.Def("scale", "(x number) -> vec", "new vec v * x", scalarMethod(opMul, false)),
	lib.Def("add", "(w vec|array|number) -> vec", "new vec v + w, element-wise (same as the + operator)", arithMethod(opAdd, false)),
	lib.Def("sub", "(w vec|array|number) -> vec", "new vec v - w, element-wise (same as the - operator)", arithMethod(opSub, false)),
	lib.Def("mul", "(w vec|array|number) -> vec", "new vec v * w, element-wise (same as the * operator)", arithMethod(opMul, false)),
	lib.Def("div", "(w vec|array|number) -> vec", "new vec v / w, element-wise (same as the / operator)", arithMethod(opDiv, false)),
	lib.Def("scale_", "(x number) -> vec", "multiplies v by x in place; returns v", scalarMethod(opMul, true)),
	lib.Def("add_", "(w vec|array|number) -> vec", "adds w to v in place; returns v", arithMethod(opAdd, true)),
	lib.Def("sub_", "(w vec|array|number) -> vec", "subtracts w from v in place; returns v", arithMethod(opSub, true)),
	lib.Def("mul_", "(w vec|array|number) -> vec", "multiplies v by w element-wise in place; returns v", arithMethod(opMul, true)),
	lib.Def("div_", "(w vec|array|number) -> vec", "divides v by w element-wise in place; returns v", arithMethod(opDiv, true)),
	lib.Def("equal", "(w vec|array) -> bool", "whether w has the same length and exactly the same values", vecEqual),
	lib.Def("close", "(w vec|array, tol number) -> bool", "whether w has the same length and every |v[i] - w[i]| <= tol", vecClose),
)

func vecSoftmax(v *Vec, fn string) (tengo.Object, error) {
	if len(v.Data) == 0 {
		return nil, lib.Errorf(fn, "empty vec")
	}
	// NaN, +Inf, or only -Inf: no probability vector (the result would be NaN)
	if i := slices.IndexFunc(v.Data, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 1) }); i >= 0 {
		return nil, lib.Errorf(fn, "element %d of %s is %v", i, VecShape(len(v.Data)), v.Data[i])
	}
	if !slices.ContainsFunc(v.Data, func(x float64) bool { return !math.IsInf(x, -1) }) {
		return nil, lib.Errorf(fn, "every element of %s is -Inf", VecShape(len(v.Data)))
	}
	out := make([]float64, len(v.Data))
	bohp.SoftmaxInto(out, v.Data)
	return New(out), nil
}

func vecGet(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var i int
	if err := lib.UnpackArgs(fn, args, "i", index(&i, len(v.Data))); err != nil {
		return nil, err
	}
	return v.item(i), nil
}

func vecSet(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var i int
	var x float64
	if err := lib.UnpackArgs(fn, args, "i, x", index(&i, len(v.Data)), &x); err != nil {
		return nil, err
	}
	v.Data[i] = x
	return v, nil
}

func vecSlice(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	n := len(v.Data)
	var lo int
	hi := n
	if err := lib.UnpackArgs(fn, args, "lo, hi?", &lo, &hi); err != nil {
		return nil, err
	}
	if lo < 0 || hi > n || lo > hi {
		return nil, lib.Errorf(fn, "bounds [%d, %d) invalid for %s (want 0 <= lo <= hi <= %d)", lo, hi, VecShape(n), n)
	}
	return &Vec{Data: clone(v.Data[lo:hi])}, nil
}

// sameLen reads the one argument w of assign and dot: a vec or an array
// of v's length.
func (v *Vec) sameLen(fn string, args []tengo.Object) ([]float64, error) {
	var w []float64
	if err := lib.UnpackArgs(fn, args, "w", lib.Read(Floats, &w)); err != nil {
		return nil, err
	}
	if len(w) != len(v.Data) {
		return nil, LenError(fn, args[0], len(v.Data), "")
	}
	return w, nil
}

func vecAssign(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	w, err := v.sameLen(fn, args)
	if err != nil {
		return nil, err
	}
	copy(v.Data, w)
	return v, nil
}

// arrayBytes is what an element of a Tengo array of floats takes: its
// slot (an interface) and its boxed float.
const arrayBytes = 16 + 8

func floatArray(x []float64) *tengo.Array {
	out := make([]tengo.Object, len(x))
	for i, e := range x {
		out[i] = &tengo.Float{Value: e}
	}
	return &tengo.Array{Value: out}
}

func argReduce(max bool) func(*Vec, string) (tengo.Object, error) {
	return func(v *Vec, fn string) (tengo.Object, error) {
		if len(v.Data) == 0 {
			return nil, lib.Errorf(fn, "empty vec")
		}
		return lib.FromInt(argExt(v.Data, max)), nil
	}
}

func vecDot(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	w, err := v.sameLen(fn, args)
	if err != nil {
		return nil, err
	}
	return &tengo.Float{Value: dot(v.Data, w)}, nil
}

func vecClip(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	if err := lib.UnpackArgs(fn, args, "lo, hi", &lo, &hi); err != nil {
		return nil, err
	}
	if !(lo <= hi) {
		return nil, lib.Errorf(fn, "lo = %v must not exceed hi = %v", lo, hi)
	}
	out := make([]float64, len(v.Data))
	for i, x := range v.Data {
		switch {
		case x < lo:
			x = lo
		case x > hi:
			x = hi
		}
		out[i] = x
	}
	return &Vec{Data: out}, nil
}

func scalarMethod(o op, inPlace bool) lib.MethodFunc[*Vec] {
	return func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		var x float64
		if err := lib.UnpackArgs(fn, args, "x", &x); err != nil {
			return nil, err
		}
		dst := v
		if !inPlace {
			dst = &Vec{Data: make([]float64, len(v.Data))}
		}
		scalarOp(dst.Data, v.Data, x, o)
		return dst, nil
	}
}

func arithMethod(o op, inPlace bool) lib.MethodFunc[*Vec] {
	return func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		var w tengo.Object
		if err := lib.UnpackArgs(fn, args, "w", &w); err != nil {
			return nil, err
		}
		return arith(v, fn, o, w, inPlace)
	}
}

func vecEqual(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var w []float64
	if err := lib.UnpackArgs(fn, args, "w", lib.Read(Floats, &w)); err != nil {
		return nil, err
	}
	return lib.FromBool(equalFloats(v.Data, w)), nil
}

func vecClose(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var w []float64
	var tol float64
	if err := lib.UnpackArgs(fn, args, "w, tol", lib.Read(Floats, &w), &tol); err != nil {
		return nil, err
	}
	if err := checkTol(fn, tol); err != nil {
		return nil, err
	}
	return lib.FromBool(closeFloats(v.Data, w, tol)), nil
}

func vecSorted(v *Vec, _ string) (tengo.Object, error) {
	out := clone(v.Data)
	slices.Sort(out)
	return &Vec{Data: out}, nil
}

func vecQuantile(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	var q float64
	if err := lib.UnpackArgs(fn, args, "q", &q); err != nil {
		return nil, err
	}
	if !(q >= 0 && q <= 1) {
		return nil, lib.Errorf(fn, "q must be in [0, 1], got %v", q)
	}
	return quantileOf(v, fn, q)
}

// quantileOf is the type-7 q-quantile of v's elements (internal/stats).
func quantileOf(v *Vec, fn string, q float64) (tengo.Object, error) {
	if len(v.Data) == 0 {
		return nil, lib.Errorf(fn, "empty vec")
	}
	if i := slices.IndexFunc(v.Data, math.IsNaN); i >= 0 {
		return nil, lib.Errorf(fn, "element %d of %s is NaN", i, VecShape(len(v.Data)))
	}
	s := clone(v.Data)
	slices.Sort(s)
	return &tengo.Float{Value: stats.Quantile(s, q)}, nil
}
