package interp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"gopkg.in/yaml.v3"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

// boom is a test-only module whose function panics.
var boom = &lib.Module{
	Name: "boom",
	Doc:  "panics (tests only)",
	Funcs: []lib.Func{{Name: "now", Args: "(msg string)", Doc: "panics with msg", Make: func(*lib.Env) tengo.CallableFunc {
		return func(args ...tengo.Object) (tengo.Object, error) {
			var m map[string]int
			m[args[0].String()] = 1 // a real Go runtime panic: assignment to a nil map
			return nil, nil
		}
	}}},
}

func runFile(t *testing.T, path string, opts scripttest.Options) error {
	t.Helper()
	var out bytes.Buffer
	return scripttest.RunFile(context.Background(), path, opts, &out, t.TempDir())
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

func TestSyntaxError(t *testing.T) {
	err := runFile(t, "testdata/errors/syntax.tengo", scripttest.Options{})
	wantErr(t, err, interp.CompileError,
		"testdata/errors/syntax.tengo:3:1: syntax error: expected ']', found z",
		"\n    z := 3\n    ^")
}

func TestRuntimeErrorInImportedFile(t *testing.T) {
	err := runFile(t, "testdata/errors/imported.tengo", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError,
		"testdata/errors/lib/helpers.tengo:7:14: not indexable: this value has no fields or elements (indexed with a string)",
		"\n    \t\treturn m.x.y\n    \t\t           ^",
		"called from testdata/errors/imported.tengo:3:6")
}

func TestDivisionByZero(t *testing.T) {
	err := runFile(t, "testdata/errors/divzero.tengo", scripttest.Options{})
	wantErr(t, err, interp.PanicError,
		"testdata/errors/divzero.tengo:3:6: integer division by zero",
		"\n    c := a / b\n         ^")

	err = runFile(t, "testdata/errors/imported_div.tengo", scripttest.Options{})
	wantErr(t, err, interp.PanicError,
		"testdata/errors/lib/helpers.tengo:4:10: integer division by zero",
		"\n    \t\treturn a / b\n    \t\t       ^",
		"called from testdata/errors/imported_div.tengo:3:9",
		"called from testdata/errors/imported_div.tengo:5:1")
}

func TestWrongArguments(t *testing.T) {
	err := runFile(t, "testdata/errors/wrong_args.tengo", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError,
		`testdata/errors/lib/helpers.tengo:10:10: metrics.final_last: argument count must be an int, got string "ten"`,
		"called from testdata/errors/wrong_args.tengo:3:1")
	err = scripttest.RunCode(context.Background(), "w.tengo", "m := import(\"metrics\")\nm.record(\"x\")\n", scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: metrics.record: wrong number of arguments: want 3, got 1", "\n    m.record(\"x\")\n    ^")
	// A script function called with the wrong count.
	err = scripttest.RunCode(context.Background(), "w.tengo", "f := func(a, b) { return a }\nf(1)\n", scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: wrong number of arguments: want=2, got=1")
	// Tengo's own stdlib functions name themselves.
	err = scripttest.RunCode(context.Background(), "w.tengo", "math := import(\"math\")\nmath.abs()\n", scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.RuntimeError, "w.tengo:2:1: wrong number of arguments in call to 'math.abs'")
}

func TestPanicInModuleIsAnError(t *testing.T) {
	err := runFile(t, "testdata/errors/panic.tengo", scripttest.Options{Modules: []*lib.Module{boom}})
	wantErr(t, err, interp.PanicError,
		"testdata/errors/panic.tengo:3:1: internal error (Go panic): assignment to entry in nil map",
		"\n    boom.now(\"at line 3\")\n    ^")
	var se *interp.ScriptError
	errors.As(err, &se)
	if !strings.Contains(se.Stack, "interp_test") {
		t.Errorf("the Go stack of the panic is not kept:\n%s", se.Stack)
	}
}

func TestMalformedYAML(t *testing.T) {
	err := runFile(t, "testdata/errors/bad_yaml.tengo", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError,
		"testdata/errors/bad_yaml.tengo:2:8: yaml.decode: malformed YAML: at or after line 2: did not find expected ',' or ']'")
}

func TestMissingFiles(t *testing.T) {
	err := runFile(t, "testdata/errors/read_missing.tengo", scripttest.Options{})
	wantErr(t, err, interp.RuntimeError,
		"testdata/errors/read_missing.tengo:2:8: yaml.read: open testdata/errors/no-such-config.yaml: no such file or directory")
	_, err = interp.LoadSource("testdata/nope.tengo")
	if err == nil || err.Error() != "cannot read script testdata/nope.tengo: no such file or directory" {
		t.Errorf("missing script: %v", err)
	}
	_, err = interp.LoadSource("testdata")
	if err == nil || err.Error() != "cannot read script testdata: is a directory" {
		t.Errorf("unreadable script: %v", err)
	}
	err = scripttest.RunCode(context.Background(), "testdata/i.tengo", `h := import("./nothere")`, scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.CompileError, "testdata/i.tengo:1:6: compile error: module file path error: module './nothere' not found")
}

func TestTimeoutCancelsLoop(t *testing.T) {
	start := time.Now()
	err := runFile(t, "testdata/errors/loop.tengo", scripttest.Options{Timeout: 200 * time.Millisecond})
	wantErr(t, err, interp.Interrupted, "testdata/errors/loop.tengo", "interrupted: script test timed out after 200ms")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the loop ran %v after a 200ms timeout", d)
	}
}

func TestOSModuleNeedsFlag(t *testing.T) {
	code := "os := import(\"os\")\nx := os.getenv(\"HOME\")\n"
	err := scripttest.RunCode(context.Background(), "o.tengo", code, scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.RuntimeError, "o.tengo:2:6: os.getenv: the os module is disabled; run with --allow-os to enable it")
	if err := scripttest.RunCode(context.Background(), "o.tengo", code, scripttest.Options{AllowOS: true}, &bytes.Buffer{}, t.TempDir()); err != nil {
		t.Errorf("with AllowOS: %v", err)
	}
}

// main runs the command in dir and returns its exit status, stdout, stderr.
func runMain(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if ctx == nil {
		ctx = context.Background()
	}
	code := interp.MainContext(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDeterministicWhateverJobs(t *testing.T) {
	dir := t.TempDir()
	var csv [2][]byte
	var stdout [2]string
	for i, jobs := range []string{"1", "2"} {
		out := filepath.Join(dir, "jobs"+jobs)
		code, so, se := runMain(t, nil, "", "--seeds", "4", "--jobs", jobs, "--out", out, "--no-figures", "testdata/cmd/det.tengo")
		if code != 0 {
			t.Fatalf("--jobs %s: exit %d: %s", jobs, code, se)
		}
		b, err := os.ReadFile(filepath.Join(out, "det", "metrics.csv"))
		if err != nil {
			t.Fatal(err)
		}
		csv[i], stdout[i] = b, so
	}
	if !bytes.Equal(csv[0], csv[1]) {
		t.Errorf("metrics.csv differs between --jobs 1 and --jobs 2")
	}
	if stdout[0] != stdout[1] {
		t.Errorf("printed output differs between --jobs 1 and --jobs 2:\n%s\n---\n%s", stdout[0], stdout[1])
	}
	if lines := bytes.Count(csv[0], []byte("\n")); lines != 1+4*300*2 {
		t.Errorf("metrics.csv has %d lines, want %d", lines, 1+4*300*2)
	}
	if !strings.HasPrefix(string(csv[0]), "seed,episode,metric,value\n0,0,loss,") {
		t.Errorf("metrics.csv starts with %q", csv[0][:40])
	}
	if !strings.Contains(stdout[0], "[seed 0] episode 0 w ") || strings.Index(stdout[0], "[seed 3]") < strings.Index(stdout[0], "[seed 2]") {
		t.Errorf("prints are not prefixed and ordered by seed:\n%s", stdout[0])
	}
	// Different seeds differ.
	if strings.Count(string(csv[0]), "\n0,299,loss,") != 1 {
		t.Errorf("seed 0's last row missing")
	}
}

func TestOutputs(t *testing.T) {
	dir := t.TempDir()
	code, _, se := runMain(t, nil, "", "--seeds", "3", "--seed", "5", "-p", "episodes=200", "--out", dir, "testdata/cmd/det.tengo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	out := filepath.Join(dir, "det")
	for _, f := range []string{"params.yaml", "metrics.csv", "summary.yaml", "loss.png", "loss.svg", "w.png", "w.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	var params struct {
		Script string
		Seeds  []int64
		Params map[string]any
	}
	readYAML(t, filepath.Join(out, "params.yaml"), &params)
	if params.Params["episodes"] != 200 || params.Params["noise"] != 0.1 || len(params.Seeds) != 3 || params.Seeds[0] != 5 {
		t.Errorf("params.yaml: %+v", params)
	}
	var sum struct {
		Runs              int
		CompletedRuns     int `yaml:"completed_runs"`
		Interrupted       bool
		WallSeconds       float64 `yaml:"wall_seconds"`
		EpisodesPerSecond float64 `yaml:"episodes_per_second"`
		Metrics           map[string]struct {
			Final struct {
				Median, Q25, Q75 float64
				PerSeed          map[int64]float64 `yaml:"per_seed"`
			}
		}
	}
	readYAML(t, filepath.Join(out, "summary.yaml"), &sum)
	loss := sum.Metrics["loss"].Final
	if sum.Runs != 3 || sum.CompletedRuns != 3 || sum.Interrupted || sum.EpisodesPerSecond <= 0 || len(loss.PerSeed) != 3 {
		t.Errorf("summary.yaml: %+v", sum)
	}
	if !(loss.Q25 <= loss.Median && loss.Median <= loss.Q75) {
		t.Errorf("quartiles out of order: %+v", loss)
	}
	if _, ok := loss.PerSeed[7]; !ok {
		t.Errorf("per_seed lacks seed 7: %v", loss.PerSeed)
	}
}

func TestSweepOutputs(t *testing.T) {
	dir := t.TempDir()
	code, _, se := runMain(t, nil, "", "--seeds", "2", "--sweep", "noise=0,0.5", "--out", dir, "--no-figures", "-p", "episodes=50", "testdata/cmd/det.tengo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	out := filepath.Join(dir, "det")
	csv, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if !strings.HasPrefix(string(csv), "seed,noise,episode,metric,value\n0,0,0,loss,") || !strings.Contains(string(csv), "\n1,0.5,49,w,") {
		t.Errorf("metrics.csv:\n%.300s", csv)
	}
	var sum struct {
		Sweep struct {
			Key     string
			Values  []float64
			Results []struct {
				Value   float64
				Metrics map[string]struct {
					Final struct {
						PerSeed map[int64]float64 `yaml:"per_seed"`
					}
				}
			}
		}
	}
	readYAML(t, filepath.Join(out, "summary.yaml"), &sum)
	if sum.Sweep.Key != "noise" || len(sum.Sweep.Results) != 2 || sum.Sweep.Results[1].Value != 0.5 ||
		len(sum.Sweep.Results[1].Metrics["w"].Final.PerSeed) != 2 {
		t.Errorf("summary.yaml sweep: %+v", sum.Sweep)
	}
	var params struct{ Params map[string]any }
	readYAML(t, filepath.Join(out, "params.yaml"), &params)
	if v, ok := params.Params["noise"].([]any); !ok || len(v) != 2 || v[0] != 0.0 {
		t.Errorf("params.yaml noise: %#v", params.Params["noise"])
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"--out", dir, "--no-figures", "testdata/cmd/det.tengo"}, 0, ""},
		{[]string{"--out", dir, "-p", "episodes=5", "-p", "nosie=1", "testdata/cmd/det.tengo"}, 2,
			`params.declare: unknown parameter "nosie" (known parameters: episodes=300, noise=0.1, seed=0)`},
		{[]string{"--out", dir, "-p", "episodes=many", "testdata/cmd/det.tengo"}, 2,
			`parameter "episodes": want an int (default 300), got "many" (known parameters: episodes=300, noise=0.1, seed=0)`},
		{[]string{"--out", dir, "--sweep", "noise=0.1,x", "testdata/cmd/det.tengo"}, 2, `parameter "noise": want a float (default 0.1), got "x"`},
		{[]string{"--out", dir, "-p", "x=1", "testdata/cmd/nodeclare.tengo"}, 2, "the script declares no parameters"},
		{[]string{"--out", dir, "testdata/cmd/missing.tengo"}, 2, "bohpsh: cannot read script testdata/cmd/missing.tengo: no such file or directory"},
		{[]string{"--bogus"}, 2, "bohpsh: flag provided but not defined: -bogus"},
		{[]string{"--seeds", "0", "x.tengo"}, 2, "--seeds must be >= 1"},
		{[]string{"-p", "seed=3", "--seed", "4", "x.tengo"}, 2, "-p seed=3 and --seed 4 disagree"},
		{[]string{"-p", "seed=x", "x.tengo"}, 2, "the seed must be an integer"},
		{[]string{"-p", "novalue", "x.tengo"}, 2, `want key=value, got "novalue"`},
		{[]string{"--out", dir, "testdata/errors/syntax.tengo"}, 1, "syntax.tengo:3:1: syntax error"},
		{[]string{"--out", dir, "testdata/errors/divzero.tengo"}, 1, "divzero.tengo:3:6: integer division by zero"},
		{[]string{"--out", dir, "--timeout", "300ms", "testdata/errors/loop.tengo"}, 1, "loop: stopped: timeout after 300ms (--timeout)"},
		{[]string{"--seeds", "4", "--jobs", "2", "--out", dir, "testdata/cmd/fails_seed2.tengo"}, 1,
			"bohpsh: fails_seed2 failed in the run with seed 2:\ntestdata/cmd/fails_seed2.tengo:6:35: integer division by zero"},
		{[]string{"-e", "x := 6 * 7\ny := x / (x - 42)"}, 1, "(eval):2:6: integer division by zero"},
		{[]string{"-e", "x := 1", "testdata/cmd/det.tengo"}, 2, "either -e CODE or script files"},
		{[]string{"--version"}, 0, ""},
		{[]string{"--help"}, 0, ""},
	}
	for _, c := range cases {
		code, _, se := runMain(t, nil, "", c.args...)
		if code != c.code || !strings.Contains(se, c.want) {
			t.Errorf("bohpsh %s: exit %d, want %d; stderr:\n%s\nwant it to contain %q", strings.Join(c.args, " "), code, c.code, se, c.want)
		}
	}
}

func TestEvalPrintsAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	code, out, se := runMain(t, nil, "", "-e", `fmt := import("fmt"); fmt.println(6 * 7)`)
	if code != 0 || out != "42\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, se)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("-e without --out wrote files: %v", entries)
	}
	code, out, _ = runMain(t, nil, "", "--quiet", "-e", `fmt := import("fmt"); fmt.println(6 * 7)`)
	if code != 0 || out != "" {
		t.Errorf("--quiet: exit %d, stdout %q", code, out)
	}
}

func TestREPLFromStdin(t *testing.T) {
	code, out, se := runMain(t, nil, "x := 6*7\nx\n")
	if code != 0 || strings.TrimSpace(out) != "42" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, se)
	}
	code, _, _ = runMain(t, nil, "x := 1/0\n")
	if code != 1 {
		t.Errorf("a failed REPL input: exit %d, want 1", code)
	}
}

func TestInterruptWritesWhatWasDone(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(500*time.Millisecond, func() { cancel(interp.ErrInterrupt) })
	code, _, se := runMain(t, ctx, "", "--seeds", "3", "--jobs", "2", "--out", dir, "--no-figures", "-p", "episodes=100000000", "testdata/cmd/det.tengo")
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, se)
	}
	var sum struct {
		Interrupted   bool
		CompletedRuns int `yaml:"completed_runs"`
		Episodes      int
	}
	readYAML(t, filepath.Join(dir, "det", "summary.yaml"), &sum)
	if !sum.Interrupted || sum.CompletedRuns != 0 || sum.Episodes == 0 {
		t.Errorf("summary.yaml after Ctrl-C: %+v", sum)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "det", "metrics.csv"))
	if bytes.Count(csv, []byte("\n")) < 2 {
		t.Errorf("metrics.csv holds no rows after Ctrl-C")
	}
}

func TestDefaultOutputDirectory(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	script, _ := filepath.Abs("testdata/cmd/det.tengo")
	os.Chdir(dir)
	defer os.Chdir(wd)
	for i := 0; i < 2; i++ {
		if code, _, se := runMain(t, nil, "", "--no-figures", "-p", "episodes=3", script); code != 0 {
			t.Fatalf("exit %d: %s", code, se)
		}
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "det", "*", "summary.yaml"))
	if len(runs) != 2 {
		t.Errorf("want two timestamped run directories, got %v", runs)
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

func TestDeepRecursion(t *testing.T) {
	code := "f := 0\nf = func(n) { return n == 0 ? 0 : 1 + f(n-1) }\ng := func() { return f(100000) }\ng()\n"
	err := scripttest.RunCode(context.Background(), "r.tengo", code, scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
	wantErr(t, err, interp.PanicError, "r.tengo:2:41: stack overflow (recursion too deep?)",
		"\n  called from r.tengo:2:39 (", " times)\n  called from r.tengo:3:22\n  called from r.tengo:4:1")
	if n := strings.Count(err.Error(), "\n"); n > 30 {
		t.Errorf("error of %d lines", n)
	}
}

// Reusing --out removes the per-seed directories of the earlier run.
func TestReusedOutClearsStaleSeeds(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "det", "seed-7")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "det", "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	if code := interp.Main([]string{"--quiet", "--out", dir, "-p", "episodes=3", "testdata/cmd/det.tengo"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale seed directory left: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a user file was removed: %v", err)
	}
}
