package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/interp"
)

// shardAll is --shard all: every run, also inside a Slurm array task.
const shardAll = "all"

// chooseShard is the shard of the runs that this process runs: --shard as
// given (all: every run), else, inside a Slurm array task
// (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT set), the task's shard
// of a run of several runs, with a notice for stderr saying so and how to
// opt out. A run of several runs in an array task without --out is refused:
// every task would run all of them, each into a directory of its own.
func chooseShard(f *cmdFlags, getenv func(string) string) (shard interp.Shard, notice string, err error) {
	switch {
	case f.shard == shardAll:
		return interp.Shard{}, "", nil
	case f.shard != "":
		shard, err = resolveShard(f.shard, getenv)
		return shard, "", err
	}
	id, count := getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT")
	runs := f.run.Seeds
	if f.run.Sweep != nil {
		runs *= len(f.run.Sweep.Values)
	}
	if id == "" || count == "" || !f.evalSet && len(f.files) == 0 || runs < 2 {
		return interp.Shard{}, "", nil
	}
	task := fmt.Sprintf("in a Slurm job array (SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s) the %d runs are split among the tasks by default", id, count, runs)
	if f.run.Out == "" {
		return interp.Shard{}, "", fmt.Errorf("%s, into a shared output directory: give --out DIR (bohpsh merge DIR then writes the outputs), or --shard all to run all %d runs in every task", task, runs)
	}
	shard, err = slurmArrayShard(getenv)
	if err != nil {
		return interp.Shard{}, "", fmt.Errorf("%s, but %v; or give --shard all to run all %d runs in every task", task, err, runs)
	}
	notice = fmt.Sprintf("bohpsh: Slurm array task %s of %s: running shard %s of the %d runs (the default in a job array); bohpsh merge %s writes the outputs once every task has ended; --shard all runs all %d in every task\n",
		id, count, shard, runs, f.run.Out, runs)
	return shard, notice, nil
}

// resolveShard reads --shard: I/N, or auto (a Slurm array task: I and N
// from SLURM_ARRAY_TASK_ID, _MIN, _MAX and _COUNT), or auto/N (I from
// JOB_COMPLETION_INDEX, a Kubernetes indexed job's, else from the Slurm
// array task id).
func resolveShard(spec string, getenv func(string) string) (interp.Shard, error) {
	idx, count, hasCount := strings.Cut(spec, "/")
	if idx != "auto" {
		s, err := interp.ParseShard(spec)
		if err != nil && !hasCount {
			err = fmt.Errorf("--shard %s: want I/N (e.g. 0/4: shard 0 of 4, counted from 0), all, auto or auto/N", spec)
		}
		return s, err
	}
	usage := func(format string, a ...any) (interp.Shard, error) {
		return interp.Shard{}, fmt.Errorf("--shard %s: "+format, append([]any{spec}, a...)...)
	}
	if !hasCount {
		s, err := slurmArrayShard(getenv)
		if err != nil {
			return usage("%v", err)
		}
		return s, nil
	}
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return usage("want auto/N with N >= 1, got N = %q", count)
	}
	i, ok, err := envInt(getenv, "JOB_COMPLETION_INDEX")
	if err != nil {
		return usage("%v", err)
	}
	if !ok {
		id, okID, err1 := envInt(getenv, "SLURM_ARRAY_TASK_ID")
		lo, _, err2 := envInt(getenv, "SLURM_ARRAY_TASK_MIN")
		if err := errors.Join(err1, err2); err != nil {
			return usage("%v", err)
		}
		if !okID {
			return usage("neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set: give --shard I/N")
		}
		i = id - lo
	}
	if i < 0 || i >= n {
		return usage("index %d is not in 0..%d", i, n-1)
	}
	return interp.Shard{Index: i, Count: n}, nil
}

// slurmArrayShard is the shard of this Slurm array task: I and N from
// SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) and
// SLURM_ARRAY_TASK_COUNT, whose ids must be consecutive.
func slurmArrayShard(getenv func(string) string) (interp.Shard, error) {
	id, ok, err1 := envInt(getenv, "SLURM_ARRAY_TASK_ID")
	lo, okLo, err2 := envInt(getenv, "SLURM_ARRAY_TASK_MIN")
	hi, okHi, err3 := envInt(getenv, "SLURM_ARRAY_TASK_MAX")
	n, okN, err4 := envInt(getenv, "SLURM_ARRAY_TASK_COUNT")
	step, okStep, err5 := envInt(getenv, "SLURM_ARRAY_TASK_STEP")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return interp.Shard{}, err
	}
	switch {
	case !ok || !okN:
		return interp.Shard{}, errors.New("not in a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set): give --shard I/N, or auto/N for a Kubernetes indexed job")
	case !okLo || !okHi:
		// Slurm sets both in an array task; without them the ids cannot be counted.
		return interp.Shard{}, errors.New("SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX must both be set with SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm sets them in an array task): give --shard I/N")
	case okStep && step != 1 || hi-lo+1 != n:
		ids := fmt.Sprintf("%d..%d", lo, hi)
		if okStep && step != 1 {
			ids += fmt.Sprintf(" step %d", step)
		}
		return interp.Shard{}, fmt.Errorf("the array's %d task ids (%s) are not consecutive: give --shard $((SLURM_ARRAY_TASK_ID - %d))/N", n, ids, lo)
	}
	return interp.Shard{Index: id - lo, Count: n}, nil
}

// envInt reads an integer environment variable; ok is false when unset.
func envInt(getenv func(string) string, name string) (n int, ok bool, err error) {
	v := getenv(name)
	if v == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil {
		return 0, true, fmt.Errorf("%s=%q is not a number", name, v)
	}
	return n, true, nil
}

// runsNote follows the count of completed runs on the closing line: how
// many failed (the others ran to their end) and were resumed, as in
// " (1 failed, 3 resumed)"; "" when none.
func runsNote(res *interp.Result) string {
	var notes []string
	if n := len(res.Summary.Failed); n > 0 {
		notes = append(notes, fmt.Sprintf("%d failed", n))
	}
	if res.Resumed > 0 {
		notes = append(notes, fmt.Sprintf("%d resumed", res.Resumed))
	}
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}

const mergeUsage = `Usage: bohpsh merge [--no-figures] [--quiet] DIR [DIR ...]

Writes the outputs (params.yaml, metrics.csv, summary.yaml, figures) of the
runs recorded in DIR: the shards of a sweep (bohpsh --shard, bohpsh slurm),
or a run whose outputs could not all be written. DIR is an output directory
(--out DIR/<script name>) or an --out DIR holding some. The outputs are
those one local run of the same runs writes (metrics.csv byte for byte).
A shard that failed or did not run is reported by number and the summary
lists the runs it lacks; the exit status is then 1.
`

// mergeMain is bohpsh merge.
func mergeMain(parent context.Context, signals bool, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bohpsh merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	noFigures := fs.Bool("no-figures", false, "")
	quiet := fs.Bool("quiet", false, "")
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	if err := fs.Parse(args); err != nil || !*help && fs.NArg() == 0 {
		msg := "give the output directory to merge"
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(stderr, "bohpsh merge: %s\nRun 'bohpsh merge --help' for usage.\n", msg)
		return ExitUsage
	}
	if *help {
		io.WriteString(stdout, mergeUsage)
		return ExitOK
	}
	ctx, stop := runContext(parent, signals, 0, stderr)
	defer stop()
	code := ExitOK
	for _, dir := range fs.Args() {
		dirs := interp.MergeDirs(dir)
		if len(dirs) == 0 {
			why := "holds no bohpsh runs (no .bohpsh/work/plan.yaml, in it or in a directory in it)"
			if info, err := os.Stat(dir); err != nil {
				why = "does not exist"
			} else if !info.IsDir() {
				why = "is not a directory (give the --out DIR of the runs, or DIR/<script name>)"
			}
			fmt.Fprintf(stderr, "bohpsh merge: %s %s\n", dir, why)
			code = max(code, ExitUsage)
			continue
		}
		for _, d := range dirs {
			res := interp.Merge(ctx, d, interp.MergeOptions{NoFigures: *noFigures, Stderr: stderr})
			cfg := interp.Config{Quiet: *quiet}
			if res.Plan != nil {
				cfg.Sweep = res.Plan.Sweep
			}
			printShardReports(res, stderr)
			if c := report(res, ctx, cfg, stderr); c != ExitOK && code == ExitOK {
				code = c
			}
		}
	}
	return code
}

// printShardReports says which shards of a merge did not complete.
func printShardReports(res *interp.Result, w io.Writer) {
	for _, s := range res.Shards {
		var what string
		switch s.State {
		case "completed":
			if len(s.Missing) == 0 {
				continue
			}
			what = "completed, but its results are incomplete"
		case "failed":
			what = "failed: " + firstLine(s.Err)
		case "interrupted":
			what = "was interrupted (cancelled, preempted or timed out)"
		case interp.ShardRunning:
			what = "is still running (" + s.Holder + ")"
		case interp.ShardMissing:
			what = "did not run, or was killed"
		}
		fmt.Fprintf(w, "bohpsh: %s: shard %d of %d %s", res.Script, s.Index, len(res.Shards), what)
		if len(s.Missing) > 0 {
			fmt.Fprintf(w, "; no results for %s", runNames(res.Plan, s.Missing))
		}
		if len(s.Unfinished) > 0 {
			fmt.Fprintf(w, "; unfinished: %s", runNames(res.Plan, s.Unfinished))
		}
		fmt.Fprintln(w)
	}
}

func runNames(p *interp.Plan, ids []interp.RunID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = p.RunName(id)
	}
	return strings.Join(names, ", ")
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
