package math

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// This file is the extraction half of the math-verify–compatible mode: where Hugging Face
// math-verify's parse (its default LatexExtractionConfig + ExprExtractionConfig, as used by
// lm-evaluation-harness, open-r1 and TRL) finds the answer in free text. Its rules, read from
// huggingface/Math-Verify src/math_verify/parser.py and re-implemented here as scanners
// (Go's regexp has no look-behind and no backtracking):
//
// Candidates come in priority groups, tried in this order; the first group with a candidate
// that parses wins, and inside a group the candidate that ends last (then starts first) is
// tried first, then the next:
//
//	0    "final answer is <math>. I hope"        (the Minerva few-shot phrase)
//	50   "final answer … is <math>", and \boxed{…} (the last box; neighbouring boxes join)
//	100  "answer: … <math>"
//	200  "answer … <math>"
//	300  any <math>
//
// <math> is either LaTeX — $…$, $$…$$, \[…\], \(…\), " […] " or a bare \frac{a}{b}, with an
// optional percent after it and up to five more joined by ",", "and" or "or" (a set) — or a
// plain expression or number: "1/2", "1,000.99", "1 000", "2,74" (a decimal comma), with an
// optional currency sign before it. A plain number needs a space, "=" or the start of the
// text before it ("AZYUK2A" has none); after "answer … =" the last "=" within 100 characters
// of the line is taken.

// mvCand is one extraction candidate: the LaTeX parts (joined as a set when several) or one
// plain expression.
type mvCand struct {
	start, end int
	parts      []string
	latex      bool
	boxedLast  bool // the parts come from a bare \boxed{…}: keep only its last boxes
	rule       Rule
}

// mvText is a completion prepared for scanning: the sorted positions of the closing
// delimiters, so that finding the end of a math environment is a binary search and a text full
// of unclosed "\[" stays linear.
type mvText struct {
	s                                   string
	lower                               string
	dd, brk, dollar, paren, nl, closeBr []int
}

func newMVText(s string) *mvText {
	t := &mvText{s: s, lower: lowerASCII(s)}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$':
			if i > 0 && s[i-1] == '\\' {
				continue
			}
			t.dollar = append(t.dollar, i)
			if i+1 < len(s) && s[i+1] == '$' {
				t.dd = append(t.dd, i)
			}
		case '\\':
			if i+1 < len(s) && (i == 0 || s[i-1] != '\\') {
				switch s[i+1] {
				case ']':
					t.brk = append(t.brk, i)
				case ')':
					t.paren = append(t.paren, i)
				}
			}
		case '\n':
			t.nl = append(t.nl, i)
		case ']':
			t.closeBr = append(t.closeBr, i)
		}
	}
	return t
}

// next returns the first position in pos at or after i, or -1.
func next(pos []int, i int) int {
	k := sort.SearchInts(pos, i)
	if k == len(pos) {
		return -1
	}
	return pos[k]
}

// lineEnd returns the index of the first newline at or after i (len(s) when none).
func (t *mvText) lineEnd(i int) int {
	if j := next(t.nl, i); j >= 0 {
		return j
	}
	return len(t.s)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

func (t *mvText) skipSpaces(i int) int {
	for i < len(t.s) && isSpace(t.s[i]) {
		i++
	}
	return i
}

// envAt matches one math environment starting exactly at i: its content and the index after
// it (a percent sign or word after it included, which does not change the value here).
// boxed keeps only environments whose content holds a \boxed{…}; plain ones also accept a
// bare \frac{a}{b}.
func (t *mvText) envAt(i int, boxed bool) (content string, end int, ok bool) {
	s := t.s
	if i >= len(s) {
		return "", 0, false
	}
	prevBackslash := i > 0 && s[i-1] == '\\'
	found := false
	if strings.HasPrefix(s[i:], "$$") && !prevBackslash {
		// Display math may span lines; at least one character.
		if j := next(t.dd, i+3); j >= 0 {
			content, end, found = s[i+2:j], j+2, true
		}
	}
	if !found && strings.HasPrefix(s[i:], `\[`) && !prevBackslash {
		if j := next(t.brk, i+3); j >= 0 {
			content, end, found = s[i+2:j], j+2, true
		}
	}
	if !found && s[i] == '$' && !prevBackslash && !(i > 0 && isDigit(s[i-1])) {
		// Inline math: one line, at least one character.
		if j := next(t.dollar, i+2); j >= 0 && j < t.lineEnd(i) {
			content, end, found = s[i+1:j], j+1, true
		}
	}
	if !found && strings.HasPrefix(s[i:], `\(`) && !prevBackslash {
		if j := next(t.paren, i+3); j >= 0 && j < t.lineEnd(i) {
			content, end, found = s[i+2:j], j+2, true
		}
	}
	if !found && isSpace(s[i]) && i+1 < len(s) && s[i+1] == '[' {
		// " [ … ] ": one line, no brackets inside, a space after.
		if j := next(t.closeBr, i+2); j > i+2 && j < t.lineEnd(i) && !strings.ContainsAny(s[i+2:j], "[") &&
			j+1 < len(s) && isSpace(s[j+1]) {
			content, end, found = s[i+2:j], j+2, true
		}
	}
	if !found && !boxed {
		if f, e, ok := bareFrac(s, i); ok {
			content, end, found = f, e, true
		}
	}
	if !found {
		return "", 0, false
	}
	if boxed && !hasBoxedArg(content) {
		return "", 0, false
	}
	return content, percentAfter(s, end), true
}

// hasBoxedArg reports whether s holds "\boxed{" followed by at least one character and a "}".
func hasBoxedArg(s string) bool {
	i := strings.Index(s, `\boxed{`)
	if i < 0 {
		return false
	}
	rest := s[i+len(`\boxed{`):]
	return len(rest) >= 2 && strings.IndexByte(rest[1:], '}') >= 0
}

// bareFrac matches -?\frac{n}{n} with plain (possibly decimal) numbers at i.
func bareFrac(s string, i int) (string, int, bool) {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	if !strings.HasPrefix(s[j:], `\frac{`) {
		return "", 0, false
	}
	j += len(`\frac`)
	for range 2 {
		if j >= len(s) || s[j] != '{' {
			return "", 0, false
		}
		k := simpleNumber(s, j+1)
		if k < 0 || k >= len(s) || s[k] != '}' {
			return "", 0, false
		}
		j = k + 1
	}
	return s[i:j], j, true
}

// simpleNumber matches -?\d+([.,]\d+)? at i and returns the index after it, or -1.
func simpleNumber(s string, i int) int {
	if i < len(s) && s[i] == '-' {
		i++
	}
	j := digitsEnd(s, i)
	if j == i {
		return -1
	}
	if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) {
		j = digitsEnd(s, j+1)
	}
	return j
}

func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// percentAfter skips a percent sign or word after a math environment.
func percentAfter(s string, i int) int {
	j := i
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	for _, p := range []string{`\%`, "%", "percentage", "Percentage", "percent", "Percent", "pct", "Pct"} {
		if strings.HasPrefix(s[j:], p) {
			return j + len(p)
		}
	}
	return i
}

// envChainAt matches an environment at i and up to five more joined by ",", "and" or "or".
func (t *mvText) envChainAt(i int, boxed bool) (parts []string, end int, ok bool) {
	c, end, ok := t.envAt(i, boxed)
	if !ok {
		return nil, 0, false
	}
	parts = []string{c}
	for range 5 {
		j := t.skipSpaces(end)
		k := -1
		for _, sep := range []string{",and", "and", ",or", "or", ","} {
			if strings.HasPrefix(t.s[j:], sep) {
				k = j + len(sep)
				break
			}
		}
		if k < 0 {
			break
		}
		c, e, ok := t.envAfterSpaces(k, boxed)
		if !ok {
			break
		}
		parts, end = append(parts, c), e
	}
	return parts, end, true
}

// envAfterSpaces matches an environment after optional spaces at i (giving one back for the
// " […] " form).
func (t *mvText) envAfterSpaces(i int, boxed bool) (string, int, bool) {
	k := t.skipSpaces(i)
	if c, e, ok := t.envAt(k, boxed); ok {
		return c, e, true
	}
	if k > i {
		return t.envAt(k-1, boxed)
	}
	return "", 0, false
}

// currencySigns may stand right before a plain number ("$100", "€5").
const currencySigns = "$€£¥₹₽₪₩₫฿₡₦₱₴₸₺₼₾₿"

// numberAt matches a plain number at i, not right after a digit: thousands groups after ","
// or " " with an optional decimal point ("1,000.99", "1 000"), else digits with a decimal
// point or comma ("2,74"), a leading-point decimal (".5") or an integer; then an optional
// percent. It returns the number written plainly ("1000.99", "1000", "2.74", "0.5") and the
// index after the match.
func numberAt(s string, i int) (string, int, bool) {
	if i > 0 && isDigit(s[i-1]) {
		return "", 0, false
	}
	neg := i < len(s) && s[i] == '-'
	j := i
	if neg {
		j++
	}
	var num string
	end := -1
	// Thousands groups: [1-9]\d{0,2}([ ,]\d{3})+ (\.\d+)?
	if j < len(s) && s[j] >= '1' && s[j] <= '9' {
		lead := digitsEnd(s, j)
		for l := min(lead, j+3); l > j && end < 0; l-- {
			k, groups := l, 0
			var b strings.Builder
			b.WriteString(s[j:l])
			for k+4 <= len(s) && (s[k] == ',' || s[k] == ' ') && isDigit(s[k+1]) && isDigit(s[k+2]) && isDigit(s[k+3]) {
				b.WriteString(s[k+1 : k+4])
				k += 4
				groups++
			}
			if groups > 0 {
				if k+1 < len(s) && s[k] == '.' && isDigit(s[k+1]) {
					e := digitsEnd(s, k+1)
					b.WriteString(s[k:e])
					k = e
				}
				num, end = b.String(), k
			}
		}
	}
	if end < 0 {
		k := digitsEnd(s, j)
		switch {
		case k > j && k+1 < len(s) && (s[k] == '.' || s[k] == ',') && isDigit(s[k+1]):
			e := digitsEnd(s, k+1)
			num, end = s[j:k]+"."+s[k+1:e], e
		case k == j && !neg && k+1 < len(s) && s[k] == '.' && isDigit(s[k+1]):
			e := digitsEnd(s, k+1)
			num, end = "0"+s[k:e], e
		case k > j:
			num, end = s[j:k], k
		default:
			return "", 0, false
		}
	}
	if neg {
		num = "-" + num
	}
	return num, percentWordAfter(s, end), true
}

// percentWordAfter skips "%", "percent", "percentage" or "pct" after a plain number.
func percentWordAfter(s string, i int) int {
	j := i
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	for _, p := range []string{"%", "percentage", "Percentage", "percent", "Percent", "pct", "Pct"} {
		if strings.HasPrefix(s[j:], p) {
			return j + len(p)
		}
	}
	return i
}

// isExprChar: digits, '.', spaces and the operators of a plain expression.
func isExprChar(s string, i int) (bool, int) {
	c := s[i]
	if isDigit(c) || c == '.' || isSpace(c) || isExprOp(c) {
		return true, 1
	}
	for _, r := range []string{"×", "÷"} {
		if strings.HasPrefix(s[i:], r) {
			return true, len(r)
		}
	}
	return false, 0
}

func isExprOp(c byte) bool {
	return c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(' || c == ')'
}

func isExprOpAt(s string, i int) bool {
	return isExprOp(s[i]) || strings.HasPrefix(s[i:], "×") || strings.HasPrefix(s[i:], "÷")
}

// exprSuffix returns the length of the suffix a plain expression needs at s[i] — an optional
// "**", then '.', ',', ':', a space, ')', '$' or the end of the text — or -1 when there is none.
func exprSuffix(s string, i int) int {
	n := 0
	if strings.HasPrefix(s[i:], "**") {
		n = 2
	}
	switch {
	case i+n >= len(s):
		return n
	case strings.IndexByte(".,: \n\t\r\f\v)$", s[i+n]) >= 0:
		return n + 1
	}
	return -1
}

// maxExprRun bounds how far a plain expression is scanned, keeping extraction linear.
const maxExprRun = 200

// exprAt matches a plain expression with at least one operator at i: -?\(?-?<digit>, then
// expression characters, an operator and at least one more, an optional ')', and a suffix. It
// returns the expression and the index after the match (the suffix included).
func exprAt(s string, i int) (string, int, bool) {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j < len(s) && s[j] == '(' {
		j++
	}
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return "", 0, false
	}
	// The run of expression characters after the first digit, with the byte offsets of each.
	var offs []int
	k := j + 1
	for k < len(s) && len(offs) < maxExprRun {
		ok, w := isExprChar(s, k)
		if !ok {
			break
		}
		offs = append(offs, k)
		k += w
	}
	offs = append(offs, k) // the end of the run
	// Greedy first part, then an operator, then a greedy non-empty rest, then an optional ')'
	// and the suffix. The first success in backtracking order ends at the last place a suffix
	// may follow (with ')' tried first), provided an operator comes at least two places before.
	for q := len(offs) - 1; q >= 2; q-- {
		e := offs[q]
		end, suffix := -1, -1
		if e < len(s) && s[e] == ')' {
			end, suffix = e+1, exprSuffix(s, e+1)
		}
		if suffix < 0 {
			end, suffix = e, exprSuffix(s, e)
		}
		if suffix < 0 {
			continue
		}
		for p := q - 2; p >= 0; p-- {
			if isExprOpAt(s, offs[p]) {
				return s[i:end], end + suffix, true
			}
		}
		return "", 0, false // no operator early enough; shorter rests have none either
	}
	return "", 0, false
}

// anchorAt returns where a plain expression or number anchored at i begins: after the space
// or '=' at s[i], or at the start of the text, and after an optional "**".
func anchorAt(s string, i int) (int, bool) {
	var j int
	switch {
	case i < len(s) && (isSpace(s[i]) || s[i] == '='):
		j = i + 1
	case i == 0:
		j = 0
	default:
		return 0, false
	}
	if strings.HasPrefix(s[j:], "**") {
		j += 2
	}
	return j, true
}

// exprOrNumberAt matches a plain expression, else a plain number, anchored at i.
func exprOrNumberAt(s string, i int) (string, int, bool) {
	j, ok := anchorAt(s, i)
	if !ok {
		return "", 0, false
	}
	if e, end, ok := exprAt(s, j); ok {
		return e, end, true
	}
	return currencyNumberAt(s, j)
}

// currencyNumberAt matches a plain number at j, after an optional currency sign.
func currencyNumberAt(s string, j int) (string, int, bool) {
	if r, w := utf8.DecodeRuneInString(s[j:]); r != utf8.RuneError && strings.ContainsRune(currencySigns, r) {
		if n, end, ok := numberAt(s, j+w); ok {
			return n, end, true
		}
	}
	return numberAt(s, j)
}

// followedByEquals reports s[i:] =~ ^\s*=.
func followedByEquals(s string, i int) bool {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i < len(s) && s[i] == '='
}

// mvCandidates returns the candidates of one priority group.
func (t *mvText) mvCandidates(prio int) []mvCand {
	switch prio {
	case 0:
		return t.finalAnswer(true)
	case 50:
		return append(t.finalAnswer(false), t.boxedCands()...)
	case 100:
		return t.answerWord(true)
	case 200:
		return t.answerWord(false)
	case 300:
		return t.plain()
	}
	return nil
}

var mvPriorities = []int{0, 50, 100, 200, 300}

// indexAll returns the non-overlapping positions of word (lowercase) in the lowercased text.
func (t *mvText) indexAll(word string) []int {
	var out []int
	for i := 0; ; {
		k := strings.Index(t.lower[i:], word)
		if k < 0 {
			return out
		}
		out = append(out, i+k)
		i += k + len(word)
	}
}

// finalAnswer: "final answer is[:] <math>[.] [ ]I hope" (hope) or "final answer … is[:] <math>".
func (t *mvText) finalAnswer(hope bool) []mvCand {
	s := t.s
	var out []mvCand
	latexFrom, exprFrom := 0, 0
	for _, a := range t.indexAll("final answer") {
		// Where "is" ends, and whether the text before it crosses a line (the plain-expression
		// pattern's "." does not).
		type start struct {
			r         int
			crossLine bool
		}
		var starts []start
		base := a + len("final answer")
		if hope {
			if !strings.HasPrefix(t.lower[a:], "final answer is") {
				continue
			}
			starts = append(starts, start{r: a + len("final answer is")})
		} else {
			// .{0,100}? \s+ is
			for off := 0; off <= 100 && base+off < len(s); off++ {
				p := base + off
				if !isSpace(s[p]) {
					continue
				}
				if q := t.skipSpaces(p); strings.HasPrefix(s[q:], "is") {
					starts = append(starts, start{q + 2, strings.IndexByte(s[base:p], '\n') >= 0})
				}
			}
		}
		latexDone, exprDone := a < latexFrom, a < exprFrom
		for _, st := range starts {
			r := st.r
			if r < len(s) && s[r] == ':' {
				r++
			}
			if !latexDone {
				if parts, end, ok := t.envChainAfterSpaces(r); ok && (!hope || hopeAfter(s, end)) {
					out = append(out, mvCand{start: a, end: end, parts: parts, latex: true, rule: RuleMVFinalAnswer})
					latexFrom, latexDone = end, true
				}
			}
			if !exprDone && !st.crossLine {
				k := r
				if hope {
					if k = t.skipSpaces(r); k > r {
						k-- // the space is the expression's anchor
					}
				}
				if e, end, ok := exprOrNumberAt(s, k); ok && (!hope || hopeAfter(s, end)) {
					out = append(out, mvCand{start: a, end: end, parts: []string{e}, rule: RuleMVFinalAnswer})
					exprFrom, exprDone = end, true
				}
			}
		}
	}
	return out
}

func (t *mvText) envChainAfterSpaces(i int) ([]string, int, bool) {
	k := t.skipSpaces(i)
	if p, e, ok := t.envChainAt(k, false); ok {
		return p, e, true
	}
	if k > i {
		return t.envChainAt(k-1, false)
	}
	return nil, 0, false
}

// hopeAfter matches \.?\s?I hope at i.
func hopeAfter(s string, i int) bool {
	if i < len(s) && s[i] == '.' {
		i++
	}
	if i < len(s) && isSpace(s[i]) && !strings.HasPrefix(s[i:], "I hope") {
		i++
	}
	return strings.HasPrefix(s[i:], "I hope")
}

// answerWord: "answer[:] … <math>": LaTeX within 50 characters, or a plain expression or number
// after the last '=' within 100 characters of the line, else within 50 characters, not
// followed by '='.
func (t *mvText) answerWord(colon bool) []mvCand {
	s := t.s
	var out []mvCand
	latexFrom, exprFrom := 0, 0
	for _, a := range t.indexAll("answer") {
		r := a + len("answer")
		if colon {
			if r >= len(s) || s[r] != ':' {
				continue
			}
			r++
		}
		if a >= latexFrom {
			for off := 0; off <= 50 && r+off < len(s); off++ {
				if parts, end, ok := t.envChainAt(r+off, false); ok {
					out = append(out, mvCand{start: a, end: end, parts: parts, latex: true, rule: RuleMVAnswer})
					latexFrom = end
					break
				}
			}
		}
		if a >= exprFrom {
			if e, end, ok := answerExpr(t, r); ok {
				out = append(out, mvCand{start: a, end: end, parts: []string{e}, rule: RuleMVAnswer})
				exprFrom = end
			}
		}
	}
	return out
}

func answerExpr(t *mvText, r int) (string, int, bool) {
	s := t.s
	line := min(t.lineEnd(r), r+100)
	for eq := line - 1; eq >= r; eq-- {
		if s[eq] != '=' {
			continue
		}
		k := eq + 1
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k > eq+1 {
			if e, end, ok := exprOrNumberAt(s, k-1); ok && !followedByEquals(s, end) {
				return e, end, true
			}
		}
	}
	lim := min(t.lineEnd(r), r+50)
	for p := r; p <= lim && p < len(s); p++ {
		if e, end, ok := exprOrNumberAt(s, p); ok && !followedByEquals(s, end) {
			return e, end, true
		}
	}
	return "", 0, false
}

// boxedCands: math environments holding a \boxed{…}, and the bare "\boxed{…" from the first box
// to the last '}' of the text (of which the last boxes are kept when parsed).
func (t *mvText) boxedCands() []mvCand {
	s := t.s
	var out []mvCand
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' && c != '\\' && !isSpace(c) {
			i++
			continue
		}
		if parts, end, ok := t.envChainAt(i, true); ok {
			out = append(out, mvCand{start: i, end: end, parts: parts, latex: true, rule: RuleMVBoxed})
			i = end
			continue
		}
		i++
	}
	if b := strings.Index(s, `\boxed{`); b >= 0 {
		if e := strings.LastIndexByte(s, '}'); e > b+len(`\boxed{`) {
			out = append(out, mvCand{start: b, end: e + 1, parts: []string{s[b : e+1]}, latex: true, boxedLast: true, rule: RuleMVBoxed})
		}
	}
	return out
}

// plain: every math environment chain and every anchored plain expression or number.
func (t *mvText) plain() []mvCand {
	s := t.s
	var out []mvCand
	for i := 0; i < len(s); {
		if parts, end, ok := t.envChainAt(i, false); ok {
			out = append(out, mvCand{start: i, end: end, parts: parts, latex: true, rule: RuleMVLatex})
			i = end
			continue
		}
		i++
	}
	// Expressions and numbers are two patterns of their own, each scanned without overlaps.
	for _, match := range []func(string, int) (string, int, bool){exprAt, currencyNumberAt} {
		for i := 0; i < len(s); i++ {
			j, ok := anchorAt(s, i)
			if !ok {
				continue
			}
			if e, end, ok := match(s, j); ok {
				out = append(out, mvCand{start: i, end: end, parts: []string{e}, rule: RuleMVExpr})
				i = end - 1
			}
		}
	}
	return out
}

// sortCands orders a group's candidates as math-verify tries them: the one that ends last
// first, then the one that starts first.
func sortCands(c []mvCand) {
	slices.SortStableFunc(c, func(a, b mvCand) int {
		if a.end != b.end {
			return b.end - a.end
		}
		return a.start - b.start
	})
}

// The extraction rules of ExtractMathVerify.
const (
	RuleMVFinalAnswer Rule = "mv-final-answer" // "final answer is …"
	RuleMVBoxed       Rule = "mv-boxed"        // \boxed{…}
	RuleMVAnswer      Rule = "mv-answer"       // "answer: …", "the answer is …"
	RuleMVLatex       Rule = "mv-latex"        // the last LaTeX ($…$, \[…\], …)
	RuleMVExpr        Rule = "mv-expr"         // the last plain number or expression
)

// ExtractMathVerify finds and parses the answer of a completion as math-verify's parse does
// with its default extraction (LaTeX and plain expressions; the rules are at the top of
// this file). ex.Answer is the LaTeX or expression that was parsed (boxes unwrapped, several
// joined by ", "). ok is false when nothing in the text parses, as math-verify then returns
// no answer (ex.Reason says when a \boxed{ never closes). opts.MathVerify is implied.
func ExtractMathVerify(text string, opts Options) (a *Answer, ex Extraction, ok bool) {
	opts.MathVerify = true
	if len(text) > maxMVText {
		text = text[len(text)-maxMVText:] // answers are at the end; keeps the scan bounded
	}
	t := newMVText(text)
	for _, prio := range mvPriorities {
		cands := t.mvCandidates(prio)
		sortCands(cands)
		for _, c := range cands {
			if a, s, ok := c.parse(opts); ok {
				return a, Extraction{Answer: s, Rule: c.rule}, true
			}
		}
	}
	if unclosedBox(text) {
		return nil, Extraction{Reason: reasonUnclosed}, false
	}
	return nil, Extraction{}, false
}

// maxMVText bounds the text ExtractMathVerify scans: its last 64 KB.
const maxMVText = 64 << 10

// parse parses a candidate; ok is false when it is not math (math-verify's parser fails).
func (c mvCand) parse(opts Options) (*Answer, string, bool) {
	if !c.latex {
		if juxtaposed(c.parts[0]) {
			return nil, "", false // Python's parse_expr has no implicit products: "1+2 3", "2(3)"
		}
		a := Parse(c.parts[0], opts)
		return a, c.parts[0], a.n != nil || a.err != nil
	}
	norm := make([]string, len(c.parts))
	all := true
	var first *Answer
	for i, p := range c.parts {
		norm[i] = strings.TrimSpace(boxedContent(p, c.boxedLast))
		a := parseLatexMV(norm[i], opts)
		if i == 0 {
			first = a
		}
		if !mvParsed(a) {
			all = false
		}
	}
	if len(c.parts) > 1 && all {
		joined := strings.Join(norm, ", ")
		return parseLatexMV(joined, opts), joined, true
	}
	return first, norm[0], mvParsed(first)
}

// mvParsed reports whether math-verify's LaTeX parser would accept the answer: math, words
// (names parse as symbols there) or an answer over budget, but not malformed math.
func mvParsed(a *Answer) bool {
	return a.err != nil || a.n != nil || a.text != "" && !a.syntax
}

// ParseMathVerify parses a ground truth for the math-verify mode the way verl's math_verify
// reward does (it hands math-verify "\boxed{" + ground_truth + "}"): the whole string is the
// answer, or its last boxes when it holds any. opts.MathVerify is implied.
func ParseMathVerify(gold string, opts Options) *Answer {
	opts.MathVerify = true
	return parseLatexMV(strings.TrimSpace(boxedContent(gold, true)), opts)
}

// parseLatexMV parses LaTeX under MathVerify. Like math-verify, an equation chain that does not
// parse as a whole ("1 = \zzz = x = 0") is its last side.
func parseLatexMV(s string, opts Options) *Answer {
	if !strings.Contains(s, "matrix") {
		s = undoubleCommands(s) // "\\frac" written for "\frac"
	}
	s = andOrToComma(dropNegativeSpace(s))
	a := Parse(s, opts)
	if a.n != nil || a.err != nil || strings.ContainsAny(s, ",;") {
		return a
	}
	if parts := splitEquals(s); len(parts) > 2 {
		if b := Parse(parts[len(parts)-1], opts); b.n != nil {
			return b
		}
	}
	return a
}

// splitEquals splits s at each '=' that is not part of \=, <=, != or >=.
func splitEquals(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && (i == 0 || !strings.ContainsRune(`\<!>`, rune(s[i-1]))) {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// boxedContent returns the contents of the \boxed{…} (or \fbox{…}) in s, found from the right and
// joined with ",": with last, only the last box and the ones just before it (less than 10
// characters apart, or less than 70 with a different content and a ",", ";", "and" or "or"
// between); otherwise all of them, consecutive repeats once. A box left open runs to the end.
// Without a box, s is returned unchanged.
func boxedContent(s string, last bool) string {
	var results []string
	maxPos := len(s)
	cur := len(s)
	lastStart := -1
	for {
		b := strings.LastIndex(s[:cur], `\boxed`)
		f := strings.LastIndex(s[:cur], `\fbox`)
		if b < 0 && f < 0 {
			break
		}
		start, cmdEnd := b, b+len(`\boxed`)
		if f > b {
			start, cmdEnd = f, f+len(`\fbox`)
		}
		k := cmdEnd
		for k < maxPos && isSpace(s[k]) {
			k++
		}
		if k >= maxPos {
			break
		}
		if s[k] != '{' {
			if len(results) == 0 {
				results = append(results, s[k:])
			}
			break
		}
		close := matchBrace(s, k, maxPos)
		if close < 0 {
			if len(results) == 0 {
				results = append(results, s[k:])
			}
			break
		}
		content := strings.TrimSpace(s[k+1 : close])
		if last && lastStart >= 0 && !nearBox(s[close+1:lastStart], content, results[len(results)-1]) {
			break
		}
		if len(results) == 0 || results[len(results)-1] != content {
			results = append(results, content)
		}
		lastStart, maxPos, cur = start, start, start
	}
	if len(results) == 0 {
		return s
	}
	slices.Reverse(results)
	return strings.Join(results, ",")
}

// matchBrace returns the index of the '}' closing the '{' at s[open], looking before limit; -1
// when there is none.
func matchBrace(s string, open, limit int) int {
	depth := 1
	for i := open + 1; i < limit; i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// nearBox reports whether a box whose content is prev, followed by between and then the box
// with content next, belongs to the same answer.
func nearBox(between, prev, next string) bool {
	if len(between) < 10 {
		return true
	}
	return prev != next && len(between) < 70 && hasSeparator(between)
}

func hasSeparator(s string) bool {
	if strings.ContainsAny(s, ",;") {
		return true
	}
	for _, w := range []string{"and", "or"} {
		for i := 0; ; {
			k := strings.Index(s[i:], w)
			if k < 0 {
				break
			}
			k += i
			before := k == 0 || !isWordByte(s[k-1])
			after := k+len(w) == len(s) || !isWordByte(s[k+len(w)])
			if before && after {
				return true
			}
			i = k + 1
		}
	}
	return false
}

func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// undoubleCommands turns a doubled backslash before a letter into one, as math-verify does
// outside matrices (where "\\" ends a row).
func undoubleCommands(s string) string {
	if !strings.Contains(s, `\\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+2 < len(s) && s[i+1] == '\\' && isLetter(s[i+2]) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// dropNegativeSpace removes "\!" and the spaces after it, as math-verify does: "32,\! 349" is
// the number 32349.
func dropNegativeSpace(s string) string {
	for {
		i := strings.Index(s, `\!`)
		if i < 0 {
			return s
		}
		j := i + 2
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		s = s[:i] + s[j:]
	}
}

// andOrToComma writes "and" / "or" between items, with an optional comma before it and
// possibly in \text{…}, as a comma, as math-verify does: "19, 46, and 82" and
// "6 \text{ and } 8" are lists.
func andOrToComma(s string) string {
	if !strings.Contains(s, "and") && !strings.Contains(s, "or") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if end, ok := andOrAt(s, i); ok {
			b.WriteByte(',')
			i = end
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// andOrAt matches, at i and not right after a letter, ",? \s* (and|or)" not followed by a
// letter, or ",? \s* \text{ \s* (and|or) \s* }", and returns the index after it.
func andOrAt(s string, i int) (int, bool) {
	if i > 0 && isLetter(s[i-1]) {
		return 0, false
	}
	j := i
	if j < len(s) && s[j] == ',' {
		j++
	}
	for j < len(s) && isSpace(s[j]) {
		j++
	}
	word := func(k int) int {
		for _, w := range []string{"and", "or"} {
			if strings.HasPrefix(s[k:], w) && (k+len(w) == len(s) || !isLetter(s[k+len(w)])) {
				return k + len(w)
			}
		}
		return -1
	}
	if k := word(j); k >= 0 {
		return k, true
	}
	if !strings.HasPrefix(s[j:], `\text{`) {
		return 0, false
	}
	k := j + len(`\text{`)
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	e := word(k)
	if e < 0 {
		return 0, false
	}
	for e < len(s) && isSpace(s[e]) {
		e++
	}
	if e < len(s) && s[e] == '}' {
		return e + 1, true
	}
	return 0, false
}

// juxtaposed reports a digit or ')' followed, after optional spaces, by a digit or '(' in a
// plain expression.
func juxtaposed(e string) bool {
	for i := 0; i < len(e); i++ {
		if !isDigit(e[i]) && e[i] != ')' {
			continue
		}
		j := i + 1
		for j < len(e) && isSpace(e[j]) {
			j++
		}
		if j < len(e) && (e[j] == '(' || isDigit(e[j]) && (j > i+1 || e[i] == ')')) {
			return true
		}
	}
	return false
}
