// Command cmd writes docs/modules.md from the module tables of
// stdlib.Modules(). Run it with
//
//	go generate ./interp/docgen
//
// or, from the repository root,
//
//	go run ./interp/docgen/cmd -o docs/modules.md
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/interp/docgen"
	"github.com/bohpsh/bohpsh/stdlib"
)

func main() {
	out := flag.String("o", "docs/modules.md", "output file (- for stdout)")
	flag.Parse()
	text := docgen.Markdown(stdlib.Modules())
	if *out == "-" {
		fmt.Print(text)
		return
	}
	if err := atomicfile.Write(*out, []byte(text)); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}
