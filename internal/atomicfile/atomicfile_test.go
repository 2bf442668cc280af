package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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
