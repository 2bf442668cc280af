package bohp

import (
	"testing"
)

// stepBytes is the part of a layer kind's bytes() that grows with the
// episode's steps, which stateBytes leaves out.
func stepBytes(k layerKind) int {
	switch s := k.(type) {
	case *modState:
		f := cap(s.xs) + cap(s.ys) + cap(s.Ms) + cap(s.ms) + cap(s.ckP) + cap(s.ckE)
		if s.bwd != nil {
			f += cap(s.bwd.D)
		}
		return 8 * f
	case *recState[float64]:
		return recStepBytes(s)
	case *recState[float32]:
		return recStepBytes(s)
	}
	panic("unknown layer kind")
}

func recStepBytes[F float](s *recState[F]) int {
	size := int(sizeOf[F]())
	b := size*cap(s.ys) + 8*cap(s.xs)
	for _, buf := range s.saved {
		b += size * len(buf)
	}
	for _, buf := range s.spare {
		b += size * len(buf)
	}
	if s.bwd != nil {
		b += 8*cap(s.bwd.D) + size*cap(s.bwd.coef)
	}
	return b
}

// stateBytes counts what each layer kind holds once it has run an episode
// with BPTT (its bytes(), less what grows with the steps), for every kind
// of layer: a change to a kind's buffers that stateBytes misses fails here.
func TestStateBytes(t *testing.T) {
	const in, n = 48, 64
	hebb, oja := Hebb{0.9}, Oja{0.1}
	cases := map[string]LayerSpec{
		"dense":                    {Out: n, Act: Tanh},
		"plastic":                  {Out: n, Act: Tanh, Rule: hebb},
		"recurrent hebb":           {Out: n, Act: Tanh, Rule: hebb, Recurrent: true},
		"recurrent oja float32":    {Out: n, Act: Tanh, Rule: oja, Recurrent: true, Precision: Float32, LearnRate: RateCell},
		"recurrent, no plasticity": {Out: n, Act: Tanh, Recurrent: true},
		"clipped_hebb":             {Out: n, Act: Tanh, Rule: ModRule{Mode: ModHebb, Clip: 1, Rate: 0.1}},
		"modulated, fanout":        {Out: n, Act: Tanh, Rule: ModRule{Mode: ModSimple, Clip: 1, Fanout: true}, Recurrent: true},
		"retroactive":              {Out: n, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 1, Soft: true, Rate: 0.2}, Recurrent: true, LearnRate: RateLayer},
	}
	for name, spec := range cases {
		net, err := NewNetwork(in, EngineBPTT, spec, LayerSpec{Out: 2, Act: Linear})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		x := make([]float64, in)
		for i := range x {
			x[i] = float64(i%5) / 5
		}
		for range 2 { // the second episode reuses what the first allocated
			net.Reset()
			for range 20 {
				if _, err := net.Step(x); err != nil {
					t.Fatal(err)
				}
				if _, err := net.Score(SSE, []float64{1, -1}, 1); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := net.EndEpisode(); err != nil {
				t.Fatal(err)
			}
		}
		l := net.Layers[0]
		got := 8 * len(l.H)
		if l.kind != nil {
			got = l.kind.(interface{ bytes() int }).bytes() - stepBytes(l.kind)
		}
		if want := stateBytes(spec, in); int64(got) != want {
			t.Errorf("%s: the layer holds %d bytes besides its tensors and its steps, stateBytes says %d", name, got, want)
		}
	}
}

// NetworkBytes counts a network's tensors, four values each (the value,
// its gradient, two optimizer moments), and its layers' states.
func TestNetworkBytes(t *testing.T) {
	specs := []LayerSpec{{Out: 3, Act: Tanh, Rule: Hebb{0.9}}, {Out: 2, Act: Softmax}}
	// plastic 3x5: w, alpha (15 each), b (3), traces 15; dense 2x3: w 6, b 2
	want := int64(8 * (4*(15+15+3+6+2) + 15))
	if got := NetworkBytes(5, EngineBPTT, specs...); got != want {
		t.Errorf("bptt: %d bytes, want %d", got, want)
	}
	n, _ := NewNetwork(5, EngineForward, specs...)
	if got := NetworkBytes(5, EngineForward, specs...); got != want+8*int64(forwardSize(n)) {
		t.Errorf("forward: %d bytes, want %d", got, want+8*int64(forwardSize(n)))
	}
	// The paper engine is the forward recursion: the same tangents.
	if got := NetworkBytes(5, EnginePaper, specs...); got != want+8*int64(forwardSize(n)) {
		t.Errorf("paper: %d bytes, want %d", got, want+8*int64(forwardSize(n)))
	}
	if got := NetworkBytes(16000, EngineBPTT, LayerSpec{Out: 16000, Act: Tanh, Rule: Hebb{0.9}}); got < 16000*16000*8*9 {
		t.Errorf("a 16000x16000 plastic layer: %d bytes", got)
	}
	// A retroactive layer keeps its traces, eligibility traces, their
	// gradients and 17 checkpoints of each per BPTT segment.
	retro := LayerSpec{Out: 1000, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 1, Rate: 0.1}, Recurrent: true}
	if got := NetworkBytes(4, EngineBPTT, retro); got < 1000*1000*8*(4*2+2*19) {
		t.Errorf("a recurrent retroactive layer of 1000 cells: %d bytes", got)
	}
	if got := NetworkBytes(1<<40, EngineBPTT, specs...); got != -1 {
		t.Errorf("inputs 2^40: %d, want -1", got)
	}
}
