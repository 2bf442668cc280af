package docgen

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

const regenerate = "go generate ./interp/docgen   (or: go run ./interp/docgen/cmd -o docs/modules.md)"

// TestModulesDocUpToDate fails when docs/modules.md differs from what the
// module tables generate.
func TestModulesDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "modules.md")
	want := Markdown(stdlib.Modules())
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("docs/modules.md cannot be read (%v); generate it with:\n\t%s", err, regenerate)
	}
	if string(got) != want {
		t.Fatalf("docs/modules.md is out of date with the module tables in stdlib/ (%s); regenerate it with:\n\t%s",
			firstDiff(string(got), want), regenerate)
	}
}

// firstDiff names the first line where the file and the generated text differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: file has %q, tables give %q", i+1, gl, wl)
		}
	}
	return "same lines"
}

// TestModuleTables checks the real module tables: every function, value,
// type and method has a name, a signature and a one-line doc.
func TestModuleTables(t *testing.T) {
	for _, p := range tableProblems(stdlib.Modules()) {
		t.Error(p)
	}
}

// TestModuleMethodsExist builds objects of the documented types by calling
// module functions with simple arguments and checks that every documented
// method is found on them, and that every method they list (lib.MethodSet)
// is documented. Types that no probe reaches are logged, not failed.
func TestModuleMethodsExist(t *testing.T) {
	problems, checked, unreached := methodProblems(stdlib.Modules())
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("types checked: %v", checked)
	if len(unreached) > 0 {
		t.Logf("types no probe reached (methods not checked here): %v", unreached)
	}
}

func TestTableProblemsDetectsGaps(t *testing.T) {
	fn := func(name, args, doc string) lib.Func { return lib.Func{Name: name, Args: args, Doc: doc, Call: nop} }
	mods := []*lib.Module{
		{
			Name: "bad",
			Funcs: []lib.Func{fn("f", "", "x"), fn("", "()", "x"), fn("g", "()", ""),
				{Name: "h", Args: "()", Doc: "two\nlines", Call: nil}, fn("g", "()", "again")},
			Values: []lib.Value{{Name: "v", Doc: "", Value: nil}},
			Types: []lib.Type{{Name: "T", Doc: "", Methods: []lib.Method{
				{Name: "m", Args: "", Doc: "d"}, {Name: "m", Args: "()", Doc: "d"},
			}}},
		},
		{Name: "bad", Doc: "dup"},
	}
	wantIn(t, "problems", strings.Join(tableProblems(mods), "\n"),
		"module bad: empty Doc",
		"bad.f: empty Args",
		"bad function #2: empty Name",
		"bad.g: empty Doc",
		"bad.h: Doc has more than one line",
		"bad.h: nil Call",
		"bad.g: duplicate member",
		"bad.v: empty Doc",
		"bad.v: nil Value",
		"type T (module bad): empty Doc",
		"T.m: empty Args",
		"T.m: duplicate method",
		"module bad: duplicate module name")
}

// probeObj is a custom object for the probe's own test: it has the
// methods a and hidden.
type probeObj struct {
	lib.Base
	methods lib.Bound
}

func probeNop(*probeObj, string, []tengo.Object) (tengo.Object, error) { return nil, nil }

var probeMethods = lib.NewMethodSet("probe", lib.Def("a", "()", "d", probeNop), lib.Def("hidden", "()", "d", probeNop))

func (o *probeObj) TypeName() string           { return "probe" }
func (o *probeObj) String() string             { return "<probe>" }
func (o *probeObj) Copy() tengo.Object         { return o }
func (o *probeObj) Equals(x tengo.Object) bool { return o == x }
func (o *probeObj) IndexGet(i tengo.Object) (tengo.Object, error) {
	return probeMethods.Get(o, &o.methods, i)
}

func TestMethodProblemsDetectsGaps(t *testing.T) {
	mk := func(_ *lib.Env, _ string, args []tengo.Object) (tengo.Object, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("want 1 arg")
		}
		if _, ok := args[0].(*tengo.Int); !ok {
			panic("not an int")
		}
		return &tengo.Array{Value: []tengo.Object{&probeObj{}}}, nil
	}
	mods := []*lib.Module{{
		Name:  "p",
		Doc:   "probe",
		Funcs: []lib.Func{{Name: "make", Args: "(n int) -> [probe]", Doc: "d", Call: mk}},
		Types: []lib.Type{
			{Name: "probe", Doc: "d", Methods: []lib.Method{{Name: "a", Args: "()", Doc: "d"}, {Name: "missing", Args: "()", Doc: "d"}}},
			{Name: "never", Doc: "d"},
		},
	}}
	problems, checked, unreached := methodProblems(mods)
	got := strings.Join(problems, "\n")
	wantIn(t, "problems", got,
		`probe.missing is documented but the object has no such method`,
		`probe.hidden is bound on the object but not documented`)
	if len(problems) != 2 {
		t.Errorf("want 2 problems, got %d:\n%s", len(problems), got)
	}
	if fmt.Sprint(checked) != "[probe]" || fmt.Sprint(unreached) != "[never]" {
		t.Errorf("checked %v, unreached %v", checked, unreached)
	}
}

// tableProblems lists every gap in the documentation tables.
func tableProblems(mods []*lib.Module) []string {
	var out []string
	bad := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	oneLine := func(what, doc string) {
		if strings.TrimSpace(doc) == "" {
			bad("%s: empty Doc", what)
		} else if strings.Contains(doc, "\n") {
			bad("%s: Doc has more than one line", what)
		}
	}
	// named returns what an entry is called in the problems: what, or the
	// kind and number of an entry of owner without a name (a problem).
	named := func(what, owner, kind string, i int, name string) string {
		if name == "" {
			what = fmt.Sprintf("%s %s #%d", owner, kind, i+1)
			bad("%s: empty Name", what)
		}
		return what
	}
	signature := func(what, args string) {
		if strings.TrimSpace(args) == "" {
			bad("%s: empty Args (write \"()\" for no arguments)", what)
		} else if !strings.HasPrefix(strings.TrimSpace(args), "(") {
			bad("%s: Args %q should start with \"(\"", what, args)
		}
	}
	unique := func(seen map[string]bool, what, name, dup string) {
		if seen[name] {
			bad("%s: %s", what, dup)
		}
		seen[name] = true
	}
	modSeen := map[string]bool{}
	for _, m := range mods {
		if m.Name == "" {
			bad("module with Doc %q: empty Name", m.Doc)
		}
		unique(modSeen, "module "+m.Name, m.Name, "duplicate module name")
		oneLine("module "+m.Name, m.Doc)
		seen := map[string]bool{}
		member := func(kind string, i int, name, doc string) string {
			what := named(m.Name+"."+name, m.Name, kind, i, name)
			unique(seen, what, name, "duplicate member")
			oneLine(what, doc)
			return what
		}
		for i, f := range m.Funcs {
			what := member("function", i, f.Name, f.Doc)
			signature(what, f.Args)
			if f.Call == nil && m.Source == "" { // a source module's table only documents it
				bad("%s: nil Call", what)
			}
		}
		for i, v := range m.Values {
			switch what := member("value", i, v.Name, v.Doc); {
			case m.Source != "": // only documented
			case v.Value == nil:
				bad("%s: nil Value", what)
			case v.Value() == nil:
				bad("%s: Value() returned nil", what)
			}
		}
		for i, ty := range m.Types {
			oneLine(named(fmt.Sprintf("type %s (module %s)", ty.Name, m.Name), m.Name, "type", i, ty.Name), ty.Doc)
			methodSeen := map[string]bool{}
			for j, me := range ty.Methods {
				what := named(ty.Name+"."+me.Name, ty.Name, "method", j, me.Name)
				unique(methodSeen, what, me.Name, "duplicate method")
				signature(what, me.Args)
				oneLine(what, me.Doc)
			}
		}
	}
	return out
}

// probeEnv is an environment whose context is already cancelled, so that a
// probed function that would run long stops at once; output is discarded and
// no directory is set, so nothing is written.
func probeEnv() *lib.Env {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &lib.Env{Ctx: ctx, Seed: 1, Out: io.Discard, Quiet: true}
}

// unsafeToProbe names functions the method probe must never call, even with
// harmless arguments.
func unsafeToProbe(mod, fn string) bool {
	switch mod {
	case "os", "times":
		return true
	}
	switch fn {
	case "exit", "sleep", "read_file", "write_file", "run", "exec":
		return true
	}
	return false
}

// probeScripts build objects that the argument probe cannot reach (their
// constructors take option maps). Each leaves its objects in the global
// "out". If one fails, the module's API changed: update the snippet.
var probeScripts = []string{
	`bohp := import("bohp"); out := bohp.network({inputs: 2, layers: [{size: 3, plastic: true, retention: 0.9}, {size: 2}]})`,
}

// scriptObjects runs the probe scripts and returns what they left in out.
func scriptObjects(mods []*lib.Module) (objs []tengo.Object, problems []string) {
	env := probeEnv()
	env.Ctx = context.Background()
	mm := tengo.NewModuleMap()
	for _, m := range mods {
		if m.Source != "" {
			mm.AddSourceModule(m.Name, []byte(m.Source))
			continue
		}
		mm.AddBuiltinModule(m.Name, m.Build(env))
	}
	for _, src := range probeScripts {
		sc := tengo.NewScript([]byte(src))
		sc.SetImports(mm)
		c, err := sc.Run()
		if err != nil {
			if strings.Contains(err.Error(), "module '") && strings.Contains(err.Error(), "not found") {
				continue // that module is not registered (yet)
			}
			problems = append(problems, fmt.Sprintf("probe script %q failed (update it in interp/docgen/modules_test.go): %v", src, err))
			continue
		}
		objs = append(objs, c.Get("out").Object())
	}
	return objs, problems
}

// methodProblems calls module functions with small argument lists (no
// strings, so no paths), then calls them again with the objects obtained, and
// collects the custom objects returned. For each documented type reached it
// checks that every documented method is found by IndexGet and that every
// method the object lists (lib.MethodSet) is documented.
func methodProblems(mods []*lib.Module) (problems, checked, unreached []string) {
	env := probeEnv()
	documented := map[string]*lib.Type{}
	for _, m := range mods {
		for i := range m.Types {
			documented[m.Types[i].Name] = &m.Types[i]
		}
	}
	var fns []tengo.CallableFunc
	var names []string
	for _, m := range mods {
		if m.Source != "" {
			continue // written in Tengo: no Go functions to probe
		}
		built := m.Build(env)
		for _, f := range m.Funcs {
			if f.Call == nil || unsafeToProbe(m.Name, f.Name) {
				continue
			}
			fns = append(fns, built[f.Name].(*tengo.UserFunction).Value)
			names = append(names, m.Name+"."+f.Name)
		}
	}
	found := map[string]tengo.Object{}  // one object per documented type
	undocumented := map[string]string{} // type name -> function that returned it
	var objs []tengo.Object
	collect := func(from string, o tengo.Object) {
		walk(o, func(x tengo.Object) {
			if isTengoBuiltin(x) {
				return
			}
			tn := safeTypeName(x)
			if _, ok := documented[tn]; !ok {
				if _, seen := undocumented[tn]; !seen {
					undocumented[tn] = from
				}
				return
			}
			if _, ok := found[tn]; !ok {
				found[tn] = x
				objs = append(objs, x)
			}
		})
	}
	i2, i3, i1 := &tengo.Int{Value: 2}, &tengo.Int{Value: 3}, &tengo.Int{Value: 1}
	f05 := &tengo.Float{Value: 0.5}
	arr := func(v ...float64) *tengo.Array {
		a := &tengo.Array{}
		for _, x := range v {
			a.Value = append(a.Value, &tengo.Float{Value: x})
		}
		return a
	}
	base := [][]tengo.Object{
		{}, {i2}, {i2, i3}, {i3, i2}, {i2, i3, i1}, {f05}, {arr(1, 2, 3)},
		{&tengo.Array{Value: []tengo.Object{arr(1, 2), arr(3, 4)}}},
		{&tengo.Map{Value: map[string]tengo.Object{}}},
		{tengo.TrueValue},
	}
	call := func(k int, args []tengo.Object) {
		defer func() { _ = recover() }()
		if res, err := fns[k](args...); err == nil && res != nil {
			collect(names[k], res)
		}
	}
	for k := range fns {
		for _, args := range base {
			call(k, args)
		}
	}
	scripted, sp := scriptObjects(mods)
	problems = append(problems, sp...)
	for _, o := range scripted {
		collect("a probe script", o)
	}
	// Second and third rounds: objects found so far as arguments.
	for round := 0; round < 2; round++ {
		have := append([]tengo.Object(nil), objs...)
		for k := range fns {
			for _, o := range have {
				for _, args := range [][]tengo.Object{{o}, {o, o}, {o, i2}, {i2, o}, {o, i3}, {&tengo.Array{Value: []tengo.Object{o}}}, {i2, &tengo.Array{Value: []tengo.Object{o}}}} {
					call(k, args)
				}
			}
		}
	}
	for tn, from := range undocumented {
		problems = append(problems, fmt.Sprintf("%s returned an object of type %q, which no module documents in its Types", from, tn))
	}
	for tn, ty := range documented {
		o, ok := found[tn]
		if !ok {
			unreached = append(unreached, tn)
			continue
		}
		checked = append(checked, tn)
		for _, me := range ty.Methods {
			if !hasMethod(o, me.Name) {
				problems = append(problems, fmt.Sprintf("%s.%s is documented but the object has no such method", tn, me.Name))
			}
		}
		docs := map[string]bool{}
		for _, me := range ty.Methods {
			docs[me.Name] = true
		}
		bound := boundMethods(o)
		if len(ty.Methods) == 0 && len(bound) > 0 {
			problems = append(problems, fmt.Sprintf("type %s documents no methods but its objects bind %d (%s); "+
				"if the lib.Type is built from a method table, is that table filled in an init() that runs after the package-level Module var is initialised?",
				tn, len(bound), strings.Join(bound, ", ")))
			continue
		}
		for _, name := range bound {
			if !docs[name] {
				problems = append(problems, fmt.Sprintf("%s.%s is bound on the object but not documented in its lib.Type", tn, name))
			}
		}
	}
	sort.Strings(problems)
	sort.Strings(checked)
	sort.Strings(unreached)
	return problems, checked, unreached
}

func walk(o tengo.Object, f func(tengo.Object)) {
	var elems []tengo.Object
	switch v := o.(type) {
	case *tengo.Array:
		elems = v.Value
	case *tengo.ImmutableArray:
		elems = v.Value
	case *tengo.Map:
		elems = slices.Collect(maps.Values(v.Value))
	case *tengo.ImmutableMap:
		elems = slices.Collect(maps.Values(v.Value))
	case nil:
	default:
		f(o)
	}
	for _, x := range elems {
		walk(x, f)
	}
}

func isTengoBuiltin(o tengo.Object) bool {
	t := reflect.TypeOf(o)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.HasPrefix(t.PkgPath(), "github.com/d5/tengo/")
}

func safeTypeName(o tengo.Object) (s string) {
	defer func() {
		if recover() != nil {
			s = fmt.Sprintf("%T (TypeName panics)", o)
		}
	}()
	return o.TypeName()
}

func hasMethod(o tengo.Object, name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := o.IndexGet(&tengo.String{Value: name})
	return err == nil && v != nil && v.CanCall()
}

// boundMethods lists the methods the object says it has: the list in its
// error for an unknown member (lib.MethodSet's "(methods: a, b)"), so that
// undocumented methods can be reported.
func boundMethods(o tengo.Object) []string {
	_, err := o.IndexGet(&tengo.String{Value: "\x00no such member"})
	if err == nil {
		return nil
	}
	_, list, ok := strings.Cut(err.Error(), "(methods: ")
	if !ok {
		return nil
	}
	return strings.Split(strings.TrimSuffix(list, ")"), ", ")
}
