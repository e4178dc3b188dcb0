package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
)

// TestExportAgreesWithGoMLX exports GoMLX models to ONNX and decodes them greedily in ONNX Runtime
// (the sampler: prefill, then cached decoding, prompts of different lengths left-padded in one
// batch). Every chosen token must be GoMLX's argmax too, and the log-probability ORT reports for
// each completion must equal the one GoMLX computes for the same tokens within 1e-4.
func TestExportAgreesWithGoMLX(t *testing.T) {
	configs := []struct {
		name string
		cfg  arch.Config
	}{
		{"llama MHA", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			IntermediateSize: 48, VocabSize: 50, EOSTokenID: arch.TokenIDs{49}}},
		{"llama GQA biases", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 50, AttentionBias: true, EOSTokenID: arch.TokenIDs{49}}},
		{"qwen2 GQA tied", arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			NumKeyValueHeads: 1, IntermediateSize: 48, VocabSize: 50, TieWordEmbeddings: true, EOSTokenID: arch.TokenIDs{49}}},
	}
	const newTokens = 6
	for i, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.Defaults()
			cfg.InitializerRange = 0.3 // large enough that the logits differ clearly between tokens
			w := arch.RandomWeights(cfg, uint64(i+1))
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			for _, name := range arch.SortedNames(w) {
				if len(w[name].Shape) == 1 { // random norm gains and biases, so they matter
					for j := range w[name].Data {
						w[name].Data[j] += float32(0.3 * rng.NormFloat64())
					}
				}
			}
			dir := t.TempDir()
			if err := Export(dir, cfg, w, ""); err != nil {
				t.Fatal(err)
			}
			sm, err := sampler.Open(context.Background(), dir, sampler.ModelOptions{})
			if err != nil {
				t.Skipf("ONNX Runtime unavailable (set MIRAGE_ORT_LIB; `make ort`): %v", err)
			}
			defer sm.Close()
			prompts := [][]int{{1, 2, 3, 4, 5, 6, 7}, {8, 9}, {10, 11, 12, 13}}
			outs, err := sm.Generate(context.Background(), prompts, sampler.GenerateOptions{MaxNewTokens: newTokens, IgnoreEOS: true})
			if err != nil {
				t.Fatal(err)
			}

			backend, err := NewBackend("go")
			if err != nil {
				t.Fatal(err)
			}
			defer backend.Finalize()
			gm, err := model.New(backend, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer gm.Close()
			for p, prompt := range prompts {
				gen := outs[p][0].Tokens
				if len(gen) != newTokens {
					t.Fatalf("prompt %d: %d tokens generated, want %d", p, len(gen), newTokens)
				}
				seq := append(append([]int(nil), prompt...), gen...)
				logits, err := gm.Logits(w, [][]int{seq[:len(seq)-1]})
				if err != nil {
					t.Fatal(err)
				}
				var logprob float64
				for k, tok := range gen {
					row := logits[0][len(prompt)-1+k]
					best, z := 0, 0.0
					for v, l := range row {
						if l > row[best] {
							best = v
						}
						z += math.Exp(float64(l))
					}
					if best != tok {
						t.Errorf("prompt %d, new token %d: ORT chose %d, GoMLX's argmax is %d", p, k, tok, best)
					}
					logprob += float64(row[tok]) - math.Log(z)
				}
				if d := math.Abs(logprob - outs[p][0].Logprob); d > 1e-4 {
					t.Errorf("prompt %d: log-prob ORT %.6f, GoMLX %.6f (|Δ| = %.2g)", p, outs[p][0].Logprob, logprob, d)
				}
			}
		})
	}
}
