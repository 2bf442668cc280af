package lib_test

import (
	"math"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func ints(v ...int64) []tengo.Object {
	out := make([]tengo.Object, len(v))
	for i, x := range v {
		out[i] = &tengo.Int{Value: x}
	}
	return out
}

func str(s string) *tengo.String { return &tengo.String{Value: s} }

func TestUnpackArgsTypes(t *testing.T) {
	var (
		n   int
		x   float64
		s   string
		b   bool
		m   map[string]tengo.Object
		a   []tengo.Object
		any tengo.Object
	)
	mp := &tengo.ImmutableMap{Value: map[string]tengo.Object{"k": str("v")}}
	arr := &tengo.Array{Value: ints(1, 2)}
	args := []tengo.Object{&tengo.Float{Value: 3}, &tengo.Int{Value: 2}, str("s"), tengo.TrueValue, mp, arr, tengo.UndefinedValue}
	if err := lib.UnpackArgs("f", args, "n, x, s, b, m, a, any", &n, &x, &s, &b, &m, &a, &any); err != nil {
		t.Fatal(err)
	}
	if n != 3 || x != 2 || s != "s" || !b || m["k"] == nil || len(a) != 2 || any != tengo.UndefinedValue {
		t.Errorf("got %v %v %q %v %v %v %v", n, x, s, b, m, a, any)
	}
}

func TestUnpackArgsOptionalAndVariadic(t *testing.T) {
	lo, step := 0.0, 1.0
	if err := lib.UnpackArgs("f", ints(5), "lo, step?", &lo, &step); err != nil || lo != 5 || step != 1 {
		t.Errorf("one of two: lo %v step %v err %v", lo, step, err)
	}
	if err := lib.UnpackArgs("f", ints(5, 7), "lo, step?", &lo, &step); err != nil || step != 7 {
		t.Errorf("two of two: step %v err %v", step, err)
	}
	var format string
	var rest []tengo.Object
	if err := lib.UnpackArgs("f", []tengo.Object{str("%d"), &tengo.Int{Value: 1}, &tengo.Int{Value: 2}}, "format, args...", &format, &rest); err != nil || format != "%d" || len(rest) != 2 {
		t.Errorf("variadic: %q %v %v", format, rest, err)
	}
	if err := lib.UnpackArgs("f", []tengo.Object{str("x")}, "format, args...", &format, &rest); err != nil || len(rest) != 0 {
		t.Errorf("variadic, none: %v %v", rest, err)
	}
}

func TestUnpackArgsErrors(t *testing.T) {
	var n int
	var x float64
	var s string
	var m map[string]tengo.Object
	var rest []tengo.Object
	cases := []struct {
		err  error
		want string
	}{
		{lib.UnpackArgs("vec.zeros", nil, "n", &n), "vec.zeros: wrong number of arguments: want 1, got 0"},
		{lib.UnpackArgs("vec.sum", ints(1), ""), "vec.sum: wrong number of arguments: want 0, got 1"},
		{lib.UnpackArgs("f", ints(1, 2, 3), "n, x?", &n, &x), "f: wrong number of arguments: want 1 to 2, got 3"},
		{lib.UnpackArgs("fmt.printf", nil, "format, args...", &s, &rest), "fmt.printf: wrong number of arguments: want at least 1, got 0"},
		{lib.UnpackArgs("f", []tengo.Object{&tengo.Float{Value: 1.5}}, "n", &n), "f: argument n must be an int, got float 1.5"},
		{lib.UnpackArgs("f", []tengo.Object{&tengo.Float{Value: 1 << 63}}, "n", &n), "f: argument n = 9.223372036854776e+18 is beyond the range of an int (±9223372036854775807)"},
		{lib.UnpackArgs("f", []tengo.Object{&tengo.Float{Value: math.Inf(-1)}}, "n", &n), "f: argument n must be an int, got float -Inf"},
		{lib.UnpackArgs("f", []tengo.Object{str("a")}, "x", &x), `f: argument x must be a number, got string "a"`},
		{lib.UnpackArgs("f", ints(1), "s", &s), "f: argument s must be a string, got int 1"},
		{lib.UnpackArgs("f", ints(1), "m", &m), "f: argument m must be a map, got int 1"},
		{lib.UnpackArgs("f", ints(1), "a", &rest), "f: argument a must be an array, got int 1"},
		{lib.UnpackArgs("f", ints(1, 2), "n, x", &n), `f: internal error: parameters "n, x" for 1 variables`},
		{lib.UnpackArgs("f", ints(1), "n", &[]int{}), "f: internal error: cannot unpack argument n into a *[]int"},
		{lib.UnpackArgs("f", []tengo.Object{str(strings.Repeat("x", 60))}, "n", &n), `f: argument n must be an int, got string "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...`},
	}
	for _, c := range cases {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("got %v, want %s", c.err, c.want)
		}
	}
}

// Every whole float in int64's range is an int: 1e18 is a size too large
// for the checks that follow, not a float refused as a non-int.
func TestAsIntWholeFloats(t *testing.T) {
	for _, f := range []float64{0, -3, 1 << 53, 1e18, -1e18, math.MinInt64, 1<<63 - 1024} {
		if n, ok := lib.AsInt(&tengo.Float{Value: f}); !ok || float64(n) != f {
			t.Errorf("AsInt(%g) = %d, %v", f, n, ok)
		}
	}
	for _, f := range []float64{0.5, 1 << 63, -1e19, math.Inf(1), math.NaN()} {
		if n, ok := lib.AsInt(&tengo.Float{Value: f}); ok {
			t.Errorf("AsInt(%g) = %d, want not an int", f, n)
		}
	}
}

// Unpacking keeps the variables on the caller's stack, Unpackers included.
func TestUnpackArgsDoesNotAllocate(t *testing.T) {
	args := []tengo.Object{&tengo.Int{Value: 1}, &tengo.Float{Value: 2}, str("s"), &tengo.Int{Value: 4}}
	read := func(fn, name string, o tengo.Object) (int, error) { n, _ := lib.AsInt(o); return n, nil }
	allocs := testing.AllocsPerRun(100, func() {
		var n, k int
		var x float64
		var s string
		if err := lib.UnpackArgs("f", args, "n, x, s, k?", &n, &x, &s, lib.Read(read, &k)); err != nil || k != 4 {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("UnpackArgs allocates %v times per call, want 0", allocs)
	}
}

type thing struct {
	lib.Base
	name string
}

func (t *thing) TypeName() string           { return "thing" }
func (t *thing) String() string             { return t.name }
func (t *thing) Copy() tengo.Object         { return t }
func (t *thing) Equals(o tengo.Object) bool { return t == o }

func TestUnpackers(t *testing.T) {
	var th *thing
	want := &thing{name: "a"}
	if err := lib.UnpackArgs("f", []tengo.Object{want}, "t", lib.Object("thing", &th)); err != nil || th != want {
		t.Errorf("Object: %v %v", th, err)
	}
	err := lib.UnpackArgs("net.update", ints(3), "net", lib.Object("thing", &th))
	if err == nil || err.Error() != "net.update: argument net must be a thing, got int 3" {
		t.Errorf("Object error: %v", err)
	}
	var x int
	err = lib.UnpackArgs("f", []tengo.Object{&tengo.Int{Value: 4}}, "even", lib.Read(func(fn, name string, o tengo.Object) (int, error) {
		n, _ := lib.AsInt(o)
		if n%2 == 0 {
			return 0, lib.Errorf(fn, "argument %s = %d is even", name, n)
		}
		return n, nil
	}, &x))
	if err == nil || err.Error() != "f: argument even = 4 is even" || x != 0 {
		t.Errorf("Read error: %v, x = %d (want it untouched)", err, x)
	}
}

func TestUnpackOptions(t *testing.T) {
	opts := map[string]tengo.Object{"size": &tengo.Int{Value: 3}, "act": str("tanh")}
	var size int
	act, name := "linear", "l0"
	if err := lib.UnpackOptions("bohp.network", "layers[0]", opts, "size, act?, name?", &size, &act, &name); err != nil {
		t.Fatal(err)
	}
	if size != 3 || act != "tanh" || name != "l0" {
		t.Errorf("got %d %q %q", size, act, name)
	}
	if err := lib.UnpackOptions("f", "", nil, "eps?", new(float64)); err != nil {
		t.Errorf("nil map: %v", err)
	}
	cases := []struct {
		err  error
		want string
	}{
		{lib.UnpackOptions("bohp.network", "layers[0]", map[string]tengo.Object{"sise": &tengo.Int{}}, "size, act?", &size, &act),
			`bohp.network: unknown option "sise" in layers[0] (known: size, act)`},
		{lib.UnpackOptions("bohp.network", "layers[0]", map[string]tengo.Object{"act": str("x")}, "size, act?", &size, &act),
			`bohp.network: missing option "size" in layers[0] (known: size, act)`},
		{lib.UnpackOptions("bohp.network", "layers[0]", map[string]tengo.Object{"size": str("x")}, "size", &size),
			`bohp.network: argument layers[0].size must be an int, got string "x"`},
		{lib.UnpackOptions("net.gradcheck", "", map[string]tengo.Object{"eps": str("x")}, "eps?", new(float64)),
			`net.gradcheck: argument eps must be a number, got string "x"`},
	}
	for _, c := range cases {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("got %v, want %s", c.err, c.want)
		}
	}
	// Of several unknown keys, the error names the first in sorted order,
	// whatever Go's map order (each try iterates the map afresh).
	many := map[string]tengo.Object{"d": str("x"), "b": str("x"), "c": str("x"), "e": str("x"), "size": str("x")}
	for range 20 {
		err := lib.UnpackOptions("f", "", many, "size?", new(string))
		if want := `f: unknown option "b" (known: size)`; err == nil || err.Error() != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	}
}

func BenchmarkUnpackArgs(b *testing.B) {
	args := []tengo.Object{str("sse"), &tengo.Array{Value: ints(1, 2)}, &tengo.Float{Value: 0.5}}
	for b.Loop() {
		var loss string
		var target []tengo.Object
		w := 1.0
		if err := lib.UnpackArgs("network.score", args, "loss, target, weight?", &loss, &target, &w); err != nil {
			b.Fatal(err)
		}
	}
}
