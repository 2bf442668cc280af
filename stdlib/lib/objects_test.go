package lib_test

import (
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// counter is a custom object with a method set.
type counter struct {
	lib.Base
	n       int
	methods lib.Bound
}

var counterMethods = lib.NewMethodSet("counter",
	lib.Def("add", "(k int) -> counter", "adds k", func(c *counter, fn string, args []tengo.Object) (tengo.Object, error) {
		var k int
		if err := lib.UnpackArgs(fn, args, "k", &k); err != nil {
			return nil, err
		}
		c.n += k
		return c, nil
	}),
	lib.DefNoArgs("get", "() -> int", "the count", func(c *counter, _ string) (tengo.Object, error) {
		return lib.FromInt(c.n), nil
	}),
)

func (c *counter) TypeName() string           { return "counter" }
func (c *counter) String() string             { return "counter" }
func (c *counter) Copy() tengo.Object         { return &counter{n: c.n} }
func (c *counter) Equals(o tengo.Object) bool { return c == o }
func (c *counter) IndexGet(key tengo.Object) (tengo.Object, error) {
	return counterMethods.Get(c, &c.methods, key)
}

func call(t *testing.T, o tengo.Object, method string, args ...tengo.Object) (tengo.Object, error) {
	t.Helper()
	f, err := o.IndexGet(str(method))
	if err != nil {
		t.Fatal(err)
	}
	return f.(*tengo.UserFunction).Value(args...)
}

func TestMethodSet(t *testing.T) {
	c := &counter{}
	if _, err := call(t, c, "add", &tengo.Int{Value: 2}); err != nil {
		t.Fatal(err)
	}
	// A copy binds its methods to itself, not to the original.
	d := c.Copy().(*counter)
	call(t, d, "add", &tengo.Int{Value: 10})
	if got, _ := call(t, c, "get"); got.(*tengo.Int).Value != 2 {
		t.Errorf("c.get() = %v, want 2", got)
	}
	if got, _ := call(t, d, "get"); got.(*tengo.Int).Value != 12 {
		t.Errorf("d.get() = %v, want 12", got)
	}
	for _, tc := range []struct {
		key  tengo.Object
		args []tengo.Object
		want string
	}{
		{str("nosuch"), nil, `counter: no method or field "nosuch" (methods: add, get)`},
		{&tengo.Int{Value: 1}, nil, "counter: index must be a method name string, got int 1"},
		{str("get"), ints(1), "counter.get: wrong number of arguments: want 0, got 1"},
		{str("add"), []tengo.Object{str("x")}, `counter.add: argument k must be an int, got string "x"`},
	} {
		f, err := c.IndexGet(tc.key)
		if err == nil {
			f := f.(*tengo.UserFunction)
			if f.Name != "counter."+tc.key.(*tengo.String).Value {
				t.Errorf("bound name %q", f.Name)
			}
			_, err = f.Value(tc.args...)
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
	ty := counterMethods.Type("counts")
	if ty.Name != "counter" || ty.Doc != "counts" || len(ty.Methods) != 2 || ty.Methods[1] != (lib.Method{Name: "get", Args: "() -> int", Doc: "the count"}) {
		t.Errorf("Type = %+v", ty)
	}
}

func TestMethodLookupIsCached(t *testing.T) {
	c := &counter{}
	key := str("add")
	f1, _ := c.IndexGet(key)
	if n := testing.AllocsPerRun(100, func() { _, _ = c.IndexGet(key) }); n != 0 {
		t.Errorf("a repeated lookup allocates %v times, want 0", n)
	}
	if f2, _ := c.IndexGet(key); f1 != f2 {
		t.Error("the bound method is not cached")
	}
}

func TestDuplicateMethodPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a duplicate method")
		}
	}()
	nop := func(*counter, string, []tengo.Object) (tengo.Object, error) { return nil, nil }
	lib.NewMethodSet("counter", lib.Def("a", "()", "d", nop), lib.Def("a", "()", "d", nop))
}
