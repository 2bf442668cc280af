package bohp

import (
	"context"
	"fmt"
)

// Episode is a whole episode for Network.RunEpisode: step t runs row t of
// Inputs and scores the output against row t of Targets with Loss, weighted
// by Weights[t] (or by Weight for every step when Weights is nil; weight 0
// is a learning period: run, not scored).
type Episode struct {
	Steps   int
	Inputs  []float64 // Steps × the network's inputs, row-major
	Targets []float64 // Steps × the network's outputs
	Loss    Loss
	Weights []float64 // one per step, or nil
	Weight  float64   // the weight of every step when Weights is nil

	// Filled when non-nil, so a caller reusing them allocates nothing.
	Outputs []float64 // Steps × outputs: each step's output
	Losses  []float64 // Steps: each step's unweighted loss
}

// check reports an episode whose buffers do not fit the network.
func (ep *Episode) check(n *Network) error {
	T, out := ep.Steps, n.Out()
	shape := func(what string, got, per int) error {
		if got == T*per {
			return nil
		}
		return &ShapeError{Op: "episode", Got: fmt.Sprintf("%s of %d values", what, got), Want: fmt.Sprintf("%d (%d steps × %d)", T*per, T, per)}
	}
	if T < 0 {
		return fmt.Errorf("episode: steps must be >= 0, got %d", T)
	}
	if err := shape("inputs", len(ep.Inputs), n.In); err != nil {
		return err
	}
	if err := shape("targets", len(ep.Targets), out); err != nil {
		return err
	}
	if ep.Weights != nil {
		if err := shape("weights", len(ep.Weights), 1); err != nil {
			return err
		}
	}
	if ep.Outputs != nil {
		if err := shape("outputs", len(ep.Outputs), out); err != nil {
			return err
		}
	}
	if ep.Losses != nil {
		return shape("losses", len(ep.Losses), 1)
	}
	return nil
}

// cancelEvery is how many steps RunEpisode runs between looks at its context.
const cancelEvery = 16

// RunEpisode runs a whole episode: Reset, then for every step Step and
// Score, then EndEpisode, which leaves the gradient in every Param.Grad. It
// returns the summed weighted loss, and stops with an error wrapping ctx's
// when ctx is done (looked at every 16 steps). It allocates nothing.
func (n *Network) RunEpisode(ctx context.Context, ep *Episode) (float64, error) {
	if err := ep.check(n); err != nil {
		return 0, err
	}
	in, out := n.In, n.Out()
	n.Reset()
	for t := 0; t < ep.Steps; t++ {
		if t%cancelEvery == cancelEvery-1 {
			if err := ctx.Err(); err != nil {
				return 0, fmt.Errorf("interrupted (%w)", err)
			}
		}
		y, err := n.Step(ep.Inputs[t*in : (t+1)*in])
		if err != nil {
			return 0, err
		}
		if ep.Outputs != nil {
			copy(ep.Outputs[t*out:], y)
		}
		w := ep.Weight
		if ep.Weights != nil {
			w = ep.Weights[t]
		}
		l, err := n.Score(ep.Loss, ep.Targets[t*out:(t+1)*out], w)
		if err != nil {
			return 0, err
		}
		if ep.Losses != nil {
			ep.Losses[t] = l
		}
	}
	return n.EndEpisode()
}
