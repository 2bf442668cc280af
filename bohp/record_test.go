package bohp

import (
	"context"
	"slices"
	"testing"
)

// A recording holds what the episode's steps saw: the inputs, the outputs,
// the scored targets and weights, and the traces each step used.
func TestRecordingMatchesTheEpisode(t *testing.T) {
	n, _, r := newReversalNet(t, EngineBPTT)
	tk := &reversalTask{reverse: true}
	if _, err := tk.episode(n, r); err != nil { // an episode before: not recorded
		t.Fatal(err)
	}
	if n.Recorded() != nil {
		t.Fatal("recorded without Record")
	}
	const T = 6
	ep := &Episode{Steps: T, Inputs: make([]float64, T*10), Targets: make([]float64, T*2), Loss: CrossEntropy,
		Weights: []float64{0, 1, 1, 0, 1, 1}, Outputs: make([]float64, T*2)}
	r.FillSigns(ep.Inputs)
	for s := 0; s < T; s++ {
		ep.Targets[2*s+s%2] = 1
	}
	// The traces each step used, read step by step.
	var traces [][]float64
	n.Reset()
	for s := 0; s < T; s++ {
		if _, err := n.Step(ep.Inputs[s*10 : s*10+10]); err != nil {
			t.Fatal(err)
		}
		traces = append(traces, slices.Clone(n.Layers[0].Traces()))
	}
	n.Record(0)
	if _, err := n.RunEpisode(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	rec := n.Recorded()
	if rec == nil || rec.Steps != T || rec.Max != DefaultRecordMax {
		t.Fatalf("recording %+v", rec)
	}
	if !slices.Equal(rec.Inputs, ep.Inputs) || !slices.Equal(rec.Outputs, ep.Outputs) || !slices.Equal(rec.Weights, ep.Weights) {
		t.Errorf("inputs, outputs or weights differ:\n%v\n%v\n%v", rec.Inputs, rec.Outputs, rec.Weights)
	}
	for s := 0; s < T; s++ {
		for k := 0; k < 2; k++ {
			got, want := rec.Targets[2*s+k], ep.Targets[2*s+k]
			if got != want {
				t.Errorf("target of step %d cell %d: %v, want %v", s, k, got, want)
			}
		}
	}
	if len(rec.States) != 1 || rec.States[0].Label() != "l0.hebb" || rec.States[0].Rows != 2 || rec.States[0].Cols != 10 {
		t.Fatalf("states %+v", rec.States)
	}
	for s, h := range traces {
		if got := rec.States[0].Values[s*20 : s*20+20]; !slices.Equal(got, h) {
			t.Errorf("traces of step %d: %v, want %v", s, got, h)
		}
	}
	// Only the next episode is recorded.
	if _, err := tk.episode(n, r); err != nil {
		t.Fatal(err)
	}
	if n.Recorded() != rec {
		t.Error("a later episode replaced the recording")
	}
}

// A wide recurrent layer is subsampled evenly, to at most the limit per
// step, and the values kept are the traces at the indices listed.
func TestRecordingSubsamples(t *testing.T) {
	const N, T = 40, 5
	n, err := NewNetwork(N, EngineBPTT, LayerSpec{Out: N, Act: Tanh, Rule: Hebb{0.9}, Recurrent: true, Input: InputDirect, Precision: Float32})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRNG(2)
	n.InitNormal(r, 0.3)
	n.Record(100)
	n.Reset()
	x := make([]float64, N)
	var full [][]float64
	for s := 0; s < T; s++ {
		r.FillSigns(x)
		if _, err := n.Step(x); err != nil {
			t.Fatal(err)
		}
		full = append(full, n.Layers[0].Traces())
		if _, err := n.Score(SSE, x, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.EndEpisode(); err != nil {
		t.Fatal(err)
	}
	rec := n.Recorded()
	h := rec.States[0]
	if len(rec.InputIndex) != N || len(h.RowIndex) != 10 || len(h.ColIndex) != 10 || h.RowIndex[1] != 4 || h.ColIndex[9] != 36 {
		t.Fatalf("kept %d inputs, rows %v, columns %v", len(rec.InputIndex), h.RowIndex, h.ColIndex)
	}
	k := 0
	for s := 0; s < T; s++ {
		for _, i := range h.RowIndex {
			for _, j := range h.ColIndex {
				if h.Values[k] != full[s][i*N+j] {
					t.Fatalf("step %d trace [%d][%d]: %v, want %v", s, i, j, h.Values[k], full[s][i*N+j])
				}
				k++
			}
		}
	}
	if nonzero := slices.IndexFunc(h.Values[2*100:], func(v float64) bool { return v != 0 }); nonzero < 0 {
		t.Error("the traces recorded from step 2 on are all zero")
	}
}

func TestSampleShape(t *testing.T) {
	for _, c := range []struct{ rows, cols, limit, r, c int }{
		{2, 10, 256, 2, 10}, {1000, 1000, 256, 16, 16}, {1, 1000, 256, 1, 256}, {1000, 1, 256, 256, 1}, {10, 1000, 100, 1, 100},
	} {
		if r, cc := sampleShape(c.rows, c.cols, c.limit); r != c.r || cc != c.c {
			t.Errorf("sampleShape(%d, %d, %d) = %d, %d, want %d, %d", c.rows, c.cols, c.limit, r, cc, c.r, c.c)
		}
	}
	if got := evenIndex(10, 4); !slices.Equal(got, []int{0, 2, 5, 7}) {
		t.Errorf("evenIndex(10, 4) = %v", got)
	}
}

// An episode that is not recorded allocates nothing more.
func TestNoRecordingNoAllocation(t *testing.T) {
	n, opt, r := newReversalNet(t, EngineForward)
	tk := &reversalTask{reverse: true}
	for i := 0; i < 3; i++ {
		tk.episode(n, r)
		opt.Update(n.Params())
	}
	if a := testing.AllocsPerRun(20, func() { tk.episode(n, r) }); a != 0 {
		t.Errorf("%v allocations per episode", a)
	}
}

// A neuromodulated layer's recording holds, step by step, the traces,
// modulation and eligibility traces that Traces, Modulation and
// Eligibility read at that step.
func TestRecordingOfANeuromodulatedLayer(t *testing.T) {
	for _, fanout := range []bool{false, true} {
		n, err := NewNetwork(2, EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: ModRule{Mode: ModRetro, Clip: 0.5, Fanout: fanout, Rate: 0.2}, Recurrent: true}, LayerSpec{Out: 2, Act: Linear})
		if err != nil {
			t.Fatal(err)
		}
		n.InitNormal(NewRNG(3), 0.6)
		const T = 7
		xs := make([]float64, 2*T)
		NewRNG(4).FillUniform(xs, -1, 1)
		var want [3][][]float64 // traces, modulation, eligibility per step
		n.Record(0)
		n.Reset()
		l := n.Layers[0]
		for s := 0; s < T; s++ {
			if _, err := n.Step(xs[2*s : 2*s+2]); err != nil {
				t.Fatal(err)
			}
			want[0] = append(want[0], slices.Clone(l.Traces()))
			want[1] = append(want[1], slices.Clone(l.Modulation()))
			want[2] = append(want[2], slices.Clone(l.Eligibility()))
		}
		if _, err := n.EndEpisode(); err != nil {
			t.Fatal(err)
		}
		rec := n.Recorded()
		if rec == nil || len(rec.States) != 3 {
			t.Fatalf("fanout %v: states %+v", fanout, rec)
		}
		for k, name := range []string{"l0.modulated_hebb", "l0.modulation", "l0.eligibility"} {
			st := rec.States[k]
			if st.Label() != name {
				t.Fatalf("state %d is %s, want %s", k, st.Label(), name)
			}
			size := len(want[k][0])
			for s := 0; s < T; s++ {
				if got := st.Values[s*size : (s+1)*size]; !slices.Equal(got, want[k][s]) {
					t.Errorf("fanout %v: %s of step %d: %v, want %v", fanout, name, s, got, want[k][s])
				}
			}
		}
		if m := want[1][T-1]; !fanout && (m[0] != m[1] || m[0] == 0) {
			t.Errorf("modulation without fan-out: %v, want equal non-zero values", m)
		}
	}
}

// Every plastic layer's states are named as its rule's registry entry says
// (RuleKind.Trace): a Hebbian trace "hebb", a neuromodulated one
// "modulated_hebb", retroactive's eligibility trace apart; dense and
// recurrent layers alike.
func TestStateNamesFollowTheRegistry(t *testing.T) {
	want := map[string][]string{
		"hebb":         {"hebb"},
		"oja":          {"hebb"},
		"clipped_hebb": {"hebb"},
		"modulated":    {"modulated_hebb", "modulation"},
		"retroactive":  {"modulated_hebb", "modulation", "eligibility"},
	}
	settings := map[string]float64{"retention": 0.5, "rate": 0.1, "clip": 1, "eta": 0.1, "eta_e": 0.1}
	for _, k := range RuleKinds() {
		if k.Trace == "" {
			t.Errorf("rule %s: no Trace in its registry entry", k.Name)
		}
		values := map[string]float64{}
		for _, s := range k.Settings {
			if !s.Optional {
				values[s.Name] = settings[s.Name]
			}
		}
		r, err := NewRule(k.Name, values)
		if err != nil {
			t.Fatal(err)
		}
		for _, recurrent := range []bool{false, true} {
			n, err := NewNetwork(3, EngineBPTT, LayerSpec{Out: 3, Act: Tanh, Rule: r, Recurrent: recurrent})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range n.Layers[0].States() {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, want[k.Name]) {
				t.Errorf("rule %s (recurrent %v): states %v, want %v", k.Name, recurrent, names, want[k.Name])
			}
		}
	}
}
