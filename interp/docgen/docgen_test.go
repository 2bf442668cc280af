package docgen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func nop(*lib.Env, string, []tengo.Object) (tengo.Object, error) { return tengo.UndefinedValue, nil }

func fakeModules() []*lib.Module {
	return []*lib.Module{
		{
			Name: "geo",
			Doc:  "Points and distances.",
			Funcs: []lib.Func{
				{Name: "point", Args: "(x float, y float) -> point", Doc: "Makes a point.", Call: nop},
				{Name: "either", Args: "(a int|float) -> float", Doc: "Takes a | b.", Call: nop},
			},
			Values: []lib.Value{
				{Name: "origin", Doc: "The point (0, 0).", Value: func() tengo.Object { return tengo.UndefinedValue }},
			},
			Types: []lib.Type{{
				Name: "point",
				Doc:  "A point in the plane.",
				Methods: []lib.Method{
					{Name: "dist", Args: "(other point) -> float", Doc: "Euclidean distance."},
				},
			}},
		},
		{Name: "empty", Doc: "Nothing in it."},
	}
}

func TestSignature(t *testing.T) {
	for _, c := range []struct{ name, args, want string }{
		{"m.f", "(a int) -> int", "m.f(a int) -> int"},
		{"m.f", "", "m.f"},
		{"m.f", "-> int", "m.f -> int"},
		{"m.f", "  (a int)  ", "m.f(a int)"},
	} {
		if got := Signature(c.name, c.args); got != c.want {
			t.Errorf("Signature(%q, %q) = %q, want %q", c.name, c.args, got, c.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown(fakeModules())
	for _, want := range []string{
		Header,
		"| [`geo`](#geo) | Points and distances. |",
		"## geo\n\nPoints and distances.\n",
		"| `geo.point(x float, y float) -> point` | Makes a point. |",
		"| `geo.either(a int\\|float) -> float` | Takes a \\| b. |",
		"| `geo.origin` | The point (0, 0). |",
		"#### type `point`\n\nA point in the plane.\n",
		"| `point.dist(other point) -> float` | Euclidean distance. |",
		"## empty\n\nNothing in it.\n",
	} {
		wantIn(t, "Markdown", md, want)
	}
	if strings.Contains(md, "## empty\n\nNothing in it.\n\n```\nempty := import(\"empty\")\n```\n\n###") {
		t.Errorf("empty module got a section heading:\n%s", md)
	}
	if Markdown(fakeModules()) != md {
		t.Error("Markdown is not deterministic")
	}
}

func TestHelp(t *testing.T) {
	mods := fakeModules()
	for _, c := range []struct {
		name string
		want []string
	}{
		{"geo", []string{"module geo: Points and distances.", "geo.point(x float, y float) -> point", "Makes a point.", "geo.origin", "type point: A point in the plane.", "point.dist(other point) -> float"}},
		{"geo.point", []string{"geo.point(x float, y float) -> point\n    Makes a point.\n"}},
		{"geo.origin", []string{"geo.origin (value)\n    The point (0, 0).\n"}},
		{"point", []string{"type point: A point in the plane.", "(module geo)", "point.dist(other point) -> float\n      Euclidean distance."}},
		{"point.dist", []string{"point.dist(other point) -> float\n    Euclidean distance.\n"}},
		{" geo.point ", []string{"geo.point(x float"}},
	} {
		got, ok := Help(mods, c.name)
		if !ok {
			t.Errorf("Help(%q) not found", c.name)
			continue
		}
		wantIn(t, fmt.Sprintf("Help(%q)", c.name), got, c.want...)
	}
	for _, name := range []string{"", "nope", "geo.nope", "point.nope", "geo.", ".point", "nope.point"} {
		if got, ok := Help(mods, name); ok {
			t.Errorf("Help(%q) = %q, want not found", name, got)
		}
	}
}

func TestTopicsAndMethods(t *testing.T) {
	mods := fakeModules()
	got := strings.Join(Topics(mods), " ")
	want := "empty geo geo.either geo.origin geo.point point point.dist"
	if got != want {
		t.Errorf("Topics = %q, want %q", got, want)
	}
	if got := MethodNames(mods, "point"); len(got) != 1 || got[0] != "dist" {
		t.Errorf("MethodNames(point) = %v", got)
	}
	if got := MethodNames(mods, "nope"); got != nil {
		t.Errorf("MethodNames(nope) = %v, want nil", got)
	}
	ov := Overview(mods)
	if !strings.Contains(ov, "  geo    Points and distances.\n") || !strings.Contains(ov, "  empty  Nothing in it.\n") {
		t.Errorf("Overview:\n%s", ov)
	}
}

func TestCode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", "`a`"},
		{"a|b", "`a\\|b`"},
		{"a`b", "``a`b``"},
		{"`a", "`` `a ``"},
	} {
		if got := code(c.in); got != c.want {
			t.Errorf("code(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// wantIn checks that text (what names it) contains every piece of want.
func wantIn(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q; got:\n%s", what, w, text)
		}
	}
}
