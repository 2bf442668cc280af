package lib

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
)

// The file sandbox. Every file a run reads or writes (yaml.read and
// yaml.write, bohp.load, net.save and net.diagram, a script's file
// imports, the REPL's :load) is resolved and checked here. Without
// --allow-os (Env.AllowOS) a run
//
//   - reads only under the main script's folder, the working directory, its
//     own directory and the output directory given (Env.OutRoot: --out
//     DIR, whose earlier results a run may evaluate);
//   - writes only under its own directory (Env.OutDir: seed-<S>/ of the
//     output directory, which a run writes in the output directory's work
//     area until its outputs are committed, see interp; the REPL's is the
//     working directory, code given with -e has none without --out).
//
// A path is checked after resolving "..", and the symbolic links of the
// part of it that exists, so neither leads out of these folders. With
// --allow-os any path is allowed.

// ReadPath resolves path for reading and checks it. A relative path is
// looked up in the main script's folder, then in the working directory
// (the first where it exists; the script's folder when neither). fn names
// the calling function in errors.
func (e *Env) ReadPath(fn, path string) (string, error) {
	p := path
	if !filepath.IsAbs(p) {
		p = e.relRead(path)
	}
	if e.AllowOS {
		return p, nil
	}
	roots := []string{e.workDir()}
	if e.ScriptDir != "" {
		roots = append(roots, e.ScriptDir)
	}
	for _, d := range []string{e.OutDir, e.OutRoot} {
		if d != "" {
			roots = append(roots, d)
		}
	}
	if !within(p, roots) {
		where := fmt.Sprintf("their own folder (%s) and the working directory", shown(e.ScriptDir))
		if e.OutRoot != "" {
			where = fmt.Sprintf("their own folder (%s), the working directory and the output directory (%s)", shown(e.ScriptDir), e.OutRoot)
		}
		return "", Errorf(fn, "cannot read %s: scripts read only under %s; run with --allow-os to read other files", path, where)
	}
	return p, nil
}

// ReadFile reads the file path names, for the script function fn: the
// path is checked by ReadPath and noted as read by the run (NoteRead).
// It also returns the resolved path, for messages.
func (e *Env) ReadFile(fn, path string) (data []byte, full string, err error) {
	if full, err = e.ReadPath(fn, path); err != nil {
		return nil, "", err
	}
	e.NoteRead(full)
	if data, err = os.ReadFile(full); err != nil {
		if where := e.readPlaces(); errors.Is(err, fs.ErrNotExist) && !filepath.IsAbs(path) && where != "" {
			return nil, full, Errorf(fn, "cannot read %s: no such file in %s", path, where)
		}
		return nil, full, Errorf(fn, "%v", err)
	}
	return data, full, nil
}

// readPlaces lists where relRead looks a relative path up, when that is
// more than one directory (else the error, naming the path, says it).
func (e *Env) readPlaces() string {
	var names []string
	seen := map[string]bool{}
	for _, pl := range []struct{ name, dir string }{
		{"the run's directory", e.OutDir},
		{fmt.Sprintf("the script's folder (%s)", shown(e.ScriptDir)), e.ScriptDir},
		{"the working directory", e.workDir()},
	} {
		abs, err := filepath.Abs(pl.dir)
		if pl.dir == "" || err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		names = append(names, pl.name)
	}
	if len(names) < 2 {
		return ""
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// relRead is where a relative path to read is: in the run's own directory
// when the run wrote it there (the directory starts empty: a run under
// way has its files in the work area, not yet in the output directory),
// else in the script's folder or the working directory.
func (e *Env) relRead(path string) string {
	if e.OutDir != "" {
		if own := filepath.Join(e.OutDir, path); exists(own) {
			return own
		}
	}
	if e.ScriptDir == "" {
		return path
	}
	inScript := filepath.Join(e.ScriptDir, path)
	if exists(inScript) || !exists(path) {
		return inScript
	}
	return path
}

// OutPath resolves path for writing and checks it: a relative path is in
// the run's own directory and stays inside it, also with --allow-os (a
// file beside it would be lost when the run's outputs are committed).
// The error names the path and the flag. A path holding a control
// character (a newline, say) is refused: listings and scripts reading
// them line by line would split it.
func (e *Env) OutPath(fn, path string) (string, error) {
	if i := strings.IndexFunc(path, unicode.IsControl); i >= 0 {
		return "", Errorf(fn, "cannot write %q: a file name must not hold a control character (%U at byte %d)", path, []rune(path[i:])[0], i)
	}
	p := path
	if !filepath.IsAbs(p) && e.OutDir != "" {
		if e.AllowOS && !filepath.IsLocal(p) {
			return "", Errorf(fn, "cannot write %s: a relative path must stay inside the run's directory (%s); an absolute one writes elsewhere", path, e.outName())
		}
		p = filepath.Join(e.OutDir, p)
	}
	if e.OutDir != "" && samePath(p, e.OutDir) {
		// The file would take the directory's place: the run's other
		// files could not be written, and its results would be lost.
		return "", Errorf(fn, "cannot write %q: it names the run's directory (%s), not a file in it", path, e.outName())
	}
	if e.AllowOS {
		return p, nil
	}
	if e.OutDir == "" {
		return "", Errorf(fn, "cannot write %s: this run has no output directory (give --out DIR, or --allow-os to write anywhere)", path)
	}
	if !within(p, []string{e.OutDir}) {
		return "", Errorf(fn, "cannot write %s: scripts write only under their run's directory (%s); run with --allow-os to write other files", path, e.outName())
	}
	return p, nil
}

// samePath reports whether a and b name the same place, once made
// absolute and cleaned.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// WritePath is OutPath with the parent directories created.
func (e *Env) WritePath(fn, path string) (string, error) {
	p, err := e.OutPath(fn, path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", Errorf(fn, "%v", err)
	}
	return p, nil
}

// UnsyncedFor is where a file the run writes at full (as WritePath
// resolved it) is written without sync: Unsynced for a file in OutDir,
// else nil (synced when written: a file elsewhere, which --allow-os
// allows, may replace one whose loss no run record would tell).
func (e *Env) UnsyncedFor(full string) *atomicfile.Group {
	if e.Unsynced == nil || !within(full, []string{e.OutDir}) {
		return nil
	}
	return e.Unsynced
}

// WriteFile writes the file full (as WritePath resolved it) atomically
// with write, without sync into UnsyncedFor(full) when not nil.
func (e *Env) WriteFile(full string, write func(io.Writer) error) error {
	if g := e.UnsyncedFor(full); g != nil {
		return g.WriteFunc(full, write)
	}
	return atomicfile.WriteFunc(full, write)
}

// workDir is the working directory ("." if it cannot be read).
func (e *Env) workDir() string {
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "."
}

// outName names the run's directory in messages: where its files end up.
func (e *Env) outName() string {
	if e.OutName != "" {
		return e.OutName
	}
	return shown(e.OutDir)
}

func shown(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// within reports whether p, resolved, is one of roots (resolved) or below
// one.
func within(p string, roots []string) bool {
	rp, err := resolve(p)
	if err != nil {
		return false
	}
	for _, r := range roots {
		rr, err := resolve(r)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(rr, rp); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// resolve makes p absolute and resolves the symbolic links of its longest
// existing part; the rest (which does not exist yet, so holds no link) is
// joined lexically, as creating it would.
func resolve(p string) (string, error) {
	// Not filepath.Abs: it cleans the path, resolving ".." lexically,
	// which is wrong after a link (link/.. is the parent of the link's
	// target); the components are walked as the system would.
	if !filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		p = wd + string(filepath.Separator) + p
	}
	parts := strings.Split(filepath.ToSlash(p), "/")
	cur := string(filepath.Separator)
	for i, part := range parts {
		switch part {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			// Nothing below exists: the rest is lexical.
			return filepath.Join(append([]string{next}, parts[i+1:]...)...), nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(next)
			if err != nil {
				return "", fmt.Errorf("%s: %w", next, err)
			}
			next = real
		}
		cur = next
	}
	return cur, nil
}
