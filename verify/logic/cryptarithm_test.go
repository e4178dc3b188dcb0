package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// cryptarithmUpstream builds an instance the way the upstream cryptarithm generator does:
// operands of 3-6 digits (no leading zero) joined by two operators from + - * (evaluated
// with precedence), a positive result, one letter per digit; metadata holds letter_words
// (operands then result) and operators, the gold answer is the digit equation, and the
// prompt asks for "The answer is $YOUR_ANSWER." on the last line.
func cryptarithmUpstream(t testing.TB, seed uint64) (GameData, []int, []string) {
	rng := rand.New(rand.NewPCG(seed, 8))
	for {
		nums := make([]int, 3)
		for i := range nums {
			nums[i] = 1 + rng.IntN(9)
			for range 2 + rng.IntN(4) {
				nums[i] = nums[i]*10 + rng.IntN(10)
			}
		}
		ops := []string{string("+-*"[rng.IntN(3)]), string("+-*"[rng.IntN(3)])}
		lhs := fmt.Sprintf("%d %s %d %s %d", nums[0], ops[0], nums[1], ops[1], nums[2])
		v, err := floatEval(lhs, true)
		if err != nil || v <= 0 || v > 1e12 {
			continue
		}
		nums = append(nums, int(v))
		letters := rng.Perm(26)
		word := func(n int) string {
			var b strings.Builder
			for _, d := range strconv.Itoa(n) {
				b.WriteByte(byte('A' + letters[d-'0']))
			}
			return b.String()
		}
		var words []string
		for _, n := range nums {
			words = append(words, word(n))
		}
		q := fmt.Sprintf("Solve this cryptarithm: %s %s %s %s %s = %s (where %s是%d位数), where each letter represents a unique digit. Please end your response in the last line with the following format: The answer is $YOUR_ANSWER. $YOUR_ANSWER should be the equation with letters replaced by digits.",
			words[0], ops[0], words[1], ops[1], words[2], words[3], words[0], len(words[0]))
		m, err := json.Marshal(map[string]any{"trace_id": "t", "numbers": nums, "letter_words": words, "operators": ops,
			"num_letter": 8, "operator_num": 2, "operator_level": 3})
		if err != nil {
			t.Fatal(err)
		}
		answer := fmt.Sprintf("%s = %d", lhs, nums[3])
		return GameData{Question: q, Answer: answer, Metadata: m}, nums, ops
	}
}

// swapDigits exchanges digits a and b everywhere in s: the letter mapping stays consistent
// and injective, so only the arithmetic decides.
func swapDigits(s string, a, b byte) string {
	out := []byte(s)
	for i, c := range out {
		switch c {
		case a:
			out[i] = b
		case b:
			out[i] = a
		}
	}
	return string(out)
}

func TestCryptarithmUpstream(t *testing.T) {
	var instances []GameData
	for seed := range uint64(10) {
		g, _, _ := cryptarithmUpstream(t, seed)
		instances = append(instances, g)
	}
	holds := func(eq string) bool {
		l, r, _ := strings.Cut(eq, "=")
		lv, err1 := floatEval(l, false)
		rv, err2 := floatEval(r, false)
		return err1 == nil && err2 == nil && lv == rv
	}
	// leadingZero reports whether a multi-digit number of eq starts with 0.
	leadingZero := func(eq string) bool {
		for _, f := range strings.FieldsFunc(eq, func(r rune) bool { return strings.ContainsRune(" +-*=", r) }) {
			if len(f) > 1 && f[0] == '0' {
				return true
			}
		}
		return false
	}
	sampleSuite{
		task:      "cryptarithm",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			out := []string{
				"Working...\nThe answer is " + g.Answer + ".",
				"答案是 " + g.Answer + "。",
				"The answer is " + strings.ReplaceAll(g.Answer, " ", ""),
			}
			// Any other consistent assignment that happens to hold is right too.
			for a := byte('0'); a <= '9'; a++ {
				for b := a + 1; b <= '9'; b++ {
					if s := swapDigits(g.Answer, a, b); s != g.Answer && holds(s) && !leadingZero(s) {
						out = append(out, "The answer is "+s)
					}
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			lhs, rhs, _ := strings.Cut(g.Answer, " = ")
			r, _ := strconv.Atoi(rhs)
			bad := map[string]string{
				"result off by one": "The answer is " + fmt.Sprintf("%s = %d", lhs, r+1),
				"no equation":       "The letters stand for distinct digits.",
				"operator changed":  "The answer is " + strings.Replace(g.Answer, " ", " + 1 ", 1),
			}
			for a := byte('0'); a <= '9' && len(bad) < 7; a++ {
				for b := a + 1; b <= '9'; b++ {
					if s := swapDigits(g.Answer, a, b); s != g.Answer && !holds(s) && strings.ContainsRune(g.Answer, rune(a)) {
						bad["digits "+string(a)+string(b)+" swapped"] = "The answer is " + s
						break
					}
				}
			}
			return bad
		},
	}.run(t)
	// The puzzle comes from letter_words and operators alone: with the question and the gold
	// answer blanked, the rule check still decides.
	g, _, _ := cryptarithmUpstream(t, 3)
	gold := g.Answer
	g.Question, g.Answer = "", ""
	expect(t, "cryptarithm", g, "The answer is "+gold, true)
	lhs, rhs, _ := strings.Cut(gold, " = ")
	r, _ := strconv.Atoi(rhs)
	expect(t, "cryptarithm", g, fmt.Sprintf("The answer is %s = %d", lhs, r+1), false)
}
