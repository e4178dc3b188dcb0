package math

import (
	"fmt"
	"regexp"
	"strings"
)

// Format selects where a completion's final answer is looked for.
type Format string

const (
	// FormatAny tries, in order: the last <answer>…</answer>, the last \boxed{…} or
	// \fbox{…}, the last "#### …" line (GSM8K), the last "Answer: …" / "the answer is …" line.
	FormatAny Format = "any"
	// FormatThinkAnswer is the paper's format, "<think> … </think> <answer> … </answer>":
	// only the last <answer> tag counts (a \boxed{} or "the answer is …" inside it is
	// unwrapped).
	FormatThinkAnswer Format = "think-answer"
	// FormatBoxed takes only the last \boxed{…} or \fbox{…}.
	FormatBoxed Format = "boxed"
)

// ParseFormat checks a format name; "" means FormatAny.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case "":
		return FormatAny, nil
	case FormatAny, FormatThinkAnswer, FormatBoxed:
		return f, nil
	}
	return "", fmt.Errorf("math: unknown answer format %q (want any, think-answer or boxed)", s)
}

// Rule names the extraction rule that found an answer.
type Rule string

const (
	RuleNone       Rule = ""            // nothing found
	RuleAnswerTag  Rule = "answer-tag"  // <answer>…</answer>
	RuleBoxed      Rule = "boxed"       // \boxed{…} or \fbox{…}
	RuleHashes     Rule = "hashes"      // #### …
	RuleAnswerLine Rule = "answer-line" // Answer: … / The answer is …
	RuleLastNumber Rule = "last-number" // the last number in the text (only when asked)
)

// ExtractOptions select the extraction rules. The zero value is FormatAny without the
// last-number fallback.
type ExtractOptions struct {
	Format Format
	// LastNumber falls back to the last number in the text when no rule matched.
	LastNumber bool
}

// Extraction is an extracted answer and the rule that found it.
type Extraction struct {
	Answer string
	Rule   Rule
	// Reason says why nothing was found, when there is more to say than that no rule
	// matched (a \boxed{ never closed).
	Reason string
}

// reasonUnclosed explains an answer lost to a \boxed{ that never closes: the text was cut
// (max tokens) or is malformed, and what is inside cannot be known to be the whole answer.
const reasonUnclosed = `the last \boxed{ is never closed (a truncated answer)`

// Extract finds the final answer in a completion. ok is false when no enabled rule matched.
func Extract(text string, opts ExtractOptions) (ex Extraction, ok bool) {
	format := opts.Format
	if format == "" {
		format = FormatAny
	}
	if format == FormatAny || format == FormatThinkAnswer {
		if a, ok := AnswerTag(text); ok {
			// Models sometimes dress the tag's content: "\boxed{5}", "The answer is 5.".
			if b, ok := lastBoxed(a); ok {
				a = b
			} else if b, ok := answerLine(a); ok {
				a = b
			}
			return Extraction{Answer: strings.TrimSpace(a), Rule: RuleAnswerTag}, true
		}
	}
	if format == FormatAny || format == FormatBoxed {
		if a, ok := lastBoxed(text); ok {
			return Extraction{Answer: strings.TrimSpace(a), Rule: RuleBoxed}, true
		}
	}
	if format == FormatAny {
		if a, ok := hashes(text); ok {
			return Extraction{Answer: a, Rule: RuleHashes}, true
		}
		if a, ok := answerLine(text); ok {
			return Extraction{Answer: a, Rule: RuleAnswerLine}, true
		}
	}
	if opts.LastNumber {
		if m := lastNumberRE.FindAllString(text, -1); len(m) > 0 {
			return Extraction{Answer: m[len(m)-1], Rule: RuleLastNumber}, true
		}
	}
	if format != FormatThinkAnswer && unclosedBox(text) {
		return Extraction{Reason: reasonUnclosed}, false
	}
	return Extraction{}, false
}

// unclosedBox reports whether the last \boxed{ or \fbox{ of text never closes.
func unclosedBox(text string) bool {
	i, n := strings.LastIndex(text, `\boxed`), len(`\boxed`)
	if j := strings.LastIndex(text, `\fbox`); j > i {
		i, n = j, len(`\fbox`)
	}
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(text[i+n:], " ")
	if !strings.HasPrefix(rest, "{") {
		return false
	}
	_, _, ok := braced(rest, 0)
	return !ok
}

// AnswerTag returns the content of the last complete <answer>…</answer>, untrimmed.
func AnswerTag(text string) (string, bool) {
	end := strings.LastIndex(text, "</answer>")
	if end < 0 {
		return "", false
	}
	start := strings.LastIndex(text[:end], "<answer>")
	if start < 0 {
		return "", false
	}
	return text[start+len("<answer>") : end], true
}

// ThinkAnswerFormat reports whether a completion follows the paper's format: one
// "</think>", then one "<answer>…</answer>" that ends the text. The opening <think> may be
// missing, since chat templates of reasoning models often put it in the prompt.
func ThinkAnswerFormat(text string) bool {
	if strings.Count(text, "<think>") > 1 || strings.Count(text, "</think>") != 1 ||
		strings.Count(text, "<answer>") != 1 || strings.Count(text, "</answer>") != 1 {
		return false
	}
	thinkEnd := strings.Index(text, "</think>")
	if open := strings.Index(text, "<think>"); open > thinkEnd {
		return false
	}
	a := strings.Index(text, "<answer>")
	b := strings.Index(text, "</answer>")
	return thinkEnd < a && a < b && strings.TrimSpace(text[b+len("</answer>"):]) == ""
}

// lastBoxed returns the content of the last complete \boxed{…} or \fbox{…} (the one that
// starts last), with nested braces; "\boxed 5" (no braces) gives "5". One forward pass with a
// stack of open braces keeps it linear on adversarial text (thousands of unclosed \boxed{).
func lastBoxed(text string) (string, bool) {
	type open struct {
		at    int
		boxed bool
	}
	var stack []open
	start, end := -1, -1
	boxedNext := false // the next '{' opens a \boxed argument
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\':
			j := i + 1
			for j < len(text) && isLetter(text[j]) {
				j++
			}
			if j == i+1 {
				i++ // an escaped character: \{ and \} are not braces
				continue
			}
			if name := text[i+1 : j]; name == "boxed" || name == "fbox" {
				k := j
				for k < len(text) && text[k] == ' ' {
					k++
				}
				if k < len(text) && text[k] == '{' {
					boxedNext = true
				} else if k > j {
					l := k
					for l < len(text) && text[l] != ' ' && text[l] != '$' && text[l] != '\n' {
						l++
					}
					if l > k {
						start, end = k, l
					}
				}
				i = k - 1
				continue
			}
			i = j - 1
		case '{':
			stack = append(stack, open{i, boxedNext})
			boxedNext = false
		case '}':
			if n := len(stack); n > 0 {
				o := stack[n-1]
				stack = stack[:n-1]
				if o.boxed && o.at+1 > start {
					start, end = o.at+1, i
				}
			}
		}
	}
	if start < 0 {
		return "", false
	}
	return text[start:end], true
}

// hashes finds GSM8K's final-answer marker: the last line that starts with "####" (after
// spaces) followed by a number, as GSM8K's solutions end ("#### 72", "#### $1,000", "#### -3").
// A "####" inside a word or a line, or a markdown heading ("#### Step 2"), is not one.
func hashes(text string) (string, bool) {
	for end := len(text); end > 0; {
		i := strings.LastIndex(text[:end], "####")
		if i < 0 {
			return "", false
		}
		end = i
		start := strings.LastIndexByte(text[:i], '\n') + 1
		if strings.TrimLeft(text[start:i], " \t") != "" {
			continue // not at the start of its line
		}
		line := strings.TrimLeft(text[i:], "#")
		if nl := strings.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		line = strings.TrimSpace(line)
		if line != "" && strings.IndexByte("0123456789-+.$\\", line[0]) >= 0 {
			return line, true
		}
	}
	return "", false
}

// answerLine finds the last line that states the answer: "Answer: 42", "**Final Answer:** 42",
// "The answer is $42$." (or the line after a bare "Answer:").
func answerLine(text string) (string, bool) {
	lines := strings.Split(text, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		lower := lowerASCII(lines[i]) // byte offsets must match the line's
		j := strings.LastIndex(lower, "answer")
		if j < 0 {
			continue
		}
		rest := strings.TrimLeft(lines[i][j+len("answer"):], "* ")
		switch {
		case strings.HasPrefix(rest, ":"):
			rest = rest[1:]
		case strings.HasPrefix(lowerASCII(rest), "is"):
			rest = strings.TrimPrefix(rest[2:], ":")
		default:
			continue
		}
		rest = cleanAnswer(rest)
		if rest == "" && i+1 < len(lines) {
			rest = cleanAnswer(lines[i+1])
		}
		if rest != "" && !unclosedBox(rest) {
			return rest, true
		}
	}
	return "", false
}

// cleanAnswer strips markdown emphasis, a trailing full stop and surrounding math delimiters.
func cleanAnswer(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "* ")
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '$' && s[len(s)-1] == '$' {
		s = strings.Trim(s, "$")
	}
	if b, ok := lastBoxed(s); ok {
		s = b
	}
	return strings.TrimSpace(s)
}

var lastNumberRE = regexp.MustCompile(`-?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?|-?\.\d+`)

// lowerASCII lowercases ASCII letters only, keeping every byte offset.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
