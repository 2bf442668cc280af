// Package cli is the bohpsh command-line front end: Main parses the flags
// (see the usage text, bohpsh --help) and runs the scripts one after the
// other through package interp, code given with -e, or the REPL (package
// repl). It owns the flags, the exit statuses, signal handling and
// --timeout, and what the command prints around the runs (failures, the
// closing lines from interp.Summary); the work is done by interp. It
// imports interp, repl and stdlib/lib (usage errors), nothing below them
// that does work.
//
// Exit status: 0 success, 1 script error or timeout, 2 usage error (bad
// flag, unknown or ill-typed -p or --sweep value, missing script, a
// failed params.check), 130 Ctrl-C or SIGTERM. A REPL session reading a
// pipe runs every statement (an error is printed and the session goes on)
// and exits 1 if any failed.
package cli
