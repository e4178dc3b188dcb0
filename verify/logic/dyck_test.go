package logic

import (
	"strconv"
	"strings"
	"testing"
)

type dyckTestMeta struct {
	FullSequence     string `json:"full_sequence"`
	QuestionSequence string `json:"question_sequence"`
	BracketString    string `json:"bracket_string"`
	FirstErrorPos    int    `json:"first_error_pos"`
}

// closeMinimal is an independent reference: the shortest completion of a bracket prefix.
func closeMinimal(prefix string) string {
	pairs := map[rune]rune{'(': ')', '[': ']', '{': '}', '<': '>'}
	var stack []rune
	for _, r := range prefix {
		if c, ok := pairs[r]; ok {
			stack = append(stack, c)
		} else {
			stack = stack[:len(stack)-1]
		}
	}
	out := []rune(prefix)
	for i := len(stack) - 1; i >= 0; i-- {
		out = append(out, stack[i])
	}
	return string(out)
}

// firstError is an independent reference for the first error position (1-based; length+1
// for unclosed brackets; -1 when valid).
func firstError(s string) int {
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{', '>': '<'}
	var stack []byte
	for i := 0; i < len(s); i++ {
		if open, isClose := pairs[s[i]]; isClose {
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return i + 1
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, s[i])
		}
	}
	if len(stack) > 0 {
		return len(s) + 1
	}
	return -1
}

func TestDyckLanguageSamples(t *testing.T) {
	sampleSuite{
		task: "dyck_language",
		good: func(t *testing.T, g GameData) []string {
			m := meta[dyckTestMeta](t, g)
			if got := closeMinimal(m.QuestionSequence); got != m.FullSequence || g.Answer != m.FullSequence {
				t.Fatalf("reference completion %s, metadata %s, answer %s", got, m.FullSequence, g.Answer)
			}
			spaced := strings.Join(strings.Split(g.Answer, ""), " ")
			return []string{
				g.Answer,
				spaced,
				"\n" + g.Answer + "\n",
				`"` + g.Answer + `"`,
				"<think>" + m.QuestionSequence + "</think>\n" + g.Answer,
				"<think>so</think>\n<answer>\n" + g.Answer + "\n</answer>",
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[dyckTestMeta](t, g)
			a := g.Answer
			return map[string]string{
				"prefix only":         m.QuestionSequence,
				"one closer missing":  a[:len(a)-1],
				"extra closer":        a + a[len(a)-1:],
				"extra pair":          a + "()",
				"changed bracket":     a[:len(a)-1] + map[byte]string{')': "]", ']': ")", '}': ">", '>': "}"}[a[len(a)-1]],
				"prose on last line":  "the sequence is complete " + a,
				"answer then remarks": a + "\nThis closes every bracket.",
				// Upstream grades the whole response: reasoning or a label before it fails.
				"reasoning first": "The brackets close as follows.\n\n" + a + "\n",
				"label":           "Answer: `" + a + "`",
				"code block":      "```\n" + a + "\n```",
			}
		},
	}.run(t)
}

func TestDyckLanguageErrorsSamples(t *testing.T) {
	sampleSuite{
		task: "dyck_language_errors",
		good: func(t *testing.T, g GameData) []string {
			m := meta[dyckTestMeta](t, g)
			if ref := firstError(m.BracketString); strconv.Itoa(ref) != g.Answer {
				t.Fatalf("reference first error %d, gold %s", ref, g.Answer)
			}
			return []string{
				g.Answer,
				" " + g.Answer + "\n",
				"<think>Scanning left to right...</think>\n" + g.Answer,
				"<answer>" + g.Answer + "</answer>",
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			n, _ := strconv.Atoi(g.Answer)
			return map[string]string{
				"off by one":      strconv.Itoa(n + 1),
				"zero based":      strconv.Itoa(n - 1),
				"valid claimed":   "-1",
				"number in prose": "The first error is at position " + g.Answer + " of 20.",
				"two numbers":     g.Answer + " " + g.Answer,
				"later box":       `\boxed{` + g.Answer + `} \boxed{` + strconv.Itoa(n+1) + `}`,
				// Upstream: the whole response must be the number.
				"reasoning first": "Scanning left to right...\n" + g.Answer,
				"answer is":       "So the answer is " + g.Answer + ".",
				"答案是":             "答案是：" + g.Answer,
				"boxed":           `\boxed{` + g.Answer + `}`,
				"bold":            "**" + g.Answer + "**",
				"says valid":      "The sequence is valid.",
				"says correct":    "All brackets are correct.",
				"says 合法":         "合法",
			}
		},
	}.run(t)
	valid := GameData{Answer: "-1"}
	expect(t, "dyck_language_errors", valid, "-1", true)
	expect(t, "dyck_language_errors", valid, "1", false)
	for _, r := range []string{"The sequence is valid.", "VALID", "all brackets are correct", "该序列合法"} {
		expect(t, "dyck_language_errors", valid, r, true)
	}
	// Upstream's substring test reads these as "valid"; we do not (Options.Upstream does).
	up, _ := LookupWith("dyck_language_errors", Options{Upstream: true})
	for _, r := range []string{"invalid", "The sequence is INVALID", "incorrect", "不合法"} {
		expect(t, "dyck_language_errors", valid, r, false)
		if !up.Verify(valid, r).Correct {
			t.Errorf("upstream mode: %q is not read as -1", r)
		}
	}
	fromMeta := GameData{Metadata: []byte(`{"first_error_pos": 7, "is_valid": false}`)}
	expect(t, "dyck_language_errors", fromMeta, "7", true)
}
