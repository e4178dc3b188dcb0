package logic

import (
	"strings"
)

// maxAnswerBytes bounds any single extracted answer; longer ones are rejected unparsed, so the
// cost of grading is linear in the response and independent of what the answer contains.
const maxAnswerBytes = 64 << 10

// answerRegion returns the text after the last "</think>", or the whole response.
func answerRegion(resp string) string {
	if i := strings.LastIndex(resp, "</think>"); i >= 0 {
		return resp[i+len("</think>"):]
	}
	return resp
}

// lastFenced returns the body of the last closed ``` block whose language tag (compared in
// lower case) is one of langs; "" in langs matches an untagged fence. The tag is the run of
// letters, digits, '+', '-' or '_' right after the opening fence, so ```python [1, 2]``` on
// one line works too. One pass over text.
func lastFenced(text string, langs ...string) (body string, ok bool) {
	pos := 0
	for {
		i := strings.Index(text[pos:], "```")
		if i < 0 {
			return body, ok
		}
		open := pos + i + 3
		tagEnd := open
		for tagEnd < len(text) && isTagByte(text[tagEnd]) {
			tagEnd++
		}
		j := strings.Index(text[tagEnd:], "```")
		if j < 0 {
			return body, ok
		}
		closeAt := tagEnd + j
		tag := asciiLower(text[open:tagEnd])
		for _, l := range langs {
			if tag == l {
				body, ok = strings.TrimSpace(text[tagEnd:closeAt]), true
				break
			}
		}
		pos = closeAt + 3
	}
}

func isTagByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '_'
}

// lastPythonBlock is lastFenced for the ```python blocks most SynLogic prompts ask for.
func lastPythonBlock(text string) (string, bool) {
	return lastFenced(text, "python", "py", "python3")
}

// lastBoxed returns the content of the last balanced \boxed{...} in text. A single forward pass
// keeps a stack of open braces, so adversarial input (thousands of unclosed \boxed{) stays linear.
func lastBoxed(text string) (string, bool) {
	const marker = `\boxed{`
	type open struct {
		at    int
		boxed bool
	}
	var stack []open
	bestStart, bestEnd := -1, -1
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '{':
			boxed := i+1 >= len(marker) && text[i+1-len(marker):i+1] == marker
			if len(stack) < 1<<16 {
				stack = append(stack, open{i + 1, boxed})
			}
		case '}':
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.boxed && top.at > bestStart {
				bestStart, bestEnd = top.at, i
			}
		}
	}
	if bestStart < 0 {
		return "", false
	}
	return strings.TrimSpace(text[bestStart:bestEnd]), true
}

// lastDoubleBracket returns the text between the last "]]" and the "[[" before it (the
// KOR-style answer wrapper).
func lastDoubleBracket(text string) (string, bool) {
	end := strings.LastIndex(text, "]]")
	if end < 0 {
		return "", false
	}
	start := strings.LastIndex(text[:end], "[[")
	if start < 0 {
		return "", false
	}
	return strings.TrimSpace(text[start+2 : end]), true
}

// afterLastMarker returns the rest of the line after the last occurrence of any marker,
// matched ASCII-case-insensitively ("The answer is", "答案是"), without a leading colon.
func afterLastMarker(text string, markers ...string) (string, bool) {
	lower := asciiLower(text)
	best, bestLen := -1, 0
	for _, m := range markers {
		if i := strings.LastIndex(lower, asciiLower(m)); i > best {
			best, bestLen = i, len(m)
		}
	}
	if best < 0 {
		return "", false
	}
	rest := text[best+bestLen:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.TrimLeft(strings.TrimSpace(rest), ":： "), true
}

// lastNonEmptyLine returns the last line of text with non-space content, trimmed.
func lastNonEmptyLine(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[i+1:]
	}
	return strings.TrimSpace(text)
}

// asciiLower lowercases ASCII letters only, so byte offsets stay aligned with the input.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// stripDecoration removes markdown and quoting around a short answer: bold/italic stars,
// backticks, quotes, LaTeX $ and a trailing full stop.
func stripDecoration(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.Trim(t, "*`$\"'")
		t = strings.TrimSpace(t)
		t = strings.TrimSuffix(t, ".")
		t = strings.TrimSuffix(t, "。")
		if t == s {
			return t
		}
		s = t
	}
}
