package sampler

// RecomputeGreedy is the tests' oracle for cached decoding: each of n tokens is the argmax of a
// fresh forward pass over the whole sequence (batch 1, no padding, no cache carried over).
func RecomputeGreedy(m *Model, prompt []int, n int) ([]int, error) {
	r, err := newRunner(m)
	if err != nil {
		return nil, err
	}
	defer r.close()
	seq := append([]int(nil), prompt...)
	var out []int
	for len(out) < n {
		_, last, err := r.prefill(seq, len(seq))
		if err != nil {
			return nil, err
		}
		tok, _, err := Choice{}.choose(last, 0, &choiceScratch{})
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
		seq = append(seq, tok)
	}
	return out, nil
}

// SetReserveLimit sets the bytes of KV cache Generate reserves up front until restore is called.
func SetReserveLimit(n int64) (restore func()) {
	old := reserveLimit
	reserveLimit = n
	return func() { reserveLimit = old }
}
