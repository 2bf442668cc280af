package docgen

import (
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
)

// A module written in Tengo is documented from its table like a Go module,
// and marked as written in Tengo.
func TestSourceModuleDocs(t *testing.T) {
	m := &lib.Module{Name: "helpers", Doc: "task helpers", Source: "export {}",
		Funcs: []lib.Func{{Name: "train", Args: "(p map[, opts map]) -> float", Doc: "the train loop"}}}
	for what, text := range map[string]string{"markdown": Markdown([]*lib.Module{m}), "help": ModuleText(m)} {
		for _, want := range []string{writtenInTengo, "helpers.train(p map[, opts map]) -> float", "the train loop"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", what, want, text)
			}
		}
	}
	if text, ok := Help([]*lib.Module{m}, "helpers.train"); !ok || !strings.Contains(text, "the train loop") {
		t.Errorf(":help helpers.train: %q, %v", text, ok)
	}
}

// A bare name finds every function, value and method so named.
func TestBareName(t *testing.T) {
	mods := []*lib.Module{
		{Name: "a", Funcs: []lib.Func{{Name: "step", Args: "()", Doc: "module a's step"}}, Types: []lib.Type{
			{Name: "net", Methods: []lib.Method{{Name: "step", Args: "(x vec) -> vec", Doc: "a net's step"}, {Name: "end", Args: "()", Doc: "end"}}},
			{Name: "rnn", Methods: []lib.Method{{Name: "step", Args: "(x vec)", Doc: "an rnn's step"}}},
		}},
	}
	text, ok := BareName(mods, "step")
	want := "a.step()\n    module a's step\nnet.step(x vec) -> vec\n    a net's step\nrnn.step(x vec)\n    an rnn's step\n"
	if !ok || text != want {
		t.Errorf("BareName(step) = %q, %v; want %q", text, ok, want)
	}
	if _, ok := BareName(mods, "nothing"); ok {
		t.Error("BareName(nothing) found something")
	}
}
