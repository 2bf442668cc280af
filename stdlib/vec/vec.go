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
// outputs with New / NewMat and read inputs with Floats / MatOf (as
// lib.UnpackArgs variables: lib.Read(vec.Floats, &x)), which also accept
// plain Tengo arrays. Shape problems are reported as *ShapeError, whose
// message names the function and both shapes (LenError for a vector).
//
// Methods come from a lib.MethodSet per type, bound lazily and cached per
// object: a fresh vector (from an operator, or returned each step by
// another module) costs one allocation for the object and one for its data,
// nothing for its methods until one is used.
package vec

import (
	"fmt"
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
	case nil:
		return "nil"
	}
	if a, ok := lib.AsArray(o); ok {
		return "array(" + strconv.Itoa(len(a)) + ")"
	}
	return o.TypeName()
}

// Floats reads a vector argument: a *Vec (its Data is returned without a
// copy: read it, do not keep it) or a Tengo array of numbers (converted into
// a new slice). Any other value is an error naming fn, the argument and its
// type.
func Floats(fn, name string, o tengo.Object) ([]float64, error) {
	if v, ok := o.(*Vec); ok {
		return v.Data, nil
	}
	if a, ok := lib.AsArray(o); ok {
		return arrayFloats(fn, name, a)
	}
	return nil, lib.Errorf(fn, "argument %s must be a vec or an array of numbers, got %s", name, lib.Describe(o))
}

// LenError is the *ShapeError of a vector argument o of fn that does not
// have n elements; why, if not empty, says where n comes from ("the
// network's input size").
func LenError(fn string, o tengo.Object, n int, why string) error {
	want := VecShape(n)
	if why != "" {
		want += " (" + why + ")"
	}
	return &ShapeError{Fn: fn, Got: Shape(o), Want: want}
}

func arrayFloats(fn, name string, elems []tengo.Object) ([]float64, error) {
	out := make([]float64, len(elems))
	for i, e := range elems {
		x, ok := lib.AsFloat(e)
		if !ok {
			return nil, lib.Errorf(fn, "argument %s[%d] must be a number, got %s", name, i, lib.Describe(e))
		}
		out[i] = x
	}
	return out, nil
}

// MatOf reads a matrix argument: a *Mat (returned as is, not copied) or a
// Tengo array of rows, each a vec or an array of numbers, all of the same
// length (converted into a new Mat). An empty array is a 0x0 matrix.
func MatOf(fn, name string, o tengo.Object) (*Mat, error) {
	if m, ok := o.(*Mat); ok {
		return m, nil
	}
	rows, ok := lib.AsArray(o)
	if !ok {
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
			if err := checkSize(fn, "rows, columns", 8, len(rows), cols); err != nil {
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

// count is an argument that is a number of elements: an int >= 0, not
// too large.
func count(dst *int) lib.Unpacker { return lib.Read(readCount, dst) }

func readCount(fn, name string, o tengo.Object) (int, error) {
	var n int
	if err := lib.UnpackArg(fn, name, o, &n); err != nil {
		return 0, err
	}
	return n, CheckCount(fn, name, 8, n)
}

// CheckCount checks argument name, a number n of elements of bytesPer
// bytes each (rand's draws use it too): not negative, not excessive, within
// the memory budget.
func CheckCount(fn, name string, bytesPer int64, n int) error {
	if n < 0 {
		return lib.Errorf(fn, "argument %s must not be negative, got %d", name, n)
	}
	return checkSize(fn, name, bytesPer, n)
}

// index is an argument that is an index in [0, n).
func index(dst *int, n int) lib.Unpacker {
	return func(fn, name string, o tengo.Object) error {
		var i int
		if err := lib.UnpackArg(fn, name, o, &i); err != nil {
			return err
		}
		if err := checkIndex(fn, name, i, n); err != nil {
			return err
		}
		*dst = i
		return nil
	}
}

// checkIndex rejects an index argument outside [0, n).
func checkIndex(fn, name string, i, n int) error {
	if i < 0 || i >= n {
		return lib.Errorf(fn, "argument %s = %d out of range [0, %d)", name, i, n)
	}
	return nil
}

// checkSize rejects a negative or excessive number of elements, the
// product of dims, named in errors by names, one per dim ("rows, cols"; a
// single one is an argument: "n"; "" for a count of elements), and one
// whose bytesPer bytes each the memory budget cannot hold.
func checkSize(fn, names string, bytesPer int64, dims ...int) error {
	total := 1
	for _, d := range dims {
		if d < 0 {
			return lib.Errorf(fn, "%s: must not be negative", describeSize(names, dims))
		}
		if d > 0 && total > MaxElements/d {
			return lib.Errorf(fn, "%s is too large (at most %d elements)", describeSize(names, dims), MaxElements)
		}
		total *= d
	}
	return lib.CheckAlloc(fn, func() string { return describeSize(names, dims) }, bytesPer*int64(total))
}

// describeSize names sizes in errors: "argument n = 5", "rows × cols =
// 3 × 4", "5 elements".
func describeSize(names string, dims []int) string {
	var b strings.Builder
	switch {
	case names == "":
		b.WriteString(strconv.Itoa(dims[0]) + " elements")
		return b.String()
	case len(dims) == 1:
		b.WriteString("argument ")
	}
	b.WriteString(strings.ReplaceAll(names, ", ", " × "))
	for i, d := range dims {
		if i == 0 {
			b.WriteString(" = ")
		} else {
			b.WriteString(" × ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	return b.String()
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
