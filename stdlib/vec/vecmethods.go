package vec

import (
	"math"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// vecMethods is the method table of *Vec; it is also its documentation.
var vecMethods = newMethodSet("vec", []method[*Vec]{
	{"len", "() -> int", "number of elements (Tengo's len builtin does not know vec)", vecLen},
	{"get", "(i int) -> float", "element i, same as v[i]; i outside [0, len) is an error", vecGet},
	{"set", "(i int, x number) -> vec", "sets element i to x in place, same as v[i] = x; returns v", vecSet},
	{"slice", "(lo int[, hi int]) -> vec", "copy of elements lo..hi-1 (hi defaults to len); 0 <= lo <= hi <= len", vecSlice},
	{"fill", "(x number) -> vec", "sets every element to x in place; returns v", fill[*Vec]},
	{"assign", "(w vec|array) -> vec", "copies w's elements into v in place (same length); returns v", vecAssign},
	{"copy", "() -> vec", "a new vec with the same elements", func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 0, 0); err != nil {
			return nil, err
		}
		return v.Copy(), nil
	}},
	{"to_array", "() -> array", "the elements as a Tengo array of floats", vecToArray},
	{"sum", "() -> float", "sum of the elements (0 for an empty vec)", reduce[*Vec](sumOf, true)},
	{"mean", "() -> float", "mean of the elements; empty is an error", reduce[*Vec](meanOf, false)},
	{"max", "() -> float", "largest element (NaN if any element is NaN); empty is an error", reduce[*Vec](maxOf, false)},
	{"min", "() -> float", "smallest element (NaN if any element is NaN); empty is an error", reduce[*Vec](minOf, false)},
	{"argmax", "() -> int", "index of the largest element (first on ties, first NaN if any); empty is an error", argReduce(true)},
	{"argmin", "() -> int", "index of the smallest element (first on ties, first NaN if any); empty is an error", argReduce(false)},
	{"dot", "(w vec|array) -> float", "dot product with w (same length)", vecDot},
	{"norm", "() -> float", "Euclidean (L2) norm", reduce[*Vec](func(x []float64) float64 { return math.Sqrt(dot(x, x)) }, true)},
	{"abs", "() -> vec", "new vec of absolute values", unary[*Vec](math.Abs)},
	{"clip", "(lo number, hi number) -> vec", "new vec with each element limited to [lo, hi]", vecClip},
	{"scale", "(x number) -> vec", "new vec v * x", scalarMethod(opMul, false)},
	{"add", "(w vec|array|number) -> vec", "new vec v + w, element-wise (same as the + operator)", arithMethod(opAdd, false)},
	{"sub", "(w vec|array|number) -> vec", "new vec v - w, element-wise (same as the - operator)", arithMethod(opSub, false)},
	{"mul", "(w vec|array|number) -> vec", "new vec v * w, element-wise (same as the * operator)", arithMethod(opMul, false)},
	{"div", "(w vec|array|number) -> vec", "new vec v / w, element-wise (same as the / operator)", arithMethod(opDiv, false)},
	{"scale_", "(x number) -> vec", "multiplies v by x in place; returns v", scalarMethod(opMul, true)},
	{"add_", "(w vec|array|number) -> vec", "adds w to v in place; returns v", arithMethod(opAdd, true)},
	{"sub_", "(w vec|array|number) -> vec", "subtracts w from v in place; returns v", arithMethod(opSub, true)},
	{"mul_", "(w vec|array|number) -> vec", "multiplies v by w element-wise in place; returns v", arithMethod(opMul, true)},
	{"div_", "(w vec|array|number) -> vec", "divides v by w element-wise in place; returns v", arithMethod(opDiv, true)},
	{"equal", "(w vec|array) -> bool", "whether w has the same length and exactly the same values", vecEqual},
	{"close", "(w vec|array, tol number) -> bool", "whether w has the same length and every |v[i] - w[i]| <= tol", vecClose},
})

func vecLen(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	return &tengo.Int{Value: int64(len(v.Data))}, nil
}

func vecGet(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	i, err := elemIndex(fn, "i", args[0], len(v.Data))
	if err != nil {
		return nil, err
	}
	return &tengo.Float{Value: v.Data[i]}, nil
}

func vecSet(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	i, err := elemIndex(fn, "i", args[0], len(v.Data))
	if err != nil {
		return nil, err
	}
	x, err := lib.Float(fn, "x", args[1])
	if err != nil {
		return nil, err
	}
	v.Data[i] = x
	return v, nil
}

// elemIndex reads an element index in [0, n).
func elemIndex(fn, name string, o tengo.Object, n int) (int, error) {
	i, err := lib.Int(fn, name, o)
	if err != nil {
		return 0, err
	}
	if i < 0 || i >= n {
		return 0, lib.Errorf(fn, "argument %s = %d out of range [0, %d)", name, i, n)
	}
	return i, nil
}

func vecSlice(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 2); err != nil {
		return nil, err
	}
	n := len(v.Data)
	lo, err := lib.Int(fn, "lo", args[0])
	if err != nil {
		return nil, err
	}
	hi := n
	if len(args) == 2 {
		if hi, err = lib.Int(fn, "hi", args[1]); err != nil {
			return nil, err
		}
	}
	if lo < 0 || hi > n || lo > hi {
		return nil, lib.Errorf(fn, "bounds [%d, %d) invalid for %s (want 0 <= lo <= hi <= %d)", lo, hi, VecShape(n), n)
	}
	return &Vec{Data: clone(v.Data[lo:hi])}, nil
}

func vecAssign(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	w, err := Floats(fn, "w", args[0])
	if err != nil {
		return nil, err
	}
	if len(w) != len(v.Data) {
		return nil, &ShapeError{Fn: fn, Got: Shape(args[0]), Want: VecShape(len(v.Data))}
	}
	copy(v.Data, w)
	return v, nil
}

func vecToArray(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	return floatArray(v.Data), nil
}

func floatArray(x []float64) *tengo.Array {
	out := make([]tengo.Object, len(x))
	for i, e := range x {
		out[i] = &tengo.Float{Value: e}
	}
	return &tengo.Array{Value: out}
}

func argReduce(max bool) func(*Vec, string, []tengo.Object) (tengo.Object, error) {
	return func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 0, 0); err != nil {
			return nil, err
		}
		if len(v.Data) == 0 {
			return nil, lib.Errorf(fn, "empty vec")
		}
		return &tengo.Int{Value: int64(argExt(v.Data, max))}, nil
	}
}

func vecDot(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	w, err := Floats(fn, "w", args[0])
	if err != nil {
		return nil, err
	}
	if len(w) != len(v.Data) {
		return nil, &ShapeError{Fn: fn, Got: Shape(args[0]), Want: VecShape(len(v.Data))}
	}
	return &tengo.Float{Value: dot(v.Data, w)}, nil
}

func vecClip(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
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

func scalarMethod(o op, inPlace bool) func(*Vec, string, []tengo.Object) (tengo.Object, error) {
	return func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		x, err := lib.Float(fn, "x", args[0])
		if err != nil {
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

func arithMethod(o op, inPlace bool) func(*Vec, string, []tengo.Object) (tengo.Object, error) {
	return func(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		return v.arith(fn, o, args[0], inPlace)
	}
}

func vecEqual(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	w, err := Floats(fn, "w", args[0])
	if err != nil {
		return nil, err
	}
	return lib.FromBool(equalFloats(v.Data, w)), nil
}

func vecClose(v *Vec, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	w, err := Floats(fn, "w", args[0])
	if err != nil {
		return nil, err
	}
	tol, err := lib.Float(fn, "tol", args[1])
	if err != nil {
		return nil, err
	}
	if !(tol >= 0) {
		return nil, lib.Errorf(fn, "argument tol must be >= 0, got %v", tol)
	}
	return lib.FromBool(closeFloats(v.Data, w, tol)), nil
}
