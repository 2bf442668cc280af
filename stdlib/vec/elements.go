package vec

import (
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// elements is what vec and mat share: float data, indexed and iterated
// by item (a vec's elements, a mat's rows), combined element-wise by the
// operators. What treats both alike is written once, below.
type elements interface {
	tengo.Object
	elems() []float64
	emptyDesc() string                 // the object named in "empty ..." errors
	withData(d []float64) tengo.Object // a new object of the same shape
	items() int                        // how many items: elements of a vec, rows of a mat
	item(i int) tengo.Object           // v[i] (a float), m[i] (a row view)
	accepts(w tengo.Object) bool       // whether the operators take w besides a number
	// operand reads the data of the operand w of an element-wise operation
	// (not a number), which must have the object's shape.
	operand(fn string, w tengo.Object) ([]float64, error)
}

func (v *Vec) elems() []float64                  { return v.Data }
func (v *Vec) emptyDesc() string                 { return "vec" }
func (v *Vec) withData(d []float64) tengo.Object { return &Vec{Data: d} }
func (v *Vec) items() int                        { return len(v.Data) }
func (v *Vec) item(i int) tengo.Object           { return &tengo.Float{Value: v.Data[i]} }

func (m *Mat) elems() []float64                  { return m.Data }
func (m *Mat) emptyDesc() string                 { return "mat " + MatShape(m.Rows, m.Cols) }
func (m *Mat) withData(d []float64) tengo.Object { return NewMat(m.Rows, m.Cols, d) }
func (m *Mat) items() int                        { return m.Rows }
func (m *Mat) item(i int) tengo.Object           { return m.RowView(i) }

// itemIndex reads the index key of an item in [0, n) (v[i], m[i]); false
// when key is not one (itemError says why).
func itemIndex(key tengo.Object, n int) (int, bool) {
	i, ok := lib.AsInt(key)
	return i, ok && i >= 0 && i < n
}

// itemError is the error of o[key] for a key that is not an index in
// [0, n) (what names the index: "index", "row index").
func itemError(o tengo.Object, n int, fn, what string, key tengo.Object) error {
	i, isInt := lib.AsInt(key)
	_, isName := key.(*tengo.String)
	switch {
	case isInt:
		return lib.Errorf(fn, "%s %d out of range for %s", what, i, Shape(o))
	case isName:
		return lib.Errorf(fn, "cannot assign to method or field %s", key.String())
	}
	return lib.Errorf(fn, "%s must be an int, got %s", what, lib.Describe(key))
}

// binaryOp implements the operators + - * / of o; fns are the names of
// the operations for errors ("vec.add", ...).
func binaryOp(o elements, tok token.Token, rhs tengo.Object, fns *[4]string) (tengo.Object, error) {
	x, ok := tokenOp(tok)
	if !ok {
		return nil, tengo.ErrInvalidOperator
	}
	if _, isNum := lib.AsFloat(rhs); !isNum && !o.accepts(rhs) {
		return nil, tengo.ErrInvalidOperator
	}
	return arith(o, fns[x], x, rhs, false)
}

// arith computes o x w element-wise, w a number or an operand of o's shape,
// into a new object, or into o when inPlace.
func arith(o elements, fn string, x op, w tengo.Object, inPlace bool) (tengo.Object, error) {
	a := o.elems()
	var res tengo.Object = o
	dst := a
	if !inPlace {
		dst = make([]float64, len(a))
		res = o.withData(dst)
	}
	if s, ok := lib.AsFloat(w); ok {
		scalarOp(dst, a, s, x)
		return res, nil
	}
	b, err := o.operand(fn, w)
	if err != nil {
		return nil, err
	}
	vectorOp(dst, a, b, x)
	return res, nil
}

// iterator yields (index, item) pairs of a vec or a mat.
type iterator struct {
	tengo.ObjectImpl
	o elements
	i int
}

func (it *iterator) TypeName() string         { return it.o.TypeName() + "-iterator" }
func (it *iterator) String() string           { return "<" + it.TypeName() + ">" }
func (it *iterator) Copy() tengo.Object       { return &iterator{o: it.o, i: it.i} }
func (it *iterator) Equals(tengo.Object) bool { return false }
func (it *iterator) Next() bool               { it.i++; return it.i < it.o.items() }
func (it *iterator) Key() tengo.Object        { return &tengo.Int{Value: int64(it.i)} }
func (it *iterator) Value() tengo.Object      { return it.o.item(it.i) }

// reduce makes a method computing one float from the elements; allowEmpty
// says whether an empty object is acceptable.
func reduce[T elements](f func([]float64) float64, allowEmpty bool) func(T, string) (tengo.Object, error) {
	return func(o T, fn string) (tengo.Object, error) {
		if !allowEmpty && len(o.elems()) == 0 {
			return nil, lib.Errorf(fn, "empty %s", o.emptyDesc())
		}
		return &tengo.Float{Value: f(o.elems())}, nil
	}
}

// unary makes a method returning a new object of f applied to each element.
func unary[T elements](f func(float64) float64) func(T, string) (tengo.Object, error) {
	return func(o T, _ string) (tengo.Object, error) {
		out := make([]float64, len(o.elems()))
		for i, x := range o.elems() {
			out[i] = f(x)
		}
		return o.withData(out), nil
	}
}

// copyOf is the copy method.
func copyOf[T elements](o T, _ string) (tengo.Object, error) { return o.Copy(), nil }

// fill sets every element to x in place and returns the object.
func fill[T elements](o T, fn string, args []tengo.Object) (tengo.Object, error) {
	var x float64
	if err := lib.UnpackArgs(fn, args, "x", &x); err != nil {
		return nil, err
	}
	d := o.elems()
	for i := range d {
		d[i] = x
	}
	return o, nil
}

// checkTol rejects a negative (or NaN) tolerance of the close methods.
func checkTol(fn string, tol float64) error {
	if !(tol >= 0) {
		return lib.Errorf(fn, "argument tol must be >= 0, got %v", tol)
	}
	return nil
}

// The reductions shared by vec and mat.
func sumOf(x []float64) float64  { return sum(x) }
func meanOf(x []float64) float64 { return sum(x) / float64(len(x)) }
func maxOf(x []float64) float64  { return x[argExt(x, true)] }
func minOf(x []float64) float64  { return x[argExt(x, false)] }
