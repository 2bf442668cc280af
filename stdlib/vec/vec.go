// Package vec is the Tengo module "vec": Go-backed float64 vectors and
// row-major matrices for per-step inputs, targets and outputs, so that
// per-step data never travels through Tengo arrays (which box every float).
//
// Two object types are visible to scripts:
//
//   - *Vec (type name "vec"): a []float64.
//   - *Mat (type name "mat"): a rows x cols row-major []float64.
//
// Other modules exchange data with scripts through these types: they return
// outputs with New / NewMat and read inputs with Floats / FloatsN / MatOf,
// which also accept plain Tengo arrays. Shape problems are reported as
// *ShapeError, whose message names the function and both shapes.
//
// Methods are bound lazily and cached per object: the first lookup of a
// method on an object allocates its bound function once, later lookups of
// that method on that object do not allocate. A fresh vector (from an
// operator, or returned each step by another module) costs one allocation
// for the object and one for its data, nothing for its method table.
package vec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// MaxElements bounds the number of elements of a vec or mat created from a
// script, so a mistaken size is an error rather than an out-of-memory crash.
const MaxElements = 1 << 28

// ShapeError is a mismatch between the shapes of vectors or matrices.
// Got is the shape that was passed and Want the shape that was required,
// written as Shape writes them ("vec(3)", "mat(2x3)").
type ShapeError struct {
	Fn   string // qualified function, e.g. "vec.add"
	Got  string // the shape received
	Want string // the shape required
}

func (e *ShapeError) Error() string {
	return e.Fn + ": shape mismatch: got " + e.Got + ", want " + e.Want
}

// VecShape writes the shape of a vector of length n: "vec(n)".
func VecShape(n int) string { return "vec(" + strconv.Itoa(n) + ")" }

// MatShape writes the shape of a rows x cols matrix: "mat(RxC)".
func MatShape(rows, cols int) string {
	return "mat(" + strconv.Itoa(rows) + "x" + strconv.Itoa(cols) + ")"
}

// Shape writes the shape of a script value for an error message: "vec(3)",
// "mat(2x3)", "array(3)", or its type name for anything else.
func Shape(o tengo.Object) string {
	switch v := o.(type) {
	case *Vec:
		return VecShape(len(v.Data))
	case *Mat:
		return MatShape(v.Rows, v.Cols)
	case *tengo.Array:
		return "array(" + strconv.Itoa(len(v.Value)) + ")"
	case *tengo.ImmutableArray:
		return "array(" + strconv.Itoa(len(v.Value)) + ")"
	case nil:
		return "nil"
	}
	return o.TypeName()
}

// Floats reads a vector argument: a *Vec (its Data is returned without a
// copy: read it, do not keep it) or a Tengo array of numbers (converted into
// a new slice). Any other value is an error naming fn, the argument and its
// type.
func Floats(fn, name string, o tengo.Object) ([]float64, error) {
	switch v := o.(type) {
	case *Vec:
		return v.Data, nil
	case *tengo.Array:
		return arrayFloats(fn, name, v.Value)
	case *tengo.ImmutableArray:
		return arrayFloats(fn, name, v.Value)
	}
	return nil, lib.Errorf(fn, "argument %s must be a vec or an array of numbers, got %s", name, lib.Describe(o))
}

// FloatsN is Floats that also requires length n; a different length is a
// *ShapeError.
func FloatsN(fn, name string, o tengo.Object, n int) ([]float64, error) {
	x, err := Floats(fn, name, o)
	if err != nil {
		return nil, err
	}
	if len(x) != n {
		return nil, &ShapeError{Fn: fn, Got: VecShape(len(x)), Want: VecShape(n)}
	}
	return x, nil
}

func arrayFloats(fn, name string, elems []tengo.Object) ([]float64, error) {
	out := make([]float64, len(elems))
	for i, e := range elems {
		switch x := e.(type) {
		case *tengo.Float:
			out[i] = x.Value
		case *tengo.Int:
			out[i] = float64(x.Value)
		default:
			return nil, lib.Errorf(fn, "argument %s[%d] must be a number, got %s", name, i, lib.Describe(e))
		}
	}
	return out, nil
}

// MatOf reads a matrix argument: a *Mat (returned as is, not copied) or a
// Tengo array of rows, each a vec or an array of numbers, all of the same
// length (converted into a new Mat). An empty array is a 0x0 matrix.
func MatOf(fn, name string, o tengo.Object) (*Mat, error) {
	var rows []tengo.Object
	switch v := o.(type) {
	case *Mat:
		return v, nil
	case *tengo.Array:
		rows = v.Value
	case *tengo.ImmutableArray:
		rows = v.Value
	default:
		return nil, lib.Errorf(fn, "argument %s must be a mat or an array of rows, got %s", name, lib.Describe(o))
	}
	if len(rows) == 0 {
		return NewMat(0, 0, nil), nil
	}
	var data []float64
	cols := -1
	for i, r := range rows {
		x, err := Floats(fn, fmt.Sprintf("%s[%d]", name, i), r)
		if err != nil {
			return nil, err
		}
		if cols < 0 {
			cols = len(x)
			if err := checkSize(fn, len(rows), cols); err != nil {
				return nil, err
			}
			data = make([]float64, 0, len(rows)*cols)
		} else if len(x) != cols {
			return nil, lib.Errorf(fn, "argument %s: row %d has %d elements, row 0 has %d (rows must have equal lengths)", name, i, len(x), cols)
		}
		data = append(data, x...)
	}
	return NewMat(len(rows), cols, data), nil
}

// checkSize rejects negative or excessive sizes.
func checkSize(fn string, dims ...int) error {
	total := 1
	for _, d := range dims {
		if d < 0 {
			return lib.Errorf(fn, "size must not be negative, got %d", d)
		}
		if d > 0 && total > MaxElements/d {
			return lib.Errorf(fn, "size %v is too large (at most %d elements)", dims, MaxElements)
		}
		total *= d
	}
	return nil
}

// number reads a scalar operand.
func number(o tengo.Object) (float64, bool) {
	switch x := o.(type) {
	case *tengo.Float:
		return x.Value, true
	case *tengo.Int:
		return float64(x.Value), true
	}
	return 0, false
}

// index reads an index operand (an int, or a float with an integral value).
func index(o tengo.Object) (int, bool) {
	switch x := o.(type) {
	case *tengo.Int:
		return int(x.Value), true
	case *tengo.Float:
		if x.Value == math.Trunc(x.Value) && math.Abs(x.Value) < 1<<53 {
			return int(x.Value), true
		}
	}
	return 0, false
}

// formatFloat writes one element compactly (6 significant digits).
func formatFloat(b *strings.Builder, x float64) {
	b.WriteString(strconv.FormatFloat(x, 'g', 6, 64))
}

// printHead and printTail: a vector longer than printHead+printTail+1 is
// shown as its first printHead and last printTail elements.
const (
	printHead = 6
	printTail = 3
	printRows = 6 // a matrix with more rows is shown as its first 4 and last 2
)

func writeFloats(b *strings.Builder, x []float64) {
	b.WriteByte('[')
	n := len(x)
	for i := 0; i < n; i++ {
		if n > printHead+printTail+1 && i == printHead {
			b.WriteString(", ...")
			i = n - printTail - 1
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		formatFloat(b, x[i])
	}
	b.WriteByte(']')
}
