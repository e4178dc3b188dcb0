package sampler

import (
	"errors"

	ort "github.com/yalue/onnxruntime_go"
)

// runner makes the ONNX Runtime calls of one Generate: it builds the input and output tensors
// over buffers it owns (ORT writes logits and presents straight into them) and destroys every
// tensor right after the call.
type runner struct {
	m       *Model
	opts    *ort.RunOptions
	logits  []byte      // decode logits [B, 1, V]
	pre     [2][][]byte // prefill ping-pong caches, per cache tensor
	preLogs []byte      // prefill logits [1, chunk, V]
	f32     []float32   // one row of converted logits (prefill)
}

func newRunner(m *Model) (*runner, error) {
	o, err := ort.NewRunOptions()
	if err != nil {
		return nil, ortError("run options", err)
	}
	return &runner{m: m, opts: o}, nil
}

func (r *runner) terminate() { r.opts.Terminate() }

func (r *runner) close() error { return ortError("release run options", r.opts.Destroy()) }

// elem returns the byte size of cache and logits elements.
func (m *Model) cacheElemSize() int  { return elemSize(m.kvElem) }
func (m *Model) logitsElemSize() int { return elemSize(m.logitsElem) }

func ortType(e int32) ort.TensorElementDataType {
	if e == elemFloat16 {
		return ort.TensorElementDataTypeFloat16
	}
	return ort.TensorElementDataTypeFloat
}

// runDims are the sizes of one run's tensors: rows sequences of newTok new tokens, an attention
// mask of maskCols columns, past and present caches of pastCols and presentCols columns.
type runDims struct{ rows, newTok, maskCols, pastCols, presentCols int }

// appendDims are the dims of a run whose present is its past plus the new tokens.
func appendDims(rows, newTok, pastCols int) runDims {
	return runDims{rows, newTok, pastCols + newTok, pastCols, pastCols + newTok}
}

// run executes the graph. past and present hold one buffer per cache tensor, sized for d; they
// are the same buffers when the cache is shared.
func (r *runner) run(doing string, ids, mask, pos []int64, d runDims, past, present [][]byte, logits []byte) (err error) {
	m := r.m
	rows, newTok, pastCols := d.rows, d.newTok, d.pastCols
	var values []ort.Value
	defer func() {
		for _, v := range values {
			if v != nil {
				err = errors.Join(err, ortError("release tensor", v.Destroy()))
			}
		}
	}()
	add := func(v ort.Value, e error) error {
		if e != nil {
			return ortError(doing+": make tensor", e)
		}
		values = append(values, v)
		return nil
	}
	if err := add(intTensor(m.idsElem, ort.NewShape(int64(rows), int64(newTok)), ids)); err != nil {
		return err
	}
	if err := add(intTensor(m.maskElem, ort.NewShape(int64(rows), int64(d.maskCols)), mask)); err != nil {
		return err
	}
	if m.hasPos {
		if err := add(intTensor(m.posElem, ort.NewShape(int64(rows), int64(newTok)), pos)); err != nil {
			return err
		}
	}
	if m.useCacheBranch {
		if err := add(ort.NewTensor(ort.NewShape(1), []bool{true})); err != nil {
			return err
		}
	}
	H, D := int64(m.info.KVHeads), int64(m.info.HeadSize)
	shape := func(planes, cols int) ort.Shape {
		if planes == 2 {
			return ort.NewShape(2, int64(rows), H, int64(cols), D)
		}
		return ort.NewShape(int64(rows), H, int64(cols), D)
	}
	kvType := ortType(m.kvElem)
	for i, c := range m.cache {
		data := past[i]
		if pastCols == 0 {
			data = emptyBacking[:] // ORT takes a zero-size tensor; onnxruntime_go wants a byte behind it
		}
		if err := add(ort.NewCustomDataTensor(shape(c.planes, pastCols), data, kvType)); err != nil {
			return err
		}
	}
	nIn := len(values)
	if err := add(ort.NewCustomDataTensor(ort.NewShape(int64(rows), int64(newTok), int64(m.info.Vocab)), logits, ortType(m.logitsElem))); err != nil {
		return err
	}
	for i, c := range m.cache {
		if err := add(ort.NewCustomDataTensor(shape(c.planes, d.presentCols), present[i], kvType)); err != nil {
			return err
		}
	}
	if err := m.session.RunWithOptions(values[:nIn], values[nIn:], r.opts); err != nil {
		return ortError(doing, err)
	}
	return nil
}

var emptyBacking [8]byte

// intTensor makes an int64 or int32 tensor of vals, as the graph input wants.
func intTensor(elem int32, shape ort.Shape, vals []int64) (ort.Value, error) {
	if elem == elemInt32 {
		v32 := make([]int32, len(vals))
		for i, v := range vals {
			v32[i] = int32(v)
		}
		return ort.NewTensor(shape, v32)
	}
	return ort.NewTensor(shape, vals)
}

// decode runs one step over the batch: B rows, S past columns in kv's current buffers; the
// presents go to kv's other buffers, or, with a shared cache, into the same buffers in place
// (the mask's S+1 columns then tell each row's length). It returns the logits buffer [B, 1, V].
func (r *runner) decode(kv *kvBuffers, ids, mask, pos []int64, B, S int) ([]byte, error) {
	m := r.m
	n := B * m.info.Vocab * m.logitsElemSize()
	r.logits = grow(r.logits, n)
	d := appendDims(B, 1, S)
	var past, present [][]byte
	if kv.shared {
		past = kv.sharedViews(B)
		present = past
		d.pastCols, d.presentCols = kv.capacity, kv.capacity
	} else {
		past, present = kv.views(B, S)
	}
	if err := r.run("decode step", ids, mask, pos, d, past, present, r.logits[:n]); err != nil {
		return nil, err
	}
	return r.logits[:n], nil
}

// logitsRow returns row b of a [B, 1, V] logits buffer as float32 (converted into sc when the
// model outputs float16).
func (r *runner) logitsRow(logits []byte, b int, sc *choiceScratch) []float32 {
	V := r.m.info.Vocab
	es := r.m.logitsElemSize()
	raw := logits[b*V*es : (b+1)*V*es]
	if r.m.logitsElem == elemFloat {
		return asFloat32(raw)
	}
	if cap(sc.f32) < V {
		sc.f32 = make([]float32, V)
	}
	halfToFloat(sc.f32[:V], raw)
	return sc.f32[:V]
}

// prefill runs prompt p alone (batch 1) and returns its cache and the logits after its last
// token. The first piece runs with an empty cache; longer prompts go in chunks of at most
// chunk tokens when the model takes several new tokens after a non-empty cache (genai
// builder models with MultiHeadAttention do not, so they get the whole prompt at once).
func (r *runner) prefill(p []int, chunk int) (*promptCache, []float32, error) {
	m := r.m
	T := len(p)
	if m.info.Format == FormatGenAI {
		chunk = T
	}
	colBytes := m.info.HeadSize * m.cacheElemSize()
	H := m.info.KVHeads
	nt := len(m.cache)
	for k := range r.pre {
		if r.pre[k] == nil {
			r.pre[k] = make([][]byte, nt)
		}
	}
	cur := 0
	V := m.info.Vocab
	rowBytes := V * m.logitsElemSize()
	var lastRow []byte
	for a := 0; a < T; a += chunk {
		nNew := min(T, a+chunk) - a
		ids := make([]int64, nNew)
		pos := make([]int64, nNew)
		for i := range ids {
			ids[i], pos[i] = int64(p[a+i]), int64(a+i)
		}
		mask := make([]int64, a+nNew)
		for c := range mask {
			mask[c] = 1
		}
		past := make([][]byte, nt)
		present := make([][]byte, nt)
		for i, c := range m.cache {
			past[i] = r.pre[cur][i][:c.planes*H*a*colBytes]
			n := c.planes * H * (a + nNew) * colBytes
			r.pre[1-cur][i] = grow(r.pre[1-cur][i], n)
			present[i] = r.pre[1-cur][i][:n]
		}
		r.preLogs = grow(r.preLogs, nNew*rowBytes)
		if err := r.run("prefill", ids, mask, pos, appendDims(1, nNew, a), past, present, r.preLogs[:nNew*rowBytes]); err != nil {
			return nil, nil, err
		}
		cur = 1 - cur
		lastRow = r.preLogs[(nNew-1)*rowBytes : nNew*rowBytes]
	}
	pc := &promptCache{n: T, kv: make([][]byte, nt)}
	for i, c := range m.cache {
		pc.kv[i] = append([]byte(nil), r.pre[cur][i][:c.planes*H*T*colBytes]...)
	}
	if cap(r.f32) < V {
		r.f32 = make([]float32, V)
	}
	last := r.f32[:V]
	m.logitsToFloat(last, lastRow)
	return pc, last, nil
}

// batchesPrefill reports whether several prompts may share one prefill run: left-padded
// layouts, and GroupQueryAttention graphs with a shared cache, which take right-padded prompts
// of different lengths (genai builder graphs with other attention want each prompt alone).
func (m *Model) batchesPrefill() bool {
	return m.info.SharedKVCache || !m.info.RightPadding && m.info.Format != FormatGenAI
}

// prefillBatch runs prompts ps together in one run from an empty cache, padded to the longest
// (left, or right for right-padded layouts; padding masked out, positions counted from each
// prompt's first token), and returns each prompt's cache and the logits after its last token.
func (r *runner) prefillBatch(ps [][]int) ([]*promptCache, [][]float32, error) {
	m := r.m
	B, T := len(ps), 0
	for _, p := range ps {
		T = max(T, len(p))
	}
	pad := int64(0)
	if m.info.Pad >= 0 && m.info.Pad < m.info.Vocab {
		pad = int64(m.info.Pad)
	}
	ids := make([]int64, B*T)
	pos := make([]int64, B*T)
	mask := make([]int64, B*T)
	offset := func(p []int) int { // first column of p's tokens
		if m.info.RightPadding {
			return 0
		}
		return T - len(p)
	}
	for b, p := range ps {
		off := offset(p)
		for j := range T {
			k := b*T + j
			if j < off || j >= off+len(p) {
				ids[k] = pad
				continue
			}
			ids[k], pos[k], mask[k] = int64(p[j-off]), int64(j-off), 1
		}
	}
	colBytes := m.info.HeadSize * m.cacheElemSize()
	H := m.info.KVHeads
	nt := len(m.cache)
	if r.pre[0] == nil {
		r.pre[0] = make([][]byte, nt)
	}
	present := make([][]byte, nt)
	for i, c := range m.cache {
		n := c.planes * B * H * T * colBytes
		r.pre[0][i] = grow(r.pre[0][i], n)
		present[i] = r.pre[0][i][:n]
	}
	V := m.info.Vocab
	rowBytes := V * m.logitsElemSize()
	r.preLogs = grow(r.preLogs, B*T*rowBytes)
	if err := r.run("prefill", ids, mask, pos, appendDims(B, T, 0), make([][]byte, nt), present, r.preLogs[:B*T*rowBytes]); err != nil {
		return nil, nil, err
	}
	pcs := make([]*promptCache, B)
	lasts := make([][]float32, B)
	for b, p := range ps {
		L, off := len(p), offset(p)
		pc := &promptCache{n: L, kv: make([][]byte, nt)}
		for i, c := range m.cache {
			pc.kv[i] = make([]byte, c.planes*H*L*colBytes)
			for pl := 0; pl < c.planes; pl++ {
				for h := 0; h < H; h++ {
					src := (((pl*B+b)*H+h)*T + off) * colBytes
					dst := (pl*H + h) * L * colBytes
					copy(pc.kv[i][dst:dst+L*colBytes], present[i][src:src+L*colBytes])
				}
			}
		}
		pcs[b] = pc
		lasts[b] = make([]float32, V)
		last := b*T + off + L - 1
		m.logitsToFloat(lasts[b], r.preLogs[last*rowBytes:(last+1)*rowBytes])
	}
	return pcs, lasts, nil
}

// logitsToFloat converts one row of raw logits (float32 or float16) into dst.
func (m *Model) logitsToFloat(dst []float32, raw []byte) {
	if m.logitsElem == elemFloat {
		copy(dst, asFloat32(raw))
		return
	}
	halfToFloat(dst, raw)
}

// grow returns b with length at least n, reallocating (contents dropped) when it is short.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:cap(b)]
	}
	return make([]byte, n+n/2)
}
