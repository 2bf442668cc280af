package interp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/lockfile"
	"gopkg.in/yaml.v3"
)

// workArea is the work area (D/.bohpsh/work) of a run or sharded sweep in
// progress, as one process uses it: a local run, a shard, or bohpsh slurm
// setting a sweep up.
type workArea struct {
	d       string // the output directory
	dir     string // its work area
	plan    *Plan
	shard   Shard
	dlock   *lockfile.Lock // D's lock: a local run holds it to the end
	slock   *lockfile.Lock // the shard's lock
	resumed map[RunID]bool // runs whose complete results are in the work area
	// complete runs of other settings found by --resume, and not resumed
	unresumed Unresumed
	started   time.Time
}

// workMode is who prepares a work area.
type workMode int

const (
	localRun   workMode = iota // a run of one process (Plan.Shards == 0)
	shardRun                   // one shard of a sweep
	sweepSetup                 // bohpsh slurm, before submitting the shards
)

// registering is what a process holding D's lock only briefly (to register
// a shard or set a sweep up) says it does: others wait for it.
const registering = "registering "

func shardLockName(i int) string   { return fmt.Sprintf("shard-%d.lock", i) }
func shardStatusName(i int) string { return fmt.Sprintf("shard-%d.yaml", i) }

// openWork prepares the work area of output directory d for plan: it
// locks D (and the shard), checks that the work area is free for this plan,
// removes what this process will redo, and with resume keeps (or takes
// from D's committed results) the complete runs of the same settings.
func openWork(ctx context.Context, d string, plan *Plan, shard Shard, resume bool) (*workArea, error) {
	w := &workArea{d: d, dir: ctlPath(d, workName), plan: plan, shard: shard, resumed: map[RunID]bool{}, started: time.Now()}
	mode := localRun
	what := "bohpsh run of " + plan.Script
	if shard.Count > 0 {
		mode = shardRun
		what = registering + "shard " + shard.String() + " of " + plan.Script
	}
	var err error
	wait := []string{registering}
	if mode == shardRun {
		wait = append(wait, merging)
	}
	if w.dlock, err = lockOutDir(ctx, d, what, wait...); err != nil {
		return nil, err
	}
	if err := w.prepare(mode, resume); err != nil {
		w.close()
		return nil, err
	}
	if mode == shardRun {
		w.dlock.Release()
		w.dlock = nil
	}
	return w, nil
}

// Unresumed is what --resume found and did not resume: complete runs of
// other settings (a changed -p, an edited script).
type Unresumed struct {
	Runs int    // how many
	Why  string // how the first one differs: "-p settings a=2, not a=1"
}

// Warning says what --resume did not resume in the output directory dir,
// for this what ("run", "sweep").
func (u Unresumed) Warning(dir, what string) string {
	return fmt.Sprintf("--resume does not resume %s in %s: of other settings (this %s differs: %s)", plural(u.Runs, "complete run"), dir, what, u.Why)
}

// SetUpSweep prepares the work area of output directory d for a sharded
// sweep of plan before its shards are submitted (bohpsh slurm): a sweep
// that is not running is replaced, its complete runs of the same settings
// kept with resume. It returns how many runs are complete already, and
// the complete runs of other settings that resume did not keep.
func SetUpSweep(ctx context.Context, d string, plan *Plan, resume bool) (int, Unresumed, error) {
	w := &workArea{d: d, dir: ctlPath(d, workName), plan: plan, resumed: map[RunID]bool{}}
	var err error
	if w.dlock, err = lockOutDir(ctx, d, registering+"a sweep of "+plan.Script, registering); err != nil {
		return 0, Unresumed{}, err
	}
	defer w.dlock.Release()
	if err := w.prepare(sweepSetup, resume); err != nil {
		return 0, Unresumed{}, err
	}
	return len(w.resumed), w.unresumed, nil
}

// prepare readies the work area for this process (D's lock held).
func (w *workArea) prepare(mode workMode, resume bool) error {
	planPath := filepath.Join(w.dir, planName)
	old, err := readPlan(planPath)
	if err != nil {
		// The plan is written atomically: a crash leaves it whole or
		// absent, so an unreadable one was damaged. Its recorded runs are
		// not thrown away for that.
		if n := recordedRuns(w.dir); n > 0 {
			return fmt.Errorf("the work area %s holds %d recorded runs, but its plan cannot be read (%v): restore %s, or remove %s to discard the runs",
				w.dir, n, err, planPath, w.dir)
		}
		old = nil // replaced below
	}
	live, err := liveShards(w.dir)
	if err != nil {
		return err
	}
	same := old != nil && old.Difference(w.plan) == ""
	fresh := old == nil || !same
	switch {
	case len(live) > 0 && !(same && mode == shardRun):
		return fmt.Errorf("the output directory %s is in use by a sharded sweep: shard %d is running (%s); wait for its shards to end",
			w.d, live[0].index, live[0].holder)
	case old != nil && !same && old.Shards > 0 && (mode == shardRun || !resume && completeRuns(w.dir, old) > 0):
		// A shard cannot know whether the other sweep is abandoned; a new
		// run or sweep replaces it only when that loses no results.
		how := ", or give --resume to keep those of the same settings"
		if mode == shardRun {
			how = "; every shard of a sweep must be given the same settings"
		}
		return fmt.Errorf("the output directory %s holds the unmerged runs of another sweep (%s; this run differs: %s): "+
			"merge them (bohpsh merge %s), or discard them (rm -r %s)%s",
			w.d, old.Describe(), old.Difference(w.plan), w.d, w.dir, how)
	}
	if old == nil {
		if err := os.RemoveAll(w.dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return &OutputDirError{Dir: w.d, Err: unwrapPath(err)}
	}
	if fresh {
		if err := atomicfile.Write(filepath.Join(w.dir, planName), w.plan.encode()); err != nil {
			return err
		}
	}
	mine := w.plan.ShardRuns(w.shard)
	if mode == shardRun {
		if w.slock, err = lockfile.Acquire(filepath.Join(w.dir, shardLockName(w.shard.Index)), lockfile.Self(w.shardWhat())); err != nil {
			var held *lockfile.HeldError
			if errors.As(err, &held) {
				return fmt.Errorf("shard %s of %s is running already: %s", w.shard, w.d, held.Holder)
			}
			return &OutputDirError{Dir: w.d, Err: unwrapPath(err)}
		}
		os.Remove(filepath.Join(w.dir, shardStatusName(w.shard.Index)))
	}
	// refuse returns a refused record's error, first removing the work
	// area this run made (a merge would take it for D's results).
	refuse := func(err error) error {
		if fresh && mode != shardRun {
			os.RemoveAll(w.dir)
		}
		return err
	}
	keep := map[string]bool{}
	for _, id := range mine {
		rd := filepath.Join(w.dir, w.plan.RunDir(id))
		complete, other := false, ""
		if resume {
			if complete, other, err = completedRun(rd, w.plan, id); err != nil {
				return refuse(err)
			}
		}
		if complete {
			keep[w.plan.RunDir(id)] = true
			w.resumed[id] = true
			continue
		}
		os.RemoveAll(rd)
		// With resume, a run complete in D's committed results is taken
		// from there (hard links), except by a shard that joins a sweep
		// set up before (the setup did that).
		committed := filepath.Join(w.d, w.plan.RunDir(id))
		if resume && (fresh || mode != shardRun) {
			complete, otherCommitted, err := completedRun(committed, w.plan, id)
			if err != nil {
				return refuse(err)
			}
			if complete {
				if err := linkTree(committed, rd); err != nil {
					os.RemoveAll(rd)
					return fmt.Errorf("taking the results of %s from %s: %v", w.plan.RunName(id), w.d, err)
				}
				keep[w.plan.RunDir(id)] = true
				w.resumed[id] = true
				continue
			}
			if other == "" {
				other = otherCommitted
			}
		}
		if other != "" {
			w.unresumed.Runs++
			if w.unresumed.Why == "" {
				w.unresumed.Why = other
			}
		}
	}
	if mode != shardRun {
		return w.removeAllBut(keep, same && resume)
	}
	return nil
}

// completeRuns counts the runs of plan p that are complete in the work
// area dir.
func completeRuns(dir string, p *Plan) int {
	n := 0
	for _, id := range p.Runs() {
		if completeRecord(filepath.Join(dir, p.RunDir(id)), p, id) {
			n++
		}
	}
	return n
}

// removeAllBut removes from the work area every run directory not in keep,
// and the shards' files unless keepStatus.
func (w *workArea) removeAllBut(keep map[string]bool, keepStatus bool) error {
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == planName, keep[name]:
			continue
		case strings.HasPrefix(name, "shard-") && strings.HasSuffix(name, ".yaml") && keepStatus:
			continue
		case e.IsDir() && strings.Contains(name, "="):
			subs, _ := os.ReadDir(filepath.Join(w.dir, name))
			left := 0
			for _, s := range subs {
				if keep[filepath.Join(name, s.Name())] {
					left++
				} else {
					os.RemoveAll(filepath.Join(w.dir, name, s.Name()))
				}
			}
			if left > 0 {
				continue
			}
		}
		if err := os.RemoveAll(filepath.Join(w.dir, name)); err != nil {
			return err
		}
	}
	return nil
}

func (w *workArea) shardWhat() string {
	s := "bohpsh shard " + w.shard.String() + " of " + w.plan.Script
	if job := os.Getenv("SLURM_JOB_ID"); job != "" {
		s += " (Slurm job " + job + ")"
	}
	return s
}

// runDir is where run id writes its files.
func (w *workArea) runDir(id RunID) string { return filepath.Join(w.dir, w.plan.RunDir(id)) }

type liveShard struct {
	index  int
	holder lockfile.Holder
}

// liveShards lists the shards of the work area dir whose lock is held by
// a live process.
func liveShards(dir string) ([]liveShard, error) {
	locks, _ := filepath.Glob(filepath.Join(dir, "shard-*.lock"))
	var live []liveShard
	for _, l := range locks {
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(l), "shard-"), ".lock"))
		if err != nil {
			continue
		}
		h, isLive, found, err := lockfile.Read(l)
		if err != nil {
			return nil, err
		}
		if found && isLive {
			live = append(live, liveShard{i, h})
		} else if found {
			os.Remove(l) // stale: its process is gone
		}
	}
	sort.Slice(live, func(a, b int) bool { return live[a].index < live[b].index })
	return live, nil
}

// shardStatus is a shard's shard-I.yaml, written when it ends.
type shardStatus struct {
	Shard     int       `yaml:"shard"`
	Shards    int       `yaml:"shards"`
	Status    string    `yaml:"status"` // completed, failed, interrupted
	Runs      int       `yaml:"runs"`
	Completed int       `yaml:"completed_runs"`
	Resumed   int       `yaml:"resumed_runs"`
	Error     string    `yaml:"error,omitempty"`
	Host      string    `yaml:"host"`
	PID       int       `yaml:"pid"`
	SlurmJob  string    `yaml:"slurm_job,omitempty"`
	Started   time.Time `yaml:"started"`
	Finished  time.Time `yaml:"finished"`
}

// finishShard writes the shard's status.
func (w *workArea) finishShard(res *Result) error {
	st := shardStatus{Shard: w.shard.Index, Shards: w.shard.Count, Status: statusCompleted, Runs: len(res.Runs),
		Completed: res.Summary.Completed, Resumed: res.Resumed, PID: os.Getpid(),
		SlurmJob: os.Getenv("SLURM_JOB_ID"), Started: w.started.UTC(), Finished: time.Now().UTC()}
	st.Host, _ = os.Hostname()
	switch {
	case res.Err != nil:
		st.Status, st.Error = statusFailed, res.Err.Error()
	case res.Interrupted || st.Completed < st.Runs:
		st.Status = statusInterrupted
	}
	b, err := yaml.Marshal(st)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(w.dir, shardStatusName(w.shard.Index)), b)
}

// readShardStatus reads shard i's status: nil when it has not ended.
func readShardStatus(dir string, i int) (*shardStatus, error) {
	st := &shardStatus{}
	found, err := readYAMLFile(filepath.Join(dir, shardStatusName(i)), st)
	if !found {
		return nil, err
	}
	return st, err
}

// discard removes the records of the runs that ran (a compile or usage
// error made them worthless), and the work area if nothing else is left.
func (w *workArea) discard(res *Result) {
	for _, r := range res.Runs {
		if r.Started && !r.Resumed {
			os.RemoveAll(w.runDir(r.id()))
		}
	}
	if res.Resumed == 0 {
		entries, _ := os.ReadDir(w.dir)
		for _, e := range entries {
			if e.Name() != planName {
				return
			}
		}
		os.RemoveAll(w.dir)
	}
}

// close releases the locks.
func (w *workArea) close() {
	if w.slock != nil {
		w.slock.Release()
		w.slock = nil
	}
	if w.dlock != nil {
		w.dlock.Release()
		w.dlock = nil
	}
}

// recordedRuns counts the run records (RunFile) under dir.
func recordedRuns(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && e.Name() == RunFile {
			n++
		}
		return nil
	})
	return n
}
