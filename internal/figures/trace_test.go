package figures

import (
	"bytes"
	"image"
	"image/color"
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
	img := readPNG(t, base+".png")
	if w := img.Bounds().Dx(); w != int(traceWidth.Dots(curveDPI)+0.5) {
		t.Errorf("PNG is %d pixels wide", w)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Each value is one pixel of the panel's image, row 0 at the top, NaN
// white, the ends of the scale blue and red.
func TestHeatImage(t *testing.T) {
	img := heatImage(2, 2, []float64{-1, 1, 0, math.NaN()}, 1) // step 0: rows -1, 1; step 1: 0, NaN
	if b := img.Bounds(); b.Dx() != 2 || b.Dy() != 2 {
		t.Fatalf("image %v for 2×2 values", b)
	}
	at := func(step, row int) (r, g, bl uint32) {
		r, g, bl, _ = img.At(step, row).RGBA()
		return r >> 8, g >> 8, bl >> 8
	}
	if r, _, bl := at(0, 0); !(bl > r) {
		t.Errorf("-1 is not blue: %d %d", r, bl)
	}
	if r, _, bl := at(0, 1); !(r > bl) {
		t.Errorf("+1 is not red: %d %d", r, bl)
	}
	if r, g, bl := at(1, 0); !(r == g && g == bl || max(r, g, bl)-min(r, g, bl) < 16) {
		t.Errorf("0 is not grey: %d %d %d", r, g, bl)
	}
	if r, g, bl := at(1, 1); r != 255 || g != 255 || bl != 255 {
		t.Errorf("NaN is not white: %d %d %d", r, g, bl)
	}
}

// A panel that uses every colour of the scale and NaN has a palette of
// 256 colours, each once.
func TestHeatImageAllColors(t *testing.T) {
	const steps = 1000
	v := make([]float64, steps)
	for i := range v {
		v[i] = -1 + 2*float64(i)/(steps-2)
	}
	v[steps-1] = math.NaN()
	img := heatImage(steps, 1, v, 1)
	seen := map[color.Color]bool{}
	for _, c := range img.Palette {
		seen[c] = true
	}
	if len(img.Palette) != 256 || len(seen) != 256 {
		t.Fatalf("palette of %d colours, %d distinct", len(img.Palette), len(seen))
	}
	first, last, nan := img.At(0, 0), img.At(steps-2, 0), img.At(steps-1, 0)
	if r, _, b, _ := first.RGBA(); !(b > r) {
		t.Errorf("-1 is %v", first)
	}
	if r, _, b, _ := last.RGBA(); !(r > b) {
		t.Errorf("+1 is %v", last)
	}
	if nan != color.White {
		t.Errorf("NaN is %v", nan)
	}
}

// The SVG's image has a block of sx × sy whole pixels per value, about
// tracePixelsX × tracePixelsY in all.
func TestBlockImage(t *testing.T) {
	img := heatImage(3, 2, []float64{-1, 1, 0, math.NaN(), 1, -1}, 1)
	big := blockImage(img).(*image.Paletted)
	sx, sy := tracePixelsX/3, tracePixelsY/2
	if b := big.Bounds(); b.Dx() != 3*sx || b.Dy() != 2*sy {
		t.Fatalf("blocks %v of a 3×2 image, want %d×%d", b, 3*sx, 2*sy)
	}
	for y := range big.Rect.Dy() {
		for x := range big.Rect.Dx() {
			if got, want := big.ColorIndexAt(x, y), img.ColorIndexAt(x/sx, y/sy); got != want {
				t.Fatalf("pixel (%d, %d) has colour %d, value (%d, %d) %d", x, y, got, x/sx, y/sy, want)
			}
		}
	}
	if wide := blockImage(image.NewPaletted(image.Rect(0, 0, 5000, 500), img.Palette)); wide.Bounds().Dx() != 5000 || wide.Bounds().Dy() != 500 {
		t.Errorf("an image larger than tracePixels becomes %v", wide.Bounds())
	}
}

// A panel of more values than the PNG has pixels for them shows every
// value: one red row among 400 grey ones (or one red step among 2000)
// colours some pixel, wherever it is. Nearest-neighbour sampling drew one
// row in about three and left the others out.
func TestTracePNGShowsEveryValue(t *testing.T) {
	base := filepath.Join(t.TempDir(), "trace")
	for _, c := range []struct{ steps, rows int }{{5, 400}, {2000, 3}} {
		for i := range 12 {
			v := make([]float64, c.steps*c.rows)
			if c.rows > c.steps {
				k := 1 + i*c.rows/12 + i%3 // one row of every step
				for s := range c.steps {
					v[s*c.rows+k] = 1
				}
			} else {
				k := 1 + i*c.steps/12 + i%3 // one step of every row
				for r := range c.rows {
					v[k*c.rows+r] = 1
				}
			}
			if err := Trace(base, c.steps, []TracePanel{{Title: "one red line", Rows: make([]string, c.rows), Values: v, Scale: 1}}, TraceOptions{}); err != nil {
				t.Fatal(err)
			}
			img := readPNG(t, base+".png")
			red := 0
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if r, _, bl, _ := img.At(x, y).RGBA(); r>>8 > bl>>8+8 {
						red++
					}
				}
			}
			if red == 0 {
				t.Errorf("%d steps × %d rows, red line %d: no red pixel", c.steps, c.rows, i)
			}
		}
	}
}

// The PNG draws the cells crisply: a checkerboard of -1 and +1 has only
// its blue and red in the PNG (besides the greys of text and axes), no
// blend of the two at the cells' edges.
func TestTracePNGCellsCrisp(t *testing.T) {
	base := filepath.Join(t.TempDir(), "trace")
	const steps, rows = 13, 7
	v := make([]float64, steps*rows)
	for i := range v {
		v[i] = float64(1 - 2*((i/rows+i%rows)%2))
	}
	if err := Trace(base, steps, []TracePanel{{Title: "checkers", Rows: make([]string, rows), Values: v, Scale: 1}}, TraceOptions{}); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, base+".png")
	pal := heatImage(2, 1, []float64{-1, 1}, 1)
	blue, red := color.RGBAModel.Convert(pal.At(0, 0)), color.RGBAModel.Convert(pal.At(1, 0))
	counts := map[color.Color]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.R == c.G && c.G == c.B {
				continue // text, axes, background
			}
			if c != blue && c != red {
				t.Fatalf("pixel (%d, %d) is %v, neither the blue %v nor the red %v of the cells", x, y, c, blue, red)
			}
			counts[c]++
		}
	}
	if counts[blue] == 0 || counts[red] == 0 {
		t.Errorf("the PNG has %d blue and %d red pixels", counts[blue], counts[red])
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
