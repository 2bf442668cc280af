package bohp

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
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

func TestCheckpointRoundTrip(t *testing.T) {
	n, opt := trainedNet(t)
	var buf bytes.Buffer
	if err := SaveCheckpoint(&buf, n, opt, map[string]any{"episode": 20, "task": "reversal"}); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
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
	var buf2 bytes.Buffer
	if err := SaveCheckpoint(&buf2, m, o2, ck.Meta); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Errorf("re-saved checkpoint differs:\n%s\n---\n%s", buf.String(), buf2.String())
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
	var buf bytes.Buffer
	if err := SaveCheckpoint(&buf, n, opt, nil); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
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
		{"bad number", strings.Replace(good, "data: [", "data: [abc, ", 1), "cannot unmarshal"},
		{"optimizer", strings.Replace(good, "type: rmsprop", "type: lbfgs", 1), `unknown optimizer "lbfgs"`},
		{"retention", strings.Replace(good, "retention: 0.98", "retention: 2", 1), "retention must be in [0, 1]"},
	}
	for _, c := range cases {
		_, err := LoadCheckpoint(strings.NewReader(c.text))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}
