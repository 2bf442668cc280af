package vec

import (
	"math"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// Vec is a float64 vector visible to scripts as type "vec".
//
// Scripts index it (v[i], v[i] = x; an index outside [0, len) is an error),
// iterate it (for i, x in v), combine it with + - * / (element-wise with a
// vec or array of the same length, or with a number on the right), compare
// it with == (same length and values) and call its methods (v.sum(), ...).
//
// A Vec may share its Data with other Go values (New does not copy, and a
// matrix row view shares the matrix's memory).
type Vec struct {
	lib.Base
	Data []float64

	methods lib.Bound
}

// New wraps data as a Vec without copying it.
func New(data []float64) *Vec { return &Vec{Data: data} }

// Zeros returns a new Vec of n zeros.
func Zeros(n int) *Vec { return &Vec{Data: make([]float64, n)} }

// TypeName is "vec".
func (v *Vec) TypeName() string { return "vec" }

// String shows the values compactly, e.g. "vec[0.1, -1, 2]"; a long vector
// shows its length and its first and last elements: "vec(100)[0, 1, ..., 99]".
func (v *Vec) String() string {
	var b strings.Builder
	b.WriteString("vec")
	if len(v.Data) > printHead+printTail+1 {
		b.WriteString("(" + strconv.Itoa(len(v.Data)) + ")")
	}
	writeFloats(&b, v.Data)
	return b.String()
}

// Copy deep-copies the data.
func (v *Vec) Copy() tengo.Object { return &Vec{Data: clone(v.Data)} }

// Equals reports whether another is a vec of the same length and values.
func (v *Vec) Equals(another tengo.Object) bool {
	w, ok := another.(*Vec)
	return ok && equalFloats(v.Data, w.Data)
}

// IsFalsy: an empty vec is falsy, like an empty array.
func (v *Vec) IsFalsy() bool { return len(v.Data) == 0 }

// IndexGet returns element i as a float for an int index, or the named method.
func (v *Vec) IndexGet(key tengo.Object) (tengo.Object, error) {
	if s, ok := key.(*tengo.String); ok {
		return vecMethods.Get(v, &v.methods, s)
	}
	i, ok := itemIndex(key, len(v.Data))
	if !ok {
		return nil, itemError(v, len(v.Data), "vec[]", "index", key)
	}
	return &tengo.Float{Value: v.Data[i]}, nil
}

// IndexSet sets element i to a number.
func (v *Vec) IndexSet(key, value tengo.Object) error {
	i, ok := itemIndex(key, len(v.Data))
	if !ok {
		return itemError(v, len(v.Data), "vec[]=", "index", key)
	}
	x, ok := lib.AsFloat(value)
	if !ok {
		return lib.Errorf("vec[]=", "value must be a number, got %s", lib.Describe(value))
	}
	v.Data[i] = x
	return nil
}

// CanIterate: a vec iterates over its elements.
func (v *Vec) CanIterate() bool { return true }

// Iterate yields index (int) and element (float) pairs.
func (v *Vec) Iterate() tengo.Iterator { return &iterator{o: v, i: -1} }

// BinaryOp implements v + w, v - w, v * w, v / w element-wise, where w is a
// vec or array of the same length or a number. The result is a new vec.
func (v *Vec) BinaryOp(tok token.Token, rhs tengo.Object) (tengo.Object, error) {
	return binaryOp(v, tok, rhs, &opFn)
}

func (v *Vec) accepts(w tengo.Object) bool {
	switch w.(type) {
	case *Vec, *tengo.Array, *tengo.ImmutableArray:
		return true
	}
	return false
}

func (v *Vec) operand(fn string, w tengo.Object) ([]float64, error) {
	if !v.accepts(w) {
		return nil, lib.Errorf(fn, "argument w must be a vec, an array of numbers or a number, got %s", lib.Describe(w))
	}
	x, err := Floats(fn, "w", w)
	if err != nil {
		return nil, err
	}
	if len(x) != len(v.Data) {
		return nil, LenError(fn, w, len(v.Data), "")
	}
	return x, nil
}

// op is an element-wise arithmetic operation.
type op uint8

const (
	opAdd op = iota
	opSub
	opMul
	opDiv
)

var opFn = [...]string{"vec.add", "vec.sub", "vec.mul", "vec.div"}

func tokenOp(tok token.Token) (op, bool) {
	switch tok {
	case token.Add:
		return opAdd, true
	case token.Sub:
		return opSub, true
	case token.Mul:
		return opMul, true
	case token.Quo:
		return opDiv, true
	}
	return 0, false
}

func scalarOp(dst, a []float64, s float64, o op) {
	switch o {
	case opAdd:
		for i, x := range a {
			dst[i] = x + s
		}
	case opSub:
		for i, x := range a {
			dst[i] = x - s
		}
	case opMul:
		for i, x := range a {
			dst[i] = x * s
		}
	case opDiv:
		for i, x := range a {
			dst[i] = x / s
		}
	}
}

func vectorOp(dst, a, b []float64, o op) {
	b = b[:len(a)]
	dst = dst[:len(a)]
	switch o {
	case opAdd:
		for i, x := range a {
			dst[i] = x + b[i]
		}
	case opSub:
		for i, x := range a {
			dst[i] = x - b[i]
		}
	case opMul:
		for i, x := range a {
			dst[i] = x * b[i]
		}
	case opDiv:
		for i, x := range a {
			dst[i] = x / b[i]
		}
	}
}

func clone(x []float64) []float64 {
	if x == nil {
		return nil
	}
	out := make([]float64, len(x))
	copy(out, x)
	return out
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func closeFloats(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(math.Abs(a[i]-b[i]) <= tol) {
			if a[i] == b[i] { // equal infinities
				continue
			}
			return false
		}
	}
	return true
}

// sum adds the elements in order. Products and sums are rounded explicitly
// (float64(...)) throughout the package so that no platform fuses a
// multiply-add and results are bit-identical everywhere.
func sum(x []float64) float64 {
	s := 0.0
	for _, e := range x {
		s += e
	}
	return s
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for i, x := range a {
		s += float64(x * b[i])
	}
	return s
}

// argExt returns the index of the maximum (sign 1) or minimum (sign -1)
// element: the first one on ties; a NaN element wins (the first NaN), so
// that NaNs are not silently skipped. x must not be empty.
func argExt(x []float64, max bool) int {
	best := 0
	if math.IsNaN(x[0]) {
		return 0
	}
	for i := 1; i < len(x); i++ {
		e := x[i]
		if math.IsNaN(e) {
			return i
		}
		if (max && e > x[best]) || (!max && e < x[best]) {
			best = i
		}
	}
	return best
}
