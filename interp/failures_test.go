package interp_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// endTask records a metric for 30 episodes, then calls hook.end(), which
// makes the failing runs fail when the test's schedule says.
const endTask = `
params := import("params")
metrics := import("metrics")
rand := import("rand")
hook := import("hook")
p := params.declare({seed: 0, episodes: 30})
w := 0.0
for ep := 0; ep < p.episodes; ep++ {
	w += rand.float() - 0.5
	metrics.record("w", ep, w)
}
hook.end()
`

// schedule says which runs fail at hook.end() (by seed), and when in time:
// a run waits there until the runs of the seeds in after[seed] have ended
// (their run.yaml is in the work area).
type schedule struct {
	fail  map[int64]bool
	after map[int64][]int64
}

// hookModule is hook.end for the runs of out/task, as s says.
func hookModule(work string, s schedule) *lib.Module {
	end := func(env *lib.Env, fn string, _ []tengo.Object) (tengo.Object, error) {
		deadline := time.Now().Add(20 * time.Second)
		for _, seed := range s.after[env.Seed] {
			record := filepath.Join(work, fmt.Sprintf("seed-%d", seed), interp.RunFile)
			for {
				if _, err := os.Stat(record); err == nil {
					break
				}
				if err := env.Cancelled(fn); err != nil {
					return nil, err
				}
				if time.Now().After(deadline) {
					return nil, fmt.Errorf("%s: seed %d waited 20s for the run of seed %d to end", fn, env.Seed, seed)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		if s.fail[env.Seed] {
			return nil, fmt.Errorf("%s: seed %d fails", fn, env.Seed)
		}
		return tengo.UndefinedValue, nil
	}
	return &lib.Module{Name: "hook", Doc: "the test's schedule", Funcs: []lib.Func{
		{Name: "end", Args: "()", Doc: "fails (or not) when the schedule says", Call: end}}}
}

// committed reads the outputs in d (tree), with summary.yaml's timing
// lines and run.yaml's times and host dropped (its status and error kept).
func committed(t *testing.T, d string) map[string]string {
	t.Helper()
	files := tree(t, d)
	for f, text := range files {
		switch filepath.Base(f) {
		case interp.SummaryFile:
			files[f] = timing.ReplaceAllString(text, "")
		case interp.RunFile:
			var kept []string
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "status:") || strings.HasPrefix(line, "error:") {
					kept = append(kept, line)
				}
			}
			files[f] = strings.Join(kept, "\n")
		}
	}
	return files
}

// A run's error stops no other run, so the committed outputs do not
// depend on which run failed first in time: seeds 1 and 2 of 4 fail, with
// --jobs 1 (in output order), with --jobs 2 seed 1 first and seed 2 last
// in time, or seed 2 first and seed 1 last, and in 2 shards merged; each
// time the other runs complete, summary.yaml says 2 of 4 completed and
// names both failures, the error reported is seed 1's, and the outputs are
// the same byte for byte. (A run's error used to cancel the runs after it:
// what completed depended on the timing.) --resume then reruns only the
// failed runs, which complete, and gives the outputs of a run in which
// none failed.
func TestRunErrorStopsNoOtherRun(t *testing.T) {
	src := writeScript(t, "task.tengo", endTask)
	fail := map[int64]bool{1: true, 2: true}
	cases := []struct {
		name  string
		jobs  int
		after map[int64][]int64
	}{
		{"jobs 1", 1, nil},
		{"jobs 2, seed 1 fails first", 2, map[int64][]int64{2: {0, 3}}},
		{"jobs 2, seed 2 fails first", 2, map[int64][]int64{1: {0, 2, 3}}},
	}
	var want map[string]string
	var wantDir string
	for _, c := range cases {
		out := t.TempDir()
		d := filepath.Join(out, "task")
		hook := hookModule(filepath.Join(d, ".bohpsh", "work"), schedule{fail, c.after})
		cfg := interp.Config{Out: out, Seeds: 4, Jobs: c.jobs, Extra: []*lib.Module{hook}}
		res := interp.RunScript(context.Background(), src, cfg)
		failure := res.Failure()
		if !strings.HasPrefix(failure, "task failed in the run with seed 1 (and in 1 other run: seed 2):\n") ||
			!strings.Contains(failure, "hook.end: seed 1 fails") {
			t.Errorf("%s: failure %q", c.name, failure)
		}
		sum := string(readFile(t, filepath.Join(d, interp.SummaryFile)))
		for _, w := range []string{"completed_runs: 2\n", "failed:\n", "\n  - {seed: 1, error: '",
			"task.tengo:12:1: hook.end: seed 1 fails'}\n  - {seed: 2, error: '", "task.tengo:12:1: hook.end: seed 2 fails'}\ninterrupted: false\n"} {
			if !strings.Contains(sum, w) {
				t.Errorf("%s: summary.yaml lacks %q:\n%s", c.name, w, sum)
			}
		}
		got := committed(t, d)
		if want == nil {
			want, wantDir = got, d
			continue
		}
		compareOutputs(t, c.name, got, want)
	}

	// In two shards, merged: shard 0 runs seeds 0 and 2, shard 1 seeds 1 and 3.
	out := t.TempDir()
	d := filepath.Join(out, "task")
	hook := hookModule(filepath.Join(d, ".bohpsh", "work"), schedule{fail: fail})
	for i := range 2 {
		cfg := interp.Config{Out: out, Seeds: 4, Jobs: 2, Shard: interp.Shard{Index: i, Count: 2}, Extra: []*lib.Module{hook}}
		if res := interp.RunScript(context.Background(), src, cfg); res.Err == nil {
			t.Errorf("shard %d: no error", i)
		}
	}
	res := interp.Merge(context.Background(), d, interp.MergeOptions{})
	if !strings.HasPrefix(res.Failure(), "task failed in the run with seed 1 (and in 1 other run: seed 2):\n") {
		t.Errorf("merge: failure %q", res.Failure())
	}
	compareOutputs(t, "2 shards merged", committed(t, d), want)

	// --resume reruns the failed runs only: now they complete.
	fresh := t.TempDir()
	cfg := interp.Config{Out: fresh, Seeds: 4, Jobs: 2, Extra: []*lib.Module{hookModule("", schedule{})}}
	mustRun(t, src, cfg)
	cfg.Out, cfg.Resume = filepath.Dir(wantDir), true
	res = mustRun(t, src, cfg)
	if res.Resumed != 2 || !res.Runs[0].Resumed || !res.Runs[3].Resumed || res.Summary.Completed != 4 {
		t.Errorf("--resume: %d resumed (seed 0 %v, seed 3 %v), %d completed", res.Resumed, res.Runs[0].Resumed, res.Runs[3].Resumed, res.Summary.Completed)
	}
	compareOutputs(t, "--resume", committed(t, wantDir), committed(t, filepath.Join(fresh, "task")))
}

// compareOutputs reports the files of got (from committed) that differ
// from want's, or that only one of them has.
func compareOutputs(t *testing.T, name string, got, want map[string]string) {
	t.Helper()
	names := maps.Clone(want)
	maps.Copy(names, got)
	for _, f := range slices.Sorted(maps.Keys(names)) {
		g, ok1 := got[f]
		w, ok2 := want[f]
		switch {
		case !ok1 || !ok2:
			t.Errorf("%s: %s: present %v, want %v", name, f, ok1, ok2)
		case g != w && (strings.HasSuffix(f, ".yaml") || strings.HasSuffix(f, ".csv")):
			t.Errorf("%s: %s differs:\n%s\nwant\n%s", name, f, g, w)
		case g != w:
			t.Errorf("%s: %s differs", name, f)
		}
	}
}

// A usage error is reported over a run's error, whichever came first in
// output order or in time, so that nothing is committed when a run met one:
// with --sweep x=1,-1 (the script refuses -1), seed 1's run of x=1 fails
// at its end, and the x=-1 runs after it meet the usage error (with
// --jobs 1, seed 1's error used to cancel them: the x=1 results were
// committed and the status was 1).
func TestUsageErrorOverRunError(t *testing.T) {
	src := writeScript(t, "task.tengo", strings.Replace(endTask, "p := params.declare({seed: 0, episodes: 30})",
		`p := params.declare({seed: 0, episodes: 30, x: 1}, {}, {x: ">= 0"})`, 1))
	for _, jobs := range []int{1, 2} {
		out := t.TempDir()
		hook := hookModule("", schedule{fail: map[int64]bool{1: true}})
		cfg := interp.Config{Out: out, Seeds: 2, Jobs: jobs, Sweep: &interp.Sweep{Key: "x", Values: []string{"1", "-1"}}, Extra: []*lib.Module{hook}}
		res := interp.RunScript(context.Background(), src, cfg)
		if !lib.IsUsage(res.Err) || !strings.Contains(res.Failure(), "parameter x = -1") {
			t.Errorf("--jobs %d: error %v, want the usage error of x = -1", jobs, res.Err)
		}
		if entries, _ := os.ReadDir(filepath.Join(out, "task")); len(entries) > 1 || len(entries) == 1 && entries[0].Name() != ".bohpsh" {
			t.Errorf("--jobs %d: %d entries committed after a usage error", jobs, len(entries))
		}
	}
}

// A Go panic (a bug of bohpsh) in a run is the error reported over the
// other runs' own errors, which come before it in output order, so that
// the command says it is a bug (exit status 3, with its stack): seed 0
// fails with an error of its own, seed 1 panics in a Go function, seed 2
// completes. (Seed 0's error was reported: a bohpsh bug went by as a
// script error.)
func TestInternalErrorOverRunError(t *testing.T) {
	src := writeScript(t, "task.tengo", endTask)
	var calls atomic.Int32
	hook := &lib.Module{Name: "hook", Doc: "seed 0 fails, seed 1 panics", Funcs: []lib.Func{{Name: "end", Args: "()", Doc: "fails or panics",
		Call: func(env *lib.Env, fn string, _ []tengo.Object) (tengo.Object, error) {
			calls.Add(1)
			switch env.Seed {
			case 0:
				return nil, fmt.Errorf("%s: seed %d fails", fn, env.Seed)
			case 1:
				panic("a bug")
			}
			return tengo.UndefinedValue, nil
		}}}}
	for _, jobs := range []int{1, 2} {
		calls.Store(0)
		cfg := interp.Config{Out: t.TempDir(), Seeds: 3, Jobs: jobs, Extra: []*lib.Module{hook}}
		res := interp.RunScript(context.Background(), src, cfg)
		if calls.Load() != 3 || !interp.IsInternal(res.Err) {
			t.Fatalf("--jobs %d: error %v (%d runs ended), want seed 1's Go panic", jobs, res.Err, calls.Load())
		}
		if f := res.Failure(); !strings.HasPrefix(f, "task failed in the run with seed 1 (and in 1 other run: seed 0):\n") || !strings.Contains(f, "a bug") {
			t.Errorf("--jobs %d: failure %q", jobs, f)
		}
	}
	// In two shards, merged: the merge reads the panic from seed 1's
	// record, and reports it as the run did.
	out := t.TempDir()
	for i := range 2 {
		cfg := interp.Config{Out: out, Seeds: 3, Shard: interp.Shard{Index: i, Count: 2}, Extra: []*lib.Module{hook}}
		interp.RunScript(context.Background(), src, cfg)
	}
	res := interp.Merge(context.Background(), filepath.Join(out, "task"), interp.MergeOptions{})
	if f := res.Failure(); !interp.IsInternal(res.Err) || !strings.HasPrefix(f, "task failed in the run with seed 1 (and in 1 other run: seed 0):\n") || !strings.Contains(f, "a bug") {
		t.Errorf("merge: error %v, failure %q", res.Err, f)
	}
}
