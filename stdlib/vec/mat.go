package vec

import (
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// Mat is a row-major float64 matrix visible to scripts as type "mat":
// element (i, j) is Data[i*Cols+j].
//
// Scripts index rows (m[i] is a vec view of row i sharing the matrix's
// memory, so m[i][j] = x writes into m; m[i] = w copies vec or array w into
// row i), iterate rows (for i, row in m; rows are views), combine matrices
// with + - * / (element-wise with a mat of the same shape, or with a number
// on the right), compare with == (same shape and values) and call methods.
type Mat struct {
	lib.Base
	Rows, Cols int
	Data       []float64

	methods lib.Bound
}

// NewMat wraps data (row-major, length rows*cols) as a Mat without copying;
// a nil data allocates zeros. It panics if len(data) != rows*cols, which is a
// programming error in the calling Go module.
func NewMat(rows, cols int, data []float64) *Mat {
	if data == nil {
		data = make([]float64, rows*cols)
	}
	if rows < 0 || cols < 0 || len(data) != rows*cols {
		panic("vec.NewMat: data length does not match " + MatShape(rows, cols))
	}
	return &Mat{Rows: rows, Cols: cols, Data: data}
}

// TypeName is "mat".
func (m *Mat) TypeName() string { return "mat" }

// String shows the shape and the values compactly, eliding long rows and
// many rows: "mat(2x3)[[1, 2, 3], [4, 5, 6]]".
func (m *Mat) String() string {
	var b strings.Builder
	b.WriteString(MatShape(m.Rows, m.Cols))
	b.WriteByte('[')
	for i := 0; i < m.Rows; i++ {
		if m.Rows > printRows && i == printRows-2 {
			b.WriteString(", ...")
			i = m.Rows - 2
		}
		if i > 0 {
			b.WriteString(", ")
		}
		writeFloats(&b, m.row(i))
	}
	b.WriteByte(']')
	return b.String()
}

// Copy deep-copies the matrix.
func (m *Mat) Copy() tengo.Object {
	return &Mat{Rows: m.Rows, Cols: m.Cols, Data: clone(m.Data)}
}

// Equals reports whether another is a mat of the same shape and values.
func (m *Mat) Equals(another tengo.Object) bool {
	o, ok := another.(*Mat)
	return ok && m.Rows == o.Rows && m.Cols == o.Cols && equalFloats(m.Data, o.Data)
}

// IsFalsy: a matrix without elements is falsy.
func (m *Mat) IsFalsy() bool { return len(m.Data) == 0 }

// row returns row i's slice (capacity-limited, so appends cannot spill).
func (m *Mat) row(i int) []float64 {
	return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols]
}

// RowView returns row i as a Vec sharing the matrix's memory.
func (m *Mat) RowView(i int) *Vec { return &Vec{Data: m.row(i)} }

// IndexGet returns the row view for an int index, or the named method.
func (m *Mat) IndexGet(key tengo.Object) (tengo.Object, error) {
	if s, ok := key.(*tengo.String); ok {
		return matMethods.Get(m, &m.methods, s)
	}
	i, ok := itemIndex(key, m.Rows)
	if !ok {
		return nil, itemError(m, m.Rows, "mat[]", "row index", key)
	}
	return m.RowView(i), nil
}

// IndexSet copies a vec or array of length Cols into row i.
func (m *Mat) IndexSet(key, value tengo.Object) error {
	const fn = "mat[]="
	i, ok := itemIndex(key, m.Rows)
	if !ok {
		return itemError(m, m.Rows, fn, "row index", key)
	}
	x, err := Floats(fn, "value", value)
	if err != nil {
		return err
	}
	if len(x) != m.Cols {
		return LenError(fn, value, m.Cols, "a row of "+MatShape(m.Rows, m.Cols))
	}
	copy(m.row(i), x)
	return nil
}

// CanIterate: a mat iterates over its rows.
func (m *Mat) CanIterate() bool { return true }

// Iterate yields (row index, row view) pairs.
func (m *Mat) Iterate() tengo.Iterator { return &iterator{o: m, i: -1} }

// BinaryOp implements m + w, m - w, m * w, m / w element-wise, where w is a
// mat of the same shape or a number. The result is a new mat.
func (m *Mat) BinaryOp(tok token.Token, rhs tengo.Object) (tengo.Object, error) {
	return binaryOp(m, tok, rhs, &matOpFn)
}

var matOpFn = [...]string{"mat.add", "mat.sub", "mat.mul", "mat.div"}

func (m *Mat) accepts(w tengo.Object) bool {
	_, ok := w.(*Mat)
	return ok
}

func (m *Mat) operand(fn string, w tengo.Object) ([]float64, error) {
	x, ok := w.(*Mat)
	if !ok {
		return nil, lib.Errorf(fn, "argument w must be a mat or a number, got %s", lib.Describe(w))
	}
	if !m.sameShape(x) {
		return nil, &ShapeError{Fn: fn, Got: MatShape(x.Rows, x.Cols), Want: MatShape(m.Rows, m.Cols)}
	}
	return x.Data, nil
}

// MatVec computes dst = m * x (len(x) == Cols, len(dst) == Rows), rounding
// every product explicitly so results are identical on every platform.
func (m *Mat) MatVec(dst, x []float64) {
	for i := range m.Rows {
		dst[i] = dot(m.row(i), x)
	}
}
