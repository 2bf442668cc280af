package bohp

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

// mixedNet has every kind of layer the engines know: dense, Hebbian, Oja,
// an InitAbs output; constraints on some tensors; the forward engine.
func mixedNet(t *testing.T) *Network {
	t.Helper()
	n, err := NewNetwork(4, EngineForward,
		LayerSpec{Name: "in", Out: 3, Act: Sigmoid},
		LayerSpec{Name: "h", Out: 3, Act: Tanh, Rule: Hebb{0.9}},
		LayerSpec{Out: 3, Act: Tanh, Rule: Oja{0.05}},
		LayerSpec{Name: "out", Out: 2, Act: Softmax, InitAbs: true})
	if err != nil {
		t.Fatal(err)
	}
	n.InitNormal(NewRNG(11), 0.3)
	n.Param("h.alpha").SetSign(1)
	n.Param("out.b").Frozen = true
	return n
}

// A clone is an exact, independent copy that starts a fresh episode and
// then computes exactly what the original computes.
func TestClone(t *testing.T) {
	n := mixedNet(t)
	ep := randomEpisode(n, 30, CrossEntropy, 12)
	if _, err := n.RunEpisode(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	n.Step(ep.Inputs[:n.In]) // leave the original mid-episode
	c := n.Clone()
	if c.Engine() != n.Engine() || c.In != n.In || c.Steps() != 0 {
		t.Errorf("clone: engine %v, %d inputs, %d steps", c.Engine(), c.In, c.Steps())
	}
	for i, l := range n.Layers {
		if cl := c.Layers[i]; cl.Spec() != l.Spec() {
			t.Errorf("layer %d: spec %+v, want %+v", i, cl.Spec(), l.Spec())
		}
	}
	for i, p := range n.Params() {
		q := c.Params()[i]
		if q.Name != p.Name || q.Kind != p.Kind || q.Frozen != p.Frozen || q.Sign != p.Sign || !slices.Equal(q.Data, p.Data) {
			t.Errorf("tensor %s differs in the clone", p.Name)
		}
		if slices.ContainsFunc(q.Grad, func(g float64) bool { return g != 0 }) {
			t.Errorf("tensor %s: the clone has a gradient before any episode", q.Name)
		}
		if &q.Data[0] == &p.Data[0] {
			t.Errorf("tensor %s shares its data", p.Name)
		}
	}
	lossN, _ := n.RunEpisode(context.Background(), ep)
	lossC, _ := c.RunEpisode(context.Background(), ep)
	if lossN != lossC {
		t.Errorf("clone loss %v, original %v", lossC, lossN)
	}
	for i, p := range n.Params() {
		if !slices.Equal(c.Params()[i].Grad, p.Grad) {
			t.Errorf("tensor %s: the clone's gradient differs", p.Name)
		}
	}
	c.Param("h.w").Data[0] = 42
	if n.Param("h.w").Data[0] == 42 {
		t.Error("writing the clone wrote the original")
	}
}

// InitAbs draws the layer's weights as |N(0, std²)| from the same stream:
// exactly the plain draw with that one tensor made non-negative.
func TestInitAbs(t *testing.T) {
	specs := []LayerSpec{{Out: 3, Act: Tanh, Rule: Hebb{0.9}}, {Out: 2, Act: Softmax, InitAbs: true}}
	abs, _ := NewNetwork(4, EngineBPTT, specs...)
	abs.InitNormal(NewRNG(5), 0.1)
	specs[1].InitAbs = false
	plain, _ := NewNetwork(4, EngineBPTT, specs...)
	plain.InitNormal(NewRNG(5), 0.1)
	negatives := 0
	for i, p := range plain.Params() {
		want := slices.Clone(p.Data)
		if p.Name == "l1.w" {
			for k, v := range want {
				if v < 0 {
					negatives++
				}
				want[k] = math.Abs(v)
			}
		}
		if !slices.Equal(abs.Params()[i].Data, want) {
			t.Errorf("%s: %v, want %v", p.Name, abs.Params()[i].Data, want)
		}
	}
	if negatives == 0 {
		t.Error("the plain draw has no negative weight: the test shows nothing")
	}
}

func TestRuleRegistry(t *testing.T) {
	var names []string
	for _, k := range RuleKinds() {
		names = append(names, k.Name)
		values := make([]float64, len(k.Settings))
		settings := map[string]float64{}
		for i, s := range k.Settings {
			values[i] = 0.25 + float64(i)
			if s.Max == 1 {
				values[i] = 0.25
			}
			if s.Flag {
				values[i] = float64(i % 2)
			}
			settings[s.Name] = values[i]
			if s.Doc == "" || s.Check(math.NaN()) == nil || s.Check(math.Inf(1)) == nil || s.Flag && s.Check(0.5) == nil {
				t.Errorf("%s.%s: no doc, or a non-finite value passes", k.Name, s.Name)
			}
		}
		r, err := NewRule(k.Name, settings)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name() != k.Name || !slices.Equal(r.Settings(), values) || len(RuleSettings(r)) != len(k.Settings) {
			t.Errorf("%s: built %s with settings %v", k.Name, r.Name(), r.Settings())
		}
	}
	if !slices.Equal(names, []string{"hebb", "oja", "clipped_hebb", "modulated", "retroactive"}) ||
		!slices.Equal(SettingNames(), []string{"retention", "rate", "clip", "soft", "eta", "fanout", "eta_e"}) {
		t.Errorf("rules %v, settings %v", names, SettingNames())
	}
	for _, c := range []struct {
		rule     string
		settings map[string]float64
		want     string
	}{
		{"bcm", nil, `unknown plasticity rule "bcm" (known: hebb, oja, clipped_hebb, modulated, retroactive)`},
		{"hebb", nil, `rule "hebb" needs setting "retention"`},
		{"hebb", map[string]float64{"retention": 0.5, "rate": 1, "alpha": 2}, `rule "hebb": unknown setting "alpha" (known: retention)`},
		{"hebb", map[string]float64{"retention": -0.1}, "rule hebb: retention must be in [0, 1], got -0.1"},
		{"hebb", map[string]float64{"retention": math.NaN()}, "rule hebb: retention must be in [0, 1], got NaN"},
		{"oja", map[string]float64{"rate": math.Inf(-1)}, "rule oja: rate must be a finite number, got -Inf"},
		{"modulated", nil, `rule "modulated" needs setting "clip"`},
		{"modulated", map[string]float64{"clip": 0}, "rule modulated: clip must be a finite number > 0, got 0"},
		{"retroactive", map[string]float64{"clip": 1, "fanout": 0.5, "eta_e": 0.1}, "rule retroactive: fanout must be true or false (1 or 0), got 0.5"},
		{"retroactive", map[string]float64{"clip": 1}, `rule "retroactive" needs setting "eta_e"`},
		{"retroactive", map[string]float64{"clip": 1, "eta_e": 1.5}, "rule retroactive: eta_e must be in [0, 1], got 1.5"},
		{"clipped_hebb", map[string]float64{"clip": 2, "eta": 0.1, "fanout": 1}, `rule "clipped_hebb": unknown setting "fanout" (known: clip, soft, eta)`},
	} {
		if _, err := NewRule(c.rule, c.settings); err == nil || err.Error() != c.want {
			t.Errorf("NewRule(%s, %v): %v, want %q", c.rule, c.settings, err, c.want)
		}
	}
	// A network built in Go is held to the same ranges.
	for _, r := range []Rule{Hebb{1.5}, Oja{math.NaN()}} {
		if _, err := NewNetwork(2, EngineBPTT, LayerSpec{Name: "h", Out: 1, Rule: r}); err == nil || !strings.Contains(err.Error(), "network: layer h: rule "+r.Name()) {
			t.Errorf("%#v: %v", r, err)
		}
	}
}

func TestDiffSpec(t *testing.T) {
	n := mixedNet(t)
	var specs []LayerSpec
	for _, l := range n.Layers {
		specs = append(specs, l.Spec())
	}
	if d := n.DiffSpec(4, specs); d != nil {
		t.Errorf("a network differs from its own spec: %v", d)
	}
	specs[0].Name = "" // unnamed in the spec: any name fits
	specs[3].InitAbs = false
	if d := n.DiffSpec(4, specs); d != nil {
		t.Errorf("unnamed spec or init option: %v", d)
	}
	specs[1].Rule = Hebb{0.8}
	specs[1].Out = 4
	specs[2].Rule = nil
	specs[3].Act = Linear
	specs[3].Name = "readout"
	want := SpecDiffs{
		{Field: "inputs", Have: 4, Want: 5},
		{Layer: "h", Field: "size", Have: 3, Want: 4},
		{Layer: "h", Field: "retention", Have: 0.9, Want: 0.8},
		{Layer: "l2", Field: "rule", Have: "oja", Want: "none"},
		{Layer: "out", Field: "name", Have: "out", Want: "readout"},
		{Layer: "out", Field: "activation", Have: Softmax, Want: Linear},
	}
	got := n.DiffSpec(5, specs)
	if !slices.Equal(got, want) {
		t.Errorf("diffs\n%#v\nwant\n%#v", got, want)
	}
	msg := got.Describe("the checkpoint", "the script")
	wantMsg := "inputs 4 in the checkpoint, 5 in the script; layer h: size 3 in the checkpoint, 4 in the script; " +
		"layer h: retention 0.9 in the checkpoint, 0.8 in the script; layer l2: rule oja in the checkpoint, none in the script; " +
		"layer out: name out in the checkpoint, readout in the script; layer out: activation softmax in the checkpoint, linear in the script"
	if msg != wantMsg {
		t.Errorf("message\n%s\nwant\n%s", msg, wantMsg)
	}
	if d := n.DiffSpec(4, specs[:2]); !slices.Equal(d, SpecDiffs{{Field: "layers", Have: 4, Want: 2}}) {
		t.Errorf("layer count: %v", d)
	}
}

// Every registered rule's settings go through a checkpoint and back.
func TestCheckpointRules(t *testing.T) {
	n := mixedNet(t)
	text := checkpointText(t, n, nil, nil)
	for _, want := range []string{"rule: hebb\n", "retention: 0.9\n", "rule: oja\n", "rate: 0.05\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("checkpoint has no %q:\n%s", want, text)
		}
	}
	ck, err := LoadCheckpoint(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var specs []LayerSpec
	for _, l := range n.Layers {
		specs = append(specs, l.Spec())
	}
	if d := ck.Network.DiffSpec(n.In, specs); d != nil {
		t.Errorf("loaded network differs: %s", d.Describe("the loaded network", "the saved one"))
	}
}
