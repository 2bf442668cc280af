package interp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

// boom is a test-only module whose function panics.
var boom = &lib.Module{
	Name: "boom",
	Doc:  "panics (tests only)",
	Funcs: []lib.Func{{Name: "now", Args: "(msg string)", Doc: "panics with msg", Call: func(_ *lib.Env, _ string, args []tengo.Object) (tengo.Object, error) {
		var m map[string]int
		//lint:ignore SA5000 the test needs a real Go runtime panic (assignment to a nil map)
		m[args[0].String()] = 1
		return nil, nil
	}}},
}

// wantErr checks that err is a *interp.ScriptError of kind whose message
// contains every piece of want.
func wantErr(t *testing.T, err error, kind interp.ErrorKind, want ...string) {
	t.Helper()
	var se *interp.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a *interp.ScriptError", err, err)
	}
	if se.Kind != kind {
		t.Errorf("kind %v, want %v: %v", se.Kind, kind, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
		}
	}
}

// Errors name their position, show its line with a caret under the
// column, and list the callers.
func TestErrorPositions(t *testing.T) {
	for _, c := range []struct {
		script string // in testdata/errors
		kind   interp.ErrorKind
		want   []string
	}{
		{"syntax", interp.CompileError, []string{"testdata/errors/syntax.tengo:3:1: syntax error: expected ']', found z", "\n    z := 3\n    ^"}},
		{"in_tasks", interp.RuntimeError, []string{
			": tasks.patterns: 5 distinct patterns of 2 cells do not exist (at most 4)",
			"\n            params.check(false, format(",
			"called from testdata/errors/in_tasks.tengo:3:1"}},
		{"keyword_key", interp.CompileError, []string{`testdata/errors/keyword_key.tengo:3:27: syntax error: expected map key, found 'error' (error is a Tengo keyword: quote it, as in {"error": ...} and m["error"])`}},
		{"keyword_field", interp.CompileError, []string{`testdata/errors/keyword_field.tengo:3:8: syntax error: expected selector, found 'error' (error is a Tengo keyword: quote it, as in {"error": ...} and m["error"])`}},
		{"imported", interp.RuntimeError, []string{
			"testdata/errors/lib/helpers.tengo:7:14: not indexable: this value has no fields or elements (indexed with a string)",
			"\n    \t\treturn m.x.y\n    \t\t           ^",
			"called from testdata/errors/imported.tengo:3:6"}},
		{"divzero", interp.PanicError, []string{"testdata/errors/divzero.tengo:3:6: integer division by zero", "\n    c := a / b\n         ^"}},
		{"imported_div", interp.PanicError, []string{
			"testdata/errors/lib/helpers.tengo:4:10: integer division by zero",
			"\n    \t\treturn a / b\n    \t\t       ^",
			"called from testdata/errors/imported_div.tengo:3:9",
			"called from testdata/errors/imported_div.tengo:5:1"}},
		{"wrong_args", interp.RuntimeError, []string{
			`testdata/errors/lib/helpers.tengo:10:10: metrics.final_last: argument count must be an int, got string "ten"`,
			"called from testdata/errors/wrong_args.tengo:3:1"}},
		{"bad_yaml", interp.RuntimeError, []string{
			"testdata/errors/bad_yaml.tengo:2:8: yaml.decode: malformed YAML: at or after line 2: did not find expected ',' or ']'"}},
		{"read_missing", interp.RuntimeError, []string{
			"testdata/errors/read_missing.tengo:2:8: yaml.read: cannot read no-such-config.yaml: no such file in the run's directory, the script's folder (testdata/errors) or the working directory"}},
	} {
		wantErr(t, scripttest.FileError(t, "testdata/errors/"+c.script+".tengo", scripttest.Options{}), c.kind, c.want...)
	}
}

func TestWrongArguments(t *testing.T) {
	err := scripttest.CodeError(t, "w.tengo", "m := import(\"metrics\")\nm.record(\"x\")\n", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: metrics.record: wrong number of arguments: want 3, got 1", "\n    m.record(\"x\")\n    ^")
	// A script function called with the wrong count.
	err = scripttest.CodeError(t, "w.tengo", "f := func(a, b) { return a }\nf(1)\n", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: wrong number of arguments: want=2, got=1")
	// Tengo's own stdlib functions name themselves.
	err = scripttest.CodeError(t, "w.tengo", "math := import(\"math\")\nmath.abs()\n", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: wrong number of arguments in call to 'math.abs'")
}

func TestPanicInModuleIsAnError(t *testing.T) {
	err := scripttest.FileError(t, "testdata/errors/panic.tengo", scripttest.Options{Modules: []*lib.Module{boom}})
	wantErr(t, err, interp.PanicError,
		"testdata/errors/panic.tengo:3:1: internal error (Go panic): assignment to entry in nil map",
		"\n    boom.now(\"at line 3\")\n    ^")
	var se *interp.ScriptError
	errors.As(err, &se)
	if !strings.Contains(se.Stack, "interp_test") {
		t.Errorf("the Go stack of the panic is not kept:\n%s", se.Stack)
	}
}

func TestMissingFiles(t *testing.T) {
	_, err := interp.LoadSource("testdata/nope.tengo")
	if err == nil || err.Error() != "cannot read script testdata/nope.tengo: no such file or directory" {
		t.Errorf("missing script: %v", err)
	}
	_, err = interp.LoadSource("testdata")
	if err == nil || err.Error() != "cannot read script testdata: is a directory" {
		t.Errorf("unreadable script: %v", err)
	}
	err = scripttest.CodeError(t, "testdata/i.tengo", `h := import("./nothere")`, scripttest.Options{})
	wantErr(t, err, interp.CompileError, "testdata/i.tengo:1:6: compile error: module file path error: module './nothere' not found")
}

func TestTimeoutCancelsLoop(t *testing.T) {
	start := time.Now()
	err := scripttest.FileError(t, "testdata/errors/loop.tengo", scripttest.Options{Timeout: 200 * time.Millisecond})
	wantErr(t, err, interp.Interrupted, "testdata/errors/loop.tengo", "interrupted: script test timed out after 200ms")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the loop ran %v after a 200ms timeout", d)
	}
}

func TestOSModuleNeedsFlag(t *testing.T) {
	code := "os := import(\"os\")\nx := os.getenv(\"HOME\")\n"
	err := scripttest.CodeError(t, "o.tengo", code, scripttest.Options{})
	wantErr(t, err, interp.RuntimeError, "o.tengo:2:6: os.getenv: the os module is disabled; run with --allow-os to enable it")
	if err := scripttest.CodeError(t, "o.tengo", code, scripttest.Options{AllowOS: true}); err != nil {
		t.Errorf("with AllowOS: %v", err)
	}
}

func TestProgressBar(t *testing.T) {
	src := &interp.Source{Name: "p.tengo", Text: []byte(`
params := import("params")
metrics := import("metrics")
times := import("times")
p := params.declare({episodes: 8})
for ep := 0; ep < p.episodes; ep++ {
	start := times.now()
	for times.sub(times.now(), start) < 100 * times.millisecond {}  // busy: times has no sleep
	metrics.record("x", ep, ep)
}
`)}
	var errOut bytes.Buffer
	res := interp.RunScript(context.Background(), src, interp.Config{Seeds: 2, Jobs: 2, NoOutput: true, Progress: true, Stderr: &errOut})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	s := errOut.String()
	if !strings.Contains(s, "\r\033[Kruns 0/2  episodes ") || !strings.Contains(s, "/16") || !strings.Contains(s, "ETA ") {
		t.Errorf("progress output: %q", s)
	}
	if !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("the bar is not cleared at the end: %q", s)
	}
	// Not a terminal: nothing.
	errOut.Reset()
	res = interp.RunScript(context.Background(), src, interp.Config{NoOutput: true, Stderr: &errOut})
	if res.Err != nil || errOut.Len() != 0 {
		t.Errorf("without Progress: err %v, stderr %q", res.Err, errOut.String())
	}
}

// The progress bar counts the failed runs, and a failed run's episodes
// only as far as it went: seed 0 fails at episode 3 of 8, then seed 1 runs
// its 8 (--jobs 1), and the bar shows 1 failed run of 2 and 3 + 8
// episodes in all.
func TestProgressBarCountsFailures(t *testing.T) {
	src := &interp.Source{Name: "p.tengo", Text: []byte(`
params := import("params")
metrics := import("metrics")
times := import("times")
p := params.declare({episodes: 8, seed: 0})
for ep := 0; ep < p.episodes; ep++ {
	if p.seed == 0 && ep == 3 { x := 1 / (p.seed - p.seed) }
	start := times.now()
	for times.sub(times.now(), start) < 60 * times.millisecond {}
	metrics.record("x", ep, ep)
}
`)}
	var errOut bytes.Buffer
	res := interp.RunScript(context.Background(), src, interp.Config{Seeds: 2, Jobs: 1, NoOutput: true, Progress: true, Stderr: &errOut})
	if res.Err == nil {
		t.Fatal("no error")
	}
	if s := errOut.String(); !strings.Contains(s, "\r\033[Kruns 1/2 (1 failed)  episodes ") || !strings.Contains(s, "/11  ") {
		t.Errorf("progress output: %q", s)
	}
}

// BenchmarkEpisodeOverhead measures the runner's cost per episode of a
// script loop that records two metrics per episode (no network): the
// script and metrics overhead that a task script adds to its engine calls.
func BenchmarkEpisodeOverhead(b *testing.B) {
	src := &interp.Source{Name: "b.tengo", Text: []byte(`
params := import("params")
metrics := import("metrics")
p := params.declare({episodes: 1000})
for ep := 0; ep < p.episodes; ep++ {
	metrics.record_map(ep, {loss: 0.5, correct: true})
}
`)}
	b.ReportAllocs()
	for b.Loop() {
		res := interp.RunScript(context.Background(), src, interp.Config{NoOutput: true, NoFigures: true})
		if res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/episode")
}

// BenchmarkTinyRun measures the fixed cost of a run with outputs: a tiny
// script's runs into a fresh --out directory, compiling it and writing
// the outputs (the runs' records, metrics.csv, summary.yaml, with figures
// the learning curve), which the output directory protocol adds to.
func BenchmarkTinyRun(b *testing.B) {
	src := &interp.Source{Name: "tiny.tengo", Dir: ".", Text: []byte(`
params := import("params")
metrics := import("metrics")
p := params.declare({episodes: 20, seed: 0})
for ep := 0; ep < p.episodes; ep++ {
	metrics.record("x", ep, 0.5)
}
`)}
	for _, c := range []struct {
		seeds   int
		figures bool
	}{{2, false}, {2, true}, {20, false}} {
		b.Run(fmt.Sprintf("seeds=%d/figures=%v", c.seeds, c.figures), func(b *testing.B) {
			root := b.TempDir()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				cfg := interp.Config{Out: filepath.Join(root, fmt.Sprint(i)), Seeds: c.seeds, Jobs: 2, Quiet: true, NoFigures: !c.figures}
				if res := interp.RunScript(context.Background(), src, cfg); res.Err != nil {
					b.Fatal(res.Err)
				}
			}
		})
	}
}

func TestDeepRecursion(t *testing.T) {
	code := "f := 0\nf = func(n) { return n == 0 ? 0 : 1 + f(n-1) }\ng := func() { return f(100000) }\ng()\n"
	err := scripttest.CodeError(t, "r.tengo", code, scripttest.Options{})
	wantErr(t, err, interp.PanicError, "r.tengo:2:41: stack overflow (recursion too deep?)",
		"\n  called from r.tengo:2:39 (", " times)\n  called from r.tengo:3:22\n  called from r.tengo:4:1")
	if n := strings.Count(err.Error(), "\n"); n > 30 {
		t.Errorf("error of %d lines", n)
	}
}

// The assert module of script tests fails with the assertion's message.
func TestAssertFailures(t *testing.T) {
	for code, want := range map[string]string{
		`assert.ok(false)`:                   "assert.ok: condition is false (bool false)",
		`assert.eq(1, 2, "x")`:               "assert.eq: x: got int 1, want int 2",
		`assert.near(1.0, 1.5, 0.1, "m")`:    "assert.near: m: got 1, want 1.5 (difference 0.5 > tolerance 0.1)",
		`assert.near([1, 2], [1, 3], 0.1)`:   "assert.near: element 1: got 2, want 3 (difference 1 > tolerance 0.1)",
		`assert.near([1], [1, 2], 0.1)`:      "assert.near: got 1 values, want 2",
		`assert.near(1, [1], 0.1)`:           "assert.near: cannot compare int 1 with array [1]",
		`assert.near("a", 1, 0.1)`:           `assert.near: argument got must be a number, got string "a"`,
		`assert.near(["a"], [1], 0.1)`:       `assert.near: element 0: not numbers: string "a", int 1`,
		`assert.near(0.1 + 0.2, 0.3, 1e-12)`: "",
		`assert.near([0.5, 1], [0.5, 1], 0)`: "",
	} {
		err := scripttest.CodeError(t, "a.tengo", "assert := import(\"assert\")\n"+code+"\n", scripttest.Options{})
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", code, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), "a.tengo:2:1: "+want)):
			t.Errorf("%s: got %v, want %q", code, err, want)
		}
	}
}
