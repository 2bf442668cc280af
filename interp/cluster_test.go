package interp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/internal/lockfile"
	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
)

// sweepTask records metrics in an order unlike their names' (zeta before
// alpha), one of them only every other episode, one whose name needs CSV
// quoting; its run with seed fail_seed fails halfway.
const sweepTask = `
params := import("params")
metrics := import("metrics")
rand := import("rand")
yaml := import("yaml")
p := params.declare({episodes: 40, noise: 0.1, seed: 0, fail_seed: -1})
metrics.final_last(10)
w := 0.0
for ep := 0; ep < p.episodes; ep++ {
	if p.seed == p.fail_seed && ep == 20 { x := 1 / (p.seed - p.seed) }
	err := (rand.float() < 0.5 ? 1.0 : -1.0) - w
	w += 0.05 * err + p.noise * (rand.float() - 0.5)
	if ep % 2 == 0 { metrics.record("zeta", ep, w * 3) }
	metrics.record("alpha", ep, err * err)
	metrics.record("loss, \"sq\"", ep, err * err / 2)
}
yaml.write("w.yaml", {w: w})
`

func writeScript(t *testing.T, name, text string) *interp.Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := interp.LoadSource(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func sweepConfig(out string) interp.Config {
	return interp.Config{Out: out, Seed: 3, Seeds: 4, Jobs: 2, Sweep: &interp.Sweep{Key: "noise", Values: []string{"0", "0.5"}},
		Overrides: map[string]string{"episodes": "30"}}
}

func mustRun(t *testing.T, src *interp.Source, cfg interp.Config) *interp.Result {
	t.Helper()
	res := interp.RunScript(context.Background(), src, cfg)
	if res.Err != nil {
		t.Fatalf("shard %v: %v", cfg.Shard, res.Err)
	}
	return res
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// timing drops summary.yaml's lines that depend on time and sharding.
var timing = regexp.MustCompile(`(?m)^(wall_seconds|episodes_per_second|jobs|shards): .*\n`)

// Any sharding of a sweep, merged, writes what one local run writes:
// metrics.csv and params.yaml byte for byte, the same summary but for the
// timing, the same figures.
func TestShardsMergeLikeLocal(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	local := t.TempDir()
	mustRun(t, src, sweepConfig(local))
	want := filepath.Join(local, "task")
	for _, n := range []int{1, 3, 8, 11} {
		out := t.TempDir()
		for i := n - 1; i >= 0; i-- { // any order
			cfg := sweepConfig(out)
			cfg.Shard = interp.Shard{Index: i, Count: n}
			cfg.Jobs = 1 + i%2
			res := mustRun(t, src, cfg)
			if res.Dir != "" || res.Work == "" {
				t.Errorf("shard %d/%d: Dir %q, Work %q (a shard writes no outputs)", i, n, res.Dir, res.Work)
			}
		}
		d := filepath.Join(out, "task")
		if _, err := os.Stat(filepath.Join(d, interp.MetricsFile)); err == nil {
			t.Fatalf("%d shards: outputs written before the merge", n)
		}
		res := interp.Merge(context.Background(), d, interp.MergeOptions{})
		if res.Err != nil {
			t.Fatalf("%d shards: merge: %v", n, res.Err)
		}
		for _, f := range []string{interp.MetricsFile, interp.ParamsFile, "alpha.svg", "zeta.svg", "noise=0.5/seed-4/w.yaml", "noise=0/seed-6/metrics.csv"} {
			if !bytes.Equal(readFile(t, filepath.Join(d, f)), readFile(t, filepath.Join(want, f))) {
				t.Errorf("%d shards: %s differs from the local run's", n, f)
			}
		}
		got := timing.ReplaceAll(readFile(t, filepath.Join(d, interp.SummaryFile)), nil)
		if w := timing.ReplaceAll(readFile(t, filepath.Join(want, interp.SummaryFile)), nil); !bytes.Equal(got, w) {
			t.Errorf("%d shards: summary.yaml\n%s\nwant\n%s", n, got, w)
		}
		if _, err := os.Stat(filepath.Join(d, ".bohpsh", "work")); !os.IsNotExist(err) {
			t.Errorf("%d shards: the work area was kept after a complete merge", n)
		}
	}
	csv := string(readFile(t, filepath.Join(want, interp.MetricsFile)))
	if !strings.HasPrefix(csv, "seed,noise,episode,metric,value\n3,0,0,zeta,") || !strings.Contains(csv, "\n3,0,0,alpha,") ||
		!strings.Contains(csv, `3,0,1,"loss, ""sq""",`) || strings.Contains(csv, "\n3,0,1,zeta,") {
		t.Errorf("metrics.csv:\n%.400s", csv)
	}
}

func TestShardAssignment(t *testing.T) {
	p := &interp.Plan{Seeds: 5, Sweep: &interp.Sweep{Key: "k", Values: []string{"a", "b", "c"}}}
	all := p.Runs()
	if len(all) != 15 || all[7] != (interp.RunID{Index: 7, SweepIndex: 1, SweepValue: "b", Seed: 2}) {
		t.Fatalf("runs: %v", all)
	}
	for n := 1; n <= 17; n++ {
		var got []interp.RunID
		for i := range n {
			s := p.ShardRuns(interp.Shard{Index: i, Count: n})
			if len(s) < len(all)/n || len(s) > len(all)/n+1 {
				t.Errorf("shard %d/%d has %d runs", i, n, len(s))
			}
			got = append(got, s...)
		}
		slices.SortFunc(got, func(a, b interp.RunID) int { return a.Index - b.Index })
		if !slices.Equal(got, all) {
			t.Errorf("%d shards do not partition the runs", n)
		}
	}
	for _, bad := range []string{"4/4", "-1/3", "1", "a/b", "0/0", "1/2/3"} {
		if _, err := interp.ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := interp.ParseShard("2/5"); err != nil || s != (interp.Shard{Index: 2, Count: 5}) {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}

// A merge with a failed and a missing shard reports them by number, lists
// the missing runs, and writes the outputs of the others; rerunning the
// shards completes it.
func TestMergeReportsMissingAndFailedShards(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	out := t.TempDir()
	cfg := interp.Config{Out: out, Seeds: 6, Jobs: 1, Overrides: map[string]string{"fail_seed": "4"}}
	for _, i := range []int{0, 1} {
		cfg.Shard = interp.Shard{Index: i, Count: 3}
		res := interp.RunScript(context.Background(), src, cfg)
		if (res.Err != nil) != (i == 1) {
			t.Fatalf("shard %d: %v", i, res.Err)
		}
	}
	d := filepath.Join(out, "task")
	res := interp.Merge(context.Background(), d, interp.MergeOptions{})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "integer division by zero") {
		t.Errorf("merge error: %v", res.Err)
	}
	states := []string{}
	for _, s := range res.Shards {
		states = append(states, s.State)
	}
	if !slices.Equal(states, []string{"completed", "failed", interp.ShardMissing}) || len(res.Shards[2].Missing) != 2 || res.Shards[2].Missing[1].Seed != 5 {
		t.Errorf("shard reports: %+v", res.Shards)
	}
	sum := string(readFile(t, filepath.Join(d, interp.SummaryFile)))
	for _, want := range []string{"runs: 6\n", "completed_runs: 3\n", "  - {seed: 2}\n  - {seed: 5}\n", "shards: 3\n", "unfinished:", "error: "} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary.yaml lacks %q:\n%s", want, sum)
		}
	}
	// Shard 2 runs; shard 1 still failed.
	cfg.Shard = interp.Shard{Index: 2, Count: 3}
	mustRun(t, src, cfg)
	res = interp.Merge(context.Background(), d, interp.MergeOptions{})
	if res.Err == nil || res.Summary.Completed != 5 || len(res.Summary.Missing) != 0 || res.Shards[2].State != "completed" {
		t.Errorf("second merge: %v, %+v", res.Err, res.Summary)
	}
	// Without the failure, no error: a merge of the missing shards alone.
	if _, err := os.Stat(filepath.Join(d, ".bohpsh", "work")); err != nil {
		t.Fatalf("the work area of an incomplete sweep was removed: %v", err)
	}
}

// --resume skips the runs whose complete results of the same settings are
// found: in the work area (a shard killed halfway) or in the committed
// results (more seeds); results are those of a run from scratch.
func TestResume(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	fresh := t.TempDir()
	cfg := sweepConfig(fresh)
	cfg.Seeds = 6
	mustRun(t, src, cfg)
	want := readFile(t, filepath.Join(fresh, "task", interp.MetricsFile))

	out := t.TempDir()
	d := filepath.Join(out, "task")
	cfg = sweepConfig(out)
	mustRun(t, src, cfg) // 4 seeds
	cfg.Seeds, cfg.Resume = 6, true
	res := mustRun(t, src, cfg)
	if res.Resumed != 8 || !bytes.Equal(readFile(t, filepath.Join(d, interp.MetricsFile)), want) {
		t.Errorf("resuming 4 of 6 seeds: %d resumed, metrics.csv equal: %v", res.Resumed, bytes.Equal(readFile(t, filepath.Join(d, interp.MetricsFile)), want))
	}

	// A shard killed after two of its runs: the others have no record.
	out = t.TempDir()
	d = filepath.Join(out, "task")
	cfg = sweepConfig(out)
	cfg.Seeds = 6
	cfg.Shard = interp.Shard{Index: 1, Count: 2}
	mustRun(t, src, cfg)
	work := filepath.Join(d, ".bohpsh", "work")
	for _, rd := range []string{"noise=0/seed-4", "noise=0.5/seed-6", "noise=0.5/seed-8"} {
		os.Remove(filepath.Join(work, rd, interp.RunFile))
	}
	cfg.Resume = true
	res = mustRun(t, src, cfg)
	if res.Resumed != 3 || res.Summary.Completed != 6 {
		t.Errorf("resumed shard: %d resumed, %d completed", res.Resumed, res.Summary.Completed)
	}
	cfg.Shard, cfg.Resume = interp.Shard{Index: 0, Count: 2}, false
	mustRun(t, src, cfg)
	if res := interp.Merge(context.Background(), d, interp.MergeOptions{NoFigures: true}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(d, interp.MetricsFile)), want) {
		t.Error("metrics.csv of the resumed sweep differs from a run from scratch")
	}

	// Other settings: nothing is resumed.
	cfg = sweepConfig(out)
	cfg.Seeds, cfg.Resume = 6, true
	cfg.Overrides = map[string]string{"episodes": "31"}
	res = mustRun(t, src, cfg)
	if res.Resumed != 0 || res.Unresumed.Runs != 12 || res.Unresumed.Why != "-p settings episodes=31, not episodes=30" {
		t.Errorf("resumed %d runs of other settings; unresumed %+v", res.Resumed, res.Unresumed)
	}
}

// The runs' records are not fsynced: a machine crash can leave a record
// empty, or written while its metrics.csv is not. Such a run is not
// complete: the merge lists it as missing, --resume runs it again.
func TestTornRecordIsNotComplete(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	fresh := t.TempDir()
	mustRun(t, src, sweepConfig(fresh))
	want := readFile(t, filepath.Join(fresh, "task", interp.MetricsFile))

	out := t.TempDir()
	d := filepath.Join(out, "task")
	cfg := sweepConfig(out)
	cfg.Shard = interp.Shard{Index: 0, Count: 1}
	mustRun(t, src, cfg)
	work := filepath.Join(d, ".bohpsh", "work")
	for f, text := range map[string]string{"noise=0/seed-4/run.yaml": "", "noise=0.5/seed-5/metrics.csv": "", "noise=0.5/seed-6/metrics.csv": "seed,noise,episode,metric,value\n"} {
		if err := os.WriteFile(filepath.Join(work, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := interp.Merge(context.Background(), d, interp.MergeOptions{NoFigures: true})
	if res.Err == nil || len(res.Summary.Missing) != 3 || res.Summary.Completed != 5 {
		t.Errorf("merge of torn records: err %v, %d missing, %d completed", res.Err, len(res.Summary.Missing), res.Summary.Completed)
	}
	cfg.Resume = true
	if res := mustRun(t, src, cfg); res.Resumed != 5 {
		t.Errorf("resumed %d runs, want the 5 intact ones", res.Resumed)
	}
	if res := interp.Merge(context.Background(), d, interp.MergeOptions{NoFigures: true}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if !bytes.Equal(readFile(t, filepath.Join(d, interp.MetricsFile)), want) {
		t.Error("metrics.csv after resuming the torn runs differs from a run from scratch")
	}
}

// A run into a locked output directory is refused at once, naming the
// holder; a shard of another plan is refused while a sweep is unmerged; a
// shard cannot run twice.
func TestOutputDirIsLocked(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	out := t.TempDir()
	d := filepath.Join(out, "task")
	os.MkdirAll(filepath.Join(d, ".bohpsh"), 0o755)
	l, err := lockfile.Acquire(filepath.Join(d, ".bohpsh", "lock"), lockfile.Self("bohpsh run of other.tengo"))
	if err != nil {
		t.Fatal(err)
	}
	res := interp.RunScript(context.Background(), src, sweepConfig(out))
	var busy *interp.BusyError
	if !errors.As(res.Err, &busy) || busy.Holder.PID != os.Getpid() ||
		!regexp.MustCompile(`in use by pid \d+ on host \S+ since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(bohpsh run of other.tengo\)`).MatchString(res.Err.Error()) {
		t.Errorf("run into a locked directory: %v", res.Err)
	}
	if res.Runs != nil {
		t.Errorf("runs were started")
	}
	l.Release()

	cfg := sweepConfig(out)
	cfg.Shard = interp.Shard{Index: 0, Count: 2}
	mustRun(t, src, cfg)
	cfg.Seeds = 5
	cfg.Shard.Index = 1
	res = interp.RunScript(context.Background(), src, cfg)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "holds the unmerged runs of another sweep") || !strings.Contains(res.Err.Error(), "seeds 3..7, not 3..6") {
		t.Errorf("shard of another plan: %v", res.Err)
	}
	res = interp.RunScript(context.Background(), src, sweepConfig(out))
	if res.Err == nil || !strings.Contains(res.Err.Error(), "bohpsh merge") {
		t.Errorf("local run over an unmerged sweep: %v", res.Err)
	}
	cfg.Seeds = 4
	sl, err := lockfile.Acquire(filepath.Join(d, ".bohpsh", "work", "shard-1.lock"), lockfile.Self("bohpsh shard 1/2"))
	if err != nil {
		t.Fatal(err)
	}
	defer sl.Release()
	res = interp.RunScript(context.Background(), src, cfg)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "shard 1/2 of "+d+" is running already") {
		t.Errorf("a shard twice: %v", res.Err)
	}
	res = interp.Merge(context.Background(), d, interp.MergeOptions{})
	if res.Err == nil || res.Shards[1].State != interp.ShardRunning {
		t.Errorf("merge while a shard runs: %v %+v", res.Err, res.Shards)
	}
}

// RunScript refuses, before anything runs, a sweep two of whose values
// would share one run directory, or whose value holds a control character
// (the command line refuses them too; this is the library's check).
func TestSweepSharingRunDirectory(t *testing.T) {
	src := writeScript(t, "task.tengo", `params := import("params"); p := params.declare({name: ""})`)
	for values, want := range map[string]string{
		"a/b,a_b": `--sweep: values "a/b" and "a_b" would share one run directory, name=a_b`,
		"x,X":     `--sweep: values "x" and "X" would share one run directory, name=x (file names that differ only in case`,
		"a\nb":    `--sweep: value "a\nb" holds a control character (U+000A at byte 1)`,
	} {
		out := t.TempDir()
		cfg := interp.Config{Out: out, Sweep: &interp.Sweep{Key: "name", Values: strings.Split(values, ",")}}
		res := interp.RunScript(context.Background(), src, cfg)
		if res.Err == nil || !strings.Contains(res.Err.Error(), want) || !lib.IsUsage(res.Err) {
			t.Errorf("--sweep name=%q: error %v, want a usage error with %q", values, res.Err, want)
		}
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			t.Errorf("--sweep name=%q: %d entries written into the output directory", values, len(entries))
		}
	}
}

// A shard that cannot set its runs up (here the results of a run it
// resumes from the committed ones cannot be linked into the work area:
// the path grows too long) releases its shard's lock: it can be run again.
func TestFailedShardReleasesItsLock(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	out := t.TempDir()
	d := filepath.Join(out, "task")
	cfg := sweepConfig(out)
	cfg.Seeds = 1
	mustRun(t, src, cfg)
	// A directory in a committed run whose path in the work area
	// (.bohpsh/work/ longer) is over the system's limit of 4095 bytes.
	committed, _ := filepath.Abs(filepath.Join(d, "noise=0", "seed-3"))
	deep := committed
	for len(deep) < 4090 {
		deep = filepath.Join(deep, strings.Repeat("d", max(1, min(200, 4090-len(deep)-1))))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Skip("cannot make the long path:", err)
	}
	cfg.Shard, cfg.Resume = interp.Shard{Index: 0, Count: 2}, true
	res := interp.RunScript(context.Background(), src, cfg)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "taking the results of noise=0 seed 3") {
		t.Fatalf("shard over a committed run that cannot be linked: %v", res.Err)
	}
	if err := os.RemoveAll(filepath.Join(committed, strings.Repeat("d", 200))); err != nil {
		t.Fatal(err)
	}
	if res := interp.RunScript(context.Background(), src, cfg); res.Err != nil {
		t.Errorf("the shard again: %v", res.Err)
	}
}

// Runs started in the same second without --out each get a directory of
// their own (runs/<script>/<time>, -2, -3, ...): choosing one reserves
// it, so that two runs do not both take the first free name and one of
// them find it in use by the other.
func TestDefaultOutputDirsOfParallelRuns(t *testing.T) {
	src := writeScript(t, "task.tengo", "params := import(\"params\")\np := params.declare({a: 1})\n")
	t.Chdir(t.TempDir())
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	const n = 6
	results := make([]*interp.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = interp.RunScript(context.Background(), src, interp.Config{Seed: int64(i), Now: func() time.Time { return now }})
		}()
	}
	wg.Wait()
	dirs := map[string]bool{}
	for i, res := range results {
		if res.Err != nil {
			t.Errorf("run %d: %v", i, res.Err)
		}
		dirs[res.Dir] = true
	}
	if len(dirs) != n {
		t.Errorf("%d runs wrote into %d directories: %v", n, len(dirs), dirs)
	}
}

// A usage error (a --sweep value the script refuses) stops the other runs,
// the earlier ones too: nothing is committed after it, and a run before it
// trained to its end for nothing (--sweep eta_e=0.1,NaN of cue_reward
// trained the 0.1 run for a minute before exiting 2).
func TestUsageErrorStopsEveryRun(t *testing.T) {
	src := writeScript(t, "task.tengo", `
params := import("params")
p := params.declare({x: 1, n: 300000000}, {}, {x: ">= 0"})
for i := 0; i < p.n; i++ {}
`)
	cfg := interp.Config{Out: t.TempDir(), Seeds: 1, Jobs: 2, Sweep: &interp.Sweep{Key: "x", Values: []string{"1", "-1"}}}
	res := interp.RunScript(context.Background(), src, cfg)
	if res.Err == nil || !lib.IsUsage(res.Err) || !strings.Contains(res.Err.Error(), "parameter x = -1") {
		t.Fatalf("error %v, want the usage error of x = -1", res.Err)
	}
	var se *interp.ScriptError
	if r := res.Runs[0]; !errors.As(r.Err, &se) || se.Kind != interp.Interrupted {
		t.Errorf("the run with x = 1 ended with %v, want it interrupted", r.Err)
	}
}

// A work area whose plan cannot be read (damaged: it is written
// atomically) keeps its recorded runs: the next run refuses to start
// rather than remove them as a crash's leftovers.
func TestDamagedPlanKeepsTheRuns(t *testing.T) {
	src := writeScript(t, "task.tengo", sweepTask)
	out := t.TempDir()
	cfg := sweepConfig(out)
	cfg.Shard = interp.Shard{Index: 0, Count: 2}
	mustRun(t, src, cfg)
	work := filepath.Join(out, "task", ".bohpsh", "work")
	runs, _ := filepath.Glob(filepath.Join(work, "*", "seed-*", interp.RunFile))
	if len(runs) == 0 {
		t.Fatal("the shard recorded no runs")
	}
	plan := filepath.Join(work, "plan.yaml")
	if err := os.WriteFile(plan, []byte("script: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, shard := range []interp.Shard{{Index: 1, Count: 2}, {}} {
		cfg.Shard = shard
		res := interp.RunScript(context.Background(), src, cfg)
		if res.Err == nil || !strings.Contains(res.Err.Error(), "its plan cannot be read") {
			t.Errorf("shard %v: error %v, want the damaged plan refused", shard, res.Err)
		}
		if left, _ := filepath.Glob(filepath.Join(work, "*", "seed-*", interp.RunFile)); !slices.Equal(left, runs) {
			t.Errorf("shard %v: run records %v, want %v", shard, left, runs)
		}
	}
}
