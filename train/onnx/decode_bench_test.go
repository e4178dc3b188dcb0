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
// batch 1 and 32, 64 tokens of context: the standard layout with fp32 weights and with int8 and
// int4 quantised projections (WeightBits), and the ORT layout in fp32 and int4, fed present back
// as past (a copy of the cache each step, as the standard layout) and "shared", with past and
// present bound to one buffer of capacity 128 (GroupQueryAttention appends in place): how fast
// the graph itself is, independent of the sampler.
func BenchmarkDecode(b *testing.B) {
	needORT(b)
	cfg := decodeBenchConfig.Defaults()
	b.Logf("%d parameters", arch.ParamCount(cfg))
	w := arch.RandomWeights(cfg, 1)
	for _, tc := range []struct {
		name string
		opts WriteOptions
	}{
		{"fp32", WriteOptions{}}, {"int8", WriteOptions{WeightBits: 8}}, {"int4", WriteOptions{WeightBits: 4}},
		{"ort-fp32", WriteOptions{Layout: ORT}}, {"ort-int4", WriteOptions{Layout: ORT, WeightBits: 4}},
	} {
		dir := b.TempDir()
		if err := WriteModel(dir, cfg, w, tc.opts); err != nil {
			b.Fatal(err)
		}
		m := openORT(b, dir, cfg, tc.opts, true)
		benchmarkDecode(b, tc.name, m, false)
		if tc.opts.Layout == ORT {
			benchmarkDecode(b, tc.name+"-shared", m, true)
		}
	}
}

func benchmarkDecode(b *testing.B, name string, m *ortModel, shared bool) {
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
			// The same step each time: a fixed-length cache (the shared buffer is rewritten at
			// the same position).
			step := func() { m.run(b, next, mask, pos, past) }
			if shared {
				buf := newSharedCache(cfg, batch, 2*context)
				for l, p := range past {
					buf.fill(l, p)
				}
				step = func() { buf.run(b, m, next, mask) }
			}
			b.ResetTimer()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "tok/s")
		})
	}
}
