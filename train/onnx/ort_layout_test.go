package onnx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/mirage-rl/mirage/train/arch"
)

// ortLayoutConfigs are the Layout ORT test models: head sizes GroupQueryAttention takes (16 and
// 32, the latter not hidden/heads), grouped-query attention, Qwen2's q/k/v biases and tied
// embeddings.
var ortLayoutConfigs = []struct {
	name string
	cfg  arch.Config
}{
	{"llama-gqa", arch.Config{ModelType: "llama", HiddenSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 96, VocabSize: 64, RopeTheta: 50, MaxPositionEmbeddings: 64}},
	{"qwen2-gqa-tied-head-dim-32", arch.Config{ModelType: "qwen2", HiddenSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, HeadDim: 32, IntermediateSize: 96, VocabSize: 64, TieWordEmbeddings: true, RopeTheta: 50, MaxPositionEmbeddings: 64}},
}

// TestORTLayoutMatchesStandard checks Layout ORT against the standard (optimum) layout of the
// same weights, which computes attention, RoPE and RMSNorm with standard operators: each row's
// logits recomputed from scratch by the standard graph at batch 1 are the reference. The ORT
// graph runs (graph optimisation off and on) a right-padded batched prefill of rows of lengths
// 6, 3 and 1, then three cached decode steps feeding present back as past; the same decode steps
// with past and present bound to one buffer of capacity 16 per layer (the shared-buffer mode)
// must give the same logits; and one row is prefilled in chunks of 4 and 3 tokens into such a
// buffer (the second chunk has a past, which GroupQueryAttention allows at batch 1). Float
// weights must match within 1e-4; int4 too (MatMulNBits computes in float32, on the same
// quantised weights in both graphs); int8 quantises activations per block (accuracy level 4)
// and the two graphs' activations differ in their last bits, so int8 allows 0.3 as in
// TestQuantizedLogitsMatchReference.
func TestORTLayoutMatchesStandard(t *testing.T) {
	needORT(t)
	for _, tc := range ortLayoutConfigs {
		for _, bits := range []int{0, 4, 8} {
			t.Run(fmt.Sprintf("%s/bits=%d", tc.name, bits), func(t *testing.T) {
				cfg := tc.cfg.Defaults()
				w := testWeights(cfg, 3)
				std, opts := WriteOptions{WeightBits: bits}, WriteOptions{WeightBits: bits, Layout: ORT}
				stdDir, dir := t.TempDir(), t.TempDir()
				if err := WriteModel(stdDir, cfg, w, std); err != nil {
					t.Fatal(err)
				}
				if err := WriteModel(dir, cfg, w, opts); err != nil {
					t.Fatal(err)
				}
				ref := recomputer{t: t, m: openORT(t, stdDir, cfg, std, true)}
				tol := map[int]float64{0: 1e-4, 4: 1e-4, 8: 0.3}[bits]
				for _, optimize := range []bool{false, true} {
					c := &checker{t: t, tol: tol, vocab: cfg.VocabSize}
					m := openORT(t, dir, cfg, opts, optimize)
					checkRightPaddedDecode(t, c, m, ref)
					checkChunkedPrefill(t, c, m, ref)
					t.Logf("optimize=%v: max |diff| %.3g over logits up to %.3g", optimize, c.maxErr, c.maxRef)
				}
			})
		}
	}
}

// recomputer gives reference logits: the standard-layout model run on a whole row at batch 1.
type recomputer struct {
	t *testing.T
	m *ortModel
}

// logits returns the logits [len(row)][V] of every position of row.
func (r recomputer) logits(row []int64) [][]float64 {
	V := r.m.cfg.VocabSize
	flat, _ := r.m.run(r.t, [][]int64{row}, [][]int64{ones(len(row))}, [][]int64{positions(0, len(row))}, make([]cache, r.m.cfg.NumHiddenLayers))
	out := make([][]float64, len(row))
	for i := range out {
		out[i] = make([]float64, V)
		for v := range V {
			out[i][v] = float64(flat[i*V+v])
		}
	}
	return out
}

// rightPadded returns rows as input_ids and attention_mask of width max(len), each row its tokens
// then pad (0) with mask 1s then 0s: the only padding GroupQueryAttention understands.
func rightPadded(rows [][]int64) (ids, mask [][]int64) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	ids, mask = make([][]int64, len(rows)), make([][]int64, len(rows))
	for b, r := range rows {
		ids[b], mask[b] = make([]int64, width), make([]int64, width)
		copy(ids[b], r)
		for i := range r {
			mask[b][i] = 1
		}
	}
	return ids, mask
}

// checkRightPaddedDecode is TestORTLayoutMatchesStandard's prefill, decode and shared-buffer
// decode.
func checkRightPaddedDecode(t *testing.T, c *checker, m *ortModel, ref recomputer) {
	cfg := m.cfg
	V := cfg.VocabSize
	rng := rand.New(rand.NewPCG(7, 8))
	rows := make([][]int64, 3)
	for b, n := range []int{6, 3, 1} {
		for range n {
			rows[b] = append(rows[b], int64(rng.IntN(V)))
		}
	}
	ids, mask := rightPadded(rows)
	width := len(ids[0])
	logits, past := m.run(t, ids, mask, nil, make([]cache, cfg.NumHiddenLayers))
	for b, row := range rows {
		want := ref.logits(row)
		for i := range row {
			c.check(fmt.Sprintf("prefill row %d pos %d", b, i), logits[(b*width+i)*V:], want[i])
		}
	}
	prefill := past

	const steps = 3
	var tokens [steps][][]int64 // each step's new token per row
	var masks [steps][][]int64
	var stepLogits [steps][]float32
	for step := range steps {
		next := make([][]int64, len(rows))
		for b := range rows {
			tok := int64(rng.IntN(V))
			rows[b] = append(rows[b], tok)
			next[b] = []int64{tok}
		}
		_, mask = rightPadded(rows)
		tokens[step], masks[step] = next, mask
		stepLogits[step], past = m.run(t, next, mask, nil, past)
		for b, row := range rows {
			c.check(fmt.Sprintf("decode step %d row %d", step, b), stepLogits[step][b*V:], ref.logits(row)[len(row)-1])
		}
	}

	const capacity = 16
	buf := newSharedCache(cfg, len(rows), capacity)
	for l, p := range prefill {
		buf.fill(l, p)
	}
	for step := range steps {
		got := buf.run(t, m, tokens[step], masks[step])
		want := make([]float64, V)
		for b := range rows {
			for v := range V {
				want[v] = float64(stepLogits[step][b*V+v])
			}
			c.check(fmt.Sprintf("shared-buffer decode step %d row %d", step, b), got[b*V:], want)
		}
	}
	// The keys and values were written in place: each row's tokens are the first positions of
	// its buffer, as they are of the last present cache (a copy of width max(len)).
	for l, p := range past {
		for b, row := range rows {
			for h := range buf.kvh {
				for i := range len(row) * buf.dim {
					got, want := buf.k[l][(b*buf.kvh+h)*buf.cap*buf.dim+i], p.k[(b*buf.kvh+h)*p.len*buf.dim+i]
					if math.Abs(float64(got-want)) > 1e-4 {
						t.Fatalf("layer %d row %d head %d: shared buffer key[%d] %g, present %g", l, b, h, i, got, want)
					}
				}
			}
		}
	}
}

// checkChunkedPrefill prefills one row of 7 tokens in chunks of 4 and 3 into a shared buffer.
func checkChunkedPrefill(t *testing.T, c *checker, m *ortModel, ref recomputer) {
	V := m.cfg.VocabSize
	rng := rand.New(rand.NewPCG(9, 9))
	row := make([]int64, 7)
	for i := range row {
		row[i] = int64(rng.IntN(V))
	}
	want := ref.logits(row)
	buf := newSharedCache(m.cfg, 1, 16)
	for _, chunk := range [][2]int{{0, 4}, {4, 7}} {
		got := buf.run(t, m, [][]int64{row[chunk[0]:chunk[1]]}, [][]int64{ones(chunk[1])})
		for i := chunk[0]; i < chunk[1]; i++ {
			c.check(fmt.Sprintf("chunked prefill pos %d", i), got[(i-chunk[0])*V:], want[i])
		}
	}
}

// sharedCache is one [B, KVH, capacity, D] key and value buffer per layer, bound as both past
// and present: GroupQueryAttention then writes the new keys and values in place.
type sharedCache struct {
	cfg      arch.Config
	b, cap   int
	k, v     [][]float32
	kvh, dim int
}

func newSharedCache(cfg arch.Config, b, capacity int) *sharedCache {
	s := &sharedCache{cfg: cfg, b: b, cap: capacity, kvh: cfg.NumKeyValueHeads, dim: cfg.HeadDim}
	for range cfg.NumHiddenLayers {
		s.k = append(s.k, make([]float32, b*s.kvh*capacity*s.dim))
		s.v = append(s.v, make([]float32, b*s.kvh*capacity*s.dim))
	}
	return s
}

// fill copies a layer's cache [B, KVH, len, D] into the first len positions of the buffer.
func (s *sharedCache) fill(l int, c cache) {
	for bh := range s.b * s.kvh {
		copy(s.k[l][bh*s.cap*s.dim:], c.k[bh*c.len*s.dim:(bh+1)*c.len*s.dim])
		copy(s.v[l][bh*s.cap*s.dim:], c.v[bh*c.len*s.dim:(bh+1)*c.len*s.dim])
	}
}

// run feeds ids and mask with past and present over the buffer and returns the logits.
func (s *sharedCache) run(t testing.TB, m *ortModel, ids, mask [][]int64) []float32 {
	t.Helper()
	shape := ort.NewShape(int64(s.b), int64(s.kvh), int64(s.cap), int64(s.dim))
	var ins, outs []ort.Value
	defer func() {
		for _, v := range append(ins, outs...) {
			v.Destroy()
		}
	}()
	tensor := func(data []float32) ort.Value {
		v, err := ort.NewTensor(shape, data)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ins = append(ins, int64Tensor(t, ids), int64Tensor(t, mask))
	logits, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(len(ids)), int64(len(ids[0])), int64(s.cfg.VocabSize)))
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, logits)
	for l := range s.k {
		ins = append(ins, tensor(s.k[l]), tensor(s.v[l]))
		outs = append(outs, tensor(s.k[l]), tensor(s.v[l]))
	}
	if err := m.sess.Run(ins, outs); err != nil {
		t.Fatalf("ORT run with a shared cache (B=%d S=%d T=%d): %v", len(ids), len(ids[0]), len(mask[0]), err)
	}
	return append([]float32(nil), logits.GetData()...)
}

// TestORTLayoutErrors: Layout ORT refuses head sizes GroupQueryAttention cannot rotate on CPU and
// float16 weights, naming why.
func TestORTLayoutErrors(t *testing.T) {
	cfg := ortLayoutConfigs[0].cfg
	odd := cfg
	odd.HeadDim = 24
	for _, tc := range []struct {
		name string
		cfg  arch.Config
		opts WriteOptions
		want string
	}{
		{"head size 8", smallConfig(), WriteOptions{Layout: ORT}, "head size 8 is not a multiple of 16"},
		{"head size 24", odd, WriteOptions{Layout: ORT}, "head size 24 is not a multiple of 16"},
		{"float16", cfg, WriteOptions{Layout: ORT, Float16: true}, "layout ort with float16 weights is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewExporter(t.TempDir(), tc.cfg, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := NewExporter(t.TempDir(), odd, WriteOptions{}); err != nil {
		t.Errorf("the standard layout refuses head size 24: %v", err)
	}
}
