// Package atomicfile writes files atomically: the data goes to a temporary
// file in the destination's directory, which is synced and then renamed over
// the destination. A reader (or a run interrupted by Ctrl-C) never sees a
// half-written file: the destination holds either its old content or the new
// one. WriteFuncNoSync skips the sync, for files whose readers detect what
// a machine crash can leave.
//
// It imports nothing from bohpsh, so any package (interp, the stdlib
// modules) can use it.
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Error is the error of a write: "writing PATH: cause", the cause stripped
// of the temporary file's name (a disk-full error reads "writing
// runs/x/metrics.csv: no space left on device").
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return "writing " + e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// wrap makes err an *Error of path, unwrapping a *os.PathError about the
// temporary file tmp.
func wrap(path, tmp string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) && tmp != "" && filepath.Dir(pe.Path) == filepath.Dir(tmp) && IsTemp(filepath.Base(pe.Path)) {
		err = pe.Err
	}
	return &Error{Path: path, Err: err}
}

// IsTemp reports whether name (a base name) is one of the temporary files
// this package writes (".NAME.tmp" and digits): one left behind by a killed
// process can be removed.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp")
	if !strings.HasPrefix(name, ".") || i < 1 || i+4 == len(name) {
		return false
	}
	for _, c := range name[i+4:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

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
func WriteFuncPerm(path string, perm os.FileMode, write func(io.Writer) error) error {
	return writeFunc(path, perm, true, write)
}

// WriteFuncNoSync is WriteFunc without the fsync: still atomic for every
// reader and against a killed process, but after a machine crash (power
// loss) the file may be absent or empty, or not match files written next
// to it. It is for files whose readers detect that (a run's record, which
// carries its metrics' checksum): an fsync costs about a millisecond on a
// local disk and a round trip to the server on NFS, per file.
func WriteFuncNoSync(path string, write func(io.Writer) error) error {
	return writeFunc(path, 0o644, false, write)
}

func writeFunc(path string, perm os.FileMode, sync bool, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return wrap(path, "", err)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return wrap(path, "", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = wrap(path, tmp, err)
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
	if sync {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
