package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"strconv"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/stats"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TracePanel is one heatmap of a Trace figure: a per-step quantity of an
// episode, one row per element (a cell, an input, a connection), one
// column per step.
type TracePanel struct {
	Title  string
	Rows   []string  // a label per row (a few are shown on the axis)
	Values []float64 // steps × len(Rows), step-major; NaN is left blank
	// Scale is the colour scale's half-range: values run from blue (-Scale)
	// through grey (0) to red (+Scale), larger ones saturate; 0 takes the
	// 95th percentile of |value|, so that a few large values do not wash
	// out the rest (the title then says so).
	Scale float64
}

// TraceOptions are the optional parts of a Trace figure.
type TraceOptions struct {
	Title string
	// Files, when set, takes the files written without sync, to be synced
	// with others at once (see atomicfile.Group); else each is synced.
	Files *atomicfile.Group
}

// Trace geometry: the width, and the height of a panel and of the title.
const (
	traceWidth       = 6.5 * vg.Inch
	tracePanelHeight = 1.3 * vg.Inch
	traceTitleHeight = 0.35 * vg.Inch
	// tracePixels is about how many pixels a panel's image has across and
	// down in the SVG (and in the PNG, when the panel has more values than
	// device pixels across or down): each cell is a block of whole pixels,
	// so that smooth scaling of the image hardly blurs its edges.
	tracePixelsX, tracePixelsY = 1000, 240
)

// Trace draws the steps of one episode as a column of heatmaps sharing the
// step axis (one per panel, e.g. the inputs, the outputs, the targets, and
// each plastic layer's traces) and writes pathNoExt.png and pathNoExt.svg.
// Each panel's title gets its colour range appended. Panels with many
// rows are readable as long as there are at most a few hundred (callers
// subsample larger quantities).
func Trace(pathNoExt string, steps int, panels []TracePanel, opt TraceOptions) error {
	if steps < 1 || len(panels) == 0 {
		return fmt.Errorf("figures.Trace: nothing to draw (%d steps, %d panels)", steps, len(panels))
	}
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		if len(pn.Rows) == 0 || len(pn.Values) != steps*len(pn.Rows) {
			return fmt.Errorf("figures.Trace: panel %q has %d values for %d steps × %d rows", pn.Title, len(pn.Values), steps, len(pn.Rows))
		}
		plots[i] = []*plot.Plot{tracePlot(steps, pn, i == len(panels)-1)}
	}
	h := vg.Length(len(panels))*tracePanelHeight + traceTitleHeight
	return writeDrawing(pathNoExt, traceWidth, h, func(c draw.Canvas) {
		dc := draw.Crop(c, 0, 0, 0, -traceTitleHeight)
		if opt.Title != "" {
			sty := text.Style{Color: color.Black, Font: plot.DefaultFont, XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
			sty.Font.Variant = "Sans"
			sty.Font.Size = vg.Points(11)
			c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(6)}, opt.Title)
		}
		tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadBottom: vg.Points(4)}
		canvases := plot.Align(plots, tiles, dc)
		for i := range plots {
			plots[i][0].Draw(canvases[i][0])
		}
	}, opt.Files)
}

// tracePlot is one panel: its heatmap, its title with the colour range, a
// few row labels, and the step axis on the last panel only.
func tracePlot(steps int, pn TracePanel, last bool) *plot.Plot {
	scale, note := pn.Scale, ""
	if !(scale > 0) {
		scale = absQuantile(pn.Values, 0.95)
		if MaxAbs(pn.Values) > scale {
			note = "; top 5% saturate"
		}
	}
	if !(scale > 0) {
		scale = 1 // all zero (or blank): any range draws it grey
	}
	rows := len(pn.Rows)
	p := plot.New()
	p.BackgroundColor = nil // the canvases are white: a panel's fill was 20% of the PNG's drawing
	p.Add(plotter.NewImage(heatImage(steps, rows, pn.Values, scale), -0.5, -0.5, float64(steps)-0.5, float64(rows)-0.5))
	p.Title.Text = fmt.Sprintf("%s   [blue -%s … red +%s%s]", pn.Title, short(scale), short(scale), note)
	p.Title.TextStyle.Font.Size = vg.Points(9)
	p.Title.Padding = vg.Points(2)
	p.Y.Tick.Marker = rowTicks(pn.Rows)
	p.X.Tick.Marker = stepTicks(steps)
	p.X.Min, p.X.Max = -0.5, float64(steps)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(pn.Rows))-0.5
	if last {
		p.X.Label.Text = "step"
	} else {
		p.X.Tick.Label.Font.Size = 0
	}
	for _, ts := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label} {
		ts.Font.Variant = "Sans"
	}
	p.X.Tick.Label.Font.Size = min(p.X.Tick.Label.Font.Size, vg.Points(8))
	p.Y.Tick.Label.Font.Size = vg.Points(7)
	return p
}

// heatImage draws a panel's values (steps × rows, step-major) as an image
// of one pixel per value, step across and row 0 at the top: blue -scale,
// grey 0, red +scale (Moreland's smooth diverging map), NaN white. The
// canvases draw its pixels as blocks with sharp edges (see pngCanvas and
// svgCanvas). An image rather than a rectangle per value keeps the SVG
// small and draws no seams between the cells.
func heatImage(steps, rows int, values []float64, scale float64) *image.Paletted {
	// The palette spans [-1, 1] and values are divided by scale: a range
	// of ±scale overflows for values near the largest float.
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-1)
	cm.SetMax(1)
	const blank, colors = 0, 255 // the index of NaN's white; of the scale's colours
	all := append(color.Palette{color.White}, cm.Palette(colors).Colors()...)
	// The image's palette holds the colours used, in order of first use
	// (a full palette is 768 bytes of each SVG's embedded PNG).
	var pos [colors + 1]int // 1 + a colour's position in img.Palette; 0: not used
	img := image.NewPaletted(image.Rect(0, 0, steps, rows), nil)
	for t := range steps {
		for r := range rows {
			c := blank
			if v := values[t*rows+r]; !math.IsNaN(v) {
				v = math.Max(-1, math.Min(1, v/scale))
				c = 1 + int((v+1)/2*(colors-1)+0.5)
			}
			if pos[c] == 0 {
				img.Palette = append(img.Palette, all[c])
				pos[c] = len(img.Palette)
			}
			img.Pix[r*img.Stride+t] = uint8(pos[c] - 1)
		}
	}
	return img
}

// rowTicks labels at most 6 rows: every k-th from the first.
type rowTicks []string

func (rt rowTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i < len(rt); i += niceStep(len(rt), 6) {
		ticks = append(ticks, plot.Tick{Value: float64(len(rt) - 1 - i), Label: rt[i]}) // row 0 at the top
	}
	return ticks
}

// stepTicks labels steps 0, k, 2k, … (k = 1, 2, 5, 10, 20, 50, …: at most
// 12 labels), with a minor tick at every step when there are few.
type stepTicks int

func (steps stepTicks) Ticks(lo, hi float64) []plot.Tick {
	n := int(steps)
	k := niceStep(n, 12)
	var ticks []plot.Tick
	for t := 0; t < n; t++ {
		switch {
		case t%k == 0:
			ticks = append(ticks, plot.Tick{Value: float64(t), Label: strconv.Itoa(t)})
		case n <= 60:
			ticks = append(ticks, plot.Tick{Value: float64(t)})
		}
	}
	return ticks
}

// niceStep is the smallest of 1, 2, 5, 10, 20, 50, … that labels n
// positions with at most most labels.
func niceStep(n, most int) int {
	for k := 1; ; k *= 10 {
		for _, m := range []int{1, 2, 5} {
			if (n+k*m-1)/(k*m) <= most {
				return k * m
			}
		}
	}
}

// absQuantile is the q-quantile of the finite |values| of v (0 if none).
func absQuantile(v []float64, q float64) float64 {
	var abs []float64
	for _, x := range v {
		if a := math.Abs(x); !math.IsNaN(a) && !math.IsInf(a, 0) {
			abs = append(abs, a)
		}
	}
	slices.Sort(abs)
	if len(abs) == 0 {
		return 0
	}
	return stats.Quantile(abs, q)
}

// MaxAbs is the largest finite |value| of v (0 if none).
func MaxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if a := math.Abs(x); a > m && !math.IsInf(a, 0) {
			m = a
		}
	}
	return m
}

// short formats a colour-range bound with 2 significant digits.
func short(v float64) string { return strconv.FormatFloat(v, 'g', 2, 64) }
