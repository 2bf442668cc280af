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
	writeValue(&b, o, &openSet{})
	return b.String()
}

// openSet holds the containers being written: a short list searched in
// place, a set once values nest deeper (a search per level of a value
// nested 100,000 deep took 20 s).
type openSet struct {
	list []tengo.Object
	set  map[tengo.Object]bool
}

const openListMax = 32

func (s *openSet) has(o tengo.Object) bool {
	if s.set != nil {
		return s.set[o]
	}
	return slices.Contains(s.list, o)
}

func (s *openSet) push(o tengo.Object) {
	if s.set == nil && len(s.list) == openListMax {
		s.set = make(map[tengo.Object]bool, 2*openListMax)
		for _, p := range s.list {
			s.set[p] = true
		}
	}
	if s.set != nil {
		s.set[o] = true
	}
	s.list = append(s.list, o)
}

func (s *openSet) pop() {
	o := s.list[len(s.list)-1]
	s.list = s.list[:len(s.list)-1]
	if s.set != nil {
		delete(s.set, o)
	}
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
func writeValue(b *strings.Builder, o tengo.Object, open *openSet) {
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
	if open.has(o) {
		if isMap {
			b.WriteString("{...}")
		} else {
			b.WriteString("[...]")
		}
		return
	}
	open.push(o)
	defer open.pop()
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
