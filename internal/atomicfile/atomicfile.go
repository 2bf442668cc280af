// Package atomicfile writes files atomically: the data goes to a temporary
// file in the destination's directory, which is synced and then renamed over
// the destination. A reader (or a run interrupted by Ctrl-C) never sees a
// half-written file: the destination holds either its old content or the new
// one. WriteFuncNoSync skips the sync, for files whose readers detect what
// a machine crash can leave. A Group syncs many files at once (their
// fsyncs overlap) before the write that refers to them.
//
// It imports nothing from bohpsh, so any package (interp, the stdlib
// modules) can use it.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
	return WriteFunc(path, writeData(data))
}

func writeData(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
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
	return writeFunc(path, perm, (*os.File).Sync, write)
}

// WriteFuncNoSync is WriteFunc without the fsync: still atomic for every
// reader and against a killed process, but after a machine crash (power
// loss) the file may be absent or empty, or not match files written next
// to it. It is for files whose readers detect that (a run's record, which
// carries its metrics' checksum): an fsync costs about a millisecond on a
// local disk and a round trip to the server on NFS, per file.
func WriteFuncNoSync(path string, write func(io.Writer) error) error {
	return writeFunc(path, 0o644, nil, write)
}

// writeFunc writes path atomically; sync (nil: none) makes the temporary
// file durable before it is closed and renamed into place.
func writeFunc(path string, perm os.FileMode, sync func(tmp *os.File) error, write func(io.Writer) error) (err error) {
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
	if sync != nil {
		if err = sync(f); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// A Group is files written atomically without sync (Group.WriteFunc) that
// must be durable before a later write that refers to them: Commit (or
// Sync) syncs them all at once, concurrently, with that write's temporary
// file, and only then renames it into place. An fsync waits for the disk
// (a journal commit on ext4, a round trip to the server on NFS); files
// synced concurrently share the wait, files synced one after the other
// do not.
//
// The files of a group must be new (in a fresh directory, not yet
// referred to by anything): until the group is synced, a machine crash
// may leave them absent or empty. A killed process leaves them whole, as
// every atomic write. A Group may be used from several goroutines.
type Group struct {
	mu    sync.Mutex
	paths map[string]bool
}

// WriteFunc is WriteFuncNoSync adding path to g.
func (g *Group) WriteFunc(path string, write func(io.Writer) error) error {
	if err := WriteFuncNoSync(path, write); err != nil {
		return err
	}
	g.mu.Lock()
	if g.paths == nil {
		g.paths = map[string]bool{}
	}
	g.paths[path] = true
	g.mu.Unlock()
	return nil
}

// Write is Group.WriteFunc of data.
func (g *Group) Write(path string, data []byte) error {
	return g.WriteFunc(path, writeData(data))
}

// take returns g's files and empties g.
func (g *Group) take() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	paths := slices.Sorted(maps.Keys(g.paths))
	g.paths = nil
	return paths
}

// Sync syncs g's files (concurrently) and empties g. A file removed since
// it was written is skipped: nothing of it is left to lose.
func (g *Group) Sync() error { return syncAll(g.take(), nil) }

// Commit writes data to path atomically as Write does, after syncing g's
// files (see Sync) and its own temporary file together: once path is in
// place, after a machine crash too, it and g's files are complete. If a
// write or a sync fails, path is left untouched.
func (g *Group) Commit(path string, data []byte) error {
	files := g.take()
	return writeFunc(path, 0o644, func(tmp *os.File) error {
		return syncAll(files, tmp)
	}, writeData(data))
}

// syncing is how many files a sync of a Group syncs at once.
const syncing = 16

// syncAll fsyncs the files paths (but those removed) and the open file
// also (when not nil), up to syncing at a time, each from a goroutine of
// its own (this one waits parked, so that they need not wait for its
// thread to leave a syscall); the error names the first file that failed.
func syncAll(paths []string, also *os.File) error {
	errs := make([]error, len(paths))
	var alsoErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, syncing)
	if also != nil {
		wg.Go(func() { alsoErr = also.Sync() })
	}
	for i, p := range paths {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = syncFile(p)
		})
	}
	wg.Wait()
	for i, err := range errs {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("syncing %s: %w", paths[i], err)
		}
	}
	return alsoErr
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
