package onnx

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// testConfigs cover MHA, GQA and MQA, q/k/v biases (Qwen2), o_proj biases (Llama attention_bias),
// tied embeddings and a head size that differs from hidden/heads.
var testConfigs = []struct {
	name string
	cfg  arch.Config
}{
	{"llama-mha", arch.Config{ModelType: "llama", HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
		IntermediateSize: 48, VocabSize: 64, RopeTheta: 50}},
	{"llama-gqa", arch.Config{ModelType: "llama", HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 64, RopeTheta: 50}},
	{"qwen2-mqa-tied", arch.Config{ModelType: "qwen2", HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 1, IntermediateSize: 48, VocabSize: 64, TieWordEmbeddings: true, RopeTheta: 50}},
	{"llama-bias-gqa-tied", arch.Config{ModelType: "llama", HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 64, AttentionBias: true, TieWordEmbeddings: true, RopeTheta: 50}},
	{"llama-head-dim-12", arch.Config{ModelType: "llama", HiddenSize: 32, NumHiddenLayers: 1, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, HeadDim: 12, IntermediateSize: 48, VocabSize: 64, RopeTheta: 50}},
}

// testWeights are HF-style random weights scaled up (and norms/biases perturbed) so that every
// part of the network moves the logits by far more than the tolerance.
func testWeights(cfg arch.Config, seed uint64) map[string]*arch.Tensor {
	cfg.InitializerRange = 0.25
	w := arch.RandomWeights(cfg, seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, name := range arch.SortedNames(w) {
		if t := w[name]; len(t.Shape) == 1 {
			for i := range t.Data {
				t.Data[i] += float32(rng.NormFloat64() * 0.3)
			}
		}
	}
	return w
}

// roundToHalf returns w with every value rounded to float16, what an fp16 model stores.
func roundToHalf(w map[string]*arch.Tensor) map[string]*arch.Tensor {
	out := map[string]*arch.Tensor{}
	for n, t := range w {
		r := arch.NewTensor(t.Shape...)
		for i, v := range t.Data {
			r.Data[i] = Float16Value(Float16Bits(v))
		}
		out[n] = r
	}
	return out
}

// tolerance is the allowed |ORT - reference| for a logit: 1e-4 in fp32. An fp16 model rounds its
// KV cache and logits to fp16 (relative step 2^-11 ≈ 4.9e-4); over two layers with these strong
// weights that moves logits of size up to ~7 by up to ~5e-3, so fp16 allows 1e-2, against a
// reference run on the fp16-rounded weights. (A wrong mask, position or RoPE moves them by O(1).)
func tolerance(fp16 bool) float64 {
	if fp16 {
		return 1e-2
	}
	return 1e-4
}

// checker compares ORT logits with reference logits and tracks the largest difference.
type checker struct {
	t      *testing.T
	fp16   bool
	tol    float64 // the allowed difference; default tolerance(fp16)
	vocab  int
	maxErr float64
	maxRef float64
}

func (c *checker) check(what string, got []float32, want []float64) {
	c.t.Helper()
	for v := range c.vocab {
		d := math.Abs(float64(got[v]) - want[v])
		c.maxErr = math.Max(c.maxErr, d)
		c.maxRef = math.Max(c.maxRef, math.Abs(want[v]))
		tol := c.tol
		if tol == 0 {
			tol = tolerance(c.fp16)
		}
		if d > tol || math.IsNaN(float64(got[v])) {
			c.t.Fatalf("%s token %d: ORT %g, reference %g (diff %g)", what, v, got[v], want[v], d)
		}
	}
}

// TestLogitsMatchReference writes each config in each layout and precision, runs it in ONNX
// Runtime with graph optimisation off and on, and compares with arch.ReferenceForward: a left- or
// right-padded prefill of rows of different lengths, then two cached decode steps feeding the
// presents back as past.
func TestLogitsMatchReference(t *testing.T) {
	needORT(t)
	for _, tc := range testConfigs {
		for _, layout := range []Layout{Optimum, NoPositionIDs, LegacyCombinedPast} {
			for _, fp16 := range []bool{false, true} {
				name := fmt.Sprintf("%s/%v/fp16=%v", tc.name, layout, fp16)
				t.Run(name, func(t *testing.T) {
					cfg := tc.cfg.Defaults()
					w := testWeights(cfg, 1)
					dir := t.TempDir()
					opts := WriteOptions{Float16: fp16, Layout: layout}
					if err := WriteModel(dir, cfg, w, opts); err != nil {
						t.Fatal(err)
					}
					ref := w
					if fp16 {
						ref = roundToHalf(w)
					}
					for _, optimize := range []bool{false, true} {
						for _, left := range []bool{true, false} {
							c := &checker{t: t, fp16: fp16, vocab: cfg.VocabSize}
							checkPaddedDecode(t, c, openORT(t, dir, cfg, opts, optimize), cfg, ref, left)
							t.Logf("optimize=%v left-padded=%v: max |diff| %.3g over logits up to %.3g", optimize, left, c.maxErr, c.maxRef)
						}
					}
				})
			}
		}
	}
}

// checkPaddedDecode runs a padded prefill (P = 0) of rows of lengths 6, 3 and 1, then two decode
// steps of one token each, comparing every non-padded position with the reference. With right
// padding the decode steps append after the pads, which the mask must hide as keys.
func checkPaddedDecode(t *testing.T, c *checker, m *ortModel, cfg arch.Config, w map[string]*arch.Tensor, left bool) {
	rng := rand.New(rand.NewPCG(7, 7))
	lengths := []int{6, 3, 1}
	width := 6
	rows := make([][]int, len(lengths))
	cols := make([][]int, len(lengths)) // column of each real token in the prefill batch
	ids, mask, pos := make([][]int64, len(rows)), make([][]int64, len(rows)), make([][]int64, len(rows))
	for b, n := range lengths {
		ids[b], mask[b], pos[b] = make([]int64, width), make([]int64, width), make([]int64, width)
		for i := range n {
			rows[b] = append(rows[b], rng.IntN(cfg.VocabSize))
			col := i
			if left {
				col = width - n + i
			}
			cols[b] = append(cols[b], col)
			ids[b][col], mask[b][col], pos[b][col] = int64(rows[b][i]), 1, int64(i)
		}
	}
	past := make([]cache, cfg.NumHiddenLayers) // P = 0: empty caches
	logits, past := m.run(t, ids, mask, pos, past)
	want := arch.ReferenceForward(cfg, w, rows)
	V := cfg.VocabSize
	for b := range rows {
		for i, col := range cols[b] {
			c.check(fmt.Sprintf("prefill row %d pos %d", b, i), logits[(b*width+col)*V:], want[b][i])
		}
	}
	for step := range 2 {
		next := make([][]int64, len(rows))
		for b := range rows {
			tok := rng.IntN(cfg.VocabSize)
			rows[b] = append(rows[b], tok)
			next[b] = []int64{int64(tok)}
			mask[b] = append(mask[b], 1)
			pos[b] = []int64{int64(len(rows[b]) - 1)}
		}
		logits, past = m.run(t, next, mask, pos, past)
		want = arch.ReferenceForward(cfg, w, rows)
		for b := range rows {
			c.check(fmt.Sprintf("decode step %d row %d", step, b), logits[b*V:], want[b][len(rows[b])-1])
		}
	}
}
