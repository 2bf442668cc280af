package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "f.txt")
	if err := Write(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "two" {
		t.Errorf("got %q", got)
	}
	// A failing writer leaves the old content and no temporary file.
	err := WriteFunc(p, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("boom")
	})
	if err == nil || err.Error() != "writing "+p+": boom" {
		t.Errorf("error %v", err)
	}
	got, _ = os.ReadFile(p)
	if string(got) != "two" {
		t.Errorf("after a failed write: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
}

func TestWriteIntoMissingParent(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if err := Write(filepath.Join(f, "x"), []byte("y")); err == nil {
		t.Error("writing below a regular file succeeded")
	}
}

func TestErrorNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.csv")
	err := WriteFunc(p, func(w io.Writer) error {
		return &os.PathError{Op: "write", Path: filepath.Join(dir, ".f.csv.tmp123"), Err: errors.New("no space left on device")}
	})
	var ae *Error
	if !errors.As(err, &ae) || ae.Path != p || err.Error() != "writing "+p+": no space left on device" {
		t.Errorf("error %v", err)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".metrics.csv.tmp123": true, ".x.tmp0": true, "metrics.csv.tmp123": false,
		".metrics.csv.tmp": false, ".a.tmpx1": false, ".tmp1": false, "notes.txt": false,
	} {
		if IsTemp(name) != want {
			t.Errorf("IsTemp(%q) = %v", name, !want)
		}
	}
	// The names CreateTemp gives match.
	f, err := os.CreateTemp(t.TempDir(), ".summary.yaml.tmp*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !IsTemp(filepath.Base(f.Name())) {
		t.Errorf("IsTemp(%q) = false", filepath.Base(f.Name()))
	}
}

// A Group's files are in place as soon as they are written; Commit puts
// the file that refers to them in place after syncing them all, and
// leaves no temporary file.
func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	g := &Group{}
	var wg sync.WaitGroup
	for i := range 40 { // more than syncing, from several goroutines
		wg.Go(func() {
			if err := g.Write(filepath.Join(dir, "stage", fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := g.Commit(filepath.Join(dir, "journal"), []byte("stage")); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if b, _ := os.ReadFile(filepath.Join(dir, "stage", fmt.Sprintf("f%d", i))); string(b) != fmt.Sprint(i) {
			t.Errorf("f%d holds %q", i, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "journal")); string(b) != "stage" {
		t.Errorf("journal holds %q", b)
	}
	assertNoTemps(t, dir)
	if g.take() != nil {
		t.Error("Commit left the group's files in it")
	}
	g.Write(filepath.Join(dir, "later"), []byte("x"))
	if err := g.Sync(); err != nil || g.take() != nil {
		t.Errorf("Sync: %v, group not emptied", err)
	}
}

// A failed write of a Group leaves no file, and is not synced by Commit;
// a file of the group removed since is skipped; one that cannot be synced
// (here: its directory replaced by a file) fails the commit, which then
// leaves the destination as it was.
func TestGroupFailures(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, "journal")
	Write(journal, []byte("old"))
	g := &Group{}
	err := g.WriteFunc(filepath.Join(dir, "bad"), func(w io.Writer) error {
		w.Write([]byte("partial"))
		return errors.New("boom")
	})
	if err == nil || err.Error() != "writing "+filepath.Join(dir, "bad")+": boom" {
		t.Errorf("error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("a failed write left its file")
	}
	if err := g.Write(filepath.Join(dir, "a"), []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := g.Write(filepath.Join(dir, "gone"), []byte("b")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "gone"))
	if err := g.Write(filepath.Join(dir, "sub", "c"), []byte("c")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "sub"))
	os.WriteFile(filepath.Join(dir, "sub"), nil, 0o644)
	err = g.Commit(journal, []byte("new"))
	if err == nil || !strings.Contains(err.Error(), "syncing "+filepath.Join(dir, "sub", "c")) {
		t.Errorf("commit with a file that cannot be opened: error %v", err)
	}
	if b, _ := os.ReadFile(journal); string(b) != "old" {
		t.Errorf("a failed commit left %q", b)
	}
	assertNoTemps(t, dir)
	g.Write(filepath.Join(dir, "a"), []byte("a2")) // the group was emptied
	g.Write(filepath.Join(dir, "gone"), []byte("b"))
	os.Remove(filepath.Join(dir, "gone"))
	if err := g.Commit(journal, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(journal); string(b) != "new" {
		t.Errorf("journal holds %q", b)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && IsTemp(e.Name()) {
			t.Errorf("temporary file left: %s", path)
		}
		return nil
	})
}
