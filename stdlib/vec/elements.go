package vec

import (
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// elements is what vec and mat share: their float data. The methods that
// treat both alike are built once, from the builders below.
type elements interface {
	tengo.Object
	elems() []float64
	emptyDesc() string                 // the object named in "empty ..." errors
	withData(d []float64) tengo.Object // a new object of the same shape
}

func (v *Vec) elems() []float64                  { return v.Data }
func (v *Vec) emptyDesc() string                 { return "vec" }
func (v *Vec) withData(d []float64) tengo.Object { return &Vec{Data: d} }

func (m *Mat) elems() []float64                  { return m.Data }
func (m *Mat) emptyDesc() string                 { return "mat " + MatShape(m.Rows, m.Cols) }
func (m *Mat) withData(d []float64) tengo.Object { return NewMat(m.Rows, m.Cols, d) }

// reduce makes a method computing one float from the elements; allowEmpty
// says whether an empty object is acceptable.
func reduce[T elements](f func([]float64) float64, allowEmpty bool) lib.MethodFunc[T] {
	return lib.NoArgs(func(o T, fn string) (tengo.Object, error) {
		if !allowEmpty && len(o.elems()) == 0 {
			return nil, lib.Errorf(fn, "empty %s", o.emptyDesc())
		}
		return &tengo.Float{Value: f(o.elems())}, nil
	})
}

// unary makes a method returning a new object of f applied to each element.
func unary[T elements](f func(float64) float64) lib.MethodFunc[T] {
	return lib.NoArgs(func(o T, _ string) (tengo.Object, error) {
		out := make([]float64, len(o.elems()))
		for i, x := range o.elems() {
			out[i] = f(x)
		}
		return o.withData(out), nil
	})
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
