package figures

import (
	"fmt"
	"io"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
)

// writeAtomic writes a file through package atomicfile (a temporary file in
// the same directory, renamed over path): on any error path is untouched.
// With files, it is written without sync, into files.
func writeAtomic(files *atomicfile.Group, path string, write func(io.Writer) error) error {
	atomicWrite := atomicfile.WriteFunc
	if files != nil {
		atomicWrite = files.WriteFunc
	}
	if err := atomicWrite(path, write); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}
