package bohp

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func trainedNet(t *testing.T) (*Network, *RMSprop) {
	n, opt, r := newReversalNet(t, EngineForward)
	tk := &reversalTask{reverse: true}
	for i := 0; i < 20; i++ {
		if _, err := tk.episode(n, r); err != nil {
			t.Fatal(err)
		}
		if err := opt.Update(n.Params()); err != nil {
			t.Fatal(err)
		}
	}
	n.Param("l0.alpha").SetSign(1)
	n.Param("l1.b").Frozen = true
	// Awkward values must round-trip exactly.
	tenth := 0.1
	n.Param("l1.w").Data[0] = tenth + 0.2 // 0.30000000000000004
	n.Param("l1.w").Data[1] = -5e-324
	n.Param("l1.w").Data[2] = 1e300
	n.Param("l1.w").Data[3] = math.Copysign(0, -1)
	return n, opt
}

// checkpointText is the checkpoint of n and opt (nil: none) with meta.
func checkpointText(t testing.TB, n *Network, opt Optimizer, meta map[string]any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := SaveCheckpoint(&buf, n, opt, meta); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestCheckpointRoundTrip(t *testing.T) {
	n, opt := trainedNet(t)
	text := checkpointText(t, n, opt, map[string]any{"episode": 20, "task": "reversal"})
	ck, err := LoadCheckpoint(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	m := ck.Network
	if m.In != n.In || len(m.Layers) != len(n.Layers) || m.Engine() != n.Engine() {
		t.Fatalf("architecture differs")
	}
	for i, p := range n.Params() {
		q := m.Params()[i]
		if q.Name != p.Name || q.Frozen != p.Frozen || q.Sign != p.Sign || q.Kind != p.Kind {
			t.Errorf("%s: options differ: %+v vs %+v", p.Name, q, p)
		}
		for k, v := range p.Data {
			if math.Float64bits(q.Data[k]) != math.Float64bits(v) {
				t.Errorf("%s[%d]: %v != %v", p.Name, k, q.Data[k], v)
			}
		}
	}
	if h, ok := m.Layers[0].Rule.(Hebb); !ok || h.Retention != 0.98 {
		t.Errorf("rule not restored: %#v", m.Layers[0].Rule)
	}
	if ck.Meta["task"] != "reversal" || ck.Meta["episode"] != 20 {
		t.Errorf("meta: %v", ck.Meta)
	}
	// Optimizer state round-trips, so training continues identically.
	o2 := ck.Optimizer.(*RMSprop)
	s1, u1 := opt.State()
	s2, u2 := o2.State()
	if u1 != u2 || len(s1) != len(s2) {
		t.Fatalf("optimizer state differs")
	}
	for k, v := range s1 {
		for i := range v {
			if math.Float64bits(v[i]) != math.Float64bits(s2[k][i]) {
				t.Fatalf("state %s[%d] differs", k, i)
			}
		}
	}
	// Saving the loaded checkpoint gives the same text.
	if again := checkpointText(t, m, o2, ck.Meta); again != text {
		t.Errorf("re-saved checkpoint differs:\n%s\n---\n%s", text, again)
	}
}

func TestCheckpointFileAtomic(t *testing.T) {
	n, opt := trainedNet(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "net.yaml")
	if err := SaveCheckpointFile(path, n, opt, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if _, err := LoadCheckpointFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpointFile(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCheckpointErrors(t *testing.T) {
	n, opt := trainedNet(t)
	good := checkpointText(t, n, opt, nil)
	cases := []struct{ name, text, want string }{
		{"empty", "", "empty file"},
		{"not yaml", "format: [unclosed\n", "line"},
		{"tabs", "format: x\n\tinputs: 3\n", "line 2"},
		{"wrong format", strings.Replace(good, CheckpointFormat, "other/9", 1), `format is "other/9"`},
		{"unknown field", strings.Replace(good, "inputs: 10", "inputs: 10\nextra: 1", 1), "field extra not found"},
		{"bad activation", strings.Replace(good, "activation: tanh", "activation: relu", 1), `unknown activation "relu"`},
		{"bad rule", strings.Replace(good, "rule: hebb", "rule: bcm", 1), `unknown plasticity rule "bcm"`},
		{"bad engine", strings.Replace(good, "engine: forward", "engine: magic", 1), `unknown gradient engine "magic"`},
		{"shape", strings.Replace(good, "rows: 2\n", "rows: 3\n", 1), "shape 3x10"},
		{"size", strings.Replace(good, "inputs: 10", "inputs: 9", 1), "shape 2x10 with 20 values, want 2x9"},
		{"nan", strings.Replace(good, "data: [0.30000000000000004", "data: [.nan", 1), "NaN"},
		{"bad number", strings.Replace(good, "data: [", "data: [abc, ", 1), "`abc` is not a number"},
		// yaml.v3's type errors, in the checkpoint's words (no Go types)
		{"not a map", "- 1\n- 2\n", "line 1: a list is not a checkpoint: a map of format, inputs, engine, layers, optimizer, meta"},
		{"top field", "format: bohp-checkpoint/1\nformt: y\n", "line 2: field formt not found (known: format, inputs, engine, layers, optimizer, meta)"},
		// another file: said so, rather than its fields a checkpoint lacks
		{"summary", "script: x.tengo\nseeds: [0]\nruns: 1\n", "checkpoint: not a checkpoint: it has none of the fields format, inputs, engine, layers (a file written by network.save has them)"},
		{"other format", "format: x\nformt: y\n", "checkpoint: not a checkpoint: format is x, want bohp-checkpoint/1"},
		{"optimizer field", strings.Replace(good, "type: rmsprop", "type: rmsprop\n  typo: 1", 1), "field typo not found (known: type, settings, updates, state)"},
		{"updates not an int", strings.Replace(good, "updates: 20", "updates: many", 1), "`many` is not an int"},
		{"numbers for an int", strings.Replace(good, "inputs: 10", "inputs: [10]", 1), "a list of numbers is not an int"},
		{"several", "inputs: x\nengine: [a]\n", "line 1: `x` is not an int (and 1 more)"},
		// yaml.v3 truncates a fraction into an int field (inputs 1.5 loaded as 1).
		{"fraction for inputs", strings.Replace(good, "inputs: 10", "inputs: 10.5", 1), "checkpoint: line 2: inputs is 10.5, want a whole number"},
		{"fraction for updates", strings.Replace(good, "updates: 20", "updates: 2.05e1", 1), "updates is 2.05e1, want a whole number"},
		{"fraction for out", strings.Replace(good, "out: 2\n", "out: 2.5\n", 1), "checkpoint line 5: layer: line 6: out is 2.5, want a whole number"},
		{"fraction for rows", strings.Replace(good, "rows: 2\n", "rows: 1.999\n", 1), "line 14: rows is 1.999, want a whole number"},
		{"optimizer", strings.Replace(good, "type: rmsprop", "type: lbfgs", 1), `unknown optimizer "lbfgs"`},
		{"retention", strings.Replace(good, "retention: 0.98", "retention: 2", 1), "retention must be in [0, 1]"},
		// An optimizer state no run reaches would make every later update NaN.
		{"negative updates", strings.Replace(good, "updates: 20", "updates: -3", 1), "rmsprop state: -3 updates, want a number >= 0"},
		{"state nan", regexp.MustCompile(`l0\.b: \[[^,]*`).ReplaceAllString(good, "l0.b: [.nan"), "rmsprop state l0.b[0] is NaN"},
		{"state negative", regexp.MustCompile(`l1\.b: \[[^,]*`).ReplaceAllString(good, "l1.b: [-1"), "rmsprop state l1.b[0] is -1, want a mean of squared gradients, >= 0"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("two cases named %q: a failure would not say which", c.name)
		}
		seen[c.name] = true
		_, err := LoadCheckpoint(strings.NewReader(c.text))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
		if msg := err.Error(); strings.Contains(msg, "bohp.") || strings.Contains(msg, "float64") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q names Go types or has several lines", c.name, msg)
		}
	}
}

// A whole number written as a float is a whole number; a fraction's error
// names the file.
func TestCheckpointWholeNumbers(t *testing.T) {
	n, opt := trainedNet(t)
	good := checkpointText(t, n, opt, nil)
	ck, err := LoadCheckpoint(strings.NewReader(strings.Replace(strings.Replace(good, "inputs: 10", "inputs: 10.0", 1), "updates: 20", "updates: 2e1", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if ck.Network.In != 10 || ck.Optimizer.Updates() != 20 {
		t.Errorf("inputs %d, updates %d; want 10, 20", ck.Network.In, ck.Optimizer.Updates())
	}
	path := filepath.Join(t.TempDir(), "net.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(good, "inputs: 10", "inputs: 1.5", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	want := path + ": checkpoint: line 2: inputs is 1.5, want a whole number"
	if _, err := LoadCheckpointFile(path); err == nil || err.Error() != want {
		t.Errorf("LoadCheckpointFile: %v, want %q", err, want)
	}
}

// awkward are values whose YAML forms differ between YAML 1.1 and 1.2
// writers, or that are hard to round-trip.
var awkward = []float64{1e-05, -5e-324, 1.7976931348623157e308, math.Copysign(0, -1), 3, -2.5, 0.3, 1e21, 123456789, 1e-300}

// TestCheckpointWrittenBeforeYAML11 loads a checkpoint written by the
// YAML 1.2-only writer (1e-05, 3): the reader accepts both forms.
func TestCheckpointWrittenBeforeYAML11(t *testing.T) {
	ck, err := LoadCheckpointFile("testdata/checkpoint-before-yaml11.yaml")
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, p := range ck.Network.Params() {
		for k, v := range p.Data {
			if want := awkward[i%len(awkward)]; math.Float64bits(v) != math.Float64bits(want) {
				t.Errorf("%s[%d] = %v, want %v", p.Name, k, v, want)
			}
			i++
		}
	}
	adam := ck.Optimizer.(*Adam)
	if adam.L1 != 1e-05 || adam.LR != 1 || adam.Eps != 1e-08 {
		t.Errorf("optimizer settings: %+v", adam)
	}
	if state, updates := adam.State(); updates != 7 || math.Float64bits(state["l0.w/m"][3]) != math.Float64bits(math.Copysign(0, -1)) {
		t.Errorf("optimizer state: %v, %d", state, updates)
	}
	want := map[string]any{"episodes": 20, "l1": 1e-05, "lr": 3, "note": "1e5", "zero": 0}
	for k, v := range want {
		if ck.Meta[k] != v {
			t.Errorf("meta %s = %#v, want %#v", k, ck.Meta[k], v)
		}
	}
}

// TestCheckpointFloatForms: every float of a checkpoint (tensors, rule and
// optimizer settings, optimizer state, meta) is written in the form both
// YAML 1.1 and 1.2 read as that float; integral-valued floats stay floats,
// and strings that look like other types are quoted.
func TestCheckpointFloatForms(t *testing.T) {
	n, err := NewNetwork(2, EngineForward, LayerSpec{Name: "on", Out: 2, Act: Tanh, Rule: Hebb{1}}, LayerSpec{Name: "1e5", Out: 1, Act: Linear})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range n.Params() {
		copy(p.Data, awkward[i:])
	}
	opt := NewAdam(1, Penalty{L1: 1e-05})
	meta := map[string]any{"lr": 3.0, "tiny": 5e-324, "inf": math.Inf(-1), "n": int64(4), "s": "yes", "list": []any{1e-05, "0x10"}}
	text := checkpointText(t, n, opt, meta)
	for _, s := range []string{"retention: 1.0\n", "lr: 1.0\n", "l1: 1.0e-05\n", "l2: 0.0\n", "name: \"on\"\n", "name: \"1e5\"\n",
		"data: [1.0e-05, -5.0e-324, 1.7976931348623157e+308, -0.0]", "lr: 3.0\n", "tiny: 5.0e-324\n", "inf: -.inf\n",
		"\"n\": 4\n", "s: \"yes\"\n", "- 1.0e-05\n", "- \"0x10\"\n"} {
		if !strings.Contains(text, s) {
			t.Errorf("checkpoint lacks %q:\n%s", s, text)
		}
	}
	ck, err := LoadCheckpoint(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if ck.Network.Layers[0].Name != "on" || ck.Network.Layers[1].Name != "1e5" {
		t.Errorf("layer names: %q, %q", ck.Network.Layers[0].Name, ck.Network.Layers[1].Name)
	}
	if ck.Meta["lr"] != 3.0 || ck.Meta["s"] != "yes" || ck.Meta["n"] != 4 || !math.IsInf(ck.Meta["inf"].(float64), -1) {
		t.Errorf("meta: %#v", ck.Meta)
	}
}
