package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/interp"
)

// resolveShard reads --shard: I/N, or auto (a Slurm array task: I and N
// from SLURM_ARRAY_TASK_ID, _MIN, _MAX and _COUNT), or auto/N (I from
// JOB_COMPLETION_INDEX, a Kubernetes indexed job's, else from the Slurm
// array task id). Sharding is never implied by the environment alone: an
// array job may run a different bohpsh command in each task.
func resolveShard(spec string, getenv func(string) string) (interp.Shard, error) {
	idx, count, hasCount := strings.Cut(spec, "/")
	if idx != "auto" {
		return interp.ParseShard(spec)
	}
	usage := func(format string, a ...any) (interp.Shard, error) {
		return interp.Shard{}, fmt.Errorf("--shard %s: "+format, append([]any{spec}, a...)...)
	}
	envInt := func(name string) (int, bool, error) {
		v := getenv(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, fmt.Errorf("%s=%q is not a number", name, v)
		}
		return n, true, nil
	}
	if hasCount {
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return usage("want auto/N with N >= 1")
		}
		i, ok, err := envInt("JOB_COMPLETION_INDEX")
		if err != nil {
			return usage("%v", err)
		}
		if !ok {
			id, okID, err1 := envInt("SLURM_ARRAY_TASK_ID")
			lo, _, err2 := envInt("SLURM_ARRAY_TASK_MIN")
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
	id, ok, err1 := envInt("SLURM_ARRAY_TASK_ID")
	lo, _, err2 := envInt("SLURM_ARRAY_TASK_MIN")
	hi, _, err3 := envInt("SLURM_ARRAY_TASK_MAX")
	n, okN, err4 := envInt("SLURM_ARRAY_TASK_COUNT")
	step, okStep, err5 := envInt("SLURM_ARRAY_TASK_STEP")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return usage("%v", err)
	}
	switch {
	case !ok || !okN:
		return usage("not in a Slurm job array (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set): give --shard I/N, or auto/N for a Kubernetes indexed job")
	case okStep && step != 1 || hi-lo+1 != n:
		return usage("the array's task ids %d..%d (step %d) are not %d consecutive ids: give --shard $((SLURM_ARRAY_TASK_ID - %d))/N", lo, hi, step, n, lo)
	}
	return interp.Shard{Index: id - lo, Count: n}, nil
}

// resumedNote is " (3 resumed)" when runs were resumed.
func resumedNote(res *interp.Result) string {
	if res.Resumed == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d resumed)", res.Resumed)
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
	ctx, stop := runContext(parent, signals, 0)
	defer stop()
	code := ExitOK
	for _, dir := range fs.Args() {
		dirs := interp.MergeDirs(dir)
		if len(dirs) == 0 {
			fmt.Fprintf(stderr, "bohpsh merge: %s holds no bohpsh runs (no .bohpsh/work/plan.yaml, in it or in a directory in it)\n", dir)
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
			var names []string
			for _, id := range s.Missing {
				names = append(names, res.Plan.RunName(id))
			}
			fmt.Fprintf(w, "; no results for %s", strings.Join(names, ", "))
		}
		fmt.Fprintln(w)
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
