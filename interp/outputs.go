package interp

import (
	"errors"
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
	"github.com/bohpsh/bohpsh/internal/yamlout"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"gopkg.in/yaml.v3"
)

// The names of the output files in Result.Dir (see the package
// documentation for what they hold).
const (
	ParamsFile  = "params.yaml"
	MetricsFile = "metrics.csv"
	SummaryFile = "summary.yaml"
)

// commitOutputs writes the outputs of res into a stage directory of D (with
// the run directories of the runs that ran, linked from from: the work area,
// or D itself when a merge rewrites them) and commits them: they replace D's
// results (kept in a directory of D, Result.Kept, when the runs read files
// of them, see keptReads, or when res is incomplete and lacks something of
// them, see lacksPrevious). An output that cannot be written (a full disk)
// is reported by name and the others are still written and committed; the
// runs' own files are kept whatever happens. With every run complete, the
// work area has served and is removed.
func commitOutputs(d, from string, res *Result, src *Source, cfg Config, stderr io.Writer) error {
	stage, err := newStage(d)
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for _, r := range res.Runs {
		rd := res.Plan.RunDir(r.id())
		if _, err := os.Stat(filepath.Join(from, rd)); !r.Started || err != nil {
			continue
		}
		if err := linkTree(filepath.Join(from, rd), filepath.Join(stage, rd)); err != nil {
			return fmt.Errorf("the outputs were not written (the runs' results are in %s): %v", from, err)
		}
	}
	files := &atomicfile.Group{} // synced together when the stage is committed
	outErr := writeOutputs(res, stage, d, src, cfg, files)
	if !cfg.NoFigures {
		for _, w := range writeFigures(res, stage, d, files) {
			fmt.Fprintf(stderr, "bohpsh: warning: %v\n", w)
		}
	}
	reads := keptReads(d, from, res)
	kept, err := commitStage(d, stage, res.Plan, len(reads) > 0 || lacksPrevious(d, from, res), files)
	if err != nil {
		return fmt.Errorf("the outputs were not moved into %s (the runs' results are in %s): %v", d, from, err)
	}
	res.Dir = d
	if kept != "" {
		res.Kept = filepath.Join(d, kept)
		fmt.Fprintf(stderr, "bohpsh: %s\n", keptNotice(d, res.Kept, reads, res))
	}
	if res.Summary.Completed == res.Summary.Runs && from == ctlPath(d, workName) {
		os.RemoveAll(from)
	}
	if outErr != nil {
		outErr = fmt.Errorf("%w\n(the runs' own results are kept in %s: once the cause is fixed, bohpsh merge %s writes the outputs again)", outErr, d, d)
	}
	return outErr
}

// writeOutputs writes params.yaml, metrics.csv and summary.yaml into dir,
// all three even if one fails (a run without metrics: params.yaml only),
// unsynced, into files (errors name the files in shown, their final place).
func writeOutputs(res *Result, dir, shown string, src *Source, cfg Config, files *atomicfile.Group) error {
	write := func(name string, fn func(io.Writer) error) error {
		return writeFile(files, filepath.Join(dir, name), fn, filepath.Join(shown, name))
	}
	params := write(ParamsFile, func(w io.Writer) error { return encodeYAML(w, paramsDoc(res, src, cfg)) })
	if !anyMetric(res) && res.Err == nil && !res.Interrupted {
		return params // an analysis run (it reads checkpoints, prints, writes its own files): nothing to summarise
	}
	return errors.Join(params,
		write(MetricsFile, func(w io.Writer) error { return writeMetricsCSV(w, res, cfg) }),
		write(SummaryFile, func(w io.Writer) error { return encodeYAML(w, summaryDoc(res, src, cfg)) }),
	)
}

// anyMetric reports whether a run recorded a metric.
func anyMetric(res *Result) bool {
	for _, r := range res.Runs {
		if r.Started && len(r.Env.Metrics.Series()) > 0 {
			return true
		}
	}
	return false
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
		case p.Reserved && p.Name == SeedParam:
			v = seedsNode(res)
			if len(v.Content) == 1 {
				v = v.Content[0]
			}
			if comment == "" {
				comment = seedDoc
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

func writeMetricsCSV(w io.Writer, res *Result, cfg Config) error {
	if _, err := io.WriteString(w, metricsHeader(cfg.Sweep)); err != nil {
		return err
	}
	for _, r := range res.Runs {
		if err := writeRunRows(w, r, cfg.Sweep); err != nil {
			return err
		}
	}
	return nil
}

// metricsHeader is the first line of metrics.csv.
func metricsHeader(sweep *Sweep) string {
	if sweep == nil {
		return "seed,episode,metric,value\n"
	}
	col := sweep.Key
	switch col {
	case "seed", "episode", "metric", "value":
		col = "sweep_" + col
	}
	return "seed," + csvField(col) + ",episode,metric,value\n"
}

// writeRunRows writes run r's rows of metrics.csv: by episode, and within
// an episode in the order the run first recorded the metrics.
func writeRunRows(w io.Writer, r *Run, sweep *Sweep) error {
	series := r.Env.Metrics.Series()
	pos := make([]int, len(series))
	prefix := strconv.FormatInt(r.Seed, 10) + ","
	if sweep != nil {
		prefix += csvField(r.SweepValue) + ","
	}
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = csvField(s.Name)
	}
	var line []byte
	for {
		// the next episode: the smallest among the series' cursors
		ep, ok := 0, false
		for i, s := range series {
			if pos[i] < len(s.Episodes) && (!ok || s.Episodes[pos[i]] < ep) {
				ep, ok = s.Episodes[pos[i]], true
			}
		}
		if !ok {
			return nil
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

// csvField quotes a field when needed (RFC 4180).
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func summaryDoc(res *Result, src *Source, cfg Config) *yaml.Node {
	sum := res.Summary
	doc := ymap()
	yset(doc, "script", ystr(src.Name))
	yset(doc, "seeds", seedsNode(res))
	yset(doc, "runs", yint(int64(sum.Runs)))
	yset(doc, "completed_runs", yint(int64(sum.Completed)))
	if len(sum.Failed) > 0 {
		failed := yset(doc, "failed", yseq(false))
		failed.HeadComment = "runs that ended with an error (the others ran to their end): the error's first line, all of it in the run's run.yaml"
		for _, f := range sum.Failed {
			m := runIDNode(res, cfg, f.RunID)
			first, _, _ := strings.Cut(f.Err.Error(), "\n")
			yset(m, "error", ystr(first))
			failed.Content = append(failed.Content, m)
		}
	}
	if len(sum.Missing) > 0 {
		missing := yset(doc, "missing", yseq(false))
		missing.HeadComment = "runs without results (stopped before they started, or in a shard that did not complete)"
		for _, id := range sum.Missing {
			missing.Content = append(missing.Content, runIDNode(res, cfg, id))
		}
	}
	if res.Plan != nil && res.Plan.Shards > 0 {
		yset(doc, "shards", yint(int64(res.Plan.Shards)))
	}
	yset(doc, "interrupted", ybool(sum.Interrupted))
	if res.Err != nil {
		yset(doc, "error", ystr(res.Failure()))
	}
	yset(doc, "wall_seconds", yfloat(math.Round(sum.Wall.Seconds()*1000)/1000))
	yset(doc, "jobs", yint(int64(cfg.Jobs)))
	yset(doc, "episodes", yint(sum.Episodes)).LineComment = "episodes done, over all runs"
	yset(doc, "episodes_per_second", yfloat(math.Round(sum.EpisodesPerSecond()*10)/10))
	if sum.FinalRule != "" {
		yset(doc, "final_episodes", ystr(sum.FinalRule)).LineComment =
			"a run's final value of a metric is its mean over these episodes"
	}
	if cfg.Sweep == nil {
		yset(doc, "metrics", metricsNode(sum.Groups[0].Metrics))
		return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
	}
	sw := yset(doc, "sweep", ymap())
	yset(sw, "key", ystr(cfg.Sweep.Key))
	values := sweepValuesNode(res, cfg)
	yset(sw, "values", values)
	results := yset(sw, "results", yseq(false))
	for _, g := range sum.Groups {
		block := ymap()
		v := *values.Content[g.SweepIndex]
		yset(block, "value", &v)
		yset(block, "metrics", metricsNode(g.Metrics))
		results.Content = append(results.Content, block)
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}
}

// runIDNode names a run in summary.yaml: {<sweep key>: value, seed: S}.
func runIDNode(res *Result, cfg Config, id RunID) *yaml.Node {
	m := ymap()
	m.Style = yaml.FlowStyle
	if cfg.Sweep != nil {
		v := *sweepValuesNode(res, cfg).Content[id.SweepIndex]
		yset(m, cfg.Sweep.Key, &v)
	}
	yset(m, "seed", yint(id.Seed))
	return m
}

// metricsNode writes each metric's summary: median and quartiles of the
// completed runs' final values, each completed run's final value, and the
// unfinished runs apart.
func metricsNode(metrics []MetricSummary) *yaml.Node {
	node := ymap()
	for _, m := range metrics {
		final := ymap()
		yset(final, "median", yfloat(m.Median))
		yset(final, "q25", yfloat(m.Q25))
		yset(final, "q75", yfloat(m.Q75))
		if m.Nonfinite > 0 {
			yset(final, "nonfinite", yint(int64(m.Nonfinite))).LineComment = "seeds whose final value is NaN or infinite, left out of median and quartiles"
		}
		yset(final, "per_seed", seedValuesNode(m.PerSeed))
		if len(m.Unfinished) > 0 {
			yset(final, "unfinished", seedValuesNode(m.Unfinished)).HeadComment = "runs that did not complete (error or interruption): their mean over the final episodes they reached, left out of median, quartiles and per_seed"
		}
		entry := ymap()
		yset(entry, "final", final)
		yset(node, m.Name, entry)
	}
	return node
}

func seedValuesNode(values []SeedValue) *yaml.Node {
	n := ymap()
	for _, v := range values {
		n.Content = append(n.Content, yint(v.Seed), yfloat(v.Value))
	}
	return n
}

// writeFigures draws one learning-curve figure per metric into dir (shown:
// their final place), into unsynced: a series per sweep value, the
// unfinished runs' curves as series of their own; it returns the problems
// as warnings.
func writeFigures(res *Result, dir, shown string, unsynced *atomicfile.Group) []error {
	var names []string
	byName := map[string][]figures.Series{}
	for _, g := range res.Summary.Groups {
		label := g.Label
		if label == "" {
			label = res.Script
		}
		for _, m := range g.Metrics {
			if _, seen := byName[m.Name]; !seen && len(m.Curves)+len(m.UnfinishedCurves) > 0 {
				names = append(names, m.Name)
			}
			if len(m.Curves) > 0 {
				byName[m.Name] = append(byName[m.Name], figures.Series{Label: label, PerSeed: m.Curves})
			}
			if len(m.UnfinishedCurves) > 0 {
				byName[m.Name] = append(byName[m.Name], figures.Series{Label: label + " (unfinished)", PerSeed: m.UnfinishedCurves})
			}
		}
	}
	files, warns := figureFiles(names)
	for _, name := range names {
		series := byName[name]
		title := fmt.Sprintf("%s: %s, median and IQR of %s", res.Script, name, seedsText(res))
		if err := figures.Curves(filepath.Join(dir, files[name]), name, series, figures.CurveOptions{Title: title, Files: unsynced}); err != nil {
			warns = append(warns, fmt.Errorf("figure of metric %q (%s): %v", name, filepath.Join(shown, files[name]), err))
		}
	}
	return warns
}

// seedsText names the seeds of the runs for a figure's title: "seed 3",
// "20 seeds (0-19)", "3 seeds (1, 5, 9)".
func seedsText(res *Result) string {
	var seeds []int64
	for _, r := range res.Runs {
		if !slices.Contains(seeds, r.Seed) {
			seeds = append(seeds, r.Seed)
		}
	}
	slices.Sort(seeds)
	switch n := len(seeds); {
	case n == 1:
		return fmt.Sprintf("seed %d", seeds[0])
	case seeds[n-1]-seeds[0] == int64(n-1):
		return fmt.Sprintf("%d seeds (%d-%d)", n, seeds[0], seeds[n-1])
	default:
		list := make([]string, n)
		for i, s := range seeds {
			list[i] = strconv.FormatInt(s, 10)
		}
		return fmt.Sprintf("%d seeds (%s)", n, strings.Join(list, ", "))
	}
}

// figureFiles gives the metrics of names (in order) the file names,
// without extension, of their figures: lib.MetricFile, which a run keeps
// apart (metrics.record refuses a second name of the same file), but not
// different runs, which may record different metrics; of several names of
// one file, the first keeps it and the others get the first free of
// <file>-2, <file>-3, ..., with a warning: no figure overwrites another.
func figureFiles(names []string) (map[string]string, []error) {
	files := make(map[string]string, len(names))
	owner := map[string]string{} // a file's FileKey -> its metric
	var others []string
	for _, n := range names {
		f := lib.MetricFile(n)
		if _, taken := owner[lib.FileKey(f)]; taken {
			others = append(others, n)
			continue
		}
		owner[lib.FileKey(f)], files[n] = n, f
	}
	var warns []error
	for _, n := range others {
		f := lib.MetricFile(n)
		alt := f
		for i := 2; owner[lib.FileKey(alt)] != ""; i++ {
			alt = fmt.Sprintf("%s-%d", f, i)
		}
		owner[lib.FileKey(alt)], files[n] = n, alt
		o := owner[lib.FileKey(f)]
		warns = append(warns, fmt.Errorf("metric names %q and %q (recorded by different runs) would share one figure file, %s.png%s: the figure of %q is %s.png", o, n, files[o], lib.SameFileNote(files[o], f), n, alt))
	}
	return files, warns
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
