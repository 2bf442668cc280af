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
	"path/filepath"

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
	if err := writeAtomic(*out, []byte(text)); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

// writeAtomic writes data to a temporary file next to path and renames it.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".modules-*.md")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
