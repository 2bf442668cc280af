package interp

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/figures"
	"github.com/bohpsh/bohpsh/internal/stats"
	"github.com/bohpsh/bohpsh/internal/yamlout"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"gopkg.in/yaml.v3"
)

// The output files of a script's runs, in Result.Dir:
//
//	params.yaml   the resolved parameters (with their docs as comments), seeds, sweep
//	metrics.csv   seed,[<sweep key>,]episode,metric,value — one row per seed,
//	              sweep value, episode and metric, ordered that way
//	summary.yaml  per metric: final median, q25, q75 and per_seed across seeds,
//	              wall_seconds, episodes_per_second, interrupted, error
//	<metric>.png, <metric>.svg  learning curves (median and interquartile band)
//	seed-<S>/ or <key>=<value>/seed-<S>/  each run's own files (lib.Env.OutDir)
const (
	ParamsFile  = "params.yaml"
	MetricsFile = "metrics.csv"
	SummaryFile = "summary.yaml"
)

func writeOutputs(res *Result, src *Source, cfg Config) error {
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return fmt.Errorf("creating output directory: %w", err)
	}
	if err := writeYAML(filepath.Join(res.Dir, ParamsFile), paramsDoc(res, src, cfg)); err != nil {
		return err
	}
	if err := atomicfile.WriteFunc(filepath.Join(res.Dir, MetricsFile), func(w io.Writer) error {
		return writeMetricsCSV(w, res, cfg)
	}); err != nil {
		return err
	}
	return writeYAML(filepath.Join(res.Dir, SummaryFile), summaryDoc(res, src, cfg))
}

func writeYAML(path string, doc *yaml.Node) error {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding %s: %w", filepath.Base(path), err)
	}
	enc.Close()
	return atomicfile.Write(path, b.Bytes())
}

// YAML node builders.

func ymap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func yset(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	m.Content = append(m.Content, ystr(key), v)
	return v
}

func ystr(s string) *yaml.Node { return yamlout.StringNode(s) }

func yint(i int64) *yaml.Node { return yamlout.IntNode(i) }

func ybool(b bool) *yaml.Node { return yamlout.BoolNode(b) }

// yfloat writes a float that YAML 1.1 (PyYAML) and 1.2 parsers read back
// bit-exact: 1.0e-05, 3.0, -0.0, .nan, -.inf.
func yfloat(f float64) *yaml.Node { return yamlout.FloatNode(f) }

func yseq(flow bool, items ...*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Content: items}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

// yvalue renders a parameter value (int, float, bool, string).
func yvalue(o tengo.Object) *yaml.Node {
	switch v := o.(type) {
	case *tengo.Int:
		return yint(v.Value)
	case *tengo.Float:
		return yfloat(v.Value)
	case *tengo.Bool:
		return ybool(!v.IsFalsy())
	case *tengo.String:
		return ystr(v.Value)
	}
	return ystr(o.String())
}

func seedsNode(res *Result) *yaml.Node {
	var seeds []*yaml.Node
	seen := map[int64]bool{}
	for _, r := range res.Runs {
		if !seen[r.Seed] {
			seen[r.Seed] = true
			seeds = append(seeds, yint(r.Seed))
		}
	}
	return yseq(true, seeds...)
}

// firstDeclared returns the parameters of the first run that declared them.
func firstDeclared(res *Result) []lib.Param {
	for _, r := range res.Runs {
		if r.Started && r.Env.Params.IsDeclared {
			return r.Env.Params.Declared
		}
	}
	return nil
}

func paramsDoc(res *Result, src *Source, cfg Config) *yaml.Node {
	doc := ymap()
	yset(doc, "script", ystr(src.Name))
	yset(doc, "seeds", seedsNode(res))
	if cfg.Sweep != nil {
		sw := yset(doc, "sweep", ymap())
		yset(sw, "key", ystr(cfg.Sweep.Key))
		yset(sw, "values", sweepValuesNode(res, cfg))
	}
	ps := yset(doc, "params", ymap())
	for _, p := range firstDeclared(res) {
		var v *yaml.Node
		comment := p.Doc
		switch {
		case p.IsSeed:
			v = seedsNode(res)
			if len(v.Content) == 1 {
				v = v.Content[0]
			}
			if comment == "" {
				comment = "the run's seed (--seed, --seeds)"
			}
		case cfg.Sweep != nil && p.Name == cfg.Sweep.Key:
			v = sweepValuesNode(res, cfg)
			comment = joinComment(comment, "swept: one set of runs per value")
		default:
			v = yvalue(p.Value)
			if p.Overridden {
				comment = joinComment(comment, "set with -p; default "+p.Default.String())
			}
		}
		if comment != "" {
			v.LineComment = comment
		}
		yset(ps, p.Name, v)
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
}

func joinComment(a, b string) string {
	if a == "" {
		return b
	}
	return a + " (" + b + ")"
}

// sweepValuesNode lists the sweep values, typed as the script resolved
// them when it declared the parameter, else as typed.
func sweepValuesNode(res *Result, cfg Config) *yaml.Node {
	var items []*yaml.Node
	for si, raw := range cfg.Sweep.Values {
		var node *yaml.Node
		for _, r := range res.Runs {
			if r.SweepIndex == si && r.Started {
				if p, ok := r.Env.Params.Lookup(cfg.Sweep.Key); ok {
					node = yvalue(p.Value)
					break
				}
			}
		}
		if node == nil {
			node = ystr(raw)
		}
		items = append(items, node)
	}
	return yseq(true, items...)
}

// MetricNames lists the metrics of all runs, in the order of their first
// record in the first run that has them.
func MetricNames(runs []*Run) []string {
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

func writeMetricsCSV(w io.Writer, res *Result, cfg Config) error {
	header := "seed,episode,metric,value\n"
	if cfg.Sweep != nil {
		col := cfg.Sweep.Key
		switch col {
		case "seed", "episode", "metric", "value":
			col = "sweep_" + col
		}
		header = "seed," + csvField(col) + ",episode,metric,value\n"
	}
	if _, err := io.WriteString(w, header); err != nil {
		return err
	}
	var line []byte
	for _, r := range res.Runs {
		series := r.Env.Metrics.Series()
		pos := make([]int, len(series))
		prefix := strconv.FormatInt(r.Seed, 10) + ","
		if cfg.Sweep != nil {
			prefix += csvField(r.SweepValue) + ","
		}
		names := make([]string, len(series))
		for i, s := range series {
			names[i] = csvField(s.Name)
		}
		for {
			// the next episode: the smallest among the series' cursors
			ep, ok := 0, false
			for i, s := range series {
				if pos[i] < len(s.Episodes) && (!ok || s.Episodes[pos[i]] < ep) {
					ep, ok = s.Episodes[pos[i]], true
				}
			}
			if !ok {
				break
			}
			for i, s := range series {
				if pos[i] < len(s.Episodes) && s.Episodes[pos[i]] == ep {
					line = append(line[:0], prefix...)
					line = strconv.AppendInt(line, int64(ep), 10)
					line = append(line, ',')
					line = append(line, names[i]...)
					line = append(line, ',')
					line = strconv.AppendFloat(line, s.Values[pos[i]], 'g', -1, 64)
					line = append(line, '\n')
					if _, err := w.Write(line); err != nil {
						return err
					}
					pos[i]++
				}
			}
		}
	}
	return nil
}

// csvField quotes a field when needed (RFC 4180).
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func summaryDoc(res *Result, src *Source, cfg Config) *yaml.Node {
	doc := ymap()
	yset(doc, "script", ystr(src.Name))
	yset(doc, "seeds", seedsNode(res))
	completed, started := 0, 0
	var episodes int64
	for _, r := range res.Runs {
		if r.Started {
			started++
		}
		if r.Completed() {
			completed++
		}
		d, _ := r.Env.Metrics.Progress()
		episodes += d
	}
	yset(doc, "runs", yint(int64(len(res.Runs))))
	yset(doc, "completed_runs", yint(int64(completed)))
	yset(doc, "interrupted", ybool(res.Interrupted))
	if res.Err != nil {
		yset(doc, "error", ystr(res.Err.Error()))
	}
	secs := res.Wall.Seconds()
	yset(doc, "wall_seconds", yfloat(math.Round(secs*1000)/1000))
	yset(doc, "jobs", yint(int64(cfg.Jobs)))
	yset(doc, "episodes", yint(episodes)).LineComment = "episodes done, over all runs"
	eps := 0.0
	if secs > 0 {
		eps = math.Round(float64(episodes)/secs*10) / 10
	}
	yset(doc, "episodes_per_second", yfloat(eps))
	for _, r := range res.Runs {
		if r.Started && len(r.Env.Metrics.Series()) > 0 {
			yset(doc, "final_episodes", ystr(r.Env.Metrics.Final.String())).LineComment =
				"a run's final value of a metric is its mean over these episodes"
			break
		}
	}
	if cfg.Sweep == nil {
		yset(doc, "metrics", metricsNode(res.Runs))
		return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
	}
	sw := yset(doc, "sweep", ymap())
	yset(sw, "key", ystr(cfg.Sweep.Key))
	values := sweepValuesNode(res, cfg)
	yset(sw, "values", values)
	results := yset(sw, "results", yseq(false))
	for si := range cfg.Sweep.Values {
		var runs []*Run
		for _, r := range res.Runs {
			if r.SweepIndex == si {
				runs = append(runs, r)
			}
		}
		block := ymap()
		v := *values.Content[si]
		yset(block, "value", &v)
		yset(block, "metrics", metricsNode(runs))
		results.Content = append(results.Content, block)
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
}

// metricsNode summarises each metric across the completed runs (seeds):
// every run's final value, and their median and quartiles (type 7
// quantiles, as the figures) over the finite ones. Unfinished runs are
// listed apart.
func metricsNode(runs []*Run) *yaml.Node {
	m := ymap()
	for _, name := range MetricNames(runs) {
		perSeed, partial := ymap(), ymap()
		var finite []float64
		nonfinite := 0
		for _, r := range runs {
			s := r.Env.Metrics.Get(name)
			if s == nil {
				continue
			}
			v, n := r.Env.Metrics.FinalValue(s)
			if n == 0 {
				continue
			}
			if !r.Completed() {
				// An unfinished run (error, Ctrl-C) has no final value: show
				// what it had, outside the statistics.
				partial.Content = append(partial.Content, yint(r.Seed), yfloat(v))
				continue
			}
			perSeed.Content = append(perSeed.Content, yint(r.Seed), yfloat(v))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				nonfinite++
			} else {
				finite = append(finite, v)
			}
		}
		slices.Sort(finite)
		final := ymap()
		yset(final, "median", yfloat(stats.Quantile(finite, 0.5)))
		yset(final, "q25", yfloat(stats.Quantile(finite, 0.25)))
		yset(final, "q75", yfloat(stats.Quantile(finite, 0.75)))
		if nonfinite > 0 {
			yset(final, "nonfinite", yint(int64(nonfinite))).LineComment = "seeds whose final value is NaN or infinite, left out of median and quartiles"
		}
		yset(final, "per_seed", perSeed)
		if len(partial.Content) > 0 {
			yset(final, "unfinished", partial).HeadComment = "runs that did not complete (error or interruption): their mean over the final episodes they reached, left out of median, quartiles and per_seed"
		}
		entry := ymap()
		yset(entry, "final", final)
		yset(m, name, entry)
	}
	return m
}

// writeFigures draws one learning-curve figure per metric; it returns the
// problems as warnings.
func writeFigures(res *Result, cfg Config) []error {
	var warns []error
	for _, name := range MetricNames(res.Runs) {
		var series []figures.Series
		groups := 1
		if cfg.Sweep != nil {
			groups = len(cfg.Sweep.Values)
		}
		for si := 0; si < groups; si++ {
			s := figures.Series{Label: res.Script}
			if cfg.Sweep != nil {
				s.Label = cfg.Sweep.Key + "=" + cfg.Sweep.Values[si]
			}
			for _, r := range res.Runs {
				if r.SweepIndex != si {
					continue
				}
				if ser := r.Env.Metrics.Get(name); ser != nil && len(ser.Values) > 0 {
					s.PerSeed = append(s.PerSeed, ser.Values)
				}
			}
			if len(s.PerSeed) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		path := filepath.Join(res.Dir, figureName(name))
		if err := figures.Curves(path, name, series); err != nil {
			warns = append(warns, fmt.Errorf("figure of metric %q: %v", name, err))
		}
	}
	return warns
}

// figureName is the file name (without extension) of a metric's figure.
func figureName(metric string) string {
	n := safeName(metric)
	if n == "" || n == "." || n == ".." {
		n = "metric"
	}
	return n
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
