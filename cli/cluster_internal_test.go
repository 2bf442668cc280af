package cli

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
)

func TestResolveShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	slurm := env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "3", "SLURM_ARRAY_TASK_MAX", "6", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_STEP", "1")
	cases := []struct {
		spec string
		env  func(string) string
		want interp.Shard
		err  string
	}{
		{"1/4", env(), interp.Shard{Index: 1, Count: 4}, ""},
		{"auto", slurm, interp.Shard{Index: 2, Count: 4}, ""},
		{"auto", env(), interp.Shard{}, "not in a Slurm job array"},
		{"auto", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "8", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_STEP", "4"),
			interp.Shard{}, "3 task ids (0..8 step 4) are not consecutive"},
		{"auto", env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "2"), interp.Shard{}, `SLURM_ARRAY_TASK_ID="x" is not a number`},
		{"auto", env("SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_COUNT", "2"),
			interp.Shard{}, "SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX must both be set"},
		{"auto/8", env("JOB_COMPLETION_INDEX", "7"), interp.Shard{Index: 7, Count: 8}, ""},
		{"auto/8", env("JOB_COMPLETION_INDEX", "8"), interp.Shard{}, "index 8 is not in 0..7"},
		{"auto/6", slurm, interp.Shard{Index: 2, Count: 6}, ""},
		{"auto/6", env(), interp.Shard{}, "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set"},
		{"auto/0", env(), interp.Shard{}, "want auto/N with N >= 1"},
		{"4/4", env(), interp.Shard{}, "--shard 4/4: shard I = 4 is not in 0..3"},
		{"-1/3", env(), interp.Shard{}, "--shard -1/3: shard I = -1 is not in 0..2"},
		{"1/0", env(), interp.Shard{}, "--shard 1/0: the number of shards N = 0 must be at least 1"},
		{"x", env(), interp.Shard{}, "--shard x: want I/N (e.g. 0/4: shard 0 of 4, counted from 0), all, auto or auto/N"},
		{"x/3", env(), interp.Shard{}, "--shard x/3: want I/N, e.g. 0/4"},
	}
	for _, c := range cases {
		got, err := resolveShard(c.spec, c.env)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("resolveShard(%q) = %v, %v; want %v, %q", c.spec, got, err, c.want, c.err)
		}
	}
}

// The tasks get the run flags as typed, without bohpsh slurm's own, and
// every shape of flag keeps its value.
func TestForwardArgs(t *testing.T) {
	args := []string{"--tasks", "4", "-p", "a=1", "x.tengo", "--seeds=3", "--wait", "--sbatch", "--time=5", "--quiet",
		"-p=b=2", "--resume", "--out", "o", "--dry-run", "--sweep", "k=1,2", "--no-figures=true", "--", "--not-a-flag.tengo"}
	_, fs, err := parseFlagSet(args, func(fs *flag.FlagSet) {
		fs.Int("tasks", 0, "")
		fs.String("sbatch", "", "")
		fs.Bool("wait", false, "")
		fs.Bool("dry-run", false, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	got := forwardArgs(fs, args, slurmOnly)
	want := []string{"-p", "a=1", "--seeds=3", "--quiet", "-p=b=2", "--out", "o", "--sweep", "k=1,2", "--no-figures=true"}
	if !slices.Equal(got, want) {
		t.Errorf("forwardArgs:\n%q\nwant\n%q", got, want)
	}
	for in, want := range map[string]string{"plain/path.tengo": "plain/path.tengo", "a b": "'a b'", "it's": `'it'\''s'`, "$HOME": "'$HOME'", "": "''"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// The array task's command gives each task its shard, whatever the path
// of the executable holds (here the word SHARD, which the command's
// template once used as its placeholder).
func TestSlurmTaskCommand(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "my SHARD tools", "bohpsh")
	defer func(arg0 string) { os.Args[0] = arg0 }(os.Args[0])
	os.Args[0] = exe
	src := &interp.Source{Name: "task.tengo", Text: []byte("x := 1")}
	cfg := interp.Config{Out: "out", Seeds: 4, Shard: interp.Shard{Count: 2}}
	job, err := newSlurmJob(interp.NewPlan(src, cfg), cfg, src, []string{"--seeds", "4"}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := "\nexec " + shellQuote(exe) + ` --shard "$SLURM_ARRAY_TASK_ID/2" --resume --seeds 4 task.tengo` + "\n"
	if !strings.Contains(job.arrayScript, want) {
		t.Errorf("the array script lacks %q:\n%s", want, job.arrayScript)
	}
}
