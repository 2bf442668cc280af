package bohp

import (
	"fmt"
	"math"
)

// A recurrent layer (LayerSpec.Recurrent) is the network of the 2018
// successor of the paper (differentiable plasticity): its N cells receive,
// besides the layer's input, their own outputs of the previous step through
// plastic connections,
//
//	y(t)  = act( b + input(t) + (w + α ∘ H_t) y(t-1) ),   y(-1) = 0
//	H_t+1 = rule(H_t, pre = y(t-1), post = y(t)),         H_0 = 0
//
// with w, α and H N×N, row j holding the connections into cell j, and
// input(t) = w_in x(t) (InputWeights) or x(t) itself (InputDirect). The rule
// is a rateRule (Hebb: H ← (1-η) H + η y(t-1) y(t)ᵀ as in the 2018 code, or
// Oja's); its rate η may be trained (tensor "<layer>.eta", one per layer or
// per cell).
//
// An episode step is one sweep over the rows of the N×N matrices that
// applies the previous step's trace update and computes the recurrent input
// (reckernel.go). The BPTT engine (recurrent_bptt.go) runs the updates
// backwards to recover the traces instead of storing them; it stores a
// trace only when running back to it would amplify rounding errors more
// than ampBound (at rate 0.01, once every 69 steps in float32, 276 in
// float64; every step at a rate near 1). Besides, it keeps a few vectors
// of N values per step. The forward engine does not support
// recurrent layers.
//
// The neuromodulated rules, and a recurrent layer without plasticity, are
// another implementation of layerKind: modState (modulated.go).

// layerKind is the machinery of a layer kind (recurrent, neuromodulated)
// that the network and the BPTT engine drive.
type layerKind interface {
	// step computes the layer's pre-activation and output for input x;
	// record keeps what BPTT needs.
	step(x []float64, record bool)
	// reset starts an episode.
	reset()
	// finish applies the last step's trace update, at the end of an episode.
	finish()
	// traces returns H_t (P_t for a neuromodulated layer) as float64 (a
	// view or a copy), N×N or, for a feed-forward kind, N×inputs; nil
	// without plasticity.
	traces() []float64
	setWorkers(n int)
	// The BPTT engine's calls, see recurrent_bptt.go and modulated_bptt.go.
	beginBackward()
	backwardStep(t int, y, ga, gzLoss, gx []float64, needGx, check bool) *NonFiniteError
	endBackward()
}

// ampBound bounds the factor by which running the trace updates backwards
// (dividing by their coefficient d) may amplify rounding errors before
// BPTT stores a trace instead: in float64 a factor 16 stays far below the
// gradient's accuracy; float32 has no such margin (at 16 the gradient
// deviates from float64's by 2e-4 in the tests, at 2 by 7e-6, at 1 — every
// trace stored — by 6e-6).
func ampBound[F float]() float64 {
	if sizeOf[F]() == 4 {
		return 2
	}
	return 16
}

// Recurrent reports whether the layer is recurrent.
func (l *Layer) Recurrent() bool { return l.recurrent }

// TraceShape returns the shape of the layer's traces: Out×In for a plastic
// layer, Out×Out for a recurrent one, 0×0 when it has none.
func (l *Layer) TraceShape() (rows, cols int) {
	switch {
	case !l.Plastic():
		return 0, 0
	case l.Recurrent():
		return l.Out, l.Out
	}
	return l.Out, l.In
}

func newRecurrentLayer(l *Layer, spec LayerSpec) error {
	name, n, in := l.Name, spec.Out, l.In
	rr, ok := spec.Rule.(rateRule)
	if !ok {
		return fmt.Errorf("layer %s: rule %s cannot drive a recurrent layer (hebb, oja and the neuromodulated rules can)", name, spec.Rule.Name())
	}
	if err := checkRecurrent(l, spec); err != nil {
		return err
	}
	l.Input, l.LearnRate, l.Precision = spec.Input, spec.LearnRate, spec.Precision
	l.W = newParam(name+".w", KindWeight, n, n)
	l.Alpha = newParam(name+".alpha", KindAlpha, n, n)
	if spec.Input == InputWeights {
		l.WIn = newParam(name+".w_in", KindWeight, n, in)
	}
	l.Eta = newRate(name+".eta", spec.LearnRate, n, rr.rate())
	l.recurrent = true
	if spec.Precision == Float32 {
		l.kind = newRecState[float32](l, rr, kernels32)
	} else {
		l.kind = newRecState[float64](l, rr, kernels64)
	}
	return nil
}

// checkRecurrent checks the options of a recurrent layer of any kind.
func checkRecurrent(l *Layer, spec LayerSpec) error {
	name, n, in := l.Name, spec.Out, l.In
	switch {
	case spec.Act == Softmax:
		return fmt.Errorf("layer %s: a recurrent layer cannot use softmax", name)
	case spec.Input == InputDirect && in != n:
		return fmt.Errorf("layer %s: direct input needs as many inputs as cells: %d inputs, %d cells", name, in, n)
	case spec.Input != InputWeights && spec.Input != InputDirect:
		return fmt.Errorf("layer %s: unknown input mode %d", name, spec.Input)
	case spec.LearnRate < RateFixed || spec.LearnRate > RateCell:
		return fmt.Errorf("layer %s: unknown rate mode %d", name, spec.LearnRate)
	case spec.Precision != Float64 && spec.Precision != Float32:
		return fmt.Errorf("layer %s: unknown precision %d", name, spec.Precision)
	case n > MaxElements/n:
		return fmt.Errorf("layer %s: %d x %d recurrent connections is too large (at most %d per tensor)", name, n, n, MaxElements)
	}
	return nil
}

// newRate returns the tensor of a trained rate (nil when fixed), one per
// layer or per cell of a layer of n cells, set to its initial value v.
func newRate(name string, mode RateMode, n int, v float64) *Param {
	var p *Param
	switch mode {
	case RateLayer:
		p = newParam(name, KindRule, 1, 1)
	case RateCell:
		p = newParam(name, KindRule, n, 1)
	default:
		return nil
	}
	for i := range p.Data {
		p.Data[i] = v
	}
	return p
}

// recState is the recurrent machinery for storage type F.
type recState[F float] struct {
	l      *Layer
	rule   rateRule
	k      recKernels[F]
	n      int
	chunks int // row chunks of a sweep (chunkCount)

	w, a   []F  // N×N weights and plasticity coefficients: the tensors' data, or float32 copies
	copies bool // w and a are copies, made at each episode's first step
	H      []F  // the traces used by the current step, H_t
	zero   []F  // one row of zeros (y(-1), and the traces H_0 = H_1 = 0)
	eta    []float64
	d, c   []F // coefficients of the update being applied or reversed, per row
	rz     []F // recurrent input of each cell

	steps   int  // steps run in the episode
	pending bool // H lacks the update by the last step (applied by the next step or finish)
	record  bool // the episode is being recorded for BPTT
	ys      []F  // outputs y(0), y(1), ... as F (the last two only when not recording)
	xs      []float64
	yF      []F // scratch: the current output as F

	amp   float64     // BPTT: rounding amplification of running back to the last stored trace
	saved map[int][]F // BPTT: traces stored because amp would exceed the bound, by step
	spare [][]F       // buffers of stored traces, reused

	workers int
	run     chunkRun
	fwd     recForwardSweep[F]
	bwd     *recBackward[F] // allocated by the first BPTT
}

func newRecState[F float](l *Layer, rule rateRule, k recKernels[F]) *recState[F] {
	n := l.Out
	s := &recState[F]{l: l, rule: rule, k: k, n: n, chunks: chunkCount(n), workers: 1,
		H: make([]F, n*n), zero: make([]F, n), eta: make([]float64, n),
		d: make([]F, n), c: make([]F, n), rz: make([]F, n), yF: make([]F, n),
		saved: map[int][]F{}}
	s.fwd.s = s
	if w, ok := any(l.W.Data).([]F); ok { // float64: compute on the tensors themselves
		s.w, s.a = w, any(l.Alpha.Data).([]F)
	} else {
		s.w, s.a, s.copies = make([]F, n*n), make([]F, n*n), true
	}
	s.reset()
	return s
}

func (s *recState[F]) setWorkers(n int) { s.workers = max(n, 1) }

// savedTraces is the number of traces stored for BPTT in this episode.
func (s *recState[F]) savedTraces() int { return len(s.saved) }

func (s *recState[F]) reset() {
	clear(s.H)
	s.steps, s.pending, s.amp = 0, false, 1
	s.ys, s.xs = s.ys[:0], s.xs[:0]
	for t, buf := range s.saved {
		s.spare = append(s.spare, buf)
		delete(s.saved, t)
	}
}

// y returns the output of step t as F (t >= -1; y(-1) = 0).
func (s *recState[F]) y(t int) []F {
	if t < 0 {
		return s.zero
	}
	if !s.record {
		t %= 2
	}
	return s.ys[t*s.n : (t+1)*s.n]
}

// rates fills eta with the rate of every row.
func (s *recState[F]) rates() {
	switch e := s.l.Eta; {
	case e == nil:
		for j := range s.eta {
			s.eta[j] = s.rule.rate()
		}
	case len(e.Data) == 1:
		for j := range s.eta {
			s.eta[j] = e.Data[0]
		}
	default:
		copy(s.eta, e.Data)
	}
}

// coefs fills d and c with the coefficients of the update whose
// postsynaptic output is post, and returns the largest |1/d|, the factor
// by which running it backwards amplifies errors. Forward and backward
// passes compute them here, so they agree bit for bit.
func (s *recState[F]) coefs(post, d, c []F) float64 {
	amp := 0.0
	for j, y := range post {
		dj, cj := s.rule.coef(s.eta[j], float64(y))
		d[j], c[j] = F(dj), F(cj)
		amp = max(amp, 1/math.Abs(float64(d[j])))
	}
	return amp
}

func (s *recState[F]) step(x []float64, record bool) {
	l, t, n := s.l, s.steps, s.n
	if t == 0 {
		s.record = record
		s.rates()
		if s.copies {
			convert(s.w, l.W.Data)
			convert(s.a, l.Alpha.Data)
		}
	}
	z := l.z
	copy(z, l.B.Data)
	if l.WIn != nil {
		gemvAdd(z, l.WIn.Data, x)
		if s.record {
			s.xs = append(s.xs, x...)
		}
	} else {
		for i, v := range x {
			z[i] += v
		}
	}
	if t > 0 {
		// The pending update has pre y(t-2) and post y(t-1); H_1 = 0
		// needs none (y(-1) = 0).
		s.fwd.update = s.pending && t >= 2
		if s.fwd.update {
			amp := s.coefs(s.y(t-1), s.d, s.c)
			if s.record {
				s.keepForBackward(t-1, amp)
			}
		}
		s.fwd.pre, s.fwd.x = s.y(t-2), s.y(t-1)
		s.run.run(&s.fwd, s.chunks, s.workers)
		for j, v := range s.rz {
			z[j] += float64(v)
		}
	}
	l.Act.apply(z, l.y)
	convert(s.yF, l.y)
	if s.record || len(s.ys) < 2*n {
		s.ys = append(s.ys, s.yF...)
	} else {
		copy(s.y(t), s.yF)
	}
	s.steps++
	s.pending = true
}

// keepForBackward stores H_{t} (about to be updated) when reconstructing it
// backwards from H_{t+1} would push the rounding amplification since the
// last exact trace past the bound.
func (s *recState[F]) keepForBackward(t int, amp float64) {
	if t <= 1 {
		return // H_1 = 0 is known
	}
	if s.amp*amp <= ampBound[F]() {
		s.amp *= amp
		return
	}
	var buf []F
	if k := len(s.spare); k > 0 {
		buf, s.spare = s.spare[k-1], s.spare[:k-1]
	} else {
		buf = make([]F, len(s.H))
	}
	copy(buf, s.H)
	s.saved[t] = buf
	s.amp = 1
}

// recForwardSweep applies the pending trace update to the rows of a chunk
// and computes their recurrent input.
type recForwardSweep[F float] struct {
	s      *recState[F]
	pre, x []F
	update bool
}

func (f *recForwardSweep[F]) runChunk(c int) {
	s, n := f.s, f.s.n
	lo, hi := chunkRows(n, s.chunks, c)
	for j := lo; j < hi; j++ {
		d, cc := F(1), F(0)
		if f.update {
			d, cc = s.d[j], s.c[j]
		}
		row := j * n
		s.rz[j] = s.k.forward(s.H[row:row+n], s.w[row:row+n], s.a[row:row+n], f.pre, f.x, d, cc)
	}
}

func (s *recState[F]) finish() {
	if !s.pending || s.steps < 2 {
		s.pending = false
		return
	}
	t := s.steps
	s.coefs(s.y(t-1), s.d, s.c)
	s.fwd.update, s.fwd.pre, s.fwd.x = true, s.y(t-2), s.y(t-1)
	s.run.run(&s.fwd, s.chunks, s.workers)
	s.pending = false
}

func (s *recState[F]) traces() []float64 {
	if h, ok := any(s.H).([]float64); ok {
		return h
	}
	out := make([]float64, len(s.H))
	for i, v := range s.H {
		out[i] = float64(v)
	}
	return out
}

// convert copies src into dst, converting.
func convert[D, S float](dst []D, src []S) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// gemvAdd adds W x to z (W is len(z)×len(x), row-major).
func gemvAdd(z, W, x []float64) {
	n := len(x)
	for i := range z {
		z[i] += dotRow(W[i*n:i*n+n], x)
	}
}

// bytes is the memory the layer's recurrent state holds besides its tensors.
func (s *recState[F]) bytes() int {
	size := sizeOf[F]()
	elems := len(s.H) + len(s.zero) + len(s.d) + len(s.c) + len(s.rz) + len(s.yF) + cap(s.ys)
	if s.copies {
		elems += len(s.w) + len(s.a)
	}
	for _, buf := range s.saved {
		elems += len(buf)
	}
	for _, buf := range s.spare {
		elems += len(buf)
	}
	other := 8 * (len(s.eta) + cap(s.xs))
	if b := s.bwd; b != nil {
		elems += len(b.G) + len(b.R) + len(b.deltaF) + len(b.parts) + cap(b.coef) + 4*len(b.dNext)
		if s.copies {
			elems += len(b.ga)
		}
		other += 8 * (len(b.gyRec) + len(b.sumGH) + len(b.sumGP) + len(b.gEta) + cap(b.D))
	}
	return size*elems + other
}
