package bohp

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// episodeLog keeps the inputs and scores of the current episode so that it
// can be replayed (finite-difference checks).
type episodeLog struct {
	inputs  []float64
	steps   int
	scores  []scoreRec
	targets []float64
	custom  bool // scored with ScoreGrad: cannot be replayed
	frozen  bool // replaying: do not overwrite the log
}

type scoreRec struct {
	step   int
	loss   Loss
	off    int
	n      int
	weight float64
}

func (g *episodeLog) reset(replaying bool) {
	if replaying || g.frozen {
		return
	}
	g.inputs, g.scores, g.targets = g.inputs[:0], g.scores[:0], g.targets[:0]
	g.steps, g.custom = 0, false
}

func (g *episodeLog) addStep(x []float64) {
	if g.frozen {
		return
	}
	g.inputs = append(g.inputs, x...)
	g.steps++
}

func (g *episodeLog) addScore(loss Loss, target []float64, w float64) {
	if g.frozen {
		return
	}
	g.scores = append(g.scores, scoreRec{step: g.steps - 1, loss: loss, off: len(g.targets), n: len(target), weight: w})
	g.targets = append(g.targets, target...)
}

// replay runs the logged episode again and returns its summed weighted loss.
func (n *Network) replay() (float64, error) {
	n.Reset()
	s := 0
	for t := 0; t < n.log.steps; t++ {
		if _, err := n.Step(n.log.inputs[t*n.In : (t+1)*n.In]); err != nil {
			return 0, err
		}
		for ; s < len(n.log.scores) && n.log.scores[s].step == t; s++ {
			r := n.log.scores[s]
			if _, err := n.Score(r.loss, n.log.targets[r.off:r.off+r.n], r.weight); err != nil {
				return 0, err
			}
		}
	}
	return n.EndEpisode()
}

// GradCheckResult compares the engine's gradient with central differences.
type GradCheckResult struct {
	MaxRelErr float64 // largest |analytic - numeric| / max(|analytic|, |numeric|, Floor)
	MaxAbsErr float64
	// Where the largest relative error is: Worst renders it as
	// "tensor[row][column]" (a bias is a column: "l0.b[2][0]").
	Worst              string
	WorstTensor        string
	WorstRow, WorstCol int
	// Approximate: the engine's gradient is not exact (EnginePaper), so
	// differences from the finite differences are expected, not a fault.
	Approximate bool
	Analytic    map[string][]float64
	Numeric     map[string][]float64
}

// GradCheckFloor is the denominator floor of the relative error, so that
// entries whose true gradient is zero are compared absolutely.
const GradCheckFloor = 1e-7

// ErrNoEpisode is returned by GradCheck when there is no episode to replay.
var ErrNoEpisode = errors.New("no episode recorded (run an episode first)")

// GradCheck replays the last episode (its inputs, targets, weights and
// losses), computes the engine's gradient and the fourth-order central
// finite difference
//
//	(-L(p+2h) + 8 L(p+h) - 8 L(p-h) + L(p-2h)) / 12h
//
// for every parameter element, and compares them. The fourth-order stencil
// allows a larger h (truncation error O(h^4)), so round-off in the summed
// episode loss does not swamp small gradients; h = 1e-3 suits float64 losses
// of order 1-100. Parameters are restored; the network is left after a fresh replay.
func (n *Network) GradCheck(eps float64) (*GradCheckResult, error) {
	return n.GradCheckContext(context.Background(), eps)
}

// GradCheckContext is GradCheck stopping with ctx's error when ctx is done
// (it replays the episode four times per parameter element).
func (n *Network) GradCheckContext(ctx context.Context, eps float64) (*GradCheckResult, error) {
	if n.log.steps == 0 {
		return nil, ErrNoEpisode
	}
	if n.log.custom {
		return nil, errors.New("the episode was scored with a custom loss gradient (score_grad, score_at or score_steps), which cannot be replayed")
	}
	if !(eps > 0) || math.IsInf(eps, 1) { // +Inf: the replays diverge, reported as the network's
		return nil, fmt.Errorf("eps must be a finite number > 0, got %v", eps)
	}
	n.log.frozen = true
	defer func() { n.log.frozen = false }()
	res := &GradCheckResult{Analytic: map[string][]float64{}, Numeric: map[string][]float64{}, Approximate: !n.engine.Exact()}
	if _, err := n.replay(); err != nil {
		return nil, err
	}
	for _, p := range n.params {
		res.Analytic[p.Name] = append([]float64(nil), p.Grad...)
	}
	n.noGrad = true
	defer func() { n.noGrad = false }()
	for _, p := range n.params {
		num := make([]float64, len(p.Data))
		for i := range p.Data {
			if err := ctx.Err(); err != nil {
				return nil, &OpError{Op: "gradcheck", Err: err}
			}
			v, err := n.centralDiff(p, i, eps)
			if err != nil {
				return nil, err
			}
			num[i] = v
			a := res.Analytic[p.Name][i]
			abs := math.Abs(a - num[i])
			rel := abs / math.Max(GradCheckFloor, math.Max(math.Abs(a), math.Abs(num[i])))
			if abs > res.MaxAbsErr {
				res.MaxAbsErr = abs
			}
			if rel > res.MaxRelErr || res.Worst == "" {
				res.MaxRelErr = rel
				res.WorstTensor, res.WorstRow, res.WorstCol = p.Name, i/p.Cols, i%p.Cols
				res.Worst = fmt.Sprintf("%s[%d][%d]", p.Name, res.WorstRow, res.WorstCol)
			}
		}
		res.Numeric[p.Name] = num
	}
	n.noGrad = false
	if _, err := n.replay(); err != nil {
		return nil, err
	}
	return res, nil
}

// centralDiff is the fourth-order central difference of the episode loss in
// element i of p; p is restored.
func (n *Network) centralDiff(p *Param, i int, h float64) (float64, error) {
	orig := p.Data[i]
	defer func() { p.Data[i] = orig }()
	var f [4]float64
	for j, d := range [4]float64{2 * h, h, -h, -2 * h} {
		p.Data[i] = orig + d
		l, err := n.replay()
		if err != nil {
			return 0, err
		}
		f[j] = l
	}
	return (-f[0] + 8*f[1] - 8*f[2] + f[3]) / (12 * h), nil
}
