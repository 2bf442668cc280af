package interp

import (
	"math"
	"slices"
	"time"

	"github.com/bohpsh/bohpsh/internal/stats"
)

// Summary is the outcome of a script's runs, computed once when they have
// ended (Result.Summary). summary.yaml, the command's closing lines and the
// learning-curve figures all read it, so they agree.
//
// A run's final value of a metric is its mean over its final episodes
// (lib.Metrics.FinalValue). Only completed runs count in the statistics:
// an unfinished run (an error, Ctrl-C, --timeout) stopped short of its
// final episodes, so its value is listed apart (MetricSummary.Unfinished)
// and its curve is drawn apart.
type Summary struct {
	Runs        int           // runs planned
	Completed   int           // runs that finished without error
	Failed      []RunFailure  // runs that ended with an error (not an interruption), in output order
	Missing     []RunID       // runs without results: not started (stopped before), or of a shard that did not run
	Interrupted bool          // the runs were cancelled (Ctrl-C, --timeout)
	Wall        time.Duration // from the first run's start to the last run's end
	Episodes    int64         // episodes done, over all runs
	FinalRule   string        // which episodes are final ("" when no run recorded a metric)
	Groups      []Group       // one per sweep value (one without a sweep)
}

// RunFailure is a run that failed and its error.
type RunFailure struct {
	RunID
	Err error
}

// EpisodesPerSecond is Episodes over Wall (0 when no time passed).
func (s *Summary) EpisodesPerSecond() float64 {
	if secs := s.Wall.Seconds(); secs > 0 {
		return float64(s.Episodes) / secs
	}
	return 0
}

// Group summarises the runs of one sweep value.
type Group struct {
	SweepIndex int             // index into Sweep.Values (0 without a sweep)
	Label      string          // "key=value" ("" without a sweep)
	Metrics    []MetricSummary // in the order of their first record
}

// MetricSummary summarises one metric over the runs of a group.
type MetricSummary struct {
	Name string
	// Median and quartiles (type 7, as the figures) of the completed runs'
	// finite final values; NaN when there are none.
	Median, Q25, Q75 float64
	Finite           int         // completed runs with a finite final value: the statistics' sample
	Nonfinite        int         // completed runs whose final value is NaN or infinite
	PerSeed          []SeedValue // the completed runs' final values, in run order
	Unfinished       []SeedValue // the unfinished runs' means over the final episodes they reached
	// The per-episode values of the completed and of the unfinished runs
	// (that recorded the metric), for the figures.
	Curves, UnfinishedCurves [][]float64
}

// SeedValue is one run's value.
type SeedValue struct {
	Seed  int64
	Value float64
}

// summarize computes the summary of res's runs.
func summarize(res *Result, cfg Config) *Summary {
	s := &Summary{Runs: len(res.Runs), Interrupted: res.Interrupted, Wall: res.Wall}
	for _, r := range res.Runs {
		if r.Completed() {
			s.Completed++
		}
		if r.Failed() {
			s.Failed = append(s.Failed, RunFailure{r.id(), r.Err})
		}
		if !r.Started {
			s.Missing = append(s.Missing, r.id())
		}
		done, _ := r.Env.Metrics.Progress()
		s.Episodes += done
		if s.FinalRule == "" && r.Started && len(r.Env.Metrics.Series()) > 0 {
			s.FinalRule = r.Env.Metrics.Final.String()
		}
	}
	groups := 1
	if cfg.Sweep != nil {
		groups = len(cfg.Sweep.Values)
	}
	for si := range groups {
		g := Group{SweepIndex: si}
		if cfg.Sweep != nil {
			g.Label = cfg.Sweep.Key + "=" + cfg.Sweep.Values[si]
		}
		var runs []*Run
		for _, r := range res.Runs {
			if r.SweepIndex == si {
				runs = append(runs, r)
			}
		}
		for _, name := range metricNames(runs) {
			g.Metrics = append(g.Metrics, summarizeMetric(name, runs))
		}
		s.Groups = append(s.Groups, g)
	}
	return s
}

func summarizeMetric(name string, runs []*Run) MetricSummary {
	m := MetricSummary{Name: name}
	var finite []float64
	for _, r := range runs {
		series := r.Env.Metrics.Get(name)
		if series == nil {
			continue
		}
		if len(series.Values) > 0 {
			if r.Completed() {
				m.Curves = append(m.Curves, series.Values)
			} else {
				m.UnfinishedCurves = append(m.UnfinishedCurves, series.Values)
			}
		}
		v, n := r.Env.Metrics.FinalValue(series)
		switch {
		case n == 0:
		case !r.Completed():
			m.Unfinished = append(m.Unfinished, SeedValue{r.Seed, v})
		case math.IsNaN(v) || math.IsInf(v, 0):
			m.PerSeed = append(m.PerSeed, SeedValue{r.Seed, v})
			m.Nonfinite++
		default:
			m.PerSeed = append(m.PerSeed, SeedValue{r.Seed, v})
			finite = append(finite, v)
		}
	}
	slices.Sort(finite)
	m.Finite = len(finite)
	m.Median, m.Q25, m.Q75 = stats.Quantile(finite, 0.5), stats.Quantile(finite, 0.25), stats.Quantile(finite, 0.75)
	return m
}

// metricNames lists the metrics of runs, in the order of their first
// record in the first run that has them.
func metricNames(runs []*Run) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, s := range r.Env.Metrics.Series() {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}
