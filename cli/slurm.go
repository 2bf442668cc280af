package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/interp"
)

const slurmUsage = `Usage: bohpsh slurm [--tasks N] [--sbatch 'FLAGS'] [--wait] [--dry-run]
                    [run flags] --out DIR FILE.tengo

Runs a script's (sweep value × seed) runs on a Slurm cluster: a job array
of N tasks, task I running shard I/N (runs I, I+N, I+2N, ... of the output
order) into DIR/<script name>/, and a merge job that writes the outputs
once the array has ended, however its tasks ended (afterany: a partial
merge reports the failed shards by number and lists the missing runs).
The run flags are bohpsh's (-p, --seed, --seeds, --sweep, --jobs, ...);
--out is required (the tasks and the merge share it: a shared file system).

  --tasks N        array tasks (default: one per run, at most 1000)
  --sbatch FLAGS   sbatch options for both jobs (--array: for the array only),
                   e.g. '--partition=short --time=1:00:00'
  --wait           wait for the merge job and exit with its status
  --dry-run        print the batch scripts and the sbatch commands, submit nothing
  --resume         keep the complete runs of the same settings found in the
                   output directory (the tasks always resume their own runs,
                   so a preempted or failed task can be resubmitted)

The batch scripts and the jobs' logs are in DIR/<script name>/.bohpsh/slurm/.
See docs/cluster.md.
`

// slurmOnly are bohpsh slurm's own flags, not passed on to the tasks.
var slurmOnly = map[string]bool{"tasks": true, "sbatch": true, "wait": true, "dry-run": true, "resume": true, "shard": true}

// slurmMain is bohpsh slurm.
func slurmMain(parent context.Context, signals bool, args []string, stdout, stderr io.Writer) int {
	var tasks int
	var sbatchFlags string
	var wait, dryRun bool
	f, fs, err := parseFlagSet(args, func(fs *flag.FlagSet) {
		intFlag(fs, &tasks, "tasks", 0)
		fs.StringVar(&sbatchFlags, "sbatch", "", "")
		fs.BoolVar(&wait, "wait", false, "")
		fs.BoolVar(&dryRun, "dry-run", false, "")
	})
	if err == nil && f.help {
		io.WriteString(stdout, slurmUsage)
		return ExitOK
	}
	tasksGiven := false
	if err == nil {
		fs.Visit(func(fl *flag.Flag) { tasksGiven = tasksGiven || fl.Name == "tasks" })
	}
	switch {
	case err != nil:
	case f.evalSet || len(f.files) != 1:
		err = errors.New("give one script file")
	case f.run.Out == "":
		err = errors.New("give --out DIR: the array tasks and the merge job share it")
	case f.shard != "":
		err = errors.New("--shard is for the tasks: bohpsh slurm gives each its shard")
	case tasksGiven && tasks < 1:
		err = fmt.Errorf("--tasks must be >= 1, got %d", tasks)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: %v\nRun 'bohpsh slurm --help' for usage.\n", err)
		return ExitUsage
	}
	src, err := interp.LoadSource(f.files[0])
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: %v\n", err)
		return ExitUsage
	}
	cfg := f.run
	runs := len(interp.NewPlan(src, cfg).Runs())
	switch {
	case !tasksGiven:
		tasks = min(runs, 1000)
	case tasks > runs:
		fmt.Fprintf(stderr, "bohpsh slurm: --tasks %d is more than the %d runs: %d tasks, one run each\n", tasks, runs, runs)
		tasks = runs
	}
	cfg.Shard = interp.Shard{Count: tasks}
	plan := interp.NewPlan(src, cfg)
	job, err := newSlurmJob(plan, cfg, src, forwardArgs(fs, args, slurmOnly), sbatchFlags)
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: %v\n", err)
		return ExitError
	}
	if dryRun {
		fmt.Fprintf(stdout, "# %s\n%s\n# %s\n%s\n# submitted with:\n#   sbatch --parsable %s\n#   sbatch --parsable --dependency=afterany:ARRAY_JOB_ID %s\n",
			job.arrayPath, job.arrayScript, job.mergePath, job.mergeScript, job.arrayPath, job.mergePath)
		return ExitOK
	}

	ctx, stop := runContext(parent, signals, 0, stderr)
	defer stop()
	jobsFile := filepath.Join(filepath.Dir(job.arrayPath), "jobs")
	if queued := queuedJobs(ctx, jobsFile); queued != "" {
		fmt.Fprintf(stderr, "bohpsh slurm: the jobs of the previous submission into %s are still queued or running (%s): wait for them, or cancel them (scancel %s)\n",
			job.dir, queued, strings.Join(strings.Fields(readString(jobsFile)), " "))
		return ExitError
	}
	resumed, unresumed, err := interp.SetUpSweep(ctx, job.dir, plan, cfg.Resume)
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: %v\n", err)
		var ode *interp.OutputDirError
		if errors.As(err, &ode) {
			return ExitUsage
		}
		return ExitError
	}
	if unresumed.Runs > 0 {
		fmt.Fprintf(stderr, "bohpsh slurm: warning: %s\n", unresumed.Warning(job.dir, "sweep"))
	}
	for path, text := range map[string]string{job.arrayPath: job.arrayScript, job.mergePath: job.mergeScript} {
		if err := atomicfile.Write(path, []byte(text)); err != nil {
			fmt.Fprintf(stderr, "bohpsh slurm: %v\n", err)
			return ExitError
		}
	}
	arrayID, err := sbatch(ctx, job.arrayPath)
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: submitting the array: %v\n", err)
		return ExitError
	}
	mergeID, err := sbatch(ctx, "--dependency=afterany:"+arrayID, job.mergePath)
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: submitting the merge job (the array job %s is submitted: scancel %s to cancel it): %v\n", arrayID, arrayID, err)
		return ExitError
	}
	if err := atomicfile.Write(jobsFile, []byte(arrayID+"\n"+mergeID+"\n")); err != nil {
		fmt.Fprintf(stderr, "bohpsh slurm: %v\n", err)
	}
	note := ""
	if resumed > 0 {
		note = fmt.Sprintf(", %d of %d runs complete already", resumed, runs)
	}
	fmt.Fprintf(stdout, "submitted array job %s (%d tasks%s) and merge job %s (after the array: afterany)\n", arrayID, tasks, note, mergeID)
	fmt.Fprintf(stderr, "bohpsh slurm: scripts and logs in %s; outputs in %s once merge job %s has run\n", filepath.Dir(job.arrayPath), job.dir, mergeID)
	if !wait {
		return ExitOK
	}
	return waitForJob(ctx, mergeID, filepath.Dir(job.mergePath), stderr)
}

// queuedJobs lists the jobs named in jobsFile (those of the previous
// submission into the same output directory) that squeue still shows, ""
// when none is (or squeue cannot tell: unknown ids are finished ones).
func queuedJobs(ctx context.Context, jobsFile string) string {
	ids := strings.Fields(readString(jobsFile))
	if len(ids) == 0 {
		return ""
	}
	out, err := exec.CommandContext(ctx, "squeue", "-h", "-o", "%i %T", "-j", strings.Join(ids, ",")).Output()
	if err != nil {
		return ""
	}
	var jobs []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			jobs = append(jobs, line)
		}
	}
	return strings.Join(jobs, ", ")
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// slurmJob is the batch scripts of a sweep.
type slurmJob struct {
	dir                      string // the output directory
	arrayPath, mergePath     string
	arrayScript, mergeScript string
}

func newSlurmJob(plan *interp.Plan, cfg interp.Config, src *interp.Source, runArgs []string, sbatchFlags string) (*slurmJob, error) {
	exe, err := executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find the bohpsh executable: %v", err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.Out, interp.ScriptName(src))
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	logs := filepath.Join(absDir, interp.SlurmDir)
	name := "bohpsh-" + interp.ScriptName(src)
	extra, mergeExtra := sbatchLine(sbatchFlags), sbatchLine(withoutArray(sbatchFlags))
	n := plan.Shards
	// The shard is left to the shell to expand: "$SLURM_ARRAY_TASK_ID/N".
	quoted := fmt.Sprintf(`%s --shard "$SLURM_ARRAY_TASK_ID/%d" %s`, shellQuote(exe), n,
		shellQuoteAll(append(append([]string{"--resume"}, runArgs...), src.Name)))
	merge := []string{exe, "merge"}
	if cfg.NoFigures {
		merge = append(merge, "--no-figures")
	}
	merge = append(merge, dir)

	j := &slurmJob{dir: dir, arrayPath: filepath.Join(logs, "array.sbatch"), mergePath: filepath.Join(logs, "merge.sbatch")}
	j.arrayScript = fmt.Sprintf(`#!/bin/bash
# A bohpsh sweep, one shard per task of this array (written by bohpsh slurm):
#   %s
# Task I runs shard I/%d (runs I, I+%d, I+2*%d, ... of the output order) into
# %s/.bohpsh/work/, resuming the runs it completed before; the merge job
# (merge.sbatch) then writes the outputs. Resubmit failed tasks with
#   sbatch --array=I,J %s
# and then the merge: sbatch %s
#SBATCH --job-name=%s
#SBATCH --array=0-%d
#SBATCH --output=%s/shard-%%a.%%A.log
#SBATCH --chdir=%s
%sexec %s
`, plan.Describe(), n, n, n, dir, filepath.Join(logs, "array.sbatch"), filepath.Join(logs, "merge.sbatch"),
		name, n-1, logs, shellQuote(cwd), extra, quoted)
	j.mergeScript = fmt.Sprintf(`#!/bin/bash
# Merges the shards of the bohpsh sweep in %s into its outputs
# (written by bohpsh slurm). It runs after the array however its tasks
# ended (afterany): a partial merge reports the failed shards by number,
# lists the missing runs in summary.yaml, and exits 1.
#SBATCH --job-name=%s-merge
#SBATCH --output=%s/merge.%%j.log
#SBATCH --chdir=%s
%sexec %s
`, dir, name, logs, shellQuote(cwd), mergeExtra, shellQuoteAll(merge))
	return j, nil
}

// sbatchLine is an #SBATCH line of flags ("" for none).
func sbatchLine(flags string) string {
	if s := strings.TrimSpace(strings.ReplaceAll(flags, "\n", " ")); s != "" {
		return "#SBATCH " + s + "\n"
	}
	return ""
}

// withoutArray drops the array option (--array=1,5 to resubmit some tasks)
// from sbatch flags, for the merge job, which is not an array.
func withoutArray(flags string) string {
	words := strings.Fields(flags)
	var kept []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--array" || w == "-a":
			i++ // its value
		case strings.HasPrefix(w, "--array=") || strings.HasPrefix(w, "-a"):
		default:
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}

// executable is the path of this bohpsh as invoked (a symbolic link kept
// as it is), for the batch scripts.
func executable() (string, error) {
	arg0 := os.Args[0]
	if !strings.Contains(arg0, string(os.PathSeparator)) {
		if p, err := exec.LookPath(arg0); err == nil {
			arg0 = p
		} else {
			return os.Executable()
		}
	}
	return filepath.Abs(arg0)
}

// forwardArgs returns the flags of args (with their values) that are not
// in drop, as typed: what the tasks run with.
func forwardArgs(fs *flag.FlagSet, args []string, drop map[string]bool) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue // a file
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		fl := fs.Lookup(name)
		if fl == nil {
			continue
		}
		bf, isBool := fl.Value.(interface{ IsBoolFlag() bool })
		takesNext := !hasValue && !(isBool && bf.IsBoolFlag())
		if !drop[name] {
			out = append(out, a)
			if takesNext && i+1 < len(args) {
				out = append(out, args[i+1])
			}
		}
		if takesNext {
			i++
		}
	}
	return out
}

var plainWord = regexp.MustCompile(`^[A-Za-z0-9_./=:,+@%-]+$`)

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if plainWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellQuoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// sbatch submits a batch script and returns the job id.
func sbatch(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "sbatch", append([]string{"--parsable"}, args...)...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(errOut.String()); msg != "" {
			err = fmt.Errorf("%v: %s", err, msg)
		}
		return "", err
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";") // "ID;cluster" on a federation
	if _, err := strconv.Atoi(id); err != nil {
		return "", fmt.Errorf("unexpected sbatch output %q", out)
	}
	return id, nil
}

var (
	jobStateRe = regexp.MustCompile(`\bJobState=(\S+)`)
	exitCodeRe = regexp.MustCompile(`\bExitCode=(\d+):(\d+)`)
)

// jobDone says whether a Slurm job state is final.
func jobDone(state string) bool {
	switch state {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
		"RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE":
		return false
	}
	return state != ""
}

// waitForJob polls scontrol until job id has ended (every 0.5 s at first,
// every 10 s after a minute), prints its log, and returns its exit status.
func waitForJob(ctx context.Context, id, logDir string, stderr io.Writer) int {
	delay := 500 * time.Millisecond
	failures := 0
	for {
		out, err := exec.CommandContext(ctx, "scontrol", "-o", "show", "job", id).Output()
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "bohpsh slurm: stopped waiting; the jobs go on (scancel %s to cancel the merge)\n", id)
			return ExitInterrupted
		}
		if err != nil {
			if failures++; failures >= 5 {
				fmt.Fprintf(stderr, "bohpsh slurm: cannot follow job %s: scontrol: %v\n", id, err)
				return ExitError
			}
		} else if m := jobStateRe.FindSubmatch(out); m != nil && jobDone(string(m[1])) {
			failures = 0
			state := string(m[1])
			code, sig := 1, 0
			if e := exitCodeRe.FindSubmatch(out); e != nil {
				code, _ = strconv.Atoi(string(e[1]))
				sig, _ = strconv.Atoi(string(e[2]))
			}
			if log, err := os.ReadFile(filepath.Join(logDir, "merge."+id+".log")); err == nil {
				stderr.Write(log)
			}
			fmt.Fprintf(stderr, "bohpsh slurm: merge job %s: %s, exit code %d\n", id, state, code)
			switch {
			case sig != 0 || state != "COMPLETED" && code == 0:
				return ExitError
			case code > 255:
				return ExitError
			}
			return code
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 10*time.Second)
	}
}
