package figures

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTraceWritesFiles(t *testing.T) {
	base := filepath.Join(t.TempDir(), "trace")
	const steps = 7
	in := make([]float64, steps*3)
	for i := range in {
		in[i] = math.Sin(float64(i))
	}
	tgt := make([]float64, steps*2)
	for i := range tgt {
		tgt[i] = math.NaN() // not scored
	}
	tgt[12], tgt[13] = 1, 0
	panels := []TracePanel{
		{Title: "inputs", Rows: []string{"0", "1", "2"}, Values: in},
		{Title: "targets (scored steps)", Rows: []string{"0", "1"}, Values: tgt, Scale: 1},
	}
	if err := Trace(base, steps, panels, TraceOptions{Title: "one episode"}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, base)
	svg, _ := os.ReadFile(base + ".svg")
	for _, want := range []string{"one episode", "inputs", "targets (scored steps)", "step", "blue -1 … red +1"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	f, err := os.Open(base + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != int(traceWidth.Dots(curveDPI)+0.5) {
		t.Errorf("PNG is %d pixels wide", w)
	}
}

// Each value is a block of whole pixels in the panel's image, row 0 at the
// top, NaN white, the ends of the scale blue and red.
func TestHeatImage(t *testing.T) {
	img := heatImage(2, 2, []float64{-1, 1, 0, math.NaN()}, 1) // step 0: rows -1, 1; step 1: 0, NaN
	b := img.Bounds()
	sx, sy := b.Dx()/2, b.Dy()/2
	if sx*2 != b.Dx() || sy*2 != b.Dy() || sx < 2 || sy < 2 {
		t.Fatalf("image %v for 2×2 values", b)
	}
	at := func(step, row int) (r, g, bl uint32) {
		r, g, bl, _ = img.At(step*sx+sx/2, row*sy+sy/2).RGBA()
		return r >> 8, g >> 8, bl >> 8
	}
	if r, _, bl := at(0, 0); !(bl > r) {
		t.Errorf("-1 is not blue: %d %d", r, bl)
	}
	if r, _, bl := at(0, 1); !(r > bl) {
		t.Errorf("+1 is not red: %d %d", r, bl)
	}
	if r, g, bl := at(1, 1); r != 255 || g != 255 || bl != 255 {
		t.Errorf("NaN is not white: %d %d %d", r, g, bl)
	}
}

// Values near the largest float (an input of 1e308) are drawn, at the
// ends of the scale: the scale's width 2×1e308 overflows.
func TestHeatImageHugeValues(t *testing.T) {
	img := heatImage(2, 1, []float64{-1e308, 1e308}, 1e308)
	b := img.Bounds()
	r0, _, b0, _ := img.At(b.Dx()/4, b.Dy()/2).RGBA()
	r1, _, b1, _ := img.At(3*b.Dx()/4, b.Dy()/2).RGBA()
	if !(b0 > r0 && r1 > b1) {
		t.Errorf("-1e308 and 1e308 are not blue and red: %d %d, %d %d", r0, b0, r1, b1)
	}
	base := filepath.Join(t.TempDir(), "huge")
	if err := Trace(base, 2, []TracePanel{{Title: "inputs", Rows: []string{"0"}, Values: []float64{1e308, -1e308}}}, TraceOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestTraceErrors(t *testing.T) {
	base := filepath.Join(t.TempDir(), "x")
	if err := Trace(base, 0, nil, TraceOptions{}); err == nil || !strings.Contains(err.Error(), "nothing to draw") {
		t.Errorf("empty: %v", err)
	}
	err := Trace(base, 3, []TracePanel{{Title: "p", Rows: []string{"a"}, Values: []float64{1, 2}}}, TraceOptions{})
	if err == nil || !strings.Contains(err.Error(), `panel "p" has 2 values for 3 steps × 1 rows`) {
		t.Errorf("short panel: %v", err)
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ n, most, want int }{{2, 12, 1}, {20, 12, 2}, {106, 12, 10}, {1000, 6, 200}, {10, 6, 2}} {
		if got := niceStep(c.n, c.most); got != c.want {
			t.Errorf("niceStep(%d, %d) = %d, want %d", c.n, c.most, got, c.want)
		}
	}
}
