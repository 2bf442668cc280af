package bohp

// rateRule is a rule whose update of the row of cell j is affine in the
// trace, with coefficients that depend on a rate η and the cell's output y:
//
//	H' = d(η, y) H + c(η, y) x
//
// Hebb (η = 1 - retention: d = 1-η, c = η y) and Oja (d = 1 - η y², c = η y)
// are. This form is what a recurrent layer needs of its rule: the row
// coefficients, their partial derivatives (for the gradients of y and of a
// trained η), and d ≠ 0 to run the update backwards.
type rateRule interface {
	Rule
	// rate is η as the rule's setting gives it.
	rate() float64
	// coef returns d and c for rate eta and postsynaptic output y.
	coef(eta, y float64) (d, c float64)
	// coefGrad returns ∂d/∂y, ∂c/∂y, ∂d/∂η, ∂c/∂η.
	coefGrad(eta, y float64) (ddy, dcy, dde, dce float64)
}

func (r Hebb) rate() float64                        { return 1 - r.Retention }
func (Hebb) coef(eta, y float64) (float64, float64) { return 1 - eta, eta * y }
func (Hebb) coefGrad(eta, y float64) (float64, float64, float64, float64) {
	return 0, eta, -1, y
}

func (r Oja) rate() float64                        { return r.Rate }
func (Oja) coef(eta, y float64) (float64, float64) { return 1 - eta*y*y, eta * y }
func (Oja) coefGrad(eta, y float64) (float64, float64, float64, float64) {
	return -2 * eta * y, eta, -y * y, y
}

// InputMode says how a recurrent layer's input reaches its cells.
type InputMode int

const (
	// InputWeights: through trained weights w_in (Out×In), as in a dense layer.
	InputWeights InputMode = iota
	// InputDirect: added to the pre-activation as it is (In must equal
	// Out), as in the 2018 code.
	InputDirect
)

// RateMode says whether the rate η of a plastic recurrent layer is trained.
type RateMode int

const (
	RateFixed RateMode = iota // the rule's setting, constant
	RateLayer                 // one trained η for the layer (the 2018 code's)
	RateCell                  // one trained η per (postsynaptic) cell
)

// Precision is how a recurrent layer stores and computes its N×N matrices
// (weights, plasticity coefficients, traces and their gradients). Its
// parameters, gradients and everything else stay float64.
type Precision int

const (
	Float64 Precision = iota
	Float32           // half the memory traffic: about twice as fast at large N
)

var (
	inputModeNames = []string{"weights", "direct"}
	rateModeNames  = []string{"fixed", "layer", "cell"}
	precisionNames = []string{"float64", "float32"}
)

func (m InputMode) String() string { return enumName(inputModeNames, m, "InputMode") }
func (m RateMode) String() string  { return enumName(rateModeNames, m, "RateMode") }
func (p Precision) String() string { return enumName(precisionNames, p, "Precision") }

// ParseInputMode maps "weights" or "direct" to an InputMode.
func ParseInputMode(s string) (InputMode, error) {
	return parseEnum[InputMode](inputModeNames, s, "input mode")
}

// ParseRateMode maps "fixed", "layer" or "cell" to a RateMode.
func ParseRateMode(s string) (RateMode, error) {
	return parseEnum[RateMode](rateModeNames, s, "rate mode")
}

// ParsePrecision maps "float64" or "float32" to a Precision.
func ParsePrecision(s string) (Precision, error) {
	return parseEnum[Precision](precisionNames, s, "precision")
}
