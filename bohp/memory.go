package bohp

// NetworkBytes estimates the memory, in bytes, that a network built by
// NewNetwork(in, engine, specs...) holds once trained: each tensor with its
// gradient and two optimizer moments, each layer's state (stateBytes: the
// traces, and what BPTT keeps between episodes) and, with the forward or
// paper engine, its tangents. (What grows with an episode's steps, the
// bptt engine's record of it, is not counted.) It allocates nothing, so
// callers can check a memory budget first; it is -1 when a size is above
// MaxElements (which NewNetwork refuses) and 0 when one is not positive.
func NetworkBytes(in int, engine Engine, specs ...LayerSpec) int64 {
	if in <= 0 {
		return 0
	}
	if in > MaxElements {
		return -1
	}
	var bytes int64
	shapes := make([]*Layer, len(specs))
	prev := in
	for i, s := range specs {
		if s.Out <= 0 {
			return 0
		}
		if s.Out > MaxElements {
			return -1
		}
		for _, t := range layerTensors(s, prev) {
			bytes += 8 * 4 * int64(t.rows) * int64(t.cols)
		}
		bytes += stateBytes(s, prev)
		shapes[i] = &Layer{In: prev, Out: s.Out, Rule: s.Rule}
		prev = s.Out
	}
	if engine == EngineForward || engine == EnginePaper {
		bytes += 8 * int64(forwardSize(&Network{Layers: shapes}))
	}
	return bytes
}

// stateBytes estimates the memory a layer of spec with in inputs holds
// besides its tensors once it has run an episode with BPTT, less what
// grows with the episode's steps: what the layer kinds' bytes() count.
func stateBytes(s LayerSpec, in int) int64 {
	n, cols := int64(s.Out), int64(in)
	if s.Recurrent {
		cols = n
	}
	mr, mod := s.Rule.(ModRule)
	switch {
	case mod || s.Recurrent && s.Rule == nil:
		return 8 * modStateFloats(mr, mod, n, cols)
	case s.Recurrent:
		return recStateBytes(s.Precision, n)
	case s.Rule != nil:
		return 8 * n * cols // the traces
	}
	return 0
}

// modStateFloats is the float64s a neuromodulated layer (plastic: its
// rule is rule) or a recurrent layer without plasticity holds: per cell
// its rates and 9 vectors of BPTT, per chunk of rows its part of ∂L/∂x;
// the traces, their gradient and their values at a segment's steps, and
// the same for the eligibility traces.
func modStateFloats(rule ModRule, plastic bool, n, cols int64) int64 {
	f := 10*n + (2+int64(chunkCount(int(n))))*cols
	if plastic {
		f += (2 + checkpointEvery + 1) * n * cols
		if rule.Mode == ModRetro {
			f += (2 + checkpointEvery + 1) * n * cols
		}
	}
	return f
}

// recStateBytes is the memory of a recurrent layer of n cells with an
// elementwise rule, stored at precision p: the traces, BPTT's two N×N
// matrices, and with float32 the copies of W, Alpha and Alpha's gradient;
// per cell a few vectors.
func recStateBytes(p Precision, n int64) int64 {
	size, square := int64(8), int64(3)
	if p == Float32 {
		size, square = 4, 6
	}
	chunks := int64(chunkCount(int(n)))
	return size*(square*n*n+(10+chunks)*n) + 8*5*n
}
