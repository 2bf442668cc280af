package bohpmod

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/internal/figures"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
)

// traceFigure is a figure asked for by network.record, drawn when the
// recorded episode ends.
type traceFigure struct {
	path, title string
}

func netRecord(n *Network, fn string, args []tengo.Object) (tengo.Object, error) {
	var opts map[string]tengo.Object
	if err := lib.UnpackArgs(fn, args, "opts?", &opts); err != nil {
		return nil, err
	}
	var fig traceFigure
	limit := bohp.DefaultRecordMax
	if err := lib.UnpackOptions(fn, "", opts, "figure?, title?, max?", &fig.path, &fig.title, &limit); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, lib.Errorf(fn, "max must be at least 1, got %d", limit)
	}
	given := fig.path
	fig.path = strings.TrimSuffix(strings.TrimSuffix(fig.path, ".png"), ".svg")
	if _, asked := opts["figure"]; asked && blankName(fig.path) {
		// Was silently no figure (""), or a hidden file " .png" or "dir/.png".
		return nil, lib.Errorf(fn, "option figure = %q names no file: give a path without extension, e.g. \"trace\" (writes trace.png and trace.svg)", given)
	}
	if fig.path != "" {
		// Refused here, at the line that asks for it, rather than when
		// the episode ends.
		if _, err := n.env.OutPath(fn, fig.path+".png"); err != nil {
			return nil, err
		}
	}
	n.Net.Record(limit)
	n.figure = nil
	if fig.path != "" {
		n.figure = &fig
	}
	return tengo.UndefinedValue, nil
}

// blankName reports whether path's last element is empty or blank.
func blankName(path string) bool {
	name := path[strings.LastIndexAny(path, "/"+string(filepath.Separator))+1:]
	return strings.TrimSpace(name) == ""
}

// episodeEnded draws the figure network.record asked for, once its
// episode has been recorded.
func (n *Network) episodeEnded(fn string) error {
	rec := n.Net.Recorded()
	if n.figure == nil || rec == nil || rec == n.drawn {
		return nil
	}
	fig := n.figure
	n.figure, n.drawn = nil, rec
	if n.env.NoFigures {
		return nil
	}
	if rec.Steps == 0 {
		return lib.Errorf(fn, "the episode recorded for the figure %s has no steps: nothing to draw", fig.path)
	}
	path, err := n.env.WritePath(fn, fig.path)
	if err != nil {
		return err
	}
	if err := figures.Trace(path, rec.Steps, TracePanels(n.Net, rec), figures.TraceOptions{Title: fig.title, Files: n.env.UnsyncedFor(path)}); err != nil {
		return lib.Errorf(fn, "trace figure: %v", err)
	}
	return nil
}

// TracePanels turns a recording into the panels of its figure: the
// inputs, the outputs and the targets (on one colour scale; no targets
// panel when no step was scored against a target, e.g. an actor-critic
// loss given by score_steps), and each layer's recorded quantities.
func TracePanels(net *bohp.Network, rec *bohp.Recording) []figures.TracePanel {
	outScale := math.Max(figures.MaxAbs(rec.Outputs), figures.MaxAbs(rec.Targets))
	panels := []figures.TracePanel{
		{Title: "inputs" + kept(rec.InputIndex, net.In, "inputs"), Rows: indexLabels(rec.InputIndex), Values: rec.Inputs},
		{Title: "outputs" + kept(rec.OutputIndex, net.Out(), "cells"), Rows: indexLabels(rec.OutputIndex), Values: rec.Outputs, Scale: outScale},
	}
	if targets := scoredTargets(rec); slices.ContainsFunc(targets, func(v float64) bool { return !math.IsNaN(v) }) {
		panels = append(panels, figures.TracePanel{Title: "targets (scored steps)", Rows: indexLabels(rec.OutputIndex), Values: targets, Scale: outScale})
	}
	for _, s := range rec.States {
		panels = append(panels, statePanel(s))
	}
	return panels
}

// statePanel is the panel of one recorded quantity: a matrix's rows are
// labelled "row,col", a vector's (one column: a modulation) by its cell.
func statePanel(s bohp.RecordedState) figures.TracePanel {
	if s.Cols == 1 {
		title := s.Label() + " [cell]" + kept(s.RowIndex, s.Rows, "cells")
		return figures.TracePanel{Title: title, Rows: indexLabels(s.RowIndex), Values: s.Values}
	}
	var rows []string
	for _, i := range s.RowIndex {
		for _, j := range s.ColIndex {
			rows = append(rows, fmt.Sprintf("%d,%d", i, j))
		}
	}
	title := s.Label() + " [row,col]"
	if len(s.RowIndex)*len(s.ColIndex) < s.Rows*s.Cols {
		title += fmt.Sprintf(" (%d×%d of %d×%d, evenly spaced)", len(s.RowIndex), len(s.ColIndex), s.Rows, s.Cols)
	}
	return figures.TracePanel{Title: title, Rows: rows, Values: s.Values}
}

// scoredTargets are the targets with the steps that were not scored blank.
func scoredTargets(rec *bohp.Recording) []float64 {
	out := make([]float64, len(rec.Targets))
	k := len(rec.OutputIndex)
	for t := range rec.Steps {
		for i := range k {
			out[t*k+i] = rec.Targets[t*k+i]
			if rec.Weights[t] == 0 {
				out[t*k+i] = math.NaN()
			}
		}
	}
	return out
}

// kept notes a subsample in a panel's title.
func kept(index []int, n int, what string) string {
	if len(index) == n {
		return ""
	}
	return fmt.Sprintf(" (%d of %d %s, evenly spaced)", len(index), n, what)
}

func indexLabels(index []int) []string {
	out := make([]string, len(index))
	for i, v := range index {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func netRecording(n *Network, fn string) (tengo.Object, error) {
	rec := n.Net.Recorded()
	if rec == nil {
		return tengo.UndefinedValue, nil
	}
	states := map[string]tengo.Object{}
	for _, s := range rec.States {
		states[s.Label()] = &tengo.Map{Value: map[string]tengo.Object{
			"values": vec.NewMat(rec.Steps, len(s.RowIndex)*len(s.ColIndex), slices.Clone(s.Values)),
			"rows":   intArray(s.RowIndex),
			"cols":   intArray(s.ColIndex),
			"shape":  intArray([]int{s.Rows, s.Cols}),
		}}
	}
	return &tengo.Map{Value: map[string]tengo.Object{
		"steps":        lib.FromInt(rec.Steps),
		"inputs":       vec.NewMat(rec.Steps, len(rec.InputIndex), slices.Clone(rec.Inputs)),
		"outputs":      vec.NewMat(rec.Steps, len(rec.OutputIndex), slices.Clone(rec.Outputs)),
		"targets":      vec.NewMat(rec.Steps, len(rec.OutputIndex), slices.Clone(rec.Targets)),
		"weights":      vec.New(slices.Clone(rec.Weights)),
		"input_index":  intArray(rec.InputIndex),
		"output_index": intArray(rec.OutputIndex),
		"states":       &tengo.Map{Value: states},
	}}, nil
}

func intArray(v []int) *tengo.Array {
	out := make([]tengo.Object, len(v))
	for i, x := range v {
		out[i] = lib.FromInt(x)
	}
	return &tengo.Array{Value: out}
}
