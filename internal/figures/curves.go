package figures

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one curve of a Curves plot: the values of one metric for every
// seed, PerSeed[seed][episode]. Seeds may have different lengths (a run that
// was interrupted): each episode is summarised over the seeds that have it.
type Series struct {
	Label   string
	PerSeed [][]float64
}

// MaxCurvePoints caps the number of points drawn per curve. A series longer
// than this is cut into consecutive bins of ceil(episodes/MaxCurvePoints)
// episodes, and each bin is drawn as one point: x is the mean episode index
// of the bin and y the mean of the per-episode median (and of the per-episode
// 25th and 75th percentiles for the band) over the bin. The statistics are
// always computed exactly at every episode (Bands) before this averaging,
// which only smooths episode-to-episode noise over a few episodes (5 for
// 10000 episodes).
const MaxCurvePoints = 2000

// Figure size and PNG resolution of Curves.
const (
	curveWidth  = 5 * vg.Inch
	curveHeight = 3.5 * vg.Inch
	curveDPI    = 144
)

// seriesColors is the palette of the curves when there are several series
// (matplotlib's "tab10"); a single series is drawn in black over a grey band,
// as in the paper's figures.
var seriesColors = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

// CurveOptions are the optional parts of a Curves figure.
type CurveOptions struct {
	Title string // above the plot, e.g. "reversal: error, median of 20 seeds (0-19)"
	// Files, when set, takes the files written without sync, to be synced
	// with others at once (see atomicfile.Group); else each is synced.
	Files *atomicfile.Group
}

// curveHeadroom is the fraction of the y range added above the highest
// point, so that a curve starting at its maximum (a learning curve's first
// episodes) does not run along the top edge.
const curveHeadroom = 0.08

// Curves plots one metric of a multi-seed run and writes pathNoExt.png and
// pathNoExt.svg (each atomically; missing directories are created). For every
// series it draws the per-episode median across seeds as a line and shades
// the interquartile range (25th to 75th percentile, see Bands and Quantile)
// in the same hue; the x axis is the episode index (0-based), the y axis is
// labelled metric. A legend names the series when there is more than one
// (e.g. a sweep over the trace retention). Long series are binned to at most
// MaxCurvePoints points, see MaxCurvePoints. NaN and ±Inf values are skipped
// (an episode where no seed has a finite value leaves a gap in the curve).
// With a single seed the band degenerates to the median line. The y axis
// extends curveHeadroom of its range above the highest point; opt.Title,
// when set, is drawn above the plot.
//
// It returns an error when series is empty, when a series has no finite
// value at all, or when a file cannot be written.
func Curves(pathNoExt, metric string, series []Series, opt CurveOptions) error {
	p, err := curvePlot(metric, series, opt)
	if err != nil {
		return err
	}
	return writePlot(pathNoExt, p, curveWidth, curveHeight, opt.Files)
}

// nothingToDraw is the error of a curve without a finite value, in the
// words of a run's warning (which names the metric and the file).
func nothingToDraw(label string, seeds, episodes int) error {
	if episodes == 0 {
		return fmt.Errorf("nothing to draw for %s: no values", label)
	}
	n := fmt.Sprintf("%d seeds", seeds)
	if seeds == 1 {
		n = "1 seed"
	}
	return fmt.Errorf("nothing to draw for %s: every value is NaN or infinite (%s, %d episodes)", label, n, episodes)
}

// curvePlot builds the plot that Curves draws.
func curvePlot(metric string, series []Series, opt CurveOptions) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("figures.Curves(%q): no series", metric)
	}
	p := plot.New()
	p.BackgroundColor = nil // the canvases are white
	p.X.Label.Text = "Episode"
	p.Y.Label.Text = metric
	p.Title.Text = opt.Title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Title.Padding = vg.Points(6)
	for _, ts := range []*text.Style{&p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle, &p.Title.TextStyle} {
		ts.Font.Variant = "Sans"
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(6)
	p.Legend.YOffs = -vg.Points(4)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe4}
	grid.Horizontal.Color = color.Gray{Y: 0xe4}
	p.Add(grid)
	nonNegative := true
	maxEpisode := 0
	// All bands are drawn first, then all medians, so that with several
	// series no band hides another series' median.
	var bands, lines []plot.Plotter
	for i, s := range series {
		label := s.Label
		if label == "" {
			label = fmt.Sprintf("series %d", i+1)
		}
		median, q25, q75 := stats.Bands(s.PerSeed)
		x, ym, y25, y75 := binCurves(median, q25, q75, MaxCurvePoints)
		if len(x) == 0 {
			return nil, nothingToDraw(label, len(s.PerSeed), len(median))
		}
		maxEpisode = max(maxEpisode, len(median)-1)
		var lineColor, bandColor color.Color
		lineWidth := vg.Points(1)
		if len(series) == 1 {
			lineColor = color.Black
			bandColor = color.Gray{Y: 0x9a}
		} else {
			c := seriesColors[i%len(seriesColors)]
			lineColor = c
			bandColor = color.NRGBA{c.R, c.G, c.B, 0x50}
			lineWidth = vg.Points(1.25)
		}
		var legendLine *plotter.Line
		var legendBand *plotter.Polygon
		for _, seg := range finiteRuns(ym) {
			lo, hi := seg[0], seg[1]
			ring := make(plotter.XYs, 0, 2*(hi-lo))
			line := make(plotter.XYs, 0, hi-lo)
			for j := lo; j < hi; j++ {
				ring = append(ring, plotter.XY{X: x[j], Y: y75[j]})
				line = append(line, plotter.XY{X: x[j], Y: ym[j]})
				nonNegative = nonNegative && y25[j] >= 0
			}
			for j := hi - 1; j >= lo; j-- {
				ring = append(ring, plotter.XY{X: x[j], Y: y25[j]})
			}
			band, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("figures.Curves(%q): series %q: %w", metric, label, err)
			}
			band.Color = bandColor
			band.LineStyle.Width = 0
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, fmt.Errorf("figures.Curves(%q): series %q: %w", metric, label, err)
			}
			l.LineStyle = draw.LineStyle{Color: lineColor, Width: lineWidth}
			bands = append(bands, band)
			lines = append(lines, l)
			if legendLine == nil {
				legendLine, legendBand = l, band
			}
		}
		if len(series) > 1 {
			p.Legend.Add(label, legendBand, legendLine)
		}
	}
	p.Add(bands...)
	p.Add(lines...)
	p.X.Min = 0
	p.X.Max = math.Max(p.X.Max, float64(maxEpisode))
	if nonNegative {
		p.Y.Min = 0
	}
	if p.Y.Max <= p.Y.Min { // a flat curve: give the axis some height
		p.Y.Max = p.Y.Min + 1
		if p.Y.Max == p.Y.Min { // a value so large that 1 is lost
			p.Y.Max = p.Y.Min + curveHeadroom*math.Abs(p.Y.Min)
		}
	}
	// The axis must have a finite height: an infinite one (values near
	// the largest float) keeps the rasterizer busy for minutes.
	top := p.Y.Max
	p.Y.Max = math.Min(p.Y.Max+curveHeadroom*(p.Y.Max-p.Y.Min), math.MaxFloat64)
	if math.IsInf(p.Y.Max-p.Y.Min, 0) {
		return nil, fmt.Errorf("values from %g to %g are too large to draw (their range overflows)", p.Y.Min, top)
	}
	p.Legend.Top = true
	return p, nil
}

// writePlot draws p as pathNoExt.png and pathNoExt.svg (each atomically,
// into files when not nil).
func writePlot(pathNoExt string, p *plot.Plot, w, h vg.Length, files *atomicfile.Group) error {
	return writeDrawing(pathNoExt, w, h, p.Draw, files)
}

// writeDrawing draws a w×h figure with drawFig as pathNoExt.png and
// pathNoExt.svg (each atomically, into files when not nil).
func writeDrawing(pathNoExt string, w, h vg.Length, drawFig func(draw.Canvas), files *atomicfile.Group) error {
	pc := newPNGCanvas(w, h)
	drawFig(draw.New(pc))
	sc := newSVGCanvas(w, h)
	drawFig(draw.New(sc))
	if err := writeAtomic(files, pathNoExt+".png", writerTo(pc)); err != nil {
		return err
	}
	return writeAtomic(files, pathNoExt+".svg", writerTo(sc))
}

func writerTo(wt io.WriterTo) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	}
}

// binCurves returns the points to draw for per-episode curves: the episodes
// themselves when there are at most maxPoints, otherwise one point per bin of
// consecutive episodes (mean episode index, mean values over the episodes of
// the bin whose median is finite). A bin with no finite value gives NaN.
// The three curves are finite at the same episodes (see Bands).
func binCurves(median, q25, q75 []float64, maxPoints int) (x, ym, y25, y75 []float64) {
	n := len(median)
	width := 1
	if n > maxPoints {
		width = (n + maxPoints - 1) / maxPoints
	}
	nb := (n + width - 1) / width
	x = make([]float64, 0, nb)
	ym = make([]float64, 0, nb)
	y25 = make([]float64, 0, nb)
	y75 = make([]float64, 0, nb)
	finite := 0
	for lo := 0; lo < n; lo += width {
		hi := min(lo+width, n)
		var sx, sm, s25, s75 float64
		k := 0
		for e := lo; e < hi; e++ {
			if math.IsNaN(median[e]) {
				continue
			}
			sx += float64(e)
			sm += median[e]
			s25 += q25[e]
			s75 += q75[e]
			k++
		}
		if k == 0 {
			x = append(x, float64(lo+hi-1)/2)
			ym = append(ym, math.NaN())
			y25 = append(y25, math.NaN())
			y75 = append(y75, math.NaN())
			continue
		}
		finite++
		fk := float64(k)
		x = append(x, sx/fk)
		ym = append(ym, sm/fk)
		y25 = append(y25, s25/fk)
		y75 = append(y75, s75/fk)
	}
	if finite == 0 {
		return nil, nil, nil, nil
	}
	return x, ym, y25, y75
}

// finiteRuns returns the [lo, hi) index ranges of the maximal runs of
// non-NaN values of v.
func finiteRuns(v []float64) [][2]int {
	var runs [][2]int
	for i := 0; i < len(v); {
		if math.IsNaN(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && !math.IsNaN(v[j]) {
			j++
		}
		runs = append(runs, [2]int{i, j})
		i = j
	}
	return runs
}
