package bohp

import "unsafe"

// The recurrent layer's hot loops, one row (one postsynaptic cell j) of its
// N×N matrices at a time. They fuse everything an episode step does with
// the recurrent matrices into a single sweep over them, because at the
// sizes where they matter (N ≈ 1000) a step is bound by memory traffic, not
// arithmetic. The portable versions below are the reference; on amd64 with
// AVX2 and FMA, assembly versions replace them (reckernel_amd64.go), chosen
// once at start-up. Both are deterministic: every reduction runs in a fixed
// order that depends only on the row length.
//
// A trace update of the affine rules (Hebb, Oja) is, for row j,
//
//	H'[i] = d H[i] + c pre[i]
//
// with row scalars d and c (Hebb: d = 1-η, c = η post_j; Oja: d = 1-η post_j²,
// c = η post_j).

// float is the storage type of the recurrent layer's matrices.
type float interface{ ~float32 | ~float64 }

// sizeOf is the size of an F in bytes.
func sizeOf[F float]() int {
	var z F
	return int(unsafe.Sizeof(z))
}

// recKernels is one precision's set of row kernels.
type recKernels[F float] struct {
	// forward applies the pending trace update of the row, h = d h + c pre,
	// and returns Σ_i (w[i] + a[i] h[i]) x[i], the recurrent input of cell j.
	forward func(h, w, a, pre, x []F, d, c F) F
	// backward is one row of a backward step; see recBackwardGo.
	backward func(r *recRow[F]) (sumGH, sumGP F)
	// accumulate adds Σ_t coef[t] X[t*stride : t*stride+len(dst)] to dst.
	accumulate func(dst, X []F, stride int, coef []F)
}

// recRow holds the operands of one row of a backward step t (see
// recBackwardGo). The slices have the row's length; gx, x and pre are
// indexed by the presynaptic cell.
type recRow[F float] struct {
	h, g, w, a, ga []F // the row of H_t, G_{t+1}, w, α and of α's gradient
	src, hdst      []F // H_{t-1} = (src - cPrev pre) dInv is written to hdst
	x, pre         []F // y(t-1) (the step's input) and y(t-2) (the previous update's pre)
	gx             []F // accumulates ∂L/∂y(t-1)

	delta F // ∂L/∂z_j(t)
	cNext F // c of the update H_t -> H_{t+1}
	dNext F // d of the update H_t -> H_{t+1}
	cPrev F // c of the update H_{t-1} -> H_t, or 0 when src is H_{t-1}
	dInv  F // 1/d of the update H_{t-1} -> H_t, or 1 when src is H_{t-1}
}

// recBackwardGo is one row j of backward step t. With G_{t+1} = ∂L/∂H_{t+1}
// in g and H_t in h, it
//
//	adds (w + a h) δ + cNext g to gx            (∂L/∂y(t-1) through z(t) and H_{t+1})
//	adds δ x h to ga                            (∂L/∂α)
//	writes G_t = dNext g + a δ x into g
//	writes H_{t-1} = (src - cPrev pre) dInv into hdst
//
// (src is h when the update is run backwards, a stored H_{t-1} otherwise;
// hdst may be h) and returns Σ G_t H_{t-1} and Σ G_t pre, from which the
// caller forms the gradients of y_j(t-1) and of the rate through the update
// H_{t-1} -> H_t.
func recBackwardGo[F float](r *recRow[F]) (sumGH, sumGP F) {
	n := len(r.h)
	h, g, w, a, ga := r.h[:n], r.g[:n], r.w[:n], r.a[:n], r.ga[:n]
	src, hdst, x, pre, gx := r.src[:n], r.hdst[:n], r.x[:n], r.pre[:n], r.gx[:n]
	delta, cNext, dNext, cPrev, dInv := r.delta, r.cNext, r.dNext, r.cPrev, r.dInv
	for i := range h {
		hv, gv, av := h[i], g[i], a[i]
		gx[i] += (w[i]+av*hv)*delta + gv*cNext
		dx := delta * x[i]
		ga[i] += dx * hv
		gn := dNext*gv + av*dx
		g[i] = gn
		hp := (src[i] - cPrev*pre[i]) * dInv
		hdst[i] = hp
		sumGH += gn * hp
		sumGP += gn * pre[i]
	}
	return sumGH, sumGP
}

// tail returns the row from element k on.
func (r *recRow[F]) tail(k int) *recRow[F] {
	t := *r
	t.h, t.g, t.w, t.a, t.ga = r.h[k:], r.g[k:], r.w[k:], r.a[k:], r.ga[k:]
	t.src, t.hdst, t.x, t.pre, t.gx = r.src[k:], r.hdst[k:], r.x[k:], r.pre[k:], r.gx[k:]
	return &t
}

func recForwardGo[F float](h, w, a, pre, x []F, d, c F) F {
	n := len(h)
	w, a, pre, x = w[:n], a[:n], pre[:n], x[:n]
	var s F
	for i := range h {
		hv := d*h[i] + c*pre[i]
		h[i] = hv
		s += (w[i] + a[i]*hv) * x[i]
	}
	return s
}

func recAccumulateGo[F float](dst, X []F, stride int, coef []F) {
	n := len(dst)
	for t, c := range coef {
		if c == 0 {
			continue
		}
		row := X[t*stride : t*stride+n]
		for i := range dst {
			dst[i] += c * row[i]
		}
	}
}

// The portable kernels; reckernel_amd64.go replaces them when the CPU allows.
var (
	goKernels32 = recKernels[float32]{recForwardGo[float32], recBackwardGo[float32], recAccumulateGo[float32]}
	goKernels64 = recKernels[float64]{recForwardGo[float64], recBackwardGo[float64], recAccumulateGo[float64]}

	kernels32 = goKernels32
	kernels64 = goKernels64
	// simdKernels names the kernels in use, for benchmarks and reports.
	simdKernels = "go"
)
