package arch

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRandomWeights(t *testing.T) {
	cfg := tinyConfig()
	cfg.AttentionBias = true
	w := RandomWeights(cfg, 7)
	if err := CheckWeights(cfg, w); err != nil {
		t.Fatal(err)
	}
	again := RandomWeights(cfg, 7)
	other := RandomWeights(cfg, 8)
	q := LayerName(1, "self_attn.q_proj.weight")
	for i := range w[q].Data {
		if w[q].Data[i] != again[q].Data[i] {
			t.Fatalf("same seed, different value at %d", i)
		}
	}
	if w[q].Data[0] == other[q].Data[0] && w[q].Data[1] == other[q].Data[1] {
		t.Errorf("seeds 7 and 8 gave the same weights")
	}
	var n, sum, sumSq float64
	for name, tensor := range w {
		switch {
		case isNorm(name):
			for _, v := range tensor.Data {
				if v != 1 {
					t.Fatalf("%s: norm weight %v, want 1", name, v)
				}
			}
		case len(tensor.Shape) == 1:
			for _, v := range tensor.Data {
				if v != 0 {
					t.Fatalf("%s: bias %v, want 0", name, v)
				}
			}
		default:
			for _, v := range tensor.Data {
				n++
				sum += float64(v)
				sumSq += float64(v) * float64(v)
			}
		}
	}
	// ~4000 samples of N(0, 0.02²): the mean's standard error is 0.02/63 ≈ 3e-4.
	mean, std := sum/n, math.Sqrt(sumSq/n-(sum/n)*(sum/n))
	if math.Abs(mean) > 1.5e-3 || math.Abs(std-0.02) > 1.5e-3 {
		t.Errorf("init mean %.5f std %.5f over %v values, want 0 and 0.02", mean, std, n)
	}
}

func TestCheckWeights(t *testing.T) {
	cfg := tinyConfig()
	for _, tc := range []struct {
		name   string
		mutate func(map[string]*Tensor)
		want   string
	}{
		{"missing", func(w map[string]*Tensor) { delete(w, LMHead) }, "arch: weight lm_head.weight missing"},
		{"extra", func(w map[string]*Tensor) { w["x"] = NewTensor(1) }, "arch: unexpected weight x"},
		{"shape", func(w map[string]*Tensor) { w[NormName] = NewTensor(3) }, "want shape [16], got [3]"},
		{"data", func(w map[string]*Tensor) { w[NormName].Data = w[NormName].Data[:2] }, "needs 16 values, got 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := RandomWeights(cfg, 1)
			tc.mutate(w)
			err := CheckWeights(cfg, w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func randomIDs(rng *rand.Rand, n, vocab int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = rng.IntN(vocab)
	}
	return ids
}

func maxAbsDiff(a, b [][]float64) float64 {
	var m float64
	for i := range a {
		for j := range a[i] {
			m = math.Max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

// Larger init than HF's so that attention and RoPE visibly change the logits.
func strongWeights(cfg Config, seed uint64) map[string]*Tensor {
	cfg.InitializerRange = 0.3
	w := RandomWeights(cfg, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, name := range SortedNames(w) {
		if t := w[name]; len(t.Shape) == 1 { // perturb norms and biases too, so they are exercised
			for i := range t.Data {
				t.Data[i] += float32(rng.NormFloat64() * 0.3)
			}
		}
	}
	return w
}

// Logits at a position do not depend on later tokens.
func TestReferenceCausal(t *testing.T) {
	cfg := tinyConfig()
	w := strongWeights(cfg, 3)
	ids := randomIDs(rand.New(rand.NewPCG(1, 2)), 9, cfg.VocabSize)
	full := ReferenceForward(cfg, w, [][]int{ids, ids[:5]})
	if d := maxAbsDiff(full[0][:5], full[1]); d > 1e-12 {
		t.Errorf("prefix logits differ by %g", d)
	}
	if d := maxAbsDiff(full[0][5:6], full[0][6:7]); d < 1e-3 {
		t.Errorf("logits at different positions are suspiciously equal (%g)", d)
	}
}

// GQA with kv head j serving query heads j*g..j*g+g-1 equals MHA with that kv head copied g times.
func TestReferenceGQAEqualsRepeatedMHA(t *testing.T) {
	gqa := tinyConfig() // 4 heads, 2 kv heads
	gqa.AttentionBias = true
	w := strongWeights(gqa, 5)
	mha := gqa
	mha.NumKeyValueHeads = mha.NumAttentionHeads
	wm := map[string]*Tensor{}
	for n, t := range w {
		wm[n] = t
	}
	dim, group := gqa.HeadDim, gqa.NumAttentionHeads/gqa.NumKeyValueHeads
	for l := range gqa.NumHiddenLayers {
		for _, s := range []string{"self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.k_proj.bias", "self_attn.v_proj.bias"} {
			src := w[LayerName(l, s)]
			rowLen := len(src.Data) / src.Shape[0] // hidden for weights, 1 for biases
			shape := append([]int{mha.NumAttentionHeads * dim}, src.Shape[1:]...)
			dst := NewTensor(shape...)
			for h := range mha.NumAttentionHeads {
				kv := h / group
				copy(dst.Data[h*dim*rowLen:(h+1)*dim*rowLen], src.Data[kv*dim*rowLen:(kv+1)*dim*rowLen])
			}
			wm[LayerName(l, s)] = dst
		}
	}
	ids := randomIDs(rand.New(rand.NewPCG(3, 4)), 7, gqa.VocabSize)
	a := ReferenceForward(gqa, w, [][]int{ids})[0]
	b := ReferenceForward(mha, wm, [][]int{ids})[0]
	if d := maxAbsDiff(a, b); d > 1e-9 {
		t.Errorf("GQA and repeated MHA differ by %g", d)
	}
}

func TestReferenceTiedEqualsCopiedHead(t *testing.T) {
	tied := tinyConfig()
	tied.TieWordEmbeddings = true
	w := strongWeights(tied, 9)
	untied := tied
	untied.TieWordEmbeddings = false
	wu := map[string]*Tensor{LMHead: w[EmbedName]}
	for n, t := range w {
		wu[n] = t
	}
	ids := [][]int{{1, 5, 7, 3}}
	if d := maxAbsDiff(ReferenceForward(tied, w, ids)[0], ReferenceForward(untied, wu, ids)[0]); d != 0 {
		t.Errorf("tied and copied lm_head differ by %g", d)
	}
}

// With o_proj and down_proj zero the blocks add nothing: logits are norm(embed[id]) · lm_head,
// computed here directly.
func TestReferenceZeroBlocks(t *testing.T) {
	cfg := tinyConfig()
	w := strongWeights(cfg, 11)
	for l := range cfg.NumHiddenLayers {
		clear(w[LayerName(l, "self_attn.o_proj.weight")].Data)
		clear(w[LayerName(l, "mlp.down_proj.weight")].Data)
	}
	ids := []int{4, 9, 4}
	got := ReferenceForward(cfg, w, [][]int{ids})[0]
	d := cfg.HiddenSize
	for p, id := range ids {
		e := w[EmbedName].Data[id*d : (id+1)*d]
		var ms float64
		for _, v := range e {
			ms += float64(v) * float64(v) / float64(d)
		}
		for v := range cfg.VocabSize {
			var want float64
			for i := range d {
				want += float64(e[i]) / math.Sqrt(ms+cfg.RMSNormEps) * float64(w[NormName].Data[i]) * float64(w[LMHead].Data[v*d+i])
			}
			if math.Abs(got[p][v]-want) > 1e-9 {
				t.Fatalf("pos %d vocab %d: %g, want %g", p, v, got[p][v], want)
			}
		}
	}
}

// HF's rotate_half RoPE is the complex rotation of (x[i], x[i+D/2]) by t·θ^(-2i/D).
func TestRopeIsComplexRotation(t *testing.T) {
	const heads, dim, theta = 2, 8, 500.0
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([][]float64, 5)
	orig := make([][]float64, 5)
	for p := range x {
		x[p] = make([]float64, heads*dim)
		for i := range x[p] {
			x[p][i] = rng.NormFloat64()
		}
		orig[p] = append([]float64(nil), x[p]...)
	}
	rope(x, heads, dim, theta)
	for p := range x {
		for h := range heads {
			for i := range dim / 2 {
				z := complex(orig[p][h*dim+i], orig[p][h*dim+i+dim/2])
				r := z * cmplx.Exp(complex(0, float64(p)*math.Pow(theta, -float64(2*i)/dim)))
				if math.Abs(real(r)-x[p][h*dim+i]) > 1e-12 || math.Abs(imag(r)-x[p][h*dim+i+dim/2]) > 1e-12 {
					t.Fatalf("pos %d head %d pair %d: got (%g,%g) want %v", p, h, i, x[p][h*dim+i], x[p][h*dim+i+dim/2], r)
				}
			}
		}
	}
}
