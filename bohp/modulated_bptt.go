package bohp

// Reverse mode through a neuromodulated layer's episode (see modulated.go
// for the model). With G_t = ∂L/∂P_t, Γ_t = ∂L/∂E_t, δ(t) = ∂L/∂z(t) and,
// for the update of step t, Ĝ = ∂L/∂Δ_t (G_{t+1} gated: 0 where the clip
// binds; the soft bound's factor 1 - sgn(Δ) P_t/c) and Ĝ_P = ∂L/∂P_t through
// P_{t+1} (the same with 1 - |Δ|/c):
//
//	∂L/∂M_i(t)  = Σ_k Ĝ_ik y_i x_k          (retroactive: Σ_k Ĝ_ik E_t,ik)
//	∂L/∂y_i(t) += M_i Σ_k Ĝ_ik x_k           (retroactive: η_E Σ_k Γ_{t+1,ik} x_k)
//	              + s mod_w_i,  s = Σ_i f_i ∂L/∂M_i (1 - m²)   (modulator; f = 1 without fan-out)
//	G_t         = Ĝ_P + α ⊙ δ xᵀ
//	Γ_t         = (1 - η_E) Γ_{t+1} + M ⊙rows Ĝ
//	∂L/∂x_k(t)  = Σ_i (W + α ⊙ P_t)_ik δ_i + Σ_i Ĝ_ik M_i y_i   (retroactive: the last sum is η_E Σ_i Γ_{t+1,ik} y_i)
//	∂L/∂η_E,i  += Σ_k Γ_{t+1,ik} (y_i x_k - E_t,ik);  ∂L/∂η_i += ∂L/∂M_i (clipped_hebb)
//
// Backward step t makes one sweep over the rows: it writes G_t and Γ_t,
// adds the gradients of W and α and forms ∂L/∂x(t), and in the same pass
// the per-cell sums over the update of step t-1 (from G_t and Γ_t just
// written) that backward step t-1 needs before its sweep (∂L/∂y(t-1) must
// be complete to form δ(t-1)). With the hard bound those sums gate G_t by
// the clip of step t-1's update, and the sweep keeps it so gated: G holds
// Ĝ_t = ∂L/∂Δ_{t-1} for backward step t-1, which need not gate it again.
//
// The clip cannot be run backwards where it binds, so the traces are not
// recovered backwards (as recState does) but recomputed: the forward pass
// keeps P and E every checkpointEvery steps, and BPTT replays the updates
// of one segment at a time from its checkpoint with the forward pass's own
// code (bit-identical traces, so the clip binds where it did), at the cost
// of one more update per step and (T/K + K + 1) copies of the traces.

// modBackward is the BPTT state of a neuromodulated layer.
type modBackward struct {
	T          int
	G, Gam     []float64 // G_{t+1} (hard bound: Ĝ_{t+1}), Γ_{t+1} (n×cols), overwritten by G_t (Ĝ_t), Γ_t
	segP, segE []float64 // the traces of steps first .. first+K
	first      int       // first step of the segment held; -1: none

	// Per cell, over the update of step t (left for backward step t by
	// the sweep of step t+1): Σ_k Ĝ x_k(t) (clipped_hebb, modulated);
	// Σ_k Ĝ E_t, Σ_k Γ_{t+1} x_k(t), Σ_k Γ_{t+1} E_t (retroactive).
	sumX, sumE, sumGamX, sumGamE []float64

	gM, gy, gyRec, delta, gEta []float64 // per cell: ∂L/∂M(t), ∂L/∂y(t), from step t+1, ∂L/∂z(t), ∂L/∂η
	r                          []float64 // ∂L/∂x(t), cols
	D                          []float64 // δ of every step, n×T (row i: δ_i(0), ..., δ_i(T-1))

	parts []float64 // per chunk: its rows' part of ∂L/∂x(t), chunks × cols
	rows  []modRow  // per chunk: the operands of a row kernel
	sweep modRows
}

func (b *modBackward) size() int {
	return len(b.G) + len(b.Gam) + len(b.segP) + len(b.segE) + len(b.sumX) + len(b.sumE) + len(b.sumGamX) + len(b.sumGamE) +
		len(b.gM) + len(b.gy) + len(b.gyRec) + len(b.delta) + len(b.gEta) + len(b.r) + cap(b.D) + len(b.parts)
}

func (s *modState) beginBackward() {
	n, cols := s.n, s.cols
	b := s.bwd
	if b == nil {
		vec := func() []float64 { return make([]float64, n) }
		b = &modBackward{sumX: vec(), sumE: vec(), sumGamX: vec(), sumGamE: vec(),
			gM: vec(), gy: vec(), gyRec: vec(), delta: vec(), gEta: vec(), r: make([]float64, cols),
			parts: make([]float64, s.chunks*cols), rows: make([]modRow, s.chunks)}
		if s.plastic {
			b.G, b.segP = make([]float64, n*cols), make([]float64, (checkpointEvery+1)*n*cols)
		}
		if s.E != nil {
			b.Gam, b.segE = make([]float64, n*cols), make([]float64, (checkpointEvery+1)*n*cols)
		}
		s.bwd = b
	}
	b.T, b.first = s.steps, -1
	if cap(b.D) < n*b.T {
		b.D = make([]float64, n*b.T)
	}
	b.D = b.D[:n*b.T]
	for _, v := range [][]float64{b.G, b.Gam, b.sumX, b.sumE, b.sumGamX, b.sumGamE, b.gyRec, b.gEta} {
		clear(v)
	}
}

func (s *modState) backwardStep(t int, _, ga, gzLoss, gx []float64, needGx, check bool) *NonFiniteError {
	b, l := s.bwd, s.l
	y := s.y(t)
	s.outputGrad(t, y, ga)
	for i, yi := range y {
		d := b.gy[i] * l.Act.deriv(yi)
		if gzLoss != nil {
			d += gzLoss[i]
		}
		b.delta[i] = d
		b.D[i*b.T+t] = d
		l.B.Grad[i] += d
	}
	var bad *NonFiniteError
	if check {
		if err := checkFinite(t, "gradient of the pre-activation of layer ", l.Name, b.delta); err != nil {
			bad = err.(*NonFiniteError)
		}
	}
	if s.recurrent {
		if l.WIn != nil {
			if needGx {
				gemvTransDelta(gx, l.WIn.Data, b.delta, 1, 0)
			}
		} else if needGx {
			copy(gx, b.delta)
		}
		if t == 0 {
			return bad // x(0) = y(-1) = 0 and P_0 = 0: nothing more to add
		}
	}
	needR := s.recurrent || needGx
	s.sweep(t, needR)
	if s.recurrent {
		copy(b.gyRec, b.r)
	} else if needGx {
		copy(gx, b.r)
	}
	return bad
}

// outputGrad forms ∂L/∂y(t) into gy: ga from above, from step t+1, and
// through the update of step t and the modulator.
func (s *modState) outputGrad(t int, y, ga []float64) {
	b := s.bwd
	for i := range y {
		g := ga[i]
		if s.recurrent {
			g += b.gyRec[i]
		}
		b.gy[i] = g
	}
	if !s.plastic {
		return
	}
	M := s.mod(t)
	for i, yi := range y {
		if s.rule.Mode == ModRetro {
			b.gM[i] = b.sumE[i]
			b.gy[i] += s.eta[i] * b.sumGamX[i]
			b.gEta[i] += yi*b.sumGamX[i] - b.sumGamE[i]
			continue
		}
		b.gM[i] = yi * b.sumX[i]
		b.gy[i] += M[i] * b.sumX[i]
		if s.rule.Mode == ModHebb {
			b.gEta[i] += b.gM[i]
		}
	}
	if s.rule.modulated() {
		s.modulatorGrad(t, y)
	}
}

// modulatorGrad adds the gradients through m(t) = tanh(mod_w·y + mod_b)
// and the fan-out, given ∂L/∂M(t) in gM.
func (s *modState) modulatorGrad(t int, y []float64) {
	l, b := s.l, s.bwd
	m := s.ms[t]
	dm := 0.0
	if l.Fanout != nil {
		for i, g := range b.gM {
			l.Fanout.Grad[i] += m * g
			l.FanoutB.Grad[i] += g
			dm += l.Fanout.Data[i] * g
		}
	} else {
		for _, g := range b.gM {
			dm += g
		}
	}
	sg := dm * (1 - m*m)
	l.ModB.Grad[0] += sg
	for i, yi := range y {
		l.ModW.Grad[i] += sg * yi
		b.gy[i] += sg * l.ModW.Data[i]
	}
}

// load makes the segment buffers hold the traces of steps lo and lo+1,
// replaying the updates from the segment's checkpoint.
func (s *modState) load(lo int) {
	b, size, K := s.bwd, s.n*s.cols, checkpointEvery
	first := lo / K * K
	if b.first == first {
		return
	}
	c := first / K
	copy(b.segP[:size], s.ckP[c*size:(c+1)*size])
	if b.segE != nil {
		copy(b.segE[:size], s.ckE[c*size:(c+1)*size])
	}
	b.first = first
	for u := first; u < min(first+K, b.T-1); u++ {
		s.applyUpdate(s.slot(b.segP, u+1), s.slot(b.segE, u+1), s.slot(b.segP, u), s.slot(b.segE, u), u)
	}
}

// slot returns the traces of step t in a segment buffer (nil for nil).
func (s *modState) slot(buf []float64, t int) []float64 {
	if buf == nil {
		return nil
	}
	size := s.n * s.cols
	o := (t - s.bwd.first) * size
	return buf[o : o+size]
}

// sweep is backward step t's pass over the rows (see the top of the file);
// it forms ∂L/∂x(t) in r when needR. Each chunk of rows sums its part of
// ∂L/∂x(t), and the parts are added in chunk order.
func (s *modState) sweep(t int, needR bool) {
	b, l := s.bwd, s.l
	x := s.pre(t)
	if !s.plastic {
		if needR {
			gemvTransDelta(b.r, l.W.Data, b.delta, 1, 0)
		}
		return
	}
	s.load(max(t-1, 0))
	P, E := s.slot(b.segP, t), s.slot(b.segE, t)
	w := &b.sweep
	*w = modRows{s: s, x: x, y: s.y(t), M: s.mod(t), P: P, E: E, prev: t >= 1, needR: needR,
		xp: x, Pp: P, Ep: E, Mp: s.zero[:0]} // placeholders unless prev
	if w.prev {
		w.xp, w.yp, w.Mp = s.pre(t-1), s.y(t-1), s.mod(t-1)
		w.Pp, w.Ep = s.slot(b.segP, t-1), s.slot(b.segE, t-1)
	}
	s.run.run(w, s.chunks, s.workers)
	if !needR {
		return
	}
	cols := s.cols
	copy(b.r, b.parts[:cols])
	for c := 1; c < s.chunks; c++ {
		for k, v := range b.parts[c*cols : (c+1)*cols] {
			b.r[k] += v
		}
	}
}

// modRows holds the operands of one backward step's sweep: step t's
// presynaptic input, output, modulation and traces, and step t-1's (prev).
type modRows struct {
	s          *modState
	x, y, M    []float64
	P, E       []float64
	xp, yp, Mp []float64
	Pp, Ep     []float64
	prev       bool
	needR      bool // form ∂L/∂x(t)
}

func (w *modRows) runChunk(c int) {
	s, b := w.s, w.s.bwd
	var R []float64 // nil: the kernels skip ∂L/∂x(t)
	if w.needR {
		R = b.parts[c*s.cols : (c+1)*s.cols]
		clear(R)
	}
	row := &b.rows[c]
	lo, hi := chunkRows(s.n, s.chunks, c)
	for i := lo; i < hi; i++ {
		w.rowAt(i, R, row)
		switch {
		case !s.rule.Soft && s.rule.Mode == ModRetro:
			se, sgx, sge := modK.retroBackward(row)
			w.setRetroSums(i, se, sgx, sge)
		case !s.rule.Soft:
			w.setHebbSum(i, modK.hebbBackward(row))
		case s.rule.Mode == ModRetro:
			se, sgx, sge := modK.softRetroBackward(row)
			w.setRetroSums(i, se, sgx, sge)
		default:
			w.setHebbSum(i, modK.softHebbBackward(row))
		}
	}
}

// prevOf returns v[i] for step t-1's operand v, 0 at t = 0.
func (w *modRows) prevOf(v []float64, i int) float64 {
	if !w.prev {
		return 0
	}
	return v[i]
}

// rowAt sets *row to the operands of row i of the sweep; R accumulates the
// chunk's part of ∂L/∂x(t) (nil: not wanted). m and mp are M_i y_i of steps t and t-1 (Δ =
// M y xᵀ), or M_i (retroactive, Δ = M E); mp is 0 at t = 0.
func (w *modRows) rowAt(i int, R []float64, row *modRow) {
	s, b, l := w.s, w.s.bwd, w.s.l
	o, cols, c := i*s.cols, s.cols, s.rule.Clip
	*row = modRow{p: w.P[o : o+cols], g: b.G[o : o+cols], gam: rowOf(b.Gam, o, cols),
		w: l.W.Data[o : o+cols], a: l.Alpha.Data[o : o+cols], ga: l.Alpha.Grad[o : o+cols], r: R,
		x: w.x, e: rowOf(w.E, o, cols), pp: w.Pp[o : o+cols], ep: rowOf(w.Ep, o, cols), xp: w.xp, delta: b.delta[i], lo: -c, hi: c}
	if s.rule.Mode == ModRetro {
		eta := s.eta[i]
		row.m, row.mp, row.keep, row.ey = w.M[i], w.prevOf(w.Mp, i), 1-eta, eta*w.y[i]
		return
	}
	row.m = float64(w.M[i] * w.y[i])
	if w.prev {
		row.mp = float64(w.Mp[i] * w.yp[i])
	}
}

// setHebbSum stores row i's sum over the update of step t-1 (none at t = 0).
func (w *modRows) setHebbSum(i int, sum float64) {
	if !w.prev {
		sum = 0
	}
	w.s.bwd.sumX[i] = sum
}

// setRetroSums stores row i's sums over the update of step t-1 (none at t = 0).
func (w *modRows) setRetroSums(i int, se, sgx, sge float64) {
	if !w.prev {
		se, sgx, sge = 0, 0, 0
	}
	b := w.s.bwd
	b.sumE[i], b.sumGamX[i], b.sumGamE[i] = se, sgx, sge
}

func (s *modState) endBackward() {
	s.outerGrads()
	e := s.l.Eta
	if e == nil {
		return
	}
	b := s.bwd
	if len(e.Grad) == 1 {
		g := 0.0
		for _, v := range b.gEta {
			g += v
		}
		e.Grad[0] += g
		return
	}
	for i, v := range b.gEta {
		e.Grad[i] += v
	}
}

// outerGrads adds the gradients that are sums of outer products over the
// steps: W's, Σ_t δ(t) x(t)ᵀ, and w_in's, Σ_t δ(t) ξ(t)ᵀ (one pass each at
// the end rather than one per step).
func (s *modState) outerGrads() {
	b, l, T, cols := s.bwd, s.l, s.bwd.T, s.cols
	for i := range s.n {
		D := b.D[i*T : (i+1)*T]
		switch {
		case !s.recurrent:
			kernels64.accumulate(l.W.Grad[i*cols:(i+1)*cols], s.xs, cols, D)
		case T > 1: // x(t) = y(t-1); x(0) = 0
			kernels64.accumulate(l.W.Grad[i*cols:(i+1)*cols], s.ys, cols, D[1:])
		}
		if l.WIn != nil {
			in := l.In
			kernels64.accumulate(l.WIn.Grad[i*in:(i+1)*in], s.xs, in, D)
		}
	}
}
