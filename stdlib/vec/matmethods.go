package vec

import (
	"fmt"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"math"
)

// matMethods is the method table of *Mat; it is also its documentation.
var matMethods = newMethodSet("mat", []method[*Mat]{
	{"rows", "() -> int", "number of rows", func(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
		return intResult(fn, args, m.Rows)
	}},
	{"cols", "() -> int", "number of columns", func(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
		return intResult(fn, args, m.Cols)
	}},
	{"shape", "() -> array", "[rows, cols]", matShape},
	{"get", "(i int, j int) -> float", "element at row i, column j", matGet},
	{"set", "(i int, j int, x number) -> mat", "sets element (i, j) to x in place; returns m", matSet},
	{"row", "(i int) -> vec", "row i as a VIEW sharing the matrix's memory (writing it writes m; use .copy() for an independent vec); same as m[i]", matRow},
	{"col", "(j int) -> vec", "copy of column j", matCol},
	{"t", "() -> mat", "new transposed matrix", matT},
	{"matvec", "(x vec|array) -> vec", "new vec m * x (x has cols elements, the result rows)", matMatVec},
	{"to_array", "() -> array", "the rows as a Tengo array of arrays of floats", matToArray},
	{"copy", "() -> mat", "a new mat with the same elements", func(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 0, 0); err != nil {
			return nil, err
		}
		return m.Copy(), nil
	}},
	{"fill", "(x number) -> mat", "sets every element to x in place; returns m", fill[*Mat]},
	{"gather", "(rows mat, index array|vec) -> mat", "sets row t of m to row index[t] of rows, for every row t, in place (one call fills a whole episode's inputs); returns m", matGather},
	{"sum", "() -> float", "sum of the elements (row-major order)", reduce[*Mat](sumOf, true)},
	{"mean", "() -> float", "mean of the elements; empty is an error", reduce[*Mat](meanOf, false)},
	{"max", "() -> float", "largest element (NaN if any element is NaN); empty is an error", reduce[*Mat](maxOf, false)},
	{"min", "() -> float", "smallest element (NaN if any element is NaN); empty is an error", reduce[*Mat](minOf, false)},
	{"abs", "() -> mat", "new mat of absolute values", unary[*Mat](math.Abs)},
	{"flat", "() -> vec", "the elements in row-major order as a new vec", func(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.NArgs(fn, args, 0, 0); err != nil {
			return nil, err
		}
		return New(append([]float64(nil), m.Data...)), nil
	}},
	{"equal", "(w mat|array) -> bool", "whether w has the same shape and exactly the same values", matEqual},
	{"close", "(w mat|array, tol number) -> bool", "whether w has the same shape and every element differs by at most tol", matClose},
})

func intResult(fn string, args []tengo.Object, n int) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	return &tengo.Int{Value: int64(n)}, nil
}

func matShape(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	return &tengo.Array{Value: []tengo.Object{&tengo.Int{Value: int64(m.Rows)}, &tengo.Int{Value: int64(m.Cols)}}}, nil
}

func matGet(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	i, j, err := m.ij(fn, args)
	if err != nil {
		return nil, err
	}
	return &tengo.Float{Value: m.Data[i*m.Cols+j]}, nil
}

func matSet(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 3, 3); err != nil {
		return nil, err
	}
	i, j, err := m.ij(fn, args)
	if err != nil {
		return nil, err
	}
	x, err := lib.Float(fn, "x", args[2])
	if err != nil {
		return nil, err
	}
	m.Data[i*m.Cols+j] = x
	return m, nil
}

// ij reads a row and a column index from args[0] and args[1].
func (m *Mat) ij(fn string, args []tengo.Object) (int, int, error) {
	i, err := elemIndex(fn, "i", args[0], m.Rows)
	if err != nil {
		return 0, 0, err
	}
	j, err := elemIndex(fn, "j", args[1], m.Cols)
	if err != nil {
		return 0, 0, err
	}
	return i, j, nil
}

func matRow(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	i, err := elemIndex(fn, "i", args[0], m.Rows)
	if err != nil {
		return nil, err
	}
	return m.RowView(i), nil
}

func matCol(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	j, err := elemIndex(fn, "j", args[0], m.Cols)
	if err != nil {
		return nil, err
	}
	out := make([]float64, m.Rows)
	for i := range out {
		out[i] = m.Data[i*m.Cols+j]
	}
	return &Vec{Data: out}, nil
}

func matT(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	out := &Mat{Rows: m.Cols, Cols: m.Rows, Data: make([]float64, len(m.Data))}
	for i := 0; i < m.Rows; i++ {
		for j := 0; j < m.Cols; j++ {
			out.Data[j*m.Rows+i] = m.Data[i*m.Cols+j]
		}
	}
	return out, nil
}

func matMatVec(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	x, err := Floats(fn, "x", args[0])
	if err != nil {
		return nil, err
	}
	if len(x) != m.Cols {
		return nil, &ShapeError{Fn: fn, Got: Shape(args[0]), Want: VecShape(m.Cols) + " (the columns of " + MatShape(m.Rows, m.Cols) + ")"}
	}
	out := make([]float64, m.Rows)
	m.MatVec(out, x)
	return &Vec{Data: out}, nil
}

func matToArray(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 0, 0); err != nil {
		return nil, err
	}
	rows := make([]tengo.Object, m.Rows)
	for i := range rows {
		rows[i] = floatArray(m.row(i))
	}
	return &tengo.Array{Value: rows}, nil
}

func matEqual(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 1, 1); err != nil {
		return nil, err
	}
	w, err := MatOf(fn, "w", args[0])
	if err != nil {
		return nil, err
	}
	return lib.FromBool(w.Rows == m.Rows && w.Cols == m.Cols && equalFloats(m.Data, w.Data)), nil
}

func matClose(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	w, err := MatOf(fn, "w", args[0])
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
	return lib.FromBool(w.Rows == m.Rows && w.Cols == m.Cols && closeFloats(m.Data, w.Data, tol)), nil
}

// matGather copies rows[index[t]] into row t of m for every t.
func matGather(m *Mat, fn string, args []tengo.Object) (tengo.Object, error) {
	if err := lib.NArgs(fn, args, 2, 2); err != nil {
		return nil, err
	}
	rows, err := MatOf(fn, "rows", args[0])
	if err != nil {
		return nil, err
	}
	if rows.Cols != m.Cols {
		return nil, &ShapeError{Fn: fn, Got: "rows " + MatShape(rows.Rows, rows.Cols), Want: fmt.Sprintf("%d columns (like %s)", m.Cols, MatShape(m.Rows, m.Cols))}
	}
	var idx []int
	switch x := args[1].(type) {
	case *tengo.Array, *tengo.ImmutableArray:
		a, _ := lib.Array(fn, "index", x)
		idx = make([]int, len(a))
		for i, o := range a {
			if v, ok := o.(*tengo.Int); ok { // the common case, without building an argument name
				idx[i] = int(v.Value)
				continue
			}
			if idx[i], err = lib.Int(fn, fmt.Sprintf("index[%d]", i), o); err != nil {
				return nil, err
			}
		}
	default:
		f, err := Floats(fn, "index", x)
		if err != nil {
			return nil, err
		}
		idx = make([]int, len(f))
		for i, v := range f {
			idx[i] = int(v)
			if float64(idx[i]) != v {
				return nil, lib.Errorf(fn, "index[%d] must be an integer, got %v", i, v)
			}
		}
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
