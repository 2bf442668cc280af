package interp

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// keptReads lists the files that the runs of res read (lib.Env.Reads)
// inside D's committed results, which committing res replaces: relative to
// D, sorted. Those results are then kept rather than removed, so that
// evaluating a checkpoint written into the same output directory loses
// neither the checkpoint nor the other runs' results. A merge rewriting D's
// own results (from is D) replaces nothing, and a run whose record is D's
// own (taken by --resume) read what its results replaced back then.
func keptReads(d, from string, res *Result) []string {
	entries := committedEntries(d)
	if from == d || len(entries) == 0 {
		return nil
	}
	var out []string
	for _, r := range res.Runs {
		if r.Env == nil || len(r.Env.Reads) == 0 {
			continue
		}
		rd := res.Plan.RunDir(r.id())
		if sameFile(filepath.Join(from, rd, RunFile), filepath.Join(d, rd, RunFile)) {
			continue
		}
		for _, f := range r.Env.Reads {
			rel, ok := pathIn(d, f)
			if !ok || !slices.Contains(entries, strings.SplitN(rel, string(filepath.Separator), 2)[0]) {
				continue
			}
			if _, err := os.Stat(f); err == nil {
				out = append(out, rel)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pathIn gives the path of file f (absolute) relative to directory d, when
// f is below d, lexically or once links are resolved.
func pathIn(d, f string) (string, bool) {
	below := func(dir, p string) (string, bool) {
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", false
		}
		return rel, true
	}
	absD, err := filepath.Abs(d)
	if err != nil {
		return "", false
	}
	if rel, ok := below(absD, f); ok {
		return rel, true
	}
	realD, err1 := filepath.EvalSymlinks(absD)
	realF, err2 := filepath.EvalSymlinks(f)
	if err1 != nil || err2 != nil {
		return "", false
	}
	return below(realD, realF)
}

// lacksPrevious reports whether res is incomplete (interrupted, or with
// runs failed or missing) and lacks something of D's committed results,
// which committing it replaces: those are then kept rather than removed,
// so that nothing is replaced by something less complete without a copy.
// Results of other settings are lacked whole, complete or not. Of the same
// settings, a run's record is lacked unless res holds that run complete,
// or the very same record (taken over by --resume, or a merge of the same
// sweep), or, for a record left unfinished, a record at least as far on
// (episodes done): the same settings give the same results, so that one
// holds all the earlier one had. So --resume, and a merge of more of a
// sweep's shards, replace the incomplete results they continue; an
// interrupted --resume that got less far than the run it resumes keeps
// that run's results. A merge rewriting D's own results (from is D)
// replaces nothing.
func lacksPrevious(d, from string, res *Result) bool {
	if !res.Interrupted && res.Summary.Completed == res.Summary.Runs || from == d || len(committedEntries(d)) == 0 {
		return false
	}
	old, err := readPlan(ctlPath(d, planName))
	if err != nil || old == nil || old.Difference(res.Plan) != "" {
		return true
	}
	for _, r := range res.Runs {
		rd := res.Plan.RunDir(r.id())
		rec, err := readRecord(filepath.Join(d, rd))
		switch {
		case err != nil:
			return true
		case rec == nil || r.Completed() || r.Started && sameFile(filepath.Join(from, rd, RunFile), filepath.Join(d, rd, RunFile)):
			continue
		case rec.Status == statusCompleted || !r.Started || !rec.matches(res.Plan, r.id()):
			return true
		}
		if done, _ := r.Env.Metrics.Progress(); done < rec.Done {
			return true
		}
	}
	return false
}

func sameFile(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// keptNotice says where D's previous results went and why: the files the
// runs read from them (and where they are now), or else the incompleteness
// of res, which replaced them.
func keptNotice(d, kept string, reads []string, res *Result) string {
	if len(reads) == 0 {
		how := fmt.Sprintf("%d of %d runs complete", res.Summary.Completed, res.Summary.Runs)
		if res.Interrupted {
			how = "interrupted, " + how
		}
		return fmt.Sprintf("the earlier results in %s were kept, all of them, in %s, since the results now there are incomplete (%s)", d, kept, how)
	}
	shown := reads
	if len(shown) > 3 {
		shown = shown[:3]
	}
	var was, now []string
	for _, r := range shown {
		was = append(was, filepath.Join(d, r))
		now = append(now, filepath.Join(kept, r))
	}
	more := ""
	if n := len(reads) - len(shown); n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	return fmt.Sprintf("the results that this run replaces in %s were kept, all of them, in %s, since it read %s%s from them (now %s%s)",
		d, kept, strings.Join(was, ", "), more, strings.Join(now, ", "), more)
}
