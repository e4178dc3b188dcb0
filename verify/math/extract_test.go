package math

import (
	"strings"
	"testing"
	"time"
)

func TestExtract(t *testing.T) {
	cases := []struct {
		name   string
		text   string
		opts   ExtractOptions
		want   string
		rule   Rule
		wantOK bool
	}{
		{"answer tag", "<think>2+2</think> <answer>4</answer>", ExtractOptions{}, "4", RuleAnswerTag, true},
		{"answer tag trims", "<think>x</think><answer>\n  \\frac{1}{2} \n</answer>", ExtractOptions{}, "\\frac{1}{2}", RuleAnswerTag, true},
		{"last answer tag wins", "<answer>3</answer> wait <answer>4</answer>", ExtractOptions{}, "4", RuleAnswerTag, true},
		{"boxed inside answer tag", "<answer>The answer is \\boxed{7}</answer>", ExtractOptions{}, "7", RuleAnswerTag, true},
		{"answer line inside answer tag", "<answer>The answer is $\\frac{1}{2}$.</answer>", ExtractOptions{}, "\\frac{1}{2}", RuleAnswerTag, true},
		{"answer tag before boxed", "\\boxed{3} <answer>5</answer>", ExtractOptions{}, "5", RuleAnswerTag, true},
		{"unclosed answer tag", "<think>..</think><answer>5", ExtractOptions{Format: FormatThinkAnswer}, "", RuleNone, false},
		{"think-answer ignores boxed", "so \\boxed{5}", ExtractOptions{Format: FormatThinkAnswer}, "", RuleNone, false},
		{"boxed", "Thus the answer is $\\boxed{42}$.", ExtractOptions{}, "42", RuleBoxed, true},
		{"last boxed", "\\boxed{1} then \\boxed{2}", ExtractOptions{}, "2", RuleBoxed, true},
		{"nested braces", "\\boxed{\\frac{\\sqrt{3}}{2}}", ExtractOptions{}, "\\frac{\\sqrt{3}}{2}", RuleBoxed, true},
		{"fbox", "\\fbox{9}", ExtractOptions{Format: FormatBoxed}, "9", RuleBoxed, true},
		{"boxed without braces", "so \\boxed 5$.", ExtractOptions{}, "5", RuleBoxed, true},
		{"truncated last boxed", "\\boxed{3} and finally \\boxed{\\frac{1", ExtractOptions{}, "3", RuleBoxed, true},
		{"boxed format ignores tag", "<answer>4</answer>", ExtractOptions{Format: FormatBoxed}, "", RuleNone, false},
		{"gsm8k hashes", "She has 3 apples.\n#### 1,000\n", ExtractOptions{}, "1,000", RuleHashes, true},
		{"answer line", "work\nAnswer: 17", ExtractOptions{}, "17", RuleAnswerLine, true},
		{"final answer bold", "**Final Answer:** $\\frac{3}{4}$.", ExtractOptions{}, "\\frac{3}{4}", RuleAnswerLine, true},
		{"the answer is", "Therefore, the answer is 12.", ExtractOptions{}, "12", RuleAnswerLine, true},
		{"answer on next line", "Answer:\n 8", ExtractOptions{}, "8", RuleAnswerLine, true},
		{"answer word without colon", "I will answer carefully: no", ExtractOptions{}, "", RuleNone, false},
		{"no answer", "I think it is 5 or 6", ExtractOptions{}, "", RuleNone, false},
		{"last number when asked", "I think it is 5 or -6.5", ExtractOptions{LastNumber: true}, "-6.5", RuleLastNumber, true},
		{"last number fraction", "ratio 3/4", ExtractOptions{LastNumber: true}, "3/4", RuleLastNumber, true},
		{"rules before last number", "\\boxed{2} 7", ExtractOptions{LastNumber: true}, "2", RuleBoxed, true},
		{"empty", "", ExtractOptions{LastNumber: true}, "", RuleNone, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, ok := Extract(c.text, c.opts)
			if ok != c.wantOK || ex.Answer != c.want || ex.Rule != c.rule {
				t.Errorf("Extract(%q) = %+v, %v; want {%q %q}, %v", c.text, ex, ok, c.want, c.rule, c.wantOK)
			}
		})
	}
}

func TestThinkAnswerFormat(t *testing.T) {
	cases := []struct {
		text string
		want bool
	}{
		{"<think>a</think> <answer>1</answer>", true},
		{"<think>a</think>\n<answer>1</answer>\n", true},
		{"a</think><answer>1</answer>", true}, // <think> was in the prompt
		{"<think>a</think> <answer>1</answer> more", false},
		{"<answer>1</answer>", false},
		{"<think>a</think>", false},
		{"<think>a</think><answer>1</answer><answer>2</answer>", false},
		{"<answer>1</answer><think>a</think>", false},
		{"</think><think>a <answer>1</answer>", false},
	}
	for _, c := range cases {
		if got := ThinkAnswerFormat(c.text); got != c.want {
			t.Errorf("ThinkAnswerFormat(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"", "any", "think-answer", "boxed"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("latex"); err == nil || !strings.Contains(err.Error(), "think-answer") {
		t.Errorf("ParseFormat(latex) = %v, want an error listing the formats", err)
	}
}

// Fixed bugs of issue 17: GSM8K's "####" counts only where GSM8K writes it, at the start of a
// line before a number; an unclosed \boxed{ is no answer, and says so.
func TestExtractFixedBugs(t *testing.T) {
	cases := []struct {
		name, text string
		want       string
		rule       Rule
		reason     string
	}{
		{"hashes inside a word", "the code ab####12 is wrong\nAnswer: 7", "7", RuleAnswerLine, ""},
		{"hashes inside a line", "I typed #### 5 here", "", RuleNone, ""},
		{"markdown heading", "#### Step 1: add\nAnswer: 5", "5", RuleAnswerLine, ""},
		{"indented hashes", "work\n  #### 42", "42", RuleHashes, ""},
		{"hashes with a dollar", "work\n#### $1,000", "$1,000", RuleHashes, ""},
		{"last marker wins", "#### 3\nno, wait\n#### 4", "4", RuleHashes, ""},
		{"unclosed box", "The answer is \\boxed{2", "", RuleNone, reasonUnclosed},
		{"unclosed box on the answer line", "Answer: 3\nThe answer is \\boxed{2", "3", RuleAnswerLine, ""},
		{"complete box before an unclosed one", "\\boxed{3} and finally \\boxed{\\frac{1", "3", RuleBoxed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex, ok := Extract(c.text, ExtractOptions{})
			if ok != (c.want != "") || ex.Answer != c.want || ex.Rule != c.rule || ex.Reason != c.reason {
				t.Errorf("Extract(%q) = %+v, %v; want {%q %q %q}", c.text, ex, ok, c.want, c.rule, c.reason)
			}
		})
	}
	// Inside a closed tag the answer is complete but malformed: graded with a reason.
	r := Check("2", `\boxed{2`, Options{})
	if r.Equal || !strings.Contains(r.Reason, "not well-formed") {
		t.Errorf(`Check("2", "\\boxed{2") = %+v, want not equal with a reason`, r)
	}
}

// Fixed bug: the last \boxed{ was searched backwards, rescanning to the end for every
// unclosed one (quadratic; minutes on a 700 KB completion).
func TestExtractAdversarial(t *testing.T) {
	cases := map[string]string{
		"unclosed boxed":  strings.Repeat("\\boxed{", 100000),
		"unclosed braces": "\\boxed{1}" + strings.Repeat("{", 200000),
		"many tags":       strings.Repeat("<answer>", 100000) + "</answer>",
		"many lines":      strings.Repeat("answer\n", 100000),
		"many numbers":    strings.Repeat("1,234 ", 100000),
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			Extract(text, ExtractOptions{LastNumber: true})
			if d := time.Since(start); d > slow {
				t.Errorf("Extract took %v on %d bytes", d, len(text))
			}
		})
	}
}
