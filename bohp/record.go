package bohp

import (
	"fmt"
	"math"
)

// State is one named per-step quantity of a layer: Rows×Cols values read
// by At, which reads the layer's current step (valid until the next one).
type State struct {
	Name       string // e.g. "hebb": the Hebbian traces the step used (see RuleKind.Trace)
	Rows, Cols int
	At         func(i, j int) float64
}

// stater is implemented by layer kinds (layerKind implementations) that
// expose per-step quantities: their traces, and a neuromodulated kind its
// modulation signal or eligibility traces. Layer.States returns them, so
// recordings and their figures show them with nothing else to change.
type stater interface {
	states() []State
}

// States returns the per-step quantities the layer exposes: a plastic
// layer's traces (named by its rule's registry entry, RuleKind.Trace;
// Out×In, those the current step used; a recurrent layer's Out×Out), and
// what other layer kinds add (stater).
// None for a dense layer.
func (l *Layer) States() []State {
	switch {
	case l.kind != nil:
		if s, ok := l.kind.(stater); ok {
			return s.states()
		}
		return nil
	case l.Plastic():
		h, in := l.H, l.In
		return []State{{Name: TraceName(l.Rule), Rows: l.Out, Cols: in, At: func(i, j int) float64 { return h[i*in+j] }}}
	}
	return nil
}

func (s *recState[F]) states() []State {
	h, n := s.H, s.n
	return []State{{Name: TraceName(s.l.Rule), Rows: n, Cols: n, At: func(i, j int) float64 { return float64(h[i*n+j]) }}}
}

// states of a neuromodulated layer: its traces P ("hebb" for clipped_hebb,
// "modulated_hebb" for modulated and retroactive), its modulation
// M(t) ("modulation", n×1) and its eligibility traces ("eligibility"),
// those it has; they are read through s at each step (M is a view that
// moves with the step).
func (s *modState) states() []State {
	var st []State
	if s.plastic {
		st = append(st, State{Name: TraceName(s.rule), Rows: s.n, Cols: s.cols, At: func(i, j int) float64 { return s.P[i*s.cols+j] }})
	}
	if s.plastic && s.rule.modulated() {
		st = append(st, State{Name: "modulation", Rows: s.n, Cols: 1, At: func(i, _ int) float64 { return s.modulation()[i] }})
	}
	if s.E != nil {
		st = append(st, State{Name: "eligibility", Rows: s.n, Cols: s.cols, At: func(i, j int) float64 { return s.eligibility()[i*s.cols+j] }})
	}
	return st
}

// DefaultRecordMax is how many values of each quantity a recording keeps
// per step by default (see Network.Record).
const DefaultRecordMax = 256

// A Recording holds the per-step values of one episode (Network.Record).
// A quantity with more than Max values per step is subsampled evenly: its
// rows and columns are every (Rows/r)-th and (Cols/c)-th, r×c <= Max,
// keeping the aspect of the matrix; the indices kept are listed.
type Recording struct {
	Max   int
	Steps int

	InputIndex  []int     // the inputs kept (indices into the network's input)
	Inputs      []float64 // Steps × len(InputIndex)
	OutputIndex []int     // the output cells kept
	Outputs     []float64 // Steps × len(OutputIndex)
	Targets     []float64 // Steps × len(OutputIndex): the step's last scored target, NaN if none
	Weights     []float64 // Steps: the summed weight of the step's scores (0: not scored)

	States []RecordedState // each layer's States, in layer order

	sources []State // the states being read, parallel to States
	custom  float64 // ScoreGrad calls of the current step: weight 1 each
}

// RecordedState is one layer quantity over the episode.
type RecordedState struct {
	Layer, Name string
	Rows, Cols  int       // the quantity's full shape
	RowIndex    []int     // the rows kept
	ColIndex    []int     // the columns kept
	Values      []float64 // Steps × (len(RowIndex)·len(ColIndex)), row-major per step
}

// Record makes the network record its next episode (from the next Reset
// to EndEpisode): each step's input, output, scored target and weight,
// and every layer's States, at most limit values of each per step (<= 0:
// DefaultRecordMax). Recorded returns it once the episode has ended.
// Recording costs time and memory; an episode without it, nothing.
func (n *Network) Record(limit int) {
	if limit <= 0 {
		limit = DefaultRecordMax
	}
	n.recordNext = limit
}

// Recorded returns the last recorded episode, or nil.
func (n *Network) Recorded() *Recording { return n.recorded }

// startRecording begins the recording armed by Record (at Reset).
func (n *Network) startRecording() {
	n.recording = nil
	if n.recordNext == 0 {
		return
	}
	r := &Recording{Max: n.recordNext}
	n.recordNext = 0
	r.InputIndex = evenIndex(n.In, r.Max)
	r.OutputIndex = evenIndex(n.Out(), r.Max)
	for _, l := range n.Layers {
		for _, s := range l.States() {
			rows, cols := sampleShape(s.Rows, s.Cols, r.Max)
			r.States = append(r.States, RecordedState{Layer: l.Name, Name: s.Name, Rows: s.Rows, Cols: s.Cols,
				RowIndex: evenIndex(s.Rows, rows), ColIndex: evenIndex(s.Cols, cols)})
			r.sources = append(r.sources, s)
		}
	}
	n.recording = r
}

// recordStep appends the step just run.
func (r *Recording) recordStep(x, y []float64) {
	r.Steps++
	for _, i := range r.InputIndex {
		r.Inputs = append(r.Inputs, x[i])
	}
	for _, i := range r.OutputIndex {
		r.Outputs = append(r.Outputs, y[i])
		r.Targets = append(r.Targets, math.NaN())
	}
	r.Weights = append(r.Weights, r.custom)
	r.custom = 0
	for k := range r.States {
		rs, src := &r.States[k], r.sources[k]
		for _, i := range rs.RowIndex {
			for _, j := range rs.ColIndex {
				rs.Values = append(rs.Values, src.At(i, j))
			}
		}
	}
}

// addScores fills in the targets and weights of the episode's scores from
// its log (which keeps them for GradCheck's replays).
func (r *Recording) addScores(log *episodeLog) {
	k := len(r.OutputIndex)
	for _, s := range log.scores {
		if s.step >= r.Steps {
			continue
		}
		target, row := log.targets[s.off:s.off+s.n], r.Targets[s.step*k:(s.step+1)*k]
		for j, i := range r.OutputIndex {
			row[j] = target[i]
		}
		r.Weights[s.step] += s.weight
	}
}

// evenIndex returns k indices spread evenly over [0, n) (all of them when
// k >= n): floor(j n / k).
func evenIndex(n, k int) []int {
	k = min(k, n)
	idx := make([]int, k)
	for j := range idx {
		idx[j] = j * n / k
	}
	return idx
}

// sampleShape chooses how many rows and columns of a rows×cols quantity to
// keep: all when it has at most limit values, else r×c <= limit in the
// matrix's proportions (at least one of each).
func sampleShape(rows, cols, limit int) (r, c int) {
	if rows*cols <= limit {
		return rows, cols
	}
	r = int(math.Sqrt(float64(limit) * float64(rows) / float64(cols)))
	r = max(1, min(rows, limit, r))
	return r, max(1, min(cols, limit/r))
}

// Label names the recorded quantity, e.g. "l0.hebb", "l0.eligibility".
func (s *RecordedState) Label() string { return fmt.Sprintf("%s.%s", s.Layer, s.Name) }
