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
		tok, _, _, err := Choice{}.choose(last, 0, &choiceScratch{})
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

// StepWork is the host-side work of a decode step after ONNX Runtime's run, as engine.step does
// it for each row of float32 logits, but on one goroutine: for BenchmarkSamplerStepWork.
type StepWork struct {
	e    *engine
	sc   choiceScratch
	rows []*row
}

// NewStepWork prepares rows rows drawing with opts (its Choice, TokenLogprobs, NewStream,
// StopStrings and MaxNewTokens).
func NewStepWork(opts GenerateOptions, rows int) *StepWork {
	w := &StepWork{e: &engine{o: opts, stop: map[int]bool{}}, rows: make([]*row, rows)}
	for b := range w.rows {
		w.rows[b] = w.newRow()
	}
	return w
}

func (w *StepWork) newRow() *row {
	r := &row{maxNew: w.e.o.MaxNewTokens}
	if w.e.o.NewStream != nil {
		r.stream = w.e.o.NewStream()
	}
	return r
}

// Choose draws a token from each row of logits with uniform number u, as step's workers do,
// and returns the tokens' policy log-probs summed.
func (w *StepWork) Choose(logits [][]float32, u float64) (float64, error) {
	var sum float64
	for _, row := range logits {
		_, _, policyLP, err := w.e.o.choose(row, u, &w.sc)
		if err != nil {
			return 0, err
		}
		sum += policyLP
	}
	return sum, nil
}

// Accept appends toks[b] to row b as step does after the draws (the stream's text and the
// stop-string check) and returns how many rows finished; a finished row starts a new completion.
func (w *StepWork) Accept(toks []int) int {
	done := 0
	for b, r := range w.rows {
		if w.e.accept(r, toks[b], 0, 0) {
			done++
			w.rows[b] = w.newRow()
		}
	}
	return done
}
