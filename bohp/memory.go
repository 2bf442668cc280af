package bohp

// NetworkBytes estimates the memory, in bytes, that a network built by
// NewNetwork(in, engine, specs...) holds once trained: each tensor with its
// gradient and two optimizer moments, the plastic layers' traces and, with
// the forward engine, its tangents. (The bptt engine's record of an
// episode grows with the episode's steps and is not counted.) It allocates
// nothing, so callers can check a memory budget first; it is -1 when a size
// is above MaxElements (which NewNetwork refuses) and 0 when one is not
// positive.
func NetworkBytes(in int, engine Engine, specs ...LayerSpec) int64 {
	if in <= 0 {
		return 0
	}
	if in > MaxElements {
		return -1
	}
	var floats int64
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
			floats += 4 * int64(t.rows) * int64(t.cols)
		}
		if s.Rule != nil {
			cols := prev
			if s.Recurrent {
				cols = s.Out
			}
			floats += int64(s.Out) * int64(cols) // the traces
		}
		shapes[i] = &Layer{In: prev, Out: s.Out, Rule: s.Rule}
		prev = s.Out
	}
	if engine == EngineForward {
		floats += int64(forwardSize(&Network{Layers: shapes}))
	}
	return 8 * floats
}
