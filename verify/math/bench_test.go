package math

import (
	"testing"
)

// math500Pairs returns (gold, equivalent rewrite) pairs of the MATH-500 sample and checks
// that every pair compares equal before anything is timed.
func math500Pairs(b *testing.B) [][2]string {
	var pairs [][2]string
	for _, gold := range loadMATH500(b) {
		for _, rw := range rewrites {
			if s, ok := rw.fn(gold); ok {
				pairs = append(pairs, [2]string{gold, s})
			}
		}
		pairs = append(pairs, [2]string{gold, gold})
	}
	for _, p := range pairs {
		if !Equal(p[0], p[1]) {
			b.Fatalf("setup: %q vs %q not equal", p[0], p[1])
		}
	}
	return pairs
}

// BenchmarkCheck parses both answers and compares them: one iteration verifies every pair.
func BenchmarkCheck(b *testing.B) {
	pairs := math500Pairs(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pairs {
			Check(p[0], p[1], Options{})
		}
	}
	b.ReportMetric(float64(b.N*len(pairs))/b.Elapsed().Seconds(), "answers/s")
}

// BenchmarkVerifyCompletion is what scoring a samples file does per completion: the gold
// answer is parsed once per problem, each completion is extracted, parsed and compared.
func BenchmarkVerifyCompletion(b *testing.B) {
	pairs := math500Pairs(b)
	golds := make([]*Answer, len(pairs))
	texts := make([]string, len(pairs))
	for i, p := range pairs {
		golds[i] = Parse(p[0], Options{})
		texts[i] = "<think>Let me work this out step by step. First, we simplify.</think>\n<answer>" + p[1] + "</answer>"
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, text := range texts {
			ex, _ := Extract(text, ExtractOptions{})
			Compare(golds[i], Parse(ex.Answer, Options{}), Options{})
		}
	}
	b.ReportMetric(float64(b.N*len(pairs))/b.Elapsed().Seconds(), "answers/s")
}

// BenchmarkVerifyCompletionMathVerify is the math-verify–compatible mode on the same pairs:
// the gold parsed once per problem, each completion (a short reasoning ending in a boxed
// answer, as math-verify's users write them) scanned by ExtractMathVerify and compared.
func BenchmarkVerifyCompletionMathVerify(b *testing.B) {
	pairs := math500Pairs(b)
	opts := Options{MathVerify: true}
	golds := make([]*Answer, len(pairs))
	texts := make([]string, len(pairs))
	for i, p := range pairs {
		golds[i] = ParseMathVerify(p[0], opts)
		texts[i] = "Let me work this out step by step. First, we simplify $x + 1$ and check $y$.\n\nTherefore the answer is $\\boxed{" + p[1] + "}$."
		if a, _, ok := ExtractMathVerify(texts[i], opts); !ok || a == nil {
			b.Fatalf("setup: nothing extracted from %q", texts[i])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, text := range texts {
			if a, _, ok := ExtractMathVerify(text, opts); ok {
				Compare(golds[i], a, opts)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(pairs))/b.Elapsed().Seconds(), "answers/s")
}
