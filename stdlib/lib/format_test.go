package lib_test

import (
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func TestFormat(t *testing.T) {
	i := func(v int64) tengo.Object { return &tengo.Int{Value: v} }
	s := func(v string) tengo.Object { return &tengo.String{Value: v} }
	nested := &tengo.Map{Value: map[string]tengo.Object{"z": i(1), "b": &tengo.ImmutableArray{Value: []tengo.Object{s("x"), &tengo.ImmutableMap{Value: map[string]tengo.Object{"y": i(2), "a": i(3)}}}}}}
	self := &tengo.Map{Value: map[string]tengo.Object{}}
	self.Value["me"] = self
	self.Value["list"] = &tengo.Array{Value: []tengo.Object{self}}
	loop := &tengo.Array{}
	loop.Value = []tengo.Object{i(1), loop}
	for _, c := range []struct {
		o    tengo.Object
		want string
	}{
		{nil, "undefined"},
		{s("a\"b"), `"a\"b"`},
		{i(3), "3"},
		{nested, `{b: ["x", {a: 3, y: 2}], z: 1}`},
		{&tengo.Map{Value: map[string]tengo.Object{}}, "{}"},
		{self, "{list: [{...}], me: {...}}"},
		{loop, "[1, [...]]"},
	} {
		for range 5 { // Go's map order changes between iterations; the output does not
			if got := lib.Format(c.o); got != c.want {
				t.Errorf("Format: %s, want %s", got, c.want)
			}
		}
	}
	if f := lib.Formatted(nested); f.String() != lib.Format(nested) || f.TypeName() != "map" {
		t.Errorf("Formatted: %s %s", f.String(), f.TypeName())
	}
	if o := i(1); lib.Formatted(o) != o {
		t.Error("Formatted wraps a number")
	}
}

// Deeper than the containers Format searches in a list, it keeps them in
// a set: a cycle is still found, a value met twice on different paths is
// not one.
func TestFormatDeep(t *testing.T) {
	const depth = 100
	shared := &tengo.Array{Value: []tengo.Object{&tengo.Int{Value: 7}}}
	inner := &tengo.Array{Value: []tengo.Object{shared, shared}}
	o := tengo.Object(inner)
	for range depth {
		o = &tengo.Array{Value: []tengo.Object{o}}
	}
	open, close := strings.Repeat("[", depth), strings.Repeat("]", depth)
	if got, want := lib.Format(o), open+"[[7], [7]]"+close; got != want {
		t.Errorf("a shared value, %d deep: %s, want %s", depth, got, want)
	}
	inner.Value[1] = o // now a cycle through all the levels
	if got, want := lib.Format(o), open+"[[7], [...]]"+close; got != want {
		t.Errorf("a cycle %d deep: %s, want %s", depth, got, want)
	}
}

// Sketch is the start of Format, written no further than it shows (a
// value that contains itself, a huge one, cost nothing more).
func TestSketch(t *testing.T) {
	big := &tengo.Array{}
	for i := range 100000 {
		big.Value = append(big.Value, &tengo.Int{Value: int64(i)})
	}
	self := &tengo.Map{Value: map[string]tengo.Object{"b": &tengo.String{Value: strings.Repeat("x", 1000)}}}
	self.Value["a"] = self
	wrapped := &tengo.Error{Value: &tengo.Map{Value: map[string]tengo.Object{"z": &tengo.Int{Value: 1}, "a": &tengo.Int{Value: 2}}}}
	for _, c := range []struct {
		o    tengo.Object
		n    int
		want string
	}{
		{big, 20, "[0, 1, 2, 3, 4, 5..."},
		{self, 30, `{a: {...}, b: "xxxxxxxxxxxx...`},
		{wrapped, 40, "error: {a: 2, z: 1}"},
		{&tengo.Error{}, 40, "error"},
		{&tengo.String{Value: "short"}, 40, `"short"`},
	} {
		if got := lib.Sketch(c.o, c.n); got != c.want {
			t.Errorf("Sketch(%d): %q, want %q", c.n, got, c.want)
		}
	}
	if got := lib.Describe(wrapped); got != "error error: {a: 2, z: 1}" {
		t.Errorf("Describe: %q", got)
	}
}
