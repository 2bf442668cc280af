package interp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"gopkg.in/yaml.v3"
)

// Shard is part Index (0-based) of Count parts of a run's (sweep value ×
// seed) pairs; the zero Shard is the whole run. Run i of the output order
// belongs to shard i mod Count: the assignment depends only on the plan,
// never on timing, and spreads every sweep value over the shards.
type Shard struct{ Index, Count int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ParseShard parses --shard I/N (0 <= I < N); its errors name the values.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("--shard %s: want I/N, e.g. 0/4 (shard I of N, counted from 0)", s)
	case n < 1:
		return Shard{}, fmt.Errorf("--shard %s: the number of shards N = %d must be at least 1", s, n)
	case i < 0 || i >= n:
		return Shard{}, fmt.Errorf("--shard %s: shard I = %d is not in 0..%d (shards are counted from 0)", s, i, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// Plan is what a script's runs compute: which runs, with which settings,
// in how many shards. A sharded sweep's plan is written into its work area
// (plan.yaml), and every shard checks that it runs the same plan; each
// run's record (run.yaml) carries the settings of its run, which --resume
// compares.
type Plan struct {
	Script    string            // the script as given on the command line
	ScriptSHA string            // SHA-256 of the script's text (not of the files it imports)
	Seed      int64             // first seed
	Seeds     int               // number of seeds
	Sweep     *Sweep            // nil: no sweep
	Overrides map[string]string // -p key=value, as typed
	Shards    int               // 0: a run of one process; N: a sweep in N shards
}

// NewPlan is the plan of running src with cfg (cfg.Shard.Count shards).
func NewPlan(src *Source, cfg Config) *Plan {
	sum := sha256.Sum256(src.Text)
	p := &Plan{
		Script: src.Name, ScriptSHA: hex.EncodeToString(sum[:]),
		Seed: cfg.Seed, Seeds: max(cfg.Seeds, 1), Sweep: cfg.Sweep,
		Overrides: maps.Clone(cfg.Overrides), Shards: cfg.Shard.Count,
	}
	if p.Overrides == nil {
		p.Overrides = map[string]string{}
	}
	return p
}

// RunID names one run of a plan.
type RunID struct {
	Index      int    // in the output order (sweep value, then seed)
	SweepIndex int    // into Sweep.Values (0 without a sweep)
	SweepValue string // "" without a sweep
	Seed       int64
}

// Runs lists the plan's runs in output order.
func (p *Plan) Runs() []RunID {
	values := []string{""}
	if p.Sweep != nil {
		values = p.Sweep.Values
	}
	var ids []RunID
	for si, v := range values {
		for k := 0; k < p.Seeds; k++ {
			ids = append(ids, RunID{Index: len(ids), SweepIndex: si, SweepValue: v, Seed: p.Seed + int64(k)})
		}
	}
	return ids
}

// ShardRuns lists the runs of shard s (all runs for the zero Shard).
func (p *Plan) ShardRuns(s Shard) []RunID {
	all := p.Runs()
	if s.Count == 0 {
		return all
	}
	var ids []RunID
	for _, id := range all {
		if id.Index%s.Count == s.Index {
			ids = append(ids, id)
		}
	}
	return ids
}

// RunDir is the directory of a run's own files, relative to the output
// directory: seed-<S>, or <key>=<value>/seed-<S> with a sweep.
func (p *Plan) RunDir(id RunID) string {
	d := fmt.Sprintf("seed-%d", id.Seed)
	if p.Sweep != nil {
		d = filepath.Join(lib.FileName(p.Sweep.Key+"="+id.SweepValue), d)
	}
	return d
}

// RunName names a run in messages: "seed 3", "retention=0.9 seed 3".
func (p *Plan) RunName(id RunID) string {
	if p.Sweep != nil {
		return fmt.Sprintf("%s=%s seed %d", p.Sweep.Key, id.SweepValue, id.Seed)
	}
	return fmt.Sprintf("seed %d", id.Seed)
}

// Describe sums the plan up for messages.
func (p *Plan) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, seeds %d..%d", p.Script, p.Seed, p.Seed+int64(p.Seeds)-1)
	if p.Sweep != nil {
		fmt.Fprintf(&b, ", --sweep %s=%s", p.Sweep.Key, strings.Join(p.Sweep.Values, ","))
	}
	for _, k := range slices.Sorted(maps.Keys(p.Overrides)) {
		fmt.Fprintf(&b, ", -p %s=%s", k, p.Overrides[k])
	}
	if p.Shards > 0 {
		fmt.Fprintf(&b, ", %d shards", p.Shards)
	}
	return b.String()
}

// Difference names the first setting in which q differs from p ("" when
// they are the same plan).
func (p *Plan) Difference(q *Plan) string {
	switch {
	case p.Script != q.Script:
		return fmt.Sprintf("script %s, not %s", q.Script, p.Script)
	case p.ScriptSHA != q.ScriptSHA:
		return fmt.Sprintf("the script %s was changed", p.Script)
	case p.Seed != q.Seed || p.Seeds != q.Seeds:
		return fmt.Sprintf("seeds %d..%d, not %d..%d", q.Seed, q.Seed+int64(q.Seeds)-1, p.Seed, p.Seed+int64(p.Seeds)-1)
	case (p.Sweep == nil) != (q.Sweep == nil) || p.Sweep != nil && (p.Sweep.Key != q.Sweep.Key || !slices.Equal(p.Sweep.Values, q.Sweep.Values)):
		return fmt.Sprintf("--sweep %s, not %s", sweepString(q.Sweep), sweepString(p.Sweep))
	case !maps.Equal(p.Overrides, q.Overrides):
		return fmt.Sprintf("-p settings %s, not %s", overridesString(q.Overrides), overridesString(p.Overrides))
	case p.Shards != q.Shards:
		return fmt.Sprintf("%d shards, not %d", q.Shards, p.Shards)
	}
	return ""
}

func sweepString(s *Sweep) string {
	if s == nil {
		return "(none)"
	}
	return s.Key + "=" + strings.Join(s.Values, ",")
}

func overridesString(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// planFile is plan.yaml.
type planFile struct {
	Script    string            `yaml:"script"`
	ScriptSHA string            `yaml:"script_sha256"`
	Seed      int64             `yaml:"seed"`
	Seeds     int               `yaml:"seeds"`
	SweepKey  string            `yaml:"sweep_key,omitempty"`
	SweepVals []string          `yaml:"sweep_values,omitempty"`
	Overrides map[string]string `yaml:"overrides"`
	Shards    int               `yaml:"shards"`
}

func (p *Plan) encode() []byte {
	f := planFile{Script: p.Script, ScriptSHA: p.ScriptSHA, Seed: p.Seed, Seeds: p.Seeds, Overrides: p.Overrides, Shards: p.Shards}
	if p.Sweep != nil {
		f.SweepKey, f.SweepVals = p.Sweep.Key, p.Sweep.Values
	}
	var b bytes.Buffer
	b.WriteString("# what this run or sweep computes (bohpsh; see docs/cluster.md)\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.Encode(f)
	enc.Close()
	return b.Bytes()
}

// readPlan reads a plan.yaml; nil and no error when there is none.
func readPlan(path string) (*Plan, error) {
	var f planFile
	found, err := readYAMLFile(path, &f)
	if !found || err != nil {
		return nil, err
	}
	if f.Script == "" || f.Seeds < 1 || f.Shards < 0 || f.SweepKey != "" && len(f.SweepVals) == 0 {
		return nil, fmt.Errorf("%s: not a bohpsh plan", path)
	}
	p := &Plan{Script: f.Script, ScriptSHA: f.ScriptSHA, Seed: f.Seed, Seeds: f.Seeds, Overrides: f.Overrides, Shards: f.Shards}
	if p.Overrides == nil {
		p.Overrides = map[string]string{}
	}
	if f.SweepKey != "" {
		p.Sweep = &Sweep{Key: f.SweepKey, Values: f.SweepVals}
		// As --sweep checks them: a plan written by an older bohpsh, or
		// edited, may hold values whose runs share a directory or would
		// break metrics.csv.
		if err := p.Sweep.Check(); err != nil {
			return nil, fmt.Errorf("%s: sweep %s: %v", path, p.Sweep.Key, err)
		}
	}
	return p, nil
}
