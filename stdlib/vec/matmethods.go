package vec

import (
	"fmt"
	"math"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// matMethods is the method table of *Mat; it is also its documentation.
var matMethods = lib.NewMethodSet("mat",
	lib.DefNoArgs("rows", "() -> int", "number of rows", func(m *Mat, _ string) (tengo.Object, error) {
		return lib.FromInt(m.Rows), nil
	}),
	lib.DefNoArgs("cols", "() -> int", "number of columns", func(m *Mat, _ string) (tengo.Object, error) {
		return lib.FromInt(m.Cols), nil
	}),
	lib.DefNoArgs("shape", "() -> array", "[rows, cols]", func(m *Mat, _ string) (tengo.Object, error) {
		return &tengo.Array{Value: []tengo.Object{lib.FromInt(m.Rows), lib.FromInt(m.Cols)}}, nil
	}),
	lib.Def("get", "(i int, j int) -> float", "element at row i, column j", matGet),
	lib.Def("set", "(i int, j int, x number) -> mat", "sets element (i, j) to x in place; returns m", matSet),
	lib.Def("row", "(i int) -> vec", "row i as a VIEW sharing the matrix's memory (writing it writes m; use .copy() for an independent vec); same as m[i]", matRow),
	lib.Def("col", "(j int) -> vec", "copy of column j", matCol),
	lib.DefNoArgs("t", "() -> mat", "new transposed matrix", matT),
	lib.Def("matvec", "(x vec|array) -> vec", "new vec m * x (x has cols elements, the result rows)", matMatVec),
	lib.DefNoArgs("to_array", "() -> array", "the rows as a Tengo array of arrays of floats", matToArray),
	lib.DefNoArgs("copy", "() -> mat", "a new mat with the same elements", copyOf[*Mat]),
	lib.Def("fill", "(x number) -> mat", "sets every element to x in place; returns m", fill[*Mat]),
	lib.Def("gather", "(rows mat, index array|vec) -> mat", "sets row t of m to row index[t] of rows, for every row t, in place (one call fills a whole episode's inputs); returns m", matGather),
	lib.DefNoArgs("sum", "() -> float", "sum of the elements (row-major order)", reduce[*Mat](sumOf, true)),
	lib.DefNoArgs("mean", "() -> float", "mean of the elements; empty is an error", reduce[*Mat](meanOf, false)),
	lib.DefNoArgs("max", "() -> float", "largest element (NaN if any element is NaN); empty is an error", reduce[*Mat](maxOf, false)),
	lib.DefNoArgs("min", "() -> float", "smallest element (NaN if any element is NaN); empty is an error", reduce[*Mat](minOf, false)),
	lib.DefNoArgs("abs", "() -> mat", "new mat of absolute values", unary[*Mat](math.Abs)),
	lib.DefNoArgs("flat", "() -> vec", "the elements in row-major order as a new vec", func(m *Mat, _ string) (tengo.Object, error) {
		return New(clone(m.Data)), nil
	}),
	lib.Def("equal", "(w mat|array) -> bool", "whether w has the same shape and exactly the same values", matEqual),
	lib.Def("close", "(w mat|array, tol number) -> bool", "whether w has the same shape and every element differs by at most tol", matClose),
)

func matGet(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var i, j int
	if err := lib.UnpackArgs(fn, args, "i, j", index(&i, m.Rows), index(&j, m.Cols)); err != nil {
		return nil, err
	}
	return &tengo.Float{Value: m.Data[i*m.Cols+j]}, nil
}

func matSet(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var i, j int
	var x float64
	if err := lib.UnpackArgs(fn, args, "i, j, x", index(&i, m.Rows), index(&j, m.Cols), &x); err != nil {
		return nil, err
	}
	m.Data[i*m.Cols+j] = x
	return m, nil
}

func matRow(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var i int
	if err := lib.UnpackArgs(fn, args, "i", index(&i, m.Rows)); err != nil {
		return nil, err
	}
	return m.RowView(i), nil
}

func matCol(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var j int
	if err := lib.UnpackArgs(fn, args, "j", index(&j, m.Cols)); err != nil {
		return nil, err
	}
	out := make([]float64, m.Rows)
	for i := range out {
		out[i] = m.Data[i*m.Cols+j]
	}
	return &Vec{Data: out}, nil
}

func matT(m *Mat, _ string) (tengo.Object, error) {
	out := &Mat{Rows: m.Cols, Cols: m.Rows, Data: make([]float64, len(m.Data))}
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			out.Data[j*m.Rows+i] = m.Data[i*m.Cols+j]
		}
	}
	return out, nil
}

func matMatVec(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var x []float64
	if err := lib.UnpackArgs(fn, args, "x", lib.Read(Floats, &x)); err != nil {
		return nil, err
	}
	if len(x) != m.Cols {
		return nil, LenError(fn, args[0], m.Cols, "the columns of "+MatShape(m.Rows, m.Cols))
	}
	out := make([]float64, m.Rows)
	m.MatVec(out, x)
	return &Vec{Data: out}, nil
}

func matToArray(m *Mat, fn string) (tengo.Object, error) {
	what := func() string { return describeSize("rows, cols", []int{m.Rows, m.Cols}) }
	if err := lib.CheckAlloc(fn, what, arrayBytes*int64(len(m.Data))+40*int64(m.Rows)); err != nil {
		return nil, err
	}
	rows := make([]tengo.Object, m.Rows)
	for i := range rows {
		rows[i] = floatArray(m.row(i))
	}
	return &tengo.Array{Value: rows}, nil
}

func matEqual(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var w *Mat
	if err := lib.UnpackArgs(fn, args, "w", lib.Read(MatOf, &w)); err != nil {
		return nil, err
	}
	return lib.FromBool(m.sameShape(w) && equalFloats(m.Data, w.Data)), nil
}

func matClose(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var w *Mat
	var tol float64
	if err := lib.UnpackArgs(fn, args, "w, tol", lib.Read(MatOf, &w), &tol); err != nil {
		return nil, err
	}
	if err := checkTol(fn, tol); err != nil {
		return nil, err
	}
	return lib.FromBool(m.sameShape(w) && closeFloats(m.Data, w.Data, tol)), nil
}

func (m *Mat) sameShape(w *Mat) bool { return w.Rows == m.Rows && w.Cols == m.Cols }

// matGather copies rows[index[t]] into row t of m for every t.
func matGather(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	var rows *Mat
	var index tengo.Object
	if err := lib.UnpackArgs(fn, args, "rows, index", lib.Read(MatOf, &rows), &index); err != nil {
		return nil, err
	}
	if rows.Cols != m.Cols {
		return nil, &ShapeError{Fn: fn, Got: "rows " + MatShape(rows.Rows, rows.Cols), Want: fmt.Sprintf("%d columns (like %s)", m.Cols, MatShape(m.Rows, m.Cols))}
	}
	var buf [64]int // an episode's steps, without allocating
	idx, err := appendIndexes(buf[:0], fn, index)
	if err != nil {
		return nil, err
	}
	if len(idx) != m.Rows {
		return nil, &ShapeError{Fn: fn, Got: fmt.Sprintf("index of %d entries", len(idx)), Want: fmt.Sprintf("%d (one per row of %s)", m.Rows, MatShape(m.Rows, m.Cols))}
	}
	for t, k := range idx {
		if k < 0 || k >= rows.Rows {
			return nil, lib.Errorf(fn, "index[%d] = %d out of range for rows %s", t, k, MatShape(rows.Rows, rows.Cols))
		}
	}
	for t, k := range idx {
		copy(m.row(t), rows.Data[k*rows.Cols:(k+1)*rows.Cols])
	}
	return m, nil
}

// appendIndexes appends gather's index argument, an array of ints or a
// vec of integral values, to dst.
func appendIndexes(dst []int, fn string, o tengo.Object) ([]int, error) {
	if a, ok := lib.AsArray(o); ok {
		for i, e := range a {
			if v, ok := e.(*tengo.Int); ok { // the common case, without building an argument name
				dst = append(dst, int(v.Value))
				continue
			}
			k, ok := lib.AsInt(e)
			if !ok {
				return nil, lib.Errorf(fn, "argument index[%d] must be an int, got %s", i, lib.Describe(e))
			}
			dst = append(dst, k)
		}
		return dst, nil
	}
	f, err := Floats(fn, "index", o)
	if err != nil {
		return nil, err
	}
	for i, v := range f {
		k := int(v)
		if float64(k) != v {
			return nil, lib.Errorf(fn, "index[%d] must be an integer, got %v", i, v)
		}
		dst = append(dst, k)
	}
	return dst, nil
}
