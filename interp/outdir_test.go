package interp

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
)

// tree lists the files under dir (outside control directories) with
// their contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() && e.Name() == controlDir {
			return filepath.SkipDir
		}
		if !e.IsDir() {
			b, _ := os.ReadFile(path)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A commit killed before any of its moves is finished by the next process
// that locks the directory, and the result is the same as an uninterrupted
// commit: the new results in place of the old, the user's files kept; the
// old results removed, or with keep kept whole in a directory of D with
// their manifest and plan. The manifest and plan that the commit installs
// are taken from the stage, or written when it has none (the commit was
// killed after moving them, or its journal is of an older bohpsh, which
// did not stage them: every other step simulates that).
func TestCommitIsFinishedAfterACrash(t *testing.T) {
	for _, keep := range []bool{false, true} {
		testCommitAfterCrash(t, keep)
	}
}

func testCommitAfterCrash(t *testing.T, keep bool) {
	old := map[string]string{"params.yaml": "old params", "metrics.csv": "old", "gone.png": "old figure",
		"seed-0/net.yaml": "old net", "seed-9/net.yaml": "old seed 9", "notes.txt": "mine"}
	next := map[string]string{"params.yaml": "new params", "metrics.csv": "new", "x.svg": "new figure",
		"seed-0/net.yaml": "new net", "seed-0/run.yaml": "new record"}
	plan := &Plan{Script: "x.tengo", Seeds: 1, Overrides: map[string]string{}}
	defer func() { beforeMove = func() error { return nil } }()
	crash := errors.New("killed")
	for step := 0; ; step++ {
		d := t.TempDir()
		os.MkdirAll(ctlPath(d), 0o755)
		writeTree(t, d, old)
		os.WriteFile(ctlPath(d, manifestName), []byte("params.yaml\nmetrics.csv\ngone.png\nseed-0\nseed-9\n"), 0o644)
		os.WriteFile(ctlPath(d, planName), []byte("old plan\n"), 0o644)
		want := map[string]string{"notes.txt": "mine"}
		for k, v := range next {
			want[k] = v
		}
		keptDir := ""
		if keep {
			keptDir = keptName(d)
			for k, v := range old {
				if k != "notes.txt" {
					want[filepath.Join(keptDir, k)] = v
				}
			}
		}
		stage, err := newStage(d)
		if err != nil {
			t.Fatal(err)
		}
		writeTree(t, stage, next)
		moves := 0
		beforeMove = func() error {
			if moves == step {
				return crash
			}
			moves++
			return nil
		}
		kept, err := commitStage(d, stage, plan, keep, &atomicfile.Group{})
		beforeMove = func() error { return nil }
		if kept != keptDir {
			t.Fatalf("kept in %q, want %q", kept, keptDir)
		}
		if err == nil {
			if step < 5 {
				t.Fatalf("only %d moves", step)
			}
			break
		}
		if !errors.Is(err, crash) {
			t.Fatal(err)
		}
		if _, err := os.Stat(ctlPath(d, journalName)); err != nil {
			t.Fatalf("step %d: no journal left: %v", step, err)
		}
		if step%2 == 1 {
			os.RemoveAll(filepath.Join(stage, controlDir))
		}
		l, err := lockOutDir(context.Background(), d, "test")
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		l.Release()
		if got := tree(t, d); !mapsEqual(got, want) {
			t.Errorf("keep %v: crash before move %d, then recovery:\n%v\nwant\n%v", keep, step, got, want)
		}
		entries, _ := os.ReadDir(ctlPath(d))
		for _, e := range entries {
			if e.Name() != manifestName && e.Name() != planName {
				t.Errorf("step %d: left in the control directory: %s", step, e.Name())
			}
		}
		if m, _ := os.ReadFile(ctlPath(d, manifestName)); !slices.Equal(strings.Fields(string(m)), []string{"metrics.csv", "params.yaml", "seed-0", "x.svg"}) {
			t.Errorf("step %d: manifest %q", step, m)
		}
		if p, _ := os.ReadFile(ctlPath(d, planName)); string(p) != string(plan.encode()) {
			t.Errorf("step %d: plan %q", step, p)
		}
		if !keep {
			continue
		}
		k := filepath.Join(d, keptDir)
		if m, _ := os.ReadFile(ctlPath(k, manifestName)); !slices.Equal(strings.Fields(string(m)), []string{"params.yaml", "metrics.csv", "gone.png", "seed-0", "seed-9"}) {
			t.Errorf("step %d: kept manifest %q", step, m)
		}
		if p, _ := os.ReadFile(ctlPath(k, planName)); string(p) != "old plan\n" {
			t.Errorf("step %d: kept plan %q", step, p)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// What killed processes leave is removed by the next run; the user's
// files, even ones named like temporary files, stay.
func TestLeftoversAreCleaned(t *testing.T) {
	out := t.TempDir()
	d := filepath.Join(out, "x")
	writeTree(t, d, map[string]string{
		".metrics.csv.tmp123":           "killed while writing metrics.csv",
		".loss.png.tmp9":                "killed while drawing",
		"seed-0/.net.yaml.tmp4":         "killed while saving",
		"seed-0/net.yaml":               "old net",
		".bohpsh/stage-abc/params.yaml": "a stage",
		".bohpsh/trash/seed-3/a":        "trash",
		".bohpsh/.manifest.tmp77":       "",
		".notes.txt.tmp12":              "the user's",
		"notes.txt":                     "the user's",
	})
	os.WriteFile(ctlPath(d, manifestName), []byte("seed-0\nmetrics.csv\n"), 0o644)
	l, err := lockOutDir(context.Background(), d, "test")
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	want := map[string]string{"seed-0/net.yaml": "old net", ".notes.txt.tmp12": "the user's", "notes.txt": "the user's"}
	if got := tree(t, d); !mapsEqual(got, want) {
		t.Errorf("left:\n%v\nwant\n%v", got, want)
	}
	entries, _ := os.ReadDir(ctlPath(d))
	if len(entries) != 1 {
		t.Errorf("control directory: %v", entries)
	}
}

// Waiting for a short holder of the output directory's lock (a merge, a
// registration) stops when the context is cancelled: Ctrl-C during the
// wait stopped nothing for up to ten minutes. RunScript reports it as an
// interruption, with nothing run.
func TestLockWaitStopsWhenCancelled(t *testing.T) {
	d := filepath.Join(t.TempDir(), "task")
	held, err := lockOutDir(context.Background(), d, registering+"a sweep of task.tengo")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		l, err := lockOutDir(ctx, d, "test", registering)
		if err == nil {
			l.Release()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "stopped while waiting for") {
			t.Errorf("error %v, want the wait stopped by the context", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the wait went on after the context was cancelled")
	}

	src := &Source{Name: "task.tengo", Text: []byte(`x := 1`)}
	res := RunScript(ctx, src, Config{Out: filepath.Dir(d), Seeds: 1, Jobs: 1})
	if !res.Interrupted || res.Err != nil {
		t.Errorf("RunScript: interrupted %v, error %v; want interrupted without an error", res.Interrupted, res.Err)
	}
}

// A run's record vouches for the files its script wrote: they are synced
// before it is written, and a run whose files cannot be synced gets none
// (so --resume does not take it as complete).
func TestRunRecordFollowsTheSyncOfItsFiles(t *testing.T) {
	dir := t.TempDir()
	r := &Run{Env: recordEnv(0), Started: true}
	r.Env.Unsynced = &atomicfile.Group{}
	if err := r.Env.Unsynced.Write(filepath.Join(dir, "ck", "net.yaml"), []byte("net")); err != nil {
		t.Fatal(err)
	}
	// The file cannot be opened to be synced: its directory is now a file.
	os.RemoveAll(filepath.Join(dir, "ck"))
	os.WriteFile(filepath.Join(dir, "ck"), nil, 0o644)
	plan := &Plan{Script: "x.tengo", Seeds: 1, Overrides: map[string]string{}}
	err := saveRun(dir, plan, r, runTimes{})
	if err == nil || !strings.Contains(err.Error(), "syncing "+filepath.Join(dir, "ck", "net.yaml")) {
		t.Errorf("error %v, want the failed sync", err)
	}
	for _, name := range []string{RunFile, MetricsFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written after its run's files could not be synced", name)
		}
	}
	r.Env.Unsynced.Write(filepath.Join(dir, "net.yaml"), []byte("net"))
	if err := saveRun(dir, plan, r, runTimes{}); err != nil {
		t.Fatal(err)
	}
	if rec, err := readRecord(dir); rec == nil || err != nil {
		t.Errorf("no record after the files were synced: %v", err)
	}
}
