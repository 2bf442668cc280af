// Package cli is the bohpsh command-line front end: Main parses the flags
// (see the usage text, bohpsh --help) and runs the scripts one after the
// other through package interp, code given with -e, or the REPL (package
// repl). It owns the flags, the exit statuses, signal handling and
// --timeout, and what the command prints around the runs (failures, the
// closing lines from interp.Summary); the work is done by interp. It
// imports interp, repl and stdlib/lib (usage errors), nothing below them
// that does work.
//
// Two subcommands run sweeps on a cluster (docs/cluster.md): bohpsh merge
// (interp.Merge over an output directory, reporting the shards that did
// not complete) and bohpsh slurm (writes the batch scripts of a job array
// of shards and of a merge job that depends on it with afterany, submits
// them with sbatch, and with --wait follows the merge with scontrol). The
// environment is read here only: --shard auto resolves the Slurm array task
// or the Kubernetes completion index into an interp.Shard, and inside a
// Slurm array task a run of several runs gets the task's shard by default
// (chooseShard; --shard all opts out).
//
// Exit status: 0 success; 1 script error (of one run or more: the
// others run to their end), timeout or memory budget exceeded (or: the
// output directory is in use, a merge lacks runs); 2 usage error (bad
// flag, unknown or ill-typed -p or --sweep value, a parameter outside its
// constraints, a failed params.check, missing or binary script, an --out
// that cannot be written); 3 internal error (a Go panic that is a bug of
// bohpsh: Main recovers it); 130 Ctrl-C or SIGTERM.
// A REPL session reading a pipe runs every statement (an error is printed
// and the session goes on) and exits 1 if any failed. --max-memory sets
// the process's memory budget (lib.SetMemoryBudget).
package cli
