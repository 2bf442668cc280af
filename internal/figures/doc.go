// Package figures draws the outputs of multi-seed runs: learning curves
// (per-episode median across seeds with the interquartile range shaded, as in
// the paper's figures, rendered with gonum.org/v1/plot to PNG and SVG) and
// diagrams of trained networks (hand-written SVG, in the style of panel (b) of
// the paper's figures).
//
// Every file is written atomically: to a temporary file in the destination
// directory, then renamed over the destination, so a reader never sees a
// half-written figure.
package figures
