package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
	Err        error // nil, a *ScriptError, or another error
	Wall       time.Duration
}

// Completed reports whether the run finished without error.
func (r *Run) Completed() bool { return r.Started && r.Err == nil }

// Result is the outcome of running a script.
type Result struct {
	Script      string // the script's name (file name without .tengo)
	Dir         string // the output directory ("" when none was written)
	Runs        []*Run // in output order
	Interrupted bool   // the context was cancelled (Ctrl-C, --timeout)
	Err         error  // the first error of a run in output order (not interruptions), or an output error
	Wall        time.Duration
	Summary     *Summary // computed once the runs have ended
}

// ScriptName is the name of a script for output directories: the file
// name without directory and .tengo extension.
func ScriptName(src *Source) string {
	if src.Name == EvalName {
		return "eval"
	}
	base := filepath.Base(src.Name)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// EvalName is the source name of code given with -e.
const EvalName = "(eval)"

// RunScript runs src once per sweep value and seed, cfg.Jobs at a time,
// and writes the outputs (params.yaml, metrics.csv, summary.yaml, figures)
// into the output directory. Results do not depend on cfg.Jobs: every run
// has its own module map, environment and random stream, and outputs are
// ordered by (sweep value, seed). The first run error (by that order)
// cancels the other runs. When ctx is cancelled, the runs stop and what was
// recorded so far is written, marked interrupted.
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
	res := &Result{Script: ScriptName(src)}
	dir, err := outputDir(src, cfg)
	if err == nil && dir != "" {
		err = clearStaleOutputs(dir)
	}
	if err != nil {
		res.Err = err
		return res
	}

	// The runs, in output order.
	values := []string{""}
	if cfg.Sweep != nil {
		values = cfg.Sweep.Values
	}
	for si, v := range values {
		for k := 0; k < cfg.Seeds; k++ {
			r := &Run{Index: len(res.Runs), SweepIndex: si, SweepValue: v, Seed: cfg.Seed + int64(k)}
			res.Runs = append(res.Runs, r)
		}
	}
	multi := len(res.Runs) > 1
	// Cores the parallel runs leave idle go to their episodes.
	workers := max(1, runtime.GOMAXPROCS(0)/min(cfg.Jobs, len(res.Runs)))

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var prog *progress
	if cfg.Progress && !cfg.Quiet {
		prog = newProgress(cfg.Stderr, res.Runs)
	}
	out := newOrderedOutput(cfg.Stdout, len(res.Runs), prog)
	for _, r := range res.Runs {
		overrides := make(map[string]string, len(cfg.Overrides)+1)
		for k, v := range cfg.Overrides {
			overrides[k] = v
		}
		prefix := ""
		if cfg.Sweep != nil {
			overrides[cfg.Sweep.Key] = r.SweepValue
			prefix = cfg.Sweep.Key + "=" + r.SweepValue + " "
		}
		runDir := ""
		if dir != "" {
			runDir = filepath.Join(dir, fmt.Sprintf("seed-%d", r.Seed))
			if cfg.Sweep != nil {
				runDir = filepath.Join(dir, safeName(cfg.Sweep.Key+"="+r.SweepValue), fmt.Sprintf("seed-%d", r.Seed))
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
			ScriptDir: src.Dir,
			AllowOS:   cfg.AllowOS,
			Quiet:     cfg.Quiet,
			NoFigures: cfg.NoFigures,
			Workers:   workers,
			Extra:     cfg.Extra,
		})
	}

	start := time.Now()
	if prog != nil {
		prog.start(start)
	}
	next := make(chan *Run)
	go func() {
		defer close(next)
		for _, r := range res.Runs {
			select {
			case next <- r:
			case <-runCtx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for j := 0; j < min(cfg.Jobs, len(res.Runs)); j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				if runCtx.Err() != nil {
					out.finish(r.Index)
					continue
				}
				t0 := time.Now()
				r.Started = true
				r.Err = runOnce(runCtx, src, r)
				r.Wall = time.Since(t0)
				out.finish(r.Index)
				if prog != nil {
					prog.runDone()
				}
				if r.Err != nil && !isInterruption(r.Err) {
					cancel(errRunFailed)
				}
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
	for _, r := range res.Runs {
		if r.Err != nil && !isInterruption(r.Err) {
			res.Err = r.Err
			break
		}
	}
	res.Summary = summarize(res, cfg)
	if dir == "" || !anyRecorded(res) && res.Err != nil {
		// Nothing ran (a compile or usage error): write no outputs.
		return res
	}
	if res.Err != nil && (lib.IsUsage(res.Err) || isCompileError(res.Err)) {
		return res
	}
	res.Dir = dir
	if err := writeOutputs(res, src, cfg); err != nil && res.Err == nil {
		res.Err = err
	}
	if !cfg.NoFigures {
		for _, w := range writeFigures(res) {
			fmt.Fprintf(cfg.Stderr, "bohpsh: warning: %v\n", w)
		}
	}
	return res
}

var errRunFailed = errors.New("another run failed")

func isInterruption(err error) bool {
	var se *ScriptError
	return errors.As(err, &se) && se.Kind == Interrupted
}

func isCompileError(err error) bool {
	var se *ScriptError
	return errors.As(err, &se) && se.Kind == CompileError
}

func anyRecorded(res *Result) bool {
	for _, r := range res.Runs {
		if r.Started && (len(r.Env.Metrics.Series()) > 0 || r.Env.Params.IsDeclared) {
			return true
		}
	}
	return false
}

// runOnce compiles src with the run's module map and runs it.
func runOnce(ctx context.Context, src *Source, r *Run) error {
	env := r.Env
	prog, err := Compile(src, r.modules)
	r.modules = nil // the program holds what it uses
	if err != nil {
		return err
	}
	if err := prog.Run(ctx); err != nil {
		return err
	}
	if v := prog.Value(); v != nil && !env.Quiet {
		fmt.Fprintln(env.Out, lib.Format(v))
	}
	// An override the script never declared (it did not call
	// params.declare) is a usage error too.
	if !env.Params.IsDeclared && len(env.Params.Overrides) > 0 {
		var keys []string
		for k := range env.Params.Overrides {
			keys = append(keys, k)
		}
		return &lib.UsageError{Err: fmt.Errorf("%s: parameters %v were given, but the script declares no parameters (params.declare)", src.Name, sortedStrings(keys))}
	}
	return nil
}

// clearStaleOutputs removes what an earlier run wrote into dir (a reused
// --out): the per-run directories (seed-<S>, <key>=<value>) and the run's
// summary files, so that no stale seed is mistaken for this run's. Other
// files (figures included: this run overwrites its own) are left alone.
func clearStaleOutputs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		stale := e.IsDir() && (strings.HasPrefix(name, "seed-") || strings.Contains(name, "="))
		stale = stale || (!e.IsDir() && (name == "params.yaml" || name == "metrics.csv" || name == "summary.yaml"))
		if stale {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("clearing the earlier outputs in %s: %w", dir, err)
			}
		}
	}
	return nil
}

// outputDir chooses (but does not create) the output directory.
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
	base := filepath.Join("runs", name, now().Format("20060102-150405"))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return dir, nil
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// safeName makes a string usable as a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == 0 || r == ':' || r < ' ':
			return '_'
		}
		return r
	}, s)
}
