package interp_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
	"gopkg.in/yaml.v3"
)

// The outputs are read by Python users with PyYAML (YAML 1.1) and pandas.
// These tests run Debian's python3-yaml and python3-pandas on the files a
// run writes. Without them they skip, unless BOHPSH_REQUIRE_PYTHON=1 (CI).

// findPython returns a Python interpreter that imports every module:
// Debian's /usr/bin/python3 first (its packages are there, where a pyenv
// python3 on the PATH may lack them), then python3 from the PATH.
func findPython(t *testing.T, modules ...string) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	var tried []string
	for _, py := range candidates {
		out, err := exec.Command(py, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, fmt.Sprintf("%s: %v %s", py, err, lastLine(out)))
	}
	msg := fmt.Sprintf("no python3 with %v (apt-get install python3-yaml python3-pandas); tried %q", modules, tried)
	if os.Getenv("BOHPSH_REQUIRE_PYTHON") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// lastLine is the last line of a command's output (Python's error).
func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	return s[strings.LastIndex(s, "\n")+1:]
}

// awkwardScript declares, records, saves and writes floats whose YAML 1.1
// and 1.2 forms differ (tiny, huge, negative, integral-valued, -0, NaN,
// infinities) and strings that look like other types.
const awkwardScript = `
params := import("params")
metrics := import("metrics")
bohp := import("bohp")
yaml := import("yaml")
p := params.declare({l1: 0.01, tiny: 5e-324, huge: 1.7976931348623157e308, neg: -2.5, integral: 3.0,
	negzero: 1.0, nanv: 0.0, infv: 0.0, minf: 0.0, word: "on", num: "1e5", n: 7, flag: true, seed: 0, sw: 0.5})
s := float(p.seed)
metrics.final_last(1)
metrics.record_map(0, {tiny: p.tiny * (s + 1), huge: p.huge / (s + 1), neg: p.neg - s, integral: p.integral + s,
	negzero: p.negzero, l1: p.l1, nonfinite: s == 0.0 ? p.nanv : p.infv, sw: p.sw})
metrics.record_map(1, {tiny: 1e-300 * (s + 1), huge: 1e300 / (s + 1), neg: -1.0 - s, integral: 2.0 + s,
	negzero: p.negzero, l1: p.l1, nonfinite: s == 0.0 ? p.nanv : p.minf, sw: p.sw})
net := bohp.network({inputs: 2, layers: [{size: 2, plastic: true, retention: 1.0, name: "on"}, {size: 1, act: "linear", name: "1e5"},
	{size: 2, recurrent: true, plastic: true, rule: "retroactive", clip: p.huge, soft: true, fanout: true, eta_e: p.tiny, learn_rate: "cell", name: "yes"},
	{size: 2, recurrent: true, plastic: true, retention: 1 - p.l1, input: "direct", learn_rate: "layer", precision: "float32", name: "0x10"}]})
net.set("on.w", [p.tiny, p.huge, p.neg, p.integral])
net.set("on.alpha", [p.negzero, p.l1, 1e21, 123456789.0])
net.set("1e5.w", [-5e-324, -p.huge])
opt := bohp.adam({lr: 1.0, l1: p.l1, clip_norm: p.huge, batch: 3})
meta := {lr: 3.0, l1: p.l1, tiny: p.tiny, huge: p.huge, negzero: p.negzero, nan: p.nanv, inf: p.infv, minf: p.minf,
	word: p.word, num: p.num, strs: ["yes", "0x10", "1_000", ".inf", "017", "1:30", "~", "", "2001-12-14", "=", "<<"], n: p.n, flag: p.flag}
net.save("net.yaml", {optimizer: opt, meta: meta})
yaml.write("meta.yaml", meta)
`

// runAwkward runs awkwardScript for seeds 0 and 1 (and every value of
// sweep, if not nil) and returns its output directory.
func runAwkward(t *testing.T, sweep *interp.Sweep) string {
	t.Helper()
	out := t.TempDir()
	src := &interp.Source{Name: "awkward.tengo", Text: []byte(awkwardScript)}
	res := interp.RunScript(context.Background(), src, interp.Config{Seeds: 2, Jobs: 1, Out: out, Quiet: true, NoFigures: true, Sweep: sweep,
		Overrides: map[string]string{"l1": "1e-5", "negzero": "-0.0", "nanv": "nan", "infv": "inf", "minf": "-inf"}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res.Dir
}

// pyYAMLTagged loads YAML files with PyYAML's safe_load and returns each
// as JSON whose scalars keep their Python type: {"float": hex}, {"int":
// text}, {"str": s}, {"bool": b}, null; lists; {"map": [[key, value]...]}.
const pyYAMLTagged = `
import json, sys, yaml
def tag(v):
    if v is None: return None
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, int): return {"int": str(v)}
    if isinstance(v, float): return {"float": v.hex()}
    if isinstance(v, str): return {"str": v}
    if isinstance(v, list): return [tag(e) for e in v]
    if isinstance(v, dict): return {"map": [[tag(k), tag(e)] for k, e in v.items()]}
    return {"other": type(v).__name__ + " " + repr(v)}
out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        out[path] = tag(yaml.safe_load(f))
json.dump(out, sys.stdout)
`

// readBoth reads YAML files of dir with PyYAML and yaml.v3, reports where
// the two differ (type or value), and returns what yaml.v3 read, by file.
func readBoth(t *testing.T, py, dir string, files []string) map[string]any {
	t.Helper()
	args := []string{"-c", pyYAMLTagged}
	for _, f := range files {
		args = append(args, filepath.Join(dir, f))
	}
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var fromPy map[string]any
	if err := json.Unmarshal(out, &fromPy); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	goRead := map[string]any{}
	for _, f := range files {
		text, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(text, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		goRead[f] = v
		if err := samePy(v, fromPy[filepath.Join(dir, f)], f); err != nil {
			t.Errorf("PyYAML and yaml.v3 read %s differently: %v\n%s", f, err, text)
		}
	}
	return goRead
}

// yamlCase is a value expected at a path (map keys, list indices) of a file.
type yamlCase struct {
	file string
	path []any
	want any
}

func checkValues(t *testing.T, goRead map[string]any, cases []yamlCase) {
	t.Helper()
	for _, c := range cases {
		got := lookupPath(goRead[c.file], c.path)
		if !sameValue(got, c.want) {
			t.Errorf("%s %v = %#v, want %#v", c.file, c.path, got, c.want)
		}
	}
}

// planFile is where a run keeps its plan (docs/cluster.md).
const planFile = ".bohpsh/plan.yaml"

func TestOutputsReadByPyYAML(t *testing.T) {
	py := findPython(t, "yaml")
	dir := runAwkward(t, nil)
	goRead := readBoth(t, py, dir, []string{interp.ParamsFile, interp.SummaryFile, "seed-0/net.yaml", "seed-1/net.yaml", "seed-0/meta.yaml",
		"seed-0/" + interp.RunFile, "seed-1/" + interp.RunFile, planFile})
	// What yaml.v3 (and so PyYAML) reads is what the script wrote.
	neg0, nan, inf := math.Copysign(0, -1), math.NaN(), math.Inf(1)
	checkValues(t, goRead, []yamlCase{
		{interp.ParamsFile, []any{"params", "l1"}, 1e-05},
		{interp.ParamsFile, []any{"params", "tiny"}, 5e-324},
		{interp.ParamsFile, []any{"params", "huge"}, math.MaxFloat64},
		{interp.ParamsFile, []any{"params", "neg"}, -2.5},
		{interp.ParamsFile, []any{"params", "integral"}, 3.0},
		{interp.ParamsFile, []any{"params", "negzero"}, neg0},
		{interp.ParamsFile, []any{"params", "nanv"}, nan},
		{interp.ParamsFile, []any{"params", "infv"}, inf},
		{interp.ParamsFile, []any{"params", "minf"}, -inf},
		{interp.ParamsFile, []any{"params", "word"}, "on"},
		{interp.ParamsFile, []any{"params", "num"}, "1e5"},
		{interp.ParamsFile, []any{"params", "n"}, 7},
		{interp.ParamsFile, []any{"params", "flag"}, true},
		{interp.SummaryFile, []any{"metrics", "tiny", "final", "per_seed", 1}, 2e-300},
		{interp.SummaryFile, []any{"metrics", "huge", "final", "per_seed", 0}, 1e300},
		{interp.SummaryFile, []any{"metrics", "huge", "final", "q75"}, 8.75e299},
		{interp.SummaryFile, []any{"metrics", "integral", "final", "per_seed", 0}, 2.0},
		{interp.SummaryFile, []any{"metrics", "integral", "final", "q25"}, 2.25},
		{interp.SummaryFile, []any{"metrics", "neg", "final", "per_seed", 1}, -2.0},
		{interp.SummaryFile, []any{"metrics", "nonfinite", "final", "per_seed", 0}, nan},
		{interp.SummaryFile, []any{"metrics", "nonfinite", "final", "per_seed", 1}, -inf},
		{interp.SummaryFile, []any{"metrics", "nonfinite", "final", "median"}, nan},
		{"seed-1/net.yaml", []any{"layers", 0, "name"}, "on"},
		{"seed-1/net.yaml", []any{"layers", 1, "name"}, "1e5"},
		{"seed-1/net.yaml", []any{"layers", 0, "rule_settings", "retention"}, 1.0},
		{"seed-1/net.yaml", []any{"layers", 0, "tensors", 0, "data", 0}, 5e-324},
		{"seed-1/net.yaml", []any{"layers", 0, "tensors", 0, "data", 1}, math.MaxFloat64},
		{"seed-1/net.yaml", []any{"layers", 0, "tensors", 0, "data", 3}, 3.0},
		{"seed-1/net.yaml", []any{"layers", 0, "tensors", 1, "data", 0}, neg0},
		{"seed-1/net.yaml", []any{"layers", 0, "tensors", 1, "data", 2}, 1e21},
		{"seed-1/net.yaml", []any{"layers", 1, "tensors", 0, "data", 0}, -5e-324},
		{"seed-1/net.yaml", []any{"optimizer", "settings", "lr"}, 1.0},
		{"seed-1/net.yaml", []any{"optimizer", "settings", "l1"}, 1e-05},
		{"seed-1/net.yaml", []any{"meta", "lr"}, 3.0},
		{"seed-1/net.yaml", []any{"meta", "nan"}, nan},
		{"seed-1/net.yaml", []any{"meta", "minf"}, -inf},
		{"seed-1/net.yaml", []any{"meta", "strs", 1}, "0x10"},
		{"seed-1/net.yaml", []any{"meta", "n"}, 7},
		{"seed-0/meta.yaml", []any{"negzero"}, neg0},
		{"seed-0/meta.yaml", []any{"huge"}, math.MaxFloat64},
		{"seed-0/meta.yaml", []any{"strs"}, []any{"yes", "0x10", "1_000", ".inf", "017", "1:30", "~", "", "2001-12-14", "=", "<<"}},
		// The neuromodulated and recurrent layers' options and the optimizer's.
		{"seed-1/net.yaml", []any{"layers", 2, "name"}, "yes"},
		{"seed-1/net.yaml", []any{"layers", 2, "rule"}, "retroactive"},
		{"seed-1/net.yaml", []any{"layers", 2, "rule_settings", "clip"}, math.MaxFloat64},
		{"seed-1/net.yaml", []any{"layers", 2, "rule_settings", "eta_e"}, 5e-324},
		{"seed-1/net.yaml", []any{"layers", 2, "rule_settings", "soft"}, 1.0},
		{"seed-1/net.yaml", []any{"layers", 2, "rule_settings", "fanout"}, 1.0},
		{"seed-1/net.yaml", []any{"layers", 2, "learn_rate"}, "cell"},
		{"seed-1/net.yaml", []any{"layers", 3, "name"}, "0x10"},
		{"seed-1/net.yaml", []any{"layers", 3, "rule_settings", "retention"}, 1 - 1e-5},
		{"seed-1/net.yaml", []any{"layers", 3, "precision"}, "float32"},
		{"seed-1/net.yaml", []any{"layers", 3, "input"}, "direct"},
		{"seed-1/net.yaml", []any{"layers", 3, "tensors", 3, "name"}, "0x10.eta"},
		{"seed-1/net.yaml", []any{"optimizer", "settings", "clip_norm"}, math.MaxFloat64},
		{"seed-1/net.yaml", []any{"optimizer", "settings", "batch"}, 3.0},
		// A run's record and the plan: overrides stay the strings typed.
		{"seed-1/" + interp.RunFile, []any{"seed"}, 1},
		{"seed-1/" + interp.RunFile, []any{"overrides", "l1"}, "1e-5"},
		{"seed-1/" + interp.RunFile, []any{"overrides", "negzero"}, "-0.0"},
		{"seed-1/" + interp.RunFile, []any{"overrides", "nanv"}, "nan"},
		{"seed-1/" + interp.RunFile, []any{"params", 4, "name"}, "l1"},
		{"seed-1/" + interp.RunFile, []any{"params", 4, "value"}, 1e-05},
		{"seed-1/" + interp.RunFile, []any{"params", 4, "default"}, 0.01},
		{"seed-1/" + interp.RunFile, []any{"params", 7, "value"}, nan},
		{"seed-1/" + interp.RunFile, []any{"params", 10, "value"}, "1e5"},
		{"seed-1/" + interp.RunFile, []any{"params", 9, "value"}, neg0},
		{"seed-1/" + interp.RunFile, []any{"status"}, "completed"},
		{"seed-1/" + interp.RunFile, []any{"episodes_done"}, 2},
		{planFile, []any{"seeds"}, 2},
		{planFile, []any{"overrides", "l1"}, "1e-5"},
		{planFile, []any{"overrides", "minf"}, "-inf"},
	})
}

// lookupPath follows map keys and list indices through a yaml.v3 value.
func lookupPath(v any, path []any) any {
	for _, k := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[fmt.Sprint(k)]
		case map[any]any:
			v = x[k]
		case []any:
			i, _ := k.(int)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// sameValue: equal, floats bit for bit (any NaN equals any NaN).
func sameValue(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (math.Float64bits(fa) == math.Float64bits(fb) || math.IsNaN(fa) && math.IsNaN(fb))
	}
	if la, ok := a.([]any); ok {
		lb, ok := b.([]any)
		return ok && slices.EqualFunc(la, lb, sameValue)
	}
	return a == b
}

// samePy compares a yaml.v3 value with PyYAML's, tagged by pyYAMLTagged:
// the same types (an int is not a float, a string not a number) and values.
func samePy(g any, p any, at string) error {
	if p == nil {
		if g != nil {
			return fmt.Errorf("%s: yaml.v3 %#v, PyYAML None", at, g)
		}
		return nil
	}
	if pl, ok := p.([]any); ok {
		gl, ok := g.([]any)
		if !ok || len(gl) != len(pl) {
			return fmt.Errorf("%s: yaml.v3 %#v, PyYAML a list of %d", at, g, len(pl))
		}
		for i := range pl {
			if err := samePy(gl[i], pl[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	}
	tagged, _ := p.(map[string]any)
	if len(tagged) != 1 {
		return fmt.Errorf("%s: unexpected %#v", at, p)
	}
	for typ, pv := range tagged {
		switch typ {
		case "bool":
			if g != pv {
				return fmt.Errorf("%s: yaml.v3 %#v, PyYAML bool %v", at, g, pv)
			}
		case "int":
			if gi, ok := g.(int); !ok || strconv.Itoa(gi) != pv {
				return fmt.Errorf("%s: yaml.v3 %#v, PyYAML int %v", at, g, pv)
			}
		case "float":
			f, err := strconv.ParseFloat(pv.(string), 64)
			if err != nil || !sameValue(g, f) {
				return fmt.Errorf("%s: yaml.v3 %#v, PyYAML float %v (%v)", at, g, pv, err)
			}
		case "str":
			if g != pv {
				return fmt.Errorf("%s: yaml.v3 %#v, PyYAML str %q", at, g, pv)
			}
		case "map":
			return samePyMap(g, pv.([]any), at)
		default:
			return fmt.Errorf("%s: yaml.v3 %#v, PyYAML %v", at, g, pv)
		}
	}
	return nil
}

func samePyMap(g any, pairs []any, at string) error {
	gm := map[any]any{}
	switch x := g.(type) {
	case map[string]any:
		for k, v := range x {
			gm[k] = v
		}
	case map[any]any:
		gm = x
	default:
		return fmt.Errorf("%s: yaml.v3 %#v, PyYAML a mapping", at, g)
	}
	if len(gm) != len(pairs) {
		return fmt.Errorf("%s: yaml.v3 has %d keys, PyYAML %d", at, len(gm), len(pairs))
	}
	for _, pair := range pairs {
		kv := pair.([]any)
		found := false
		for gk, gv := range gm {
			if samePy(gk, kv[0], at) == nil {
				if err := samePy(gv, kv[1], fmt.Sprintf("%s.%v", at, gk)); err != nil {
					return err
				}
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%s: PyYAML key %v not read by yaml.v3", at, kv[0])
		}
	}
	return nil
}

// pandasColumns reads a CSV file with pandas.read_csv twice, with the
// default float parser and the round-trip one, and returns the header,
// the column types and every column's values (floats as hex).
const pandasColumns = `
import json, sys, pandas
def col(s):
    if s.dtype.kind == "f": return [float(v).hex() for v in s]
    if s.dtype.kind in "iu": return [str(int(v)) for v in s]
    return [str(v) for v in s]
d = pandas.read_csv(sys.argv[1])
exact = pandas.read_csv(sys.argv[1], float_precision="round_trip")
json.dump({"columns": list(d.columns), "dtypes": {c: str(t) for c, t in d.dtypes.items()},
	"values": {c: col(d[c]) for c in d.columns}, "exact": {c: col(exact[c]) for c in exact.columns}}, sys.stdout)
`

// checkPandas reads the metrics.csv of dir with pandas and checks that it
// finds the header columns with the given types and every value of the
// file (float columns: exactly with the round-trip parser, to one unit in
// the last place with the default one), in rows rows.
func checkPandas(t *testing.T, py, dir string, columns []string, dtypes map[string]string, rows int) {
	t.Helper()
	path := filepath.Join(dir, interp.MetricsFile)
	out, err := exec.Command(py, "-c", pandasColumns, path).Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var got struct {
		Columns       []string
		Dtypes        map[string]string
		Values, Exact map[string][]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Columns, text[0]) || !slices.Equal(got.Columns, columns) {
		t.Fatalf("pandas columns %v, header %v, want %v", got.Columns, text[0], columns)
	}
	if len(text)-1 != rows {
		t.Fatalf("metrics.csv has %d rows, want %d", len(text)-1, rows)
	}
	for j, col := range columns {
		if got.Dtypes[col] != dtypes[col] {
			t.Errorf("pandas reads column %s as %s, want %s", col, got.Dtypes[col], dtypes[col])
			continue
		}
		if len(got.Values[col]) != rows || len(got.Exact[col]) != rows {
			t.Fatalf("pandas read %d values of column %s, the file has %d rows", len(got.Values[col]), col, rows)
		}
		for i, row := range text[1:] {
			if dtypes[col] != "float64" {
				if got.Values[col][i] != row[j] {
					t.Errorf("row %d %v: pandas reads %s %q", i+1, row, col, got.Values[col][i])
				}
				continue
			}
			want, err := strconv.ParseFloat(row[j], 64)
			if err != nil {
				t.Fatalf("row %d %v: %s: %v", i+1, row, col, err)
			}
			exact, _ := strconv.ParseFloat(got.Exact[col][i], 64)
			approx, _ := strconv.ParseFloat(got.Values[col][i], 64)
			if !sameValue(exact, want) {
				t.Errorf("row %d %v: pandas (round_trip) reads %s %v", i+1, row, col, exact)
			}
			// The default parser may be one unit in the last place off.
			if d := int64(math.Float64bits(approx)) - int64(math.Float64bits(want)); !sameValue(approx, want) && (d < -1 || d > 1) {
				t.Errorf("row %d %v: pandas reads %s %v", i+1, row, col, approx)
			}
		}
	}
}

// metricsDtypes are the types pandas must find in metrics.csv.
var metricsDtypes = map[string]string{"seed": "int64", "episode": "int64", "metric": "object", "value": "float64"}

func TestMetricsReadByPandas(t *testing.T) {
	py := findPython(t, "pandas")
	dir := runAwkward(t, nil)
	// 2 seeds x 2 episodes x 8 metrics
	checkPandas(t, py, dir, []string{"seed", "episode", "metric", "value"}, metricsDtypes, 2*2*8)
}

// A sweep of a float parameter: its values are floats in params.yaml and
// summary.yaml, and in metrics.csv's column for pandas; a run's record and
// the plan keep them as typed (strings).
func TestSweepOutputsReadByPython(t *testing.T) {
	py := findPython(t, "yaml", "pandas")
	typed := []string{"1e-5", "5e-324", "-0.0", "nan", "inf", "3"}
	dir := runAwkward(t, &interp.Sweep{Key: "sw", Values: typed})
	values := []any{1e-5, 5e-324, math.Copysign(0, -1), math.NaN(), math.Inf(1), 3.0}
	files := []string{interp.ParamsFile, interp.SummaryFile, planFile}
	for _, v := range typed {
		files = append(files, "sw="+v+"/seed-1/"+interp.RunFile)
	}
	goRead := readBoth(t, py, dir, files)
	cases := []yamlCase{
		{interp.ParamsFile, []any{"sweep", "values"}, values},
		{interp.ParamsFile, []any{"params", "sw"}, values},
		{interp.SummaryFile, []any{"sweep", "values"}, values},
		{planFile, []any{"sweep_values"}, []any{"1e-5", "5e-324", "-0.0", "nan", "inf", "3"}},
	}
	for i, v := range values {
		run := "sw=" + typed[i] + "/seed-1/" + interp.RunFile
		cases = append(cases,
			yamlCase{interp.SummaryFile, []any{"sweep", "results", i, "value"}, v},
			// a mean: -0 becomes +0 (sums start at +0)
			yamlCase{interp.SummaryFile, []any{"sweep", "results", i, "metrics", "sw", "final", "per_seed", 1}, v.(float64) + 0},
			yamlCase{run, []any{"sweep_value"}, typed[i]},
			yamlCase{run, []any{"params", 12, "name"}, "sw"},
			yamlCase{run, []any{"params", 12, "value"}, v})
	}
	checkValues(t, goRead, cases)
	dtypes := maps.Clone(metricsDtypes)
	dtypes["sw"] = "float64"
	// 6 values x 2 seeds x 2 episodes x 8 metrics
	checkPandas(t, py, dir, []string{"seed", "sw", "episode", "metric", "value"}, dtypes, 6*2*2*8)
}
