package logic

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// mathador is graded by the game_of_24 rules: upstream's task2verifier maps it to the same
// verifier, and the snapshot we learned from has no mathador generator or prompt, so we assume
// game_of_24's format (the expression in a ```python block; metadata numbers, operators and
// result) with each number used exactly once, as that verifier requires. Unlike upstream we
// check the value against result, as for game_of_24.
func init() {
	registerOpts("game_of_24", verifyGameOf24)
	registerOpts("mathador", verifyGameOf24)
}

// game24Meta is game_of_24's metadata: the numbers to use (each exactly once), the allowed
// operators and the target (24 in SynLogic, though the generator can set another).
type game24Meta struct {
	Numbers   []int64  `json:"numbers"`
	Operators []string `json:"operators"`
	Result    *int64   `json:"result"`
}

// verifyGameOf24 grades the expression in the last ```python block: it must use exactly the
// given numbers (as a multiset), only the allowed operators, and evaluate — exactly, with
// rationals, so 8/(3-8/3) is 24 — to the target.
//
// Upstream SynLogic's verifier ends by comparing the evaluated answer with itself, so any
// expression over the right numbers passes there whatever its value; we check the target.
// Its per-character operator check also lets ** and // through when * or / is allowed; we
// reject them. o.Upstream grades as upstream (upstreamGameOf24).
func verifyGameOf24(g GameData, region string, o Options) Result {
	var m game24Meta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	if len(m.Numbers) == 0 || m.Result == nil {
		return badInstance("metadata needs numbers and result")
	}
	allowed := "+-*/"
	if len(m.Operators) > 0 {
		allowed = strings.Join(m.Operators, "")
	}
	block, ok := last(pythonFences(region, false))
	if !ok {
		return incorrect("", "no ```python code block in the answer")
	}
	if o.Upstream {
		return upstreamGameOf24(block, m.Numbers, allowed)
	}
	e, err := evalArith(block)
	if err != nil {
		return incorrect(block, "expression: %v", err)
	}
	for _, op := range e.ops + e.unary {
		if !strings.ContainsRune(allowed, op) {
			return incorrect(block, "operator %q is not allowed (allowed: %s)", op, allowed)
		}
	}
	used := slices.SortedFunc(slices.Values(e.numbers), (*big.Int).Cmp)
	want := make([]*big.Int, len(m.Numbers))
	for i, n := range m.Numbers {
		want[i] = big.NewInt(n)
	}
	slices.SortFunc(want, (*big.Int).Cmp)
	if slices.CompareFunc(used, want, (*big.Int).Cmp) != 0 {
		return incorrect(block, "uses numbers %v, want each of %v exactly once", used, want)
	}
	target := new(big.Rat).SetInt64(*m.Result)
	if e.value.Cmp(target) != 0 {
		return incorrect(block, "evaluates to %s, want %d", e.value.RatString(), *m.Result)
	}
	return Result{Correct: true, Extracted: block}
}

// upstreamGameOf24 is upstream's check: every character of the block other than digits and
// white space is an allowed operator or a parenthesis, the runs of digits are the given
// numbers (as a multiset of strings), and the expression evaluates without error; its value
// is not looked at. A block with ** or // (Python evaluates them; our evaluator does not)
// passes on the first two checks alone.
func upstreamGameOf24(block string, numbers []int64, allowed string) Result {
	var runs []string
	for _, f := range strings.FieldsFunc(block, func(r rune) bool { return r < '0' || r > '9' }) {
		runs = append(runs, f)
	}
	for _, r := range block {
		if (r < '0' || r > '9') && !unicode.IsSpace(r) && r != '(' && r != ')' && !strings.ContainsRune(allowed, r) {
			return incorrect(block, "character %q is not an allowed operator", r)
		}
	}
	want := make([]string, len(numbers))
	for i, n := range numbers {
		want[i] = strconv.FormatInt(n, 10)
	}
	slices.Sort(runs)
	slices.Sort(want)
	if !slices.Equal(runs, want) {
		return incorrect(block, "uses numbers %v, want each of %v exactly once", runs, want)
	}
	if strings.Contains(block, "**") || strings.Contains(block, "//") {
		return Result{Correct: true, Extracted: block}
	}
	if _, err := evalArith(block); err != nil {
		return incorrect(block, "expression: %v", err)
	}
	return Result{Correct: true, Extracted: block}
}
