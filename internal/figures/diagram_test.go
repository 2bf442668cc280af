package figures

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// completionNet is a plausible trained pattern-completion network: a strong
// fixed connection from each input to its own cell, plastic connections from
// every input to every cell, and the fixed identity readout.
func completionNet() []DiagramLayer {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 8
	w := make([]float64, n*n)
	alpha := make([]float64, n*n)
	id := make([]float64, n*n)
	for o := range n {
		for i := range n {
			w[o*n+i] = 0.01 * r.NormFloat64()
			alpha[o*n+i] = 0.5 + 0.3*r.Float64()
			if i == o {
				w[o*n+i] = 1.4 + 0.2*r.Float64()
				alpha[o*n+i] = 0.02 * r.NormFloat64()
			}
		}
		id[o*n+o] = 1
	}
	return []DiagramLayer{
		{Name: "plastic", In: n, Out: n, W: w, Alpha: alpha, Plastic: true, Activation: "tanh"},
		{Name: "output", In: n, Out: n, W: id, Activation: "identity"},
	}
}

// oneshotNet is a plausible trained one-shot network: 10 → 2 plastic → 2.
func oneshotNet() []DiagramLayer {
	r := rand.New(rand.NewPCG(5, 6))
	w := make([]float64, 2*10)
	alpha := make([]float64, 2*10)
	for o := range 2 {
		for i := range 10 {
			w[o*10+i] = 0.05 * r.NormFloat64()
			if i < 2 {
				w[o*10+i] = []float64{1.2, -1.1}[(i+o)%2]
			} else {
				alpha[o*10+i] = -0.4 - 0.5*r.Float64()
			}
		}
	}
	return []DiagramLayer{
		{Name: "hidden", In: 10, Out: 2, W: w, Alpha: alpha, Plastic: true, Activation: "tanh"},
		{Name: "output", In: 2, Out: 2, W: []float64{2.1, -1.9, -2.0, 2.2}, Activation: "softmax"},
	}
}

func countConns(svg []byte) (fixed, plastic int) {
	return bytes.Count(svg, []byte(`class="conn fixed`)), bytes.Count(svg, []byte(`class="conn plastic`))
}

func render(t *testing.T, layers []DiagramLayer, opt DiagramOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Diagram(&buf, layers, opt); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML.
	d := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("invalid XML: %v", err)
			}
			break
		}
	}
	return buf.Bytes()
}

func TestDiagramThreshold(t *testing.T) {
	// max |value| = 2; values relative to it: 1, .5, .1, .04, .01, 0.
	layers := []DiagramLayer{
		{Name: "h", In: 3, Out: 2, W: []float64{2, -1, 0.2, 0, 0.08, -0.02}, Alpha: []float64{-0.5, 0, 0.09, 0.11, 0, 0}, Plastic: true, Activation: "tanh"},
		{Name: "o", In: 2, Out: 1, W: []float64{0.3, -0.01}},
	}
	cases := []struct {
		thr            float64
		fixed, plastic int
	}{
		{0, 4, 2},    // default 5%, cut 0.1: w 2, -1, .2, .3; alpha -.5, .11
		{0.04, 5, 3}, // cut 0.08: w 2, -1, .2, .08, .3; alpha -.5, .09, .11
		{0.5, 2, 0},  // cut 1: w 2, -1
		{1, 1, 0},    // only the largest
		{-1, 7, 3},   // every nonzero
	}
	for _, c := range cases {
		svg := render(t, layers, DiagramOptions{Threshold: c.thr})
		f, p := countConns(svg)
		if f != c.fixed || p != c.plastic {
			t.Errorf("Threshold %v: %d fixed and %d plastic connections drawn, want %d and %d", c.thr, f, p, c.fixed, c.plastic)
		}
	}
	svg := render(t, layers, DiagramOptions{Title: "a <title> & more"})
	for _, want := range []string{"a &lt;title&gt; &amp; more", ">h<", ">o<", "input", "tanh", "6 of 14 shown", `class="conn fixed inh"`, `class="conn plastic inh"`, "α = -0.5"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestDiagramAllZero(t *testing.T) {
	svg := render(t, []DiagramLayer{{Name: "h", In: 2, Out: 2, W: make([]float64, 4)}}, DiagramOptions{})
	if f, p := countConns(svg); f+p != 0 {
		t.Errorf("all-zero network: %d connections drawn", f+p)
	}
}

func TestDiagramErrors(t *testing.T) {
	good := oneshotNet()
	cases := []struct {
		name   string
		mutate func([]DiagramLayer)
		opt    DiagramOptions
		want   string
	}{
		{"W length", func(l []DiagramLayer) { l[0].W = l[0].W[:19] }, DiagramOptions{}, `layer 0 ("hidden"): len(W) = 19, want Out×In = 2×10 = 20`},
		{"Alpha length", func(l []DiagramLayer) { l[0].Alpha = nil }, DiagramOptions{}, `layer 0 ("hidden") is plastic: len(Alpha) = 0, want Out×In = 2×10 = 20`},
		{"Alpha not plastic", func(l []DiagramLayer) { l[1].Alpha = make([]float64, 4) }, DiagramOptions{}, `layer 1 ("output") is not plastic but has Alpha (len 4)`},
		{"chain", func(l []DiagramLayer) { l[1].In = 3; l[1].W = make([]float64, 6) }, DiagramOptions{}, `layer 1 ("output") has In = 3 but layer 0 ("hidden") has Out = 2`},
		{"sizes", func(l []DiagramLayer) { l[1].Out = 0; l[1].W = nil }, DiagramOptions{}, `layer 1 ("output") has In = 2, Out = 0`},
		{"NaN", func(l []DiagramLayer) { l[0].Alpha[13] = math.NaN() }, DiagramOptions{}, `layer 0 ("hidden"): Alpha[13] (output 1, input 3) is NaN`},
		{"threshold", func([]DiagramLayer) {}, DiagramOptions{Threshold: 1.5}, `Threshold = 1.5`},
	}
	for _, c := range cases {
		l := oneshotNet()
		c.mutate(l)
		var buf bytes.Buffer
		err := Diagram(&buf, l, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: %d bytes written despite the error", c.name, buf.Len())
		}
	}
	if err := Diagram(&bytes.Buffer{}, nil, DiagramOptions{}); err == nil {
		t.Error("no layers: no error")
	}
	path := filepath.Join(t.TempDir(), "net.svg")
	bad := oneshotNet()
	bad[0].W = nil
	if err := WriteDiagram(path, bad, DiagramOptions{}); err == nil {
		t.Error("WriteDiagram with bad shapes: no error")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("WriteDiagram wrote a file despite the error")
	}
	if err := WriteDiagram(path, good, DiagramOptions{Title: "one-shot"}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("WriteDiagram: %v, %.60q", err, b)
	}
}

func TestDiagramDeterministic(t *testing.T) {
	a := render(t, completionNet(), DiagramOptions{Title: "completion"})
	b := render(t, completionNet(), DiagramOptions{Title: "completion"})
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same network differ")
	}
	// 8 strong diagonal w + 56 plastic off-diagonal alpha + 8 identity readout.
	if f, p := countConns(a); f != 16 || p != 56 {
		t.Errorf("completion network: %d fixed, %d plastic drawn, want 16 and 56", f, p)
	}
}

// TestRenderDiagrams writes example diagrams to $FIGURES_OUT for a visual
// check; skipped when the variable is unset.
func TestRenderDiagrams(t *testing.T) {
	out := os.Getenv("FIGURES_OUT")
	if out == "" {
		t.Skip("FIGURES_OUT not set")
	}
	if err := WriteDiagram(filepath.Join(out, "completion.svg"), completionNet(), DiagramOptions{Title: "Pattern completion, seed 1"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteDiagram(filepath.Join(out, "oneshot.svg"), oneshotNet(), DiagramOptions{Title: "One-shot learning, seed 1"}); err != nil {
		t.Fatal(err)
	}
	// A larger network: 40 -> 6 (plastic) -> 3.
	r := rand.New(rand.NewPCG(7, 8))
	randn := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = s * r.NormFloat64()
		}
		return v
	}
	big := []DiagramLayer{
		{Name: "hidden", In: 40, Out: 6, W: randn(240, 0.3), Alpha: randn(240, 0.3), Plastic: true, Activation: "tanh"},
		{Name: "output", In: 6, Out: 3, W: randn(18, 1), Activation: "softmax"},
	}
	if err := WriteDiagram(filepath.Join(out, "big.svg"), big, DiagramOptions{Threshold: 0.3}); err != nil {
		t.Fatal(err)
	}
}

// A recurrent layer's connections are arcs beside its column, its direct
// input one-to-one lines; a large network draws only its strongest
// connections, and says so.
func TestDiagramRecurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 300
	w, alpha := make([]float64, n*n), make([]float64, n*n)
	for i := range w {
		w[i], alpha[i] = 0.01*r.NormFloat64(), 0.01*r.NormFloat64()
	}
	layers := []DiagramLayer{{Name: "rec", In: n, Out: n, W: w, Alpha: alpha, Plastic: true, Activation: "tanh", Recurrent: true}}
	svg := render(t, layers, DiagramOptions{MaxConnections: 500})
	if f, p := countConns(svg); f+p != 500 {
		t.Errorf("%d connections drawn, want the 500 strongest", f+p)
	}
	for _, want := range []string{"recurrent", "direct input", "the 500 strongest (500 of 180000 shown)", "(recurrent): α ="} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if c := bytes.Count(svg, []byte(`class="direct"`)); c != n {
		t.Errorf("%d direct input lines, want %d", c, n)
	}
	// The strongest of all is drawn.
	strongest := 0.0
	for _, v := range append(append([]float64(nil), w...), alpha...) {
		strongest = max(strongest, math.Abs(v))
	}
	if !bytes.Contains(svg, []byte(fmt.Sprintf("= %.4g<", strongest))) && !bytes.Contains(svg, []byte(fmt.Sprintf("= %.4g<", -strongest))) {
		t.Errorf("the strongest connection (|value| %.4g) is not drawn", strongest)
	}

	in := make([]float64, 3*2)
	in[0] = 1
	small := []DiagramLayer{{Name: "rec", In: 2, Out: 3, W: []float64{0, 1, 0, 0, 0, -1, 0.5, 0, 0}, Recurrent: true, Input: in}}
	svg = render(t, small, DiagramOptions{})
	if f, _ := countConns(svg); f != 4 {
		t.Errorf("%d connections drawn, want 4 (3 recurrent, 1 input)", f)
	}
	for _, bad := range []struct {
		ly   DiagramLayer
		want string
	}{
		{DiagramLayer{Name: "r", In: 2, Out: 3, W: make([]float64, 9), Recurrent: true}, "direct input"},
		{DiagramLayer{Name: "r", In: 2, Out: 3, W: make([]float64, 6), Recurrent: true, Input: in}, "Out×Out (recurrent)"},
		{DiagramLayer{Name: "r", In: 2, Out: 3, W: make([]float64, 6), Input: in}, "not recurrent but has Input"},
	} {
		if err := Diagram(io.Discard, []DiagramLayer{bad.ly}, DiagramOptions{}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: error %v, want %q", bad.ly, err, bad.want)
		}
	}
}
