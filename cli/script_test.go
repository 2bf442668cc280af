package cli_test

import (
	"os"
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
	})
}

// TestCLIScripts runs testdata/script/*.txtar: each is a shell-like script
// of bohpsh invocations with their expected output and files (see
// github.com/rogpeppe/go-internal/testscript).
func TestCLIScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
