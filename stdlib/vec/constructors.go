package vec

import (
	"fmt"
	"math"
	"strconv"

	"github.com/bohpsh/bohpsh/internal/stats"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func zeros(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	return filled(fn, args, 0)
}

func ones(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	return filled(fn, args, 1)
}

// filled makes a vec of n copies of x, n the one argument.
func filled(fn string, args []tengo.Object, x float64) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", count(&n)); err != nil {
		return nil, err
	}
	return newFilled(n, x), nil
}

func full(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	var x float64
	if err := lib.UnpackArgs(fn, args, "n, x", count(&n), &x); err != nil {
		return nil, err
	}
	return newFilled(n, x), nil
}

func newFilled(n int, x float64) *Vec {
	v := Zeros(n)
	if x != 0 {
		for i := range v.Data {
			v.Data[i] = x
		}
	}
	return v
}

func from(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var x []float64
	if err := lib.UnpackArgs(fn, args, "a", lib.Read(Floats, &x)); err != nil {
		return nil, err
	}
	if _, shared := args[0].(*Vec); shared { // Floats gives a vec's own data
		x = clone(x)
	}
	return New(x), nil
}

func onehot(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n, i int
	if err := lib.UnpackArgs(fn, args, "n, i", count(&n), &i); err != nil {
		return nil, err
	}
	if err := checkIndex(fn, "i", i, n); err != nil {
		return nil, err
	}
	v := Zeros(n)
	v.Data[i] = 1
	return v, nil
}

func concat(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	total := 0
	for i, a := range args {
		switch a := a.(type) {
		case *tengo.Int, *tengo.Float:
			total++
		case *Vec:
			total += len(a.Data)
		default:
			elems, ok := lib.AsArray(a)
			if !ok {
				return nil, lib.Errorf(fn, "argument %d must be a vec, an array of numbers or a number, got %s", i+1, lib.Describe(a))
			}
			total += len(elems)
		}
	}
	if err := checkSize(fn, "", 8, total); err != nil {
		return nil, err
	}
	out := make([]float64, 0, total)
	for i, a := range args {
		if x, ok := lib.AsFloat(a); ok {
			out = append(out, x)
			continue
		}
		x, err := Floats(fn, strconv.Itoa(i+1), a)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return New(out), nil
}

func rangeVec(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	step := 1.0
	if err := lib.UnpackArgs(fn, args, "lo, hi, step?", &lo, &hi, &step); err != nil {
		return nil, err
	}
	if step == 0 || !stats.IsFinite(step) || !stats.IsFinite(lo) || !stats.IsFinite(hi) {
		return nil, lib.Errorf(fn, "need finite lo, hi and a finite non-zero step, got %v, %v, %v", lo, hi, step)
	}
	count := math.Ceil((hi - lo) / step)
	if count < 0 {
		count = 0
	}
	if count > MaxElements {
		return nil, lib.Errorf(fn, "lo, hi, step = %v, %v, %v give %v elements, too many (at most %d)", lo, hi, step, count, MaxElements)
	}
	n := int(count)
	what := func() string { return fmt.Sprintf("lo, hi, step = %v, %v, %v: %d elements", lo, hi, step, n) }
	if err := lib.CheckAlloc(fn, what, 8*int64(n)); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + float64(float64(i)*step)
	}
	return New(out), nil
}

func linspace(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var lo, hi float64
	var n int
	if err := lib.UnpackArgs(fn, args, "lo, hi, n", &lo, &hi, count(&n)); err != nil {
		return nil, err
	}
	if !stats.IsFinite(lo) || !stats.IsFinite(hi) { // else the steps are NaN
		return nil, lib.Errorf(fn, "need finite lo and hi, got %v, %v", lo, hi)
	}
	out := make([]float64, n)
	if n == 1 {
		out[0] = lo
	} else if n > 1 {
		step := (hi - lo) / float64(n-1)
		for i := range out {
			out[i] = lo + float64(float64(i)*step)
		}
		out[n-1] = hi
	}
	return New(out), nil
}

func newMatFn(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var r, c int
	if err := lib.UnpackArgs(fn, args, "rows, cols", count(&r), count(&c)); err != nil {
		return nil, err
	}
	if err := checkSize(fn, "rows, cols", 8, r, c); err != nil {
		return nil, err
	}
	return NewMat(r, c, nil), nil
}

func matFrom(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var m *Mat
	if err := lib.UnpackArgs(fn, args, "rows", lib.Read(MatOf, &m)); err != nil {
		return nil, err
	}
	if _, shared := args[0].(*Mat); shared { // MatOf gives a mat argument itself
		return m.Copy(), nil
	}
	return m, nil
}

func eye(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var n int
	if err := lib.UnpackArgs(fn, args, "n", count(&n)); err != nil {
		return nil, err
	}
	if err := checkSize(fn, "n, n", 8, n, n); err != nil {
		return nil, err
	}
	m := NewMat(n, n, nil)
	for i := 0; i < n; i++ {
		m.Data[i*n+i] = 1
	}
	return m, nil
}

func stack(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	rows := args
	if len(args) == 1 {
		// stack([v1, v2]) takes an array of rows; stack([1, 2]) is one row.
		if elems, _ := lib.AsArray(args[0]); len(elems) > 0 {
			if _, isNum := lib.AsFloat(elems[0]); !isNum {
				rows = elems
			}
		}
	}
	if len(rows) == 0 {
		return nil, lib.Errorf(fn, "need at least one row")
	}
	return MatOf(fn, "rows", &tengo.Array{Value: rows})
}
