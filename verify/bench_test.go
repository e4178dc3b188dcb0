package verify

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// BenchmarkScore grades MATH-500 gold answers as completions (16 per problem, half of them
// wrong) through Score on all cores: one iteration grades the whole set.
func BenchmarkScore(b *testing.B) {
	raw, err := os.ReadFile("math/testdata/math500_sample.json")
	if err != nil {
		b.Fatal(err)
	}
	var probs []struct {
		Answer string `json:"answer"`
	}
	if err := json.Unmarshal(raw, &probs); err != nil {
		b.Fatal(err)
	}
	var its []datasets.Sample
	for _, p := range probs {
		var texts []string
		for j := 0; j < 16; j++ {
			ans := p.Answer
			if j%2 == 1 {
				ans = "0" // wrong for all but a few
			}
			texts = append(texts, "<think>Working through the problem step by step.</think>\n<answer>"+ans+"</answer>")
		}
		its = append(its, sample(datasets.Problem{GroundTruth: datasets.Answer(p.Answer)}, texts...))
	}
	run := func() Summary {
		sum, err := Score(context.Background(), Options{}, source(its, -1), func(Scored) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		return sum
	}
	if sum := run(); sum.Correct < len(its)*8 {
		b.Fatalf("setup: %d correct, want at least %d", sum.Correct, len(its)*8)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.N*len(its)*16)/b.Elapsed().Seconds(), "answers/s")
}
