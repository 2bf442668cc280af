package vec_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
)

// run compiles and runs src with the vec and assert modules.
func run(t *testing.T, src string) (*tengo.Compiled, error) {
	t.Helper()
	env := &lib.Env{Seed: 1}
	mm := tengo.NewModuleMap()
	mm.AddBuiltinModule("vec", vec.Module.Build(env))
	mm.AddBuiltinModule("assert", scripttest.Assert.Build(env))
	s := tengo.NewScript([]byte(src))
	s.SetImports(mm)
	return s.Run()
}

func mustRun(t *testing.T, src string) *tengo.Compiled {
	t.Helper()
	c, err := run(t, src)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	return c
}

// runErr runs src and requires an error containing every one of wants.
func runErr(t *testing.T, src string, wants ...string) error {
	t.Helper()
	_, err := run(t, src)
	if err == nil {
		t.Fatalf("script succeeded, want error containing %q\n%s", wants, src)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q\n%s", err, w, src)
		}
	}
	return err
}

func getFloats(t *testing.T, c *tengo.Compiled, name string) []float64 {
	t.Helper()
	v, ok := c.Get(name).Object().(*vec.Vec)
	if !ok {
		t.Fatalf("%s is %s, want vec", name, c.Get(name).Object().TypeName())
	}
	return v.Data
}

func TestConstructors(t *testing.T) {
	c := mustRun(t, `
vec := import("vec")
z := vec.zeros(3)
o := vec.ones(2)
f := vec.full(2, 1.5)
a := vec.from([1, 2.5, -3])
h := vec.onehot(4, 2)
cc := vec.concat(vec.from([1, 2]), [3], 4, vec.zeros(0))
r := vec.range(0, 1, 0.25)
r2 := vec.range(3, 0, -1)
r3 := vec.range(0, 3)
l := vec.linspace(0, 1, 5)
l1 := vec.linspace(2, 3, 1)
e := vec.zeros(0)
`)
	cases := []struct {
		name string
		want []float64
	}{
		{"z", []float64{0, 0, 0}},
		{"o", []float64{1, 1}},
		{"f", []float64{1.5, 1.5}},
		{"a", []float64{1, 2.5, -3}},
		{"h", []float64{0, 0, 1, 0}},
		{"cc", []float64{1, 2, 3, 4}},
		{"r", []float64{0, 0.25, 0.5, 0.75}},
		{"r2", []float64{3, 2, 1}},
		{"r3", []float64{0, 1, 2}},
		{"l", []float64{0, 0.25, 0.5, 0.75, 1}},
		{"l1", []float64{2}},
		{"e", []float64{}},
	}
	for _, tc := range cases {
		if got := getFloats(t, c, tc.name); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestVecMethods(t *testing.T) {
	c := mustRun(t, `
vec := import("vec")
v := vec.from([3, -1, 4, -1, 5])
n := v.len()
g := v.get(2)
s := v.sum()
m := v.mean()
mx := v.max()
mn := v.min()
amx := v.argmax()
amn := v.argmin()
d := v.dot([1, 1, 1, 1, 1])
nr := vec.from([3, 4]).norm()
ab := v.abs()
cl := v.clip(0, 3.5)
sl := v.slice(1, 3)
sl2 := v.slice(3)
sc := v.scale(2)
ad := v.add(1)
sb := v.sub(v)
ml := v.mul([1, 2, 3, 4, 5])
dv := v.div(2)
arr := v.to_array()
cp := v.copy()
cp.set(0, 100)
w := vec.zeros(5)
w.assign(v)
w.add_(1).scale_(2).sub_([1, 1, 1, 1, 1]).mul_(vec.ones(5)).div_(2)
f := vec.zeros(3).fill(7)
eq := v.equal([3, -1, 4, -1, 5])
ne := v.equal([3, -1, 4, -1])
cs := v.close([3.05, -1, 4, -1, 5], 0.1)
ncs := v.close([3.2, -1, 4, -1, 5], 0.1)
`)
	ints := map[string]int64{"n": 5, "amx": 4, "amn": 1}
	for name, want := range ints {
		if got := c.Get(name).Int64(); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	floats := map[string]float64{"g": 4, "s": 10, "m": 2, "mx": 5, "mn": -1, "d": 10, "nr": 5}
	for name, want := range floats {
		if got := c.Get(name).Float(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	vecs := map[string][]float64{
		"v":   {3, -1, 4, -1, 5}, // unchanged by the non-in-place methods and by cp.set
		"ab":  {3, 1, 4, 1, 5},
		"cl":  {3, 0, 3.5, 0, 3.5},
		"sl":  {-1, 4},
		"sl2": {-1, 5},
		"sc":  {6, -2, 8, -2, 10},
		"ad":  {4, 0, 5, 0, 6},
		"sb":  {0, 0, 0, 0, 0},
		"ml":  {3, -2, 12, -4, 25},
		"dv":  {1.5, -0.5, 2, -0.5, 2.5},
		"cp":  {100, -1, 4, -1, 5},
		"w":   {3.5, -0.5, 4.5, -0.5, 5.5},
		"f":   {7, 7, 7},
	}
	for name, want := range vecs {
		if got := getFloats(t, c, name); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if arr := c.Get("arr").Array(); len(arr) != 5 || arr[4] != 5.0 {
		t.Errorf("to_array = %v", arr)
	}
	for name, want := range map[string]bool{"eq": true, "ne": false, "cs": true, "ncs": false} {
		if got := c.Get(name).Bool(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestVecOperatorsIndexIteration(t *testing.T) {
	c := mustRun(t, `
vec := import("vec")
a := vec.from([1, 2, 3])
b := vec.from([10, 20, 30])
p := a + b
q := b - a
r := a * b
s := b / a
t := a * 2 - 1
u := a + [1, 1, 1]
a2 := a.copy()
a2[0] = 5
a2[1] += 1
a2[2.0] = 7
x1 := a[1]
total := 0.0
keys := 0
for i, x in a { total += x; keys += i }
same := vec.from([1, 2, 3]) == a
diff := vec.from([1, 2, 4]) != a
shorter := vec.from([1, 2]) == a
notarr := a == [1, 2, 3]
truthy := a ? 1 : 0
falsy := vec.zeros(0) ? 1 : 0
`)
	vecs := map[string][]float64{
		"p": {11, 22, 33}, "q": {9, 18, 27}, "r": {10, 40, 90}, "s": {10, 10, 10},
		"t": {1, 3, 5}, "u": {2, 3, 4}, "a2": {5, 3, 7}, "a": {1, 2, 3},
	}
	for name, want := range vecs {
		if got := getFloats(t, c, name); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := c.Get("x1").Float(); got != 2 {
		t.Errorf("a[1] = %v", got)
	}
	if got := c.Get("total").Float(); got != 6 {
		t.Errorf("iteration total = %v", got)
	}
	if got := c.Get("keys").Int(); got != 3 {
		t.Errorf("iteration keys sum = %v", got)
	}
	for name, want := range map[string]bool{"same": true, "diff": true, "shorter": false, "notarr": false} {
		if got := c.Get(name).Bool(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if c.Get("truthy").Int() != 1 || c.Get("falsy").Int() != 0 {
		t.Errorf("truthiness: non-empty %v, empty %v", c.Get("truthy").Int(), c.Get("falsy").Int())
	}
}

func TestMat(t *testing.T) {
	c := mustRun(t, `
vec := import("vec")
m := vec.mat_from([[1, 2, 3], [4, 5, 6]])
r := m.rows()
cl := m.cols()
sh := m.shape()
g := m.get(1, 2)
m2 := m.copy()
m2.set(0, 0, 9)
row := m2.row(1)
row[0] = 40          // a row is a view: writes m2
m2[1][1] = 50        // so is m[i]
m2[0] = [7, 8, 9.5]  // m[i] = w copies into row i
col := m.col(1)
tt := m.t()
mv := m.matvec([1, 0, -1])
mv2 := m.matvec(vec.ones(3))
arr := m.to_array()
e := vec.eye(2)
z := vec.mat(2, 3)
st := vec.stack(vec.from([1, 2]), [3, 4])
st2 := vec.stack([vec.from([1, 2]), vec.from([3, 4])])
st3 := vec.stack([5, 6])
s := m.sum()
mean := m.mean()
f := vec.mat(2, 2).fill(3)
eq := m == vec.mat_from([[1, 2, 3], [4, 5, 6]])
ne := m == tt
eqm := m.equal([[1, 2, 3], [4, 5, 6]])
cls := m.close([[1, 2, 3], [4, 5, 6.01]], 0.1)
sum := m + m
scaled := m * 2
rowsum := 0.0
for i, rw in m { rowsum += rw.sum() * (i + 1) }
`)
	mat := func(name string) *vec.Mat {
		m, ok := c.Get(name).Object().(*vec.Mat)
		if !ok {
			t.Fatalf("%s is %s, want mat", name, c.Get(name).Object().TypeName())
		}
		return m
	}
	checkMat := func(name string, rows, cols int, data []float64) {
		m := mat(name)
		if m.Rows != rows || m.Cols != cols || !slices.Equal(m.Data, data) {
			t.Errorf("%s = %dx%d %v, want %dx%d %v", name, m.Rows, m.Cols, m.Data, rows, cols, data)
		}
	}
	checkMat("m", 2, 3, []float64{1, 2, 3, 4, 5, 6})
	checkMat("m2", 2, 3, []float64{7, 8, 9.5, 40, 50, 6})
	checkMat("tt", 3, 2, []float64{1, 4, 2, 5, 3, 6})
	checkMat("e", 2, 2, []float64{1, 0, 0, 1})
	checkMat("z", 2, 3, []float64{0, 0, 0, 0, 0, 0})
	checkMat("st", 2, 2, []float64{1, 2, 3, 4})
	checkMat("st2", 2, 2, []float64{1, 2, 3, 4})
	checkMat("st3", 1, 2, []float64{5, 6})
	checkMat("f", 2, 2, []float64{3, 3, 3, 3})
	checkMat("sum", 2, 3, []float64{2, 4, 6, 8, 10, 12})
	checkMat("scaled", 2, 3, []float64{2, 4, 6, 8, 10, 12})
	if got := getFloats(t, c, "row"); !slices.Equal(got, []float64{40, 50, 6}) {
		t.Errorf("row view = %v, want [40 50 6]", got)
	}
	if got := getFloats(t, c, "col"); !slices.Equal(got, []float64{2, 5}) {
		t.Errorf("col = %v", got)
	}
	if got := getFloats(t, c, "mv"); !slices.Equal(got, []float64{-2, -2}) {
		t.Errorf("matvec = %v", got)
	}
	if got := getFloats(t, c, "mv2"); !slices.Equal(got, []float64{6, 15}) {
		t.Errorf("matvec ones = %v", got)
	}
	if c.Get("r").Int() != 2 || c.Get("cl").Int() != 3 || c.Get("g").Float() != 6 {
		t.Errorf("rows/cols/get = %v %v %v", c.Get("r"), c.Get("cl"), c.Get("g"))
	}
	if sh := c.Get("sh").Array(); len(sh) != 2 || sh[0] != int64(2) || sh[1] != int64(3) {
		t.Errorf("shape = %v", sh)
	}
	if arr := c.Get("arr").Array(); len(arr) != 2 || arr[1].([]any)[2] != 6.0 {
		t.Errorf("to_array = %v", arr)
	}
	if c.Get("s").Float() != 21 || c.Get("mean").Float() != 3.5 {
		t.Errorf("sum, mean = %v, %v", c.Get("s"), c.Get("mean"))
	}
	if c.Get("rowsum").Float() != 6+2*15 {
		t.Errorf("row iteration = %v", c.Get("rowsum"))
	}
	for name, want := range map[string]bool{"eq": true, "ne": false, "eqm": true, "cls": true} {
		if got := c.Get(name).Bool(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	pre := "vec := import(\"vec\")\nv := vec.from([1, 2, 3])\nm := vec.mat(2, 3)\n"
	cases := []struct {
		src   string
		wants []string
	}{
		// shapes
		{"x := v + vec.zeros(4)", []string{"vec.add: shape mismatch: got vec(4), want vec(3)"}},
		{"x := v - [1, 2]", []string{"vec.sub: shape mismatch: got array(2), want vec(3)"}},
		{"x := v.mul(vec.zeros(2))", []string{"vec.mul: shape mismatch: got vec(2), want vec(3)"}},
		{"v.add_(vec.zeros(2))", []string{"vec.add_: shape mismatch"}},
		{"x := v.dot([1])", []string{"vec.dot: shape mismatch: got array(1), want vec(3)"}},
		{"v.assign(vec.zeros(5))", []string{"vec.assign: shape mismatch: got vec(5), want vec(3)"}},
		{"x := m.matvec(vec.zeros(2))", []string{"mat.matvec: shape mismatch: got vec(2), want vec(3)", "mat(2x3)"}},
		{"x := m + vec.mat(3, 2)", []string{"mat.add: shape mismatch: got mat(3x2), want mat(2x3)"}},
		{"m[0] = [1, 2]", []string{"shape mismatch: got array(2), want vec(3)"}},
		{"x := vec.mat_from([[1, 2], [3]])", []string{"vec.mat_from", "row 1 has 1 elements"}},
		// indexes
		{"x := v[3]", []string{"index 3 out of range for vec(3)"}},
		{"x := v[-1]", []string{"index -1 out of range for vec(3)"}},
		{"v[5] = 1", []string{"index 5 out of range for vec(3)"}},
		{"x := v[1.5]", []string{"index must be an int, got float 1.5"}},
		{`v[0] = "a"`, []string{"value must be a number, got string"}},
		{"x := v.get(3)", []string{"vec.get: argument i = 3 out of range [0, 3)"}},
		{"x := m[2]", []string{"row index 2 out of range for mat(2x3)"}},
		{"x := m.get(0, 3)", []string{"mat.get: argument j = 3 out of range [0, 3)"}},
		{"x := v.slice(2, 1)", []string{"vec.slice: bounds [2, 1) invalid for vec(3)"}},
		{"x := vec.onehot(3, 3)", []string{"vec.onehot: argument i = 3 out of range [0, 3)"}},
		// types and arguments
		{"x := v.nosuch()", []string{`vec: no method or field "nosuch"`, "argmax"}},
		{`x := v + "a"`, []string{"invalid operation: vec + string"}},
		{"x := 2 * v", []string{"invalid operation: int * vec"}},
		{`x := v.add("a")`, []string{"vec.add: argument w must be a vec, an array of numbers or a number, got string"}},
		{`x := v.dot(1)`, []string{"vec.dot: argument w must be a vec or an array of numbers, got int 1"}},
		{`x := vec.from([1, "a"])`, []string{`vec.from: argument a[1] must be a number, got string "a"`}},
		{`x := vec.from(3)`, []string{"vec.from: argument a must be a vec or an array of numbers, got int 3"}},
		{`x := vec.zeros(-1)`, []string{"vec.zeros: argument n must not be negative, got -1"}},
		{`x := vec.zeros("a")`, []string{"vec.zeros: argument n must be an int"}},
		{`x := vec.zeros(1 << 40)`, []string{"vec.zeros: argument n = 1099511627776 is too large (at most 268435456 elements)"}},
		{`x := vec.mat(1 << 20, 1 << 20)`, []string{"vec.mat: rows × cols = 1048576 × 1048576 is too large (at most 268435456 elements)", "(main):4:6"}},
		{`x := vec.mat(1e9, 1e9)`, []string{"vec.mat: argument rows = 1000000000 is too large (at most 268435456 elements)"}},
		// a whole float beyond 2^53 is a size too large, not a non-int
		{`x := vec.mat(0, 1e18)`, []string{"vec.mat: argument cols = 1000000000000000000 is too large (at most 268435456 elements)"}},
		{`x := vec.zeros(-1e18)`, []string{"vec.zeros: argument n must not be negative, got -1000000000000000000"}},
		{`x := vec.zeros(1e300)`, []string{"vec.zeros: argument n = 1e+300 is beyond the range of an int (±9223372036854775807)"}},
		{`x := vec.mat(2, 1e9)`, []string{"vec.mat: argument cols = 1000000000 is too large"}},
		{`x := vec.eye(1 << 15)`, []string{"vec.eye: n × n = 32768 × 32768 is too large (at most 268435456 elements)"}},
		{`x := vec.full(1 << 30, 1)`, []string{"vec.full: argument n = 1073741824 is too large"}},
		{`x := vec.range(0, 1e12)`, []string{"vec.range: lo, hi, step = 0, 1e+12, 1 give 1e+12 elements, too many (at most 268435456)"}},
		{`x := vec.linspace(0, 1, 1 << 40)`, []string{"vec.linspace: argument n = 1099511627776 is too large"}},
		{`x := vec.zeros()`, []string{"vec.zeros: wrong number of arguments: want 1, got 0"}},
		{`x := v.sum(1)`, []string{"vec.sum: wrong number of arguments: want 0, got 1"}},
		{`x := vec.zeros(0).mean()`, []string{"vec.mean: empty vec"}},
		{`x := vec.zeros(0).argmax()`, []string{"vec.argmax: empty vec"}},
		{`x := vec.zeros(0).median()`, []string{"vec.median: empty vec", "(main):4:6"}},
		{`x := v.quantile(1.5)`, []string{"vec.quantile: q must be in [0, 1], got 1.5"}},
		{`x := v.quantile("a")`, []string{`vec.quantile: argument q must be a number, got string "a"`}},
		{`x := vec.from([1, 0.0 / 0.0]).median()`, []string{"vec.median: element 1 of vec(2) is NaN"}},
		{`x := v.sorted(1)`, []string{"vec.sorted: wrong number of arguments: want 0, got 1"}},
		{`x := vec.zeros(0).softmax()`, []string{"vec.softmax: empty vec"}},
		{`x := vec.from([1, 0.0 / 0.0]).softmax()`, []string{"vec.softmax: element 1 of vec(2) is NaN"}},
		{`x := vec.from([1e308 * 10, 1]).softmax()`, []string{"vec.softmax: element 0 of vec(2) is +Inf"}},
		{`x := vec.from([-1e308 * 10, -1e308 * 10]).softmax()`, []string{"vec.softmax: every element of vec(2) is -Inf"}},
		{`x := vec.zeros(2).softmax(1)`, []string{"vec.softmax: wrong number of arguments: want 0, got 1"}},
		{`x := v.close(v, -1)`, []string{"vec.close: argument tol must be >= 0"}},
		{`x := vec.range(0, 1, 0)`, []string{"vec.range: need finite lo, hi and a finite non-zero step"}},
		{`x := vec.linspace(0, 1e308 * 10, 3)`, []string{"vec.linspace: need finite lo and hi, got 0, +Inf", "(main):4:6"}},
		{`x := vec.linspace(0.0 / 0.0, 1, 1)`, []string{"vec.linspace: need finite lo and hi, got NaN, 1"}},
		{`x := vec.stack()`, []string{"vec.stack: need at least one row"}},
		{`x := vec.stack(v, 1)`, []string{"vec.stack: argument rows[1] must be a vec or an array of numbers, got int 1"}},
		{`x := vec.concat(v, "a")`, []string{"vec.concat: argument 2 must be a vec, an array of numbers or a number"}},
		{`x := len(v)`, []string{"len"}},
		{`v.sum = 1`, []string{"cannot assign to method or field"}},
	}
	for _, tc := range cases {
		runErr(t, pre+tc.src, tc.wants...)
	}
}

func TestShapeErrorType(t *testing.T) {
	_, err := run(t, `vec := import("vec"); x := vec.zeros(3) + vec.zeros(4)`)
	var se *vec.ShapeError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *vec.ShapeError", err, err)
	}
	if se.Fn != "vec.add" || se.Got != "vec(4)" || se.Want != "vec(3)" {
		t.Errorf("ShapeError = %+v", *se)
	}
}

func TestGoHelpers(t *testing.T) {
	v := vec.New([]float64{1, 2})
	if got, err := vec.Floats("f", "x", v); err != nil || &got[0] != &v.Data[0] {
		t.Errorf("Floats(vec) = %v, %v; want the vec's own data", got, err)
	}
	arr := &tengo.Array{Value: []tengo.Object{&tengo.Int{Value: 1}, &tengo.Float{Value: 2.5}}}
	if got, err := vec.Floats("f", "x", arr); err != nil || !slices.Equal(got, []float64{1, 2.5}) {
		t.Errorf("Floats(array) = %v, %v", got, err)
	}
	imm := &tengo.ImmutableArray{Value: arr.Value}
	if got, err := vec.Floats("f", "x", imm); err != nil || !slices.Equal(got, []float64{1, 2.5}) {
		t.Errorf("Floats(immutable array) = %v, %v", got, err)
	}
	if _, err := vec.Floats("net.step", "input", &tengo.String{Value: "s"}); err == nil ||
		err.Error() != `net.step: argument input must be a vec or an array of numbers, got string "s"` {
		t.Errorf("Floats(string) error = %v", err)
	}
	err := vec.LenError("net.step", v, 3, "the input size")
	var se *vec.ShapeError
	if !errors.As(err, &se) || err.Error() != "net.step: shape mismatch: got vec(2), want vec(3) (the input size)" {
		t.Errorf("LenError = %v", err)
	}
	m := vec.NewMat(2, 2, []float64{1, 2, 3, 4})
	if got, err := vec.MatOf("f", "m", m); err != nil || got != m {
		t.Errorf("MatOf(mat) = %v, %v", got, err)
	}
	rows := &tengo.Array{Value: []tengo.Object{v, arr}}
	if got, err := vec.MatOf("f", "m", rows); err != nil || got.Rows != 2 || got.Cols != 2 || !slices.Equal(got.Data, []float64{1, 2, 1, 2.5}) {
		t.Errorf("MatOf(rows) = %v, %v", got, err)
	}
	if _, err := vec.MatOf("f", "m", v); err == nil || !strings.Contains(err.Error(), "f: argument m must be a mat or an array of rows, got vec") {
		t.Errorf("MatOf(vec) error = %v", err)
	}
	for o, want := range map[tengo.Object]string{v: "vec(2)", m: "mat(2x2)", arr: "array(2)", &tengo.Int{}: "int"} {
		if got := vec.Shape(o); got != want {
			t.Errorf("Shape(%s) = %q, want %q", o, got, want)
		}
	}
	// Copy is deep, Equals compares values.
	c := v.Copy().(*vec.Vec)
	c.Data[0] = 9
	if v.Data[0] != 1 || !v.Equals(vec.New([]float64{1, 2})) || v.Equals(c) {
		t.Errorf("Copy/Equals: v %v, copy %v", v.Data, c.Data)
	}
	mc := m.Copy().(*vec.Mat)
	mc.Data[0] = 9
	if m.Data[0] != 1 || m.Equals(mc) || !m.Equals(vec.NewMat(2, 2, []float64{1, 2, 3, 4})) || m.Equals(vec.NewMat(1, 4, []float64{1, 2, 3, 4})) {
		t.Errorf("Mat Copy/Equals broken")
	}
}

func TestString(t *testing.T) {
	cases := []struct {
		o    tengo.Object
		want string
	}{
		{vec.New([]float64{0.1, -1, 2}), "vec[0.1, -1, 2]"},
		{vec.New(nil), "vec[]"},
		{vec.New([]float64{1.0 / 3, 1e-9, 1e12}), "vec[0.333333, 1e-09, 1e+12]"},
		{vec.New([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), "vec[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"},
		{vec.New([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), "vec(11)[0, 1, 2, 3, 4, 5, ..., 8, 9, 10]"},
		{vec.NewMat(2, 2, []float64{1, 2, 3, 4}), "mat(2x2)[[1, 2], [3, 4]]"},
		{vec.NewMat(0, 0, nil), "mat(0x0)[]"},
		{vec.NewMat(8, 1, []float64{0, 1, 2, 3, 4, 5, 6, 7}), "mat(8x1)[[0], [1], [2], [3], ..., [6], [7]]"},
	}
	for _, tc := range cases {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// TestNoAllocMethodLookup checks that looking up a method on an object a
// second time does not allocate, and that indexing allocates only the
// returned float.
func TestNoAllocMethodLookup(t *testing.T) {
	v := vec.New([]float64{1, 2, 3})
	key := &tengo.String{Value: "sum"}
	if _, err := v.IndexGet(key); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = v.IndexGet(key) }); n != 0 {
		t.Errorf("vec method lookup allocates %v times, want 0", n)
	}
	f1, _ := v.IndexGet(key)
	f2, _ := v.IndexGet(key)
	if f1 != f2 {
		t.Errorf("method lookup is not cached")
	}
	m := vec.NewMat(2, 2, nil)
	mkey := &tengo.String{Value: "get"}
	_, _ = m.IndexGet(mkey)
	if n := testing.AllocsPerRun(100, func() { _, _ = m.IndexGet(mkey) }); n != 0 {
		t.Errorf("mat method lookup allocates %v times, want 0", n)
	}
	idx := &tengo.Int{Value: 1}
	if n := testing.AllocsPerRun(100, func() { _, _ = v.IndexGet(idx) }); n > 1 {
		t.Errorf("v[i] allocates %v times, want at most 1 (the float)", n)
	}
	x := &tengo.Float{Value: 5}
	if n := testing.AllocsPerRun(100, func() { _ = v.IndexSet(idx, x) }); n != 0 {
		t.Errorf("v[i] = x allocates %v times, want 0", n)
	}
	// Bound methods act on their own object, not on a copy.
	c := v.Copy().(*vec.Vec)
	fc, _ := c.IndexGet(key)
	c.Data[0] = 100
	got, _ := fc.(*tengo.UserFunction).Value()
	if got.(*tengo.Float).Value != 100+5+3 {
		t.Errorf("copy's sum = %v", got)
	}
}

// TestDocs checks that every function and method is documented.
func TestDocs(t *testing.T) {
	m := vec.Module
	if m.Name != "vec" || m.Doc == "" {
		t.Errorf("module name/doc: %q %q", m.Name, m.Doc)
	}
	built := m.Build(&lib.Env{})
	for _, f := range m.Funcs {
		if f.Doc == "" || f.Args == "" || f.Call == nil {
			t.Errorf("func %s lacks doc, args or implementation", f.Name)
		}
		if _, ok := built[f.Name]; !ok {
			t.Errorf("func %s not built", f.Name)
		}
	}
	objs := map[string]tengo.Object{"vec": vec.New(nil), "mat": vec.NewMat(0, 0, nil)}
	for _, ty := range m.Types {
		if ty.Doc == "" || len(ty.Methods) == 0 {
			t.Errorf("type %s lacks doc or methods", ty.Name)
		}
		o := objs[ty.Name]
		if o == nil || o.TypeName() != ty.Name {
			t.Errorf("documented type %s has no object", ty.Name)
			continue
		}
		for _, me := range ty.Methods {
			if me.Doc == "" || me.Args == "" {
				t.Errorf("method %s.%s lacks doc or args", ty.Name, me.Name)
			}
			f, err := o.IndexGet(&tengo.String{Value: me.Name})
			if err != nil {
				t.Errorf("method %s.%s: %v", ty.Name, me.Name, err)
				continue
			}
			if name := f.(*tengo.UserFunction).Name; name != ty.Name+"."+me.Name {
				t.Errorf("method %s.%s has name %q", ty.Name, me.Name, name)
			}
		}
	}
}

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

func BenchmarkIndexGet(b *testing.B) {
	v := vec.New(make([]float64, 16))
	idx := &tengo.Int{Value: 3}
	for b.Loop() {
		_, _ = v.IndexGet(idx)
	}
}

func BenchmarkMethodLookup(b *testing.B) {
	v := vec.New(make([]float64, 16))
	key := &tengo.String{Value: "argmax"}
	for b.Loop() {
		_, _ = v.IndexGet(key)
	}
}

func BenchmarkScriptStepLoop(b *testing.B) {
	src := []byte(`
vec := import("vec")
x := vec.zeros(16)
acc := 0.0
for i := 0; i < 1000; i++ {
	x[i % 16] = i
	acc += x.argmax()
}
`)
	mm := tengo.NewModuleMap()
	mm.AddBuiltinModule("vec", vec.Module.Build(&lib.Env{}))
	s := tengo.NewScript(src)
	s.SetImports(mm)
	c, err := s.Compile()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := c.Clone().Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCallAllocations: a call allocates its result and nothing for its
// arguments (they are unpacked on the stack).
func TestCallAllocations(t *testing.T) {
	mod := vec.Module.Build(&lib.Env{})
	v := vec.New([]float64{1, 2, 3})
	m := vec.NewMat(2, 3, nil)
	rows := vec.NewMat(4, 3, nil)
	method := func(o tengo.Object, name string) tengo.CallableFunc {
		f, err := o.IndexGet(&tengo.String{Value: name})
		if err != nil {
			t.Fatal(err)
		}
		return f.(*tengo.UserFunction).Value
	}
	i1, i2, x := &tengo.Int{Value: 1}, &tengo.Int{Value: 2}, &tengo.Float{Value: 0.5}
	idx := &tengo.Array{Value: []tengo.Object{i1, i2}}
	steps := vec.NewMat(20, 3, nil) // an episode's inputs: gather indexes 20 rows
	shown := &tengo.Array{}
	for t := range 20 {
		shown.Value = append(shown.Value, &tengo.Int{Value: int64(t % 2)})
	}
	for _, c := range []struct {
		name string
		f    tengo.CallableFunc
		args []tengo.Object
		want float64
	}{
		{"v.get(1)", method(v, "get"), []tengo.Object{i1}, 1},
		{"v.set(1, x)", method(v, "set"), []tengo.Object{i1, x}, 0},
		{"v.slice(1, 2)", method(v, "slice"), []tengo.Object{i1, i2}, 2},
		{"v.dot(v)", method(v, "dot"), []tengo.Object{v}, 1},
		{"v.add_(v)", method(v, "add_"), []tengo.Object{v}, 0},
		{"v.close(v, x)", method(v, "close"), []tengo.Object{v, x}, 0},
		{"m.get(1, 2)", method(m, "get"), []tengo.Object{i1, i2}, 1},
		{"m.set(1, 2, x)", method(m, "set"), []tengo.Object{i1, i2, x}, 0},
		{"m.row(1)", method(m, "row"), []tengo.Object{i1}, 1},
		{"m.matvec(v)", method(m, "matvec"), []tengo.Object{v}, 2},
		{"m.gather(rows, idx)", method(m, "gather"), []tengo.Object{rows, idx}, 0},
		{"steps.gather(rows, shown)", method(steps, "gather"), []tengo.Object{rows, shown}, 0},
		{"vec.zeros(2)", mod["zeros"].(*tengo.UserFunction).Value, []tengo.Object{i2}, 2},
		{"vec.mat(1, 2)", mod["mat"].(*tengo.UserFunction).Value, []tengo.Object{i1, i2}, 2},
	} {
		if _, err := c.f(c.args...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := testing.AllocsPerRun(100, func() { _, _ = c.f(c.args...) }); got != c.want {
			t.Errorf("%s allocates %v times, want %v", c.name, got, c.want)
		}
	}
}
