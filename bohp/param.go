package bohp

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Kind says what a parameter tensor is; penalties apply to Weight and Alpha
// matrices, never to biases (as in the paper's code).
type Kind int

const (
	KindWeight Kind = iota // fixed weights W
	KindAlpha              // plasticity coefficients
	KindBias               // biases
	KindRule               // parameters of a plasticity rule (e.g. a learned rate)
)

var kindNames = []string{"weight", "alpha", "bias", "rule"}

func (k Kind) String() string { return enumName(kindNames, k, "Kind") }

// Param is one trained tensor with its gradient and per-tensor options.
type Param struct {
	Name       string // e.g. "l0.w"
	Kind       Kind
	Rows, Cols int
	Data       []float64 // row-major Rows×Cols
	Grad       []float64 // gradient of the episode loss, same shape

	// Frozen parameters are never changed by an optimizer (their gradient is
	// still computed).
	Frozen bool
	// Sign constrains values after every update: +1 keeps them >= 0, -1 <= 0,
	// 0 leaves them free.
	Sign int
}

func newParam(name string, kind Kind, rows, cols int) *Param {
	return &Param{Name: name, Kind: kind, Rows: rows, Cols: cols,
		Data: make([]float64, rows*cols), Grad: make([]float64, rows*cols)}
}

// Shape renders the tensor's shape, e.g. "2x10".
func (p *Param) Shape() string { return fmt.Sprintf("%dx%d", p.Rows, p.Cols) }

// Set copies values into the tensor; len(values) must equal Rows*Cols.
func (p *Param) Set(values []float64) error {
	if len(values) != len(p.Data) {
		return &ShapeError{Op: "set " + p.Name, Got: fmt.Sprintf("%d values", len(values)), Want: p.Shape()}
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return opErrorf("set", "%s: value %d is %v", p.Name, i, v)
		}
	}
	copy(p.Data, values)
	p.applySign()
	return nil
}

// Fix sets the tensor to values and freezes it (e.g. an identity readout).
func (p *Param) Fix(values []float64) error {
	if err := p.Set(values); err != nil {
		return err
	}
	p.Frozen = true
	return nil
}

// SetSign sets the sign constraint and projects the current values onto it.
func (p *Param) SetSign(sign int) error {
	if sign < -1 || sign > 1 {
		return fmt.Errorf("%s: sign constraint must be -1, 0 or +1, got %d", p.Name, sign)
	}
	p.Sign = sign
	p.applySign()
	return nil
}

func (p *Param) applySign() {
	switch p.Sign {
	case 1:
		for i, v := range p.Data {
			if v < 0 {
				p.Data[i] = 0
			}
		}
	case -1:
		for i, v := range p.Data {
			if v > 0 {
				p.Data[i] = 0
			}
		}
	}
}

// ShapeError is a mismatch between the shape an operation needs and the one
// it was given.
type ShapeError struct {
	Op        string
	Got, Want string
}

func (e *ShapeError) Error() string {
	return fmt.Sprintf("%s: shape mismatch: got %s, want %s", e.Op, e.Got, e.Want)
}

// OpError is an error of one of the engine's operations, named by Op
// ("network", "adam", "score"): its message is "Op: Err". A caller that
// names the operation itself, as a script function's error does, shows Err
// alone (see OpDetail).
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *OpError) Unwrap() error { return e.Err }

func opErrorf(op, format string, a ...any) error {
	return &OpError{Op: op, Err: fmt.Errorf(format, a...)}
}

// OpDetail is err's message without the name of the operation that failed:
// the first OpError in err's chain is told by its Err alone.
func OpDetail(err error) string {
	msg := err.Error()
	var op *OpError
	if errors.As(err, &op) {
		msg = strings.Replace(msg, op.Error(), op.Err.Error(), 1)
	}
	return msg
}

// NonFiniteError reports the first NaN or Inf found in an episode.
type NonFiniteError struct {
	Step  int    // step of the episode (0-based); -1 at the gradient
	Where string // e.g. "output of layer l1", "loss", "gradient of l0.alpha"
	Index int
	Value float64
	// Episode is 1 + the number of episodes the network had ended before
	// this one (0: not known); messages count episodes from 0, as steps.
	Episode int
}

func (e *NonFiniteError) Error() string {
	episode := "the episode"
	if e.Episode > 0 {
		episode = fmt.Sprintf("episode %d", e.Episode-1)
	}
	if e.Step < 0 {
		return fmt.Sprintf("non-finite value %v in %s[%d] at the end of %s (diverged: lower the learning rate or check the inputs)", e.Value, e.Where, e.Index, episode)
	}
	return fmt.Sprintf("non-finite value %v in %s[%d] at step %d of %s (diverged: lower the learning rate or check the inputs)", e.Value, e.Where, e.Index, e.Step, episode)
}

// checkFinite reports the first non-finite value of s as prefix+name (the
// name is joined only on error, so the check does not allocate).
func checkFinite(step int, prefix, name string, s []float64) error {
	for i, v := range s {
		if v-v != 0 { // NaN or ±Inf
			return &NonFiniteError{Step: step, Where: prefix + name, Index: i, Value: v}
		}
	}
	return nil
}
