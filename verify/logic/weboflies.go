package logic

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

func init() { register("web_of_lies", verifyWebOfLies) }

// Upstream web_of_lies extraction patterns, tried in order (see webOfLiesAnswer).
var (
	wolBold      = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	wolTruthWord = regexp.MustCompile(`(yes|true|truth|是|真话|真)|(no|false|lie|否|假话|假|谎)`)
)

// verifyWebOfLies compares the yes/no list of the answer with the gold list, item by item, as
// upstream does: the answer is found by webOfLiesAnswer, and both are read as the sequence of
// truth words in them (yes/true/truth/是/真 for yes, no/false/lie/否/假/谎 for no, matched inside
// words too, case ignored).
func verifyWebOfLies(g GameData, region string) Result {
	want := truthWords(g.Answer)
	if len(want) == 0 {
		return badInstance("gold answer %q is not a yes/no list", g.Answer)
	}
	text := webOfLiesAnswer(region)
	if len(text) > maxAnswerBytes {
		return incorrect(text[:64], "answer too long")
	}
	if got := truthWords(text); !slices.Equal(got, want) {
		return incorrect(clip(text, 64), "answers %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// webOfLiesAnswer finds the answer where upstream looks: a response ending in "答案是：**…**" or
// "The answer is: **…**" (the colon is required); else the first **bold** of the last line;
// else what follows "The answer is"/"答案是" on the last line up to a full stop; else the last
// run of the whole words yes/no/是/否 (separated by commas or spaces) anywhere.
func webOfLiesAnswer(region string) string {
	if s, ok := finalBoldAnswer(region); ok {
		return s
	}
	trimmed := strings.TrimSpace(region)
	lastLine := strings.TrimSpace(trimmed[strings.LastIndexByte(trimmed, '\n')+1:])
	if m := wolBold.FindStringSubmatch(lastLine); m != nil {
		return strings.TrimSpace(m[1])
	}
	if s, ok := afterAnswerIs(lastLine); ok {
		return s
	}
	return lastYesNoRun(strings.ToLower(region))
}

// lastYesNoRun returns the last run of whole words "yes", "no", "是" or "否" (words as Python's
// \w sees them: letters, digits and _, CJK included) joined only by commas and white space.
func lastYesNoRun(s string) string {
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	best := ""
	runStart, runEnd := -1, -1 // the current run
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWord(r) {
			if runStart >= 0 && !(r == ',' || r == '，' || unicode.IsSpace(r)) {
				best, runStart = s[runStart:runEnd], -1
			}
			i += size
			continue
		}
		j := i
		for j < len(s) {
			rr, n := utf8.DecodeRuneInString(s[j:])
			if !isWord(rr) {
				break
			}
			j += n
		}
		switch w := s[i:j]; {
		case w == "yes" || w == "no" || w == "是" || w == "否":
			if runStart < 0 {
				runStart = i
			}
			runEnd = j
		case runStart >= 0:
			best, runStart = s[runStart:runEnd], -1
		}
		i = j
	}
	if runStart >= 0 {
		best = s[runStart:runEnd]
	}
	return best
}

// truthWords reads the truth words of s in order (true for yes, false for no), case ignored.
func truthWords(s string) []bool {
	var out []bool
	for _, m := range wolTruthWord.FindAllStringSubmatch(strings.ToLower(s), -1) {
		out = append(out, m[1] != "")
	}
	return out
}

// finalBoldAnswer matches upstream's 答案是[：:]\s*\*\*([^*]+)\*\*[.。]*$ and
// [Tt]he answer is[：:=]\s*\*\*([^*]+)\*\*[.。]*$ at the end of text (a final line break
// allowed, as Python's $ does), by looking back from the end instead of scanning.
func finalBoldAnswer(text string) (string, bool) {
	t := strings.TrimSuffix(text, "\n")
	t = strings.TrimRight(t, ".。")
	if !strings.HasSuffix(t, "**") {
		return "", false
	}
	t = t[:len(t)-2]
	open := strings.LastIndex(t, "**")
	if open < 0 || strings.Contains(t[open+2:], "*") || open+2 == len(t) {
		return "", false
	}
	body := t[open+2:]
	head := strings.TrimRightFunc(t[:open], unicode.IsSpace)
	sep := lastRune(head)
	before := strings.TrimSuffix(head, string(sep))
	switch {
	case (sep == '：' || sep == ':') && strings.HasSuffix(before, "答案是"):
	case (sep == '：' || sep == ':' || sep == '=') && (strings.HasSuffix(before, "The answer is") || strings.HasSuffix(before, "the answer is")):
	default:
		return "", false
	}
	return strings.TrimSpace(body), true
}

// lastRune returns the last rune of s (utf8.RuneError when s is empty).
func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// afterAnswerIs is upstream's (?:答案是|[Tt]he answer is)[：:=]?\s*(.*?)(?:[.。]|$) on one
// line: what follows the first marker (and an optional separator) up to a full stop.
func afterAnswerIs(line string) (string, bool) {
	at, size := -1, 0
	for _, m := range []string{"答案是", "The answer is", "the answer is"} {
		if i := strings.Index(line, m); i >= 0 && (at < 0 || i < at) {
			at, size = i, len(m)
		}
	}
	if at < 0 {
		return "", false
	}
	rest := line[at+size:]
	for _, sep := range []string{"：", ":", "="} {
		if r, ok := strings.CutPrefix(rest, sep); ok {
			rest = r
			break
		}
	}
	if i := strings.IndexAny(rest, ".。"); i >= 0 {
		rest = rest[:i]
	}
	return strings.TrimSpace(rest), true
}
