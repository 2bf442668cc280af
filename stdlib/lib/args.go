package lib

import (
	"fmt"
	"math"

	"github.com/d5/tengo/v2"
)

// ArgError is a bad argument to a script-visible function.
type ArgError struct {
	Fn  string // qualified function name, e.g. "bohp.network"
	Msg string
}

func (e *ArgError) Error() string { return e.Fn + ": " + e.Msg }

// Errorf makes an *ArgError for function fn.
func Errorf(fn, format string, a ...any) error {
	return &ArgError{Fn: fn, Msg: fmt.Sprintf(format, a...)}
}

// NArgs checks that len(args) is within [min, max] (max < 0: unbounded).
func NArgs(fn string, args []tengo.Object, min, max int) error {
	n := len(args)
	if n < min || (max >= 0 && n > max) {
		want := fmt.Sprintf("%d", min)
		switch {
		case max < 0:
			want = fmt.Sprintf("at least %d", min)
		case max != min:
			want = fmt.Sprintf("%d to %d", min, max)
		}
		return Errorf(fn, "wrong number of arguments: want %s, got %d", want, n)
	}
	return nil
}

// Describe renders a value for an error message: its type and a short form.
func Describe(o tengo.Object) string {
	s := o.String()
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return fmt.Sprintf("%s %s", o.TypeName(), s)
}

// Int reads an integer argument (an int, or a float with an integral value).
func Int(fn, name string, o tengo.Object) (int, error) {
	switch v := o.(type) {
	case *tengo.Int:
		return int(v.Value), nil
	case *tengo.Float:
		if v.Value == math.Trunc(v.Value) && math.Abs(v.Value) < 1<<53 {
			return int(v.Value), nil
		}
	}
	return 0, Errorf(fn, "argument %s must be an int, got %s", name, Describe(o))
}

// Float reads a number argument (int or float).
func Float(fn, name string, o tengo.Object) (float64, error) {
	switch v := o.(type) {
	case *tengo.Int:
		return float64(v.Value), nil
	case *tengo.Float:
		return v.Value, nil
	}
	return 0, Errorf(fn, "argument %s must be a number, got %s", name, Describe(o))
}

// String reads a string argument.
func String(fn, name string, o tengo.Object) (string, error) {
	if s, ok := o.(*tengo.String); ok {
		return s.Value, nil
	}
	return "", Errorf(fn, "argument %s must be a string, got %s", name, Describe(o))
}

// Bool reads a bool argument.
func Bool(fn, name string, o tengo.Object) (bool, error) {
	if b, ok := o.(*tengo.Bool); ok {
		return !b.IsFalsy(), nil
	}
	return false, Errorf(fn, "argument %s must be a bool, got %s", name, Describe(o))
}

// Map reads a map argument (mutable or immutable).
func Map(fn, name string, o tengo.Object) (map[string]tengo.Object, error) {
	switch v := o.(type) {
	case *tengo.Map:
		return v.Value, nil
	case *tengo.ImmutableMap:
		return v.Value, nil
	}
	return nil, Errorf(fn, "argument %s must be a map, got %s", name, Describe(o))
}

// Array reads an array argument (mutable or immutable).
func Array(fn, name string, o tengo.Object) ([]tengo.Object, error) {
	switch v := o.(type) {
	case *tengo.Array:
		return v.Value, nil
	case *tengo.ImmutableArray:
		return v.Value, nil
	}
	return nil, Errorf(fn, "argument %s must be an array, got %s", name, Describe(o))
}

// Options checks that every key of a map argument is among known, so that a
// misspelt option is an error that lists the valid ones.
func Options(fn string, m map[string]tengo.Object, known ...string) error {
	for k := range m {
		ok := false
		for _, n := range known {
			if k == n {
				ok = true
				break
			}
		}
		if !ok {
			return Errorf(fn, "unknown option %q (known: %v)", k, known)
		}
	}
	return nil
}

// FromFloat boxes a float64.
func FromFloat(v float64) tengo.Object { return &tengo.Float{Value: v} }

// FromInt boxes an int.
func FromInt(v int) tengo.Object { return &tengo.Int{Value: int64(v)} }

// FromBool boxes a bool.
func FromBool(b bool) tengo.Object {
	if b {
		return tengo.TrueValue
	}
	return tengo.FalseValue
}
