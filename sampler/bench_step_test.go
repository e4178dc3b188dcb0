package sampler_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// The sampler's host-side work per decode step: what Generate does in Go between two ONNX
// Runtime decode runs, for stepRows rows, on one goroutine (step splits the rows over
// min(GOMAXPROCS, rows) goroutines, so its wall time is about this ÷ GOMAXPROCS). ONNX Runtime
// is idle meanwhile, so all of it is on the critical path: compare it with the ORT floor's
// decode step time that BenchmarkSamplerVsTransformersJS (vocabulary 8192) and
// BenchmarkSamplerLargeModel (151936) report at b32.
//
// Logits and token choice (vNNN/DIST/CHOICE): choose and the policy log-prob with
// TokenLogprobs on, for each row of float32 logits: "flat" (N(0, 0.05²) per token, near uniform
// as the random benchmark models' logits are, where the top-k and top-p selections cannot stop
// early) and "peaked" (N(0, 1) and 16 tokens raised by 18, 17, ..., 3: the most likely token
// has ~63% of the mass and the tail below the 16 under 1%, nearer a trained model's); argmax is
// the ORT floor's work alone, for reference. Text (stream, stream+stop): each row
// appends a token to its completion through the tokenizer's streaming decoder and checks
// two stop strings, as accept does.

const stepRows = 32

var stepChoices = []struct {
	name string
	c    sampler.Choice
}{
	{"greedy", sampler.Choice{}},
	{"t1", sampler.Choice{Temperature: 1}},
	{"t1-topk50", sampler.Choice{Temperature: 1, TopK: 50}},
	{"t1-topp0.95", sampler.Choice{Temperature: 1, TopP: 0.95}},
	{"t1-minp0.05", sampler.Choice{Temperature: 1, MinP: 0.05}},
	{"t0.6-topp0.95", sampler.Choice{Temperature: 0.6, TopP: 0.95}},
}

// stepLogits is stepRows rows of vocab logits, N(0, sigma²) each, and when peaked, 16 tokens at
// random places raised to 18, 17, ..., 3 above the rest.
func stepLogits(vocab int, sigma float64, peaked bool) [][]float32 {
	rng := rand.New(rand.NewPCG(uint64(vocab), 7))
	rows := make([][]float32, stepRows)
	for b := range rows {
		rows[b] = make([]float32, vocab)
		for i := range rows[b] {
			rows[b][i] = float32(sigma * rng.NormFloat64())
		}
		for j := range 16 {
			if peaked {
				rows[b][rng.IntN(vocab)] += float32(18 - j)
			}
		}
	}
	return rows
}

// BenchmarkSamplerStepWork reports the host-side work of one decode step of stepRows rows
// (ns/op, and us/step).
func BenchmarkSamplerStepWork(b *testing.B) {
	for _, vocab := range []int{8192, 151936} {
		for _, dist := range []struct {
			name   string
			sigma  float64
			peaked bool
		}{{"flat", 0.05, false}, {"peaked", 1, true}} {
			logits := stepLogits(vocab, dist.sigma, dist.peaked)
			b.Run(fmt.Sprintf("v%d/%s/argmax", vocab, dist.name), func(b *testing.B) {
				for b.Loop() {
					for _, row := range logits {
						argmax(row)
					}
				}
				reportStep(b)
			})
			for _, ch := range stepChoices {
				b.Run(fmt.Sprintf("v%d/%s/%s", vocab, dist.name, ch.name), func(b *testing.B) {
					w := sampler.NewStepWork(sampler.GenerateOptions{Choice: ch.c, TokenLogprobs: true}, stepRows)
					rng := rand.New(rand.NewPCG(1, 2))
					for b.Loop() {
						if _, err := w.Choose(logits, rng.Float64()); err != nil {
							b.Fatal(err)
						}
					}
					reportStep(b)
				})
			}
		}
	}
	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join("..", "testdata", "data", "math500_sample.json"))
	if err != nil {
		b.Fatal(err)
	}
	ids, err := tok.Encode(string(text), false)
	if err != nil {
		b.Fatal(err)
	}
	for _, stops := range [][]string{nil, {"</answer>", "\n\nProblem:"}} {
		name := "stream"
		if stops != nil {
			name = "stream+stop"
		}
		b.Run(name, func(b *testing.B) {
			w := sampler.NewStepWork(sampler.GenerateOptions{MaxNewTokens: 1024, StopStrings: stops,
				NewStream: func() sampler.TextStream { return tok.NewStream() }}, stepRows)
			toks := make([]int, stepRows)
			at := 0
			for b.Loop() {
				for r := range toks { // row r reads the text from its own offset
					toks[r] = ids[(at+r*97)%len(ids)]
				}
				at++
				w.Accept(toks)
			}
			reportStep(b)
		})
	}
}

func reportStep(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "us/step")
}
