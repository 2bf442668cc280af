package interp_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
)

// evalTask trains (writes net.yaml) or, given a checkpoint, reads it and
// writes what it read as its own net.yaml (an evaluation that also saves).
const evalTask = `
params := import("params")
metrics := import("metrics")
yaml := import("yaml")
p := params.declare({checkpoint: "", seed: 0})
net := p.checkpoint == "" ? {trained: p.seed} : yaml.read(p.checkpoint)
metrics.record("x", 0, net.trained)
yaml.write("net.yaml", {trained: net.trained, evaluated: p.checkpoint != ""})
`

// trainedResults trains evalTask's two seeds into out/task (d): their
// files are trained.
func trainedResults(t *testing.T) (src *interp.Source, out, d string, trained map[string]string) {
	src = writeScript(t, "task.tengo", evalTask)
	out = t.TempDir()
	d = filepath.Join(out, "task")
	mustRun(t, src, interp.Config{Out: out, Seeds: 2})
	return src, out, d, tree(t, d)
}

// A run that read files of the results it replaces (a checkpoint of the
// previous run in the same output directory) keeps those results, all of
// them, in a directory of D; a run that read nothing of them, or whose
// runs are D's own (--resume), replaces them as before.
func TestRunKeepsTheResultsItRead(t *testing.T) {
	src, out, d, trained := trainedResults(t)
	ckpt := filepath.Join(d, "seed-0", "net.yaml")

	eval := interp.Config{Out: out, Overrides: map[string]string{"checkpoint": ckpt}}
	var notice bytes.Buffer
	eval.Stderr = &notice
	res := mustRun(t, src, eval)
	if res.Kept == "" || filepath.Dir(res.Kept) != d {
		t.Fatalf("kept in %q", res.Kept)
	}
	if got := tree(t, res.Kept); !maps.Equal(got, trained) {
		t.Errorf("kept:\n%v\nwant the trained results\n%v", got, trained)
	}
	if b := readFile(t, filepath.Join(d, "seed-0", "net.yaml")); string(b) != "evaluated: true\ntrained: 0\n" {
		t.Errorf("the evaluation's own net.yaml: %q", b)
	}
	if _, err := os.Stat(filepath.Join(d, "seed-1")); !os.IsNotExist(err) {
		t.Error("seed-1 of the trained results is still among D's results")
	}
	for _, want := range []string{ckpt, "kept, all of them, in " + res.Kept, filepath.Join(res.Kept, "seed-0", "net.yaml")} {
		if !strings.Contains(notice.String(), want) {
			t.Errorf("notice %q lacks %q", notice.String(), want)
		}
	}
	manifest := string(readFile(t, filepath.Join(d, ".bohpsh", "manifest")))
	if strings.Contains(manifest, filepath.Base(res.Kept)) {
		t.Errorf("the kept results are in D's manifest: %q", manifest)
	}
	// The kept directory is an output directory of its own: its results
	// merge again.
	if m := interp.Merge(context.Background(), res.Kept, interp.MergeOptions{NoFigures: true}); m.Err != nil || m.Summary.Completed != 2 {
		t.Errorf("merging the kept results: %v", m.Err)
	}

	// The same evaluation resumed: its runs are D's own, nothing is kept.
	eval.Resume = true
	if res := mustRun(t, src, eval); res.Resumed != 1 || res.Kept != "" {
		t.Errorf("resumed %d, kept in %q", res.Resumed, res.Kept)
	}
	// Training again reads nothing: the evaluation's results are replaced,
	// and the kept directory, the user's now, is left alone.
	res = mustRun(t, src, interp.Config{Out: out, Seeds: 2})
	entries, _ := os.ReadDir(d)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{".bohpsh", filepath.Base(mustKept(t, d)), "metrics.csv", "params.yaml", "seed-0", "seed-1", "summary.yaml", "x.png", "x.svg"}
	if res.Kept != "" || !slices.Equal(names, want) {
		t.Errorf("after training again: kept %q, D holds %v", res.Kept, names)
	}
}

// mustKept is the one kept directory of D.
func mustKept(t *testing.T, d string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(d, "2*"))
	if len(m) != 1 {
		t.Fatalf("kept directories: %v", m)
	}
	return m[0]
}

// A sharded evaluation keeps them too: the shards record what they read
// (run.yaml), the merge commits.
func TestMergeKeepsTheResultsItRead(t *testing.T) {
	src, out, d, trained := trainedResults(t)
	cfg := interp.Config{Out: out, Seeds: 2, Shard: interp.Shard{Index: 0, Count: 1},
		Overrides: map[string]string{"checkpoint": filepath.Join(d, "seed-1", "net.yaml")}}
	mustRun(t, src, cfg)
	res := interp.Merge(context.Background(), d, interp.MergeOptions{NoFigures: true})
	if res.Err != nil || res.Kept == "" {
		t.Fatalf("merge: %v, kept %q", res.Err, res.Kept)
	}
	if got := tree(t, res.Kept); !maps.Equal(got, trained) {
		t.Errorf("kept:\n%v\nwant\n%v", got, trained)
	}
}

// tree lists the files under dir, control directories left out, with
// their contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".bohpsh" {
			return filepath.SkipDir
		}
		if e.IsDir() && path != dir && len(e.Name()) == len("20060102-150405") && strings.Count(e.Name(), "-") == 1 {
			return filepath.SkipDir // a kept directory
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out[rel] = string(readFile(t, path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
