package lib

import (
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/token"
)

// Methods is a bound method table of one object instance. Custom objects
// embed it and return Methods.Get(index) from IndexGet, so that a method
// lookup in a hot loop does not allocate.
type Methods map[string]*tengo.UserFunction

// Bind builds a method table; typeName prefixes each method's name so that
// errors read "network.step: ...".
func Bind(typeName string, fns map[string]tengo.CallableFunc) Methods {
	m := make(Methods, len(fns))
	for name, fn := range fns {
		m[name] = &tengo.UserFunction{Name: typeName + "." + name, Value: fn}
	}
	return m
}

// Get returns the bound method named by index, or an error naming the type
// and the unknown member.
func (m Methods) Get(typeName string, index tengo.Object) (tengo.Object, error) {
	s, ok := index.(*tengo.String)
	if !ok {
		return nil, Errorf(typeName, "index must be a method name string, got %s", Describe(index))
	}
	if f, ok := m[s.Value]; ok {
		return f, nil
	}
	return nil, Errorf(typeName, "no method or field %q", s.Value)
}

// Base gives custom objects the defaults of tengo.ObjectImpl that do not
// panic: binary operators are errors, objects are truthy.
type Base struct{ tengo.ObjectImpl }

// BinaryOp reports that the operator is not supported.
func (Base) BinaryOp(op token.Token, _ tengo.Object) (tengo.Object, error) {
	return nil, tengo.ErrInvalidOperator
}

// IsFalsy: custom objects are truthy.
func (Base) IsFalsy() bool { return false }
