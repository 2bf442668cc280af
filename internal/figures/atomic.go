package figures

import (
	"fmt"
	"io"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
)

// writeAtomic writes a file through package atomicfile (a temporary file in
// the same directory, renamed over path): on any error path is untouched.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.WriteFunc(path, write); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}
