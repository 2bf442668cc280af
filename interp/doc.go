// Package interp runs bohpsh's Tengo scripts. It is a library, the one
// the command-line front end (package cli) and the REPL (package repl) are
// built on, and it owns:
//
//   - compiling and running Tengo code with errors that carry positions:
//     Sources is the one reader of Tengo's positions and ScriptError the
//     one rendering of errors, for scripts and REPL inputs alike;
//   - a run's environment: NewEnv makes every run's lib.Env and module map
//     (the runner's, the REPL's, the script tests') and reserves the seed
//     parameter (SeedParam; nothing else gives "seed" a meaning);
//   - running a script over seeds and sweep values (RunScript), the one
//     summary of those runs (Summary) and the outputs that read it.
//
// It imports stdlib (the modules) and internal (atomic files, figures,
// statistics), never cli or repl (internal/layering checks).
//
// # Running a script
//
// Compile and Program.Run run one script once. File imports are enabled
// and relative to the importing file (import("./helpers") loads
// helpers.tengo next to it), read through the run's file sandbox
// (lib.Env.ReadPath: imports are reads). Module objects are embedded in the
// compiled bytecode, so a Program is never shared between runs.
//
// Every source Tengo compiles (a script, a REPL input, an imported file, a
// module written in Tengo) is first rewritten by Sources.Prepare (see
// rewrite.go): index assignments, + and the builtins append and splice go
// through guards (guard.go) that refuse to make a value contain itself,
// which Tengo's recursive printing, == and copy would turn into a fatal Go
// stack overflow, and the other walks of values check for one (or for
// nesting deeper than lib.MaxDepth) first. Errors keep the positions of the
// original text. CompileContext stops waiting for a compile on Ctrl-C or
// --timeout; a run's context is also cancelled by the memory budget's
// watchdog (lib.WatchMemory), which is a runtime error at the line running.
//
// Every error is a *ScriptError that renders as
//
//	file.tengo:LINE:COL: message
//	    the offending source line
//	    ^
//	  called from main.tengo:LINE:COL
//
// for syntax and compile errors, runtime errors (also inside an imported
// file: the position is in that file, followed by its callers), Go panics
// inside the VM or a module (recovered; Tengo's integer division by zero is
// one: "integer division by zero"), and cancellation ("interrupted: ...").
// Errors from modules keep their type (errors.As reaches a *lib.UsageError,
// which makes the command exit with status 2).
//
// # Multi-seed runs and outputs
//
// RunScript runs a script once per (sweep value, seed), Config.Jobs at a
// time. Each run has its own lib.Env (seed, parameters, metrics, output
// writer, output directory), module map and random stream, so results are
// bit-identical whatever Jobs. The scripts' prints are forwarded in run
// order (the first unfinished run writes through, later ones are buffered),
// each line prefixed with "[seed S] " (or "[key=value seed S] ") when there
// are several runs. A run's error (a NaN divergence, a runtime error only
// its seed meets) stops no other run: they all run to their end and are
// committed, so which runs complete, and so the outputs, do not depend on
// which run failed first in time. The error reported is the first in
// output order (a Go panic, a bug of bohpsh, before the others); the
// command and summary.yaml name its run and the other runs that failed
// (Result.Failure), with one run as with several, and summary.yaml lists
// every failed run (Summary.Failed). Two errors stop
// every run: a usage error (a -p or --sweep value the script refuses),
// which is then the error reported whatever else failed, and after which
// nothing is committed; and the memory budget's (a run stopped by
// --max-memory: the process's heap, which the next runs would meet too).
//
// Outputs go to DIR/<script name>/ with --out DIR, else to
// runs/<script name>/<timestamp>/ (code given with -e writes nothing
// without --out). A script that records no metric (an analysis of
// checkpoints) writes no metrics.csv and no summary.yaml, unless a run
// failed or was interrupted:
//
//	params.yaml   script, seeds, sweep, and the resolved parameters (docs as comments)
//	metrics.csv   seed,[<sweep key>,]episode,metric,value: one row per seed,
//	              sweep value, episode and metric, in that order; floats in
//	              shortest exact form
//	summary.yaml  runs, completed_runs, failed (each failed run and its error's
//	              first line), missing, interrupted, error, wall_seconds,
//	              episodes, episodes_per_second, final_episodes, and per metric
//	              metrics.<name>.final.{median,q25,q75,per_seed}: per_seed maps each
//	              completed run's seed to its final value (the mean over its final
//	              episodes, metrics.final_last / final_from); median and quartiles
//	              (type 7) are over the finite ones (nonfinite counts the others);
//	              unfinished lists the runs that did not complete, left out. With
//	              --sweep, the metrics blocks are in sweep.results[i].metrics,
//	              one per value (sweep.results[i].value).
//	<metric>.png, <metric>.svg   learning curves: median over seeds and
//	              interquartile band per episode index (package figures), titled
//	              with the script, the metric and the seeds; the unfinished runs
//	              are a series of their own. The file name is lib.MetricFile
//	              (/ \ : become _); metrics.record refuses a metric whose file
//	              is another's of the run (also in another case), and of two
//	              metrics of different runs that share one, the second is
//	              drawn in <file>-2.png (or -3, ...), with a warning
//	seed-<S>/, <key>=<value>/seed-<S>/   each run's own files (lib.Env.OutDir:
//	              yaml.write, checkpoints, network.record's trace figures: the
//	              tasks module draws trace.png/.svg), created when first written,
//	              and its record: run.yaml (RunFile: settings, status, times,
//	              parameters, the SHA-256 of its metrics.csv, the files it
//	              read: lib.Env.Reads) and its rows of
//	              metrics.csv; the two are not fsynced, the checksum tells a
//	              pair torn by a machine crash; the files the script wrote are
//	              synced, all at once, when the run ends, before its record
//
// summary.yaml lists the runs without results (missing: stopped before they
// started by Ctrl-C, --timeout, a usage error or the memory budget, or of a
// shard that did not run). summary.yaml, the figures and the command's
// closing lines all read one Summary, computed once, so they treat
// unfinished runs alike.
//
// Every file is written atomically (package atomicfile; WriteFileAtomic).
// On Ctrl-C or --timeout the runs stop between two instructions (native
// calls poll lib.Env.Ctx), and what was recorded is written with
// interrupted: true (nothing, when no run had recorded anything yet, as
// while compiling: the previous outputs stay), keeping the results it
// replaces (see below).
//
// # The output directory protocol
//
// An output directory is locked while a run or a merge uses it (package
// lockfile: a second one gets a *BusyError naming the holder; a dead
// holder's lock is taken over). The runs write into its work area
// (.bohpsh/work); the outputs are assembled apart and committed with a
// journal, replacing the previous run's entries (listed in a manifest) and
// only them, so that a run that fails before it has outputs, or whose every
// run fails, leaves the previous ones as they were, and a commit cut short
// is finished by the next process. A run whose runs read files of the
// results it replaces (a checkpoint of the previous run) keeps those
// results, all of them, in D/<timestamp>/ instead (Result.Kept, a notice on
// stderr; keptReads), and so do incomplete outputs (interrupted, runs failed
// or missing) unless the results they replace are of the same plan and each
// of their runs is complete in them, or at least as far on (lacksPrevious).
// An unwritable directory is an *OutputDirError before any run. outdir.go
// describes the files.
//
// # Shards, merging, resuming
//
// A Plan is what a run computes: script (and its SHA-256), seeds, sweep,
// -p settings, number of shards. Config.Shard runs shard I of N (runs I,
// I+N, ... of the output order, Plan.ShardRuns) into the shared work area,
// which every shard checks holds the same plan; a shard writes its runs'
// records and its status (shard-I.yaml), never the outputs. Merge reads the
// records back into a Result (the same Runs, Summary and output writers as
// a run's: metrics.csv comes out byte for byte as a local run writes it),
// reports each shard (ShardReport) and commits the outputs, partial ones
// too. Config.Resume reads back the runs whose record says completed with
// the same settings, from the work area or from the committed outputs,
// instead of running them again. Both refuse a record (or a plan) holding
// metric names (or sweep values) that a run refuses now, written by an
// older bohpsh or edited: it would break metrics.csv or give two figures
// one file. SetUpSweep prepares the work area before shards are submitted
// (bohpsh slurm).
package interp
