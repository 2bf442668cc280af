package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/cli"
	"gopkg.in/yaml.v3"
)

// main runs the command in dir and returns its exit status, stdout, stderr.
func runMain(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if ctx == nil {
		ctx = context.Background()
	}
	code := cli.MainContext(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// interruptWhen returns a context that is interrupted (as by Ctrl-C) once
// the files exist: a run's state, not a duration, decides when (a timeout
// that suits a normal build can be too short under -race). After five
// minutes without them the test fails and the context is interrupted.
func interruptWhen(t *testing.T, files ...string) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { close(done); cancel(nil) })
	go func() {
		defer cancel(cli.ErrInterrupt)
		deadline := time.Now().Add(5 * time.Minute)
		for _, f := range files {
			for {
				if _, err := os.Stat(f); err == nil {
					break
				}
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Errorf("%s did not appear in 5 minutes", f)
					return
				}
			}
		}
	}()
	return ctx
}

// interruptingWriter interrupts the command at its first write that
// contains mark.
type interruptingWriter struct {
	mark   string
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	buf    bytes.Buffer
}

func (w *interruptingWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(b, []byte(w.mark)) {
		w.cancel(cli.ErrInterrupt)
	}
	return w.buf.Write(b)
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
	// The learning-curve figure's title names the script, the metric and the seeds.
	if svg, _ := os.ReadFile(filepath.Join(out, "loss.svg")); !bytes.Contains(svg, []byte("det: loss, median and IQR of 3 seeds (5-7)")) {
		t.Errorf("loss.svg lacks its title")
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
		{[]string{"--out", dir, "../interp/testdata/errors/syntax.tengo"}, 1, "syntax.tengo:3:1: syntax error"},
		{[]string{"--out", dir, "../interp/testdata/errors/divzero.tengo"}, 1, "divzero.tengo:3:6: integer division by zero"},
		{[]string{"--out", dir, "--timeout", "300ms", "../interp/testdata/errors/loop.tengo"}, 1, "loop: stopped: timeout after 300ms (--timeout)"},
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

// -e prints the value of a final expression as the REPL does (strings
// quoted, maps with sorted keys, nothing for undefined or a statement),
// once per run.
func TestEvalShowsTheFinalValue(t *testing.T) {
	for code, want := range map[string]string{
		"1+2":                          "3\n",
		`x := "a"; x + "bc"`:           "\"abc\"\n",
		"{b: 2, a: [1, {d: 4, c: 3}]}": "{a: [1, {c: 3, d: 4}], b: 2}\n",
		"x := 5":                       "",
		`fmt := import("fmt"); fmt.println("hi")`: "hi\n",
		"func() {}()": "",
	} {
		if status, out, se := runMain(t, nil, "", "-e", code); status != 0 || out != want {
			t.Errorf("-e %q: exit %d, stdout %q, want %q (stderr %q)", code, status, out, want, se)
		}
	}
	if _, out, _ := runMain(t, nil, "", "--seeds", "2", "-e", "1+2"); out != "[seed 0] 3\n[seed 1] 3\n" {
		t.Errorf("--seeds 2 -e 1+2: stdout %q", out)
	}
	if _, out, _ := runMain(t, nil, "", "--quiet", "-e", "1+2"); out != "" {
		t.Errorf("--quiet -e 1+2: stdout %q", out)
	}
}

// A piped session writes no history, and exits 1 when an input failed
// (the others still ran), 0 otherwise.
func TestPipedSessionHistoryAndStatus(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	code, out, se := runMain(t, nil, "x := 1\ny := x / 0\nx + 1\n:help score_grad\n")
	if code != 1 || !strings.Contains(out, "2\n") || !strings.Contains(out, "network.score_grad(") || !strings.Contains(se, "integer division by zero") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, se)
	}
	if code, _, _ := runMain(t, nil, "x := 1\nx\n"); code != 0 {
		t.Errorf("a piped session without failures: exit %d", code)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("a piped session wrote into the home directory: %v", entries)
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
	defer cancel(nil)
	// Interrupted once the first run has printed its episode 0 (recorded
	// before it prints).
	stdout := &interruptingWriter{mark: "episode ", cancel: cancel}
	var stderr bytes.Buffer
	code := cli.MainContext(ctx, []string{"--seeds", "3", "--jobs", "2", "--out", dir, "--no-figures", "-p", "episodes=100000000", "testdata/cmd/det.tengo"},
		strings.NewReader(""), stdout, &stderr)
	se := stderr.String()
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

// Reusing --out removes the per-seed directories of the earlier run.
func TestReusedOutClearsStaleSeeds(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "det", "seed-7")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "det", "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	if code := cli.Main([]string{"--quiet", "--out", dir, "-p", "episodes=3", "testdata/cmd/det.tengo"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale seed directory left: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a user file was removed: %v", err)
	}
}

// A script that records no metric writes params.yaml and its own files,
// and no empty metrics.csv or summary.yaml (a stale one from an earlier
// run with metrics is removed).
func TestAnalysisRunWritesNoEmptySummary(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "analysis")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "metrics.csv"), []byte("seed,episode,metric,value\n0,0,x,1\n"), 0o644)
	code, _, se := runMain(t, nil, "", "--seeds", "2", "--out", dir, "testdata/cmd/analysis.tengo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	for _, f := range []string{"params.yaml", "seed-0/analysis.yaml", "seed-1/analysis.yaml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing: %v", err)
		}
	}
	for _, f := range []string{"metrics.csv", "summary.yaml"} {
		if _, err := os.Stat(filepath.Join(out, f)); !os.IsNotExist(err) {
			t.Errorf("%s written (or left) by a run without metrics: %v", f, err)
		}
	}
	if !strings.Contains(se, "2/2 runs") {
		t.Errorf("closing line: %q", se)
	}
}

// With runs left unfinished by --timeout, summary.yaml and the closing
// line report the same statistics: over the completed runs only, the
// unfinished ones left out (they once disagreed: .nan in summary.yaml, a
// median over the unfinished runs' partial values on the terminal).
func TestUnfinishedRunsSummarisedAlike(t *testing.T) {
	type final struct {
		Median, Q25, Q75 float64
		PerSeed          map[int64]float64 `yaml:"per_seed"`
		Unfinished       map[int64]float64
	}
	var sum struct {
		CompletedRuns int `yaml:"completed_runs"`
		Interrupted   bool
		Metrics       map[string]struct{ Final final }
	}
	dir := t.TempDir()
	short := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

	// Seeds 0 and 1 complete (final values 4 and 14), 2 and 3 do not (24,
	// 34): interrupted once the first two have their records and the others
	// spin.
	work := func(seed int, file string) string {
		return filepath.Join(dir, "unfinished", ".bohpsh", "work", fmt.Sprintf("seed-%d", seed), file)
	}
	ctx := interruptWhen(t, work(0, "run.yaml"), work(1, "run.yaml"), work(2, "spinning.yaml"), work(3, "spinning.yaml"))
	code, _, se := runMain(t, ctx, "", "--seeds", "4", "--jobs", "4", "--out", dir, "testdata/cmd/unfinished.tengo")
	if code != 130 {
		t.Fatalf("exit %d, want 130 (interrupted); stderr:\n%s", code, se)
	}
	readYAML(t, filepath.Join(dir, "unfinished", "summary.yaml"), &sum)
	f := sum.Metrics["score"].Final
	if sum.CompletedRuns != 2 || !sum.Interrupted || f.Median != 9 || f.Q25 != 6.5 || f.Q75 != 11.5 ||
		len(f.PerSeed) != 2 || f.PerSeed[1] != 14 || len(f.Unfinished) != 2 || f.Unfinished[3] != 34 {
		t.Errorf("summary.yaml: %+v", sum)
	}
	want := fmt.Sprintf("  score: final median %s [%s, %s] over 2 seeds (left out: 2 unfinished runs)\n", short(f.Median), short(f.Q25), short(f.Q75))
	if !strings.Contains(se, want) || !strings.Contains(se, ": 2/4 runs in ") {
		t.Errorf("stderr:\n%s\nwant it to contain\n%s", se, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "unfinished", "score.png")); err != nil {
		t.Errorf("no figure: %v", err)
	}

	// No run completes: no median anywhere.
	ctx = interruptWhen(t, work(0, "spinning.yaml"), work(1, "spinning.yaml"), work(2, "spinning.yaml"), work(3, "spinning.yaml"))
	code, _, se = runMain(t, ctx, "", "--seeds", "4", "--jobs", "4", "--no-figures", "--out", dir, "-p", "spin_from=0", "testdata/cmd/unfinished.tengo")
	if code != 130 {
		t.Fatalf("exit %d, want 130 (interrupted); stderr:\n%s", code, se)
	}
	sum.Metrics = nil
	readYAML(t, filepath.Join(dir, "unfinished", "summary.yaml"), &sum)
	f = sum.Metrics["score"].Final
	if sum.CompletedRuns != 0 || !math.IsNaN(f.Median) || len(f.PerSeed) != 0 || len(f.Unfinished) != 4 {
		t.Errorf("summary.yaml: %+v", sum)
	}
	if want := "  score: no final median (left out: 4 unfinished runs)\n"; !strings.Contains(se, want) || strings.Contains(se, ": final median") {
		t.Errorf("stderr:\n%s\nwant it to contain\n%s", se, want)
	}
}
