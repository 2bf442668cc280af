package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// WriteFileAtomic writes data to path atomically (temporary file in the
// same directory, then rename), creating missing directories. See package
// atomicfile, which modules use directly.
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// Sweep is a --sweep key=v1,v2,...: one set of runs per value.
type Sweep struct {
	Key    string
	Values []string // as typed; each is typed by the parameter's default
}

// Config says how to run one script: which runs, where outputs go.
type Config struct {
	Overrides map[string]string // -p key=value
	Seed      int64             // first seed
	Seeds     int               // number of seeds (>= 1): Seed .. Seed+Seeds-1
	Sweep     *Sweep            // nil: no sweep
	Jobs      int               // parallel runs (>= 1)
	Out       string            // --out DIR: outputs in DIR/<script name>/; "": runs/<script name>/<timestamp>/
	NoOutput  bool              // write no files at all (bohpsh -e without --out)
	Quiet     bool              // suppress the script's prints and the progress bar
	AllowOS   bool              // allow Tengo's os module
	Progress  bool              // draw a progress bar on Stderr (a terminal)
	NoFigures bool              // skip the figures: learning curves, and the trace figures scripts ask for (network.record)
	Shard     Shard             // run only this shard of the runs (the zero Shard: all); needs Out
	Resume    bool              // skip the runs whose complete results of the same settings are found in the output directory
	Stdout    io.Writer         // the scripts' prints
	Stderr    io.Writer         // progress and warnings
	// Extra modules added to every run after the standard ones (tests).
	Extra []*lib.Module
	// Now gives the time for the default output directory's timestamp
	// (nil: time.Now).
	Now func() time.Time
}

// Run is one run of a script: one seed, one sweep value.
type Run struct {
	Index      int    // position in the output order (sweep value, then seed)
	SweepIndex int    // index into Sweep.Values (0 without sweep)
	SweepValue string // "" without sweep
	Seed       int64
	Env        *lib.Env
	modules    *tengo.ModuleMap // Env's modules, until the run compiles
	Started    bool
	Resumed    bool  // its results were found complete (--resume): it did not run again
	Err        error // nil, a *ScriptError, or another error
	Wall       time.Duration
}

func (r *Run) id() RunID {
	return RunID{Index: r.Index, SweepIndex: r.SweepIndex, SweepValue: r.SweepValue, Seed: r.Seed}
}

// Completed reports whether the run finished without error.
func (r *Run) Completed() bool { return r.Started && r.Err == nil }

// Failed reports whether the run ended with an error of its own, not an
// interruption.
func (r *Run) Failed() bool { return r.Started && r.Err != nil && !isInterruption(r.Err) }

// Result is the outcome of running a script.
type Result struct {
	Script      string // the script's name (file name without .tengo)
	Dir         string // the output directory ("" when no outputs were written into it)
	Kept        string // where the results it replaced were kept, because its runs read them or it is incomplete ("": removed, or none)
	Work        string // the work area a shard wrote its runs into ("" unless sharded)
	Plan        *Plan
	Shard       Shard
	Shards      []ShardReport // of a merge: how each shard ended
	Runs        []*Run        // in output order (a shard's: its own runs)
	Resumed     int           // runs whose results were found complete (--resume)
	Unresumed   Unresumed     // complete runs of other settings that --resume found and ran again
	Interrupted bool          // the context was cancelled (Ctrl-C, --timeout)
	Err         error         // the first usage error of a run in output order, else its first Go panic, else its first other error (not interruptions), or an output error
	Wall        time.Duration
	Summary     *Summary // computed once the runs have ended
}

// Failure is res.Err as the command and summary.yaml report it, the same
// whatever the number of runs: the error of a run is introduced by the run
// ("task failed in the run with seed 2:", then the error with its script
// position), and the other runs that failed are named after it ("(and in
// 2 other runs: seed 5, seed 7)"); a usage or compile error, which every
// run would meet, is given alone, as are errors of no run. "" when res.Err
// is nil.
func (res *Result) Failure() string {
	if res.Err == nil {
		return ""
	}
	if res.Plan == nil || everyRunMeets(res.Err) {
		return res.Err.Error()
	}
	var first *Run
	var others []string
	for _, r := range res.Runs {
		switch {
		case r.Err == res.Err && first == nil:
			first = r
		case r.Failed():
			others = append(others, res.Plan.RunName(r.id()))
		}
	}
	if first == nil {
		return res.Err.Error() // not a run's (an output error)
	}
	also := ""
	if len(others) > 0 {
		also = fmt.Sprintf(" (and in %s: %s)", plural(len(others), "other run"), nameList(others, 5))
	}
	return fmt.Sprintf("%s failed in the run with %s%s:\n%v", res.Script, res.Plan.RunName(first.id()), also, res.Err)
}

// nameList joins names with commas, the first n of them (then "...").
func nameList(names []string, n int) string {
	if len(names) > n {
		return strings.Join(names[:n], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}

// ScriptName is the name of a script for output directories: the file
// name without directory and .tengo extension. A name that would then be
// "", "." or ".." (.tengo, ...tengo) keeps its extension: the output
// directory DIR/<script name> must not be --out DIR itself or its parent.
func ScriptName(src *Source) string {
	if src.Name == EvalName {
		return "eval"
	}
	base := filepath.Base(src.Name)
	switch name := strings.TrimSuffix(base, filepath.Ext(base)); name {
	case "", ".", "..":
		return base
	default:
		return name
	}
}

// EvalName is the source name of code given with -e.
const EvalName = "(eval)"

// RunScript runs src once per sweep value and seed (cfg.Shard: only that
// shard's runs), cfg.Jobs at a time, and writes the outputs (params.yaml,
// metrics.csv, summary.yaml, figures) into the output directory. Results do
// not depend on cfg.Jobs or on the sharding: every run has its own module
// map, environment and random stream, and outputs are ordered by (sweep
// value, seed). A run's error stops no other run: the others run to their
// end and are committed, whatever the timing, and the first error in output
// order is the one reported (a Go panic, a bug of bohpsh, before the others;
// Result.Failure names the other failed runs). A usage error stops them all
// and is the one reported: nothing is committed then. Going over the memory
// budget (--max-memory: the process's) stops them all too, those running and
// those not started, but what the runs recorded is committed, as after a
// run's error. When ctx is cancelled, the runs stop and what was recorded so
// far is written, marked interrupted (nothing, when no run had recorded
// anything yet: the previous outputs stay).
//
// The output directory is locked for the run; the runs write into its work
// area, and the outputs replace the previous ones only once written (see
// the output directory protocol in outdir.go): a run that fails before
// (a usage or compile error, a crash) leaves them as they were. A shard
// writes only its runs' files and its status; Merge writes the outputs.
func RunScript(ctx context.Context, src *Source, cfg Config) *Result {
	if cfg.Seeds < 1 {
		cfg.Seeds = 1
	}
	if cfg.Jobs < 1 {
		cfg.Jobs = 1
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	plan := NewPlan(src, cfg)
	res := &Result{Script: ScriptName(src), Plan: plan, Shard: cfg.Shard}
	if cfg.Sweep != nil {
		if err := cfg.Sweep.Check(); err != nil {
			res.Err = &lib.UsageError{Err: fmt.Errorf("--sweep: %v", err)}
			return res
		}
	}
	dir, err := outputDir(src, cfg)
	var work *workArea
	if err == nil && dir != "" {
		work, err = openWork(ctx, dir, plan, cfg.Shard, cfg.Resume)
	}
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		res.Interrupted = true // while waiting for the output directory: nothing ran
		return res
	}
	if err != nil {
		res.Err = err
		return res
	}
	if work != nil {
		defer work.close()
		if cfg.Shard.Count > 0 {
			res.Work = work.dir
		}
		res.Unresumed = work.unresumed
		if u := work.unresumed; u.Runs > 0 {
			fmt.Fprintf(cfg.Stderr, "bohpsh: warning: %s: %s\n", res.Script, u.Warning(dir, "run"))
		}
	}

	// The runs, in output order; with --resume, those found complete are
	// read back instead.
	for _, id := range plan.ShardRuns(cfg.Shard) {
		if work != nil && work.resumed[id] {
			r, _, ok, err := loadRun(work.runDir(id), plan, id)
			if err != nil {
				res.Err = err
				return res
			}
			if ok {
				r.Index, r.Resumed = len(res.Runs), true
				res.Runs = append(res.Runs, r)
				res.Resumed++
				continue
			}
		}
		res.Runs = append(res.Runs, &Run{Index: len(res.Runs), SweepIndex: id.SweepIndex, SweepValue: id.SweepValue, Seed: id.Seed})
	}
	todo := 0
	for _, r := range res.Runs {
		if !r.Resumed {
			todo++
		}
	}
	multi := len(res.Runs) > 1
	// Cores the parallel runs leave idle go to their episodes.
	workers := max(1, runtime.GOMAXPROCS(0)/min(cfg.Jobs, max(todo, 1)))

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var prog *progress
	if cfg.Progress && !cfg.Quiet {
		prog = newProgress(cfg.Stderr, res.Runs)
		prog.done = res.Resumed
	}
	out := newOrderedOutput(cfg.Stdout, len(res.Runs), prog)
	// A run's error does not stop the other runs (a seed that diverges
	// leaves the others to complete), so which runs complete, and so the
	// outputs, do not depend on which run failed first in time. Two
	// errors stop them all: a usage error (a -p or --sweep value the
	// script refuses), after which nothing is committed and the others
	// would train for nothing, and the memory budget's, which is the
	// process's heap (the watchdog stops every running run) and would
	// stop the next runs as well.
	stopAllOn := func(r *Run) {
		switch {
		case !r.Failed():
		case lib.IsUsage(r.Err):
			cancel(errUsageElsewhere)
		case isMemoryError(r.Err):
			cancel(errMemoryElsewhere)
		}
	}
	for _, r := range res.Runs {
		if r.Resumed {
			continue
		}
		overrides := make(map[string]string, len(cfg.Overrides)+1)
		for k, v := range cfg.Overrides {
			overrides[k] = v
		}
		prefix := ""
		if cfg.Sweep != nil {
			overrides[cfg.Sweep.Key] = r.SweepValue
			prefix = cfg.Sweep.Key + "=" + r.SweepValue + " "
		}
		runDir, runName, outRoot := "", "", cfg.Out
		if work != nil {
			runDir, runName = work.runDir(r.id()), filepath.Join(work.d, plan.RunDir(r.id()))
			if outRoot == "" {
				outRoot = work.d
			}
		}
		w := out.writer(r.Index, "")
		if multi {
			w = out.writer(r.Index, fmt.Sprintf("[%sseed %d] ", prefix, r.Seed))
		}
		r.Env, r.modules = NewEnv(EnvConfig{
			Ctx:       runCtx,
			Seed:      r.Seed,
			Overrides: overrides,
			Out:       w,
			OutDir:    runDir,
			OutName:   runName,
			OutRoot:   outRoot,
			ScriptDir: src.Dir,
			AllowOS:   cfg.AllowOS,
			Quiet:     cfg.Quiet,
			NoFigures: cfg.NoFigures,
			Workers:   workers,
			Extra:     cfg.Extra,
		})
		if work != nil {
			// Synced at once when the run ends, before its record (saveRun).
			r.Env.Unsynced = &atomicfile.Group{}
		}
	}

	start := time.Now()
	if prog != nil {
		prog.start(start)
	}
	next := make(chan *Run)
	go func() {
		defer close(next)
		for _, r := range res.Runs {
			if r.Resumed {
				out.finish(r.Index)
				continue
			}
			select {
			case next <- r:
			case <-runCtx.Done():
				return
			}
		}
	}()
	saveErrs := make([]error, len(res.Runs))
	var wg sync.WaitGroup
	for j := 0; j < min(cfg.Jobs, max(todo, 1)); j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				if r.Env.Ctx.Err() != nil {
					out.finish(r.Index)
					continue
				}
				t0 := time.Now()
				r.Started = true
				r.Err = runOnce(r.Env.Ctx, src, r)
				r.Wall = time.Since(t0)
				if work != nil {
					saveErrs[r.Index] = saveRun(work.runDir(r.id()), plan, r, runTimes{Started: t0, Finished: time.Now(), Jobs: cfg.Jobs})
				}
				out.finish(r.Index)
				if prog != nil {
					prog.runDone(r)
				}
				stopAllOn(r)
			}
		}()
	}
	wg.Wait()
	out.finishAll()
	res.Wall = time.Since(start)
	if prog != nil {
		prog.stop()
	}

	res.Interrupted = ctx.Err() != nil
	res.Err = firstFailure(res.Runs)
	if res.Err == nil {
		res.Err = errors.Join(saveErrs...)
	}
	res.Summary = summarize(res, cfg)
	if work == nil {
		return res
	}
	if cfg.Shard.Count > 0 {
		if err := work.finishShard(res); err != nil && res.Err == nil {
			res.Err = err
		}
		return res
	}
	if keepsPrevious(res) {
		// A default output directory this run created is left empty: it
		// goes.
		work.discard(res)
		if cfg.Out == "" {
			work.close()
			removeEmptyOutputDir(dir)
		}
		return res
	}
	err = work.dlock.Held()
	if err == nil {
		err = commitOutputs(dir, work.dir, res, src, cfg, cfg.Stderr)
	}
	if err != nil && res.Err == nil {
		res.Err = err
	}
	return res
}

var (
	errUsageElsewhere  = errors.New("another run met a usage error")
	errMemoryElsewhere = errors.New("another run went over the memory budget (--max-memory)")
)

// firstFailure is the error a script's runs report: the first usage error
// in output order if a run met one (nothing is committed then, whichever
// run failed first in time), else the first Go panic (a bug of bohpsh,
// which the command reports as one, exit status 3, whatever else
// failed), else the first other error in output order; nil when none
// failed but by interruption.
func firstFailure(runs []*Run) error {
	var first, internal error
	for _, r := range runs {
		switch {
		case !r.Failed():
		case lib.IsUsage(r.Err):
			return r.Err
		case IsInternal(r.Err):
			if internal == nil {
				internal = r.Err
			}
		case first == nil:
			first = r.Err
		}
	}
	if internal != nil {
		return internal
	}
	return first
}

func isMemoryError(err error) bool {
	var me *lib.MemoryError
	return errors.As(err, &me)
}

func isInterruption(err error) bool {
	var se *ScriptError
	return errors.As(err, &se) && se.Kind == Interrupted
}

// everyRunMeets reports whether err is not one run's but one that every
// run meets: a usage error (a -p or --sweep value the script refuses) or a
// compile error. It is reported without naming a run, and nothing is
// committed.
func everyRunMeets(err error) bool {
	var se *ScriptError
	return lib.IsUsage(err) || errors.As(err, &se) && se.Kind == CompileError
}

// keepsPrevious says that the outputs of res are not committed, so that
// the earlier outputs stay: nothing ran (a compile or usage error, which
// every run meets; Ctrl-C or --timeout while compiling), or every run
// failed (a checkpoint path mistyped in -p). Runs stopped by an
// interruption after recording something are written, marked interrupted
// (keeping the results they replace: lacksPrevious).
func keepsPrevious(res *Result) bool {
	switch {
	case res.Err == nil:
		return res.Interrupted && !anyRecorded(res) && res.Summary.Completed == 0
	case everyRunMeets(res.Err):
		return true
	default:
		return !anyRecorded(res) || res.Summary.Completed == 0 && !res.Interrupted
	}
}

func anyRecorded(res *Result) bool {
	for _, r := range res.Runs {
		if r.Started && (len(r.Env.Metrics.Series()) > 0 || r.Env.Params.IsDeclared) {
			return true
		}
	}
	return false
}

// runOnce compiles src with the run's module map and runs it. A Go panic
// outside the script's VM (which recovers its own) is an *InternalError of
// this run, so that the other runs' results are still written.
func runOnce(ctx context.Context, src *Source, r *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &InternalError{Value: p, Stack: string(debug.Stack())}
		}
	}()
	env := r.Env
	// The run's own context, which the memory budget's watchdog cancels.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	env.Ctx = ctx
	defer lib.WatchMemory(cancel)()
	prog, err := CompileContext(ctx, src, env, r.modules)
	r.modules = nil // the program holds what it uses
	if err != nil {
		return err
	}
	if err := prog.Run(ctx); err != nil {
		return err
	}
	// An override the script never declared (it did not call
	// params.declare) is a usage error too, before -e's value is printed.
	if !env.Params.IsDeclared && len(env.Params.Overrides) > 0 {
		var keys []string
		for k := range env.Params.Overrides {
			keys = append(keys, k)
		}
		given := "parameter " + keys[0] + " was given"
		if len(keys) > 1 {
			given = "parameters " + strings.Join(sortedStrings(keys), ", ") + " were given"
		}
		return &lib.UsageError{Err: fmt.Errorf("%s: %s (-p or --sweep), but the script declares no parameters (params.declare)", src.Name, given)}
	}
	if v := prog.Value(); v != nil && !env.Quiet {
		fmt.Fprintln(env.Out, lib.Format(v))
	}
	return nil
}

// Check refuses a sweep whose key or values the outputs cannot hold (see
// lib.CheckName), or two of whose values would share one run directory
// (<key>=<value>, lib.FileName): one would overwrite the other.
func (s *Sweep) Check() error {
	if err := lib.CheckName("key", s.Key); err != nil {
		return err
	}
	dirs := map[string]string{} // FileKey of a run directory -> its value
	for _, v := range s.Values {
		if err := lib.CheckName("value", v); err != nil {
			return err
		}
		dir := lib.FileName(s.Key + "=" + v)
		if o, taken := dirs[lib.FileKey(dir)]; taken {
			od := lib.FileName(s.Key + "=" + o)
			return fmt.Errorf("values %q and %q would share one run directory, %s%s: give one of them otherwise", o, v, od, lib.SameFileNote(od, dir))
		}
		dirs[lib.FileKey(dir)] = v
	}
	return nil
}

// removeEmptyOutputDir removes dir, a directory outputDir created, when
// nothing but its empty control directory is in it.
func removeEmptyOutputDir(dir string) {
	os.Remove(filepath.Join(dir, controlDir)) // only if empty, as dir
	os.Remove(dir)
}

// dirTimeLayout names a directory after a time: a run's output directory
// without --out (runs/<script name>/<time>), and the one that keeps the
// results a run replaced while reading them (keptName).
const dirTimeLayout = "20060102-150405"

// outputDir chooses the output directory: --out DIR/<script name>, else
// a new directory runs/<script name>/<time>, which it creates.
func outputDir(src *Source, cfg Config) (string, error) {
	if cfg.NoOutput {
		return "", nil
	}
	name := ScriptName(src)
	if cfg.Out != "" {
		return filepath.Join(cfg.Out, name), nil
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	base := filepath.Join("runs", name, now().Format(dirTimeLayout))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", &OutputDirError{Dir: base, Err: unwrapPath(err)}
	}
	// Created here, so that runs started in the same second each get
	// one: of two that found the same name free, the second would find
	// it in use, or replace the first's results once it had ended.
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		switch {
		case err == nil:
			return dir, nil
		case !errors.Is(err, fs.ErrExist):
			return "", &OutputDirError{Dir: dir, Err: unwrapPath(err)}
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}
