package bohp

// Reverse mode through a recurrent layer's episode (see recurrent.go for
// the model). Backward step t takes ∂L/∂y(t) from the layer above (or the
// loss) and from what step t+1 left, and makes one sweep over the rows
// (recBackwardGo): the gradients of α, of y(t-1) and the trace adjoint
// G_t = ∂L/∂H_t, while it recovers H_{t-1} from H_t by running the update
// backwards, H_{t-1} = (H_t - c pre) / d, into a buffer R (or copies it
// from where the forward pass stored it). The gradients of w, w_in, b and
// η need only per-cell quantities of every step, so w's and w_in's are
// formed at the end as sums of outer products over the steps (one pass
// each, not one per step).
// The traces H_{T-1} of the last step stay intact, so the backward pass
// can be run again (locating a non-finite value).

// recBackward is the BPTT state of a recurrent layer.
type recBackward[F float] struct {
	s *recState[F]
	T int

	G, R   []F // G_{t+1} = ∂L/∂H_{t+1} and the recovered traces, N×N
	ga     []F // α's gradient: Alpha.Grad (float64) or an accumulator (float32)
	gyRec  []float64
	sumGH  []float64 // per row: Σ_i G_{t+1} H_t and Σ_i G_{t+1} y(t-1), of the update H_t -> H_{t+1}
	sumGP  []float64
	gEta   []float64 // per row: ∂L/∂η_j
	deltaF []F       // δ(t) = ∂L/∂z(t)
	D      []float64 // δ of every step, N×T (row j: δ_j(0), ..., δ_j(T-1))
	parts  []F       // per chunk: its rows' part of ∂L/∂y(t-1), chunks × N
	coef   []F       // per chunk: scratch of T values

	dNext, cNext, dInv, cPrev []F // coefficients of the updates H_t -> H_{t+1} and H_{t-1} -> H_t (1/d)
	hCur                      []F // where H_t is: the layer's traces at the last step, then R; nil: zero

	sweep recBackwardSweep[F]
	end   recGradSweep[F]
	rows  []recRow[F] // one per chunk
}

func (s *recState[F]) beginBackward() {
	n, T := s.n, s.steps
	b := s.bwd
	if b == nil {
		b = &recBackward[F]{s: s, G: make([]F, n*n), R: make([]F, n*n),
			gyRec: make([]float64, n), sumGH: make([]float64, n), sumGP: make([]float64, n), gEta: make([]float64, n),
			deltaF: make([]F, n), parts: make([]F, s.chunks*n), rows: make([]recRow[F], s.chunks),
			dNext: make([]F, n), cNext: make([]F, n), dInv: make([]F, n), cPrev: make([]F, n)}
		if ga, ok := any(s.l.Alpha.Grad).([]F); ok {
			b.ga = ga
		} else {
			b.ga = make([]F, n*n)
		}
		b.sweep.b, b.end.b = b, b
		s.bwd = b
	}
	b.T = T
	if cap(b.D) < n*T {
		b.D = make([]float64, n*T)
	}
	b.D = b.D[:n*T]
	if cap(b.coef) < s.chunks*T {
		b.coef = make([]F, s.chunks*T)
	}
	clear(b.G)
	clear(b.gyRec)
	clear(b.sumGH)
	clear(b.sumGP)
	clear(b.gEta)
	if s.copies {
		clear(b.ga)
	}
	b.hCur = nil
	if T-1 >= 2 {
		b.hCur = s.H // H_{T-1}: the traces of the last step
	}
}

func (s *recState[F]) backwardStep(t int, y, ga, gzLoss, gx []float64, needGx, check bool) *NonFiniteError {
	b, l, n := s.bwd, s.l, s.n
	// ∂L/∂y(t): from above, from step t+1, and through the update
	// H_t -> H_{t+1} (post y(t)), which also gives ∂L/∂η.
	post := s.y(t)
	for j, yj := range y {
		g := ga[j] + b.gyRec[j]
		if gh, gp := b.sumGH[j], b.sumGP[j]; gh != 0 || gp != 0 {
			ddy, dcy, dde, dce := s.rule.coefGrad(s.eta[j], float64(post[j]))
			g += ddy*gh + dcy*gp
			b.gEta[j] += dde*gh + dce*gp
		}
		d := g * l.Act.deriv(yj)
		if gzLoss != nil {
			d += gzLoss[j]
		}
		b.D[j*b.T+t] = d
		b.deltaF[j] = F(d)
		l.B.Grad[j] += d
	}
	var bad *NonFiniteError
	if check {
		for j := range y {
			if d := b.D[j*b.T+t]; d-d != 0 {
				bad = &NonFiniteError{Step: t, Where: "gradient of the pre-activation of layer " + l.Name, Index: j, Value: d}
				break
			}
		}
	}
	if needGx {
		if l.WIn == nil {
			for j := range gx {
				gx[j] = b.D[j*b.T+t]
			}
		} else {
			gemvTransDelta(gx, l.WIn.Data, b.D, b.T, t)
		}
	}
	if t == 0 {
		return bad // y(-1) = 0: nothing flows back
	}
	s.coefs(post, b.dNext, b.cNext)
	w := &b.sweep
	w.hsrc, w.zeroPrev = nil, false
	switch prev, ok := s.saved[t-1]; {
	case t-1 <= 1:
		w.zeroPrev = true // H_1 = H_0 = 0
	case ok:
		w.hsrc = prev
	default:
		s.coefs(s.y(t-1), b.dInv, b.cPrev)
		for j, d := range b.dInv {
			b.dInv[j] = 1 / d
		}
	}
	w.x, w.pre = s.y(t-1), s.y(t-2)
	s.run.run(w, s.chunks, s.workers)
	for i := range b.gyRec {
		g := 0.0
		for c := 0; c < s.chunks; c++ {
			g += float64(b.parts[c*n+i])
		}
		b.gyRec[i] = g
	}
	b.hCur = b.R
	return bad
}

// gemvTransDelta sets gx = W^T δ(t), with δ(t) column t of D (N×T).
func gemvTransDelta(gx, W, D []float64, T, t int) {
	in := len(gx)
	clear(gx)
	for j := 0; j*in < len(W); j++ {
		d := D[j*T+t]
		if d == 0 {
			continue
		}
		row := W[j*in : j*in+in]
		for k, v := range row {
			gx[k] += v * d
		}
	}
}

// recBackwardSweep is one backward step's sweep over the rows.
type recBackwardSweep[F float] struct {
	b        *recBackward[F]
	hsrc     []F  // H_{t-1} as stored by the forward pass; nil: recover it
	zeroPrev bool // H_{t-1} = 0
	x, pre   []F  // y(t-1), y(t-2)
}

func (w *recBackwardSweep[F]) runChunk(c int) {
	b := w.b
	s, n := b.s, b.s.n
	lo, hi := chunkRows(n, s.chunks, c)
	r := &b.rows[c]
	r.x, r.pre, r.gx = w.x, w.pre, b.parts[c*n:(c+1)*n]
	clear(r.gx)
	for j := lo; j < hi; j++ {
		o := j * n
		r.h = s.zero
		if b.hCur != nil {
			r.h = b.hCur[o : o+n]
		}
		r.g, r.w, r.a, r.ga = b.G[o:o+n], s.w[o:o+n], s.a[o:o+n], b.ga[o:o+n]
		// H_{t-1} goes to R: recovered from H_t, or copied from where it
		// is known (c = 0, 1/d = 1).
		r.hdst, r.cPrev, r.dInv = b.R[o:o+n], 0, 1
		switch {
		case w.zeroPrev:
			r.src = s.zero
		case w.hsrc != nil:
			r.src = w.hsrc[o : o+n]
		default:
			r.src, r.cPrev, r.dInv = r.h, b.cPrev[j], b.dInv[j]
		}
		r.delta, r.cNext, r.dNext = b.deltaF[j], b.cNext[j], b.dNext[j]
		gh, gp := s.k.backward(r)
		b.sumGH[j], b.sumGP[j] = float64(gh), float64(gp)
	}
}

func (s *recState[F]) endBackward() {
	b := s.bwd
	s.run.run(&b.end, s.chunks, s.workers)
	if e := s.l.Eta; e != nil {
		if len(e.Grad) == 1 {
			g := 0.0
			for _, v := range b.gEta {
				g += v
			}
			e.Grad[0] += g
		} else {
			for j, v := range b.gEta {
				e.Grad[j] += v
			}
		}
	}
}

// recGradSweep forms, for the rows of a chunk, the gradients that are sums
// over the steps: w's (Σ_t δ(t) y(t-1)ᵀ), w_in's (Σ_t δ(t) x(t)ᵀ), and adds
// α's float32 accumulator into its tensor.
type recGradSweep[F float] struct {
	b *recBackward[F]
}

func (e *recGradSweep[F]) runChunk(c int) {
	b := e.b
	s, n, T := b.s, b.s.n, b.T
	l := s.l
	lo, hi := chunkRows(n, s.chunks, c)
	tmp := b.G[lo*n : lo*n+n] // G is free now: scratch for a row of float32 sums
	coef := b.coef[c*T : c*T+T]
	for j := lo; j < hi; j++ {
		o := j * n
		D := b.D[j*T : j*T+T]
		if T > 1 {
			if gw, ok := any(l.W.Grad[o : o+n]).([]F); ok {
				s.k.accumulate(gw, s.ys, n, any(D[1:]).([]F))
			} else {
				clear(tmp)
				convert(coef[:T-1], D[1:])
				s.k.accumulate(tmp, s.ys, n, coef[:T-1])
				for i, v := range tmp {
					l.W.Grad[o+i] += float64(v)
				}
			}
		}
		if l.WIn != nil {
			in := l.In
			kernels64.accumulate(l.WIn.Grad[j*in:j*in+in], s.xs, in, D)
		}
		if s.copies {
			for i, v := range b.ga[o : o+n] {
				l.Alpha.Grad[o+i] += float64(v)
			}
		}
	}
}
