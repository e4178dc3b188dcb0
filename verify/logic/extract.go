package logic

import (
	"regexp"
	"slices"
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

// lastFenced returns the body of the last closed ``` block whose language tag (compared in
// lower case) is one of langs; "" in langs matches an untagged fence. The tag is the run of
// letters, digits, '+', '-' or '_' right after the opening fence, so ```python [1, 2]``` on
// one line works too. One pass over text.
func lastFenced(text string, langs ...string) (body string, ok bool) {
	body, _, ok = lastFencedAt(text, langs...)
	return body, ok
}

// lastFencedAt is lastFenced that also returns where the block's opening fence starts (-1
// when there is none).
func lastFencedAt(text string, langs ...string) (body string, at int, ok bool) {
	pos, at := 0, -1
	for {
		i := strings.Index(text[pos:], "```")
		if i < 0 {
			return body, at, ok
		}
		open := pos + i + 3
		tagEnd := open
		for tagEnd < len(text) && isTagByte(text[tagEnd]) {
			tagEnd++
		}
		j := strings.Index(text[tagEnd:], "```")
		if j < 0 {
			return body, at, ok
		}
		closeAt := tagEnd + j
		tag := strings.ToLower(text[open:tagEnd])
		for _, l := range langs {
			if tag == l {
				body, at, ok = strings.TrimSpace(text[tagEnd:closeAt]), open-3, true
				break
			}
		}
		pos = closeAt + 3
	}
}

func isTagByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '_'
}

// pythonTags are the fence tags accepted for the ```python blocks most SynLogic prompts ask for.
var pythonTags = []string{"python", "py", "python3"}

// lastPythonBlock is lastFenced for ```python blocks.
func lastPythonBlock(text string) (string, bool) {
	return lastFenced(text, pythonTags...)
}

// blockOrBrackets returns the later of the last ```python block and the last [[...]] answer;
// brackets reports which one it is.
func blockOrBrackets(text string) (body string, brackets, ok bool) {
	py, pyAt, pyOK := lastFencedAt(text, pythonTags...)
	br, brAt, brOK := lastDoubleBracketAt(text)
	switch {
	// Brackets inside the python block ("[[1, 2], [3, 4]]") are the block's own content.
	case brOK && (!pyOK || brAt > pyAt && strings.Contains(text[pyAt+3:brAt], "```")):
		return br, true, true
	case pyOK:
		return py, false, true
	}
	return "", false, false
}

// lastBoxed returns the content of the last balanced \boxed{...} in text. A single forward pass
// keeps a stack of open braces, so adversarial input (thousands of unclosed \boxed{) stays linear.
func lastBoxed(text string) (string, bool) {
	s, _, ok := lastBoxedAt(text)
	return s, ok
}

// lastBoxedAt is lastBoxed that also returns where the content starts.
func lastBoxedAt(text string) (string, int, bool) {
	const marker = `\boxed{`
	type open struct {
		at    int
		boxed bool
	}
	var stack []open
	// Braces nested deeper than the stack holds are only counted, so matching stays right
	// (such deep \boxed{ are never answers).
	overflow := 0
	bestStart, bestEnd := -1, -1
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '{':
			if len(stack) == 1<<16 {
				overflow++
				continue
			}
			boxed := i+1 >= len(marker) && text[i+1-len(marker):i+1] == marker
			stack = append(stack, open{i + 1, boxed})
		case '}':
			if overflow > 0 {
				overflow--
				continue
			}
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
		return "", -1, false
	}
	return strings.TrimSpace(text[bestStart:bestEnd]), bestStart, true
}

// lastDoubleBracketAt returns the text between the last "]]" and the "[[" before it (the
// KOR-style answer wrapper), and where that "[[" starts.
func lastDoubleBracketAt(text string) (string, int, bool) {
	end := strings.LastIndex(text, "]]")
	if end < 0 {
		return "", -1, false
	}
	start := strings.LastIndex(text[:end], "[[")
	if start < 0 {
		return "", -1, false
	}
	return strings.TrimSpace(text[start+2 : end]), start, true
}

// afterLastMarker returns the rest of the line after the last occurrence of any marker,
// matched ASCII-case-insensitively ("The answer is", "答案是"), without a leading colon.
func afterLastMarker(text string, markers ...string) (string, bool) {
	s, _, ok := afterLastMarkerAt(text, markers...)
	return s, ok
}

// afterLastMarkerAt is afterLastMarker that also returns where the marker starts.
func afterLastMarkerAt(text string, markers ...string) (string, int, bool) {
	best, bestLen := lastMarker(text, markers)
	if best < 0 {
		return "", -1, false
	}
	rest := text[best+bestLen:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.TrimLeft(strings.TrimSpace(rest), ":： "), best, true
}

// lastMarker finds the last occurrence of any marker (ASCII letters matched case-
// insensitively) in one backward pass without copying text; it returns its start and the
// marker's length, or -1.
func lastMarker(text string, markers []string) (int, int) {
	for i := len(text) - 1; i >= 0; i-- {
		c := lowerByte(text[i])
		for _, m := range markers {
			if c != lowerByte(m[0]) || len(text)-i < len(m) {
				continue
			}
			match := true
			for k := 1; k < len(m) && match; k++ {
				match = lowerByte(text[i+k]) == lowerByte(m[k])
			}
			if match {
				return i, len(m)
			}
		}
	}
	return -1, 0
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// answerMarkers introduce a final answer in English and Chinese prompts' formats.
var answerMarkers = []string{"answer is", "answer:", "答案是", "答案为", "答案：", "答案:"}

// finalAnswerCandidates returns the places a short final answer may be, latest first: the
// last \boxed{}, the text after the last answer marker, and the last non-empty line.
func finalAnswerCandidates(region string) []string {
	type cand struct {
		text string
		at   int
	}
	var cs []cand
	if s, at, ok := lastBoxedAt(region); ok {
		cs = append(cs, cand{s, at})
	}
	if s, at, ok := afterLastMarkerAt(region, answerMarkers...); ok {
		cs = append(cs, cand{s, at})
	}
	trimmed := strings.TrimRight(region, " \t\r\n")
	cs = append(cs, cand{lastNonEmptyLine(region), strings.LastIndexByte(trimmed, '\n') + 1})
	slices.SortStableFunc(cs, func(a, b cand) int { return b.at - a.at })
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.text
	}
	return out
}

// lastNonEmptyLine returns the last line of text with non-space content, trimmed.
func lastNonEmptyLine(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[i+1:]
	}
	return strings.TrimSpace(text)
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

// lastListLiteral returns the last bracketed literal in text — the "[...]" that ends at the
// last ']' and starts at its matching '[' — and where it starts. Prompts that ask for a bare
// Python list (kukurasu, numbrix, minesweeper) get no fence or [[...]] wrapper to look for.
// One backward pass of at most maxAnswerBytes; brackets inside quoted strings are counted
// too, which no grid or coordinate answer contains.
func lastListLiteral(text string) (string, int, bool) {
	end := strings.LastIndexByte(text, ']')
	if end < 0 {
		return "", -1, false
	}
	depth := 0
	for i := end; i >= 0 && end-i < maxAnswerBytes; i-- {
		switch text[i] {
		case ']':
			depth++
		case '[':
			depth--
			if depth == 0 {
				return text[i : end+1], i, true
			}
		}
	}
	return "", -1, false
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
