package bohpmod_test

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/bohpmod"
)

// network.record({figure}) draws the recorded episode in the run's
// directory when it ends, whether run whole or step by step.
func TestRecordFigure(t *testing.T) {
	for name, episode := range map[string]string{
		"whole":        `net.episode(vec.mat(4, 3).fill(1), vec.mat(4, 2), 1, "sse")`,
		"step by step": "net.reset()\nnet.step([1, 0, -1])\nnet.score(\"sse\", [0, 1])\nnet.end()",
	} {
		dir := t.TempDir()
		code := netSrc + "\nnet.record({figure: \"figs/trace\", title: \"an episode\"})\n" + episode
		if err := scripttest.RunCode(t.Context(), "x.tengo", code, scripttest.Options{}, io.Discard, dir); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range []string{"figs/trace.png", "figs/trace.svg"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// network.diagram's threshold 0 leaves out no connection (but zeros); the
// default is 0.05. The legend says which.
func TestDiagramThreshold(t *testing.T) {
	for call, want := range map[string]string{
		`net.diagram("d.svg")`:                   "Not drawn: |value| &lt; 5% of that and zeros",
		`net.diagram("d.svg", {threshold: 0})`:   "Not drawn: zeros (",
		`net.diagram("d.svg", {threshold: 0.5})`: "Not drawn: |value| &lt; 50% of that and zeros",
	} {
		dir := t.TempDir()
		if err := scripttest.RunCode(t.Context(), "x.tengo", netSrc+"\n"+call, scripttest.Options{}, io.Discard, dir); err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		svg, err := os.ReadFile(filepath.Join(dir, "d.svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(svg), want) {
			t.Errorf("%s: the legend does not say %q", call, want)
		}
	}
}

func TestRecordErrors(t *testing.T) {
	scripttest.WantErrors(t, netSrc, map[string]string{
		`net.record({max: 0})`:         "x.tengo:4:1: network.record: max must be at least 1, got 0",
		`net.record({figure: 3})`:      "network.record: argument figure must be a string, got int 3",
		`net.record({colours: true})`:  `network.record: unknown option "colours" (known: figure, title, max)`,
		`net.record(1)`:                "network.record: argument opts must be a map, got int 1",
		`net.record({figure: "../x"})`: "network.record: cannot write ../x.png: scripts write only under their run's directory",
		`net.save("a/../../x.yaml")`:   "network.save: cannot write a/../../x.yaml: scripts write only under their run's directory",
		`net.diagram("../x.svg")`:      "network.diagram: cannot write ../x.svg: scripts write only under their run's directory",
		`net.record({figure: "a\nb"})`: `network.record: cannot write "a\nb.png": a file name must not hold a control character (U+000A at byte 1)`,
		`net.save("a\rb.yaml")`:        `network.save: cannot write "a\rb.yaml": a file name must not hold a control character (U+000D at byte 1)`,
		`net.recording(1)`:             "network.recording: wrong number of arguments: want 0, got 1",
		// a path naming no file: silently no figure (""), or a hidden " .png"
		`net.record({figure: ""})`:       `x.tengo:4:1: network.record: option figure = "" names no file: give a path without extension, e.g. "trace" (writes trace.png and trace.svg)`,
		`net.record({figure: ".png"})`:   `network.record: option figure = ".png" names no file`,
		`net.record({figure: "figs/"})`:  `network.record: option figure = "figs/" names no file`,
		`net.record({figure: "figs/ "})`: `network.record: option figure = "figs/ " names no file`,
		`net.record({figure: "f"}); net.episode(vec.mat(0, 3), vec.mat(0, 2), 1, "sse")`: "network.episode: the episode recorded for the figure f has no steps: nothing to draw",
	})
	// With --allow-os too, a relative path stays in the run's directory:
	// a file beside it would be lost when the run's outputs are committed.
	scripttest.WantErrorsOpts(t, scripttest.Options{AllowOS: true}, netSrc, map[string]string{
		`net.record({figure: "../x"})`: "network.record: cannot write ../x.png: a relative path must stay inside the run's directory",
		`net.save("a/../../x.yaml")`:   "network.save: cannot write a/../../x.yaml: a relative path must stay inside the run's directory",
		`net.diagram("../x.svg")`:      "network.diagram: cannot write ../x.svg: a relative path must stay inside the run's directory",
	})
}

// The figure has a targets panel only when some step was scored against a
// target: an episode scored by ScoreGrad alone (as an actor-critic loss
// is) has none to show.
func TestTracePanelsTargets(t *testing.T) {
	for _, target := range []bool{true, false} {
		net, err := bohp.NewNetwork(3, bohp.EngineBPTT, bohp.LayerSpec{Out: 2, Act: bohp.Tanh})
		if err != nil {
			t.Fatal(err)
		}
		net.Record(0)
		net.Reset()
		for range 2 {
			if _, err := net.Step([]float64{1, 0, -1}); err != nil {
				t.Fatal(err)
			}
			if target {
				_, err = net.Score(bohp.SSE, []float64{0, 1}, 1)
			} else {
				err = net.ScoreGrad(0.5, []float64{0.1, -0.1})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if _, err := net.EndEpisode(); err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, p := range bohpmod.TracePanels(net, net.Recorded()) {
			titles = append(titles, p.Title)
		}
		if got := slices.Contains(titles, "targets (scored steps)"); got != target {
			t.Errorf("scored against a target: %v; panels %q", target, titles)
		}
	}
}

// A modulation is one value per cell: its panel's rows are the cells
// (subsampled as cells), not "row,col" pairs with a column 0.
func TestTracePanelsModulation(t *testing.T) {
	net, err := bohp.NewNetwork(3, bohp.EngineBPTT,
		bohp.LayerSpec{Out: 20, Act: bohp.Tanh, Rule: bohp.ModRule{Mode: bohp.ModSimple, Clip: 1}, Recurrent: true},
		bohp.LayerSpec{Out: 2, Act: bohp.Linear})
	if err != nil {
		t.Fatal(err)
	}
	net.Record(8)
	net.Reset()
	if _, err := net.Step([]float64{1, 0, -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := net.EndEpisode(); err != nil {
		t.Fatal(err)
	}
	panels := map[string][]string{}
	for _, p := range bohpmod.TracePanels(net, net.Recorded()) {
		panels[p.Title] = p.Rows
	}
	mod, ok := panels["l0.modulation [cell] (8 of 20 cells, evenly spaced)"]
	if !ok || len(mod) != 8 || mod[0] != "0" || strings.Contains(strings.Join(mod, " "), ",") {
		t.Errorf("modulation panel rows %q; panels %v", mod, slices.Collect(maps.Keys(panels)))
	}
	if _, ok := panels["l0.modulated_hebb [row,col] (2×4 of 20×20, evenly spaced)"]; !ok {
		t.Errorf("no traces panel in %v", slices.Collect(maps.Keys(panels)))
	}
}

// A diagram labels a plastic layer's connections w + α·<traces> with the
// traces its rule updates (bohp.RuleKind.Trace), as recordings do.
func TestDiagramLayersNameTheTraces(t *testing.T) {
	net, err := bohp.NewNetwork(3, bohp.EngineBPTT,
		bohp.LayerSpec{Out: 2, Act: bohp.Tanh, Rule: bohp.Hebb{Retention: 0.5}},
		bohp.LayerSpec{Out: 2, Act: bohp.Tanh, Rule: bohp.ModRule{Mode: bohp.ModRetro, Clip: 1, Rate: 0.1}},
		bohp.LayerSpec{Out: 2, Act: bohp.Linear})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range bohpmod.DiagramLayers(net) {
		got = append(got, l.Trace)
	}
	if want := []string{"hebb", "modulated_hebb", ""}; !slices.Equal(got, want) {
		t.Errorf("traces %q, want %q", got, want)
	}
}
