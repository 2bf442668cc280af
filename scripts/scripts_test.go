// Package scripts_test smoke-runs every shipped experiment script with a few
// episodes and benchmarks the reversal task run as a script.
package scripts_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
)

func runScript(tb testing.TB, path string, overrides map[string]string, seeds int, out string, opts ...func(*interp.Config)) *interp.Result {
	tb.Helper()
	src, err := interp.LoadSource(path)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := interp.Config{
		Overrides: overrides, Seeds: seeds, Jobs: 1, Out: out, NoOutput: out == "",
		Quiet: true, NoFigures: true, Stdout: io.Discard, Stderr: io.Discard,
	}
	for _, o := range opts {
		o(&cfg)
	}
	res := interp.RunScript(context.Background(), src, cfg)
	if res.Err != nil {
		tb.Fatal(res.Err)
	}
	return res
}

// evaluated are the scripts whose trained checkpoint the smoke test also
// evaluates (TEST mode); short gives the parameters of a short run of the
// scripts that count something else than episodes, smaller shrinks the
// scripts that are slow at their defaults.
var (
	evaluated = map[string]bool{"completion": true, "oneshot": true, "reversal": true, "oneshot3": true, "recurrent_completion": true, "cue_reward": true}
	short     = map[string]map[string]string{"cue_reward": {"updates": "4", "batch": "2", "final": "2"}}
	smaller   = map[string]map[string]string{"recurrent_completion": {"n": "100", "final": "4"}}
)

// Every shipped script runs end to end with a few episodes, writes its
// checkpoint, and the checkpoint can be evaluated (TEST mode).
func TestScriptsSmoke(t *testing.T) {
	paths, _ := filepath.Glob("*.tengo")
	n := 0
	for _, path := range paths {
		n++
		t.Run(strings.TrimSuffix(path, ".tengo"), func(t *testing.T) {
			out := t.TempDir()
			name := strings.TrimSuffix(path, ".tengo")
			train, eval := map[string]string{"episodes": "30", "frozen": "5"}, map[string]string{"frozen": "5"}
			if s, ok := short[name]; ok {
				train, eval = maps.Clone(s), maps.Clone(s)
			}
			maps.Copy(train, smaller[name])
			maps.Copy(eval, smaller[name])
			res := runScript(t, path, train, 2, out)
			wantEpisodes(t, res, name, train)
			if sum, err := os.ReadFile(filepath.Join(out, name, "summary.yaml")); err != nil || !strings.Contains(string(sum), fmt.Sprintf("\nepisodes: %d #", 2*episodesRun(name, train))) {
				t.Errorf("summary.yaml does not count the %d episodes of 2 runs (%v):\n%s", 2*episodesRun(name, train), err, sum)
			}
			if _, err := os.Stat(filepath.Join(out, name, "seed-0", "trace.png")); err == nil {
				t.Error("a trace figure drawn with NoFigures")
			}
			if evaluated[name] {
				eval["checkpoint"] = filepath.Join(out, name, "seed-0", "net.yaml")
				// The checkpoint is in a temporary directory, outside the
				// folders a script may read without --allow-os.
				allowOS := func(c *interp.Config) { c.AllowOS = true }
				wantEpisodes(t, runScript(t, path, eval, 1, t.TempDir(), allowOS), name, eval)
			}
		})
	}
	if n < 3 {
		t.Errorf("found %d experiment scripts, want at least 3", n)
	}
}

// episodesRun is the number of episodes a run of script name with the
// parameters p runs (trace episodes aside): cue_reward runs batch episodes
// per update, and evaluates final updates' worth; the others run episodes,
// and evaluate final ones if they have that parameter, else frozen ones.
func episodesRun(name string, p map[string]string) int {
	n := func(key string) int {
		var v int
		fmt.Sscan(p[key], &v)
		return v
	}
	switch {
	case name == "cue_reward" && p["checkpoint"] != "":
		return n("final") * n("batch")
	case name == "cue_reward":
		return n("updates") * n("batch")
	case p["checkpoint"] != "" && p["final"] != "":
		return n("final")
	case p["checkpoint"] != "":
		return n("frozen")
	}
	return n("episodes")
}

// wantEpisodes checks that every run's progress (the terminal's progress
// line, run.yaml's episodes_done and episodes_planned, summary.yaml's
// episodes) counts the episodes it ran.
func wantEpisodes(t *testing.T, res *interp.Result, name string, p map[string]string) {
	t.Helper()
	want := int64(episodesRun(name, p))
	for _, r := range res.Runs {
		if done, planned := r.Env.Metrics.Progress(); done != want || planned != want {
			t.Errorf("%s: progress %d of %d episodes, want %d of %d", name, done, planned, want, want)
		}
	}
}

// Every shipped script draws one episode of each run's trained network
// (tasks.train): trace.png and trace.svg in seed-<S>/.
func TestTraceFigures(t *testing.T) {
	paths, _ := filepath.Glob("*.tengo")
	for _, path := range paths {
		name := strings.TrimSuffix(path, ".tengo")
		t.Run(name, func(t *testing.T) {
			src, err := interp.LoadSource(path)
			if err != nil {
				t.Fatal(err)
			}
			overrides := map[string]string{"episodes": "3", "frozen": "1"}
			if s, ok := short[name]; ok {
				overrides = maps.Clone(s)
			}
			maps.Copy(overrides, smaller[name])
			out := t.TempDir()
			res := interp.RunScript(context.Background(), src, interp.Config{Overrides: overrides, Seeds: 1, Jobs: 1, Out: out,
				Quiet: true, Stdout: io.Discard, Stderr: io.Discard})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			for _, f := range []string{"trace.png", "trace.svg"} {
				if fi, err := os.Stat(filepath.Join(out, name, "seed-0", f)); err != nil || fi.Size() < 1000 {
					t.Errorf("%s: %v", f, err)
				}
			}
		})
	}
}

// BenchmarkReversalScript: the paper's reversal task run as a script
// (scripts/reversal.tengo), reported per episode.
func BenchmarkReversalScript(b *testing.B) {
	const episodes = 10000 // a paper-length run, so the per-run costs (compiling, outputs) weigh as in real use
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		runScript(b, "reversal.tengo", map[string]string{"episodes": "10000", "frozen": "500"}, 1, b.TempDir())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*episodes), "ns/episode")
}

// BenchmarkCueRewardScript: the cue-reward task run as a script
// (scripts/cue_reward.tengo at its defaults: 32 cells, 60 steps, batches
// of 10), per network type, reported per episode.
func BenchmarkCueRewardScript(b *testing.B) {
	const updates, batch = 100, 10
	for _, pl := range []string{"none", "hebb", "modulated", "retroactive"} {
		b.Run(pl, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				runScript(b, "cue_reward.tengo", map[string]string{"plasticity": pl, "updates": fmt.Sprint(updates), "final": "10"}, 1, b.TempDir())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*updates*batch), "ns/episode")
		})
	}
}

// The recurrent task and the cue-reward task (actions sampled from the
// run's generator, every network type) give bit-identical metrics and
// trained networks whatever --jobs (with one job the runs' episodes get the
// idle core's help, with two they do not).
func TestDeterministicWhateverJobs(t *testing.T) {
	for _, c := range []struct {
		script    string
		overrides map[string]string
		sweep     *interp.Sweep
		files     []string
	}{
		{"recurrent_completion", map[string]string{"n": "200", "episodes": "6"}, nil,
			[]string{"metrics.csv", "seed-0/net.yaml", "seed-1/net.yaml"}},
		{"cue_reward", map[string]string{"updates": "4", "batch": "3", "hidden": "8", "steps": "30", "final": "2"},
			&interp.Sweep{Key: "plasticity", Values: []string{"none", "hebb", "modulated", "retroactive"}},
			[]string{"metrics.csv", "plasticity=retroactive/seed-1/net.yaml", "plasticity=modulated/seed-0/net.yaml"}},
	} {
		var files [2]map[string][]byte
		for i, jobs := range []int{1, 2} {
			out := t.TempDir()
			runScript(t, c.script+".tengo", c.overrides, 2, out, func(cfg *interp.Config) { cfg.Sweep, cfg.Jobs = c.sweep, jobs })
			files[i] = map[string][]byte{}
			for _, f := range c.files {
				b, err := os.ReadFile(filepath.Join(out, c.script, f))
				if err != nil {
					t.Fatal(err)
				}
				files[i][f] = b
			}
		}
		for f, b := range files[0] {
			if !bytes.Equal(b, files[1][f]) {
				t.Errorf("%s: %s differs between --jobs 1 and --jobs 2", c.script, f)
			}
		}
	}
}

// Every network type of the cue-reward task runs, with the soft bound and
// fan-out too, and its rewards are per-trial means in [-1, 1].
func TestCueRewardVariants(t *testing.T) {
	for _, o := range []map[string]string{
		{"plasticity": "none"}, {"plasticity": "hebb", "soft": "true"},
		{"plasticity": "modulated", "fanout": "true"}, {"plasticity": "retroactive", "soft": "true", "fanout": "true", "cues": "4", "cue_bits": "8"},
	} {
		maps.Copy(o, map[string]string{"updates": "3", "batch": "2", "final": "1", "steps": "30", "hidden": "8"})
		res := runScript(t, "cue_reward.tengo", o, 1, t.TempDir())
		m := res.Runs[0].Env.Metrics
		rewards, sat := m.Get("reward"), m.Get("saturation")
		if rewards == nil || len(rewards.Values) != 3 || sat == nil || len(sat.Values) != 3 {
			t.Fatalf("%v: metrics %v", o, m.Series())
		}
		for i, v := range rewards.Values {
			if !(v >= -1 && v <= 1) || !(sat.Values[i] >= 0 && sat.Values[i] <= 1) {
				t.Errorf("%v: update %d: reward %v, saturation %v", o, i, v, sat.Values[i])
			}
		}
	}
}
