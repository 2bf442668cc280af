package interp

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// The guards the rewritten code calls instead of index assignment, + and
// the builtins append and splice (see rewrite.go). Each does what Tengo
// does, with the same errors, after checking that the result contains no
// value that contains itself: no array or map, nor an error wrapping one,
// may reach itself through its elements.
//
// An array is seen as the memory of its elements: Tengo's slicing,
// immutable(x), append and + share the Go slice, so writing into one array
// can change what another one holds. A write is refused when a value
// written reaches an array whose elements include the written memory, or
// the map written into.

// errCycle is the message of a refused change.
const errCycle = "a value cannot contain itself"

// guard holds the scratch space of the checks of one compiled program (a
// run is one goroutine).
type guard struct {
	stack []tengo.Object
	seen  map[unsafe.Pointer]bool
}

// guardModules are the guards as importable objects.
func guardModules() map[string]tengo.Object {
	g := &guard{}
	fn := func(name string, f tengo.CallableFunc) tengo.Object { return &tengo.UserFunction{Name: name, Value: f} }
	// The guards of builtins stand for them where a script can see them
	// (printed, type_name(copy), named in errors): builtin functions too.
	bi := func(name string, f tengo.CallableFunc) tengo.Object {
		return &tengo.BuiltinFunction{Name: name, Value: f}
	}
	return map[string]tengo.Object{
		guardSet:               fn("set", g.set),
		guardAdd:               fn("add", g.add),
		guardEqual:             fn("equal", g.equal(false)),
		guardNotEqual:          fn("not_equal", g.equal(true)),
		guardPrefix + "append": bi("append", g.append),
		guardPrefix + "splice": bi("splice", g.splice),
		guardPrefix + "copy":   bi("copy", g.checked(builtin("copy"))),
		guardPrefix + "string": bi("string", g.checked(builtin("string"))),
		guardPrefix + "format": bi("format", g.checked(builtin("format"))),
	}
}

func builtin(name string) tengo.CallableFunc {
	for _, b := range tengo.GetAllBuiltinFunctions() {
		if b.Name == name {
			return b.Value
		}
	}
	panic("no Tengo builtin " + name)
}

// target is what a written value must not reach: the memory of the
// elements written to ([lo, hi)), the map written to, or the array
// changed.
type target struct {
	lo, hi uintptr
	m      unsafe.Pointer
	obj    *tengo.Array
}

// elems is the memory of a slice's elements.
func elems(s []tengo.Object) (lo, hi uintptr) {
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(len(s))*unsafe.Sizeof(tengo.Object(nil))
}

// spare is the memory after a slice's elements that appending n values
// writes into, when its capacity has room for them (else append copies).
func spare(s []tengo.Object, n int) (lo, hi uintptr) {
	if n == 0 || cap(s)-len(s) < n {
		return 0, 0
	}
	_, lo = elems(s)
	return lo, lo + uintptr(n)*unsafe.Sizeof(tengo.Object(nil))
}

func mapPointer(m map[string]tengo.Object) unsafe.Pointer {
	return reflect.ValueOf(m).UnsafePointer()
}

// reaches reports whether v, or a value inside it, is an array whose
// elements overlap t's memory or a map that is t's map.
func (g *guard) reaches(v tengo.Object, t target) bool {
	if !lib.HoldsValues(v) {
		return false
	}
	g.stack = append(g.stack[:0], v)
	defer func() {
		clear(g.stack)
		if g.seen != nil {
			clear(g.seen)
		}
	}()
	overlaps := func(s []tengo.Object) bool {
		lo, hi := elems(s)
		return lo < t.hi && t.lo < hi
	}
	for len(g.stack) > 0 {
		o := g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		var els []tengo.Object
		var vals map[string]tengo.Object
		switch o := o.(type) {
		case *tengo.Array:
			if o == t.obj {
				return true
			}
			els = o.Value
		case *tengo.ImmutableArray:
			els = o.Value
		case *tengo.Map:
			vals = o.Value
		case *tengo.ImmutableMap:
			vals = o.Value
		case *tengo.Error:
			if lib.HoldsValues(o.Value) {
				g.stack = append(g.stack, o.Value)
			}
			continue
		}
		if len(els) > 0 && t.hi > 0 && overlaps(els) || vals != nil && t.m != nil && mapPointer(vals) == t.m {
			return true
		}
		// Shared values are walked once (the values form a DAG).
		if g.seen == nil {
			g.seen = map[unsafe.Pointer]bool{}
		}
		key := unsafe.Pointer(reflect.ValueOf(o).Pointer())
		if g.seen[key] {
			continue
		}
		g.seen[key] = true
		for _, e := range els {
			if lib.HoldsValues(e) {
				g.stack = append(g.stack, e)
			}
		}
		for _, e := range vals {
			if lib.HoldsValues(e) {
				g.stack = append(g.stack, e)
			}
		}
	}
	return false
}

// set is an index assignment: set(value, kn, ..., k1, x) does
// x[k1]...[kn] = value, as Tengo's VM does (the same errors).
func (g *guard) set(args ...tengo.Object) (tengo.Object, error) {
	if len(args) < 3 {
		return nil, tengo.ErrWrongNumArguments
	}
	v, sels, dst := args[0], args[1:len(args)-1], args[len(args)-1]
	for i := len(sels) - 1; i > 0; i-- {
		next, err := dst.IndexGet(sels[i])
		if err != nil {
			switch {
			case errors.Is(err, tengo.ErrNotIndexable):
				return nil, fmt.Errorf("not indexable: %s", dst.TypeName())
			case errors.Is(err, tengo.ErrInvalidIndexType):
				return nil, fmt.Errorf("invalid index type: %s", sels[i].TypeName())
			}
			return nil, err
		}
		dst = next
	}
	if lib.HoldsValues(v) {
		var t target
		switch c := dst.(type) {
		case *tengo.Array:
			if i, ok := sels[0].(*tengo.Int); ok && i.Value >= 0 && i.Value < int64(len(c.Value)) {
				t.lo, _ = elems(c.Value[i.Value:])
				t.hi = t.lo + unsafe.Sizeof(tengo.Object(nil))
			}
		case *tengo.Map:
			t.m = mapPointer(c.Value)
		}
		if (t.hi > 0 || t.m != nil) && g.reaches(v, t) {
			return nil, fmt.Errorf("cannot assign: the value contains the %s assigned into (%s)", dst.TypeName(), errCycle)
		}
	}
	if err := dst.IndexSet(sels[0], v); err != nil {
		switch {
		case errors.Is(err, tengo.ErrNotIndexAssignable):
			return nil, fmt.Errorf("not index-assignable: %s", dst.TypeName())
		case errors.Is(err, tengo.ErrInvalidIndexValueType):
			return nil, fmt.Errorf("invaid index value type: %s", v.TypeName()) // sic: Tengo's message
		}
		return nil, err
	}
	return nil, nil
}

// add is x + y. Tengo appends y's elements to an array x, into x's spare
// capacity when it has room, which arrays sharing x's memory may see.
func (g *guard) add(args ...tengo.Object) (tengo.Object, error) {
	if len(args) != 2 {
		return nil, tengo.ErrWrongNumArguments
	}
	x, y := args[0], args[1]
	var xs, ys []tengo.Object
	switch x := x.(type) {
	case *tengo.Array:
		if y, ok := y.(*tengo.Array); ok {
			xs, ys = x.Value, y.Value
		}
	case *tengo.ImmutableArray:
		if y, ok := y.(*tengo.ImmutableArray); ok {
			xs, ys = x.Value, y.Value
		}
	}
	if err := g.checkAppend(xs, ys, "+"); err != nil {
		return nil, err
	}
	if _, ok := x.(*tengo.String); ok { // y is converted with y.String()
		if err := lib.CheckAcyclic(y); err != nil {
			return nil, err
		}
	}
	res, err := x.BinaryOp(token.Add, y)
	if err != nil {
		if errors.Is(err, tengo.ErrInvalidOperator) {
			return nil, fmt.Errorf("invalid operation: %s + %s", x.TypeName(), y.TypeName())
		}
		return nil, err
	}
	return res, nil
}

// equal is x == y (x != y when not), which Tengo's VM computes with
// x.Equals(y), recursively when both are arrays or maps.
func (g *guard) equal(not bool) tengo.CallableFunc {
	return func(args ...tengo.Object) (tengo.Object, error) {
		if len(args) != 2 {
			return nil, tengo.ErrWrongNumArguments
		}
		x, y := args[0], args[1]
		if lib.HoldsValues(x) && lib.HoldsValues(y) {
			if err := lib.CheckAcyclic(x); err != nil {
				return nil, err
			}
			if err := lib.CheckAcyclic(y); err != nil {
				return nil, err
			}
		}
		if x.Equals(y) != not {
			return tengo.TrueValue, nil
		}
		return tengo.FalseValue, nil
	}
}

// checkAppend refuses appending items to xs in place (into its spare
// capacity) when an item reaches an array that sees that memory.
func (g *guard) checkAppend(xs, items []tengo.Object, op string) error {
	lo, hi := spare(xs, len(items))
	if hi == 0 {
		return nil
	}
	for _, it := range items {
		if g.reaches(it, target{lo: lo, hi: hi}) {
			return fmt.Errorf("%s: an element added contains an array that shares the first array's memory, which would then contain itself (%s); add a copy: copy(x)", op, errCycle)
		}
	}
	return nil
}

// append is the builtin append.
func (g *guard) append(args ...tengo.Object) (tengo.Object, error) {
	if len(args) >= 2 {
		var xs []tengo.Object
		switch a := args[0].(type) {
		case *tengo.Array:
			xs = a.Value
		case *tengo.ImmutableArray:
			xs = a.Value
		}
		if err := g.checkAppend(xs, args[1:], "append"); err != nil {
			return nil, err
		}
	}
	return builtinAppend(args...)
}

// splice is the builtin splice. It writes the inserted items and the
// elements after the removed ones into the array's memory from start on
// (or into new memory the array alone sees): none may reach the array or
// an array that sees that memory.
func (g *guard) splice(args ...tengo.Object) (tengo.Object, error) {
	if len(args) > 0 {
		if a, ok := args[0].(*tengo.Array); ok {
			if err := g.checkSplice(a, args); err != nil {
				return nil, err
			}
		}
	}
	return builtinSplice(args...)
}

func (g *guard) checkSplice(a *tengo.Array, args []tengo.Object) error {
	n := len(a.Value)
	start, del := 0, n
	if len(args) > 1 {
		s, ok := args[1].(*tengo.Int)
		if !ok || s.Value < 0 || s.Value > int64(n) {
			return nil // the builtin's error
		}
		start = int(s.Value)
	}
	if len(args) > 2 {
		d, ok := args[2].(*tengo.Int)
		if !ok || d.Value < 0 {
			return nil
		}
		del = int(min(d.Value, int64(n)))
	}
	del = min(del, n-start)
	var written []tengo.Object
	if len(args) > 3 {
		written = append(written, args[3:]...)
	}
	written = append(written, a.Value[start+del:]...)
	t := target{obj: a}
	if k := len(written); k > 0 && start+k <= cap(a.Value) { // in place
		t.lo, _ = elems(a.Value[start:start])
		t.hi = t.lo + uintptr(k)*unsafe.Sizeof(tengo.Object(nil))
	}
	for _, w := range written {
		if g.reaches(w, t) {
			return fmt.Errorf("splice: an element inserted or moved contains the array, which would then contain itself (%s)", errCycle)
		}
	}
	return nil
}

// checked wraps a builtin that walks its arguments (copy, string, format)
// with a check that none contains itself, which the guards prevent; this
// is a second line of defence, so that a missed case is an error rather
// than a fatal stack overflow.
func (g *guard) checked(f tengo.CallableFunc) tengo.CallableFunc {
	return func(args ...tengo.Object) (tengo.Object, error) {
		for _, a := range args {
			if err := lib.CheckAcyclic(a); err != nil {
				return nil, err
			}
		}
		return f(args...)
	}
}

var (
	builtinAppend = builtin("append")
	builtinSplice = builtin("splice")
)
