package onnx

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// benchConfig is a ~10.5M-parameter Llama (hidden 256, 8 layers, GQA 8/4, vocab 8192).
var benchConfig = arch.Config{ModelType: "llama", HiddenSize: 256, NumHiddenLayers: 8, NumAttentionHeads: 8,
	NumKeyValueHeads: 4, IntermediateSize: 688, VocabSize: 8192}

// BenchmarkExport compares a first export (graph built and serialised, every file written) with
// a re-export through the same Exporter (only the data file rewritten), and shows the cost of
// building the graph alone. Writing the weights dominates both, so the two are close for small
// models; the timings depend heavily on the disk.
func BenchmarkExport(b *testing.B) {
	cfg := benchConfig.Defaults()
	w := arch.RandomWeights(cfg, 1)
	bytes := float64(arch.ParamCount(cfg) * 4)
	ctx := context.Background()
	b.Logf("%d parameters, %.1f MB of fp32 weights", arch.ParamCount(cfg), bytes/1e6)
	b.Run("graph-only", func(b *testing.B) { // the part a re-export skips
		b.ReportAllocs()
		for range b.N {
			if _, err := NewExporter(b.TempDir(), cfg, WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		root := b.TempDir()
		b.ReportAllocs()
		for i := range b.N {
			e, err := NewExporter(filepath.Join(root, string(rune('a'+i%26))), cfg, WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.Export(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
	b.Run("reexport", func(b *testing.B) {
		e, err := NewExporter(b.TempDir(), cfg, WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Export(ctx, w); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := e.Export(ctx, w); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytes*float64(b.N)/b.Elapsed().Seconds()/1e6, "MB/s")
	})
}
