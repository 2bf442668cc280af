package lib

import (
	"fmt"

	"github.com/bohpsh/bohpsh/bohp"
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

// EngineError makes an *ArgError for function fn from an error of the
// engine (package bohp): fn names the operation, so the engine's own name
// of it ("network: ", "adam: ") is left out.
func EngineError(fn string, err error) error {
	return &ArgError{Fn: fn, Msg: bohp.OpDetail(err)}
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
