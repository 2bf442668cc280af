// Package cli is the bohpsh command-line front end: Main parses the flags
// (see the usage text, bohpsh --help) and runs the scripts one after the
// other through package interp, code given with -e, or the REPL (package
// repl). It owns the exit statuses and signal handling; the work is done
// by interp.
//
// Exit status: 0 success, 1 script error or timeout, 2 usage error (bad
// flag, unknown or ill-typed -p or --sweep value, missing script), 130
// Ctrl-C or SIGTERM.
package cli
