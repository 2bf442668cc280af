package figures

import (
	"bufio"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"
	"io"
	"sync"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// pngCanvas is the PNG backend of the figures: vgimg's canvas, except that
// it draws images (the trace heatmaps, one pixel per value) that fit their
// rectangle with nearest-neighbour sampling, so that each value is a crisp
// block of whole device pixels. vgimg's own bilinear resampling blurred the
// cells' edges and was 40% of the time of a trace figure.
type pngCanvas struct {
	*vgimg.Canvas
	ctx *gg.Context
}

// newPNGCanvas is a white w×h canvas at curveDPI, as vgimg.NewWith makes it
// but with a graphics context of its own, whose interpolator DrawImage sets.
// Its size is w×h rounded to whole pixels (vgimg's kept h and cut the
// fraction of a pixel off the top).
func newPNGCanvas(w, h vg.Length) pngCanvas {
	img := image.NewRGBA(image.Rect(0, 0, int(w.Dots(curveDPI)+0.5), int(h.Dots(curveDPI)+0.5)))
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	return pngCanvas{Canvas: vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(curveDPI)), ctx: ctx}
}

// DrawImage draws img into rect with nearest-neighbour sampling; the text,
// drawn with the same context, keeps gg's default (bilinear) sampling.
// An image of more pixels than rect has across or down (a panel of more
// rows or steps than that) would lose those that no device pixel samples:
// it is enlarged by whole pixels (blockImage), then drawn with the
// bilinear filter, which x/image/draw broadens when it shrinks, so that
// every value shows. A paletted image is converted to RGBA first:
// x/image/draw has a fast path for RGBA, and samples other images through
// the color interface.
func (c pngCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	size, b := rect.Size(), img.Bounds()
	shrunk := float64(b.Dx()) > size.X.Dots(c.DPI()) || float64(b.Dy()) > size.Y.Dots(c.DPI())
	if shrunk {
		img = blockImage(img)
	}
	if p, ok := img.(*image.Paletted); ok {
		rgba := image.NewRGBA(p.Rect)
		stddraw.Draw(rgba, rgba.Rect, p, p.Rect.Min, stddraw.Src)
		img = rgba
	}
	if !shrunk {
		c.ctx.SetInterpolator(xdraw.NearestNeighbor)
		defer c.ctx.SetInterpolator(xdraw.BiLinear)
	}
	c.Canvas.DrawImage(rect, img)
}

// pngBuffers lets the PNG encoders of figures drawn one after the other (or
// at once, by parallel runs) share their compression buffers.
type pngBuffers struct{ pool sync.Pool }

func (b *pngBuffers) Get() *png.EncoderBuffer {
	buf, _ := b.pool.Get().(*png.EncoderBuffer)
	return buf
}

func (b *pngBuffers) Put(buf *png.EncoderBuffer) { b.pool.Put(buf) }

var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: new(pngBuffers)}

// WriteTo writes the canvas as a PNG image.
func (c pngCanvas) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	if err := pngEncoder.Encode(bw, c.Image()); err != nil {
		return cw.n, err
	}
	err := bw.Flush()
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}

// svgCanvas is the SVG backend of the figures: vgsvg's canvas, except that
// it embeds images (the trace heatmaps, one pixel per value) enlarged to
// blocks of whole pixels (see blockImage), since SVG viewers scale embedded
// images smoothly, which would blur one-pixel cells into each other.
type svgCanvas struct{ *vgsvg.Canvas }

// newSVGCanvas is a w×h SVG canvas with a white background (vgsvg's is
// transparent), as the PNG's: plots need not fill theirs.
func newSVGCanvas(w, h vg.Length) svgCanvas {
	c := vgsvg.New(w, h)
	c.SetColor(color.White)
	c.Fill(vg.Rectangle{Max: vg.Point{X: w, Y: h}}.Path())
	return svgCanvas{c}
}

func (c svgCanvas) DrawImage(rect vg.Rectangle, img image.Image) {
	c.Canvas.DrawImage(rect, blockImage(img))
}

// blockImage enlarges a paletted image by whole pixels to about
// tracePixelsX × tracePixelsY, so that each pixel becomes a block whose
// edges a viewer's smooth scaling hardly blurs. The result stays paletted,
// which PNG-encodes a quarter of the bytes of an RGBA image, unfiltered.
// Other images are returned as they are.
func blockImage(img image.Image) image.Image {
	p, ok := img.(*image.Paletted)
	if !ok {
		return img
	}
	w, h := p.Rect.Dx(), p.Rect.Dy()
	sx, sy := max(1, tracePixelsX/w), max(1, tracePixelsY/h)
	out := image.NewPaletted(image.Rect(0, 0, w*sx, h*sy), p.Palette)
	for y := range h {
		src := p.Pix[y*p.Stride : y*p.Stride+w]
		row := out.Pix[y*sy*out.Stride : y*sy*out.Stride+out.Rect.Dx()]
		for x, v := range src {
			for i := range sx {
				row[x*sx+i] = v
			}
		}
		for k := 1; k < sy; k++ {
			copy(out.Pix[(y*sy+k)*out.Stride:], row)
		}
	}
	return out
}
