package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/gomlxfix"
)

// testConfigs cover the checks of issue 7: MHA and GQA, with and without biases, tied or not.
var testConfigs = []struct {
	name string
	cfg  arch.Config
}{
	{"llama MHA", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
		IntermediateSize: 24, VocabSize: 37}},
	{"llama GQA biases", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 24, VocabSize: 37, AttentionBias: true, RopeTheta: 500}},
	{"llama MQA tied", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 16, NumHiddenLayers: 1, NumAttentionHeads: 4,
		NumKeyValueHeads: 1, IntermediateSize: 20, VocabSize: 29, TieWordEmbeddings: true}},
	{"qwen2 GQA tied", arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 24, NumHiddenLayers: 2, NumAttentionHeads: 6,
		NumKeyValueHeads: 2, IntermediateSize: 32, VocabSize: 41, TieWordEmbeddings: true, RMSNormEps: 1e-5}},
	{"qwen2 head_dim≠D/H", arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 16, NumHiddenLayers: 1, NumAttentionHeads: 2,
		NumKeyValueHeads: 1, HeadDim: 6, IntermediateSize: 16, VocabSize: 23}},
}

// testWeights returns weights large enough that every part of the network moves the logits:
// matrices N(0, 0.3²), and (unlike HF's init) random norm gains and biases.
func testWeights(cfg arch.Config, seed uint64) Weights {
	cfg = cfg.Defaults()
	cfg.InitializerRange = 0.3
	w := arch.RandomWeights(cfg, seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, name := range arch.SortedNames(w) {
		if len(w[name].Shape) == 1 {
			for i := range w[name].Data {
				w[name].Data[i] += float32(0.3 * rng.NormFloat64())
			}
		}
	}
	return w
}

func randomIDs(rng *rand.Rand, b, t, vocab int) [][]int {
	ids := make([][]int, b)
	for i := range ids {
		ids[i] = make([]int, t)
		for j := range ids[i] {
			ids[i][j] = rng.IntN(vocab)
		}
	}
	return ids
}

func newTestModel(t testing.TB, cfg arch.Config) *Model {
	t.Helper()
	backend, err := gomlxfix.NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(backend, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); backend.Finalize() })
	return m
}

func TestLogitsMatchReference(t *testing.T) {
	for i, tc := range testConfigs {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestModel(t, tc.cfg)
			w := testWeights(tc.cfg, uint64(i+1))
			ids := randomIDs(rand.New(rand.NewPCG(uint64(i), 5)), 3, 7, tc.cfg.VocabSize)
			got, err := m.Logits(w, ids)
			if err != nil {
				t.Fatal(err)
			}
			want := arch.ReferenceForward(tc.cfg, w, ids)
			var maxDiff, maxAbs float64
			for b := range want {
				for p := range want[b] {
					for v := range want[b][p] {
						maxDiff = math.Max(maxDiff, math.Abs(float64(got[b][p][v])-want[b][p][v]))
						maxAbs = math.Max(maxAbs, math.Abs(want[b][p][v]))
					}
				}
			}
			if maxDiff >= 1e-4 {
				t.Errorf("max |GoMLX − reference| = %.3g, want < 1e-4", maxDiff)
			}
			if maxAbs < 0.5 {
				t.Errorf("logits too small (max %.3g) for the comparison to mean anything", maxAbs)
			}
			t.Logf("max abs diff %.2g over logits up to %.2g", maxDiff, maxAbs)
		})
	}
}

// TestTokenLogProbs checks the log-probs and the masked loss against log-softmax of the
// reference logits.
func TestTokenLogProbs(t *testing.T) {
	cfg := testConfigs[1].cfg
	m := newTestModel(t, cfg)
	w := testWeights(cfg, 3)
	rng := rand.New(rand.NewPCG(7, 7))
	batch := Batch{IDs: randomIDs(rng, 2, 6, cfg.VocabSize), Targets: randomIDs(rng, 2, 6, cfg.VocabSize)}
	batch.Mask = [][]float32{{0, 0, 1, 1, 1, 0}, {0, 1, 1, 1, 1, 1}}
	lp, err := m.TokenLogProbs(w, batch)
	if err != nil {
		t.Fatal(err)
	}
	ref := arch.ReferenceForward(cfg, w, batch.IDs)
	var wantNLL float64
	for b := range ref {
		for p, logits := range ref[b] {
			var z float64
			for _, l := range logits {
				z += math.Exp(l)
			}
			want := logits[batch.Targets[b][p]] - math.Log(z)
			if math.Abs(float64(lp[b][p])-want) > 1e-4 {
				t.Errorf("logprob[%d][%d] = %g, want %g", b, p, lp[b][p], want)
			}
			wantNLL -= float64(batch.Mask[b][p]) * want
		}
	}
	nll, _, err := m.LossAndGrads(w, batch)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(nll-wantNLL) > 1e-3 {
		t.Errorf("masked NLL = %g, want %g", nll, wantNLL)
	}
}

// TestGradientsMatchFiniteDifferences compares, for every parameter tensor, the directional
// derivative ⟨∇L, u⟩ along a random direction u with the central difference
// (L(w+hu) − L(w−hu)) / 2h. It runs in float32, so h is large and the tolerance relative.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, idx := range []int{1, 3} { // GQA with biases (untied), Qwen2 tied
		tc := testConfigs[idx]
		t.Run(tc.name, func(t *testing.T) {
			m := newTestModel(t, tc.cfg)
			w := testWeights(tc.cfg, 11)
			rng := rand.New(rand.NewPCG(1, 1))
			batch := Batch{IDs: randomIDs(rng, 2, 5, tc.cfg.VocabSize), Targets: randomIDs(rng, 2, 5, tc.cfg.VocabSize),
				Mask: [][]float32{{0, 1, 1, 1, 1}, {1, 1, 0, 1, 1}}}
			_, grads, err := m.LossAndGrads(w, batch)
			if err != nil {
				t.Fatal(err)
			}
			loss := func() float64 {
				l, _, err := m.LossAndGrads(w, batch)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			const h = 1e-2
			for _, name := range m.ParamNames() {
				x := w[name].Data
				orig := append([]float32(nil), x...)
				u := make([]float64, len(x))
				var analytic float64
				for i := range u {
					u[i] = rng.NormFloat64()
					analytic += u[i] * float64(grads[name].Data[i])
				}
				step := func(s float64) {
					for i := range x {
						x[i] = orig[i] + float32(s*u[i])
					}
				}
				step(h)
				up := loss()
				step(-h)
				down := loss()
				copy(x, orig)
				numeric := (up - down) / (2 * h)
				if math.Abs(numeric-analytic) > 2e-2*math.Max(1, math.Abs(numeric)) {
					t.Errorf("%s: ⟨∇L, u⟩ = %.5g, finite difference %.5g", name, analytic, numeric)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	cfg := testConfigs[0].cfg
	m := newTestModel(t, cfg)
	w := testWeights(cfg, 1)
	cases := []struct {
		name string
		ids  [][]int
	}{
		{"ragged rows", [][]int{{1, 2, 3}, {1, 2}}},
		{"empty", nil},
		{"id past vocab", [][]int{{1, 37}}},
		{"negative id", [][]int{{-1, 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.Logits(w, tc.ids); err == nil {
				t.Error("no error")
			}
		})
	}
	t.Run("missing weight", func(t *testing.T) {
		short := Weights{}
		for k, v := range w {
			short[k] = v
		}
		delete(short, arch.NormName)
		if _, err := m.Logits(short, [][]int{{1}}); err == nil {
			t.Error("no error")
		}
	})
}
