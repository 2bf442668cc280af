package bohp

import (
	"fmt"
	"math"
	"slices"
)

// Neuromodulated plasticity (Miconi, Rawal, Clune and Stanley, ICLR 2019,
// "Backpropamine"): the network decides, step by step, how much its plastic
// connections change. A layer with one of these rules, feed-forward or
// recurrent, has besides W, α and b a plastic component P (N×cols, row i
// the connections into cell i; cols = the layer's inputs, or N for the
// recurrent connections of a recurrent layer) and, with the presynaptic
// vector x(t) (the layer's input, or y(t-1) for a recurrent layer) and
// u(t) the recurrent layer's input (w_in ξ(t), or ξ(t) directly):
//
//	y(t)   = act( b + u(t) + (W + α ⊙ P_t) x(t) )
//	m(t)   = tanh( mod_w · y(t) + mod_b )                 modulated, retroactive
//	M_i(t) = m(t), or f_i m(t) + g_i with fan-out         (tensors fanout, fanout_b)
//	M_i(t) = η_i                                          clipped_hebb
//
// and, once step t's output is known, the update P_{t+1} = bound(P_t, Δ_t)
// with the raw increment
//
//	Δ_t = M(t) ⊙rows y(t) x(t)ᵀ                          clipped_hebb, modulated
//	Δ_t = M(t) ⊙rows E_t                                  retroactive, with the eligibility trace
//	E_{t+1} = (1 - η_E) E_t + η_E y(t) x(t)ᵀ              (E_t taken before its update)
//
// P_0 = E_0 = 0. The hard bound is clip(P + Δ, -c, c); the soft bound moves
// P by Δ (1 - sgn(Δ) P/c), less the nearer P is to the bound it moves
// towards, then clips. clipped_hebb is the 2019 code's non-modulated
// plastic baseline: purely additive and clipped, unlike the decaying
// Hebbian trace of the 2016 and 2018 networks (H ← (1-η) H + η y xᵀ).
//
// BPTT (modulated_bptt.go) differentiates every step exactly: the clip's
// derivative is 0 where it binds. m(t) depends on every cell's output, so
// every trace depends on every parameter of the layer: the forward engine,
// whose cost rests on a cell's traces depending on its own row only, does
// not support these rules.

// ModMode is the update a ModRule performs.
type ModMode int

const (
	ModHebb   ModMode = iota // clipped_hebb: Δ = η y xᵀ
	ModSimple                // modulated: Δ = M(t) y xᵀ
	ModRetro                 // retroactive: Δ = M(t) E, E an eligibility trace
)

var modNames = []string{"clipped_hebb", "modulated", "retroactive"}

// ModRule is a rule of the 2019 networks (see above). It is not
// elementwise: a layer with it is a layer kind of its own, which only the
// BPTT engine supports.
type ModRule struct {
	Mode   ModMode
	Clip   float64 // the bound c, |P| <= c
	Soft   bool    // the soft bound
	Fanout bool    // modulated, retroactive: M_i = f_i m + g_i
	Rate   float64 // clipped_hebb: η; retroactive: η_E (initial values when trained); modulated: 0
}

// Name implements Rule.
func (r ModRule) Name() string { return enumName(modNames, r.Mode, "ModMode") }

// Settings implements Rule, in the order of the rule's registry entry.
func (r ModRule) Settings() []float64 {
	s := []float64{r.Clip, FlagValue(r.Soft)}
	switch r.Mode {
	case ModHebb:
		return append(s, r.Rate)
	case ModRetro:
		return append(s, FlagValue(r.Fanout), r.Rate)
	}
	return append(s, FlagValue(r.Fanout))
}

// FlagValue is a flag setting's value for b: 1 for true, 0 for false.
func FlagValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// hasRate reports whether the rule has a rate that LearnRate may train.
func (r ModRule) hasRate() bool { return r.Mode != ModSimple }

// modulated reports whether the layer computes a modulator m(t).
func (r ModRule) modulated() bool { return r.Mode != ModHebb }

// Registry settings of the neuromodulated rules.
var (
	clipSetting   = Setting{Name: "clip", Doc: "the bound c of the plastic component, |P| <= c", Min: 0, Max: math.Inf(1), AboveMin: true}
	softSetting   = Setting{Name: "soft", Doc: "a soft bound: an increment d moves P by d (1 - sgn(d) P/c), then P is clipped (default false: clip only)", Flag: true, Optional: true}
	fanoutSetting = Setting{Name: "fanout", Doc: "per-cell modulation M_i = f_i m + g_i (tensors <name>.fanout and <name>.fanout_b) instead of m for every cell (default false)", Flag: true, Optional: true}
)

func modKinds() []RuleKind {
	build := func(mode ModMode) func([]float64) Rule {
		return func(v []float64) Rule {
			r := ModRule{Mode: mode, Clip: v[0], Soft: v[1] == 1}
			switch mode {
			case ModHebb:
				r.Rate = v[2]
			case ModSimple:
				r.Fanout = v[2] == 1
			case ModRetro:
				r.Fanout, r.Rate = v[2] == 1, v[3]
			}
			return r
		}
	}
	return []RuleKind{
		{Name: "clipped_hebb", Trace: "hebb", Doc: "the 2019 code's plain Hebbian rule, additive and clipped: P <- clip(P + eta y x^T, -clip, clip), no decay (learn_rate trains eta, tensor <name>.eta); bptt engine only",
			Settings: []Setting{clipSetting, softSetting, {Name: "eta", Doc: "the rate of clipped_hebb (its initial value when trained)", Min: math.Inf(-1), Max: math.Inf(1)}},
			build:    build(ModHebb)},
		{Name: "modulated", Trace: "modulated_hebb", Doc: "simple neuromodulation (2019): P <- clip(P + M(t) y x^T, -clip, clip), M(t) = tanh(mod_w . y(t) + mod_b) computed by the layer (tensors <name>.mod_w, <name>.mod_b); bptt engine only",
			Settings: []Setting{clipSetting, softSetting, fanoutSetting},
			build:    build(ModSimple)},
		{Name: "retroactive", Trace: "modulated_hebb", Doc: "retroactive neuromodulation (2019): eligibility trace E <- (1-eta_e) E + eta_e y x^T, P <- clip(P + M(t) E, -clip, clip) with E before its update, M(t) as for modulated (learn_rate trains eta_e, tensor <name>.eta_e); bptt engine only",
			Settings: []Setting{clipSetting, softSetting, fanoutSetting, {Name: "eta_e", Doc: "the eligibility trace's rate (its initial value when trained)", Min: 0, Max: 1}},
			build:    build(ModRetro)},
	}
}

// newModLayer makes l a layer of the neuromodulated kind: its rule is a
// ModRule, or it is recurrent without plasticity.
func newModLayer(l *Layer, spec LayerSpec) error {
	name, n, in := l.Name, spec.Out, l.In
	rule, plastic := spec.Rule.(ModRule)
	what := "a recurrent layer without plasticity"
	if plastic {
		what = "rule " + rule.Name()
	}
	switch {
	case spec.Precision != Float64:
		return fmt.Errorf("layer %s: %s supports float64 only", name, what)
	case spec.LearnRate != RateFixed && !(plastic && rule.hasRate()):
		return fmt.Errorf("layer %s: %s has no rate to train (learn_rate must be fixed)", name, what)
	}
	cols := in
	if spec.Recurrent {
		if err := checkRecurrent(l, spec); err != nil {
			return err
		}
		cols = n
		l.recurrent, l.Input = true, spec.Input
		if spec.Input == InputWeights {
			l.WIn = newParam(name+".w_in", KindWeight, n, in)
		}
	} else if n > MaxElements/max(in, 1) {
		return fmt.Errorf("layer %s: %d x %d connections is too large (at most %d per tensor)", name, n, in, MaxElements)
	}
	l.LearnRate = spec.LearnRate
	l.W = newParam(name+".w", KindWeight, n, cols)
	s := &modState{l: l, rule: rule, plastic: plastic, recurrent: spec.Recurrent, n: n, cols: cols,
		zero: make([]float64, cols), eta: make([]float64, n), chunks: chunkCount(n), workers: 1}
	s.fwd.s, s.upd.s = s, s
	if plastic {
		l.Alpha = newParam(name+".alpha", KindAlpha, n, cols)
		s.P = make([]float64, n*cols)
		if rule.Mode == ModRetro {
			s.E = make([]float64, n*cols)
			l.Eta = newRate(name+".eta_e", spec.LearnRate, n, rule.Rate)
		} else {
			l.Eta = newRate(name+".eta", spec.LearnRate, n, rule.Rate)
		}
	}
	if rule.modulated() && plastic {
		l.ModW = newParam(name+".mod_w", KindWeight, 1, n)
		l.ModB = newParam(name+".mod_b", KindBias, 1, 1)
		if rule.Fanout {
			l.Fanout = newParam(name+".fanout", KindWeight, n, 1)
			l.FanoutB = newParam(name+".fanout_b", KindBias, n, 1)
		}
	}
	l.kind = s
	return nil
}

// modState is the machinery of a neuromodulated layer (or of a recurrent
// layer without plasticity).
type modState struct {
	l                  *Layer
	rule               ModRule
	plastic, recurrent bool
	n, cols            int // P is n×cols

	P, E []float64 // the traces the current step uses, P_t and E_t (E: retroactive only)
	eta  []float64 // per cell: η or η_E for this episode
	zero []float64 // cols zeros: y(-1)

	steps   int
	pending bool // P and E lack the update by the last step
	record  bool // keep trace checkpoints for BPTT
	// Every step's: input (feed-forward, T×cols; recurrent with w_in, T×In),
	// output (T×n), M(t) (T×n) and m(t). They grow to the longest episode
	// once and are reused.
	xs, ys, Ms, ms []float64
	// BPTT: P_t and E_t at t = 0, K, 2K, ... (K = checkpointEvery).
	ckP, ckE []float64

	bwd *modBackward // allocated by the first BPTT

	// The sweeps over the rows, in chunks shared by up to workers goroutines.
	chunks, workers int
	run             chunkRun
	fwd             modStepSweep
	upd             modUpdateSweep
}

func (s *modState) reset() {
	clear(s.P)
	clear(s.E)
	s.steps, s.pending = 0, false
	s.xs, s.ys, s.Ms, s.ms = s.xs[:0], s.ys[:0], s.Ms[:0], s.ms[:0]
	s.ckP, s.ckE = s.ckP[:0], s.ckE[:0]
}

func (s *modState) setWorkers(n int) { s.workers = max(n, 1) }

func (s *modState) traces() []float64 { return s.P }

// y returns the output of step t (t >= -1; y(-1) = 0).
func (s *modState) y(t int) []float64 {
	if t < 0 {
		return s.zero
	}
	return s.ys[t*s.n : (t+1)*s.n]
}

// pre returns the presynaptic vector x(t) of step t.
func (s *modState) pre(t int) []float64 {
	if s.recurrent {
		return s.y(t - 1)
	}
	return s.xs[t*s.cols : (t+1)*s.cols]
}

// mod returns M(t): the modulation, or the rates of clipped_hebb.
func (s *modState) mod(t int) []float64 {
	if s.rule.Mode == ModHebb {
		return s.eta
	}
	return s.Ms[t*s.n : (t+1)*s.n]
}

// rates fills eta with every cell's rate for the episode.
func (s *modState) rates() {
	switch e := s.l.Eta; {
	case e == nil:
		for i := range s.eta {
			s.eta[i] = s.rule.Rate
		}
	case len(e.Data) == 1:
		for i := range s.eta {
			s.eta[i] = e.Data[0]
		}
	default:
		copy(s.eta, e.Data)
	}
}

func (s *modState) step(x []float64, record bool) {
	l, t := s.l, s.steps
	if t == 0 {
		s.record = record
		s.rates()
	}
	z := l.z
	copy(z, l.B.Data)
	switch {
	case !s.recurrent:
		s.xs = append(s.xs, x...)
	case l.WIn != nil:
		s.xs = append(s.xs, x...)
		gemvAdd(z, l.WIn.Data, x)
	default:
		for i, v := range x {
			z[i] += v
		}
	}
	s.fwd.t = t
	s.run.run(&s.fwd, s.chunks, s.workers)
	if s.plastic && s.record && t%checkpointEvery == 0 {
		s.ckP = append(s.ckP, s.P...)
		s.ckE = append(s.ckE, s.E...)
	}
	l.Act.apply(z, l.y)
	s.ys = append(s.ys, l.y...)
	if s.plastic && s.rule.modulated() {
		s.modulate(t)
	}
	s.steps++
	s.pending = s.plastic
}

// modStepSweep is a forward step's pass over the rows of a chunk: the
// update of step t-1 (pending), then the row's recurrent or plastic input
// with the traces P_t.
type modStepSweep struct {
	s *modState
	t int
}

func (f *modStepSweep) runChunk(c int) {
	s, t, cols := f.s, f.t, f.s.cols
	l, z := s.l, s.l.z
	pre, w := s.pre(t), s.l.W.Data
	var ux, uy, uM []float64
	if s.pending {
		ux, uy, uM = s.pre(t-1), s.y(t-1), s.mod(t-1)
	}
	lo, hi := chunkRows(s.n, s.chunks, c)
	for i := lo; i < hi; i++ {
		row := i * cols
		p, e := rowOf(s.P, row, cols), rowOf(s.E, row, cols)
		if s.pending {
			s.rule.updateRow(p, e, p, e, ux, uy[i], uM[i], s.eta[i])
		}
		if s.recurrent && t == 0 {
			continue // y(-1) = 0
		}
		wr := w[row : row+cols]
		if s.plastic {
			z[i] += modK.dot(wr, l.Alpha.Data[row:row+cols], p, pre)
		} else {
			z[i] += dotRow(wr, pre)
		}
	}
}

// dotRow returns Σ_k w_k x_k.
func dotRow(w, x []float64) float64 {
	x = x[:len(w)]
	sum := 0.0
	for k, wk := range w {
		sum += wk * x[k]
	}
	return sum
}

// modulate computes m(t) and M(t) from the step's output.
func (s *modState) modulate(t int) {
	l, n := s.l, s.n
	a := l.ModB.Data[0]
	for i, v := range l.y {
		a += l.ModW.Data[i] * v
	}
	m := math.Tanh(a)
	s.ms = append(s.ms, m)
	s.Ms = slices.Grow(s.Ms, n)[:(t+1)*n]
	M := s.Ms[t*n:]
	if l.Fanout != nil {
		for i, f := range l.Fanout.Data {
			M[i] = f*m + l.FanoutB.Data[i]
		}
	} else {
		for i := range M {
			M[i] = m
		}
	}
}

// applyUpdate writes into P and E the traces P_{u+1} and E_{u+1} that the
// update of step u makes of Ps = P_u and Es = E_u (they may be P and E), as
// the forward pass does row by row.
func (s *modState) applyUpdate(P, E, Ps, Es []float64, u int) {
	s.upd.P, s.upd.E, s.upd.Ps, s.upd.Es, s.upd.u = P, E, Ps, Es, u
	s.run.run(&s.upd, s.chunks, s.workers)
}

// modUpdateSweep applies the update of step u to the rows of a chunk.
type modUpdateSweep struct {
	s            *modState
	P, E, Ps, Es []float64
	u            int
}

func (f *modUpdateSweep) runChunk(c int) {
	s, u, cols := f.s, f.u, f.s.cols
	x, y, M := s.pre(u), s.y(u), s.mod(u)
	lo, hi := chunkRows(s.n, s.chunks, c)
	for i := lo; i < hi; i++ {
		row := i * cols
		s.rule.updateRow(f.P[row:row+cols:row+cols], rowOf(f.E, row, cols), f.Ps[row:row+cols:row+cols], rowOf(f.Es, row, cols), x, y[i], M[i], s.eta[i])
	}
}

// rowOf returns the row of cols values at offset row of m, nil for nil.
func rowOf(m []float64, row, cols int) []float64 {
	if m == nil {
		return nil
	}
	return m[row : row+cols : row+cols]
}

// updateRow writes into p (and e) a row of the traces after the update of
// one step of the row ps (and es; p may be ps, e es) of the cell whose
// output was yi, modulation Mi and rate eta, with the step's presynaptic
// vector x. The forward pass and BPTT's recomputation
// both run it, so their traces agree bit for bit: the explicit conversions
// round each product, so that no fused multiply-add makes them differ (the
// kernels round alike).
func (r *ModRule) updateRow(p, e, ps, es, x []float64, yi, Mi, eta float64) {
	p, ps = p[:len(x)], ps[:len(x)]
	c := r.Clip
	switch {
	case !r.Soft && r.Mode == ModRetro:
		modK.retroUpdate(p, e, ps, es, x, Mi, 1-eta, float64(eta*yi), -c, c)
	case !r.Soft:
		modK.update(p, ps, x, float64(Mi*yi), -c, c)
	case r.Mode == ModRetro:
		modK.softRetroUpdate(p, e, ps, es, x, Mi, 1-eta, float64(eta*yi), -c, c)
	default:
		modK.softUpdate(p, ps, x, float64(Mi*yi), -c, c)
	}
}

func (s *modState) finish() {
	if s.pending {
		s.applyUpdate(s.P, s.E, s.P, s.E, s.steps-1)
		s.pending = false
	}
}

// modulation returns M(t) of the current step, nil without a modulator
// or before the first step.
func (s *modState) modulation() []float64 {
	if s.steps == 0 || !s.plastic || !s.rule.modulated() {
		return nil
	}
	return s.mod(s.steps - 1)
}

// eligibility returns E_t, nil unless the rule is retroactive.
func (s *modState) eligibility() []float64 { return s.E }

// bytes is the memory the layer's state holds besides its tensors.
func (s *modState) bytes() int {
	elems := len(s.P) + len(s.E) + len(s.eta) + len(s.zero) + cap(s.xs) + cap(s.ys) + cap(s.Ms) + cap(s.ms) + cap(s.ckP) + cap(s.ckE)
	if b := s.bwd; b != nil {
		elems += b.size()
	}
	return 8 * elems
}

// Modulation returns M(t) of the current step of a layer with the rule
// modulated or retroactive (N values; all equal to m(t) without fan-out),
// a view valid until the next step; nil for other layers.
func (l *Layer) Modulation() []float64 {
	if s, ok := l.kind.(*modState); ok {
		return s.modulation()
	}
	return nil
}

// Eligibility returns the eligibility trace E_t that the current step's
// modulation gates (N×cols, as Traces), a view valid until the next step;
// nil unless the layer's rule is retroactive.
func (l *Layer) Eligibility() []float64 {
	if s, ok := l.kind.(*modState); ok {
		return s.eligibility()
	}
	return nil
}
