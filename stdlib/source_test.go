package stdlib_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// TestSourceModulesMatchTheirTables: a module written in Tengo (tasks,
// enum) exports exactly the functions and values its table documents, each
// function with the documented parameters (required ones, and optional
// ones as a variadic tail). The tables are the one source of the docs, so
// this is what keeps docs/modules.md and :help true to the source.
func TestSourceModulesMatchTheirTables(t *testing.T) {
	n := 0
	for _, m := range stdlib.Modules() {
		if m.Source == "" {
			continue
		}
		n++
		t.Run(m.Name, func(t *testing.T) {
			for _, p := range sourceProblems(t, m) {
				t.Error(p)
			}
		})
	}
	if n < 2 {
		t.Fatalf("%d source modules (want tasks and enum at least)", n)
	}
}

// The check finds an undocumented export, a documented name the source
// lacks, and a parameter count that differs.
func TestSourceProblemsDetectsDrift(t *testing.T) {
	m := &lib.Module{Name: "mini", Source: `export {f: func(a, b) {}, g: func(a, ...o) {}, h: func() {}, v: 1}`,
		Funcs: []lib.Func{{Name: "f", Args: "(a int)"}, {Name: "g", Args: "(a int[, o map])"}, {Name: "k", Args: "()"}}}
	got := strings.Join(sourceProblems(t, m), "\n")
	for _, want := range []string{
		"mini.f: documented as (a int) (1 required, 0 optional), the source takes 2 parameters",
		"mini.h: exported by the source but not documented",
		"mini.v: exported by the source but not documented",
		"mini.k: documented but not exported by the source",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "mini.g") {
		t.Errorf("an optional argument documented as [, o] is a variadic tail; got:\n%s", got)
	}
}

func sourceProblems(t *testing.T, m *lib.Module) []string {
	t.Helper()
	mm := tengo.NewModuleMap()
	mm.AddSourceModule(m.Name, []byte(m.Source))
	for _, o := range stdlib.Modules() { // what the source imports
		if o.Name != m.Name && o.Source == "" {
			mm.AddBuiltinModule(o.Name, o.Build(&lib.Env{}))
		}
	}
	sc := tengo.NewScript([]byte(`out := import("` + m.Name + `")`))
	sc.SetImports(mm)
	c, err := sc.Run()
	if err != nil {
		t.Fatalf("module %s: %v", m.Name, err)
	}
	exports := c.Get("out").Object().(*tengo.ImmutableMap).Value
	var problems []string
	documented := map[string]bool{}
	for _, f := range m.Funcs {
		documented[f.Name] = true
		o, ok := exports[f.Name]
		if !ok {
			problems = append(problems, m.Name+"."+f.Name+": documented but not exported by the source")
			continue
		}
		cf, ok := o.(*tengo.CompiledFunction)
		if !ok {
			problems = append(problems, m.Name+"."+f.Name+": documented as a function, the source exports a "+o.TypeName())
			continue
		}
		required, optional := arity(f.Args)
		got := cf.NumParameters
		if cf.VarArgs {
			got--
		}
		if got != required || cf.VarArgs != (optional > 0) {
			tail := ""
			if cf.VarArgs {
				tail = " and a variadic tail"
			}
			problems = append(problems, fmt.Sprintf("%s.%s: documented as %s (%d required, %d optional), the source takes %d parameters%s", m.Name, f.Name, f.Args, required, optional, got, tail))
		}
	}
	for _, v := range m.Values {
		documented[v.Name] = true
		if _, ok := exports[v.Name]; !ok {
			problems = append(problems, m.Name+"."+v.Name+": documented but not exported by the source")
		}
	}
	var names []string
	for name := range exports {
		if !documented[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		problems = append(problems, m.Name+"."+name+": exported by the source but not documented")
	}
	return problems
}

// arity counts the parameters of a documented signature "(a int, b
// map[, c func]) -> x": those before a "[" are required, the others (and
// a "..." one) optional.
func arity(args string) (required, optional int) {
	start, depth, end := strings.Index(args, "("), 0, len(args)
	for i := start; i < len(args); i++ {
		if args[i] == '(' {
			depth++
		} else if args[i] == ')' {
			if depth--; depth == 0 {
				end = i
				break
			}
		}
	}
	req, opt, _ := strings.Cut(args[start+1:end], "[")
	for _, p := range strings.Split(req, ",") {
		switch p = strings.TrimSpace(p); {
		case p == "":
		case strings.Contains(p, "..."):
			optional++
		default:
			required++
		}
	}
	for _, p := range strings.Split(opt, ",") {
		if strings.Trim(p, " ]") != "" {
			optional++
		}
	}
	return required, optional
}
