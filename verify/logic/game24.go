package logic

import (
	"math/big"
	"slices"
	"strings"
)

// mathador is graded by the game_of_24 rules: upstream's task2verifier maps it to the same
// verifier, and the snapshot we learned from has no mathador generator or prompt, so we assume
// game_of_24's format (the expression in a ```python block; metadata numbers, operators and
// result) with each number used exactly once, as that verifier requires. Unlike upstream we
// check the value against result, as for game_of_24.
func init() {
	register("game_of_24", verifyGameOf24)
	register("mathador", verifyGameOf24)
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
func verifyGameOf24(g GameData, region string) Result {
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
	block, ok := lastPythonBlock(region)
	if !ok {
		return incorrect("", "no ```python code block in the answer")
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
