package logic

import (
	"regexp"
	"strings"
)

func init() { registerOpts("math_path", verifyMathPath) }

// mathPathMeta is math_path's metadata as the upstream generator writes it: the equation
// with '?' for each hidden digit of the left side under "query_expr" ("?+3*(?-1)%?=12",
// operators + - * / %; "template" is accepted as another spelling), and the reference filling
// under "ref_expr", which is also the gold answer.
type mathPathMeta struct {
	QueryExpr string `json:"query_expr"`
	Template  string `json:"template"`
}

// oneLineBrackets is upstream's \[\[(.*?)\]\] without DOTALL.
var oneLineBrackets = regexp.MustCompile(`\[\[(.*?)\]\]`)

// lastOneLineBrackets returns the content, trimmed, of the last match of oneLineBrackets: it
// lies on the last line that has one, so only lines holding "]]" are searched, from the end.
func lastOneLineBrackets(text string) (string, bool) {
	for end := len(text); end > 0; {
		j := strings.LastIndex(text[:end], "]]")
		if j < 0 {
			return "", false
		}
		lo := strings.LastIndexByte(text[:j], '\n') + 1
		hi := j + strings.IndexByte(text[j:]+"\n", '\n')
		if all := oneLineBrackets.FindAllStringSubmatch(text[lo:hi], -1); len(all) > 0 {
			return strings.TrimSpace(all[len(all)-1][1]), true
		}
		end = lo
	}
	return "", false
}

// questionTemplate finds "3 ? 4 + ? = 15"-like equations with '?' blanks in a question.
var questionTemplate = regexp.MustCompile(`[0-9?(][0-9?+\-*/%×÷() ]*=\s*-?[0-9?]+`)

// verifyMathPath checks the filled equation in the last [[...]] against the rules: it is the
// template with every '?' replaced by one digit 0-9 and all else unchanged (parentheses
// included, which upstream does not compare), and both sides are equal when evaluated
// exactly with Python's meaning of / (true division) and % (floored modulo); a zero divisor
// makes it wrong, as Python's eval raises. Upstream evaluates with floats; exact rationals
// agree wherever floats are exact. Any valid filling is accepted. Without a template it
// compares with the gold answer. o.Upstream compares only the sequences of digits and of
// + - * / % with the template's, as upstream does.
func verifyMathPath(g GameData, region string, o Options) Result {
	var m mathPathMeta
	_ = decodeMeta(g, &m)
	tmpl := firstNonEmpty(m.QueryExpr, m.Template)
	if tmpl == "" {
		for _, cand := range questionTemplate.FindAllString(g.Question, -1) {
			if strings.Contains(cand, "?") {
				tmpl = cand
			}
		}
	}
	// The prompt asks for the equation "enclosed between [[ and ]]" and upstream reads only
	// the last one-line [[...]]; a bare, boxed or fenced equation is a format failure here.
	ans, ok := lastOneLineBrackets(region)
	if !ok {
		return incorrect("", "no [[...]] equation in the answer")
	}
	got, done := equationOrGold(g, ans, tmpl, "template")
	if done != nil {
		return *done
	}
	want := normaliseEquation(tmpl)
	if o.Upstream {
		keep := func(s, set string) string {
			return strings.Map(func(r rune) rune {
				if strings.ContainsRune(set, r) {
					return r
				}
				return -1
			}, s)
		}
		gd, wd := keep(got, "0123456789"), keep(want, "0123456789?")
		match := len(gd) == len(wd)
		for i := 0; match && i < len(wd); i++ {
			match = wd[i] == '?' || wd[i] == gd[i]
		}
		if !match || keep(got, "+-*/%") != keep(want, "+-*/%") {
			return incorrect(ans, "digits or operators differ from the template %s", tmpl)
		}
		want = got
	}
	if len(got) != len(want) {
		return incorrect(ans, "equation does not match the template %s", tmpl)
	}
	for i := 0; i < len(want); i++ {
		switch w, c := want[i], got[i]; {
		case w == '?':
			if c < '0' || c > '9' {
				return incorrect(ans, "blank %d is %q, want a digit", i+1, c)
			}
		case w != c:
			return incorrect(ans, "equation does not match the template %s", tmpl)
		}
	}
	if err := checkEquation(got, true); err != nil {
		return incorrect(ans, "%v", err)
	}
	return Result{Correct: true, Extracted: ans}
}
