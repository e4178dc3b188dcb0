package logic

import (
	"regexp"
	"strings"
)

// maxAnswerBytes bounds any single extracted answer; longer ones are rejected unparsed, so the
// cost of grading is linear in the response and independent of what the answer contains.
const maxAnswerBytes = 64 << 10

// answerRegion is the text a verifier grades: what follows the last "</think>" (or the whole
// response) and, when that holds an <answer>…</answer>, the content of the first one, as
// upstream SynLogic's harness hands its verifiers (base/verifier.py
// _extract_solution_with_thought; the tags may span lines). Without the tags the whole text
// after the reasoning is graded, so prompts that do not ask for them work too.
func answerRegion(resp string) string {
	if i := strings.LastIndex(resp, "</think>"); i >= 0 {
		resp = resp[i+len("</think>"):]
	}
	if i := strings.Index(resp, "<answer>"); i >= 0 {
		rest := resp[i+len("<answer>"):]
		if j := strings.Index(rest, "</answer>"); j >= 0 {
			return strings.TrimSpace(rest[:j])
		}
	}
	return resp
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
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

// pythonFences returns the trimmed bodies of the ```python blocks of text, in order, as
// upstream SynLogic's verifiers find them with re.findall: a block runs from "```python" to
// the next "```" (so "```python3" is a python block whose body starts with "3"). With lines,
// the tag must be followed by a line break and the closing fence must start a line, as in
// upstream's ```python\s*\n(.*?)\n\s*``` patterns: a one-line ```python (...)``` is skipped.
func pythonFences(text string, lines bool) []string {
	const open = "```python"
	var out []string
	for pos := 0; ; {
		i := strings.Index(text[pos:], open)
		if i < 0 {
			return out
		}
		start := pos + i + len(open)
		if !lines {
			j := strings.Index(text[start:], "```")
			if j < 0 {
				return out
			}
			out = append(out, strings.TrimSpace(text[start:start+j]))
			pos = start + j + 3
			continue
		}
		body := start + len(text[start:]) - len(strings.TrimLeft(text[start:], " \t\r\n\f\v"))
		if !strings.Contains(text[start:body], "\n") {
			pos = pos + i + 1
			continue
		}
		end := closingFenceLine(text, body)
		if end < 0 {
			return out
		}
		out = append(out, strings.TrimSpace(text[body:end]))
		pos = end + 3
	}
}

// closingFenceLine returns the position of the first "```" at or after from that only white
// space separates from a preceding line break (the "\n\s*```" of upstream's patterns), or -1.
func closingFenceLine(text string, from int) int {
	for p := from; ; {
		j := strings.Index(text[p:], "```")
		if j < 0 {
			return -1
		}
		at := p + j
		before := strings.TrimRight(text[from:at], " \t\r\f\v")
		if strings.HasSuffix(before, "\n") || at == from {
			return at
		}
		p = at + 1
	}
}

// untaggedFences returns the trimmed bodies of the ``` blocks whose opening fence is followed
// only by white space up to a line break (no language tag), in order.
func untaggedFences(text string) []string {
	var out []string
	for _, b := range rawFences(text) {
		if nl := strings.IndexByte(b, '\n'); nl >= 0 && strings.TrimSpace(b[:nl]) == "" {
			out = append(out, strings.TrimSpace(b))
		}
	}
	return out
}

// allFences returns the bodies, trimmed, of the ``` blocks of text in order, a block's tag
// included in its body (upstream's ```([\s\S]*?)```).
func allFences(text string) []string {
	out := rawFences(text)
	for i, b := range out {
		out[i] = strings.TrimSpace(b)
	}
	return out
}

// rawFences returns what lies between the 1st and 2nd, 3rd and 4th, ... "```" of text.
func rawFences(text string) []string {
	var out []string
	for pos := 0; ; {
		i := strings.Index(text[pos:], "```")
		if i < 0 {
			return out
		}
		start := pos + i + 3
		j := strings.Index(text[start:], "```")
		if j < 0 {
			return out
		}
		out = append(out, text[start:start+j])
		pos = start + j + 3
	}
}

// bareGrids returns the "[[ … ]]" spans of text in order, as upstream's re.findall of
// \[\s*\[.*?\]\s*\] finds them: each runs from a "[" followed (after white space) by "[" to
// the first "]" followed (after white space) by "]". With digit, the inner "[" must be
// followed by a digit (numbrix's \[\s*\[\s*\d+.*?\]\s*\]).
func bareGrids(text string, digit bool) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		k := skipSpace(text, i+1)
		if k >= len(text) || text[k] != '[' {
			continue
		}
		if digit {
			if d := skipSpace(text, k+1); d >= len(text) || text[d] < '0' || text[d] > '9' {
				continue
			}
		}
		end := doubleCloser(text, k+1, ']')
		if end < 0 {
			return out
		}
		out = append(out, text[i:end+1])
		i = end
	}
	return out
}

// doubleCloser returns the index of the second closer of the first "c c" pair (white space
// allowed between them) at or after from, or -1: the end of upstream's lazy \]\s*\] and
// \)\s*\) matches.
func doubleCloser(text string, from int, c byte) int {
	for p := from; p < len(text); p++ {
		if text[p] == c {
			if q := skipSpace(text, p+1); q < len(text) && text[q] == c {
				return q
			}
		}
	}
	return -1
}

// skipSpace returns the first index at or after i that is not ASCII white space.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
		i++
	}
	return i
}

// last returns the last element of ss, or "" and false.
func last(ss []string) (string, bool) {
	if len(ss) == 0 {
		return "", false
	}
	return ss[len(ss)-1], true
}

// first returns the first element of ss, or "" and false.
func first(ss []string) (string, bool) {
	if len(ss) == 0 {
		return "", false
	}
	return ss[0], true
}

// afterLastTag is upstream's text.split(tag)[-1].split("```")[0].strip(): the text after the
// last tag (all of text without one) up to the next fence.
func afterLastTag(text, tag string) string {
	if i := strings.LastIndex(text, tag); i >= 0 {
		text = text[i+len(tag):]
	}
	if i := strings.Index(text, "```"); i >= 0 {
		text = text[:i]
	}
	return strings.TrimSpace(text)
}

// lastMatchInRuns returns the last of re's leftmost, non-overlapping matches in text (the
// last element of re.FindAllString(text, -1)) for a pattern whose matches consist of bytes
// inRun accepts, contain the byte must and end in at most a \b after the run: it runs re only
// on the maximal runs of such bytes that hold must, from the last one back, so a long response
// costs a backward scan instead of a regexp pass.
func lastMatchInRuns(text string, re *regexp.Regexp, must byte, inRun func(byte) bool) string {
	for end := len(text); end > 0; {
		i := strings.LastIndexByte(text[:end], must)
		if i < 0 {
			return ""
		}
		lo, hi := i, i+1
		for lo > 0 && inRun(text[lo-1]) {
			lo--
		}
		for hi < len(text) && inRun(text[hi]) {
			hi++
		}
		window := text[lo:min(hi+1, len(text))] // one byte more, for a trailing \b
		if all := re.FindAllString(window, -1); len(all) > 0 {
			return all[len(all)-1]
		}
		end = lo
	}
	return ""
}

// openPattern is a regexp whose every match starts with the bytes of open, white space
// between them allowed, followed (after white space) by a byte next accepts: "[[" then a cell,
// "[(" then a digit. matches finds its matches trying only such places, so a response full of
// near misses ("[[[[…") costs a scan instead of a regexp pass.
type openPattern struct {
	re       *regexp.Regexp // the pattern
	anchored *regexp.Regexp // ^(?:pattern)
	open     string
	next     func(byte) bool
}

func newOpenPattern(expr, open string, next func(byte) bool) openPattern {
	return openPattern{regexp.MustCompile(expr), regexp.MustCompile(`^(?:` + expr + `)`), open, next}
}

// opensAt reports whether text[i:] starts as every match of p does.
func (p openPattern) opensAt(text string, i int) bool {
	for k := 0; k < len(p.open); k++ {
		if k > 0 {
			i = skipSpace(text, i)
		}
		if i >= len(text) || text[i] != p.open[k] {
			return false
		}
		i++
	}
	i = skipSpace(text, i)
	return i < len(text) && p.next(text[i])
}

// matches returns p's leftmost non-overlapping matches in text, as re.FindAllString does (at
// most limit of them when limit > 0).
func (p openPattern) matches(text string, limit int) []string {
	var out []string
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], p.open[0])
		if j < 0 {
			break
		}
		i += j
		if p.opensAt(text, i) {
			if loc := p.anchored.FindStringIndex(text[i:]); loc != nil {
				out = append(out, text[i:i+loc[1]])
				if limit > 0 && len(out) == limit {
					break
				}
				i += max(loc[1], 1)
				continue
			}
		}
		i++
	}
	return out
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }
