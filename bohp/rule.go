package bohp

import "fmt"

// Rule is a local plasticity rule: the new trace of the connection from
// input k to cell i is a function of its old trace h, the presynaptic input
// x = x_k and the postsynaptic output y = y_i of the same step.
//
// Update returns the new trace and its partial derivatives with respect to
// h, x and y; both gradient engines use only these, so a new elementwise
// rule (Oja's, instar, outstar, ...) is a new type implementing Rule, with no
// change to layers, engines or callers. Rules with state of their own
// (covariance with running means, eligibility traces, neuromodulation) or a
// trained rate are new layer types.
type Rule interface {
	// Name identifies the rule in checkpoints ("hebb", "oja").
	Name() string
	// Update returns rule(h, x, y) and its partials d/dh, d/dx, d/dy.
	Update(h, x, y float64) (next, dh, dx, dy float64)
	// Settings returns the rule's constants, for checkpoints.
	Settings() map[string]float64
}

// Hebb is the paper's rule: H <- g H + (1-g) x y, with g the trace retention
// (the paper's code calls it ALPHATRACE).
type Hebb struct{ Retention float64 }

// Name implements Rule.
func (Hebb) Name() string { return "hebb" }

// Update implements Rule.
func (r Hebb) Update(h, x, y float64) (float64, float64, float64, float64) {
	g := r.Retention
	return g*h + (1-g)*x*y, g, (1 - g) * y, (1 - g) * x
}

// Settings implements Rule.
func (r Hebb) Settings() map[string]float64 { return map[string]float64{"retention": r.Retention} }

// Oja is Oja's rule: H <- H + rate * y * (x - y H), which keeps traces bounded.
type Oja struct{ Rate float64 }

// Name implements Rule.
func (Oja) Name() string { return "oja" }

// Update implements Rule.
func (r Oja) Update(h, x, y float64) (float64, float64, float64, float64) {
	e := r.Rate
	return h + e*y*(x-y*h), 1 - e*y*y, e * y, e * (x - 2*y*h)
}

// Settings implements Rule.
func (r Oja) Settings() map[string]float64 { return map[string]float64{"rate": r.Rate} }

// NewRule builds a rule from its checkpoint name and settings.
func NewRule(name string, settings map[string]float64) (Rule, error) {
	get := func(key string) (float64, error) {
		v, ok := settings[key]
		if !ok {
			return 0, fmt.Errorf("rule %q needs setting %q", name, key)
		}
		for k := range settings {
			if k != key {
				return 0, fmt.Errorf("rule %q: unknown setting %q (known: %s)", name, k, key)
			}
		}
		return v, nil
	}
	switch name {
	case "hebb":
		g, err := get("retention")
		if err != nil {
			return nil, err
		}
		if g < 0 || g > 1 {
			return nil, fmt.Errorf("rule hebb: retention must be in [0, 1], got %v", g)
		}
		return Hebb{Retention: g}, nil
	case "oja":
		e, err := get("rate")
		if err != nil {
			return nil, err
		}
		return Oja{Rate: e}, nil
	}
	return nil, fmt.Errorf("unknown plasticity rule %q (known: hebb, oja)", name)
}
