package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// point is a custom object of the fake "geo" module.
type point struct {
	lib.Base
	x, y    float64
	methods lib.Bound
}

var pointMethods = lib.NewMethodSet("point",
	lib.DefNoArgs("x", "() -> float", "The abscissa.", func(p *point, _ string) (tengo.Object, error) { return lib.FromFloat(p.x), nil }),
	lib.DefNoArgs("norm", "() -> float", "Squared length.", func(p *point, _ string) (tengo.Object, error) { return lib.FromFloat(p.x*p.x + p.y*p.y), nil }),
)

func (p *point) TypeName() string           { return "point" }
func (p *point) String() string             { return fmt.Sprintf("point(%g, %g)", p.x, p.y) }
func (p *point) Copy() tengo.Object         { return p }
func (p *point) Equals(o tengo.Object) bool { return p == o }
func (p *point) IndexGet(i tengo.Object) (tengo.Object, error) {
	return pointMethods.Get(p, &p.methods, i)
}

// reached receives a value when a script calls geo.reached(), so that a
// test acts on what a statement has done rather than after a delay.
var reached = make(chan struct{}, 1)

func signalReached() {
	select {
	case reached <- struct{}{}:
	default:
	}
}

// cancelWhenReached cancels once a statement (run after this call) calls
// geo.reached().
func cancelWhenReached(cancel context.CancelFunc) {
	select {
	case <-reached: // an earlier statement's
	default:
	}
	go func() { <-reached; cancel() }()
}

// geo is a fake module: a constructor, a function that panics, one that
// runs until its context is cancelled, one that reads the seed, and one
// that tells the test it was reached.
var geo = &lib.Module{
	Name: "geo",
	Doc:  "Points in the plane.",
	Funcs: []lib.Func{
		{Name: "point", Args: "(x float, y float) -> point", Doc: "Makes a point.", Call: func(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
			var x, y float64
			if err := lib.UnpackArgs(fn, args, "x, y", &x, &y); err != nil {
				return nil, err
			}
			return &point{x: x, y: y}, nil
		}},
		{Name: "crash", Args: "()", Doc: "Panics.", Call: func(*lib.Env, string, []tengo.Object) (tengo.Object, error) {
			var m map[string]int
			//lint:ignore SA5000 the test needs a real Go runtime panic
			m["x"] = 1
			return nil, nil
		}},
		{Name: "spin", Args: "()", Doc: "Runs until interrupted (reached first).", Call: func(env *lib.Env, fn string, _ []tengo.Object) (tengo.Object, error) {
			signalReached()
			for {
				if err := env.Cancelled(fn); err != nil {
					return nil, err
				}
				time.Sleep(time.Millisecond)
			}
		}},
		{Name: "reached", Args: "()", Doc: "Tells the test it was reached.", Call: func(*lib.Env, string, []tengo.Object) (tengo.Object, error) {
			signalReached()
			return nil, nil
		}},
		{Name: "seed", Args: "() -> int", Doc: "The run's seed.", Call: func(env *lib.Env, _ string, _ []tengo.Object) (tengo.Object, error) {
			return lib.FromInt(int(env.Seed)), nil
		}},
	},
	Values: []lib.Value{{Name: "pi", Doc: "Pi.", Value: func() tengo.Object { return lib.FromFloat(3.14159) }}},
	Types:  []lib.Type{pointMethods.Type("A point.")},
}

func newTestSession(t *testing.T) (*Session, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s := &Session{opts: Options{Seed: 7}, out: &out, extra: []*lib.Module{geo}}
	s.mods = append(stdlib.Modules(), geo)
	s.Reset()
	return s, &out
}

// eval runs src and returns what it printed; it fails the test on error.
func eval(t *testing.T, s *Session, out *bytes.Buffer, src string) string {
	t.Helper()
	out.Reset()
	if err := s.Eval(context.Background(), src); err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return out.String()
}

// evalWant runs src and checks what it printed.
func evalWant(t *testing.T, s *Session, out *bytes.Buffer, src, want string) {
	t.Helper()
	if got := eval(t, s, out, src); got != want {
		t.Errorf("%s printed %q, want %q", src, got, want)
	}
}

// evalErr runs src, which must fail, and returns the error message.
func evalErr(t *testing.T, s *Session, out *bytes.Buffer, src string) string {
	t.Helper()
	out.Reset()
	err := s.Eval(context.Background(), src)
	if err == nil {
		t.Fatalf("Eval(%q) succeeded, printing %q; want an error", src, out.String())
	}
	return err.Error()
}

func TestPrintsValues(t *testing.T) {
	s, out := newTestSession(t)
	for _, c := range []struct{ src, want string }{
		{"x := 6*7", ""},
		{"x", "42\n"},
		{"x = 2", ""},
		{"x + 0.5", "2.5\n"},
		{`"hi"`, "\"hi\"\n"},
		{`[1, "b", {c: true}]`, "[1, \"b\", {c: true}]\n"},
		{"undefined", ""},
		{"1; 2", "1\n2\n"},
		{"f := func() {}", ""},
		{"f()", ""},
		{`error("bad")`, "error: \"bad\"\n"},
		{"geo := import(\"geo\")", ""},
		{"geo.point(3, 4)", "point(3, 4)\n"},
		{"geo.seed()", "7\n"},
		{"if x > 1 { 5 }", ""},
		{"{zeta: 1, alpha: {y: [2, {b: 1, a: 0}], x: 1}, mid: 2}", "{alpha: {x: 1, y: [2, {a: 0, b: 1}]}, mid: 2, zeta: 1}\n"}, // keys sorted
	} {
		evalWant(t, s, out, c.src, c.want)
	}
}

func TestRedeclaration(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, "x := 1")
	eval(t, s, out, `x := "a"`)
	evalWant(t, s, out, "x", "\"a\"\n")
	// A function that uses the global sees the new value.
	eval(t, s, out, "get := func() { return x }")
	eval(t, s, out, "x := 3")
	evalWant(t, s, out, "get()", "3\n")
	// Redeclaring a function that calls itself.
	eval(t, s, out, "fact := func(n) { return n < 2 ? 1 : n * fact(n-1) }")
	eval(t, s, out, "fact := func(n) { return n < 2 ? 1 : n * fact(n-1) * 1 }")
	evalWant(t, s, out, "fact(5)", "120\n")
	// A block may still declare its own x.
	evalWant(t, s, out, "if true { x := 9; x }\nx", "3\n")
}

func TestErrorsKeepSession(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, "x := 10")
	eval(t, s, out, `geo := import("geo")`)

	for _, c := range []struct{ src, want string }{
		{"1/0", ":1:1: integer division by zero\n    1/0\n    ^"},
		{"y := x / (x - 10)", ":1:6: integer division by zero\n    y := x / (x - 10)\n         ^"},
		{"x +", ":1:4: syntax error: expected operand, found 'EOF'"},
		{"nope + 1", ":1:1: compile error: unresolved reference 'nope'"},
		{"x.y.z()", ":1:3: not indexable"},
		{"geo.crash()", ":1:1: internal error (Go panic): assignment to entry in nil map"},
		{"geo.point(1)", "geo.point: wrong number of arguments: want 2, got 1"},
		{`geo.point("a", 1)`, "geo.point: argument x must be a number, got string"},
		{"w := [1][5]()", ":1:6: not callable: undefined"},
		{"func() { return 1 % 0 }()", ":1:17: integer division by zero\n    func() { return 1 % 0 }()\n                    ^\n  called from (repl #"},
	} {
		if got := evalErr(t, s, out, c.src); !strings.Contains(got, c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.src, got, c.want)
		}
		if got := eval(t, s, out, "x"); got != "10\n" {
			t.Fatalf("after %s: x = %q, want 10", c.src, got)
		}
	}
	// A statement that failed at run time defines nothing ...
	if got := evalErr(t, s, out, "y"); !strings.Contains(got, "unresolved reference 'y'") {
		t.Errorf("y after a failed definition: %q", got)
	}
	// ... but what ran before the failure stays.
	evalErr(t, s, out, "z := 3; 1/0; q := 4")
	evalWant(t, s, out, "z", "3\n")
	if got := evalErr(t, s, out, "q"); !strings.Contains(got, "unresolved reference 'q'") {
		t.Errorf("q: %q", got)
	}
	// A compile error defines nothing, not even the names before it.
	evalErr(t, s, out, "a := 1; b := nope")
	if got := evalErr(t, s, out, "a"); !strings.Contains(got, "unresolved reference 'a'") {
		t.Errorf("a after a compile error: %q", got)
	}
	eval(t, s, out, "a := 2; b := a * 2")
	evalWant(t, s, out, "[a, b, z, x]", "[2, 4, 3, 10]\n")
}

func TestMultiLine(t *testing.T) {
	s, out := newTestSession(t)
	ctx := context.Background()
	feed := func(line string) error {
		_, err := s.Feed(ctx, line)
		return err
	}
	lines := []string{"f := func(a) {", "  s := \"}\" // }", "  return a * 2", "}"}
	for i, l := range lines {
		if err := feed(l); err != nil {
			t.Fatal(err)
		}
		wantPending := i < len(lines)-1
		if s.Pending() != wantPending {
			t.Fatalf("after %q: Pending = %v", l, s.Pending())
		}
		if wantPending && s.Prompt() != ContPrompt {
			t.Errorf("prompt %q while pending", s.Prompt())
		}
	}
	if s.Prompt() != Prompt {
		t.Errorf("prompt %q after the statement", s.Prompt())
	}
	out.Reset()
	feed("f(21)")
	if out.String() != "42\n" {
		t.Errorf("f(21) printed %q", out.String())
	}
	// Arrays and calls continue too; a raw string spans lines.
	out.Reset()
	for _, l := range []string{"[1,", "2,", "3]"} {
		feed(l)
	}
	for _, l := range []string{"r := `a", "b`"} {
		feed(l)
	}
	feed("r")
	if out.String() != "[1, 2, 3]\n\"a\\nb\"\n" {
		t.Errorf("printed %q", out.String())
	}
	// A command is not a command inside a pending statement; ClearPending
	// (Ctrl-C at the prompt) drops the statement.
	feed("g := func() {")
	s.ClearPending()
	if s.Pending() {
		t.Fatal("still pending after ClearPending")
	}
	out.Reset()
	feed("1 + 1")
	if out.String() != "2\n" {
		t.Errorf("after ClearPending: %q", out.String())
	}
	// An unfinished statement at end of input is reported by Flush.
	feed("h := func() {")
	if err := s.Flush(ctx); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("Flush: %v", err)
	}
}

func TestIncomplete(t *testing.T) {
	for src, want := range map[string]bool{
		"":                    false,
		"x := 1":              false,
		"f := func() {":       true,
		"foo(1,":              true,
		"[1, [2,":             true,
		"{a: 1}":              false,
		`s := "{"`:            false,
		`s := "\"{"`:          false,
		`c := '{'`:            false,
		`c := '\''`:           false,
		"x := 1 // {":         false,
		"x := 1 /* {":         true,
		"x := 1 /* { */":      false,
		"r := `{":             true,
		"r := `{`":            false,
		"if x {\n}":           false,
		"}":                   false,
		"f(\n\"(\"":           true,
		"s := \"abc\n{":       true, // an unterminated string ends at the line
		"a := [1, 2]\nb := {": true,
	} {
		if got := Incomplete(src); got != want {
			t.Errorf("Incomplete(%q) = %v, want %v", src, got, want)
		}
	}
}

func TestHelp(t *testing.T) {
	s, out := newTestSession(t)
	ctx := context.Background()
	run := func(line string) (string, error) {
		out.Reset()
		_, err := s.Feed(ctx, line)
		return out.String(), err
	}
	text, err := run(":help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"geo", "Points in the plane.", ":help [NAME]", ":load FILE", ":reset", ":quit", "Builtins: ", "len"} {
		if !strings.Contains(text, want) {
			t.Errorf(":help lacks %q:\n%s", want, text)
		}
	}
	for name, want := range map[string]string{
		"geo":       "geo.point(x float, y float) -> point\n      Makes a point.",
		"geo.point": "geo.point(x float, y float) -> point\n    Makes a point.\n",
		"geo.pi":    "geo.pi (value)\n    Pi.\n",
		"point":     "point.norm() -> float\n      Squared length.",
		"point.x":   "point.x() -> float\n    The abscissa.\n",
		"p":         "type point: A point.",
		"p.norm":    "point.norm() -> float\n    Squared length.\n",
		"n":         "n is a global of type int",
		":load":     ":load FILE\n",
		"len":       "len (Tengo builtin)\n    len(x) -> int",
		"norm":      "point.norm() -> float\n    Squared length.\n", // a method by its bare name
	} {
		if name == "p" || name == "p.norm" || name == "n" {
			eval(t, s, out, `p := import("geo").point(1, 2); n := 1`)
		}
		text, err := run(":help " + name)
		if err != nil {
			t.Errorf(":help %s: %v", name, err)
			continue
		}
		if !strings.Contains(text, want) {
			t.Errorf(":help %s lacks %q:\n%s", name, want, text)
		}
	}
	if _, err := run(":help nothing"); err == nil || !strings.Contains(err.Error(), `no help for "nothing"`) {
		t.Errorf(":help nothing: %v", err)
	}
	if _, err := run(":frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command :frobnicate") {
		t.Errorf(":frobnicate: %v", err)
	}
	for _, fn := range tengo.GetAllBuiltinFunctions() {
		if builtinDocs[fn.Name] == "" {
			t.Errorf("builtin %s has no doc line for :help", fn.Name)
		}
	}
	if quit, _ := s.Feed(ctx, ":quit"); !quit {
		t.Error(":quit did not quit")
	}
}

// newLoadSession is a test session working in a fresh directory (:load
// reads under the working directory).
func newLoadSession(t *testing.T) (*Session, *bytes.Buffer, context.Context, string) {
	t.Helper()
	s, out := newTestSession(t)
	dir := t.TempDir()
	t.Chdir(dir)
	return s, out, context.Background(), dir
}

func TestLoadAndReset(t *testing.T) {
	s, out, ctx, dir := newLoadSession(t)
	lib1 := filepath.Join(dir, "lib1.tengo")
	os.WriteFile(lib1, []byte("#!/usr/bin/env bohpsh\nsq := func(v) { return v * v }\nx := 5\nx\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "helper.tengo"), []byte("export { three: 3 }\n"), 0o644)
	lib2 := filepath.Join(dir, "lib2.tengo")
	os.WriteFile(lib2, []byte("h := import(\"./helper\")\nt := h.three\n"), 0o644)
	bad := filepath.Join(dir, "bad.tengo")
	os.WriteFile(bad, []byte("ok := 1\n\nboom := ok / 0\n"), 0o644)

	eval(t, s, out, "x := 1")
	out.Reset()
	if _, err := s.Feed(ctx, ":load "+lib1); err != nil {
		t.Fatal(err)
	}
	if out.String() != "" {
		t.Errorf(":load printed %q (values of a loaded script are not shown)", out.String())
	}
	evalWant(t, s, out, "sq(x)", "25\n")
	// Imports resolve relative to the loaded file.
	if _, err := s.Feed(ctx, ":load "+lib2); err != nil {
		t.Fatal(err)
	}
	evalWant(t, s, out, "t", "3\n")
	// Errors name the file and line.
	_, err := s.Feed(ctx, ":load "+bad)
	if err == nil || !strings.Contains(err.Error(), "integer division by zero") || !strings.Contains(err.Error(), "bad.tengo:3:") {
		t.Errorf(":load bad: %v", err)
	}
	evalWant(t, s, out, "ok", "1\n")
	_, err = s.Feed(ctx, ":load "+filepath.Join(dir, "missing.tengo"))
	if err == nil || !strings.Contains(err.Error(), "load:") || !strings.Contains(err.Error(), "missing.tengo") {
		t.Errorf(":load missing: %v", err)
	}
	if _, err := s.Feed(ctx, ":load"); err == nil {
		t.Error(":load without a file succeeded")
	}

	if _, err := s.Feed(ctx, ":reset"); err != nil {
		t.Fatal(err)
	}
	if g := s.Globals(); len(g) != 0 {
		t.Errorf("globals after :reset: %v", g)
	}
	if got := evalErr(t, s, out, "sq"); !strings.Contains(got, "unresolved reference 'sq'") {
		t.Errorf("sq after :reset: %q", got)
	}
	evalWant(t, s, out, "x := 2; x", "2\n")
}

func TestComplete(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, `geo := import("geo"); p := geo.point(1, 2); pa := 1; cfg := {lr: 0.1, nested: {depth: 2}}`)
	for _, c := range []struct {
		line       string
		head, tail string
		want       []string
	}{
		{"p", "", "", []string{"p", "pa"}},
		{"x := p", "x := ", "", []string{"p", "pa"}},
		{"le", "", "", []string{"len"}},
		{"fu", "", "", []string{"func"}},
		{"p.", "p.", "", []string{"norm", "x"}},
		{"y := p.n", "y := p.", "", []string{"norm"}},
		{"geo.p", "geo.", "", []string{"pi", "point"}},
		{"cfg.", "cfg.", "", []string{"lr", "nested"}},
		{"cfg.nested.d", "cfg.nested.", "", []string{"depth"}},
		{"pa.", "pa.", "", nil},
		{"zz.", "zz.", "", nil},
		{":h", "", "", []string{":help "}},
		{":", "", "", []string{":help ", ":load ", ":quit ", ":reset "}},
		{":help geo.p", ":help ", "", []string{"geo.pi", "geo.point"}},
		{":help point.", ":help ", "", []string{"point.norm", "point.x"}},
	} {
		head, got, tail := s.Complete(c.line, len(c.line))
		if head != c.head || tail != c.tail || strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("Complete(%q) = %q %v %q, want %q %v %q", c.line, head, got, tail, c.head, c.want, c.tail)
		}
	}
	// A module's members by its name, before it is imported under that name.
	s.Reset()
	if _, got, _ := s.Complete("geo.s", 5); strings.Join(got, ",") != "seed,spin" {
		t.Errorf("geo.s before import: %v", got)
	}
	// The cursor in the middle of the line keeps the tail.
	eval(t, s, out, "alpha := 1")
	if head, got, tail := s.Complete("x := al + 1", 7); head != "x := " || tail != " + 1" || strings.Join(got, ",") != "alpha" {
		t.Errorf("mid-line: %q %v %q", head, got, tail)
	}
	// :load completes .tengo files and directories.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "run.tengo"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	line := ":load " + dir + "/"
	if _, got, _ := s.Complete(line, len(line)); strings.Join(got, ",") != dir+"/run.tengo,"+dir+"/sub/" {
		t.Errorf(":load completion: %v", got)
	}
}

func TestInterrupt(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, `x := 1; geo := import("geo")`)

	// Through the context, once the loop has run a while.
	ctx, cancel := context.WithCancel(context.Background())
	cancelWhenReached(cancel)
	err := s.Eval(ctx, "for { x = x + 1; if x == 3 { geo.reached() } }")
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("for {} with a cancelled context: %v", err)
	}

	// Through Interrupt (what SIGINT does in the terminal), repeated until
	// the statement has stopped.
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				s.Interrupt()
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	err = s.Eval(context.Background(), "for {}")
	close(done)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("for {} with Interrupt: %v", err)
	}

	// A native call that polls the environment's context.
	ctx, cancel = context.WithCancel(context.Background())
	cancelWhenReached(cancel)
	err = s.Eval(ctx, "geo.spin()")
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), ":1:1: interrupted\n    geo.spin()\n    ^") {
		t.Fatalf("geo.spin(): %v", err)
	}

	// The session goes on, with the state the loop left.
	evalWant(t, s, out, "x > 1", "true\n")
	evalWant(t, s, out, "geo.seed()", "7\n")
}

func TestGlobalSlots(t *testing.T) {
	s, out := newTestSession(t)
	// More globals than Tengo's default table holds.
	var b strings.Builder
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "v%d := %d\n", i, i)
	}
	eval(t, s, out, b.String())
	evalWant(t, s, out, "v0 + v1499", "1499\n")
	// Top-level blocks use global slots too; later globals must not reuse them.
	eval(t, s, out, "fs := []\nfor i := 0; i < 3; i++ { k := i * 10; fs = append(fs, func() { return k }) }")
	eval(t, s, out, "a := 100; b := 200; c := 300")
	evalWant(t, s, out, "fs[1]()", "20\n")
	// Constants of earlier inputs stay valid.
	eval(t, s, out, `g := func() { return "con" + "st" + 1.5 }`)
	eval(t, s, out, `h := "other"; i := 2.5; j := [7, 8]`)
	evalWant(t, s, out, "g()", "\"const1.5\"\n")
}

func TestConstantsStaySmall(t *testing.T) {
	s, out, ctx, dir := newLoadSession(t)
	path := filepath.Join(dir, "consts.tengo")
	var b strings.Builder
	b.WriteString("tab := func(i) { return [\"alpha\", 2.5, 'c', 7][i] }\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "k%d := %d + 0.5\n", i, i%10)
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	if err := s.Load(ctx, path); err != nil {
		t.Fatal(err)
	}
	after1 := len(s.constants)
	for i := 0; i < 50; i++ {
		if err := s.Load(ctx, path); err != nil {
			t.Fatal(err)
		}
		eval(t, s, out, `[1, 2.5, "alpha", 'c']`)
	}
	// Each load adds one function; literals are shared.
	if n := len(s.constants); n > after1+60 {
		t.Errorf("constants grew from %d to %d over 50 loads", after1, n)
	}
	evalWant(t, s, out, "[tab(0), tab(1), tab(2), tab(3), k3]", "[\"alpha\", 2.5, c, 7, 3.5]\n")
}

func TestRunPlain(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), strings.NewReader("x := 6*7\nx\n"), &out, &errOut, Options{})
	if err != nil || out.String() != "42\n" || errOut.String() != "" {
		t.Fatalf("Run: err %v, out %q, errOut %q", err, out.String(), errOut.String())
	}

	out.Reset()
	in := "f := func(n) {\n  return n + 1\n}\n1/0\nf(1)\n\n:help nothing\n   \nf(2)\n:quit\nf(3)\n"
	err = Run(context.Background(), strings.NewReader(in), &out, &errOut, Options{})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 2 || err.Error() != "2 inputs failed" {
		t.Errorf("Run: err %v, want 2 inputs failed", err)
	}
	if out.String() != "2\n3\n" {
		t.Errorf("out %q, want values of f(1), f(2) and nothing after :quit", out.String())
	}
	if !strings.Contains(errOut.String(), "integer division by zero") || !strings.Contains(errOut.String(), `no help for "nothing"`) {
		t.Errorf("errOut %q", errOut.String())
	}

	// Unfinished input at end of file is an error, not a hang.
	errOut.Reset()
	if err := Run(context.Background(), strings.NewReader("g := func() {\n"), &out, &errOut, Options{}); err == nil || !strings.Contains(errOut.String(), "syntax error") {
		t.Errorf("unfinished input: err %v, errOut %q", err, errOut.String())
	}

	// The seed reaches the environment.
	out.Reset()
	s := NewSession(&out, Options{Seed: 99})
	if s.Env().Seed != 99 || s.Env().Out != &out {
		t.Errorf("env: seed %d", s.Env().Seed)
	}
}

func TestRunCancelled(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := Run(ctx, strings.NewReader("x := 1\nfor {}\nx\n"), &out, &errOut, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v", err)
	}
	if out.String() != "" {
		t.Errorf("ran past the cancellation: %q", out.String())
	}
}

// An error reads as a script's (an *interp.ScriptError): inside a function
// defined by an earlier input, it shows that input's line, then the call.
func TestErrorsReadAsScripts(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, "half := func(n) {\n  return 1 / n\n}")
	err := s.Eval(context.Background(), "x := 2\nhalf(x - 2)")
	want := "(repl #1):2:10: integer division by zero\n      return 1 / n\n             ^\n  called from (repl #2):2:1"
	var se *interp.ScriptError
	if !errors.As(err, &se) || se.Kind != interp.PanicError || err.Error() != want {
		t.Errorf("got %T\n%v\nwant\n%s", err, err, want)
	}
}

// A value that would contain itself is refused at the line that would
// make it, and the session goes on with its values unchanged (issue 8,
// case 6): nothing walks a value into a fatal stack overflow.
func TestNoValueContainsItself(t *testing.T) {
	s, out := newTestSession(t)
	eval(t, s, out, "m := {a: 1}")
	msg := evalErr(t, s, out, "m.self = m")
	if !strings.Contains(msg, "(repl #2):1:1: cannot assign: the value contains the map assigned into (a value cannot contain itself)") {
		t.Errorf("error %q", msg)
	}
	evalWant(t, s, out, "m", "{a: 1}\n")
	evalWant(t, s, out, "m == copy(m)", "true\n")
	eval(t, s, out, "a := [1, 2]")
	evalErr(t, s, out, "splice(a, 0, 0, a)")
	evalWant(t, s, out, "string(a)", "\"[1, 2]\"\n")
	// A value nested too deep for Tengo's recursive printing.
	eval(t, s, out, "x := [0]; for i := 0; i < 200000; i++ { x = [x] }")
	if msg := evalErr(t, s, out, "x"); !strings.Contains(msg, "nested deeper than") {
		t.Errorf("printing a deep value: %q", msg)
	}
	evalWant(t, s, out, "len(x)", "1\n")
}

// :help states the file sandbox.
func TestHelpStatesSandbox(t *testing.T) {
	s, _ := newTestSession(t)
	text, err := s.Help("")
	if err != nil || !strings.Contains(text, FilesHelp) || !strings.Contains(text, "--allow-os") {
		t.Errorf(":help does not state the file sandbox:\n%s", text)
	}
}

// :load reads only under the working directory (and the session's
// folder) unless the session allows the os module (issue 8, case 5).
func TestLoadSandbox(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "x.tengo")
	os.WriteFile(outside, []byte("y := 1\n"), 0o644)
	t.Chdir(t.TempDir())
	s, _ := newTestSession(t)
	err := s.Load(context.Background(), outside)
	if err == nil || !strings.Contains(err.Error(), ":load: cannot read "+outside+": scripts read only under their own folder") || !strings.Contains(err.Error(), "--allow-os") {
		t.Errorf(":load outside: %v", err)
	}
	s.opts.AllowOS = true
	s.Reset()
	if err := s.Load(context.Background(), outside); err != nil {
		t.Errorf(":load with --allow-os: %v", err)
	}
}
