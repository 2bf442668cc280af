package bohp

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Optimizer updates parameters from their gradients once per episode (or
// once per batch of episodes, see GradOptions). Frozen tensors are
// skipped; sign constraints are applied after each update.
type Optimizer interface {
	// Name is "rmsprop", "sgd" or "adam".
	Name() string
	// Update applies one step to params (usually Network.Params()), or
	// with a batch adds their gradients to it until the batch is full.
	Update(params []*Param) error
	// Updates is the number of steps applied.
	Updates() int
	// Settings returns the hyperparameters, for checkpoints.
	Settings() map[string]float64
	// State returns the per-tensor state keyed by tensor name (e.g.
	// RMSprop's running mean of squared gradients) and the number of
	// updates done, for checkpoints.
	State() (map[string][]float64, int)
	// SetState restores a state returned by State.
	SetState(state map[string][]float64, updates int) error
}

// Penalty is the L1 and L2 penalty the paper's code applies after each
// update to weight and alpha matrices (not biases): p -= L1 sign(p) + L2 p.
type Penalty struct{ L1, L2 float64 }

func (pen Penalty) apply(p *Param) {
	if p.Kind != KindWeight && p.Kind != KindAlpha {
		return
	}
	if pen.L1 == 0 && pen.L2 == 0 {
		return
	}
	for i, v := range p.Data {
		s := 0.0
		if v > 0 {
			s = 1
		} else if v < 0 {
			s = -1
		}
		p.Data[i] = v - pen.L1*s - pen.L2*v
	}
}

// RMSprop is the update rule of the paper's code: on the first update
// m = g^2, afterwards m += Decay (g^2 - m); then
// p += clip(-Eta g / sqrt(m + Eps), -MaxDW, +MaxDW) per element, then the
// penalty. MaxDW 0 means no clip.
type RMSprop struct {
	Eta, Decay, Eps, MaxDW float64
	Penalty
	GradOptions
	m       map[string][]float64
	updates int
}

// NewRMSprop returns the paper's RMSprop (Decay 0.01, Eps 1e-8).
func NewRMSprop(eta, maxdw float64, pen Penalty) *RMSprop {
	return &RMSprop{Eta: eta, Decay: 0.01, Eps: 1e-8, MaxDW: maxdw, Penalty: pen, m: map[string][]float64{}}
}

func (o *RMSprop) Name() string { return "rmsprop" }

func (o *RMSprop) Settings() map[string]float64 {
	return o.settings(map[string]float64{"eta": o.Eta, "decay": o.Decay, "eps": o.Eps, "maxdw": o.MaxDW, "l1": o.L1, "l2": o.L2})
}

func (o *RMSprop) Updates() int { return o.updates }

func (o *RMSprop) Update(params []*Param) error {
	if err := checkState("rmsprop", params, o.m, o.sum); err != nil {
		return err
	}
	due, err := o.step(params, o.Penalty, func(p *Param, grad []float64, scale float64) {
		m := o.m[p.Name]
		first := m == nil
		if first {
			m = make([]float64, len(p.Data))
			o.m[p.Name] = m
		}
		for i, g := range grad {
			g *= scale
			if first {
				m[i] = g * g
			} else {
				m[i] += o.Decay * (g*g - m[i])
			}
			d := -o.Eta * g / math.Sqrt(m[i]+o.Eps)
			if o.MaxDW > 0 {
				d = math.Max(-o.MaxDW, math.Min(o.MaxDW, d))
			}
			p.Data[i] += d
		}
	})
	if due {
		o.updates++
	}
	return err
}

func (o *RMSprop) State() (map[string][]float64, int) {
	return o.batchState(stateByName(o.m)), o.updates
}

// SetState replaces the state, or leaves it as it was when it returns an
// error (so do SGD's and Adam's).
func (o *RMSprop) SetState(s map[string][]float64, updates int) error {
	if err := checkRestored("rmsprop", s, func(k string) bool { return k != "batch" && !strings.HasSuffix(k, "/batch") }); err != nil {
		return err
	}
	s, b, err := o.splitBatchState("rmsprop", s, updates)
	if err != nil {
		return err
	}
	o.setBatch(b)
	o.m, o.updates = stateByName(s), updates
	return nil
}

// SGD is plain gradient descent p -= LR g, then the penalty.
type SGD struct {
	LR float64
	Penalty
	GradOptions
	updates int
}

func (o *SGD) Name() string { return "sgd" }

func (o *SGD) Settings() map[string]float64 {
	return o.settings(map[string]float64{"lr": o.LR, "l1": o.L1, "l2": o.L2})
}

func (o *SGD) Updates() int { return o.updates }

func (o *SGD) Update(params []*Param) error {
	if err := checkState("sgd", params, o.sum); err != nil {
		return err
	}
	due, err := o.step(params, o.Penalty, func(p *Param, grad []float64, scale float64) {
		for i, g := range grad {
			p.Data[i] -= o.LR * (g * scale)
		}
	})
	if due {
		o.updates++
	}
	return err
}

func (o *SGD) State() (map[string][]float64, int) {
	return o.batchState(map[string][]float64{}), o.updates
}

func (o *SGD) SetState(s map[string][]float64, updates int) error {
	if err := checkRestored("sgd", s, func(string) bool { return false }); err != nil {
		return err
	}
	s, b, err := o.splitBatchState("sgd", s, updates)
	if err != nil {
		return err
	}
	if len(s) != 0 {
		return fmt.Errorf("sgd has no per-tensor state, got %d entries", len(s))
	}
	o.setBatch(b)
	o.updates = updates
	return nil
}

// Adam is Kingma and Ba's Adam with bias correction, then the penalty.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	Penalty
	GradOptions
	m, v    map[string][]float64
	updates int
}

// NewAdam returns Adam with the usual betas (0.9, 0.999) and eps 1e-8.
func NewAdam(lr float64, pen Penalty) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Penalty: pen, m: map[string][]float64{}, v: map[string][]float64{}}
}

func (o *Adam) Name() string { return "adam" }

func (o *Adam) Settings() map[string]float64 {
	return o.settings(map[string]float64{"lr": o.LR, "beta1": o.Beta1, "beta2": o.Beta2, "eps": o.Eps, "l1": o.L1, "l2": o.L2})
}

func (o *Adam) Updates() int { return o.updates }

func (o *Adam) Update(params []*Param) error {
	if err := checkState("adam", params, o.m, o.v, o.sum); err != nil {
		return err
	}
	// The bias corrections of the update this call may apply.
	t := float64(o.updates + 1)
	c1, c2 := 1-math.Pow(o.Beta1, t), 1-math.Pow(o.Beta2, t)
	due, err := o.step(params, o.Penalty, func(p *Param, grad []float64, scale float64) {
		m, v := o.m[p.Name], o.v[p.Name]
		if m == nil {
			m, v = make([]float64, len(p.Data)), make([]float64, len(p.Data))
			o.m[p.Name], o.v[p.Name] = m, v
		}
		for i, g := range grad {
			g *= scale
			m[i] = o.Beta1*m[i] + (1-o.Beta1)*g
			v[i] = o.Beta2*v[i] + (1-o.Beta2)*g*g
			p.Data[i] -= o.LR * (m[i] / c1) / (math.Sqrt(v[i]/c2) + o.Eps)
		}
	})
	if due {
		o.updates++
	}
	return err
}

func (o *Adam) State() (map[string][]float64, int) {
	s := stateByName(o.m)
	out := map[string][]float64{}
	for k, v := range s {
		out[k+"/m"] = v
	}
	for k, v := range stateByName(o.v) {
		out[k+"/v"] = v
	}
	return o.batchState(out), o.updates
}

func (o *Adam) SetState(s map[string][]float64, updates int) error {
	if err := checkRestored("adam", s, func(k string) bool { return strings.HasSuffix(k, "/v") }); err != nil {
		return err
	}
	s, b, err := o.splitBatchState("adam", s, updates)
	if err != nil {
		return err
	}
	ms, vs := map[string][]float64{}, map[string][]float64{}
	for k, v := range s {
		switch {
		case len(k) > 2 && k[len(k)-2:] == "/m":
			ms[k[:len(k)-2]] = v
		case len(k) > 2 && k[len(k)-2:] == "/v":
			vs[k[:len(k)-2]] = v
		default:
			return fmt.Errorf("adam state: unknown entry %q (want <tensor>/m or <tensor>/v)", k)
		}
	}
	o.setBatch(b)
	o.m, o.v, o.updates = stateByName(ms), stateByName(vs), updates
	return nil
}

// checkRestored refuses a state no run reaches (a corrupt or edited
// checkpoint), which would make every later update NaN: a NaN, or a
// negative mean of squared gradients (the entries for which square is
// true; +Inf is possible there, from a huge gradient).
func checkRestored(opt string, s map[string][]float64, square func(key string) bool) error {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		for i, v := range s[k] {
			if math.IsNaN(v) || (v < 0 && square(k)) {
				want := "a number"
				if square(k) {
					want = "a mean of squared gradients, >= 0"
				}
				return fmt.Errorf("%s state %s[%d] is %v, want %s", opt, k, i, v, want)
			}
		}
	}
	return nil
}

// checkState refuses an optimizer state kept for a tensor of another shape
// (an optimizer reused on another network, or a checkpoint's optimizer on a
// network that does not fit it).
func checkState(opt string, params []*Param, states ...map[string][]float64) error {
	for _, p := range params {
		for _, st := range states {
			if m, ok := st[p.Name]; ok && len(m) != len(p.Data) {
				return &ShapeError{Op: opt + " update of " + p.Name,
					Got:  fmt.Sprintf("tensor of %d values (%s)", len(p.Data), p.Shape()),
					Want: fmt.Sprintf("%d values, the size of the tensor %s this optimizer has state for (use one optimizer per network)", len(m), p.Name)}
			}
		}
	}
	return nil
}

// checkGrads refuses to update from a non-finite gradient.
func checkGrads(params []*Param) error {
	for _, p := range params {
		if len(p.Grad) != len(p.Data) {
			return &ShapeError{Op: "update " + p.Name, Got: fmt.Sprintf("gradient of %d values", len(p.Grad)), Want: fmt.Sprintf("%d", len(p.Data))}
		}
		if err := checkFinite(-1, "gradient of ", p.Name, p.Grad); err != nil {
			return err
		}
	}
	return nil
}

// stateByName returns a deep copy of m: the caller and the optimizer share
// no slice.
func stateByName(m map[string][]float64) map[string][]float64 {
	out := make(map[string][]float64, len(m))
	for name, v := range m {
		out[name] = append([]float64(nil), v...)
	}
	return out
}
