package lib

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
)

// Only the files a run writes into its own directory are left unsynced
// until it ends: not one elsewhere (--allow-os), also through a symbolic
// link in the run's directory, and none when the run has no group.
func TestUnsyncedFor(t *testing.T) {
	dir := t.TempDir()
	out, other := filepath.Join(dir, "seed-0"), filepath.Join(dir, "elsewhere")
	os.MkdirAll(out, 0o755)
	os.MkdirAll(other, 0o755)
	os.Symlink(other, filepath.Join(out, "link"))
	g := &atomicfile.Group{}
	e := &Env{OutDir: out, AllowOS: true, Unsynced: g}
	for path, want := range map[string]*atomicfile.Group{
		filepath.Join(out, "net.yaml"):         g,
		filepath.Join(out, "ck", "net.yaml"):   g,
		filepath.Join(other, "net.yaml"):       nil,
		filepath.Join(out, "link", "net.yaml"): nil,
		filepath.Join(dir, "seed-0x", "a"):     nil,
	} {
		if got := e.UnsyncedFor(path); got != want {
			t.Errorf("UnsyncedFor(%s) = %p, want %p", path, got, want)
		}
	}
	e.Unsynced = nil
	if e.UnsyncedFor(filepath.Join(out, "net.yaml")) != nil {
		t.Error("a group without Unsynced")
	}
	// WriteFile writes either way.
	for _, p := range []string{filepath.Join(out, "a.yaml"), filepath.Join(other, "a.yaml")} {
		e.Unsynced = g
		if err := e.WriteFile(p, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != "x" {
			t.Errorf("%s holds %q", p, b)
		}
	}
}
