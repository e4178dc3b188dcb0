package logic

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Tasks graded by comparing a short final answer with the gold one. Their instance formats
// are our reconstruction (no upstream sample was available); see the package README.
func init() {
	register("object_properties", verifyGoldInt)
	register("word_sorting_mistake", verifyWordSortingMistake)
	register("dyck_language_reasoning_errors", verifyStepList)
	register("operation", verifyOperation)
}

// verifyGoldInt compares an integer answer (see intAnswer) with the integer gold answer.
func verifyGoldInt(g GameData, region string) Result {
	want, err := strconv.Atoi(strings.TrimSpace(g.Answer))
	if err != nil {
		return badInstance("gold answer %q is not an integer", g.Answer)
	}
	got, text, ok := intAnswer(region)
	if !ok {
		return incorrect(text, "no integer answer found")
	}
	if got != want {
		return incorrect(text, "answer %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// verifyWordSortingMistake compares the step of the first mistake (an integer) or "No" (no
// mistake) with the gold answer.
func verifyWordSortingMistake(g GameData, region string) Result {
	want := strings.ToLower(stripDecoration(g.Answer))
	if want != "no" {
		return verifyGoldInt(g, region)
	}
	for _, cand := range finalAnswerCandidates(region) {
		c := strings.ToLower(stripDecoration(strings.TrimLeft(stripDecoration(cand), ":： ")))
		if c == "no" || c == "否" {
			return Result{Correct: true, Extracted: cand}
		}
		if _, err := strconv.Atoi(c); err == nil {
			return incorrect(cand, "names step %s, but there is no mistake", c)
		}
	}
	return incorrect("", `no "No" answer found`)
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

// verifyOperation compares the number in the last [[...]] (or \boxed{}, or the final answer
// line) with the gold number exactly: integers, decimals and fractions are compared as
// rationals ("0.5" equals "1/2"); anything else must match the gold text.
func verifyOperation(g GameData, region string) Result {
	want := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(g.Answer), "[["), "]]"))
	if want == "" {
		return badInstance("empty gold answer")
	}
	text, at, ok := lastDoubleBracketAt(region)
	if box, boxAt, boxOK := lastBoxedAt(region); boxOK && (!ok || boxAt > at) {
		text, ok = box, true
	}
	if !ok {
		text = finalAnswerCandidates(region)[0]
	}
	text = stripDecoration(text)
	if len(text) > 256 {
		return incorrect(text[:64], "answer too long")
	}
	if w, wOK := exactNumber(want); wOK {
		got, gotOK := exactNumber(text)
		if !gotOK {
			return incorrect(text, "answer is not a number")
		}
		if got.Cmp(w) != 0 {
			return incorrect(text, "answer %s, want %s", got.RatString(), w.RatString())
		}
		return Result{Correct: true, Extracted: text}
	}
	if !strings.EqualFold(strings.Join(strings.Fields(text), ""), strings.Join(strings.Fields(want), "")) {
		return incorrect(text, "answer differs from %q", want)
	}
	return Result{Correct: true, Extracted: text}
}

// exactNumber reads an integer, decimal or fraction ("-3", "2.50", "3/4") as a rational.
func exactNumber(s string) (*big.Rat, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "eE") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}
