// Package atomicfile writes files atomically: the data goes to a temporary
// file in the destination's directory, which is synced and then renamed over
// the destination. A reader (or a run interrupted by Ctrl-C) never sees a
// half-written file: the destination holds either its old content or the new
// one.
//
// It imports nothing from bohpsh, so any package (interp, the stdlib
// modules) can use it.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes data to path atomically, creating the parent directories if
// needed. The file gets mode 0644.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write for content produced by write, which gets a buffered
// writer to the temporary file. If write fails, the destination is left
// untouched and the temporary file is removed.
func WriteFunc(path string, write func(io.Writer) error) error {
	return WriteFuncPerm(path, 0o644, write)
}

// WriteFuncPerm is WriteFunc giving the file permissions perm (e.g. 0600
// for a private history file).
func WriteFuncPerm(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
