package bohp

import (
	"io"
	"math"
	"strings"
	"testing"
)

// A network with recurrent and neuromodulated layers of every option
// round-trips through a checkpoint: architecture and tensors (bit for bit).
func TestRecurrentCheckpointRoundTrip(t *testing.T) {
	for _, c := range append(recurrentCases(Float32), modCases(0.3, true)...) {
		n := runRandomEpisode(t, c, EngineBPTT, 1)
		text := checkpointText(t, n, nil, nil)
		ck, err := LoadCheckpoint(strings.NewReader(text))
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, text)
		}
		m := ck.Network
		for i, l := range n.Layers {
			k := m.Layers[i]
			if k.Spec() != l.Spec() {
				t.Errorf("%s: layer %s: options differ", c.name, l.Name)
			}
		}
		for i, p := range n.Params() {
			q := m.Params()[i]
			if q.Name != p.Name || q.Rows != p.Rows || q.Cols != p.Cols {
				t.Fatalf("%s: tensor %s %s became %s %s", c.name, p.Name, p.Shape(), q.Name, q.Shape())
			}
			for k, v := range p.Data {
				if math.Float64bits(q.Data[k]) != math.Float64bits(v) {
					t.Fatalf("%s: %s[%d]: %v != %v", c.name, p.Name, k, q.Data[k], v)
				}
			}
		}
	}
}

// Float arrays are parsed directly only when a line holds a whole sequence
// of numbers; anything else is left to YAML, which reads hand-written
// sequences and reports errors at the right line.
func TestCheckpointArrays(t *testing.T) {
	n, opt := trainedNet(t)
	good := checkpointText(t, n, opt, nil)
	// A sequence written over several lines, in block style, with an
	// integer and a "+.inf" free of the fast path, still loads.
	multi := strings.Replace(good, "data: [", "data: [\n          ", 1)
	if _, err := LoadCheckpoint(strings.NewReader(multi)); err != nil {
		t.Errorf("multi-line sequence: %v", err)
	}
	text, arrays := extractArrays([]byte("a: [1, -2.5e-3, .nan, -.inf, 0]\nb: [1, x]\nc: [0x10]\nd: []\ne: [inf]\n"))
	if len(arrays) != 1 || len(arrays[0]) != 5 || arrays[0][1] != -2.5e-3 || !math.IsNaN(arrays[0][2]) || !math.IsInf(arrays[0][3], -1) {
		t.Errorf("arrays: %v", arrays)
	}
	if want := "a: " + floatsToken + "0\nb: [1, x]\nc: [0x10]\nd: []\ne: [inf]\n"; string(text) != want {
		t.Errorf("text:\n%s\nwant:\n%s", text, want)
	}
	for _, c := range []struct{ name, text, want string }{
		{"line of an error after arrays", strings.Replace(good, "activation: softmax", "activation: relu", 1), "line 28"},
		{"unknown reference", strings.Replace(good, "data: [0.30000000000000004", "data: "+floatsToken+"99 #[", 1), "unknown array reference"},
		{"bad reference", strings.Replace(good, "data: [0.30000000000000004", "data: "+floatsToken+"x #[", 1), "malformed array reference"},
	} {
		_, err := LoadCheckpoint(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if err := SaveCheckpoint(io.Discard, n, opt, map[string]any{"note": floatsToken + "0"}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("reserved text in metadata: %v", err)
	}
}
