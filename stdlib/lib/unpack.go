package lib

import (
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/d5/tengo/v2"
)

// UnpackArgs unpacks the arguments of a call to fn into variables, checking
// their number and types in one call: params names the parameters, comma
// separated, and vars holds a pointer to a variable for each.
//
//	var lo, hi float64
//	step := 1.0
//	if err := lib.UnpackArgs(fn, args, "lo, hi, step?", &lo, &hi, &step); err != nil {
//		return nil, err
//	}
//
// A name ending in "?" is optional, and so is every name after it: a
// missing argument leaves its variable alone, so the variable's initial
// value is the default. A last name ending in "..." takes the remaining
// arguments, into a *[]tengo.Object. What a variable accepts follows from
// its type:
//
//	*int                      an int, or a float with an integral value
//	*float64                  an int or a float
//	*string, *bool            a string, a bool
//	*map[string]tengo.Object  a map (mutable or immutable)
//	*[]tengo.Object           an array (mutable or immutable)
//	*tengo.Object             any value
//	Unpacker                  what it reads (a vec, a mat, a network, ...)
//
// Errors name fn, the parameter and the value: `vec.range: argument step
// must be a number, got string "a"`, "vec.zeros: wrong number of arguments:
// want 1, got 0". The names come in one string rather than paired with the
// pointers (as in starlark-go's UnpackArgs) so that the variables stay on
// the caller's stack: unpacking allocates nothing. params has one name per
// variable (TestUnpackCalls checks every call in the tree).
func UnpackArgs(fn string, args []tengo.Object, params string, vars ...any) error {
	// A call with an argument per variable needs no count check; the
	// others (optional arguments left out, a variadic tail, a wrong count)
	// read params for it.
	variadic := strings.HasSuffix(params, "...")
	if len(args) != len(vars) || variadic {
		least, most, n := arity(params)
		if n != len(vars) {
			return Errorf(fn, "internal error: parameters %q for %d variables", params, len(vars))
		}
		if len(args) < least || (most >= 0 && len(args) > most) {
			return countError(fn, least, most, len(args))
		}
	}
	for i, v := range vars {
		if variadic && i == len(vars)-1 {
			p, ok := v.(*[]tengo.Object)
			if !ok {
				return internalError(fn, paramName(params, i), v)
			}
			*p = args[i:]
			return nil
		}
		if i >= len(args) {
			break
		}
		// The names are only for errors: a failed argument is read again
		// with its name, for the message.
		if UnpackArg(fn, "", args[i], v) != nil {
			return UnpackArg(fn, paramName(params, i), args[i], v)
		}
	}
	return nil
}

// UnpackOptions unpacks an options map, Tengo's stand-in for keyword
// arguments (net.save(path, {optimizer: opt})), as UnpackArgs unpacks
// arguments: params names the keys, an optional one ending in "?". A
// missing required key or a key not in params (a misspelt option) is an
// error that names the known ones. where names the map in errors, for an
// options map inside an argument ("layers[0]"); "" for an argument itself.
// A nil map has no keys. Of several unknown keys the error names the first
// in sorted order, so that it does not change with Go's map order.
func UnpackOptions(fn, where string, opts map[string]tengo.Object, params string, vars ...any) error {
	unknown, found := "", false
	for k := range opts {
		if !hasParam(params, k) && (!found || k < unknown) {
			unknown, found = k, true
		}
	}
	if found {
		return Errorf(fn, "unknown option %q%s (known: %s)", unknown, in(where), paramList(params))
	}
	if _, _, n := arity(params); n != len(vars) {
		return Errorf(fn, "internal error: options %q for %d variables", params, len(vars))
	}
	rest := params
	for _, v := range vars {
		var name string
		name, rest = nextParam(rest)
		key, optional := strings.CutSuffix(name, "?")
		o, ok := opts[key]
		if !ok {
			if !optional {
				return Errorf(fn, "missing option %q%s (known: %s)", key, in(where), paramList(params))
			}
			continue
		}
		if err := UnpackArg(fn, key, o, v); err != nil {
			if where == "" {
				return err
			}
			return UnpackArg(fn, where+"."+key, o, v) // again, for the message
		}
	}
	return nil
}

// An Unpacker reads one argument of a type this package does not know and
// stores it; fn and name are for its error messages. It stores nothing when
// it fails (UnpackArgs may call it again, to name the argument in the
// error). It is a function rather than an interface so that UnpackArgs
// keeps the variables it is given on the caller's stack.
type Unpacker func(fn, name string, o tengo.Object) error

// Read makes an Unpacker that stores what read returns in *dst, e.g.
// lib.Read(vec.Floats, &x) for a vec-or-array argument.
func Read[T any](read func(fn, name string, o tengo.Object) (T, error), dst *T) Unpacker {
	return func(fn, name string, o tengo.Object) error {
		v, err := read(fn, name, o)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

// Object makes an Unpacker for an argument that must be a custom object of
// Go type T, whose script type name (for the error) is typeName.
func Object[T tengo.Object](typeName string, dst *T) Unpacker {
	return func(fn, name string, o tengo.Object) error {
		v, ok := o.(T)
		if !ok {
			return typeError(fn, name, Article(typeName), o)
		}
		*dst = v
		return nil
	}
}

// UnpackArg unpacks one value into the variable v points to, as UnpackArgs
// does each argument; for a value that is not in an argument list (an
// element of an array argument, a value of a map), name is the value's
// name in errors ("got[2]").
func UnpackArg(fn, name string, o tengo.Object, v any) error {
	switch p := v.(type) {
	case *int:
		if x, ok := AsInt(o); ok {
			*p = x
			return nil
		}
		if f, ok := o.(*tengo.Float); ok && f.Value == math.Trunc(f.Value) && !math.IsInf(f.Value, 0) {
			return Errorf(fn, "argument %s = %g is beyond the range of an int (±%d)", name, f.Value, math.MaxInt64)
		}
		return typeError(fn, name, "an int", o)
	case *float64:
		if x, ok := AsFloat(o); ok {
			*p = x
			return nil
		}
		return typeError(fn, name, "a number", o)
	case *string:
		if s, ok := o.(*tengo.String); ok {
			*p = s.Value
			return nil
		}
		return typeError(fn, name, "a string", o)
	case *bool:
		if b, ok := o.(*tengo.Bool); ok {
			*p = !b.IsFalsy()
			return nil
		}
		return typeError(fn, name, "a bool", o)
	case *map[string]tengo.Object:
		switch m := o.(type) {
		case *tengo.Map:
			*p = m.Value
		case *tengo.ImmutableMap:
			*p = m.Value
		default:
			return typeError(fn, name, "a map", o)
		}
		return nil
	case *[]tengo.Object:
		if a, ok := AsArray(o); ok {
			*p = a
			return nil
		}
		return typeError(fn, name, "an array", o)
	case *tengo.Object:
		*p = o
		return nil
	case Unpacker:
		return p(fn, name, o)
	}
	return internalError(fn, name, v)
}

// AsInt reads an int, or a float with an integral value.
func AsInt(o tengo.Object) (int, bool) {
	switch v := o.(type) {
	case *tengo.Int:
		return int(v.Value), true
	case *tengo.Float:
		// Every whole float in int64's range converts exactly (1e18 is a
		// size too large, not a non-int).
		if v.Value == math.Trunc(v.Value) && v.Value >= math.MinInt64 && v.Value < -math.MinInt64 {
			return int(v.Value), true
		}
	}
	return 0, false
}

// AsFloat reads a number (an int or a float).
func AsFloat(o tengo.Object) (float64, bool) {
	switch v := o.(type) {
	case *tengo.Float:
		return v.Value, true
	case *tengo.Int:
		return float64(v.Value), true
	}
	return 0, false
}

// AsArray reads an array, mutable or immutable.
func AsArray(o tengo.Object) ([]tengo.Object, bool) {
	switch v := o.(type) {
	case *tengo.Array:
		return v.Value, true
	case *tengo.ImmutableArray:
		return v.Value, true
	}
	return nil, false
}

// arity returns how many names params has (n) and how many arguments it
// takes: at least least, at most most (-1: no limit). (A loop over the
// bytes: it runs on every call of a script-visible function.)
func arity(params string) (least, most, n int) {
	if params == "" {
		return 0, 0, 0
	}
	n, least = 1, -1
	for i := 0; i < len(params); i++ {
		switch params[i] {
		case ',':
			n++
		case '?':
			if least < 0 {
				least = n - 1
			}
		}
	}
	if least < 0 {
		least = n
	}
	if strings.HasSuffix(params, "...") {
		return min(least, n-1), -1, n
	}
	return least, n, n
}

// nextParam splits the first name off a parameter list "a, b?, c?".
func nextParam(params string) (name, rest string) {
	name, rest, _ = strings.Cut(params, ",")
	return strings.TrimSpace(name), rest
}

// paramName returns the name of parameter i of params, without "?".
func paramName(params string, i int) string {
	name, rest := nextParam(params)
	for ; i > 0; i-- {
		name, rest = nextParam(rest)
	}
	return strings.TrimSuffix(name, "?")
}

// hasParam reports whether key is one of the names of params.
func hasParam(params, key string) bool {
	for rest := params; rest != ""; {
		var name string
		name, rest = nextParam(rest)
		if strings.TrimSuffix(name, "?") == key {
			return true
		}
	}
	return false
}

// paramList writes the names of params for an error: "eps, title".
func paramList(params string) string { return strings.ReplaceAll(params, "?", "") }

func in(where string) string {
	if where == "" {
		return ""
	}
	return " in " + where
}

func countError(fn string, least, most, got int) error {
	want := strconv.Itoa(least)
	switch {
	case most < 0:
		want = "at least " + want
	case most != least:
		want += " to " + strconv.Itoa(most)
	}
	return Errorf(fn, "wrong number of arguments: want %s, got %d", want, got)
}

func typeError(fn, name, want string, o tengo.Object) error {
	return Errorf(fn, "argument %s must be %s, got %s", name, want, Describe(o))
}

// internalError reports a variable of a type UnpackArgs does not read: a
// mistake in the calling module, reported rather than panicking.
func internalError(fn, name string, v any) error {
	return Errorf(fn, "internal error: cannot unpack argument %s into a %s", name, reflect.TypeOf(v))
}

// Article puts "a" or "an" before a type name ("an int", "a float").
func Article(typeName string) string {
	if strings.ContainsAny(typeName[:1], "aeiou") {
		return "an " + typeName
	}
	return "a " + typeName
}
