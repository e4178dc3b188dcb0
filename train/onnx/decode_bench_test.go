package onnx

import (
	"fmt"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// decodeBenchConfig is a ~34M-parameter Llama (hidden 512, 6 layers, GQA 8/4, vocab 32000, tied),
// the size the sampler benchmarks with.
var decodeBenchConfig = arch.Config{ModelType: "llama", HiddenSize: 512, NumHiddenLayers: 6, NumAttentionHeads: 8,
	NumKeyValueHeads: 4, IntermediateSize: 1408, VocabSize: 32000, TieWordEmbeddings: true}

// BenchmarkDecode measures cached decoding of the written graph in ONNX Runtime (2 threads),
// batch 1 and 32, 64 tokens of context, with fp32 weights and with int8 and int4 quantised
// projections (WeightBits): how fast the graph itself is, independent of the sampler.
func BenchmarkDecode(b *testing.B) {
	needORT(b)
	cfg := decodeBenchConfig.Defaults()
	b.Logf("%d parameters", arch.ParamCount(cfg))
	w := arch.RandomWeights(cfg, 1)
	for _, bits := range []int{0, 8, 4} {
		name := map[int]string{0: "fp32", 8: "int8", 4: "int4"}[bits]
		opts := WriteOptions{WeightBits: bits}
		dir := b.TempDir()
		if err := WriteModel(dir, cfg, w, opts); err != nil {
			b.Fatal(err)
		}
		benchmarkDecode(b, name, openORT(b, dir, cfg, opts, true))
	}
}

func benchmarkDecode(b *testing.B, name string, m *ortModel) {
	cfg := m.cfg
	for _, batch := range []int{1, 32} {
		b.Run(fmt.Sprintf("%s/batch=%d", name, batch), func(b *testing.B) {
			const context = 64
			ids, mask, pos := make([][]int64, batch), make([][]int64, batch), make([][]int64, batch)
			for r := range batch {
				ids[r], mask[r], pos[r] = make([]int64, context), make([]int64, context), make([]int64, context)
				for i := range context {
					ids[r][i], mask[r][i], pos[r][i] = int64((r*7+i*13)%cfg.VocabSize), 1, int64(i)
				}
			}
			_, past := m.run(b, ids, mask, pos, make([]cache, cfg.NumHiddenLayers))
			next := make([][]int64, batch)
			for r := range batch {
				next[r] = []int64{5}
				mask[r] = append(mask[r], 1)
				pos[r] = []int64{context}
			}
			b.ResetTimer()
			for range b.N {
				m.run(b, next, mask, pos, past) // same step each time: a fixed-length cache
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}
