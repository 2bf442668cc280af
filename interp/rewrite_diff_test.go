package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// The differential test of the safety rewrite (rewrite.go): a script runs
// twice with the same modules, compiled by Tengo alone and as bohpsh
// compiles it (rewritten, with the guards), and both runs must end alike:
// the same values of every global, the same printed output, and the same
// error (kind, message, file, line and column). The side effects of a
// script's calls show in order through the globals (the generated
// programs log every call of f into an array).
//
// The divergences by design are explicit (see intended): a guard refusing
// a value that would contain itself, or a walk of a value nested too deep
// (Tengo alone would overflow the Go stack on them: such a script is not
// run by Tengo alone).

// diffDir holds the files the differential scripts import.
const diffDir = "testdata/rewdiff"

// diffTimeout bounds each run; a script that does not end in time on
// either side is not compared (its loops may run for ever).
const diffTimeout = 300 * time.Millisecond

// outcome is how one run ended.
type outcome struct {
	globals string // every global: name = value, by name
	out     string // what the script printed
	err     string // kind, position and message ("" : none)
	stopped bool   // interrupted (time limit or memory budget)
	refused bool   // a divergence by design (see intended)
}

func (o outcome) String() string {
	return fmt.Sprintf("error: %s\noutput: %q\nglobals:\n%s", o.err, o.out, o.globals)
}

// intended reports whether a bohpsh error is a divergence by design: a
// guard refusing to make a value that contains itself, or the second line
// of defence refusing to walk one (or one nested too deep).
func intended(e *ScriptError) bool {
	return strings.Contains(e.Msg, errCycle) || errors.Is(e, lib.ErrContainsItself) ||
		strings.Contains(e.Msg, fmt.Sprintf("nested deeper than %d", lib.MaxDepth))
}

// runDiff runs text (a script in dir) both ways and returns a description
// of the divergence, "" when there is none or when the runs cannot be
// compared (a time limit, or a divergence by design).
func runDiff(t testing.TB, name string, text []byte, dir string) string {
	got := runBoth(t, name, text, dir, true)
	if got.stopped || got.refused {
		return ""
	}
	// Tengo renders maps ("" + m) and iterates them (for k in m) in Go's
	// random order: a script whose result depends on it gives different
	// results from run to run, and is not compared.
	want := runBoth(t, name, text, dir, false)
	if want.stopped || want == got {
		return ""
	}
	for range 8 {
		again := runBoth(t, name, text, dir, false)
		if again.stopped || again != want {
			return ""
		}
	}
	for range 2 {
		again := runBoth(t, name, text, dir, true)
		if again.stopped || again != got {
			return ""
		}
	}
	return fmt.Sprintf("Tengo alone:\n%v\nbohpsh:\n%v", want, got)
}

// runBoth runs text once: rewritten as bohpsh compiles it, or compiled by
// Tengo alone (with Tengo's own file imports).
func runBoth(t testing.TB, name string, text []byte, dir string, rewritten bool) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), diffTimeout)
	defer cancel()
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer lib.WatchMemory(stop)()
	var out bytes.Buffer
	env, modules := NewEnv(EnvConfig{Ctx: runCtx, Out: &out, OutDir: t.TempDir(), ScriptDir: dir})
	var names map[string]int
	var globals []tengo.Object
	var err error
	if rewritten {
		var prog *Program
		prog, err = CompileContext(runCtx, &Source{Name: name, Text: text, Dir: dir}, env, modules)
		if err == nil {
			names, globals = prog.names, prog.globals
			err = prog.Run(runCtx)
		}
	} else {
		names, globals, err = runPlain(runCtx, name, text, dir, modules)
	}
	var o outcome
	if err != nil {
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Fatalf("%s: an error of type %T: %v", text, err, err)
		}
		if se.Internal {
			t.Fatalf("%s: internal error (rewritten %v): %v", text, rewritten, err)
		}
		if se.Kind == Interrupted || runCtx.Err() != nil {
			return outcome{stopped: true}
		}
		if rewritten && intended(se) {
			return outcome{refused: true}
		}
		o.err = fmt.Sprintf("%d %s:%d:%d: %s", se.Kind, filepath.Base(se.Pos.File), se.Pos.Line, se.Pos.Col, se.Msg)
	}
	o.out = out.String()
	o.globals = renderGlobals(names, globals)
	return o
}

// runPlain compiles and runs text with Tengo alone (its errors converted as
// bohpsh converts them, without a position map) and returns its globals.
func runPlain(ctx context.Context, name string, text []byte, dir string, modules tengo.ModuleGetter) (map[string]int, []tengo.Object, error) {
	s := NewSources(name, text)
	st := tengo.NewSymbolTable()
	for i, fn := range tengo.GetAllBuiltinFunctions() {
		st.DefineBuiltin(i, fn.Name)
	}
	fileSet := parser.NewFileSet()
	srcFile := fileSet.AddFile(name, -1, len(text))
	file, err := parser.NewParser(srcFile, text, nil).ParseFile()
	if err != nil {
		return nil, nil, s.CompileError(err)
	}
	c := tengo.NewCompiler(srcFile, st, nil, modules, nil)
	c.EnableFileImport(true)
	c.SetImportDir(dir)
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		return c.Compile(file)
	}()
	if err != nil {
		return nil, nil, s.CompileError(err)
	}
	bc := c.Bytecode()
	bc.RemoveDuplicates()
	names := map[string]int{}
	for _, n := range st.Names() {
		if sym, _, ok := st.Resolve(n, false); ok && sym.Scope == tengo.ScopeGlobal {
			names[n] = sym.Index
		}
	}
	globals := make([]tengo.Object, tengo.GlobalsSize)
	err = s.Run(ctx, tengo.NewVM(bc, globals, -1))
	return names, globals, err
}

// renderGlobals shows every global by name, its value rendered with maps'
// keys sorted.
func renderGlobals(names map[string]int, globals []tengo.Object) string {
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, n := range keys {
		b.WriteString(n)
		b.WriteString(" = ")
		renderObject(&b, globals[names[n]], 0)
		b.WriteString("\n")
	}
	return b.String()
}

// renderObject writes o, nested at most 40 deep (a value that contains
// itself, which only Tengo alone can make, is cut there).
func renderObject(b *strings.Builder, o tengo.Object, depth int) {
	if depth > 40 {
		b.WriteString("…")
		return
	}
	elems := func(open string, els []tengo.Object) {
		b.WriteString(open)
		for i, e := range els {
			if i > 0 {
				b.WriteString(", ")
			}
			renderObject(b, e, depth+1)
		}
		b.WriteString("]")
	}
	pairs := func(open string, m map[string]tengo.Object) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(open)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k))
			b.WriteString(": ")
			renderObject(b, m[k], depth+1)
		}
		b.WriteString("}")
	}
	switch o := o.(type) {
	case nil:
		b.WriteString("nil")
	case *tengo.Array:
		elems("[", o.Value)
	case *tengo.ImmutableArray:
		elems("immutable[", o.Value)
	case *tengo.Map:
		pairs("{", o.Value)
	case *tengo.ImmutableMap:
		pairs("immutable{", o.Value)
	case *tengo.Error:
		b.WriteString("error(")
		renderObject(b, o.Value, depth+1)
		b.WriteString(")")
	case *tengo.String:
		b.WriteString(strconv.Quote(o.Value))
	case *tengo.Float:
		b.WriteString("float " + strconv.FormatFloat(o.Value, 'g', -1, 64))
	case *tengo.CompiledFunction:
		b.WriteString("<function>")
	case *tengo.BuiltinFunction:
		b.WriteString("<builtin " + o.Name + ">")
	case *tengo.UserFunction: // modules' functions
		b.WriteString("<user " + o.Name + ">")
	default:
		b.WriteString(o.TypeName() + " " + o.String())
	}
}

// diffCase is a script of the table test; want, when set, is a
// divergence by design that bohpsh's run must end with (a substring of its
// error).
type diffCase struct {
	code string
	want string
}

// diffCases are hand-written scripts, each aiming at a construct the
// rewrite changes; cases the fuzzers found are added at the end.
var diffCases = []diffCase{
	{code: `log := []; f := func(v) { log = append(log, v); return v }; a := [[0, 1], {k: 2}]; a[f(0)][f(1)] += f(5); a[f(1)].k -= f(1); r := a`},
	{code: `log := []; f := func(v) { log = append(log, v); return v }; m := {b: [{d: 1}]}; c := 0; m.b[f(c)].d = f("e"); m.b[0].d += f("x")`},
	{code: `s := "a"; s += 1; s += [1, "b"]; s += 'c'; s += 1.5; t := "x" + undefined`},
	{code: `x := 2; y := 3; a := -x + y; b := -x > 0 ? "p" : "n"; c := [-x][0]; m := {}; m.k = -x + y; m.l = -x > 0 ? 1 : 2`},
	{code: `e := error([1, 2]); i := immutable({a: [1]}); m := {}; m.e = e; m.i = i; m.j = immutable([1]) + [2]; r := [e == error([1, 2]), i == {a: [1]}]`},
	{code: `append := func(a, b) { return [b, a] }; r := append(1, 2); copy := 3; string := "s"; m := {string: string, copy: copy}; m.append = append; m.string += "t"`},
	{code: `g := func() { copy := func(x) { return x + 1 }; return copy(1) }; r := [g(), copy([1])]`},
	{code: `m := {"a b": 1, "t\tab": [1], "q\"": {}}; m["a b"] += 1; m["t\tab"][0] -= 1; m["q\""]["x y"] = "z"`},
	{code: `log := []; f := func(v) { log = append(log, v); return v }; a := [[[0]]]; a[f(0)][f(0)][f(0)] = f(1); b := a[f(0)][f(0)][f(0)]`},
	{code: `a := [1, 2]; b := a + a; c := a + [a]; d := [] + []; e := a + immutable([3]); f := immutable(a) + immutable([4])`},
	{code: `a := [1]; m := {}; u := undefined; r := [a == a, a != [1], m == {}, u == a, a == u, u == u, m != undefined, [m] == [{}]]`},
	{code: `h := import("./helper"); g := import ( "./helper" ); k := import(` + "`./helper`" + `); r := [h.twice(2), g.twice(3), k.v]`},
	{code: "x := import(\n\"./helper\")\nm := {}\nm.v = x.twice(\n  4)\nm.w = x.nope + 1"},
	{code: `fmt := import("fmt"); a := [1, {b: 2}]; fmt.println(a, "x"); fmt.printf("%v %d\n", a, 3); s := format("%v", a) + string(a)`},
	{code: `a := [1, 2, 3]; x := splice(a, 1, 1, [4], 5); y := append(a, 6, 7); z := append(a...)`},
	{code: `m := {a: 1}; m.a.b = 2`},
	{code: `a := [1]; a[1] = 2`},
	{code: `a := [1]; a[0] += [2]`},
	{code: `m := {}; m.x += 1`},
	{code: `x := 1; x += "a"`},
	{code: `s := "abc"; s[0] = 'x'`},
	{code: `a := immutable([1]); a[0] += 1`},
	{code: `log := []; f := func(v) { log = append(log, v); return v }; a := [0]; a[f(5)] = f(1)`},
	{code: "f := func(m) {\n\tm.x[0] = 1\n}\nf({x: 3})"},
	{code: "f := func(m) {\n\tm.x.y += 1\n}\nf({x: {}})"},
	{code: `for i := 0; i < 3; i++ { a := [i]; a[0] += i }; m := {c: 0}; for x in [1, 2] { m.c += x }; r := m`},
	// found by the fuzzers
	// the guards of builtins were user functions: they printed, and were
	// named in errors, as such
	{code: `fmt := import("fmt"); fmt.println(copy, append, string, format, splice); t := [type_name(copy), "" + append, is_callable(string)]`},
	{code: "x := append(\n[1])"},
	{code: `x := string([1], 2, 3)`},
	// file imports were resolved while rewriting, before Tengo compiles:
	// an import's error came before an earlier compile error; and the root
	// of an index assignment came after its value (Tengo resolves it first)
	{code: `A0000%import("")`},
	{code: `x := import("")`},
	{code: `x := 1 + y; z := import("./nope")`},
	{code: `x := 1 + y; z := import("./broken")`},
	{code: "x := import(\"./nope\")\ny := import(\"./broken\")"},
	{code: `a[0] = b`},
	{code: `a.x.y += b`},
	{code: `f := func() { a[0] = 1 }; a := [1]`},
	{code: `len[0] = 1`},
	{code: `m := {}; len.x += m`},
	{code: `a := [1]; f := func() { a[0] = 2; return a }; g := func(append) { append[0] = 3; return append }; r := [f(), g([0])]`},
	{code: `x := import("./cyc_a")`},
	{code: "m := {}\nm.x = import(\"./helper\").twice(2)\nm.y = import(\"./helper\").state.n"},
	{code: `m := {}; m.self = m`, want: errCycle},
	{code: `a := [1]; a[0] = [a]`, want: errCycle},
	{code: `l := [1, 2, 3]; r := l + [4]; z := l + [r]`, want: errCycle},
}

func TestRewriteDiff(t *testing.T) {
	for _, c := range diffCases {
		if c.want != "" {
			err := diffError(t, c.code)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s\n got %v\nwant an error with %q", c.code, err, c.want)
			}
			continue
		}
		if d := runDiff(t, "d.tengo", []byte(c.code), diffDir); d != "" {
			t.Errorf("%s\n%s", c.code, d)
		}
	}
}

// diffError is the error of code run as bohpsh runs it.
func diffError(t *testing.T, code string) error {
	env, modules := NewEnv(EnvConfig{OutDir: t.TempDir(), ScriptDir: diffDir})
	prog, err := Compile(&Source{Name: "d.tengo", Text: []byte(code), Dir: diffDir}, env, modules)
	if err == nil {
		err = prog.Run(context.Background())
	}
	return err
}

// diffCorpus are the scripts of the repository: the tests' and the
// shipped ones.
func diffCorpus(t testing.TB) []string {
	var files []string
	for _, pattern := range []string{"testdata/*.tengo", "testdata/errors/*.tengo", "testdata/rewdiff/*.tengo", "../scripts/*.tengo", "../stdlib/*/testdata/*.tengo"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

// TestRewriteDiffCorpus compares the two runs of every script of the
// repository that ends in time.
func TestRewriteDiffCorpus(t *testing.T) {
	for _, file := range diffCorpus(t) {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if d := runDiff(t, filepath.Base(file), text, filepath.Dir(file)); d != "" {
			t.Errorf("%s\n%s", file, d)
		}
	}
}

// FuzzRewriteDiff mutates scripts as text (the corpus and the table's).
func FuzzRewriteDiff(f *testing.F) {
	for _, file := range diffCorpus(f) {
		if text, err := os.ReadFile(file); err == nil && len(text) <= maxDiffScript {
			f.Add(text)
		}
	}
	for _, c := range diffCases {
		f.Add([]byte(c.code))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if len(text) > maxDiffScript || CheckText(text) != nil {
			return
		}
		if d := runDiff(t, "d.tengo", text, diffDir); d != "" {
			t.Errorf("%s\n%s", text, d)
		}
	})
}

// FuzzRewriteGen runs the programs genProgram makes of its input.
func FuzzRewriteGen(f *testing.F) {
	for i := range 64 {
		seed := make([]byte, 64)
		for j := range seed {
			seed[j] = byte(i*131 + j*j*7 + j)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		text := genProgram(data)
		if d := runDiff(t, "g.tengo", text, diffDir); d != "" {
			t.Errorf("%s\n%s", text, d)
		}
	})
}

// TestRewriteGen runs a few thousand generated programs (a fixed sample
// of what FuzzRewriteGen explores).
func TestRewriteGen(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	data := make([]byte, 96)
	state := uint64(1)
	for i := range n {
		for j := range data {
			state = state*6364136223846793005 + 1442695040888963407
			data[j] = byte(state >> 56)
		}
		text := genProgram(data)
		if d := runDiff(t, "g.tengo", text, diffDir); d != "" {
			t.Fatalf("program %d:\n%s\n%s", i, text, d)
		}
	}
}

// maxDiffScript bounds the mutated scripts.
const maxDiffScript = 4096
