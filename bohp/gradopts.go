package bohp

import (
	"fmt"
	"math"
	"strings"
)

// GradOptions are options every optimizer has for the gradient it applies
// (the 2019 backpropamine code uses both: batches of episodes, and the
// global norm clipped at 2).
//
// Batch > 1 makes Update add the gradients of Batch calls (episodes) and
// apply their mean at every Batch-th call; the calls between only add.
// ClipNorm > 0 scales the gradient applied so that its global L2 norm over
// the trained (not frozen) tensors is at most ClipNorm, as PyTorch's
// clip_grad_norm_ does: by ClipNorm / (norm + 1e-6) when the norm exceeds
// ClipNorm. Network.Reset clears the gradients, so the batch's sums live
// here, and in checkpoints (the state "<tensor>/batch" and "batch", the
// number of episodes added).
type GradOptions struct {
	ClipNorm float64
	Batch    int // 0 and 1: every call updates
	sum      map[string][]float64
	count    int // episodes in sum
}

// take checks the episode's gradients and adds them to the batch; it
// reports whether an update is due and the factor by which to scale
// grad(p) for it.
func (g *GradOptions) take(params []*Param) (scale float64, due bool, err error) {
	if err := checkGrads(params); err != nil {
		return 0, false, err
	}
	scale = 1
	if g.Batch > 1 {
		if g.count == g.Batch { // the last batch has been applied
			g.count = 0
			for _, s := range g.sum {
				clear(s)
			}
		}
		if g.sum == nil {
			g.sum = map[string][]float64{}
		}
		for _, p := range params {
			if p.Frozen {
				continue
			}
			s := g.sum[p.Name]
			if s == nil { // its size is checked by the optimizer (checkState)
				s = make([]float64, len(p.Grad))
				g.sum[p.Name] = s
			}
			for i, v := range p.Grad {
				s[i] += v
			}
		}
		if g.count++; g.count < g.Batch {
			return 0, false, nil
		}
		scale = 1 / float64(g.Batch)
	}
	if g.ClipNorm > 0 {
		ss := 0.0
		for _, p := range params {
			if !p.Frozen {
				for _, v := range g.grad(p) {
					ss += v * v
				}
			}
		}
		if c := g.ClipNorm / (scale*math.Sqrt(ss) + 1e-6); c < 1 {
			scale *= c
		}
	}
	return scale, true, nil
}

// step is what every optimizer's Update does around its own rule: it takes
// the episode's gradients and, when an update is due, calls update for each
// tensor not frozen with the gradient to apply (times scale), then applies
// the penalty and the sign constraint. It reports whether it updated.
func (g *GradOptions) step(params []*Param, pen Penalty, update func(p *Param, grad []float64, scale float64)) (bool, error) {
	scale, due, err := g.take(params)
	if !due {
		return false, err
	}
	for _, p := range params {
		if p.Frozen {
			continue
		}
		update(p, g.grad(p), scale)
		pen.apply(p)
		p.applySign()
	}
	return true, nil
}

// grad is the gradient of p that the update applies (times take's scale).
func (g *GradOptions) grad(p *Param) []float64 {
	if g.Batch > 1 {
		return g.sum[p.Name]
	}
	return p.Grad
}

// settings adds the options that differ from their defaults to an
// optimizer's settings.
func (g *GradOptions) settings(s map[string]float64) map[string]float64 {
	if g.ClipNorm != 0 {
		s["clip_norm"] = g.ClipNorm
	}
	if g.Batch > 1 {
		s["batch"] = float64(g.Batch)
	}
	return s
}

// setOptions reads the options from an optimizer's settings (get returns
// a setting or its default).
func (g *GradOptions) setOptions(name string, get func(string, float64) float64) error {
	g.ClipNorm = get("clip_norm", 0)
	b := get("batch", 1)
	if !(g.ClipNorm >= 0) || math.IsInf(g.ClipNorm, 0) {
		return opErrorf(name, "clip_norm must be a finite number >= 0 (0: no clip), got %v", g.ClipNorm)
	}
	if !(b >= 1 && b <= 1<<30) || b != math.Trunc(b) {
		return opErrorf(name, "batch must be a whole number >= 1, got %v", b)
	}
	g.Batch = int(b)
	return nil
}

// batchState adds a partly filled batch to an optimizer's state.
func (g *GradOptions) batchState(s map[string][]float64) map[string][]float64 {
	if g.Batch <= 1 || g.count == 0 || g.count == g.Batch {
		return s
	}
	for k, v := range g.sum {
		s[k+"/batch"] = append([]float64(nil), v...)
	}
	s["batch"] = []float64{float64(g.count)}
	return s
}

// batch is a partly filled batch: the gradients' sums and the number of
// episodes added.
type batch struct {
	sum   map[string][]float64
	count int
}

// splitBatchState checks the state every optimizer opt has (its number of
// updates, a partly filled batch), takes the batch out of s and returns the
// rest; it changes nothing, so that an optimizer whose new state is refused
// keeps its old one (setBatch installs b).
func (g *GradOptions) splitBatchState(opt string, s map[string][]float64, updates int) (rest map[string][]float64, b batch, err error) {
	if updates < 0 {
		// Adam's bias correction would divide by zero.
		return nil, batch{}, fmt.Errorf("%s state: %d updates, want a number >= 0", opt, updates)
	}
	rest = map[string][]float64{}
	for k, v := range s {
		switch {
		case k == "batch":
			if len(v) != 1 || !(v[0] >= 1 && v[0] < float64(g.Batch)) || v[0] != math.Trunc(v[0]) {
				return nil, batch{}, fmt.Errorf("%s state: batch is %v, want the number of episodes added to an unfinished batch of %d", opt, v, g.Batch)
			}
			b.count = int(v[0])
		case strings.HasSuffix(k, "/batch"):
			if b.sum == nil {
				b.sum = map[string][]float64{}
			}
			b.sum[strings.TrimSuffix(k, "/batch")] = append([]float64(nil), v...)
		default:
			rest[k] = v
		}
	}
	if (b.count == 0) != (b.sum == nil) {
		return nil, batch{}, fmt.Errorf("%s state: batch sums without their count, or a count without sums", opt)
	}
	return rest, b, nil
}

func (g *GradOptions) setBatch(b batch) { g.sum, g.count = b.sum, b.count }
