package lib

import (
	"slices"
	"strings"

	"github.com/d5/tengo/v2"
)

// Format renders a value as bohpsh prints it (the REPL, bohpsh -e,
// fmt.print, string(), format(), error messages): Tengo's literal form —
// strings quoted, as they are inside arrays and maps — with a map's keys
// in sorted order, so that the same value always prints the same way
// (Tengo's own String() follows Go's random map order). A map or array
// that contains itself prints "{...}" or "[...]" where it recurs.
// Custom objects print their String().
func Format(o tengo.Object) string {
	var b strings.Builder
	writeValue(&b, o, nil)
	return b.String()
}

// IsContainer reports whether o is a map or an array, whose Tengo String()
// Format replaces.
func IsContainer(o tengo.Object) bool {
	switch o.(type) {
	case *tengo.Map, *tengo.ImmutableMap, *tengo.Array, *tengo.ImmutableArray:
		return true
	}
	return false
}

// writeValue writes o; open holds the containers being written (cycles).
func writeValue(b *strings.Builder, o tengo.Object, open []tengo.Object) {
	var elems []tengo.Object
	var m map[string]tengo.Object
	switch v := o.(type) {
	case nil:
		b.WriteString("undefined")
		return
	case *tengo.Map:
		m = v.Value
	case *tengo.ImmutableMap:
		m = v.Value
	case *tengo.Array:
		elems = v.Value
	case *tengo.ImmutableArray:
		elems = v.Value
	default:
		b.WriteString(o.String())
		return
	}
	isMap := m != nil
	if slices.Contains(open, o) {
		if isMap {
			b.WriteString("{...}")
		} else {
			b.WriteString("[...]")
		}
		return
	}
	open = append(open, o)
	if !isMap {
		b.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e, open)
		}
		b.WriteByte(']')
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		writeValue(b, m[k], open)
	}
	b.WriteByte('}')
}

// Formatted shows a map or an array as Format renders it wherever Tengo
// calls String() (format verbs); other values are returned as they are.
func Formatted(o tengo.Object) tengo.Object {
	if !IsContainer(o) {
		return o
	}
	return &formatted{Object: o}
}

type formatted struct{ tengo.Object }

func (f *formatted) String() string { return Format(f.Object) }
