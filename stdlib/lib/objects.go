package lib

import (
	"sort"
	"strings"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// Base gives custom objects the defaults of tengo.ObjectImpl that do not
// panic: binary operators are errors, objects are truthy.
type Base struct{ tengo.ObjectImpl }

// BinaryOp reports that the operator is not supported.
func (Base) BinaryOp(op token.Token, _ tengo.Object) (tengo.Object, error) {
	return nil, tengo.ErrInvalidOperator
}

// IsFalsy: custom objects are truthy.
func (Base) IsFalsy() bool { return false }

// MethodFunc implements a method of object type T: it gets the object, the
// qualified name for error messages ("vec.add") and the arguments.
type MethodFunc[T any] func(self T, fn string, args []tengo.Object) (tengo.Object, error)

// MethodDef is one script-visible method of object type T: its
// documentation and its implementation.
type MethodDef[T any] struct {
	Method
	fn     MethodFunc[T]
	noArgs func(self T, fn string) (tengo.Object, error) // a method without arguments
}

// Def makes a MethodDef, one row of a method table: name, signature shown
// in docs ("(w vec|array) -> float"), one line of meaning, implementation.
func Def[T any](name, args, doc string, fn MethodFunc[T]) MethodDef[T] {
	return MethodDef[T]{Method: Method{Name: name, Args: args, Doc: doc}, fn: fn}
}

// DefNoArgs is Def for a method that takes no arguments: a call with
// arguments is an error, and fn gets the object and the qualified name.
func DefNoArgs[T any](name, args, doc string, fn func(self T, fn string) (tengo.Object, error)) MethodDef[T] {
	return MethodDef[T]{Method: Method{Name: name, Args: args, Doc: doc}, noArgs: fn}
}

// MethodSet is the method table of one object type (vec, mat, network,
// optimizer, rng), shared by all objects of the type; it is also the type's
// documentation (Type).
type MethodSet[T any] struct {
	typeName  string
	defs      []MethodDef[T]
	index     map[string]int
	qualified []string
	names     string // sorted, comma separated, for the unknown-member error
}

// NewMethodSet makes the method table of type typeName; it panics on a
// duplicate name, a mistake in the module that a test of its package meets
// at once.
func NewMethodSet[T any](typeName string, defs ...MethodDef[T]) *MethodSet[T] {
	ms := &MethodSet[T]{typeName: typeName, defs: defs, index: make(map[string]int, len(defs))}
	names := make([]string, len(defs))
	for i, d := range defs {
		if _, dup := ms.index[d.Name]; dup {
			panic("lib: duplicate method " + typeName + "." + d.Name)
		}
		ms.index[d.Name] = i
		ms.qualified = append(ms.qualified, typeName+"."+d.Name)
		names[i] = d.Name
	}
	sort.Strings(names)
	ms.names = strings.Join(names, ", ")
	return ms
}

// Bound holds the methods bound to one object: objects embed one and give
// its address to MethodSet.Get. The zero value is ready to use.
type Bound struct{ fns []*tengo.UserFunction }

// Get returns self's method named by key (an index expression obj.name).
// The bound function is made on the first lookup of that method on that
// object and kept in b, so that a method called in a loop is looked up
// without allocating, and a fresh object (one per step) costs nothing until
// a method of it is used.
func (ms *MethodSet[T]) Get(self T, b *Bound, key tengo.Object) (tengo.Object, error) {
	s, ok := key.(*tengo.String)
	if !ok {
		return nil, Errorf(ms.typeName, "index must be a method name string, got %s", Describe(key))
	}
	i, ok := ms.index[s.Value]
	if !ok {
		return nil, Errorf(ms.typeName, "no method or field %q (methods: %s)", s.Value, ms.names)
	}
	if b.fns == nil {
		b.fns = make([]*tengo.UserFunction, len(ms.defs))
	}
	if f := b.fns[i]; f != nil {
		return f, nil
	}
	f := &tengo.UserFunction{Name: ms.qualified[i], Value: ms.defs[i].bind(self, ms.qualified[i])}
	b.fns[i] = f
	return f, nil
}

// bind makes the method's function for the object self; q is its qualified
// name.
func (d *MethodDef[T]) bind(self T, q string) tengo.CallableFunc {
	if get := d.noArgs; get != nil {
		return func(args ...tengo.Object) (tengo.Object, error) {
			if len(args) > 0 {
				return nil, UnpackArgs(q, args, "")
			}
			return get(self, q)
		}
	}
	impl := d.fn
	return func(args ...tengo.Object) (tengo.Object, error) { return impl(self, q, args) }
}

// Type documents the object type: its name, doc and methods, in table order.
func (ms *MethodSet[T]) Type(doc string) Type {
	methods := make([]Method, len(ms.defs))
	for i, d := range ms.defs {
		methods[i] = d.Method
	}
	return Type{Name: ms.typeName, Doc: doc, Methods: methods}
}

// TypeName is the script type name of the objects ("vec").
func (ms *MethodSet[T]) TypeName() string { return ms.typeName }
