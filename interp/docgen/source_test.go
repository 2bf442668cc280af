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
