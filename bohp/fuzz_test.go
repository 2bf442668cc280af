package bohp

import (
	"bytes"
	"testing"
	"time"
)

// FuzzLoadCheckpoint: no input makes LoadCheckpoint panic, and whatever it
// accepts saves and loads again to the same text.
func FuzzLoadCheckpoint(f *testing.F) {
	n, err := NewNetwork(3, EngineForward, LayerSpec{Out: 2, Act: Tanh, Rule: Hebb{0.9}}, LayerSpec{Out: 2, Act: Softmax})
	if err != nil {
		f.Fatal(err)
	}
	n.InitNormal(NewRNG(1), 0.1)
	var buf bytes.Buffer
	if err := SaveCheckpoint(&buf, n, NewRMSprop(0.01, 0.01, Penalty{L1: 1e-4}), map[string]any{"episode": 3}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("format: bohp-checkpoint/1\ninputs: 2\nengine: bptt\nlayers: []\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			ck  *Checkpoint
			err error
		}
		done := make(chan result, 1)
		go func() {
			ck, err := LoadCheckpoint(bytes.NewReader(data))
			done <- result{ck, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
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
