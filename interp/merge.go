package interp

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ShardReport says how one shard of a sweep ended, as Merge found it.
type ShardReport struct {
	Index      int
	State      string  // completed, failed, interrupted, running, missing (never ran, or killed)
	Err        string  // the shard's error (failed)
	Holder     string  // who runs it (running)
	Missing    []RunID // its runs without results
	Unfinished []RunID // its runs that started but did not complete (failed or interrupted)
}

// Shard states of a ShardReport besides the run statuses.
const (
	ShardRunning = "running"
	ShardMissing = "missing"
)

// merging is what a merge holding D's lock says it does (shards and
// other merges wait for it).
const merging = "bohpsh merge"

// MergeOptions says how to merge.
type MergeOptions struct {
	NoFigures bool
	Stderr    io.Writer // figure warnings
}

// Merge combines the runs recorded in the output directory d (the work area
// of a sharded sweep, or D's committed results when there is none) into the
// outputs one run writes: params.yaml, metrics.csv (byte for byte what a
// local run of the same plan writes), summary.yaml and the figures,
// committed into d as a run commits them. A missing or failed shard is
// reported by number (Result.Shards), its runs are listed as missing in the
// summary, and Result.Err says so; the outputs are written all the same (a
// partial merge), unless no run completed (then nothing is). Once every run
// is complete the work area is removed.
func Merge(ctx context.Context, d string, opts MergeOptions) *Result {
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	res := &Result{Script: filepath.Base(d)}
	lock, err := lockOutDir(ctx, d, merging, registering, merging)
	if err != nil {
		res.Err = err
		return res
	}
	defer lock.Release()
	from := ctlPath(d, workName)
	plan, err := readPlan(filepath.Join(from, planName))
	if err == nil && plan == nil {
		from = d
		plan, err = readPlan(ctlPath(d, planName))
	}
	if err == nil && plan == nil {
		err = fmt.Errorf("%s holds no runs to merge (no %s nor %s)", d, filepath.Join(from, planName), ctlPath(d, planName))
	}
	if err != nil {
		res.Err = err
		return res
	}
	res.Plan = plan
	res.Script = ScriptName(&Source{Name: plan.Script})

	// The runs, read back from their records.
	cfg := Config{Seed: plan.Seed, Seeds: plan.Seeds, Sweep: plan.Sweep, Overrides: plan.Overrides, NoFigures: opts.NoFigures}
	var first, last time.Time
	for _, id := range plan.Runs() {
		if ctx.Err() != nil {
			res.Err = context.Cause(ctx)
			return res
		}
		r, t, ok, err := loadRun(filepath.Join(from, plan.RunDir(id)), plan, id)
		if err != nil {
			res.Err = err
			return res
		}
		if !ok {
			r = &Run{Index: id.Index, SweepIndex: id.SweepIndex, SweepValue: id.SweepValue, Seed: id.Seed,
				Env: recordEnv(id.Seed)}
		} else {
			cfg.Jobs = max(cfg.Jobs, t.Jobs)
			if first.IsZero() || t.Started.Before(first) {
				first = t.Started
			}
			last = maxTime(last, t.Finished)
		}
		res.Runs = append(res.Runs, r)
	}
	if !first.IsZero() {
		res.Wall = last.Sub(first)
	}
	for _, r := range res.Runs {
		res.Interrupted = res.Interrupted || r.Started && isInterruption(r.Err)
	}
	res.Err = firstFailure(res.Runs)
	if plan.Shards > 0 && from != d {
		res.Shards, err = shardReports(from, plan, res.Runs)
		if err != nil {
			res.Err = err
			return res
		}
	}
	res.Summary = summarize(res, cfg)
	if res.Err == nil {
		res.Err = incompleteError(res)
	}
	if res.Summary.Completed == 0 {
		// Nothing to write: the outputs in d stay as they were (a run
		// where every run failed keeps them too), and so do the shards'
		// results, to be rerun or merged later.
		res.Err = fmt.Errorf("%w; nothing merged: no run completed, the outputs in %s stay as they were", res.Err, d)
		return res
	}
	if err := lock.Held(); err != nil {
		res.Err = err
		return res
	}
	if err := commitOutputs(d, from, res, &Source{Name: plan.Script}, cfg, opts.Stderr); err != nil && res.Err == nil {
		res.Err = err
	}
	return res
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// shardReports says how each shard of plan ended: its status file, or its
// lock when it still runs, and which of its runs have no results.
func shardReports(work string, plan *Plan, runs []*Run) ([]ShardReport, error) {
	live, err := liveShards(work)
	if err != nil {
		return nil, err
	}
	reports := make([]ShardReport, plan.Shards)
	for i := range reports {
		rep := &reports[i]
		rep.Index = i
		st, err := readShardStatus(work, i)
		if err != nil {
			return nil, err
		}
		switch {
		case st != nil:
			rep.State, rep.Err = st.Status, st.Error
		default:
			rep.State = ShardMissing
		}
		for _, l := range live {
			if l.index == i {
				rep.State, rep.Holder = ShardRunning, l.holder.String()
			}
		}
		for _, id := range plan.ShardRuns(Shard{Index: i, Count: plan.Shards}) {
			switch r := runs[id.Index]; {
			case !r.Started:
				rep.Missing = append(rep.Missing, id)
			case r.Err != nil:
				rep.Unfinished = append(rep.Unfinished, id)
			}
		}
	}
	return reports, nil
}

// incompleteError says which shards (or runs) did not complete; nil when
// every run did.
func incompleteError(res *Result) error {
	if res.Summary.Completed == res.Summary.Runs {
		return nil
	}
	var bad []string
	for _, s := range res.Shards {
		if s.State != statusCompleted || len(s.Missing) > 0 {
			bad = append(bad, fmt.Sprint(s.Index))
		}
	}
	missing := len(res.Summary.Missing)
	unfinished := res.Summary.Runs - res.Summary.Completed - missing
	var parts []string
	if missing > 0 {
		parts = append(parts, plural(missing, "run")+" missing")
	}
	if unfinished > 0 {
		parts = append(parts, plural(unfinished, "run")+" unfinished")
	}
	what := strings.Join(parts, ", ")
	if len(bad) > 0 {
		return fmt.Errorf("%s: %s did not complete (%s)", res.Script, pluralList("shard", bad, len(res.Shards)), what)
	}
	return fmt.Errorf("%s: %s", res.Script, what)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func pluralList(noun string, items []string, of int) string {
	if len(items) == 1 {
		return fmt.Sprintf("%s %s of %d", noun, items[0], of)
	}
	return fmt.Sprintf("%ss %s and %s of %d", noun, strings.Join(items[:len(items)-1], ", "), items[len(items)-1], of)
}

// MergeDirs lists the output directories under dir that Merge can merge:
// dir itself when it is one, else its subdirectories that are (an --out
// DIR holds one per script).
func MergeDirs(dir string) []string {
	if isOutputDir(dir) {
		return []string{dir}
	}
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if sub := filepath.Join(dir, e.Name()); e.IsDir() && isOutputDir(sub) {
			out = append(out, sub)
		}
	}
	return out
}

func isOutputDir(d string) bool {
	for _, p := range []string{ctlPath(d, workName, planName), ctlPath(d, planName)} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
