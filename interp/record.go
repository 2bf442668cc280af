package interp

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"gopkg.in/yaml.v3"
)

// RunFile is a run's record in its own directory (next to the run's
// metrics.csv, its rows of the run's metrics.csv): the run's settings, how
// it ended, its parameters and what the summary needs. It is written last,
// so a run directory with a RunFile holds the run's complete results;
// merging reads the records, and --resume skips the runs whose record says
// completed with the same settings.
const RunFile = "run.yaml"

// Run statuses in a RunFile.
const (
	statusCompleted   = "completed"
	statusFailed      = "failed"
	statusInterrupted = "interrupted"
)

// runTimes is when a run started and ended, and the --jobs of its process.
type runTimes struct {
	Started, Finished time.Time
	Jobs              int
}

// saveRun writes run r's metrics.csv and then its RunFile into dir. They
// are not fsynced (a millisecond or more each, per run): the record
// carries the checksum of metrics.csv, so a pair that a machine crash left
// torn (the record written, its metrics lost) is not taken as complete.
// The files the script wrote into dir, which the checksum does not cover,
// are synced first, all at once (lib.Env.Unsynced): a record found after
// a crash vouches for them.
func saveRun(dir string, p *Plan, r *Run, t runTimes) error {
	if r.Env.Unsynced != nil {
		if err := r.Env.Unsynced.Sync(); err != nil {
			return err
		}
	}
	sum := sha256.New()
	if err := atomicfile.WriteFuncNoSync(filepath.Join(dir, MetricsFile), func(w io.Writer) error {
		w = io.MultiWriter(w, sum)
		if _, err := io.WriteString(w, metricsHeader(p.Sweep)); err != nil {
			return err
		}
		return writeRunRows(w, r, p.Sweep)
	}); err != nil {
		return err
	}
	return atomicfile.WriteFuncNoSync(filepath.Join(dir, RunFile), func(w io.Writer) error {
		return encodeYAML(w, runRecordDoc(p, r, t, hex.EncodeToString(sum.Sum(nil))))
	})
}

func runRecordDoc(p *Plan, r *Run, t runTimes, metricsSHA string) *yaml.Node {
	doc := ymap()
	yset(doc, "script", ystr(p.Script))
	yset(doc, "script_sha256", ystr(p.ScriptSHA))
	yset(doc, "seed", yint(r.Seed))
	if p.Sweep != nil {
		yset(doc, "sweep_key", ystr(p.Sweep.Key))
		yset(doc, "sweep_value", ystr(r.SweepValue))
	}
	ov := yset(doc, "overrides", ymap())
	for _, k := range slices.Sorted(maps.Keys(p.Overrides)) {
		yset(ov, k, ystr(p.Overrides[k]))
	}
	switch {
	case r.Err == nil:
		yset(doc, "status", ystr(statusCompleted))
	case isInterruption(r.Err):
		yset(doc, "status", ystr(statusInterrupted))
		yset(doc, "error", ystr(r.Err.Error()))
	default:
		yset(doc, "status", ystr(statusFailed))
		yset(doc, "error", ystr(r.Err.Error()))
		if lib.IsUsage(r.Err) {
			yset(doc, "usage_error", ybool(true))
		}
		if IsInternal(r.Err) {
			yset(doc, "internal_error", ybool(true))
		}
	}
	yset(doc, "started", ystr(t.Started.UTC().Format(time.RFC3339Nano)))
	yset(doc, "finished", ystr(t.Finished.UTC().Format(time.RFC3339Nano)))
	yset(doc, "wall_seconds", yfloat(r.Wall.Seconds()))
	yset(doc, "jobs", yint(int64(t.Jobs)))
	host, _ := os.Hostname()
	yset(doc, "host", ystr(host))
	m := r.Env.Metrics
	done, planned := m.Progress()
	yset(doc, "episodes_done", yint(done))
	yset(doc, "episodes_planned", yint(planned))
	yset(doc, "final_last", yint(int64(m.Final.Last)))
	yset(doc, "final_from", yint(int64(m.Final.From)))
	names := yseq(true)
	for _, s := range m.Series() {
		names.Content = append(names.Content, ystr(s.Name))
	}
	yset(doc, "metrics", names)
	yset(doc, "metrics_sha256", ystr(metricsSHA))
	if len(r.Env.Reads) > 0 {
		// The commit that takes this run's results keeps the results
		// these lie in (see keptReads).
		reads := yset(doc, "reads", yseq(false))
		for _, f := range r.Env.Reads {
			reads.Content = append(reads.Content, ystr(f))
		}
	}
	if r.Env.Params.IsDeclared {
		ps := yset(doc, "params", yseq(false))
		for _, prm := range r.Env.Params.Declared {
			e := ymap()
			yset(e, "name", ystr(prm.Name))
			yset(e, "doc", ystr(prm.Doc))
			yset(e, "default", yvalue(prm.Default))
			yset(e, "value", yvalue(prm.Value))
			yset(e, "overridden", ybool(prm.Overridden))
			yset(e, "reserved", ybool(prm.Reserved))
			ps.Content = append(ps.Content, e)
		}
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
}

// runRecord is a RunFile read back.
type runRecord struct {
	Script     string            `yaml:"script"`
	ScriptSHA  string            `yaml:"script_sha256"`
	Seed       int64             `yaml:"seed"`
	SweepKey   string            `yaml:"sweep_key"`
	SweepValue string            `yaml:"sweep_value"`
	Overrides  map[string]string `yaml:"overrides"`
	Status     string            `yaml:"status"`
	Error      string            `yaml:"error"`
	UsageError bool              `yaml:"usage_error"`
	Internal   bool              `yaml:"internal_error"` // a Go panic: a bug of bohpsh
	Started    time.Time         `yaml:"started"`
	Finished   time.Time         `yaml:"finished"`
	Wall       float64           `yaml:"wall_seconds"`
	Jobs       int               `yaml:"jobs"`
	Done       int64             `yaml:"episodes_done"`
	Planned    int64             `yaml:"episodes_planned"`
	FinalLast  int               `yaml:"final_last"`
	FinalFrom  int               `yaml:"final_from"`
	Metrics    []string          `yaml:"metrics"`
	MetricsSHA string            `yaml:"metrics_sha256"` // of the run's metrics.csv ("" in records written before it was added)
	Reads      []string          `yaml:"reads"`          // the files the run read (lib.Env.Reads)
	Params     *[]struct {
		Name       string    `yaml:"name"`
		Doc        string    `yaml:"doc"`
		Default    yaml.Node `yaml:"default"`
		Value      yaml.Node `yaml:"value"`
		Overridden bool      `yaml:"overridden"`
		Reserved   bool      `yaml:"reserved"`
	} `yaml:"params"`
}

// matches reports whether the record is of run id of plan p, with the same
// settings.
func (rec *runRecord) matches(p *Plan, id RunID) bool { return rec.difference(p, id) == "" }

// difference names the first setting in which run id of plan p differs
// from the record ("" when they are the same).
func (rec *runRecord) difference(p *Plan, id RunID) string {
	sweepKey := ""
	if p.Sweep != nil {
		sweepKey = p.Sweep.Key
	}
	ov := rec.Overrides
	if ov == nil {
		ov = map[string]string{}
	}
	switch {
	case rec.Script != p.Script:
		return fmt.Sprintf("script %s, not %s", p.Script, rec.Script)
	case rec.ScriptSHA != p.ScriptSHA:
		return fmt.Sprintf("the script %s was changed", p.Script)
	case rec.Seed != id.Seed:
		return fmt.Sprintf("seed %d, not %d", id.Seed, rec.Seed)
	case rec.SweepKey != sweepKey || rec.SweepValue != id.SweepValue:
		return fmt.Sprintf("--sweep %s=%s, not %s=%s", sweepKey, id.SweepValue, rec.SweepKey, rec.SweepValue)
	case !maps.Equal(ov, p.Overrides):
		return fmt.Sprintf("-p settings %s, not %s", overridesString(p.Overrides), overridesString(ov))
	}
	return ""
}

// readRecord reads the RunFile in dir: nil and no error when there is
// none (the run did not end: not started, or killed), or when the record
// does not match its metrics.csv (left torn by a machine crash).
func readRecord(dir string) (*runRecord, error) {
	rec := &runRecord{}
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(bytes.TrimSpace(b)) == 0 {
		return nil, nil // none, or left empty by a machine crash
	}
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(b, rec); err != nil {
		return nil, unusableRecord(dir, "not a run record ("+yamlDetail(err)+")")
	}
	if rec.MetricsSHA != "" {
		m, err := os.ReadFile(filepath.Join(dir, MetricsFile))
		if sum := sha256.Sum256(m); err != nil || hex.EncodeToString(sum[:]) != rec.MetricsSHA {
			return nil, nil
		}
	}
	switch rec.Status {
	case statusCompleted, statusFailed, statusInterrupted:
	default:
		return nil, unusableRecord(dir, fmt.Sprintf("not a run record (unknown status %q)", rec.Status))
	}
	return rec, nil
}

// unusableRecord refuses the record in dir, saying why and what to do.
func unusableRecord(dir, why string) error {
	return fmt.Errorf("%s: %s: remove %s and run it again (--resume)", filepath.Join(dir, RunFile), why, dir)
}

// yamlDetail is yaml.v3's error on one line, without its "yaml: " prefix
// (a type error lists its lines one per line, indented).
func yamlDetail(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// completeRecord reports whether dir holds the completed run id of plan p.
func completeRecord(dir string, p *Plan, id RunID) bool {
	complete, _, err := completedRun(dir, p, id)
	return complete && err == nil
}

// completedRun reads the record in dir once for --resume: complete when it
// is of the completed run id of plan p; else other is how run id differs
// from the completed run of other settings recorded there ("" when dir
// holds no completed run). err refuses a complete record whose metric
// names no run may record now (see checkNames).
func completedRun(dir string, p *Plan, id RunID) (complete bool, other string, err error) {
	rec, err := readRecord(dir)
	if err != nil || rec == nil || rec.Status != statusCompleted {
		return false, "", nil
	}
	if other = rec.difference(p, id); other != "" {
		return false, other, nil
	}
	return true, "", rec.checkNames(dir)
}

// loadRun rebuilds run id of plan p from its record in dir (see readRecord)
// and its metrics.csv: its parameters, metrics, status and times, as the
// run left them. ok is false when dir holds no record of this run.
func loadRun(dir string, p *Plan, id RunID) (r *Run, t runTimes, ok bool, err error) {
	rec, err := readRecord(dir)
	if err != nil || rec == nil {
		return nil, t, false, err
	}
	if !rec.matches(p, id) {
		return nil, t, false, nil
	}
	if err := rec.checkNames(dir); err != nil {
		return nil, t, false, err
	}
	r = &Run{Index: id.Index, SweepIndex: id.SweepIndex, SweepValue: id.SweepValue, Seed: id.Seed, Started: true}
	r.Wall = time.Duration(rec.Wall * float64(time.Second))
	t = runTimes{Started: rec.Started, Finished: rec.Finished, Jobs: rec.Jobs}
	switch rec.Status {
	case statusInterrupted:
		r.Err = &ScriptError{Kind: Interrupted, Msg: rec.Error}
	case statusFailed:
		r.Err = &recordedError{msg: rec.Error}
		switch {
		case rec.UsageError:
			r.Err = &lib.UsageError{Err: r.Err}
		case rec.Internal: // reported first, as the run did (firstFailure)
			r.Err = &ScriptError{Kind: RuntimeError, Msg: rec.Error, Err: r.Err, Internal: true}
		}
	}
	env := recordEnv(id.Seed)
	env.Metrics.Final = lib.FinalRule{Last: rec.FinalLast, From: rec.FinalFrom}
	if rec.Params != nil {
		env.Params.IsDeclared = true
		for _, prm := range *rec.Params {
			def, err1 := paramObject(&prm.Default)
			val, err2 := paramObject(&prm.Value)
			if err := errors.Join(err1, err2); err != nil {
				return nil, t, false, fmt.Errorf("%s: parameter %s: %v", filepath.Join(dir, RunFile), prm.Name, err)
			}
			env.Params.Declared = append(env.Params.Declared, lib.Param{Name: prm.Name, Doc: prm.Doc,
				Default: def, Value: val, Overridden: prm.Overridden, Reserved: prm.Reserved})
		}
	}
	if err := readRunMetrics(filepath.Join(dir, MetricsFile), p, id, rec.Metrics, env.Metrics); err != nil {
		return nil, t, false, err
	}
	env.Metrics.SetProgress(rec.Done, rec.Planned)
	env.Reads = rec.Reads
	r.Env = env
	return r, t, true, nil
}

// recordEnv is the environment of a run read back from its record, or of
// one that has none: results only (no script runs in it, so no context,
// output or modules; NewEnv makes the environments that run).
func recordEnv(seed int64) *lib.Env {
	return &lib.Env{Seed: seed, Params: &lib.Params{}, Metrics: lib.NewMetrics()}
}

// recordedError is a run's error read back from its record.
type recordedError struct{ msg string }

func (e *recordedError) Error() string { return e.msg }

// paramObject reads a parameter value written by yvalue.
func paramObject(n *yaml.Node) (tengo.Object, error) {
	switch n.ShortTag() {
	case "!!int":
		var v int64
		err := n.Decode(&v)
		return &tengo.Int{Value: v}, err
	case "!!float":
		var v float64
		err := n.Decode(&v)
		return &tengo.Float{Value: v}, err
	case "!!bool":
		var v bool
		err := n.Decode(&v)
		if v {
			return tengo.TrueValue, err
		}
		return tengo.FalseValue, err
	case "!!str":
		return &tengo.String{Value: n.Value}, nil
	}
	return nil, fmt.Errorf("unexpected value %q (%s)", n.Value, n.ShortTag())
}

// readRunMetrics reads a run's metrics.csv into m, its series in the order
// names (the order the run first recorded them, which the rows of an
// episode follow).
func readRunMetrics(path string, p *Plan, id RunID, names []string, m *lib.Metrics) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	cols := 4
	if p.Sweep != nil {
		cols = 5
	}
	if len(header) != cols {
		return fmt.Errorf("%s: want %d columns, the header has %d", path, cols, len(header))
	}
	type column struct {
		episodes []int
		values   []float64
	}
	byName := map[string]*column{}
	for _, n := range names {
		byName[n] = &column{}
	}
	seed := strconv.FormatInt(id.Seed, 10)
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		if row[0] != seed || p.Sweep != nil && row[1] != id.SweepValue {
			return fmt.Errorf("%s:%d: a row of another run (seed %s)", path, line, row[0])
		}
		ep, err1 := strconv.Atoi(row[cols-3])
		v, err2 := strconv.ParseFloat(row[cols-1], 64)
		c := byName[row[cols-2]]
		if err1 != nil || err2 != nil || c == nil {
			return fmt.Errorf("%s:%d: bad row %q", path, line, row)
		}
		c.episodes = append(c.episodes, ep)
		c.values = append(c.values, v)
	}
	for _, n := range names {
		c := byName[n]
		for i, ep := range c.episodes {
			if err := m.Record(n, ep, c.values[i]); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
		}
	}
	return nil
}

// checkNames refuses a record, in dir, holding metric names that the
// outputs cannot hold (lib.CheckMetricNames), which the run that wrote it
// did not refuse (an older bohpsh, or an edit): merged or resumed, it
// would break metrics.csv or give a figure the file of another.
func (rec *runRecord) checkNames(dir string) error {
	if err := lib.CheckMetricNames(rec.Metrics); err != nil {
		return unusableRecord(dir, fmt.Sprintf("%v; runs now refuse such names (this record is from an older bohpsh, or was edited)", err))
	}
	return nil
}

// encodeYAML writes a YAML document with the outputs' indentation.
func encodeYAML(w io.Writer, doc *yaml.Node) error {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	enc.Close()
	_, err := w.Write(b.Bytes())
	return err
}
