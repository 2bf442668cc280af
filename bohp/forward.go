package bohp

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// forwardEngine computes the exact gradient by carrying the derivatives of
// the traces with respect to the parameters forward through the episode
// (real-time recurrent learning, specialised to plastic feed-forward stacks).
//
// For the L_t of one step and a parameter θ of layer k:
//
//	dL_t/dθ = δ_k · dz_k/dθ  +  Σ_{m>k plastic} <dL_t/dH_m, dH_m(t)/dθ>
//
// where δ_k = ∂L_t/∂z_k with all traces held fixed (ordinary backprop within
// the step), and dz_k/dθ is the total derivative of layer k's pre-activation,
// which for a plastic layer includes the path through its own traces (the
// paper's eq. 3-4). Because inputs to layer k do not depend on its own
// parameters, cell i's traces depend only on row i's parameters: the own
// tangents T are stored per row, Out×In×(2In+1). Parameters of an earlier
// layer k reach a later plastic layer m through activations; those tangents
// D_{m,k} are dense, (Out_m In_m)×P_k.
type forwardEngine struct {
	layers []*fwdLayer
	cross  []*fwdCross
	crossD [][]*fwdCross // crossD[m][k]: the cross tangent of plastic layer m by layer k's parameters
	// da[j][k]: d a_j / d θ_k, Out_j × P_k, for layers k with a later
	// plastic layer and k <= j <= the last such plastic layer.
	da    [][][]float64
	reach []int // reach[k]: index of the last plastic layer after k, or -1

	check bool            // check the gradients after each step (locating a non-finite value)
	paper bool            // EnginePaper: the 2016 code's two approximations (paper.go)
	bad   *NonFiniteError // the first non-finite gradient found when check is set
}

type fwdLayer struct {
	P     int       // parameters per row of a plastic layer: 2 In + 1
	T     []float64 // own tangents dH[i][l]/dθ_(i,p) = scale × T, Out×In×P
	scale float64   // Hebb: the decay g^t is kept in one factor, not applied to T every step
	fresh bool      // T is all zero (the episode's first step)
	dz    []float64 // total dz_i/dθ_(i,p) at this step, Out×P
	c     []float64 // scratch, In
	delta []float64 // ∂L_t/∂z with traces fixed, Out
	ga    []float64 // scratch: ∂L_t/∂a, Out
	gflat []float64 // gradient of this layer's flat parameters from the cross terms
	nflat int       // P_k: number of flat parameters (W, Alpha, B)
}

type fwdCross struct {
	m, k int
	D    []float64 // dH_m[i][l]/dθ_k[q], (Out_m In_m) × P_k
}

func flatSize(l *Layer) int {
	if l.Plastic() {
		return 2*l.Out*l.In + l.Out
	}
	return l.Out*l.In + l.Out
}

// forwardSize is the number of floats newForward allocates for tangents.
func forwardSize(n *Network) int {
	total := 0
	last := -1
	for j, l := range n.Layers {
		if l.Plastic() {
			last = j
			total += l.Out * l.In * (2*l.In + 1)
		}
	}
	for k, lk := range n.Layers {
		if k >= last {
			break
		}
		pk := flatSize(lk)
		for j := k; j <= last; j++ {
			total += n.Layers[j].Out * pk
			if l := n.Layers[j]; j > k && l.Plastic() {
				total += l.Out * l.In * pk
			}
		}
	}
	return total
}

func newForward(n *Network) *forwardEngine {
	e := &forwardEngine{}
	J := len(n.Layers)
	e.reach = make([]int, J)
	for k := range n.Layers {
		e.reach[k] = -1
		for m := k + 1; m < J; m++ {
			if n.Layers[m].Plastic() {
				e.reach[k] = m
			}
		}
	}
	e.da = make([][][]float64, J)
	e.crossD = make([][]*fwdCross, J)
	for j := range e.da {
		e.da[j] = make([][]float64, J)
		e.crossD[j] = make([]*fwdCross, J)
	}
	for k, l := range n.Layers {
		fl := &fwdLayer{delta: make([]float64, l.Out), ga: make([]float64, l.Out), nflat: flatSize(l)}
		if l.Plastic() {
			fl.P = 2*l.In + 1
			fl.T = make([]float64, l.Out*l.In*fl.P)
			fl.dz = make([]float64, l.Out*fl.P)
			fl.c = make([]float64, l.In)
		}
		if e.reach[k] >= 0 {
			fl.gflat = make([]float64, fl.nflat)
			for j := k; j <= e.reach[k]; j++ {
				e.da[j][k] = make([]float64, n.Layers[j].Out*fl.nflat)
			}
			for m := k + 1; m < J; m++ {
				if lm := n.Layers[m]; lm.Plastic() {
					c := &fwdCross{m: m, k: k, D: make([]float64, lm.Out*lm.In*fl.nflat)}
					e.cross = append(e.cross, c)
					e.crossD[m][k] = c
				}
			}
		}
		e.layers = append(e.layers, fl)
	}
	return e
}

// firstNonFinite checks the gradients accumulated so far (own terms and
// the cross terms still in flat form).
func (e *forwardEngine) firstNonFinite(n *Network) *NonFiniteError {
	if bad := firstNonFinite(n, n.step); bad != nil {
		return bad
	}
	for k, fl := range e.layers {
		if err := checkFinite(n.step, "gradient (through later traces) of layer ", n.Layers[k].Name, fl.gflat); err != nil {
			return err.(*NonFiniteError)
		}
	}
	return nil
}

func (e *forwardEngine) reset() {
	e.bad = nil
	for _, fl := range e.layers {
		clear(fl.T)
		fl.scale = 1
		fl.fresh = true
		clear(fl.gflat)
	}
	for _, c := range e.cross {
		clear(c.D)
	}
}

func (e *forwardEngine) step(n *Network, last bool) {
	// Total derivative of each plastic layer's pre-activation with respect
	// to its own row parameters, through the current traces.
	for j, l := range n.Layers {
		if l.Plastic() {
			e.ownDz(l, e.layers[j])
		}
	}
	if n.scored {
		e.backpropStep(n)
		e.accumulate(n)
		if e.check && e.bad == nil {
			e.bad = e.firstNonFinite(n)
		}
	}
	if !last { // the tangents of the step after the last are never used
		e.propagate(n)
	}
}

// ownDz: dz[i][p] = direct_p + Σ_l A[i][l] x_l T[i][l][p].
func (e *forwardEngine) ownDz(l *Layer, fl *fwdLayer) {
	in, P := l.In, fl.P
	x, a, h := l.x[:in], l.Alpha.Data, l.H
	for i := 0; i < l.Out; i++ {
		dz := fl.dz[i*P : i*P+P : i*P+P]
		row := i * in
		ar, hr := a[row:row+in:row+in], h[row:row+in:row+in]
		copy(dz[:in], x)
		for k, xk := range x {
			dz[in+k] = xk * hr[k]
		}
		dz[2*in] = 1
		// dz += c^T T_i with c = A_i ⊙ x (times the pending Hebb scale): the
		// engine's hottest kernel. gonum's Dgemv beats plain loops even at
		// the paper's 10 x 21 (BenchmarkKernels).
		if fl.fresh {
			continue // T = 0: only the direct terms
		}
		c := fl.c
		for k, xk := range x {
			c[k] = ar[k] * xk * fl.scale
		}
		if lo, hi := nonzeroRange(c); lo < hi { // inputs that are 0 (e.g. idle label cells) cost nothing
			blas64.Implementation().Dgemv(blas.Trans, hi-lo, P, 1, fl.T[(row+lo)*P:(row+hi)*P], P, c[lo:hi], 1, 1, dz, 1)
		}
		if e.paper {
			dz[2*in] = 1 // the bias: its leading term only
		}
	}
}

// nonzeroRange returns [lo, hi) such that v is zero outside it (lo == hi
// when v is all zero).
func nonzeroRange(v []float64) (lo, hi int) {
	hi = len(v)
	for lo < hi && v[lo] == 0 {
		lo++
	}
	for hi > lo && v[hi-1] == 0 {
		hi--
	}
	return lo, hi
}

// scaleAdd: y = b y + a x (len(x) >= len(y)), unrolled by four.
func scaleAdd(b float64, y []float64, a float64, x []float64) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] = b*ys[0] + a*xs[0]
		ys[1] = b*ys[1] + a*xs[1]
		ys[2] = b*ys[2] + a*xs[2]
		ys[3] = b*ys[3] + a*xs[3]
	}
	for ; i < len(y); i++ {
		y[i] = b*y[i] + a*x[i]
	}
}

// backpropStep computes δ_j = ∂L_t/∂z_j for every layer with traces fixed.
func (e *forwardEngine) backpropStep(n *Network) {
	J := len(n.Layers)
	copy(e.layers[J-1].delta, n.gz)
	for j := J - 1; j > 0; j-- {
		l, below := n.Layers[j], n.Layers[j-1]
		delta, ga := e.layers[j].delta, e.layers[j-1].ga
		clear(ga)
		in := l.In
		for i, d := range delta {
			if d == 0 {
				continue
			}
			row := i * in
			w := l.W.Data[row : row+in]
			if l.Plastic() {
				a, h := l.Alpha.Data[row:row+in], l.H[row:row+in]
				for k := range ga {
					ga[k] += (w[k] + a[k]*h[k]) * d
				}
			} else {
				for k := range ga {
					ga[k] += w[k] * d
				}
			}
		}
		below.Act.backward(below.y, ga, e.layers[j-1].delta)
	}
}

// accumulate adds the step's gradient: own-parameter terms through dz, and
// cross terms through later layers' trace tangents.
func (e *forwardEngine) accumulate(n *Network) {
	for j, l := range n.Layers {
		fl := e.layers[j]
		in := l.In
		if l.Plastic() {
			P := fl.P
			gw, ga, gb := l.W.Grad, l.Alpha.Grad, l.B.Grad
			for i, d := range fl.delta {
				dw := d // ∂L/∂z, the factor of the weights' and alphas' dz
				if e.paper {
					dw = e.paperDelta(n, j, i)
				}
				if d == 0 && dw == 0 {
					continue
				}
				dz := fl.dz[i*P : i*P+P]
				row := i * in
				for k := 0; k < in; k++ {
					gw[row+k] += dw * dz[k]
					ga[row+k] += dw * dz[in+k]
				}
				gb[i] += d * dz[2*in]
			}
		} else {
			x := l.x[:in]
			for i, d := range fl.delta {
				if d == 0 {
					continue
				}
				g := l.W.Grad[i*in : i*in+in]
				for k, xk := range x {
					g[k] += d * xk
				}
				l.B.Grad[i] += d
			}
		}
	}
	for _, c := range e.cross {
		lm, fk := n.Layers[c.m], e.layers[c.k]
		in, P := lm.In, fk.nflat
		delta := e.layers[c.m].delta
		for i, d := range delta {
			if d == 0 {
				continue
			}
			for l := 0; l < in; l++ {
				gh := d * lm.Alpha.Data[i*in+l] * lm.x[l]
				if gh == 0 {
					continue
				}
				row := c.D[(i*in+l)*P : (i*in+l)*P+P]
				for q, v := range row {
					fk.gflat[q] += gh * v
				}
			}
		}
	}
}

// propagate advances the tangents from step t to t+1 (before the traces
// themselves are updated).
func (e *forwardEngine) propagate(n *Network) {
	// Activation tangents for layers whose parameters reach a later plastic
	// layer; computed from the tangents at t, before any is updated.
	for k, lk := range n.Layers {
		m := e.reach[k]
		if m < 0 {
			continue
		}
		e.ownActTangent(lk, e.layers[k], e.da[k][k])
		for j := k + 1; j <= m; j++ {
			e.actTangent(n, j, k)
		}
	}
	for _, c := range e.cross {
		e.updateCross(n, c)
	}
	for j, l := range n.Layers {
		if l.Plastic() {
			e.updateOwn(l, e.layers[j])
		}
	}
}

// ownActTangent writes d a_k / d θ_k (Out × P_k, flat parameter order
// W, Alpha, B) into da.
func (e *forwardEngine) ownActTangent(l *Layer, fl *fwdLayer, da []float64) {
	clear(da)
	in, out, P := l.In, l.Out, fl.nflat
	for i := 0; i < out; i++ {
		s := l.Act.deriv(l.y[i])
		row := da[i*P : i*P+P]
		if l.Plastic() {
			dz := fl.dz[i*fl.P : i*fl.P+fl.P]
			sw := s
			if e.paper {
				sw = paperDeriv(l, l.y[i])
			}
			for k := 0; k < in; k++ {
				row[i*in+k] = sw * dz[k]
				row[out*in+i*in+k] = sw * dz[in+k]
			}
			row[2*out*in+i] = s * dz[2*in]
		} else {
			for k := 0; k < in; k++ {
				row[i*in+k] = s * l.x[k]
			}
			row[out*in+i] = s
		}
	}
}

// actTangent: da_j/dθ_k = act'_j ⊙ (Weff_j da_{j-1}/dθ_k + [A_j ⊙ dH_j/dθ_k] x_j).
func (e *forwardEngine) actTangent(n *Network, j, k int) {
	l := n.Layers[j]
	P := e.layers[k].nflat
	prev, da := e.da[j-1][k], e.da[j][k]
	clear(da)
	var D []float64
	if l.Plastic() {
		D = e.crossD[j][k].D
	}
	in := l.In
	for i := 0; i < l.Out; i++ {
		row := da[i*P : i*P+P]
		for m := 0; m < in; m++ {
			w := l.W.Data[i*in+m]
			if l.Plastic() {
				w += l.Alpha.Data[i*in+m] * l.H[i*in+m]
			}
			if w != 0 {
				src := prev[m*P : m*P+P]
				for q, v := range src {
					row[q] += w * v
				}
			}
			if D != nil {
				c := l.Alpha.Data[i*in+m] * l.x[m]
				if c != 0 {
					src := D[(i*in+m)*P : (i*in+m)*P+P]
					for q, v := range src {
						row[q] += c * v
					}
				}
			}
		}
		s := l.Act.deriv(l.y[i])
		for q := range row {
			row[q] *= s
		}
	}
}

// updateCross: D' = dh D + dx da_{m-1} ⊗ + dy da_m, per trace element.
func (e *forwardEngine) updateCross(n *Network, c *fwdCross) {
	l := n.Layers[c.m]
	P := e.layers[c.k].nflat
	in := l.In
	dIn, dOut := e.da[c.m-1][c.k], e.da[c.m][c.k]
	for i := 0; i < l.Out; i++ {
		yi := l.y[i]
		ai := dOut[i*P : i*P+P]
		for m := 0; m < in; m++ {
			_, dh, dx, dy := l.elem.Update(l.H[i*in+m], l.x[m], yi)
			d := c.D[(i*in+m)*P : (i*in+m)*P+P]
			xm := dIn[m*P : m*P+P]
			for q := range d {
				d[q] = dh*d[q] + dx*xm[q] + dy*ai[q]
			}
		}
	}
}

// updateOwn: T'[i][l][p] = dh T + dy act'_i dz[i][p] (the input does not
// depend on the layer's own parameters). For Hebb, dh = g for every element:
// the decay goes into fl.scale, so only elements with a nonzero input are
// touched; T is renormalised before the scale underflows.
func (e *forwardEngine) updateOwn(l *Layer, fl *fwdLayer) {
	in, P := l.In, fl.P
	fl.fresh = false
	hb, isHebb := l.Rule.(Hebb)
	if isHebb && hb.Retention >= 1e-3 {
		fl.scale *= hb.Retention
		if fl.scale < 1e-100 {
			for p := range fl.T {
				fl.T[p] *= fl.scale
			}
			fl.scale = 1
		}
		c0 := (1 - hb.Retention) / fl.scale
		for i := 0; i < l.Out; i++ {
			s := l.Act.deriv(l.y[i])
			if e.paper {
				s = paperDeriv(l, l.y[i])
			}
			s *= c0
			dz := fl.dz[i*P : i*P+P : i*P+P]
			// T_i += s x ⊗ dz_i (gonum's Dger, see ownDz).
			if lo, hi := nonzeroRange(l.x[:in]); lo < hi && s != 0 {
				blas64.Implementation().Dger(hi-lo, P, s, l.x[lo:hi], 1, dz, 1, fl.T[(i*in+lo)*P:(i*in+hi)*P], P)
			}
		}
		return
	}
	// General rule: apply the pending scale first, then the exact update.
	if fl.scale != 1 {
		for p := range fl.T {
			fl.T[p] *= fl.scale
		}
		fl.scale = 1
	}
	for i := 0; i < l.Out; i++ {
		yi := l.y[i]
		s := l.Act.deriv(yi)
		if e.paper {
			s = paperDeriv(l, yi)
		}
		dz := fl.dz[i*P : i*P+P]
		for k := 0; k < in; k++ {
			_, dh, _, dy := l.elem.Update(l.H[i*in+k], l.x[k], yi)
			scaleAdd(dh, fl.T[(i*in+k)*P:(i*in+k)*P+P], dy*s, dz)
		}
	}
}

// end adds the cross terms, accumulated in flat order, to the tensors.
func (e *forwardEngine) end(n *Network) {
	for k, l := range n.Layers {
		g := e.layers[k].gflat
		if g == nil {
			continue
		}
		off := 0
		for _, p := range l.Params() {
			for i := range p.Grad {
				p.Grad[i] += g[off+i]
			}
			off += len(p.Grad)
		}
	}
}
