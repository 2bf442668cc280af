// Command bohpsh runs Tengo scripts that build and train plastic neural
// networks (differentiable Hebbian plasticity), many seeds in parallel, and
// offers a REPL. Run "bohpsh --help" for the flags; the logic is in package
// interp (interp.Main).
package main

import (
	"os"

	"github.com/bohpsh/bohpsh/interp"
)

func main() {
	os.Exit(interp.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
