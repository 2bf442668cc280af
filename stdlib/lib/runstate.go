package lib

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/d5/tengo/v2"
)

// UsageError marks an error caused by how the command was invoked rather
// than by the script: an unknown -p key, a value of the wrong type. The
// command exits with status 2 for it. It survives Tengo's runtime-error
// wrapping (errors.As finds it).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// IsUsage reports whether err is (or wraps) a *UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// Params holds a run's declared parameters and its command-line overrides.
// The params module (stdlib/params) fills Declared when the script calls
// params.declare; interp sets Overrides and Reserved before the run and
// reads Declared after it (for params.yaml).
type Params struct {
	// Overrides are the -p key=value and --sweep values, as typed on the
	// command line.
	Overrides map[string]string
	// Reserved are the parameters whose value the run itself sets (interp
	// reserves the seed). A script may declare one, with a default of the
	// same type, and gets the run's value; no override may set it.
	Reserved []ReservedParam
	// Declared are the declared parameters sorted by name, with their
	// resolved values; nil until params.declare was called.
	Declared []Param
	// IsDeclared reports whether params.declare was called.
	IsDeclared bool
}

// Param is one declared parameter.
type Param struct {
	Name       string
	Doc        string       // one line, may be empty
	Default    tengo.Object // the script's default (int, float, bool or string)
	Value      tengo.Object // the resolved value (same type as Default)
	Overridden bool         // set from the command line (-p or --sweep)
	Reserved   bool         // set by the run (see Params.Reserved)
}

// ReservedParam is a parameter whose value the run sets.
type ReservedParam struct {
	Name    string
	Value   tengo.Object // the run's value
	What    string       // what it is, for messages: "the run's seed"
	SetWith string       // how the command line sets it: "--seed (or --seeds)"
}

// EpisodesParam is the declared int parameter that gives a run's planned
// number of episodes (progress bar, ETA) when metrics.progress has not.
const EpisodesParam = "episodes"

// SetDeclared records the parameters params.declare resolved.
func (e *Env) SetDeclared(declared []Param) {
	e.Params.Declared, e.Params.IsDeclared = declared, true
	if p, ok := e.Params.Lookup(EpisodesParam); ok && e.Metrics != nil {
		if n, ok := p.Value.(*tengo.Int); ok && n.Value > 0 {
			e.Metrics.total.CompareAndSwap(0, n.Value)
		}
	}
}

// Lookup returns the declared parameter name.
func (p *Params) Lookup(name string) (*Param, bool) {
	if p == nil {
		return nil, false
	}
	i := sort.Search(len(p.Declared), func(i int) bool { return p.Declared[i].Name >= name })
	if i < len(p.Declared) && p.Declared[i].Name == name {
		return &p.Declared[i], true
	}
	return nil, false
}

// Series is the recorded values of one metric, sorted by episode.
type Series struct {
	Name     string
	Episodes []int
	Values   []float64
}

// FinalRule says which episodes of a run count as final; the run's final
// value of a metric is the mean of its values over those episodes.
type FinalRule struct {
	From int // episodes >= From are final (when Last == 0)
	Last int // the last Last recorded episodes are final (when > 0)
}

// String describes the rule, e.g. "last 500 episodes" or "episodes >= 4500".
func (r FinalRule) String() string {
	if r.Last > 0 {
		if r.Last == 1 {
			return "last episode"
		}
		return fmt.Sprintf("last %d episodes", r.Last)
	}
	return fmt.Sprintf("episodes >= %d", r.From)
}

// Metrics collects the per-episode values a run records (metrics module,
// stdlib/metrics). A run owns one; only the progress counters may be read
// from another goroutine while the run is going (Progress).
type Metrics struct {
	series []*Series
	index  map[string]*Series
	// Final is the rule for final episodes; default: the last episode.
	Final FinalRule

	done  atomic.Int64 // episodes done (explicit progress or recorded)
	total atomic.Int64 // episodes planned (0: unknown)
}

// NewMetrics returns an empty collection whose final rule is "last episode".
func NewMetrics() *Metrics {
	return &Metrics{index: map[string]*Series{}, Final: FinalRule{Last: 1}}
}

// Record stores value for metric name at episode. Episodes may come in any
// order, but a metric gets at most one value per episode.
func (m *Metrics) Record(name string, episode int, value float64) error {
	if m.index == nil {
		m.index = map[string]*Series{}
	}
	s := m.index[name]
	if s == nil {
		s = &Series{Name: name}
		m.index[name] = s
		m.series = append(m.series, s)
	}
	n := len(s.Episodes)
	if n == 0 || episode > s.Episodes[n-1] {
		s.Episodes = append(s.Episodes, episode)
		s.Values = append(s.Values, value)
	} else {
		i := sort.SearchInts(s.Episodes, episode)
		if s.Episodes[i] == episode {
			return fmt.Errorf("metric %q already has a value for episode %d", name, episode)
		}
		s.Episodes = append(s.Episodes, 0)
		s.Values = append(s.Values, 0)
		copy(s.Episodes[i+1:], s.Episodes[i:])
		copy(s.Values[i+1:], s.Values[i:])
		s.Episodes[i] = episode
		s.Values[i] = value
	}
	if n := int64(len(s.Episodes)); n > m.done.Load() {
		m.done.Store(n)
	}
	return nil
}

// CheckNew refuses the name of a metric not yet recorded when the outputs
// cannot hold it (CheckName), or when its figure would be the file of
// another metric's (MetricFile, FileKey): one would overwrite the other.
func (m *Metrics) CheckNew(name string) error {
	return checkNewMetric(name, len(m.series), func(i int) string { return m.series[i].Name })
}

// CheckMetricNames checks a run's metric names (in the order it recorded
// them) as CheckNew checked each when it was new: the names of a run read
// back from its record, which an older bohpsh (or an edit) may have let in.
func CheckMetricNames(names []string) error {
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("metric name %q is listed twice", n)
		}
		if err := checkNewMetric(n, i, func(j int) string { return names[j] }); err != nil {
			return err
		}
	}
	return nil
}

// checkNewMetric checks name against the CheckName rules and the n names
// recorded before it (name(i), i < n).
func checkNewMetric(name string, n int, earlier func(int) string) error {
	if err := CheckName("metric name", name); err != nil {
		return err
	}
	file := MetricFile(name)
	key := FileKey(file)
	for i := range n {
		if other := MetricFile(earlier(i)); FileKey(other) == key {
			return fmt.Errorf("metric names %q and %q would share one figure file, %s.png%s: rename one of them", earlier(i), name, other, SameFileNote(other, file))
		}
	}
	return nil
}

// Series returns the recorded metrics in the order they were first recorded.
func (m *Metrics) Series() []*Series { return m.series }

// Get returns the series of metric name, or nil.
func (m *Metrics) Get(name string) *Series { return m.index[name] }

// FinalValue returns the mean of s over its final episodes (by m.Final) and
// how many episodes that is; NaN and 0 when there are none.
func (m *Metrics) FinalValue(s *Series) (mean float64, n int) {
	lo := 0
	if m.Final.Last > 0 {
		lo = max(0, len(s.Values)-m.Final.Last)
	} else {
		lo = sort.SearchInts(s.Episodes, m.Final.From)
	}
	n = len(s.Values) - lo
	if n <= 0 {
		return math.NaN(), 0
	}
	sum := 0.0
	for _, v := range s.Values[lo:] {
		sum += v
	}
	return sum / float64(n), n
}

// SetProgress sets the run's progress explicitly (metrics.progress):
// episodes done (recording an episode beyond it still advances it) and
// planned; total <= 0 leaves total alone.
func (m *Metrics) SetProgress(done, total int64) {
	m.done.Store(done)
	if total > 0 {
		m.total.Store(total)
	}
}

// Progress returns episodes done and planned (0 when unknown). Safe to call
// from another goroutine while the run is going.
func (m *Metrics) Progress() (done, total int64) {
	return m.done.Load(), m.total.Load()
}
