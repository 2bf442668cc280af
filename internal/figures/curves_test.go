package figures

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/internal/stats"
)

// synthetic returns learning curves that decay from start to 0 with noise.
func synthetic(seeds, episodes int, start, tau float64, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, seeds)
	for s := range out {
		k := tau * (0.7 + 0.6*r.Float64())
		out[s] = make([]float64, episodes)
		for e := range out[s] {
			v := start*math.Exp(-float64(e)/k) + 0.02*start*math.Abs(r.NormFloat64())*math.Exp(-float64(e)/(3*k))
			out[s][e] = v
		}
	}
	return out
}

func checkFiles(t *testing.T, base string) {
	t.Helper()
	png, err := os.ReadFile(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s.png is not a PNG (%d bytes)", base, len(png))
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svg, []byte("<?xml")) || !bytes.Contains(svg, []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(svg), []byte("</svg>")) {
		t.Errorf("%s.svg does not look like an SVG document: %.80q", base, svg)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(filepath.Dir(base))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestCurvesWritesFiles(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "error")
	data := synthetic(5, 300, 0.7, 50, 1)
	data[2] = data[2][:120] // an interrupted seed
	data[1][10] = math.NaN()
	data[3][11] = math.Inf(1)
	if err := Curves(base, "Error", []Series{{Label: "g=.98", PerSeed: data}}, CurveOptions{Title: "reversal: Error, median of 5 seeds (0-4)"}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, base)
	svg, _ := os.ReadFile(base + ".svg")
	for _, want := range []string{"Episode", "Error", "reversal: Error, median of 5 seeds (0-4)"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
	// A single series has no legend.
	if bytes.Contains(svg, []byte("g=.98")) {
		t.Errorf("single-series plot has a legend")
	}
}

func TestCurvesSweepLegend(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "sweep")
	series := []Series{
		{Label: "retention=0.98", PerSeed: synthetic(4, 3000, 0.7, 400, 1)},
		{Label: "retention=0.95", PerSeed: synthetic(4, 3000, 0.7, 800, 2)},
		{Label: "retention=0.75", PerSeed: synthetic(1, 2500, 0.7, 1500, 3)}, // one seed
	}
	if err := Curves(base, "Error", series, CurveOptions{}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, base)
	svg, _ := os.ReadFile(base + ".svg")
	for _, s := range series {
		if !bytes.Contains(svg, []byte(s.Label)) {
			t.Errorf("legend lacks %q", s.Label)
		}
	}
}

func TestCurvesErrors(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "x")
	if err := Curves(base, "Error", nil, CurveOptions{}); err == nil {
		t.Error("no series: no error")
	}
	if err := Curves(base, "Error", []Series{{Label: "a"}}, CurveOptions{}); err == nil || err.Error() != "nothing to draw for a: no values" {
		t.Errorf("series without data: err = %v", err)
	}
	nan := math.NaN()
	if err := Curves(base, "Error", []Series{{Label: "a", PerSeed: [][]float64{{nan, math.Inf(-1)}}}}, CurveOptions{}); err == nil {
		t.Error("series without finite value: no error")
	}
	if _, err := os.Stat(base + ".png"); !os.IsNotExist(err) {
		t.Errorf("a failed call left %s.png", base)
	}
	if err := Curves(filepath.Join(dir, "new", "x"), "Error", []Series{{PerSeed: [][]float64{{1, 2}}}}, CurveOptions{}); err != nil {
		t.Errorf("a new directory is created: %v", err)
	}
}

// TestRenderExamples writes example figures to $FIGURES_OUT for a visual
// check; it is skipped when the variable is unset.
func TestRenderExamples(t *testing.T) {
	out := os.Getenv("FIGURES_OUT")
	if out == "" {
		t.Skip("FIGURES_OUT not set")
	}
	if err := Curves(filepath.Join(out, "oneshot"), "Error", []Series{{PerSeed: synthetic(20, 10000, 0.7, 600, 7)}}, CurveOptions{}); err != nil {
		t.Fatal(err)
	}
	err := Curves(filepath.Join(out, "sweep"), "Error", []Series{
		{Label: "trace retention 0.98", PerSeed: synthetic(20, 10000, 0.7, 600, 1)},
		{Label: "trace retention 0.95", PerSeed: synthetic(20, 10000, 0.7, 1200, 2)},
		{Label: "trace retention 0.75", PerSeed: synthetic(20, 10000, 0.7, 3000, 3)},
	}, CurveOptions{Title: "reversal: Error, median of 20 seeds (0-19)"})
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkCurves(b *testing.B) {
	dir := b.TempDir()
	s := []Series{{PerSeed: synthetic(20, 10000, 0.7, 600, 7)}}
	b.ResetTimer()
	for b.Loop() {
		if err := Curves(filepath.Join(dir, "bench"), "Error", s, CurveOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBands(b *testing.B) {
	d := synthetic(20, 10000, 0.7, 600, 7)
	for b.Loop() {
		stats.Bands(d)
	}
}

// The y axis leaves room above the highest point (a learning curve's
// first episodes), and the title is the plot's.
func TestCurvesHeadroomAndTitle(t *testing.T) {
	data := [][]float64{{0.7, 0.5, 0.1}, {0.7, 0.4, 0.2}}
	p, err := curvePlot("Error", []Series{{PerSeed: data}}, CurveOptions{Title: "t: Error, median of 2 seeds (0-1)"})
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.7 * (1 + curveHeadroom); math.Abs(p.Y.Max-want) > 1e-12 {
		t.Errorf("y axis ends at %v, want %v (the highest point 0.7 plus headroom)", p.Y.Max, want)
	}
	if p.Title.Text != "t: Error, median of 2 seeds (0-1)" {
		t.Errorf("title %q", p.Title.Text)
	}
}

// Values near the largest float are drawn on an axis of finite height,
// or refused with an error (a warning of the run) when the values' range
// overflows: an axis of infinite height kept the rasterizer busy for
// minutes.
func TestCurvesHugeValues(t *testing.T) {
	for _, c := range []struct {
		data    [][]float64
		refused bool
	}{
		{[][]float64{{1.7e308, -1.7e308, 1.7e308}}, true},
		{[][]float64{{1e308, 1.7e308}, {1.7e308, 1e308}}, false},
		{[][]float64{{1e20, 1e20}}, false},
		{[][]float64{{-1.7e308, -1.7e308}}, false},
	} {
		p, err := curvePlot("x", []Series{{PerSeed: c.data}}, CurveOptions{})
		if c.refused {
			if err == nil || !strings.Contains(err.Error(), "too large to draw") {
				t.Errorf("%v: err = %v, want too large to draw", c.data, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.data, err)
			continue
		}
		if h := p.Y.Max - p.Y.Min; !(h > 0) || math.IsInf(h, 0) {
			t.Errorf("%v: the y axis runs from %v to %v", c.data, p.Y.Min, p.Y.Max)
		}
	}
}

// A curve with no finite value is refused with a warning in the run's
// words (the caller names the metric and the file): it named the Go
// function, figures.Curves("x"), and said "1 seeds".
func TestCurvesNoFiniteValue(t *testing.T) {
	_, err := curvePlot("x", []Series{{Label: "hidden=3", PerSeed: [][]float64{{math.NaN(), math.Inf(1), math.NaN()}}}}, CurveOptions{})
	if want := "nothing to draw for hidden=3: every value is NaN or infinite (1 seed, 3 episodes)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}
