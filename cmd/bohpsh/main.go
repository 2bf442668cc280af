// Command bohpsh runs Tengo scripts that build and train plastic neural
// networks (differentiable Hebbian plasticity), many seeds in parallel, and
// offers a REPL. Run "bohpsh --help" for the flags; the logic is in package
// interp (cli.Main).
package main

import (
	"os"

	"github.com/bohpsh/bohpsh/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
