package bohp

import (
	"bytes"
	"testing"
	"time"
)

// maxFuzzCheckpoint bounds the fuzzed inputs: every feature of the format
// fits in a checkpoint of a few hundred bytes, and the fuzzer minimizes
// each new input it finds (long inputs stalled it for a minute at a time).
const maxFuzzCheckpoint = 2048

// batched sets an optimizer's clip_norm and a batch of two episodes.
func batched(o *Adam) *Adam {
	o.GradOptions = GradOptions{ClipNorm: 1, Batch: 2}
	return o
}

// FuzzLoadCheckpoint: no input makes LoadCheckpoint panic or hang, and
// whatever it accepts saves and loads again. The seeds are the smallest
// networks that use each part of the format (dense, Hebbian and Oja
// layers, a recurrent layer with a trained rate, the neuromodulated
// kinds, each optimizer, a batch under way, meta).
func FuzzLoadCheckpoint(f *testing.F) {
	seeds := []struct {
		in    int
		specs []LayerSpec
		opt   Optimizer
		meta  map[string]any
	}{
		{1, []LayerSpec{{Out: 1, Act: Linear}}, nil, nil},
		{2, []LayerSpec{{Out: 1, Act: Tanh, Rule: Hebb{0.9}}, {Out: 2, Act: Softmax}}, NewRMSprop(0.01, 0.01, Penalty{L1: 1e-4}), map[string]any{"episode": 3}},
		{1, []LayerSpec{{Out: 1, Act: Sigmoid, Rule: Oja{0.1}}}, NewAdam(0.001, Penalty{}), nil},
		{1, []LayerSpec{{Out: 2, Act: Tanh, Rule: Hebb{0.5}, Recurrent: true, LearnRate: RateLayer}}, &SGD{LR: 0.1}, map[string]any{"note": "x"}},
		// the neuromodulated kinds, and an optimizer with a batch under way
		{1, []LayerSpec{{Out: 1, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 1, Soft: true, Fanout: true, Rate: 0.1}, Recurrent: true, LearnRate: RateCell}}, batched(NewAdam(0.01, Penalty{})), nil},
		{1, []LayerSpec{{Out: 2, Act: Tanh, Rule: ModRule{Mode: ModHebb, Clip: 0.5, Rate: 0.2}}}, nil, nil},
		{1, []LayerSpec{{Out: 1, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: 1}, Recurrent: true}, {Out: 1, Act: Tanh, Recurrent: true}}, nil, nil},
	}
	for _, s := range seeds {
		n, err := NewNetwork(s.in, EngineBPTT, s.specs...)
		if err != nil {
			f.Fatal(err)
		}
		n.InitNormal(NewRNG(1), 0.1)
		if s.opt != nil {
			if err := s.opt.Update(n.Params()); err != nil { // one episode of the batch
				f.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := SaveCheckpoint(&buf, n, s.opt, s.meta); err != nil {
			f.Fatal(err)
		}
		if buf.Len() > maxFuzzCheckpoint {
			f.Fatalf("seed of %d bytes, more than the %d fuzzed", buf.Len(), maxFuzzCheckpoint)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("format: bohp-checkpoint/1\ninputs: 2\nengine: bptt\nlayers: []\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzCheckpoint {
			return
		}
		type result struct {
			ck  *Checkpoint
			err error
		}
		done := make(chan result, 1)
		go func() {
			ck, err := LoadCheckpoint(bytes.NewReader(data))
			done <- result{ck, err}
		}()
		timer := time.NewTimer(5 * time.Second)
		defer timer.Stop()
		var r result
		select {
		case r = <-done:
		case <-timer.C:
			t.Fatalf("LoadCheckpoint takes over 5 s on %q", data)
		}
		ck, err := r.ck, r.err
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := SaveCheckpoint(&out, ck.Network, ck.Optimizer, ck.Meta); err != nil {
			t.Fatalf("an accepted checkpoint does not save: %v", err)
		}
		if _, err := LoadCheckpoint(bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("a re-saved checkpoint does not load: %v\n%s", err, out.String())
		}
	})
}

// TestLoadCheckpointShapeOverflow: a layer whose rows x cols overflows
// (to 0, which empty data would match) is refused by name, not a panic.
func TestLoadCheckpointShapeOverflow(t *testing.T) {
	for _, c := range []struct{ name, text string }{
		{"rows x cols wraps to 0", `format: bohp-checkpoint/1
inputs: 4611686018427387904
engine: bptt
layers:
  - name: l0
    out: 4
    activation: linear
    tensors:
      - {name: l0.w, kind: weight, rows: 4, cols: 4611686018427387904, data: []}
      - {name: l0.b, kind: bias, rows: 4, cols: 1, data: [1, 2, 3, 4]}
`},
		{"huge inputs", `format: bohp-checkpoint/1
inputs: 9223372036854775807
engine: bptt
layers:
  - {name: l0, out: 1, activation: linear, tensors: []}
`},
		{"negative size", `format: bohp-checkpoint/1
inputs: 2
engine: bptt
layers:
  - name: l0
    out: -3
    activation: linear
    tensors:
      - {name: l0.w, kind: weight, rows: -3, cols: 2, data: [1, 2, 3, 4, 5, 6]}
      - {name: l0.b, kind: bias, rows: -3, cols: 1, data: [1, 2, 3]}
`},
	} {
		_, err := LoadCheckpoint(bytes.NewReader([]byte(c.text)))
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
}
