package bohp

// Categorical draws an index from the distribution p (non-negative,
// summing to 1 within 1e-6, as a softmax output does): index i with
// probability p[i] / sum(p), never an index whose probability is 0. It
// consumes exactly one Float64 draw, so a run's stream stays aligned
// whatever the probabilities.
func (r *RNG) Categorical(p []float64) (int, error) {
	if len(p) == 0 {
		return 0, opErrorf("categorical", "no probabilities")
	}
	if err := checkProbs(p); err != nil {
		return 0, &OpError{Op: "categorical", Err: err}
	}
	s := 0.0
	for _, v := range p {
		s += v
	}
	u := r.Float64() * s
	last := 0
	for i, v := range p {
		if v == 0 {
			continue
		}
		if u < v {
			return i, nil
		}
		u -= v
		last = i
	}
	return last, nil // rounding left u at or above the last nonzero mass
}
