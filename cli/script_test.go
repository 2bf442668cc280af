package cli_test

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/bohpsh/bohpsh/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the bohpsh command inside scripts
// (testscript re-executes it under the name "bohpsh"), so the CLI cases
// below run the real command: flags, exit codes, files on disk, signals.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bohpsh": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		// bohpsh whose standard output panics when written: a stand-in
		// for a bug, to check how internal errors are reported.
		"bohpsh-buggy-stdout": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, panicWriter{}, os.Stderr)) },
	})
}

// TestCLIScripts runs testdata/script/*.txtar: each is a shell-like script
// of bohpsh invocations with their expected output and files (see
// github.com/rogpeppe/go-internal/testscript).
//
// Besides testscript's own commands, "status N CMD ARGS..." runs a command
// (as exec does, keeping its output for stdout and stderr) and checks that
// it exits with status N exactly.
func TestCLIScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"status": cmdStatus,
	}})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) {
	panic("the writer is broken (a test's stand-in for a bug)")
}
