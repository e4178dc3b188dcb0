package verify

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The paper's format regexes (hkust-nlp/model-task-align-rl), the reference RLFormat must
// agree with: '.' matches newlines (formatRe) or, as released, not (formatStrictRe).
var (
	formatRe       = regexp.MustCompile(`(?s)\A<think>.*?</think>\s*<answer>.*?</answer>\z`)
	formatStrictRe = regexp.MustCompile(`\A<think>.*?</think>\s*<answer>.*?</answer>\z`)
)

// TestRLFormatIsTheRegex compares RLFormat with the regexes on random strings made of the
// format's tags, white space and text, and on edge cases.
func TestRLFormatIsTheRegex(t *testing.T) {
	pieces := []string{"<think>", "</think>", "<answer>", "</answer>", " ", "\n", "\t", "\v", "x", "<", ">", "</", "think>", "é", "\xff"}
	cases := []string{"", "<think></think><answer></answer>", "<think></think><answer>", "<think>x</think>\n<answer>5</answer>",
		"<think></think></answer>", "<think>a\nb</think><answer>1</answer>", "<think>a</think><answer>1\n2</answer>",
		"<think>a</think>\n<answer>b</think><answer>c</answer>", "<think>a\n</think>x</think> <answer>1</answer>",
		" \n<think>a</think><answer>1</answer>\n ", "<think></think>\v<answer>1</answer>"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		trimmed := strings.TrimSpace(c)
		if got, want := RLFormat(c, false), formatRe.MatchString(trimmed); got != want {
			t.Errorf("RLFormat(%q) = %v, the regex says %v", c, got, want)
		}
		if got, want := RLFormat(c, true), formatStrictRe.MatchString(trimmed); got != want {
			t.Errorf("RLFormat(%q, strict) = %v, the regex says %v", c, got, want)
		}
	}
}

func BenchmarkRLFormat(b *testing.B) {
	text := "<think>" + strings.Repeat("Let x be the number of apples; then 3x + 2 = 11, so x = 3.\n", 30) + "</think>\n<answer>3</answer>"
	if !RLFormat(text, false) || !formatRe.MatchString(text) {
		b.Fatal("setup: the text is not in the format")
	}
	b.Run("strings", func(b *testing.B) {
		for b.Loop() {
			RLFormat(text, false)
		}
	})
	b.Run("regex", func(b *testing.B) {
		for b.Loop() {
			formatRe.MatchString(text)
		}
	})
}
