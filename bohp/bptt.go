package bohp

// bpttEngine records each step (the input and every layer's output and the
// loss gradient at the output) and at the end of the episode runs reverse
// mode through time. The traces, the largest part of the state, are stored
// only every checkpointEvery steps; the backward pass recomputes those of a
// segment from its checkpoint with the same arithmetic as the forward pass
// (so bit for bit), which bounds the trace memory by (T/K + K) copies
// instead of T. The tape grows to the longest episode seen and is then
// reused without allocation.
type bpttEngine struct {
	steps   int
	strideA int // input + all layer outputs
	strideH int // all plastic layers' traces
	strideG int // output size
	offA    []int
	offH    []int
	tapeA   []float64
	tapeH   []float64 // trace checkpoints: the traces used at steps 0, K, 2K, ...
	segH    []float64 // the traces of one segment, recomputed: K × strideH
	tapeG   []float64
	scored  []bool

	ga    [][]float64 // ∂L/∂a_j (index j = layer+1; 0 is the input)
	delta [][]float64 // ∂L/∂z_j per layer
	gH    [][]float64 // adjoint of the traces of the next step, per layer

	check bool            // check the gradients after each step (locating a non-finite value)
	bad   *NonFiniteError // the first non-finite gradient found when check is set
}

// checkpointEvery is the segment length K of BPTT's trace checkpoints.
const checkpointEvery = 16

func newBPTT(n *Network) *bpttEngine {
	e := &bpttEngine{strideG: n.Out()}
	e.offA = append(e.offA, 0)
	e.strideA = n.In
	e.ga = append(e.ga, make([]float64, n.In))
	for _, l := range n.Layers {
		e.offA = append(e.offA, e.strideA)
		e.strideA += l.Out
		e.offH = append(e.offH, e.strideH)
		if l.elem != nil {
			e.strideH += l.Out * l.In
			e.gH = append(e.gH, make([]float64, l.Out*l.In))
		} else {
			e.gH = append(e.gH, nil)
		}
		e.ga = append(e.ga, make([]float64, l.Out))
		e.delta = append(e.delta, make([]float64, l.Out))
	}
	return e
}

func (e *bpttEngine) reset() {
	e.bad = nil
	e.steps = 0
	e.tapeA = e.tapeA[:0]
	e.tapeH = e.tapeH[:0]
	e.tapeG = e.tapeG[:0]
	e.scored = e.scored[:0]
}

func (e *bpttEngine) step(n *Network, _ bool) {
	e.tapeA = append(e.tapeA, n.input...)
	for _, l := range n.Layers {
		e.tapeA = append(e.tapeA, l.y...)
	}
	if e.steps%checkpointEvery == 0 {
		for _, l := range n.Layers {
			if l.elem != nil {
				e.tapeH = append(e.tapeH, l.H...)
			}
		}
	}
	e.tapeG = append(e.tapeG, n.gz...)
	e.scored = append(e.scored, n.scored)
	e.steps++
}

func (e *bpttEngine) end(n *Network) {
	J := len(n.Layers)
	for _, g := range e.gH {
		clear(g)
	}
	for _, l := range n.Layers {
		if l.kind != nil {
			l.kind.beginBackward()
		}
	}
	for t := e.steps - 1; t >= 0; t-- {
		if t == e.steps-1 || t%checkpointEvery == checkpointEvery-1 {
			e.recomputeSegment(n, t/checkpointEvery)
		}
		A := e.tapeA[t*e.strideA : (t+1)*e.strideA]
		slot := t % checkpointEvery
		Hs := e.segH[slot*e.strideH : (slot+1)*e.strideH]
		clear(e.ga[J])
		for j := J - 1; j >= 0; j-- {
			l := n.Layers[j]
			in := l.In
			x := A[e.offA[j] : e.offA[j]+in]
			y := A[e.offA[j+1] : e.offA[j+1]+l.Out]
			ga, delta := e.ga[j+1], e.delta[j]
			if l.kind != nil { // recurrent_bptt.go, modulated_bptt.go
				var gz []float64
				if j == J-1 && e.scored[t] {
					gz = e.tapeG[t*e.strideG : (t+1)*e.strideG]
				}
				if bad := l.kind.backwardStep(t, y, ga, gz, e.ga[j], j > 0, e.check); bad != nil && e.bad == nil {
					e.bad = bad
				}
				continue
			}
			var H, gH []float64
			if l.Plastic() {
				H = Hs[e.offH[j] : e.offH[j]+l.Out*in]
				gH = e.gH[j]
				// The step's output feeds the next traces.
				hb, isHebb := l.Rule.(Hebb)
				for i := range ga {
					s := 0.0
					row := i * in
					ghr, hr := gH[row:row+in], H[row:row+in]
					if isHebb {
						for k, xk := range x {
							s += ghr[k] * xk
						}
						s *= 1 - hb.Retention
					} else {
						for k, xk := range x {
							_, _, _, dy := l.elem.Update(hr[k], xk, y[i])
							s += ghr[k] * dy
						}
					}
					ga[i] += s
				}
			}
			for i, yi := range y {
				delta[i] = ga[i] * l.Act.deriv(yi)
			}
			if j == J-1 {
				if l.Act == Softmax {
					// ga is zero here: a softmax layer is never plastic.
					copy(delta, e.tapeG[t*e.strideG:(t+1)*e.strideG])
				} else if e.scored[t] {
					for i, g := range e.tapeG[t*e.strideG : (t+1)*e.strideG] {
						delta[i] += g
					}
				}
			}
			e.layerBackward(l, x, y, H, gH, delta, e.ga[j], j > 0)
		}
		if e.check && e.bad == nil {
			e.bad = firstNonFinite(n, t)
		}
	}
	for _, l := range n.Layers {
		if l.kind != nil {
			l.kind.endBackward()
		}
	}
}

// firstNonFinite reports the first tensor whose gradient is not finite,
// blaming step t, or nil.
func firstNonFinite(n *Network, t int) *NonFiniteError {
	for _, p := range n.params {
		if err := checkFinite(t, "gradient of ", p.Name, p.Grad); err != nil {
			return err.(*NonFiniteError)
		}
	}
	return nil
}

// recomputeSegment fills segH with the traces used at each step of segment
// s, starting from its checkpoint and replaying the rule on the recorded
// inputs and outputs.
func (e *bpttEngine) recomputeSegment(n *Network, s int) {
	if need := checkpointEvery * e.strideH; cap(e.segH) < need {
		e.segH = make([]float64, need)
	}
	e.segH = e.segH[:checkpointEvery*e.strideH]
	first := s * checkpointEvery
	last := min(first+checkpointEvery, e.steps) - 1
	copy(e.segH[:e.strideH], e.tapeH[s*e.strideH:(s+1)*e.strideH])
	for t := first; t < last; t++ {
		slot := t - first
		cur := e.segH[slot*e.strideH : (slot+1)*e.strideH]
		next := e.segH[(slot+1)*e.strideH : (slot+2)*e.strideH]
		copy(next, cur)
		A := e.tapeA[t*e.strideA : (t+1)*e.strideA]
		for j, l := range n.Layers {
			if l.elem == nil {
				continue
			}
			x := A[e.offA[j] : e.offA[j]+l.In]
			y := A[e.offA[j+1] : e.offA[j+1]+l.Out]
			applyRule(l.elem, next[e.offH[j]:e.offH[j]+l.Out*l.In], x, y, l.In)
		}
	}
}

// layerBackward accumulates one layer's parameter gradients at one step,
// writes ∂L/∂x into gx (when needed), and moves the trace adjoint one step
// back: gH(t) = dh ⊙ gH(t+1) + Alpha ⊙ δ x^T.
func (e *bpttEngine) layerBackward(l *Layer, x, y, H, gH, delta, gx []float64, needGx bool) {
	in := l.In
	if needGx {
		clear(gx)
	}
	w := l.W.Data
	for i, d := range delta {
		row := i * in
		gw := l.W.Grad[row : row+in]
		l.B.Grad[i] += d
		if H == nil {
			for k, xk := range x {
				gw[k] += d * xk
			}
			if needGx && d != 0 {
				for k := range gx {
					gx[k] += w[row+k] * d
				}
			}
			continue
		}
		a := l.Alpha.Data[row : row+in]
		gaR := l.Alpha.Grad[row : row+in]
		hr, ghr := H[row:row+in], gH[row:row+in]
		wr := w[row : row+in]
		if hb, ok := l.Rule.(Hebb); ok {
			g, cy := hb.Retention, (1-hb.Retention)*y[i]
			if needGx {
				gx = gx[:in]
				for k, xk := range x {
					dx := d * xk
					gw[k] += dx
					gaR[k] += dx * hr[k]
					gx[k] += (wr[k]+a[k]*hr[k])*d + ghr[k]*cy
					ghr[k] = g*ghr[k] + a[k]*dx
				}
			} else {
				for k, xk := range x {
					dx := d * xk
					gw[k] += dx
					gaR[k] += dx * hr[k]
					ghr[k] = g*ghr[k] + a[k]*dx
				}
			}
			continue
		}
		for k, xk := range x {
			dx := d * xk
			gw[k] += dx
			gaR[k] += dx * hr[k]
			_, dh, dxr, _ := l.elem.Update(hr[k], xk, y[i])
			if needGx {
				gx[k] += (w[row+k]+a[k]*hr[k])*d + ghr[k]*dxr
			}
			ghr[k] = dh*ghr[k] + a[k]*dx
		}
	}
}
