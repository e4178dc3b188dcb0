package model

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/train/arch"
)

// benchConfigs are the issue-7 benchmark sizes (~1M and ~10M parameters).
var benchConfigs = []struct {
	name string
	cfg  arch.Config
}{
	{"1M", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 128, NumHiddenLayers: 4, NumAttentionHeads: 4,
		IntermediateSize: 384, VocabSize: 512}},
	{"10M", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 256, NumHiddenLayers: 10, NumAttentionHeads: 4,
		IntermediateSize: 768, VocabSize: 2048}},
}

func BenchmarkLossAndGrads(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			m := newTestModel(b, bc.cfg)
			w := arch.RandomWeights(bc.cfg, 1)
			rng := rand.New(rand.NewPCG(1, 2))
			const rows, cols = 16, 128
			batch := Batch{IDs: randomIDs(rng, rows, cols, bc.cfg.VocabSize), Targets: randomIDs(rng, rows, cols, bc.cfg.VocabSize)}
			batch.Mask = make([][]float32, rows)
			for i := range batch.Mask {
				batch.Mask[i] = make([]float32, cols)
				for j := range batch.Mask[i] {
					batch.Mask[i][j] = 1
				}
			}
			start := time.Now()
			if _, _, err := m.LossAndGrads(w, batch); err != nil { // compile + first run
				b.Fatal(err)
			}
			b.Logf("%s: %d params, first step (incl. compile) %s", bc.name, arch.ParamCount(bc.cfg), time.Since(start))
			b.ResetTimer()
			for range b.N {
				if _, _, err := m.LossAndGrads(w, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/step")
		})
	}
}
