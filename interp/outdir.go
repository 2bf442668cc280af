package interp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/lockfile"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"gopkg.in/yaml.v3"
)

// The output directory protocol. A run's output directory D (--out
// DIR/<script name>) holds the committed results of the last run that
// finished there, the user's own files, and a control directory:
//
//	D/.bohpsh/lock          held by the run or merge that uses D (package lockfile)
//	D/.bohpsh/manifest      the entries of D the committed results own (one a line)
//	D/.bohpsh/plan.yaml     the plan of the committed results (see Plan)
//	D/.bohpsh/work/         the run or sharded sweep in progress: plan.yaml, each
//	                        run's directory (its files, metrics.csv, run.yaml), and
//	                        per shard shard-I.lock (while it runs) and shard-I.yaml
//	D/.bohpsh/stage-*/      the next results, being assembled, and in its own
//	                        .bohpsh/ the manifest and plan.yaml they will have
//	D/.bohpsh/commit        the journal of a commit under way
//	D/.bohpsh/trash/        the replaced results, being removed
//	D/.bohpsh/slurm/        bohpsh slurm's batch scripts and job logs
//
// Runs write only into the work area. When a run (or a merge) has all its
// outputs, it assembles them in a stage directory (linking the run
// directories from the work area) and commits: the files written into
// the stage are synced, all at once, with the journal, which lists the old
// and new entries; the old ones are moved to the trash, the new ones moved
// into D, the manifest and plan moved from the stage into the control
// directory, the journal removed. A process killed during a commit leaves
// the journal, and the next one to lock D finishes the commit. So a run
// that fails before it has its outputs (a typo, a compile error, a crash,
// kill -9) leaves D's results exactly as they were, and the results in D
// are always those of one run.
//
// A run that read files of the results it replaces (evaluating a checkpoint
// that the previous run wrote into the same directory: -p
// checkpoint=D/seed-0/net.yaml) does not delete them: the old entries move,
// with their manifest and plan, into a new directory of D named after the
// time they were committed (D/20060102-150405/, as a run without --out names
// its directory) instead of the trash, and the commit says so. So do
// incomplete results (a run interrupted, runs failed, a partial merge): they
// never delete the results they replace, unless those are of the same plan
// and each of their runs is complete in them, or at least as far on
// (--resume, a later merge of the same sweep: see lacksPrevious). That
// directory is the user's from then on: later commits leave it alone.
const controlDir = ".bohpsh"

const (
	lockName     = "lock"
	manifestName = "manifest"
	planName     = "plan.yaml"
	workName     = "work"
	journalName  = "commit"
	trashName    = "trash"
	stagePrefix  = "stage-"
	// SlurmDir is where bohpsh slurm writes its batch scripts and logs,
	// relative to the output directory.
	SlurmDir = controlDir + "/slurm"
)

func ctlPath(d string, parts ...string) string {
	return filepath.Join(append([]string{d, controlDir}, parts...)...)
}

// OutputDirError is an output directory that cannot be written (a
// read-only mount, no permission): found before any run starts.
type OutputDirError struct {
	Dir string
	Err error
}

func (e *OutputDirError) Error() string {
	return fmt.Sprintf("cannot write to the output directory %s: %v", e.Dir, e.Err)
}
func (e *OutputDirError) Unwrap() error { return e.Err }

// BusyError is an output directory locked by another live process.
type BusyError struct {
	Dir    string
	Holder lockfile.Holder
	Lock   string // the lock file
}

func (e *BusyError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("the output directory %s is in use (lock file %s of an unknown process)", e.Dir, e.Lock)
	}
	return fmt.Sprintf("the output directory %s is in use by %s; wait for it to end or use another --out "+
		"(the lock file %s is taken over once that process has died)", e.Dir, e.Holder, e.Lock)
}

// lockOutDir creates D's control directory and takes D's lock for a
// process doing what. A lock whose holder's What starts with one of wait
// (a registration, a merge: short) is waited for, up to ten minutes or
// until ctx is cancelled (Ctrl-C). Under the lock, an interrupted commit
// is finished and what killed processes left is removed.
func lockOutDir(ctx context.Context, d, what string, wait ...string) (*lockfile.Lock, error) {
	if err := os.MkdirAll(ctlPath(d), 0o755); err != nil {
		return nil, &OutputDirError{Dir: d, Err: unwrapPath(err)}
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		l, err := lockfile.Acquire(ctlPath(d, lockName), lockfile.Self(what))
		var held *lockfile.HeldError
		if errors.As(err, &held) {
			short := slices.ContainsFunc(wait, func(p string) bool { return strings.HasPrefix(held.Holder.What, p) })
			if short && time.Now().Before(deadline) {
				select {
				case <-ctx.Done():
					return nil, fmt.Errorf("stopped while waiting for %s to release the output directory %s: %w", held.Holder, d, ctx.Err())
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			return nil, &BusyError{Dir: d, Holder: held.Holder, Lock: held.Path}
		}
		if err != nil {
			return nil, &OutputDirError{Dir: d, Err: unwrapPath(err)}
		}
		if err := recoverCommit(d); err != nil {
			l.Release()
			return nil, err
		}
		cleanLeftovers(d)
		return l, nil
	}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// readYAMLFile decodes the YAML file path into v; found is false (and err
// nil) when there is no such file.
func readYAMLFile(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("%s: %v", path, err)
	}
	return true, nil
}

// writeFile writes path atomically, unsynced, into files (see
// atomicfile.Group); the error names path, or shown when given (a staged
// file's final place).
func writeFile(files *atomicfile.Group, path string, write func(io.Writer) error, shown ...string) error {
	err := files.WriteFunc(path, write)
	var ae *atomicfile.Error
	if err != nil && len(shown) > 0 && errors.As(err, &ae) {
		ae.Path = shown[0]
	}
	return err
}

// journal is the record of a commit under way.
type journal struct {
	Stage string   `yaml:"stage"` // the stage directory's name in the control directory
	Old   []string `yaml:"old"`   // the committed entries it replaces
	New   []string `yaml:"new"`   // the stage's entries
	Plan  string   `yaml:"plan"`  // the new plan.yaml
	// Kept, when set, is the directory of D the old entries move into
	// instead of the trash, with OldPlan, their plan.yaml.
	Kept    string `yaml:"kept,omitempty"`
	OldPlan string `yaml:"old_plan,omitempty"`
}

// newStage creates an empty stage directory.
func newStage(d string) (string, error) {
	var r [6]byte
	rand.Read(r[:])
	stage := ctlPath(d, stagePrefix+hex.EncodeToString(r[:]))
	if err := os.Mkdir(stage, 0o755); err != nil {
		return "", &OutputDirError{Dir: d, Err: unwrapPath(err)}
	}
	return stage, nil
}

// commitStage makes stage's entries D's committed results, in place of
// the previous ones (D's lock must be held). With keep, the previous ones
// are kept in a new directory of D, whose name it returns. files are the
// stage's files written without sync: they are synced, with the manifest
// and plan the commit installs (written into the stage's own control
// directory) and the journal, in one concurrent batch before the journal
// is renamed into place (see atomicfile.Group), so that a journal found
// after a machine crash commits complete files.
func commitStage(d, stage string, p *Plan, keep bool, files *atomicfile.Group) (kept string, err error) {
	entries, err := os.ReadDir(stage)
	if err != nil {
		return "", err
	}
	j := &journal{Stage: filepath.Base(stage), Old: committedEntries(d), Plan: string(p.encode())}
	for _, e := range entries {
		if validEntry(e.Name()) {
			j.New = append(j.New, e.Name())
		}
	}
	if keep && len(j.Old) > 0 {
		j.Kept = keptName(d)
		if b, err := os.ReadFile(ctlPath(d, planName)); err == nil {
			j.OldPlan = string(b)
		}
	}
	if err := files.Write(filepath.Join(stage, controlDir, manifestName), manifestOf(j.New)); err != nil {
		return "", err
	}
	if err := files.Write(filepath.Join(stage, controlDir, planName), []byte(j.Plan)); err != nil {
		return "", err
	}
	var b bytes.Buffer
	yaml.NewEncoder(&b).Encode(j)
	if err := files.Commit(ctlPath(d, journalName), b.Bytes()); err != nil {
		return "", err
	}
	return j.Kept, rollForward(d, j)
}

// manifestOf is the manifest listing entries.
func manifestOf(entries []string) []byte { return []byte(strings.Join(entries, "\n") + "\n") }

// keptName names the directory of D that keeps its committed results: the
// time they were committed, as outputDir names a run's directory, with -2,
// -3, ... when taken.
func keptName(d string) string {
	t := time.Now()
	if info, err := os.Stat(ctlPath(d, manifestName)); err == nil {
		t = info.ModTime()
	}
	base := t.Format(dirTimeLayout)
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(d, name)); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// recoverCommit finishes a commit that a killed process left.
func recoverCommit(d string) error {
	b, err := os.ReadFile(ctlPath(d, journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	j := &journal{}
	if err := yaml.Unmarshal(b, j); err != nil || j.Stage == "" {
		return fmt.Errorf("%s: a damaged commit journal (%v); remove it to go on", ctlPath(d, journalName), err)
	}
	return rollForward(d, j)
}

// rollForward moves the old entries out and the new ones in. Every step
// can be redone: an entry still in the stage has not been moved in, so what
// D holds under its name is old.
func rollForward(d string, j *journal) error {
	stage := ctlPath(d, filepath.Base(j.Stage))
	trash := ctlPath(d, trashName)
	staged := func(e string) bool { _, err := os.Lstat(filepath.Join(stage, e)); return err == nil }
	out := trash // where the old entries go
	if j.Kept != "" {
		if !validEntry(j.Kept) {
			return fmt.Errorf("%s: a damaged commit journal (kept: %q); remove it to go on", ctlPath(d, journalName), j.Kept)
		}
		out = filepath.Join(d, j.Kept)
		if err := writeKeptControl(out, j); err != nil {
			return err
		}
	}
	for _, e := range unionNames(j.Old, j.New) {
		if slices.Contains(j.New, e) && !staged(e) {
			continue // already moved in
		}
		dst := filepath.Join(d, e)
		if _, err := os.Lstat(dst); err != nil {
			continue
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if out == trash {
			os.RemoveAll(filepath.Join(trash, e))
		}
		if err := beforeMove(); err != nil {
			return err
		}
		if err := os.Rename(dst, filepath.Join(out, e)); err != nil {
			return fmt.Errorf("replacing %s: %v", dst, unwrapPath(err))
		}
	}
	for _, e := range j.New {
		if !validEntry(e) || !staged(e) {
			continue
		}
		if err := beforeMove(); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(stage, e), filepath.Join(d, e)); err != nil {
			return fmt.Errorf("moving %s into place: %v", filepath.Join(d, e), unwrapPath(err))
		}
	}
	if err := installControl(d, stage, manifestName, manifestOf(j.New)); err != nil {
		return err
	}
	if err := installControl(d, stage, planName, []byte(j.Plan)); err != nil {
		return err
	}
	if err := os.Remove(ctlPath(d, journalName)); err != nil {
		return err
	}
	os.RemoveAll(trash)
	os.RemoveAll(stage)
	return nil
}

// installControl puts the file name of D's control directory in place,
// with content b: the stage's copy (synced before the journal was
// written: see commitStage) is renamed there, with no fsync to wait for;
// without one (moved in already by a commit that was then killed, or a
// journal of an older bohpsh) it is written, synced.
func installControl(d, stage, name string, b []byte) error {
	if err := beforeMove(); err != nil {
		return err
	}
	err := os.Rename(filepath.Join(stage, controlDir, name), ctlPath(d, name))
	if errors.Is(err, fs.ErrNotExist) {
		return atomicfile.Write(ctlPath(d, name), b)
	}
	return err
}

// writeKeptControl gives the directory that keeps D's old entries their
// manifest and plan, so that it is an output directory of its own (bohpsh
// merge reads it).
func writeKeptControl(kept string, j *journal) error {
	if err := os.MkdirAll(ctlPath(kept), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(ctlPath(kept, manifestName), manifestOf(j.Old)); err != nil {
		return err
	}
	if j.OldPlan == "" {
		return nil
	}
	return atomicfile.Write(ctlPath(kept, planName), []byte(j.OldPlan))
}

// beforeMove is called before each move of a commit: tests make it fail
// to stop the commit where a killed process would.
var beforeMove = func() error { return nil }

func unionNames(a, b []string) []string {
	var out []string
	for _, e := range append(slices.Clone(a), b...) {
		if validEntry(e) && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// validEntry reports whether e may be an entry of the results: a plain
// name, not the control directory.
func validEntry(e string) bool {
	return e != "" && e != "." && e != ".." && e != controlDir && !strings.ContainsAny(e, `/\`)
}

// committedEntries lists the entries of D that its committed results own:
// the manifest's, or for results written before there was one, the names
// bohpsh has always written (params.yaml, metrics.csv, summary.yaml, the
// run directories, and the figures of the metrics in summary.yaml).
func committedEntries(d string) []string {
	if b, err := os.ReadFile(ctlPath(d, manifestName)); err == nil {
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if validEntry(line) {
				out = append(out, line)
			}
		}
		return out
	}
	entries, err := os.ReadDir(d)
	if err != nil {
		return nil
	}
	figures := legacyFigures(d)
	var out []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && (strings.HasPrefix(name, "seed-") || strings.Contains(name, "=")),
			!e.IsDir() && (name == ParamsFile || name == MetricsFile || name == SummaryFile || figures[name]):
			out = append(out, name)
		}
	}
	return out
}

// legacyFigures names the figures of the metrics in D's summary.yaml.
func legacyFigures(d string) map[string]bool {
	var sum struct {
		Metrics map[string]any `yaml:"metrics"`
		Sweep   struct {
			Results []struct {
				Metrics map[string]any `yaml:"metrics"`
			} `yaml:"results"`
		} `yaml:"sweep"`
	}
	b, err := os.ReadFile(filepath.Join(d, SummaryFile))
	if err != nil || yaml.Unmarshal(b, &sum) != nil {
		return nil
	}
	out := map[string]bool{}
	add := func(m map[string]any) {
		for name := range m {
			out[lib.MetricFile(name)+".png"] = true
			out[lib.MetricFile(name)+".svg"] = true
		}
	}
	add(sum.Metrics)
	for _, r := range sum.Sweep.Results {
		add(r.Metrics)
	}
	return out
}

// cleanLeftovers removes what killed processes left in D (its lock must be
// held): stage directories, the trash, the temporary files of atomic writes
// into the control directory, into the committed run directories, and of
// the results' own files in D (.metrics.csv.tmp123), and lock files' own
// temporary files older than a minute. The user's files are left alone.
func cleanLeftovers(d string) {
	ctl := ctlPath(d)
	if entries, err := os.ReadDir(ctl); err == nil {
		for _, e := range entries {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, stagePrefix) && e.IsDir(), name == trashName, atomicfile.IsTemp(name):
				os.RemoveAll(filepath.Join(ctl, name))
			case lockfile.IsTemp(name, lockName):
				if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Minute {
					os.Remove(filepath.Join(ctl, name))
				}
			}
		}
	}
	owned := map[string]bool{ParamsFile: true, MetricsFile: true, SummaryFile: true}
	for _, e := range committedEntries(d) {
		owned[e] = true
		if info, err := os.Lstat(filepath.Join(d, e)); err == nil && info.IsDir() {
			removeTemps(filepath.Join(d, e))
		}
	}
	entries, _ := os.ReadDir(d)
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && atomicfile.IsTemp(name) {
			inner := strings.TrimPrefix(name[:strings.LastIndex(name, ".tmp")], ".")
			if owned[inner] || strings.HasSuffix(inner, ".png") || strings.HasSuffix(inner, ".svg") {
				os.Remove(filepath.Join(d, name))
			}
		}
	}
}

// removeTemps removes atomic writes' temporary files under dir.
func removeTemps(dir string) {
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && atomicfile.IsTemp(e.Name()) {
			os.Remove(path)
		}
		return nil
	})
}

// linkTree makes dst a copy of the directory src whose files are hard
// links to src's (copies where links are not possible): results are
// written once and never modified in place, so the two share them safely.
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			return os.MkdirAll(target, 0o755)
		case atomicfile.IsTemp(e.Name()):
			return nil
		case e.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		}
		if err := os.Link(path, target); err == nil {
			return nil
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(out)
	_, err = io.Copy(bw, in)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
