package sampler_test

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// The large-model benchmark: mirage against the plain ORT floor (bench_floor_test.go) on a
// Qwen2.5-0.5B-shaped model (hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, vocabulary
// 151936, tied embeddings, q/k/v biases, RoPE theta 1e6; random weights, fp32, about 2 GB),
// written by train/onnx to .cache/bench once and reused while its stamp matches. It asks
// whether mirage's overhead over a plain ORT loop grows with the model: the same prompts as the
// 34M benchmark, greedy, at batch 1, 8 and 32 (fewer new tokens at larger batches, whose steps
// cost more), the two sides interleaved round by round (one round per b.Loop iteration).

var largeLayers = flag.Int("sampler.large.layers", 24,
	"decoder layers of BenchmarkSamplerLargeModel's Qwen2.5-0.5B-shaped model; fewer only to check the benchmark itself quickly")

// largeConfig is Qwen2.5-0.5B's architecture with the given number of layers.
func largeConfig(layers int) arch.Config {
	return arch.Config{ModelType: "qwen2", HiddenSize: 896, NumHiddenLayers: layers, NumAttentionHeads: 14,
		NumKeyValueHeads: 2, IntermediateSize: 4864, VocabSize: 151936, RMSNormEps: 1e-6, RopeTheta: 1e6,
		TieWordEmbeddings: true, MaxPositionEmbeddings: 32768,
		BOSTokenID: arch.TokenIDs{151643}, EOSTokenID: arch.TokenIDs{151643}}.Defaults()
}

var largeConfigs = []benchConfig{
	{"b1", 1, 1, false, 128},
	{"b8", 8, 1, false, 64},
	{"b32", 32, 1, false, 16},
}

// BenchmarkSamplerLargeModel reports tokens/s of mirage and of the ORT floor per config, mirage
// ÷ floor, the floor's decode step time, and batch-1 decode as a fraction of the memory read
// bound. Skipped with -short: its setup writes 2 GB.
func BenchmarkSamplerLargeModel(b *testing.B) {
	if testing.Short() {
		b.Skip("writes and runs a 2 GB model")
	}
	cfg := largeConfig(*largeLayers)
	name := fmt.Sprintf("qwen2-0.5b-shape-l%d", cfg.NumHiddenLayers)
	maxNew := 0
	for _, c := range largeConfigs {
		maxNew = max(maxNew, c.newTokens)
	}
	s, err := openBench(name, cfg, 32, benchPromptLen+maxNew)
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	warm := newBenchRounds()
	for _, c := range largeConfigs {
		if err := warm.run(s.model, s.ort, s.floor, c); err != nil {
			b.Fatal(err)
		}
	}
	rs := newBenchRounds()
	for b.Loop() {
		rs.startRound(readPerToken(s.model.Info(), cfg))
		for _, c := range largeConfigs {
			if err := rs.run(s.model, s.ort, s.floor, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	info := s.model.Info()
	var news []string
	for _, c := range largeConfigs {
		news = append(news, fmt.Sprintf("%s %d", c.name, c.newTokens))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nsampler decode, %s (%.0fM params, %.2f GB read per token), %d-token prompts, new tokens %s, %d rounds, GOMAXPROCS %d\n",
		name, float64(info.Params)/1e6, float64(readPerToken(info, cfg))/1e9, benchPromptLen, strings.Join(news, ", "), len(rs.bw), runtime.GOMAXPROCS(0))
	writeSides(b, &sb, largeConfigs, []benchSide{rs.mir, rs.flo})
	fmt.Fprintf(&sb, "the same weights in the ORT layout (%s-ort), same rounds:\n", name)
	writeSides(b, &sb, largeConfigs, []benchSide{rs.ort, rs.flo})
	rs.writeFloor(b, &sb, largeConfigs, info, cfg)
	fmt.Print(sb.String())
}
