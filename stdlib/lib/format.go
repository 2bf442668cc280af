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
	var w valueWriter
	w.write(o)
	return w.b.String()
}

// Sketch is the start of Format(o), at most n bytes ("..." ending a cut
// one), written no further than it shows: a huge value costs nothing.
func Sketch(o tengo.Object, n int) string {
	w := valueWriter{limit: n + 1}
	w.write(o)
	s := w.b.String()
	if len(s) > n {
		s = s[:n-3] + "..."
	}
	return s
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

// valueWriter writes values as Format shows them.
type valueWriter struct {
	b     strings.Builder
	open  openSet // the containers being written (cycles)
	limit int     // stop once b holds this many bytes (0: no limit)
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

func (w *valueWriter) full() bool { return w.limit > 0 && w.b.Len() >= w.limit }

func (w *valueWriter) write(o tengo.Object) {
	if w.full() {
		return
	}
	var elems []tengo.Object
	var m map[string]tengo.Object
	isMap := false
	switch v := o.(type) {
	case nil:
		w.b.WriteString("undefined")
		return
	case *tengo.Map:
		m, isMap = v.Value, true
	case *tengo.ImmutableMap:
		m, isMap = v.Value, true
	case *tengo.Array:
		elems = v.Value
	case *tengo.ImmutableArray:
		elems = v.Value
	case *tengo.Error:
		if v.Value == nil || w.open.has(o) {
			w.b.WriteString("error")
			return
		}
		w.b.WriteString("error: ")
		w.open.push(o)
		w.write(v.Value)
		w.open.pop()
		return
	default:
		s := o.String()
		if w.limit > 0 {
			s = s[:min(len(s), w.limit-w.b.Len())]
		}
		w.b.WriteString(s)
		return
	}
	if w.open.has(o) {
		if isMap {
			w.b.WriteString("{...}")
		} else {
			w.b.WriteString("[...]")
		}
		return
	}
	w.open.push(o)
	defer w.open.pop()
	if !isMap {
		w.b.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.write(e)
			if w.full() {
				return
			}
		}
		w.b.WriteByte(']')
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.b.WriteString(", ")
		}
		w.b.WriteString(k)
		w.b.WriteString(": ")
		w.write(m[k])
		if w.full() {
			return
		}
	}
	w.b.WriteByte('}')
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
