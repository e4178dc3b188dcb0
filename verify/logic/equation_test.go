package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cryptarithmInstance hides a true sum a + b = c behind a random letter for each digit.
func cryptarithmInstance(t testing.TB, seed uint64) GameData {
	rng := rand.New(rand.NewPCG(seed, 4))
	for {
		a, b := 100+rng.IntN(900), 10+rng.IntN(990)
		c := a + b
		letters := rng.Perm(26)
		enc := func(n int) string {
			var s strings.Builder
			for _, d := range strconv.Itoa(n) {
				s.WriteByte(byte('A' + letters[d-'0']))
			}
			return s.String()
		}
		digits := map[rune]bool{}
		for _, d := range fmt.Sprint(a, b, c) {
			digits[d] = true
		}
		if len(digits) > 6 { // keep the test solver's search small
			continue
		}
		eq := enc(a) + " + " + enc(b) + " = " + enc(c)
		m, err := json.Marshal(map[string]string{"equation": eq})
		if err != nil {
			t.Fatal(err)
		}
		return GameData{Question: "Solve " + eq, Answer: fmt.Sprintf("[[%d + %d = %d]]", a, b, c), Metadata: m}
	}
}

// solveCryptarithm enumerates every assignment of distinct digits to the letters of
// "A + B = C" (no leading zeros) that makes the sum true, written as "a + b = c".
func solveCryptarithm(eq string) []string {
	var words []string
	for _, f := range strings.Fields(eq) {
		if f != "+" && f != "=" {
			words = append(words, f)
		}
	}
	var letters []byte
	for _, w := range words {
		for i := range len(w) {
			if !strings.ContainsRune(string(letters), rune(w[i])) {
				letters = append(letters, w[i])
			}
		}
	}
	val := map[byte]int{}
	var out []string
	var rec func(k, used int)
	rec = func(k, used int) {
		if k == len(letters) {
			nums := make([]int, len(words))
			for i, w := range words {
				if len(w) > 1 && val[w[0]] == 0 {
					return
				}
				for j := range len(w) {
					nums[i] = nums[i]*10 + val[w[j]]
				}
			}
			if nums[0]+nums[1] == nums[2] {
				out = append(out, fmt.Sprintf("%d + %d = %d", nums[0], nums[1], nums[2]))
			}
			return
		}
		for d := range 10 {
			if used&(1<<d) == 0 {
				val[letters[k]] = d
				rec(k+1, used|1<<d)
			}
		}
	}
	rec(0, 0)
	return out
}

func TestCryptarithmGenerated(t *testing.T) {
	solved := map[string][]string{}
	solveCryptarithm := func(eq string) []string {
		if _, ok := solved[eq]; !ok {
			solved[eq] = solveCryptarithm(eq)
		}
		return solved[eq]
	}
	var instances []GameData
	for seed := range uint64(6) {
		instances = append(instances, cryptarithmInstance(t, seed))
	}
	sampleSuite{
		task:      "cryptarithm",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			var m struct{ Equation string }
			if err := json.Unmarshal(g.Metadata, &m); err != nil {
				t.Fatal(err)
			}
			sols := solveCryptarithm(m.Equation)
			if !slices.Contains(sols, strings.Trim(g.Answer, "[]")) {
				t.Fatalf("gold %s is not among the solver's %d solutions", g.Answer, len(sols))
			}
			out := []string{g.Answer, `\boxed{` + strings.Trim(g.Answer, "[]") + `}`}
			for i, s := range sols {
				if i < 20 {
					out = append(out, "[["+s+"]]", "So the answer is "+strings.ReplaceAll(s, " ", "")+".")
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			sol := strings.Trim(g.Answer, "[]")
			lhs, rhs, _ := strings.Cut(sol, " = ")
			a, b, _ := strings.Cut(lhs, " + ")
			n, _ := strconv.Atoi(rhs)
			an, _ := strconv.Atoi(a)
			bn, _ := strconv.Atoi(b)
			var m struct{ Equation string }
			if err := json.Unmarshal(g.Metadata, &m); err != nil {
				t.Fatal(err)
			}
			sols := solveCryptarithm(m.Equation)
			bad := map[string]string{
				"missing operand": fmt.Sprintf("[[%s = %d]]", a, an),
				"leading zero":    fmt.Sprintf("[[0%s + %s = 0%d]]", a[1:], b, n),
				"letters only":    "[[" + m.Equation + "]]",
				"no equation":     "I think it is " + a,
			}
			// Arithmetic variants are corruptions only when the solver does not list them.
			for name, eq := range map[string]string{
				"sum off by one":   fmt.Sprintf("%s + %s = %d", a, b, n+1),
				"digit changed":    fmt.Sprintf("%s + %d = %d", a, bn+1, n+1),
				"operands swapped": fmt.Sprintf("%s + %s = %d", b, a, n),
			} {
				if !slices.Contains(sols, eq) {
					bad[name] = "[[" + eq + "]]"
				}
			}
			return bad
		},
	}.run(t)
	// Fallback to the gold answer when no puzzle is known.
	g := GameData{Question: "solve it", Answer: "[[12 + 34 = 46]]"}
	expect(t, "cryptarithm", g, "[[12+34=46]]", true)
	expect(t, "cryptarithm", g, "[[13+33=46]]", false)
	// The puzzle is found in the question when the metadata lacks it.
	q := GameData{Question: "Solve: AB + AB = BC. Give [[...]]."}
	expect(t, "cryptarithm", q, "[[12 + 12 = 24]]", true)
	expect(t, "cryptarithm", q, "[[12 + 12 = 25]]", false)
	expect(t, "cryptarithm", q, "[[11 + 11 = 22]]", false) // A and B share a digit
}

// mathPathInstance fills "? op ? op ? = r" from random digits and + - * operators.
func mathPathInstance(t testing.TB, seed uint64) (GameData, [3]int, [2]byte) {
	rng := rand.New(rand.NewPCG(seed, 5))
	d := [3]int{rng.IntN(10), rng.IntN(10), rng.IntN(10)}
	ops := [2]byte{"+-*"[rng.IntN(3)], "+-*"[rng.IntN(3)]}
	r := evalThree(d, ops)
	tmpl := fmt.Sprintf("? %c ? %c ? = %d", ops[0], ops[1], r)
	m, err := json.Marshal(map[string]string{"query_expr": tmpl})
	if err != nil {
		t.Fatal(err)
	}
	return GameData{Question: "Fill in: " + tmpl, Metadata: m}, d, ops
}

// evalThree evaluates a op1 b op2 c with * binding tighter, computed directly.
func evalThree(d [3]int, ops [2]byte) int {
	apply := func(x int, op byte, y int) int {
		switch op {
		case '+':
			return x + y
		case '-':
			return x - y
		}
		return x * y
	}
	if ops[1] == '*' && ops[0] != '*' {
		return apply(d[0], ops[0], d[1]*d[2])
	}
	return apply(apply(d[0], ops[0], d[1]), ops[1], d[2])
}

func TestMathPathGenerated(t *testing.T) {
	type inst struct {
		d   [3]int
		ops [2]byte
	}
	byQ := map[string]inst{}
	var instances []GameData
	for seed := range uint64(10) {
		g, d, ops := mathPathInstance(t, seed)
		instances = append(instances, g)
		byQ[g.Question] = inst{d, ops}
	}
	fill := func(d [3]int, ops [2]byte, r int) string {
		return fmt.Sprintf("%d %c %d %c %d = %d", d[0], ops[0], d[1], ops[1], d[2], r)
	}
	sampleSuite{
		task:      "math_path",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			in := byQ[g.Question]
			r := evalThree(in.d, in.ops)
			var out []string
			for x := range 1000 {
				d := [3]int{x / 100, x / 10 % 10, x % 10}
				if evalThree(d, in.ops) == r && len(out) < 30 {
					out = append(out, "[["+fill(d, in.ops, r)+"]]", "[["+strings.ReplaceAll(fill(d, in.ops, r), "*", "×")+"]]")
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			in := byQ[g.Question]
			r := evalThree(in.d, in.ops)
			bad := map[string]string{
				"result changed":  "[[" + fill(in.d, in.ops, r+1) + "]]",
				"two-digit blank": "[[" + strings.Replace(fill(in.d, in.ops, r), fmt.Sprint(in.d[0]), fmt.Sprint(in.d[0]+10), 1) + "]]",
				"blank left":      "[[" + strings.Replace(fill(in.d, in.ops, r), fmt.Sprint(in.d[0]), "?", 1) + "]]",
				"no equation":     "done",
				"boxed, not [[]]": `\boxed{` + fill(in.d, in.ops, r) + `}`,
			}
			other := map[byte]byte{'+': '-', '-': '+', '*': '+'}[in.ops[0]]
			if evalThree(in.d, [2]byte{other, in.ops[1]}) != r {
				bad["operator changed"] = "[[" + fill(in.d, [2]byte{other, in.ops[1]}, evalThree(in.d, [2]byte{other, in.ops[1]})) + "]]"
			}
			for x := range 1000 {
				d := [3]int{x / 100, x / 10 % 10, x % 10}
				if evalThree(d, in.ops) != r {
					bad["false equation"] = "[[" + fill(d, in.ops, r) + "]]"
					break
				}
			}
			return bad
		},
	}.run(t)
	// The template is found in the question when the metadata lacks it.
	q := GameData{Question: "用0-9的数字填空：? + 3 × ? = 14"}
	expect(t, "math_path", q, "[[2 + 3 × 4 = 14]]", true)
	expect(t, "math_path", q, "[[5 + 3 × 3 = 14]]", true)
	expect(t, "math_path", q, "[[5 + 3 × 4 = 14]]", false)
}

func TestWordSorting(t *testing.T) {
	list := []string{"syndrome", "therefrom", "apple", "banana", "zebra", "mango"}
	sorted := []string{"apple", "banana", "mango", "syndrome", "therefrom", "zebra"}
	// Upstream's gold answer is ", ".join(sorted words); the prompt asks for \boxed{w1,w2,w3}.
	g := GameData{Question: "Sort: " + strings.Join(list, " "), Answer: strings.Join(sorted, ", ")}
	ok := []string{
		`\boxed{` + strings.Join(sorted, ",") + `}`,
		`\boxed{` + strings.Join(sorted, ", ") + `}`,
		"First try \\boxed{zebra}, then:\n\\boxed{" + strings.Join(sorted, ", ") + "}",
		`答案是 \boxed{` + strings.Join(sorted, "，") + `}`,
	}
	for _, r := range ok {
		expect(t, "word_sorting", g, r, true)
	}
	swapped := append([]string{sorted[1], sorted[0]}, sorted[2:]...)
	for name, r := range map[string]string{
		"swapped":      `\boxed{` + strings.Join(swapped, ",") + `}`,
		"missing word": `\boxed{` + strings.Join(sorted[1:], ",") + `}`,
		"extra word":   `\boxed{` + strings.Join(append(sorted, "zoo"), ",") + `}`,
		"unsorted":     `\boxed{` + strings.Join(list, ",") + `}`,
		"unboxed":      "The answer is: " + strings.Join(sorted, ", "),
		"later wrong":  `\boxed{` + strings.Join(sorted, ",") + `} or \boxed{` + strings.Join(swapped, ",") + `}`,
		"prose":        "I sorted them all.",
		"upper case":   `\boxed{` + strings.ToUpper(strings.Join(sorted, ",")) + `}`,
		"spaces only":  `\boxed{` + strings.Join(sorted, " ") + `}`,
	} {
		t.Run(name, func(t *testing.T) { expect(t, "word_sorting", g, r, false) })
	}
}

func TestObjectCounting(t *testing.T) {
	// Upstream stores the count as a JSON number.
	g, err := ParseGameData(`{"question": "I have a piano, two flutes and four violins. How many musical instruments do I have?", "answer": 7, "difficulty": 1, "metadata": {"possessions": [], "used_categories": ["musical instruments"], "language": "en"}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{`\boxed{7}`, "So the total is \\boxed{7}.", `\boxed{ 7 }`} {
		expect(t, "object_counting", g, r, true)
	}
	for name, r := range map[string]string{
		"wrong":          `\boxed{8}`,
		"unboxed":        "The answer is 7.",
		"count in prose": "I count 7 items, and 1 more",
		"later answer":   `\boxed{7}, no, \boxed{6}`,
		"spelled out":    `\boxed{seven}`,
		"no answer":      "many",
		"bare number":    "7", // upstream finds no \boxed{
		"text wrapper":   `\boxed{\text{7}}`,
	} {
		t.Run(name, func(t *testing.T) { expect(t, "object_counting", g, r, false) })
	}
}
