package logic

import (
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Tasks graded by comparing a short final answer with the gold one. Their prompts ask for
// the answer in \boxed{} (all but dyck_language_reasoning_errors, which asks for the bare
// step numbers), and upstream's verifiers read only the last \boxed{}: so do we, and a
// boxless answer is a format failure.
func init() {
	register("object_properties", verifyGoldInt)
	register("word_sorting_mistake", verifyWordSortingMistake)
	register("dyck_language_reasoning_errors", verifyStepList)
	register("operation", verifyOperation)
}

// boxedAnswer returns the last \boxed{} of region with decoration and a \text{} wrapper
// removed.
func boxedAnswer(region string) (string, bool) {
	s, ok := lastBoxed(region)
	if !ok {
		return "", false
	}
	s = stripDecoration(s)
	for _, w := range []string{`\text{`, `\textbf{`, `\mathrm{`} {
		if strings.HasPrefix(s, w) && strings.HasSuffix(s, "}") {
			s = stripDecoration(s[len(w) : len(s)-1])
		}
	}
	return s, true
}

// verifyGoldInt compares the integer in the last \boxed{} with the integer gold answer
// (object_properties; upstream stores it as a string, object_counting as a number).
func verifyGoldInt(g GameData, region string) Result {
	want, err := strconv.Atoi(strings.TrimSpace(g.Answer))
	if err != nil {
		return badInstance("gold answer %q is not an integer", g.Answer)
	}
	text, ok := boxedAnswer(region)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	got, err := strconv.Atoi(text)
	if err != nil {
		return incorrect(text, "boxed answer is not an integer")
	}
	if got != want {
		return incorrect(text, "answer %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// verifyWordSortingMistake compares the boxed step of the first mistake (an integer) or "No"
// with the gold answer. Upstream stores the step as an integer, and None (JSON null, so "")
// when there is no mistake, which means "No".
func verifyWordSortingMistake(g GameData, region string) Result {
	want := strings.ToLower(stripDecoration(g.Answer))
	if want != "no" && want != "" {
		return verifyGoldInt(g, region)
	}
	text, ok := boxedAnswer(region)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if strings.ToLower(text) != "no" {
		return incorrect(text, "there is no mistake: want \\boxed{No}")
	}
	return Result{Correct: true, Extracted: text}
}

// verifyStepList compares a set of step numbers ("7, 9", "[7, 9]"; "" or "none" for no
// step) with the gold set.
func verifyStepList(g GameData, region string) Result {
	want, ok := intSet(g.Answer)
	if !ok {
		return badInstance("gold answer %q is not a list of step numbers", g.Answer)
	}
	cands := finalAnswerCandidates(region)
	for _, cand := range cands {
		got, ok := intSet(cand)
		if !ok {
			continue
		}
		if !slices.Equal(got, want) {
			return incorrect(cand, "steps %v, want %v", got, want)
		}
		return Result{Correct: true, Extracted: cand}
	}
	return incorrect(cands[0], "no list of step numbers found")
}

// intSet reads "7, 9", "[7,9]", "7 9" as sorted distinct integers; "", "none", "[]" and "无"
// are the empty set. Repeats or other words make ok false.
func intSet(s string) ([]int, bool) {
	s = stripDecoration(strings.TrimLeft(stripDecoration(s), ":： "))
	if len(s) > 1024 {
		return nil, false
	}
	switch strings.ToLower(strings.Trim(s, "[]() ")) {
	case "", "none", "no", "无", "没有":
		return []int{}, true
	}
	var out []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(" ,，、;[]()", r) }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	slices.Sort(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		return nil, false
	}
	return out, true
}

// verifyOperation compares the number in the last \boxed{} (else a bare number on the last
// line, which upstream's math_verify also finds) with the gold number. The generator stores
// str() of a Python result: an int, or a float such as "0.3333333333333333" for 1/3. Numbers
// are compared as exact rationals ("0.5" equals "1/2", \frac{1}{2} too); against a float
// gold, an answer that agrees to 6 decimal places is right, as math_verify's default
// rounding has it, so "1/3" and "0.333333" match "0.3333333333333333". A non-numeric gold
// must match as text (spaces and case ignored).
func verifyOperation(g GameData, region string) Result {
	want := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(g.Answer), "[["), "]]"))
	if want == "" {
		return badInstance("empty gold answer")
	}
	text, ok := boxedAnswer(region)
	if !ok {
		text = stripDecoration(lastNonEmptyLine(region))
		if _, isNum := exactNumber(text); !isNum {
			return incorrect(text, "no \\boxed{} answer")
		}
	}
	if len(text) > 256 {
		return incorrect(text[:64], "answer too long")
	}
	if w, wOK := exactNumber(want); wOK {
		got, gotOK := exactNumber(text)
		if !gotOK {
			return incorrect(text, "answer is not a number")
		}
		if got.Cmp(w) != 0 && !(strings.Contains(want, ".") && sameTo6Places(got, w)) {
			return incorrect(text, "answer %s, want %s", got.RatString(), w.RatString())
		}
		return Result{Correct: true, Extracted: text}
	}
	if !strings.EqualFold(strings.Join(strings.Fields(text), ""), strings.Join(strings.Fields(want), "")) {
		return incorrect(text, "answer differs from %q", want)
	}
	return Result{Correct: true, Extracted: text}
}

// sameTo6Places reports whether a and b round to the same multiple of 1e-6.
func sameTo6Places(a, b *big.Rat) bool {
	scale := big.NewRat(1_000_000, 1)
	round := func(x *big.Rat) *big.Int {
		y := new(big.Rat).Mul(x, scale)
		y.Add(y, big.NewRat(1, 2))
		return new(big.Int).Div(y.Num(), y.Denom()) // floor(x·1e6 + 1/2)
	}
	return round(a).Cmp(round(b)) == 0
}

// latexFrac matches a whole (optionally negative) \frac{a}{b} or \dfrac{a}{b}.
var latexFrac = regexp.MustCompile(`^(-?)\\d?frac\{(-?\d+)\}\{(\d+)\}$`)

// exactNumber reads an integer, decimal or fraction ("-3", "2.50", "3/4", \frac{3}{4}) as a
// rational.
func exactNumber(s string) (*big.Rat, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if f := latexFrac.FindStringSubmatch(s); f != nil {
		s = f[1] + f[2] + "/" + f[3]
	}
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "eE") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}
