// Package scripttest runs Tengo test scripts from Go tests: every script
// matching a pattern is a subtest, run with all bohpsh modules plus an
// "assert" module:
//
//	assert := import("assert")
//	assert.ok(x > 0, "x is positive")
//	assert.eq(len(a), 3, "three items")
//	assert.near(mean, 0.5, 1e-12, "mean")
//
// A failing assert (or any other error) is a runtime error whose message
// has the script position and the assert's message; the subtest fails with
// it.
//
// Use it from an external test package (package foo_test), because this
// package imports every module through package stdlib:
//
//	func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }
package scripttest

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Options adjust how scripts run.
type Options struct {
	Seed    int64             // the run's seed (default 0)
	Params  map[string]string // -p overrides
	AllowOS bool              // allow Tengo's os module
	Timeout time.Duration     // per script (default 2 minutes)
	// Modules are extra modules (e.g. a test-only module), added after the
	// standard ones.
	Modules []*lib.Module
}

// Run runs every script matching pattern (filepath.Glob) as a subtest. It
// fails the test when no script matches.
func Run(t *testing.T, pattern string) { RunOpts(t, pattern, Options{}) }

// RunOpts is Run with options.
func RunOpts(t *testing.T, pattern string, opts Options) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatalf("scripttest: bad pattern %q: %v", pattern, err)
	}
	if len(files) == 0 {
		t.Fatalf("scripttest: no script matches %q", pattern)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		t.Run(name, func(t *testing.T) {
			out := &logWriter{t: t}
			err := RunFile(t.Context(), f, opts, out, t.TempDir())
			out.flush()
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// RunFile runs one script with the assert module and opts; prints go to
// out, files the script writes to outDir. It returns the script's error.
func RunFile(ctx context.Context, path string, opts Options, out io.Writer, outDir string) error {
	src, err := interp.LoadSource(path)
	if err != nil {
		return err
	}
	return runSource(ctx, src, opts, out, outDir)
}

// RunCode runs code as if it were the file name (for messages; imports are
// relative to the working directory), like RunFile.
func RunCode(ctx context.Context, name, code string, opts Options, out io.Writer, outDir string) error {
	return runSource(ctx, &interp.Source{Name: name, Text: []byte(code)}, opts, out, outDir)
}

// FileError runs the script at path for test t (in its context, prints
// discarded, files written to a new directory) and returns its error.
func FileError(t testing.TB, path string, opts Options) error {
	return RunFile(t.Context(), path, opts, io.Discard, t.TempDir())
}

// CodeError is FileError for code run as the file name (see RunCode).
func CodeError(t testing.TB, name, code string, opts Options) error {
	return RunCode(t.Context(), name, code, opts, io.Discard, t.TempDir())
}

// WantErrors runs, for each entry of cases, the code prelude + "\n" + entry
// (as the file x.tengo, with every module) and requires that it fails with
// an error that contains the entry's value and a position in x.tengo after
// the prelude: bad input is reported with the script position.
func WantErrors(t *testing.T, prelude string, cases map[string]string) {
	t.Helper()
	WantErrorsOpts(t, Options{}, prelude, cases)
}

// WantErrorsOpts is WantErrors with options.
func WantErrorsOpts(t *testing.T, opts Options, prelude string, cases map[string]string) {
	t.Helper()
	after := strings.Count(prelude, "\n") + 1
	for code, want := range cases {
		err := RunCode(t.Context(), "x.tengo", prelude+"\n"+code+"\n", opts, io.Discard, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s:\n got %v\nwant %q", code, err, want)
			continue
		}
		if doubled := doubledPrefix(err.Error()); doubled != "" {
			t.Errorf("%s: error %q names the function twice (%s)", code, err, doubled)
		}
		line := 0
		if m := position.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		if line <= after {
			t.Errorf("%s: error %q has no position in x.tengo after line %d", code, err, after)
		}
	}
}

var position = regexp.MustCompile(`x\.tengo:(\d+):`)

// fnError finds the function and the message of an error "pkg.fn: message"
// (after the position).
var fnError = regexp.MustCompile(`(?:^|: )([a-z_]+)\.([a-z_]+): ([a-z_ -]+?)[ :]`)

// doubledPrefix reports a message that names its function again, as
// "bohp.adam: adam: ..." or "network.set_engine: network: ...": the first
// word of the message is a part of the function's name.
func doubledPrefix(msg string) string {
	m := fnError.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	word := strings.ReplaceAll(m[3], "-", "_")
	for _, part := range append([]string{m[1]}, strings.Split(m[2], "_")...) {
		if word == part || strings.HasPrefix(word, part+"_") || word == m[2] {
			return m[1] + "." + m[2] + " and " + m[3]
		}
	}
	return ""
}

func runSource(ctx context.Context, src *interp.Source, opts Options, out io.Writer, outDir string) error {
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("script test timed out after %v", timeout))
	defer cancel()
	env, modules := interp.NewEnv(interp.EnvConfig{
		Ctx:       ctx,
		Seed:      opts.Seed,
		Overrides: opts.Params,
		Out:       out,
		OutDir:    outDir,
		ScriptDir: src.Dir,
		AllowOS:   opts.AllowOS,
		Extra:     append([]*lib.Module{Assert}, opts.Modules...),
	})
	prog, err := interp.Compile(src, env, modules)
	if err != nil {
		return err
	}
	return prog.Run(ctx)
}

// logWriter sends a script's output to the test log, line by line.
type logWriter struct {
	mu  sync.Mutex
	t   *testing.T
	buf []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := strings.IndexByte(string(w.buf), '\n')
		if i < 0 {
			break
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

func (w *logWriter) flush() {
	if len(w.buf) > 0 {
		w.t.Log(string(w.buf))
		w.buf = nil
	}
}

// Assert is the test-only "assert" module.
var Assert = &lib.Module{
	Name: "assert",
	Doc:  "assertions for script tests (go test only): a failure is a runtime error with its message",
	Funcs: []lib.Func{
		{Name: "ok", Args: "(cond bool, msg string?)", Doc: "fails unless cond is truthy", Call: assertOK},
		{Name: "eq", Args: "(got, want, msg string?)", Doc: "fails unless got equals want (Tengo equality: same type and value; arrays and maps deeply)", Call: assertEq},
		{Name: "near", Args: "(got number|array, want number|array, tol number, msg string?)", Doc: "fails unless |got - want| <= tol (elementwise for arrays; NaN never passes)", Call: assertNear},
	},
}

// fail is an assertion's error, led by the script's message (msg: any
// value, nil when not given).
func fail(fn string, msg tengo.Object, format string, a ...any) error {
	detail := fmt.Sprintf(format, a...)
	switch m := msg.(type) {
	case nil:
		return lib.Errorf(fn, "%s", detail)
	case *tengo.String:
		return lib.Errorf(fn, "%s: %s", m.Value, detail)
	}
	return lib.Errorf(fn, "%s: %s", msg.String(), detail)
}

func assertOK(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var cond, msg tengo.Object
	if err := lib.UnpackArgs(fn, args, "cond, msg?", &cond, &msg); err != nil {
		return nil, err
	}
	if cond.IsFalsy() {
		return nil, fail(fn, msg, "condition is false (%s)", lib.Describe(cond))
	}
	return nil, nil
}

func assertEq(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var got, want, msg tengo.Object
	if err := lib.UnpackArgs(fn, args, "got, want, msg?", &got, &want, &msg); err != nil {
		return nil, err
	}
	if !equal(got, want) {
		return nil, fail(fn, msg, "got %s, want %s", show(got), show(want))
	}
	return nil, nil
}

func equal(a, b tengo.Object) bool {
	if lib.CheckAcyclic(a) != nil || lib.CheckAcyclic(b) != nil {
		return false
	}
	defer func() { recover() }()
	return a.Equals(b)
}

func show(o tengo.Object) string { return o.TypeName() + " " + lib.Sketch(o, 200) }

func assertNear(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var got, want, msg tengo.Object
	var tol float64
	if err := lib.UnpackArgs(fn, args, "got, want, tol, msg?", &got, &want, &tol, &msg); err != nil {
		return nil, err
	}
	ga, gArr := lib.AsArray(got)
	wa, wArr := lib.AsArray(want)
	if gArr != wArr {
		return nil, fail(fn, msg, "cannot compare %s with %s", show(got), show(want))
	}
	if !gArr { // two numbers: compared as one element each
		ga, wa = args[:1], args[1:2]
	}
	if len(ga) != len(wa) {
		return nil, fail(fn, msg, "got %d values, want %d", len(ga), len(wa))
	}
	for i := range ga {
		at := ""
		if gArr {
			at = fmt.Sprintf("element %d: ", i)
		}
		var g, w float64
		err1 := lib.UnpackArg(fn, "got", ga[i], &g)
		err2 := lib.UnpackArg(fn, "want", wa[i], &w)
		switch {
		case !gArr && (err1 != nil || err2 != nil):
			return nil, cmp.Or(err1, err2)
		case err1 != nil || err2 != nil:
			return nil, fail(fn, msg, "%snot numbers: %s, %s", at, show(ga[i]), show(wa[i]))
		case !(math.Abs(g-w) <= tol):
			return nil, fail(fn, msg, "%sgot %v, want %v (difference %g > tolerance %g)", at, g, w, math.Abs(g-w), tol)
		}
	}
	return nil, nil
}
