package figures

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
)

// benchPanels are panels of the shape the README's reversal job records:
// inputs, outputs, targets and one layer's traces over steps steps.
func benchPanels(steps, traceRows int) []TracePanel {
	shapes := []struct {
		title string
		rows  int
		scale float64
	}{{"inputs", 10, 1}, {"outputs", 2, 1}, {"targets (scored steps)", 2, 1}, {"l0.hebb [row,col]", traceRows, 0}}
	panels := make([]TracePanel, len(shapes))
	for i, s := range shapes {
		rows := make([]string, s.rows)
		for r := range rows {
			rows[r] = fmt.Sprint(r)
		}
		values := make([]float64, steps*s.rows)
		for j := range values {
			values[j] = math.Sin(float64(j*(i+1))) * 0.05
		}
		panels[i] = TracePanel{Title: s.title, Rows: rows, Values: values, Scale: s.scale}
	}
	return panels
}

// BenchmarkTrace draws and writes a trace figure (PNG and SVG) of the
// README reversal job's shape (20 steps) and of a longer, wider episode.
func BenchmarkTrace(b *testing.B) {
	for _, c := range []struct{ steps, rows int }{{20, 20}, {200, 100}} {
		b.Run(fmt.Sprintf("steps=%d/rows=%d", c.steps, c.rows), func(b *testing.B) {
			base := filepath.Join(b.TempDir(), "trace")
			panels := benchPanels(c.steps, c.rows)
			b.ReportAllocs()
			for b.Loop() {
				if err := Trace(base, c.steps, panels, TraceOptions{Title: "one episode"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
