package bohp

// The neuromodulated layer's hot loops (modulated.go, modulated_bptt.go),
// one row (one postsynaptic cell) at a time. The portable versions below
// are the reference; on amd64 with AVX2 and FMA, assembly versions replace
// them (modkernel_amd64.go). With the hard bound, the trace updates round
// every product as the portable code does (no fused multiply-add), so the
// forward pass, BPTT's replay and the backward sweep's clip gates agree
// bit for bit with each other and with the portable kernels; the sums and
// gradients are deterministic but may round differently. With the soft
// bound, the assembly rounds every operation as the portable code does and
// adds each sum in the order of its elements: the results are
// bit-identical.

// modKernels is a set of the neuromodulated layer's row kernels.
type modKernels struct {
	// update writes p = clip(ps + float64(m x), lo, hi) (clipped_hebb,
	// modulated: m = M_i y_i); p may be ps.
	update func(p, ps, x []float64, m, lo, hi float64)
	// retroUpdate writes p = clip(ps + float64(m es), lo, hi) and
	// e = keep es + float64(ey x) (retroactive: m = M_i, keep = 1-η_E,
	// ey = η_E y_i); p may be ps and e es.
	retroUpdate func(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64)
	// dot returns Σ_k (w_k + a_k p_k) x_k, a cell's plastic input.
	dot func(w, a, p, x []float64) float64
	// hebbBackward and retroBackward are one row of a backward sweep; see
	// modHebbBackwardGo and modRetroBackwardGo.
	hebbBackward  func(r *modRow) float64
	retroBackward func(r *modRow) (se, sgx, sge float64)
	// softUpdate, softRetroUpdate, softHebbBackward and softRetroBackward
	// are the same with the soft bound (c = hi = -lo); see modSoftUpdateGo.
	softUpdate        func(p, ps, x []float64, m, lo, hi float64)
	softRetroUpdate   func(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64)
	softHebbBackward  func(r *modRow) float64
	softRetroBackward func(r *modRow) (se, sgx, sge float64)
}

// modRow holds the operands of one row i of backward step t with the hard
// bound [lo, hi]: the rows of P_t, Ĝ_{t+1} (G_{t+1} already gated by the
// clip of step t's update: the sweep of step t+1 gated it), Γ_{t+1}, W, α
// and α's gradient; r accumulates ∂L/∂x(t), or is nil when the layer's
// input needs no gradient (the kernels then skip it); x = x(t); e = E_t
// (the soft bound's retroactive rule only); pp, ep, xp are P_{t-1},
// E_{t-1} and x(t-1). m and mp are the raw increments' row factors of the
// updates of steps t and t-1 (M_i y_i, or M_i for retroactive).
type modRow struct {
	p, g, gam, w, a, ga, r, x, e, pp, ep, xp []float64

	delta, m, mp, keep, ey, lo, hi float64 // keep = 1-η_E, ey = η_E y_i(t): retroactive only
}

// tail returns the row from element k on (a value: a pointer would make
// it escape).
func (r *modRow) tail(k int) modRow {
	t := *r
	t.p, t.g, t.gam, t.w, t.a = rowFrom(r.p, k), rowFrom(r.g, k), rowFrom(r.gam, k), rowFrom(r.w, k), rowFrom(r.a, k)
	t.ga, t.r, t.x, t.e = rowFrom(r.ga, k), rowFrom(r.r, k), rowFrom(r.x, k), rowFrom(r.e, k)
	t.pp, t.ep, t.xp = rowFrom(r.pp, k), rowFrom(r.ep, k), rowFrom(r.xp, k)
	return t
}

// rowFrom returns s from element k on, nil for nil.
func rowFrom(s []float64, k int) []float64 {
	if s == nil {
		return nil
	}
	return s[k:]
}

// clipTo returns v bounded to [lo, hi] (v itself when NaN, as the vector
// minimum and maximum do).
func clipTo(v, lo, hi float64) float64 {
	if v > hi {
		return hi
	}
	if v < lo {
		return lo
	}
	return v
}

// gate returns g where v lies in [lo, hi] (the clip's derivative is 1), 0
// elsewhere.
func gate(g, v, lo, hi float64) float64 {
	if v <= hi && v >= lo {
		return g
	}
	return 0
}

func modUpdateGo(p, ps, x []float64, m, lo, hi float64) {
	ps, x = ps[:len(p)], x[:len(p)]
	for k, xk := range x {
		p[k] = clipTo(ps[k]+float64(m*xk), lo, hi)
	}
}

func modRetroUpdateGo(p, e, ps, es, x []float64, m, keep, ey, lo, hi float64) {
	e, ps, es, x = e[:len(p)], ps[:len(p)], es[:len(p)], x[:len(p)]
	for k, xk := range x {
		ek := es[k]
		p[k] = clipTo(ps[k]+float64(m*ek), lo, hi)
		e[k] = float64(keep*ek) + float64(ey*xk)
	}
}

func modDotGo(w, a, p, x []float64) float64 {
	a, p, x = a[:len(w)], p[:len(w)], x[:len(w)]
	s := 0.0
	for k, wk := range w {
		s += (wk + a[k]*p[k]) * x[k]
	}
	return s
}

// modHebbBackwardGo is row i of backward step t of clipped_hebb and
// modulated (Δ = m x with m = M_i y_i). With ĝ = Ĝ_{t+1} in g, it
//
//	adds (w + a p) δ + ĝ m to r          (∂L/∂x(t))
//	adds δ x p to ga                     (∂L/∂α)
//	writes Ĝ_t into g: G_t = ĝ + a δ x gated by the clip of step t-1's update
//
// and returns Σ_k Ĝ_t x(t-1).
func modHebbBackwardGo(r *modRow) float64 {
	n := len(r.p)
	p, g, w, a, ga, rr, x, pp, xp := r.p, r.g[:n], r.w[:n], r.a[:n], r.ga[:n], r.r, r.x[:n], r.pp[:n], r.xp[:n]
	d, m, mp, lo, hi := r.delta, r.m, r.mp, r.lo, r.hi
	sum := 0.0
	for k, pk := range p {
		gd := g[k]
		dx := d * x[k]
		ga[k] += dx * pk
		if rr != nil {
			rr[k] += (w[k]+a[k]*pk)*d + gd*m
		}
		xpk := xp[k]
		gn := gate(gd+a[k]*dx, pp[k]+float64(mp*xpk), lo, hi)
		g[k] = gn
		sum += gn * xpk
	}
	return sum
}

// modRetroBackwardGo is row i of backward step t of retroactive (Δ = m E
// with m = M_i). With ĝ = Ĝ_{t+1} in g and γ = Γ_{t+1}, it
//
//	adds (w + a p) δ + γ ey to r         (∂L/∂x(t))
//	adds δ x p to ga                     (∂L/∂α)
//	writes Ĝ_t into g (G_t = ĝ + a δ x gated by the clip of step t-1's
//	update) and Γ_t = keep γ + m ĝ into gam
//
// and returns Σ_k of Ĝ_t E_{t-1}, of Γ_t x(t-1) and of Γ_t E_{t-1}.
func modRetroBackwardGo(r *modRow) (se, sgx, sge float64) {
	n := len(r.p)
	p, g, gam, w, a, ga, rr := r.p, r.g[:n], r.gam[:n], r.w[:n], r.a[:n], r.ga[:n], r.r
	x, pp, ep, xp := r.x[:n], r.pp[:n], r.ep[:n], r.xp[:n]
	d, m, mp, keep, ey, lo, hi := r.delta, r.m, r.mp, r.keep, r.ey, r.lo, r.hi
	for k, pk := range p {
		gd := g[k]
		dx := d * x[k]
		ga[k] += dx * pk
		gm := gam[k]
		if rr != nil {
			rr[k] += (w[k]+a[k]*pk)*d + gm*ey
		}
		gmn := keep*gm + m*gd
		gam[k] = gmn
		epk := ep[k]
		gn := gate(gd+a[k]*dx, pp[k]+float64(mp*epk), lo, hi)
		g[k] = gn
		se += gn * epk
		sgx += gmn * xp[k]
		sge += gmn * epk
	}
	return se, sgx, sge
}

// softStep is the soft bound's move of p by d before the clip.
func softStep(p, d, c float64) float64 {
	switch {
	case d > 0:
		return p + float64(d*float64(1-p/c))
	case d < 0:
		return p + float64(d*float64(1+p/c))
	}
	return p
}

// softGate returns ∂P_{t+1}/∂d · g and ∂P_{t+1}/∂p · g for the soft
// bound c's update of p by the raw increment d (0 where the clip binds).
func softGate(p, d, g, c float64) (gd, gp float64) {
	if v := softStep(p, d, c); v > c || v < -c {
		return 0, 0
	}
	switch {
	case d > 0:
		return g * (1 - p/c), g * (1 - d/c)
	case d < 0:
		return g * (1 + p/c), g * (1 + d/c)
	}
	return g, g
}

// modSoftUpdateGo writes p = clip(softStep(ps, float64(m x), c), -c, c)
// (c = hi); p may be ps.
func modSoftUpdateGo(p, ps, x []float64, m, _, c float64) {
	ps, x = ps[:len(p)], x[:len(p)]
	for k, xk := range x {
		p[k] = clipTo(softStep(ps[k], float64(m*xk), c), -c, c)
	}
}

// modSoftRetroUpdateGo writes p = clip(softStep(ps, float64(m es), c),
// -c, c) (c = hi) and e = keep es + float64(ey x); p may be ps and e es.
func modSoftRetroUpdateGo(p, e, ps, es, x []float64, m, keep, ey, _, c float64) {
	e, ps, es, x = e[:len(p)], ps[:len(p)], es[:len(p)], x[:len(p)]
	for k, xk := range x {
		ek := es[k]
		p[k] = clipTo(softStep(ps[k], float64(m*ek), c), -c, c)
		e[k] = float64(keep*ek) + float64(ey*xk)
	}
}

// modSoftHebbBackwardGo is modHebbBackwardGo with the soft bound c = hi:
// ĝ = G_{t+1} ungated, G_t = ∂P_{t+1}/∂P_t ĝ + a δ x, and the sum is of
// G_t gated by step t-1's update.
func modSoftHebbBackwardGo(r *modRow) float64 { return softHebbFrom(r, 0) }

// softHebbFrom is modSoftHebbBackwardGo adding to sum, element after
// element (the assembly's tail continues its sum).
func softHebbFrom(r *modRow, sum float64) float64 {
	n := len(r.p)
	p, g, w, a, ga, rr, x, pp, xp := r.p, r.g[:n], r.w[:n], r.a[:n], r.ga[:n], r.r, r.x[:n], r.pp[:n], r.xp[:n]
	d, m, mp, c := r.delta, r.m, r.mp, r.hi
	for k, xk := range x {
		pk := p[k]
		gd, gp := softGate(pk, float64(m*xk), g[k], c)
		dx := d * xk
		ga[k] += dx * pk
		if rr != nil {
			rr[k] += (w[k]+a[k]*pk)*d + gd*m
		}
		gn := gp + a[k]*dx
		g[k] = gn
		xpk := xp[k]
		gn, _ = softGate(pp[k], float64(mp*xpk), gn, c)
		sum += gn * xpk
	}
	return sum
}

// modSoftRetroBackwardGo is modRetroBackwardGo with the soft bound c = hi
// (ĝ = G_{t+1} ungated, as in modSoftHebbBackwardGo).
func modSoftRetroBackwardGo(r *modRow) (se, sgx, sge float64) { return softRetroFrom(r, 0, 0, 0) }

// softRetroFrom is modSoftRetroBackwardGo adding to the sums, element
// after element.
func softRetroFrom(r *modRow, se, sgx, sge float64) (float64, float64, float64) {
	n := len(r.p)
	p, g, gam, w, a, ga, rr := r.p, r.g[:n], r.gam[:n], r.w[:n], r.a[:n], r.ga[:n], r.r
	x, e, pp, ep, xp := r.x[:n], r.e[:n], r.pp[:n], r.ep[:n], r.xp[:n]
	d, m, mp, keep, ey, c := r.delta, r.m, r.mp, r.keep, r.ey, r.hi
	for k, xk := range x {
		pk, gm := p[k], gam[k]
		gd, gp := softGate(pk, float64(m*e[k]), g[k], c)
		dx := d * xk
		ga[k] += dx * pk
		if rr != nil {
			rr[k] += (w[k]+a[k]*pk)*d + gm*ey
		}
		gn := gp + a[k]*dx
		g[k] = gn
		gmn := keep*gm + m*gd
		gam[k] = gmn
		epk := ep[k]
		gdp, _ := softGate(pp[k], float64(mp*epk), gn, c)
		se += gdp * epk
		sgx += gmn * xp[k]
		sge += gmn * epk
	}
	return se, sgx, sge
}

// The portable kernels; modkernel_amd64.go replaces them when the CPU allows.
var (
	goModKernels = modKernels{modUpdateGo, modRetroUpdateGo, modDotGo, modHebbBackwardGo, modRetroBackwardGo,
		modSoftUpdateGo, modSoftRetroUpdateGo, modSoftHebbBackwardGo, modSoftRetroBackwardGo}
	modK = goModKernels
)
