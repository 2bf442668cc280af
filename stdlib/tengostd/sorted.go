package tengostd

import (
	"errors"
	"slices"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/stdlib/json"
)

// Tengo's functions serialise a map in Go's random map order: json.encode
// walks it with range, and the text functions (text.contains(m, "a"),
// text.join([m], ",")) read a map or an array as text through its String().
// The same script would then give different bytes from run to run. Here
// json.encode is replaced by one that writes map keys sorted, and the other
// functions get their map and array arguments shown as lib.Format shows
// them (keys sorted); Tengo itself is not changed.

// jsonEncode is Tengo's json.encode with a map's keys in sorted order: the
// containers are walked here, every other value is encoded by Tengo's
// encoder, so the output is Tengo's but for the order of the keys.
func jsonEncode(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var o tengo.Object
	if err := lib.UnpackArgs(fn, args, "o", &o); err != nil {
		return nil, err
	}
	b, err := appendJSON(nil, fn, o)
	var refused *tengoRefused
	if errors.As(err, &refused) {
		// What Tengo's encoder refuses (NaN, infinities) is an error
		// value, as in Tengo.
		return &tengo.Error{Value: &tengo.String{Value: refused.err.Error()}}, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) > tengo.MaxBytesLen {
		return nil, tengo.ErrBytesLimit
	}
	return &tengo.Bytes{Value: b}, nil
}

// appendJSON appends the JSON encoding of o to b.
func appendJSON(b []byte, fn string, o tengo.Object) ([]byte, error) {
	switch v := o.(type) {
	case *tengo.Map:
		return appendObject(b, fn, v.Value)
	case *tengo.ImmutableMap:
		return appendObject(b, fn, v.Value)
	case *tengo.Array:
		return appendArray(b, fn, v.Value)
	case *tengo.ImmutableArray:
		return appendArray(b, fn, v.Value)
	}
	enc, err := json.Encode(o)
	if err != nil {
		return nil, &tengoRefused{err}
	}
	if len(enc) == 0 {
		// Tengo's encoder writes nothing for a value it does not know,
		// which would leave invalid JSON ({"a":}).
		return nil, lib.Errorf(fn, "cannot encode a %s: JSON holds maps, arrays, strings, numbers, bools, bytes, chars, times and undefined", o.TypeName())
	}
	return append(b, enc...), nil
}

// tengoRefused is an error of Tengo's encoder.
type tengoRefused struct{ err error }

func (e *tengoRefused) Error() string { return e.err.Error() }

func appendObject(b []byte, fn string, m map[string]tengo.Object) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, fn, &tengo.String{Value: k}); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = appendJSON(b, fn, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendArray(b []byte, fn string, elems []tengo.Object) ([]byte, error) {
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, fn, e); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// sortedArgs returns args with each map shown with its keys sorted
// (lib.Formatted) wherever Tengo's functions read it as text, and each array
// that holds maps or arrays copied with those elements so shown: an array
// stays an array, since text.join reads its elements. args is returned as
// it is when it holds neither (no allocation).
func sortedArgs(args []tengo.Object) []tengo.Object {
	out := args
	copied := false
	for i, a := range args {
		s := sortedArg(a)
		if s == a {
			continue
		}
		if !copied {
			out, copied = slices.Clone(args), true
		}
		out[i] = s
	}
	return out
}

func sortedArg(a tengo.Object) tengo.Object {
	switch v := a.(type) {
	case *tengo.Map, *tengo.ImmutableMap:
		return lib.Formatted(a)
	case *tengo.Array:
		if elems := formattedElems(v.Value); elems != nil {
			return &tengo.Array{Value: elems}
		}
	case *tengo.ImmutableArray:
		if elems := formattedElems(v.Value); elems != nil {
			return &tengo.ImmutableArray{Value: elems}
		}
	}
	return a
}

// formattedElems is elems with its maps and arrays shown as lib.Format
// shows them, or nil when it holds none.
func formattedElems(elems []tengo.Object) []tengo.Object {
	if !slices.ContainsFunc(elems, lib.IsContainer) {
		return nil
	}
	out := make([]tengo.Object, len(elems))
	for i, e := range elems {
		out[i] = lib.Formatted(e)
	}
	return out
}
