package figures

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/stats"
)

// DiagramLayer is one layer of connections of a network, from In cells to Out
// cells. W holds the fixed weights and Alpha the plasticity coefficients,
// both row-major Out×In (W[o*In+i] is the connection from input cell i to
// output cell o); Alpha is nil when the layer is not plastic. Name names the
// layer's output cells (the column drawn for them) and Activation their
// nonlinearity ("tanh", "softmax", ...; may be empty). The first layer's
// inputs are drawn as a column named "input".
//
// A Recurrent layer's W and Alpha are its recurrent connections, Out×Out
// (W[o*Out+i] from its cell i to its cell o), drawn as arcs beside its
// column; its input connections are Input (Out×In), or one to one when
// Input is nil (direct input, In = Out).
type DiagramLayer struct {
	Name       string
	In, Out    int
	W, Alpha   []float64
	Plastic    bool
	Trace      string // a plastic layer's traces, w + α·<Trace> ("hebb")
	Activation string
	Recurrent  bool
	Input      []float64
}

// DiagramOptions tunes Diagram.
type DiagramOptions struct {
	// Title is drawn at the top when not empty.
	Title string
	// Threshold is the fraction of the largest |value| in the network
	// (over all w and alpha of all layers) below which a connection is
	// left out. 0 means the default, DefaultThreshold; a negative value
	// draws every nonzero connection. Must be at most 1.
	Threshold float64
	// MaxConnections is the most connections drawn, the strongest; 0
	// means DefaultMaxConnections.
	MaxConnections int
	// Files, when set, takes the file written without sync, to be synced
	// with others at once (see atomicfile.Group); else it is synced.
	Files *atomicfile.Group
}

// DefaultMaxConnections is the MaxConnections used when it is 0: enough
// for any network small enough to read, and a bound on the file's size for
// large ones.
const DefaultMaxConnections = 2000

// DefaultThreshold is the Threshold used when DiagramOptions.Threshold is 0.
const DefaultThreshold = 0.05

// Colours and geometry of diagrams.
const (
	excColor     = "#d62728" // excitatory (positive) connections
	inhColor     = "#1f77b4" // inhibitory (negative) connections
	minStroke    = 0.6       // line width of the weakest drawn connection
	maxStroke    = 6.0       // line width of the strongest connection
	colGap       = 240.0     // horizontal distance between columns
	margin       = 40.0
	plasticBend  = 16.0 // how far a plastic connection bows away from the straight line
	legendWidth  = 430.0
	legendHeight = 92.0
)

// connection is one drawn line of a diagram.
type connection struct {
	layer, out, in int
	plastic        bool
	kind           connKind
	value, mag     float64
	seq            int // collection order, to break ties
}

type connKind int

const (
	connForward   connKind = iota // from the previous column
	connRecurrent                 // within a recurrent layer's column
)

// Diagram writes an SVG picture of a network in the style of panel (b) of
// the paper's figures: cells are circles in one column per layer (input,
// hidden..., output) labelled with their index, connections are lines from
// input to output cells. Fixed weights (w) are straight solid lines and
// plasticity coefficients (alpha) dashed lines bowed to one side, so both can
// be seen between the same two cells; positive (excitatory) values are red
// and negative (inhibitory) ones blue; the line width (and opacity) grows
// with |value|, scaled to the largest |value| in the whole network. Values
// with |value| below opt.Threshold times that largest value, and exact zeros,
// are left out. A legend explains these encodings and says how many
// connections are shown. Stronger lines are drawn over weaker ones; each line
// carries a <title> tooltip with its exact value.
//
// It returns an error, and writes nothing, when the layers are inconsistent
// (sizes, lengths of W and Alpha, consecutive layers' sizes) or hold NaN or
// infinite values.
func Diagram(w io.Writer, layers []DiagramLayer, opt DiagramOptions) error {
	if err := validateLayers(layers); err != nil {
		return err
	}
	thr := opt.Threshold
	switch {
	case math.IsNaN(thr) || thr > 1:
		return fmt.Errorf("figures.Diagram: Threshold = %v, want a fraction of the largest |value| at most 1 (0 for the default %v, negative for all)", thr, DefaultThreshold)
	case thr == 0:
		thr = DefaultThreshold
	case thr < 0:
		thr = 0
	}
	limit := opt.MaxConnections
	if limit <= 0 {
		limit = DefaultMaxConnections
	}
	conns, total, maxMag, capped := collectConnections(layers, thr, limit)

	// Layout: one column per layer boundary, each column centred vertically.
	ncol := len(layers) + 1
	sizes := make([]int, ncol)
	sizes[0] = layers[0].In
	for l, ly := range layers {
		sizes[l+1] = ly.Out
	}
	maxCells := slices.Max(sizes)
	dy := 38.0
	switch {
	case maxCells > 200: // a dense column rather than a picture 10 000 pixels tall
		dy = 1200 / float64(maxCells)
	case maxCells > 20:
		dy = max(6, 760/float64(maxCells))
	}
	radius := min(13, 0.36*dy)
	colH := float64(maxCells-1) * dy
	contentW := float64(ncol-1) * colGap
	width := max(contentW+2*margin+80, legendWidth+2*margin)
	top := margin
	if opt.Title != "" {
		top += 30
	}
	top += 44 // column headers
	height := top + colH + radius + 30 + legendHeight + margin/2
	x0 := (width - contentW) / 2
	cellX := func(col int) float64 { return x0 + float64(col)*colGap }
	cellY := func(col, k int) float64 {
		return top + (colH-float64(sizes[col]-1)*dy)/2 + float64(k)*dy
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="Liberation Sans, Arial, Helvetica, sans-serif">
<rect width="100%%" height="100%%" fill="white"/>
`, num(width), num(height), num(width), num(height))
	if opt.Title != "" {
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="16" font-weight="bold" text-anchor="middle">%s</text>
`, num(width/2), num(margin+6), esc(opt.Title))
	}

	// Column headers and layer captions.
	for col := range ncol {
		name, act := "input", ""
		if col > 0 {
			name, act = layers[col-1].Name, layers[col-1].Activation
			if name == "" {
				name = fmt.Sprintf("layer %d", col-1)
			}
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="13" font-weight="bold" text-anchor="middle">%s</text>
`, num(cellX(col)), num(top-radius-24), esc(name))
		sub := fmt.Sprintf("%d cells", sizes[col])
		if act != "" {
			sub += ", " + act
		}
		if col > 0 && layers[col-1].Recurrent {
			sub += ", recurrent"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" fill="#555" text-anchor="middle">%s</text>
`, num(cellX(col)), num(top-radius-10), esc(sub))
	}
	for l, ly := range layers {
		kind := "fixed: w"
		switch {
		case ly.Recurrent && ly.Input == nil:
			kind = "direct input"
		case ly.Recurrent:
			kind = "fixed: w_in"
		case ly.Plastic:
			kind = "plastic: w + α·" + cmp.Or(ly.Trace, "hebb")
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="11" fill="#777" font-style="italic" text-anchor="middle">%s</text>
`, num((cellX(l)+cellX(l+1))/2), num(top-radius-10), esc(kind))
	}

	// Direct inputs: one to one, thin and grey.
	for l, ly := range layers {
		if ly.Recurrent && ly.Input == nil {
			b.WriteString("<g stroke=\"#bbb\" stroke-width=\"0.8\">\n")
			for k := range ly.Out {
				fmt.Fprintf(&b, `<line class="direct" x1="%s" y1="%s" x2="%s" y2="%s"/>
`, num(cellX(l)), num(cellY(l, k)), num(cellX(l+1)), num(cellY(l+1, k)))
			}
			b.WriteString("</g>\n")
		}
	}

	// Connections, weakest first so that the strongest are on top.
	b.WriteString("<g fill=\"none\" stroke-linecap=\"round\">\n")
	for _, c := range conns {
		x1, y1 := cellX(c.layer), cellY(c.layer, c.in)
		x2, y2 := cellX(c.layer+1), cellY(c.layer+1, c.out)
		if c.kind == connRecurrent {
			x1, y1 = x2, cellY(c.layer+1, c.in)
		}
		rel := c.mag / maxMag
		sw := minStroke + (maxStroke-minStroke)*rel
		color, sign := excColor, "exc"
		if c.value < 0 {
			color, sign = inhColor, "inh"
		}
		src := fmt.Sprintf("input[%d]", c.in)
		if c.layer > 0 {
			src = fmt.Sprintf("%s[%d]", columnName(layers, c.layer), c.in)
		}
		tip := fmt.Sprintf("%s[%d] ← %s: ", columnName(layers, c.layer+1), c.out, src)
		if c.kind == connRecurrent {
			src = fmt.Sprintf("%s[%d]", columnName(layers, c.layer+1), c.in)
			tip = fmt.Sprintf("%s[%d] ← %s (recurrent): ", columnName(layers, c.layer+1), c.out, src)
		}
		// A curve through a control point: beside the column for a
		// recurrent connection (further for plastic ones), offset
		// perpendicularly for a plastic one between columns.
		cx, cy := (x1+x2)/2, (y1+y2)/2
		switch {
		case c.kind == connRecurrent:
			cx += 30 + 0.45*math.Abs(y2-y1)
			if c.plastic {
				cx += plasticBend
			}
			if c.in == c.out {
				cy -= 12 // an autapse: a small loop
			}
		case c.plastic:
			dx, dyy := x2-x1, y2-y1
			n := math.Hypot(dx, dyy)
			cx, cy = (x1+x2)/2+plasticBend*dyy/n, (y1+y2)/2-plasticBend*dx/n
		}
		if c.plastic {
			dash := max(4, 2.2*sw)
			fmt.Fprintf(&b, `<path class="conn plastic %s" d="M%s %s Q%s %s %s %s" stroke="%s" stroke-width="%s" stroke-opacity="%s" stroke-dasharray="%s %s"><title>%sα = %.4g</title></path>
`, sign, num(x1), num(y1), num(cx), num(cy), num(x2), num(y2), color, num2(sw), num2(0.35+0.65*rel), num2(dash), num2(max(3, 1.3*sw)), esc(tip), c.value)
		} else if c.kind == connRecurrent {
			fmt.Fprintf(&b, `<path class="conn fixed %s" d="M%s %s Q%s %s %s %s" stroke="%s" stroke-width="%s" stroke-opacity="%s"><title>%sw = %.4g</title></path>
`, sign, num(x1), num(y1), num(cx), num(cy), num(x2), num(y2), color, num2(sw), num2(0.35+0.65*rel), esc(tip), c.value)
		} else {
			fmt.Fprintf(&b, `<path class="conn fixed %s" d="M%s %s L%s %s" stroke="%s" stroke-width="%s" stroke-opacity="%s"><title>%sw = %.4g</title></path>
`, sign, num(x1), num(y1), num(x2), num(y2), color, num2(sw), num2(0.35+0.65*rel), esc(tip), c.value)
		}
	}
	b.WriteString("</g>\n")

	// Cells on top of the connections.
	fontSize := min(11, radius)
	for col := range ncol {
		fill := "white"
		if col == 0 {
			fill = "#eeeeee"
		}
		for k := range sizes[col] {
			x, y := cellX(col), cellY(col, k)
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="#333" stroke-width="1.2"/>`, num(x), num(y), num(radius), fill)
			if radius >= 6 {
				fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" text-anchor="middle">%d</text>`, num(x), num(y+fontSize*0.36), num(fontSize), k)
			}
			b.WriteByte('\n')
		}
	}

	// Legend.
	ly := top + colH + radius + 30
	lx := (width - legendWidth) / 2
	fmt.Fprintf(&b, `<g font-size="11"><rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#bbb"/>
`, num(lx), num(ly), num(legendWidth), num(legendHeight-6))
	item := func(x, y float64, stroke, dash, label string) {
		d := ""
		if dash != "" {
			d = ` stroke-dasharray="` + dash + `"`
		}
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/><text x="%s" y="%s">%s</text>
`, num(x), num(y), num(x+34), num(y), stroke, d, num(x+42), num(y+4), esc(label))
	}
	item(lx+12, ly+16, "#444", "", "fixed weight w")
	item(lx+12+legendWidth/2, ly+16, "#444", "6 4", "plastic coefficient α")
	item(lx+12, ly+36, excColor, "", "excitatory (> 0)")
	item(lx+12+legendWidth/2, ly+36, inhColor, "", "inhibitory (< 0)")
	fmt.Fprintf(&b, `<text x="%s" y="%s">Width ∝ |value|; the thickest line is |value| = %.3g.</text>
`, num(lx+12), num(ly+58), maxMag)
	hidden := fmt.Sprintf("Not drawn: |value| < %.3g%% of that and zeros (%d of %d shown).", 100*thr, len(conns), total)
	switch {
	case capped:
		hidden = fmt.Sprintf("Drawn: the %d strongest (%d of %d shown).", limit, len(conns), total)
	case thr == 0:
		hidden = fmt.Sprintf("Not drawn: zeros (%d of %d shown).", len(conns), total)
	}
	fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>
</g>
</svg>
`, num(lx+12), num(ly+74), esc(hidden))

	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDiagram writes Diagram's SVG to path atomically (temporary file in the
// same directory, then rename). On a validation error nothing is written.
func WriteDiagram(path string, layers []DiagramLayer, opt DiagramOptions) error {
	if err := validateLayers(layers); err != nil {
		return err
	}
	return writeAtomic(opt.Files, path, func(w io.Writer) error { return Diagram(w, layers, opt) })
}

func columnName(layers []DiagramLayer, col int) string {
	if col == 0 {
		return "input"
	}
	if n := layers[col-1].Name; n != "" {
		return n
	}
	return fmt.Sprintf("layer %d", col-1)
}

// collectConnections returns the strongest connections to draw, at most
// limit, sorted by increasing magnitude (ties in layer, output, input,
// fixed-before-plastic order), the number of candidate connections (every
// w, every alpha of plastic layers, the input weights of recurrent
// layers), and the largest magnitude in the network (1 when all are zero).
func collectConnections(layers []DiagramLayer, thr float64, limit int) (conns []connection, total int, maxMag float64, capped bool) {
	for _, ly := range layers {
		for _, vs := range [][]float64{ly.W, ly.Alpha, ly.Input} {
			total += len(vs)
			for _, v := range vs {
				maxMag = max(maxMag, math.Abs(v))
			}
		}
	}
	if maxMag == 0 {
		return nil, total, 1, false
	}
	cut := thr * maxMag
	// Keep the strongest: trim to limit whenever twice as many are held
	// (a stable sort, so ties keep the collection order).
	strongest := func() {
		slices.SortFunc(conns, func(a, b connection) int { return cmp.Or(cmp.Compare(b.mag, a.mag), cmp.Compare(a.seq, b.seq)) })
		capped = capped || len(conns) > limit
		conns = conns[:min(len(conns), limit)]
	}
	seq := 0
	add := func(l, idx, in int, plastic bool, kind connKind, v float64) {
		if m := math.Abs(v); m > 0 && m >= cut {
			seq++
			conns = append(conns, connection{layer: l, out: idx / in, in: idx % in, plastic: plastic, kind: kind, value: v, mag: m, seq: seq})
			if len(conns) >= 2*limit {
				strongest()
			}
		}
	}
	for l, ly := range layers {
		wIn, wKind := ly.In, connForward
		if ly.Recurrent {
			wIn, wKind = ly.Out, connRecurrent
			for idx, v := range ly.Input {
				add(l, idx, ly.In, false, connForward, v)
			}
		}
		for idx, v := range ly.W {
			add(l, idx, wIn, false, wKind, v)
		}
		if ly.Plastic {
			for idx, v := range ly.Alpha {
				add(l, idx, wIn, true, wKind, v)
			}
		}
	}
	strongest()
	slices.SortFunc(conns, func(a, b connection) int { return cmp.Or(cmp.Compare(a.mag, b.mag), cmp.Compare(a.seq, b.seq)) })
	return conns, total, maxMag, capped
}

func validateLayers(layers []DiagramLayer) error {
	if len(layers) == 0 {
		return fmt.Errorf("figures.Diagram: no layers")
	}
	for l, ly := range layers {
		name := fmt.Sprintf("layer %d (%q)", l, ly.Name)
		if ly.In <= 0 || ly.Out <= 0 {
			return fmt.Errorf("figures.Diagram: %s has In = %d, Out = %d, want both > 0", name, ly.In, ly.Out)
		}
		in, shape := ly.In, "Out×In"
		if ly.Recurrent {
			in, shape = ly.Out, "Out×Out (recurrent)"
			if ly.Input == nil && ly.In != ly.Out {
				return fmt.Errorf("figures.Diagram: %s has direct input (no Input) but In = %d ≠ Out = %d", name, ly.In, ly.Out)
			}
			if ly.Input != nil && len(ly.Input) != ly.In*ly.Out {
				return fmt.Errorf("figures.Diagram: %s: len(Input) = %d, want Out×In = %d×%d = %d", name, len(ly.Input), ly.Out, ly.In, ly.Out*ly.In)
			}
		} else if ly.Input != nil {
			return fmt.Errorf("figures.Diagram: %s is not recurrent but has Input (len %d)", name, len(ly.Input))
		}
		if len(ly.W) != in*ly.Out {
			return fmt.Errorf("figures.Diagram: %s: len(W) = %d, want %s = %d×%d = %d", name, len(ly.W), shape, ly.Out, in, ly.Out*in)
		}
		if ly.Plastic && len(ly.Alpha) != in*ly.Out {
			return fmt.Errorf("figures.Diagram: %s is plastic: len(Alpha) = %d, want %s = %d×%d = %d", name, len(ly.Alpha), shape, ly.Out, in, ly.Out*in)
		}
		if !ly.Plastic && len(ly.Alpha) != 0 {
			return fmt.Errorf("figures.Diagram: %s is not plastic but has Alpha (len %d); set Plastic or leave Alpha nil", name, len(ly.Alpha))
		}
		if l > 0 && ly.In != layers[l-1].Out {
			return fmt.Errorf("figures.Diagram: %s has In = %d but layer %d (%q) has Out = %d", name, ly.In, l-1, layers[l-1].Name, layers[l-1].Out)
		}
		for k, vs := range [][]float64{ly.W, ly.Alpha, ly.Input} {
			cols := in
			if k == 2 {
				cols = ly.In
			}
			for idx, v := range vs {
				if !stats.IsFinite(v) {
					return fmt.Errorf("figures.Diagram: %s: %s[%d] (output %d, input %d) is %v", name, [...]string{"W", "Alpha", "Input"}[k], idx, idx/cols, idx%cols, v)
				}
			}
		}
	}
	return nil
}

func num(v float64) string  { return fmt.Sprintf("%.1f", v) }
func num2(v float64) string { return fmt.Sprintf("%.2f", v) }

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
