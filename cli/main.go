package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/repl"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"golang.org/x/term"
)

// Version is bohpsh's version (set at link time with -ldflags "-X
// github.com/bohpsh/bohpsh/cli.Version=...").
var Version = "0.1.0-dev"

// Exit codes of the command.
const (
	ExitOK          = 0
	ExitError       = 1   // a script error (or --timeout)
	ExitUsage       = 2   // bad flag, unknown or ill-typed -p, missing file
	ExitInternal    = 3   // an internal error: a bug of bohpsh (a Go panic), not of the script
	ExitInterrupted = 130 // Ctrl-C
)

// ErrInterrupt is the cancellation cause of Ctrl-C.
var ErrInterrupt = errors.New("interrupted by Ctrl-C")

// ErrTerminated is the cancellation cause of SIGTERM (a job scheduler, kill,
// timeout(1)): handled like Ctrl-C, so what was done is written.
var ErrTerminated = errors.New("terminated (SIGTERM)")

// TimeoutError is the cancellation cause of --timeout.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string { return fmt.Sprintf("timeout after %v (--timeout)", e.After) }

const usageText = `bohpsh runs Tengo scripts that build and train plastic neural networks.

Usage:
  bohpsh [flags] FILE.tengo [FILE.tengo ...]   run scripts (one after the other)
  bohpsh [flags] -e 'CODE'                     run code given on the command line,
                                               printing its final expression's value
  bohpsh [flags]                               start the REPL (reads statements
                                               from stdin when it is not a terminal)
  bohpsh merge DIR                             write the outputs of a sharded sweep
  bohpsh slurm [--tasks N] [flags] FILE.tengo  run a sweep as a Slurm job array
                                               (bohpsh merge|slurm --help: theirs)

Flags (-x and --x are the same; flags may follow the file names):
  -p key=value         set a parameter declared with params.declare (repeatable)
  --seed S             first seed (default 0)
  --seeds N            run N seeds: S, S+1, ..., S+N-1 (default 1)
  --sweep key=v1,v2    run every value of a parameter, each with every seed
  --jobs J             runs in parallel (default: the number of cores)
  --out DIR            write outputs into DIR/<script name>/
                       (default: runs/<script name>/<timestamp>/; -e: none)
  --quiet              no script output (prints, -e's value), no progress bar,
                       no closing lines; errors, warnings and files as usual
  --timeout DURATION   stop the runs after DURATION (e.g. 90s, 10m)
  --allow-os           allow Tengo's os module (files, processes) and files
                       anywhere (see Files below)
  --max-memory SIZE    the memory the runs may hold (default: half the
                       machine's); a run over it stops with an error at its
                       line (e.g. 8GiB, 500MB, 50%; 0: no limit)
  --no-figures         draw no figures (learning curves, trace figures of episodes)
  --shard I/N          run only shard I (from 0) of N of the runs: runs I, I+N, ...
                       (auto: I/N of the Slurm array task; auto/N: I from
                       JOB_COMPLETION_INDEX); bohpsh merge then writes the outputs.
                       In a Slurm array task, a run of several runs runs the
                       task's shard by default (said on stderr; needs --out);
                       --shard all runs them all
  --resume             skip the runs whose complete results of the same settings
                       are in the output directory (--shard and --resume need --out)
  --version            print the version
  --help               print this help

Outputs: params.yaml, metrics.csv, summary.yaml and one figure per metric
(<metric>.png, .svg), plus each run's own files in seed-<S>/ (with a sweep:
<key>=<value>/seed-<S>/) with its record run.yaml. Results are identical
whatever --jobs and --shard. A run that fails (one seed's NaN divergence)
does not stop the others: they run to their end and are written, and
summary.yaml lists the failed runs (--resume runs them again); a usage
error stops every run and writes nothing.

The outputs replace the previous ones in the output directory only once
all are written: a run that fails before (a typo, a compile error, a
crash, kill -9) or whose every run fails leaves them as they were; your own files there stay. A
run that read files of the results it replaces (-p checkpoint=... of a
network trained into the same --out) keeps those results, all of them, in
DIR/<script name>/<timestamp>/, which it names; evaluate into another
--out to leave them in place. The directory is locked while a run uses
it: a second run into it is refused, naming the holder (pid, host,
start); the lock of a dead process is taken over. An --out that cannot be
written is refused before any run.

Files: without --allow-os a script reads only under its own folder, the
working directory and the output directory (import, yaml.read, bohp.load,
the REPL's :load), and writes only its run's own files (yaml.write, net.save,
net.diagram, figures: seed-<S>/ of the output directory, written in its
work area .bohpsh/work/ until the outputs are committed; the REPL's is the
working directory); ".." and links leading out are refused.

Exit status: 0 success; 1 script error, timeout, --max-memory exceeded,
output directory in use, merge incomplete; 2 usage error (bad flag,
unknown or ill-typed -p, a parameter outside its constraints or refused by
params.check, e.g. an unknown -p engine; missing or non-text script;
--out cannot be written); 3 internal error (a bug of bohpsh: please
report it); 130 interrupted (Ctrl-C or SIGTERM; what was done is
written, marked interrupted).
A REPL reading a pipe runs every statement and exits 1 if any failed.
`

// printBugReport follows the message of an internal error: its Go stack
// (a panic outside a script's VM), then the request to report it.
func printBugReport(w io.Writer, err error) {
	var ie *interp.InternalError
	if errors.As(err, &ie) {
		fmt.Fprintln(w, ie.Stack)
	}
	fmt.Fprintln(w, "bohpsh: this is a bug of bohpsh, not of the script: please report it (exit status 3)")
}

// cmdFlags are the parsed command line: how to run the scripts (run, less
// the writers), and what else to do.
type cmdFlags struct {
	run     interp.Config
	shard   string // --shard as given (resolved by resolveShard)
	timeout time.Duration
	version bool
	help    bool
	eval    string
	evalSet bool
	files   []string
	memory  memoryFlag
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseFlags parses the command line; extra adds the flags of a
// subcommand (bohpsh slurm).
func parseFlags(args []string, extra ...func(*flag.FlagSet)) (*cmdFlags, error) {
	f, _, err := parseFlagSet(args, extra...)
	return f, err
}

func parseFlagSet(args []string, extra ...func(*flag.FlagSet)) (*cmdFlags, *flag.FlagSet, error) {
	f := &cmdFlags{}
	run := &f.run
	run.Overrides = map[string]string{}
	fs := flag.NewFlagSet("bohpsh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, add := range extra {
		add(fs)
	}
	fs.Func("p", "", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", s)
		}
		if _, dup := run.Overrides[k]; dup {
			return fmt.Errorf("parameter %q given twice", k)
		}
		run.Overrides[k] = v
		return nil
	})
	intFlag(fs, &run.Seed, "seed", 0)
	intFlag(fs, &run.Seeds, "seeds", 1)
	intFlag(fs, &run.Jobs, "jobs", runtime.NumCPU())
	fs.Func("sweep", "", func(s string) error {
		if run.Sweep != nil {
			return errors.New("only one --sweep is supported")
		}
		sw, err := parseSweep(s)
		run.Sweep = sw
		return err
	})
	fs.StringVar(&run.Out, "out", "", "")
	fs.BoolVar(&run.Quiet, "quiet", false, "")
	fs.Func("timeout", "", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a duration with a unit, e.g. 90s, 10m or 1h30m")
		}
		f.timeout = d
		return nil
	})
	fs.BoolVar(&run.AllowOS, "allow-os", false, "")
	fs.BoolVar(&run.NoFigures, "no-figures", false, "")
	fs.Var(&f.memory, "max-memory", "")
	fs.StringVar(&f.shard, "shard", "", "")
	fs.BoolVar(&run.Resume, "resume", false, "")
	fs.BoolVar(&f.version, "version", false, "")
	fs.BoolVar(&f.help, "help", false, "")
	fs.BoolVar(&f.help, "h", false, "")
	fs.Func("e", "", func(s string) error {
		if f.evalSet {
			return errors.New("-e given twice")
		}
		f.eval, f.evalSet = s, true
		return nil
	})
	// Flags may come after file names: parse, take one file, go on.
	for {
		if err := fs.Parse(args); err != nil {
			return nil, nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			f.files = append(f.files, rest[1:]...)
			break
		}
		f.files = append(f.files, rest[0])
		args = rest[1:]
	}
	seedGiven := false
	fs.Visit(func(fl *flag.Flag) { seedGiven = seedGiven || fl.Name == "seed" })
	switch {
	case run.Seeds < 1:
		return nil, nil, &usageError{fmt.Sprintf("--seeds must be >= 1, got %d", run.Seeds)}
	case run.Jobs < 1:
		return nil, nil, &usageError{fmt.Sprintf("--jobs must be >= 1, got %d", run.Jobs)}
	case f.timeout < 0:
		return nil, nil, &usageError{fmt.Sprintf("--timeout must be positive, got %v", f.timeout)}
	case f.evalSet && len(f.files) > 0:
		return nil, nil, &usageError{"give either -e CODE or script files, not both"}
	case (f.shard != "" && f.shard != shardAll || run.Resume) && run.Out == "":
		return nil, nil, &usageError{"--shard and --resume need --out DIR: every shard and every rerun must use the same output directory"}
	}
	if err := run.ResolveReserved(seedGiven); err != nil {
		return nil, nil, &usageError{err.Error()}
	}
	if run.Seed > math.MaxInt64-int64(run.Seeds-1) { // the runs' seeds are seed ... seed+seeds-1
		return nil, nil, &usageError{fmt.Sprintf("--seed %d with --seeds %d: the last seed would be over %d", run.Seed, run.Seeds, int64(math.MaxInt64))}
	}
	if run.Sweep != nil {
		if _, ok := run.Overrides[run.Sweep.Key]; ok {
			return nil, nil, &usageError{fmt.Sprintf("parameter %q is both set with -p and swept with --sweep", run.Sweep.Key)}
		}
	}
	return f, fs, nil
}

// intFlag defines an integer flag whose bad value is named as such (the
// flag package says only "parse error").
func intFlag[T int | int64](fs *flag.FlagSet, p *T, name string, def T) {
	*p = def
	fs.Func(name, "", func(s string) error {
		n, err := strconv.ParseInt(s, 0, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) || err == nil && int64(T(n)) != n:
			return errors.New("out of range")
		case err != nil:
			return errors.New("want an integer")
		}
		*p = T(n)
		return nil
	})
}

// parseSweep parses --sweep key=v1,v2,...
func parseSweep(s string) (*interp.Sweep, error) {
	k, vs, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.TrimSpace(vs) == "" {
		return nil, fmt.Errorf("want key=v1,v2,..., got %q", s)
	}
	sw := &interp.Sweep{Key: k}
	for _, v := range strings.Split(vs, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, fmt.Errorf("empty value in %q", s)
		}
		if slices.Contains(sw.Values, v) {
			return nil, fmt.Errorf("value %q given twice in %q", v, s)
		}
		sw.Values = append(sw.Values, v)
	}
	return sw, sw.Check()
}

// Main is the bohpsh command: args are the arguments without the program
// name. It returns the exit status (ExitOK, ExitError, ExitUsage,
// ExitInternal, ExitInterrupted). The first SIGINT (Ctrl-C) stops the runs,
// which write what they did; a second one exits at once.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return mainCtx(context.Background(), true, args, stdin, stdout, stderr)
}

// MainContext is Main without signal handling: cancelling ctx with cause
// ErrInterrupt acts as Ctrl-C (status 130); any other cancellation stops
// the runs too.
func MainContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return mainCtx(ctx, false, args, stdin, stdout, stderr)
}

// mainCtx runs the command; signals says whether to handle SIGINT and
// SIGTERM.
func mainCtx(parent context.Context, signals bool, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			ie := &interp.InternalError{Value: r, Stack: string(debug.Stack())}
			fmt.Fprintf(stderr, "bohpsh: %v\n", ie)
			printBugReport(stderr, ie)
			code = ExitInternal
		}
	}()
	if len(args) > 0 {
		switch args[0] {
		case "merge":
			return mergeMain(parent, signals, args[1:], stdout, stderr)
		case "slurm":
			return slurmMain(parent, signals, args[1:], stdout, stderr)
		}
	}
	f, err := parseFlags(args)
	notice := ""
	if err == nil {
		f.run.Shard, notice, err = chooseShard(f, os.Getenv)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bohpsh: %v\nRun 'bohpsh --help' for usage.\n", err)
		return ExitUsage
	}
	if f.help {
		io.WriteString(stdout, usageText)
		return ExitOK
	}
	if f.version {
		fmt.Fprintf(stdout, "bohpsh %s (%s, tengo v2.17.0)\n", Version, runtime.Version())
		return ExitOK
	}
	lib.SetMemoryBudget(f.memory.budget())

	// The REPL.
	if !f.evalSet && len(f.files) == 0 {
		if len(f.run.Overrides) > 0 || f.run.Sweep != nil || f.run.Seeds > 1 || f.run.Out != "" || f.shard != "" && f.shard != shardAll {
			fmt.Fprintf(stderr, "bohpsh: -p, --seeds, --sweep, --out and --shard apply to scripts; the REPL takes --seed and --allow-os\n")
			return ExitUsage
		}
		return runREPL(parent, signals, f, stdin, stdout, stderr)
	}

	// Scripts: all must be readable before any runs.
	var sources []*interp.Source
	if f.evalSet {
		sources = append(sources, &interp.Source{Name: interp.EvalName, Text: []byte(f.eval), Dir: ".", Show: true})
	}
	for _, path := range f.files {
		src, err := interp.LoadSource(path)
		if err != nil {
			fmt.Fprintf(stderr, "bohpsh: %v\n", err)
			return ExitUsage
		}
		sources = append(sources, src)
	}

	io.WriteString(stderr, notice)
	ctx, stop := runContext(parent, signals, f.timeout, stderr)
	defer stop()
	cfg := f.run
	cfg.NoOutput = f.evalSet && cfg.Out == ""
	cfg.Progress = isTerminal(stderr)
	cfg.Stdout, cfg.Stderr = stdout, stderr
	for _, src := range sources {
		res := interp.RunScript(ctx, src, cfg)
		if code := report(res, ctx, cfg, stderr); code != ExitOK {
			return code
		}
	}
	return ExitOK
}

// report prints the outcome of a script's runs and returns its exit status.
func report(res *interp.Result, ctx context.Context, cfg interp.Config, stderr io.Writer) int {
	code := ExitOK
	if res.Err != nil {
		// An error with its script position is printed as it is, else
		// after "bohpsh: " (which also introduces the run that failed).
		failure := res.Failure()
		var se *interp.ScriptError
		if !errors.As(res.Err, &se) || failure != res.Err.Error() {
			failure = "bohpsh: " + failure
		}
		fmt.Fprintln(stderr, failure)
		code = ExitError
		var ode *interp.OutputDirError
		switch {
		case lib.IsUsage(res.Err) || errors.As(res.Err, &ode):
			code = ExitUsage
		case interp.IsInternal(res.Err):
			printBugReport(stderr, res.Err)
			code = ExitInternal
		}
	}
	if res.Interrupted && code == ExitOK {
		cause := context.Cause(ctx)
		var te *TimeoutError
		if errors.As(cause, &te) {
			fmt.Fprintf(stderr, "bohpsh: %s: stopped: %v\n", res.Script, te)
			code = ExitError
		} else {
			fmt.Fprintf(stderr, "bohpsh: %s: %v\n", res.Script, cause)
			code = ExitInterrupted
		}
	}
	switch {
	case cfg.Quiet:
	case res.Work != "" && res.Summary != nil:
		sum := res.Summary
		fmt.Fprintf(stderr, "bohpsh: %s: shard %s: %d/%d runs%s in %.1fs; its results are in %s (bohpsh merge %s writes the outputs)\n",
			res.Script, res.Shard, sum.Completed, sum.Runs, runsNote(res), sum.Wall.Seconds(), res.Work, filepath.Dir(filepath.Dir(res.Work)))
	case res.Dir != "":
		sum := res.Summary
		fmt.Fprintf(stderr, "bohpsh: %s: %d/%d runs%s in %.1fs; outputs in %s\n", res.Script, sum.Completed, sum.Runs, runsNote(res), sum.Wall.Seconds(), res.Dir)
		printFinals(sum, stderr)
	}
	return code
}

// printFinals prints each metric's final median and quartiles over the
// completed runs, as summary.yaml has them, and what was left out.
func printFinals(sum *interp.Summary, w io.Writer) {
	for _, g := range sum.Groups {
		label := ""
		if g.Label != "" {
			label = g.Label + " "
		}
		for _, m := range g.Metrics {
			var left []string
			if n := len(m.Unfinished); n > 0 {
				left = append(left, plural(n, "unfinished run"))
			}
			if m.Nonfinite > 0 {
				left = append(left, plural(m.Nonfinite, "NaN or infinite value"))
			}
			note := ""
			if len(left) > 0 {
				note = " (left out: " + strings.Join(left, ", ") + ")"
			}
			switch {
			case m.Finite > 0:
				fmt.Fprintf(w, "  %s%s: final median %s [%s, %s] over %s%s\n", label, m.Name,
					short(m.Median), short(m.Q25), short(m.Q75), plural(m.Finite, "seed"), note)
			case note != "":
				fmt.Fprintf(w, "  %s%s: no final median%s\n", label, m.Name, note)
			}
		}
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func short(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func runREPL(parent context.Context, signals bool, f *cmdFlags, stdin io.Reader, stdout, stderr io.Writer) int {
	interactive := isTerminal(stdin)
	// The interactive REPL handles Ctrl-C itself (it stops the running
	// statement, not the session).
	ctx, stop := runContext(parent, signals && !interactive, f.timeout, stderr)
	defer stop()
	err := repl.Run(ctx, stdin, stdout, stderr, repl.Options{Seed: f.run.Seed, AllowOS: f.run.AllowOS, Interactive: interactive})
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		var te *TimeoutError
		if errors.As(context.Cause(ctx), &te) {
			fmt.Fprintf(stderr, "bohpsh: %v\n", te)
			return ExitError
		}
		return ExitInterrupted
	}
	var fe *repl.FailedError
	if !errors.As(err, &fe) {
		fmt.Fprintf(stderr, "bohpsh: %v\n", err)
	}
	return ExitError
}

// runContext is signalContext, cancelled also after timeout (if > 0) with
// cause *TimeoutError.
func runContext(parent context.Context, handle bool, timeout time.Duration, stderr io.Writer) (context.Context, func()) {
	ctx, stop := signalContext(parent, handle, stderr)
	if timeout <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, &TimeoutError{After: timeout})
	return ctx, func() { cancel(); stop() }
}

// doubleSignal is how soon after the first a signal is the same stop sent
// twice, not a second Ctrl-C: timeout(1) and other supervisors signal the
// command and then its process group, which delivers the signal twice when
// the first was taken before the second came (seen under a heavy load); a
// person's second Ctrl-C comes later.
const doubleSignal = 200 * time.Millisecond

// signalContext returns a cancellable child of parent. With handle set, it
// cancels it with ErrInterrupt on the first SIGINT (ErrTerminated on
// SIGTERM), and a second signal (doubleSignal after it or later) exits at
// once with status 130, saying so on stderr.
func signalContext(parent context.Context, handle bool, stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	if !handle {
		return ctx, func() { cancel(nil) }
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			if s == syscall.SIGTERM {
				cancel(ErrTerminated)
			} else {
				cancel(ErrInterrupt)
			}
		case <-done:
			return
		}
		first := time.Now()
		for {
			select {
			case <-sig:
				if time.Since(first) < doubleSignal {
					continue // the same stop, sent twice (see doubleSignal)
				}
				// Without a word the command seemed to have ended
				// normally, with nothing written.
				fmt.Fprintln(stderr, "bohpsh: interrupted again: exiting at once, without writing what the runs did")
				os.Exit(ExitInterrupted)
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		close(done)
		cancel(nil)
	}
}

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
