package logic

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// solve24 is an independent brute-force solver: it combines any two remaining values with
// + - * / (both orders) until one is left, and returns a fully parenthesised expression
// for the first combination equal to target, or "" if none is.
func solve24(nums []int64, target int64, wantEqual bool) string {
	type term struct {
		v    *big.Rat
		expr string
	}
	goal := new(big.Rat).SetInt64(target)
	var rec func(ts []term) string
	rec = func(ts []term) string {
		if len(ts) == 1 {
			if (ts[0].v.Cmp(goal) == 0) == wantEqual {
				return ts[0].expr
			}
			return ""
		}
		for i := range ts {
			for j := range ts {
				if i == j {
					continue
				}
				rest := make([]term, 0, len(ts)-1)
				for k := range ts {
					if k != i && k != j {
						rest = append(rest, ts[k])
					}
				}
				a, b := ts[i], ts[j]
				for _, op := range "+-*/" {
					v := new(big.Rat)
					switch op {
					case '+':
						v.Add(a.v, b.v)
					case '-':
						v.Sub(a.v, b.v)
					case '*':
						v.Mul(a.v, b.v)
					case '/':
						if b.v.Sign() == 0 {
							continue
						}
						v.Quo(a.v, b.v)
					}
					if e := rec(append(rest, term{v, fmt.Sprintf("(%s %c %s)", a.expr, op, b.expr)})); e != "" {
						return e
					}
				}
			}
		}
		return ""
	}
	ts := make([]term, len(nums))
	for i, n := range nums {
		ts[i] = term{new(big.Rat).SetInt64(n), fmt.Sprint(n)}
	}
	return rec(ts)
}

func TestGameOf24Samples(t *testing.T) {
	sampleSuite{
		task: "game_of_24",
		good: func(t *testing.T, g GameData) []string {
			m := meta[game24Meta](t, g)
			sol := solve24(m.Numbers, *m.Result, true)
			if sol == "" {
				t.Fatalf("solver found no solution for %v", m.Numbers)
			}
			return []string{
				pyBlock(sol),
				pyBlock(strings.ReplaceAll(sol, " ", "")),
				"<think>```python\n1+1\n```</think>\n" + pyBlock(sol),
				"```python\n0\n```\nOn second thought:\n" + pyBlock(sol),
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[game24Meta](t, g)
			sol := solve24(m.Numbers, *m.Result, true)
			wrongValue := solve24(m.Numbers, *m.Result, false)
			changed := strings.Replace(sol, fmt.Sprint(m.Numbers[0]), fmt.Sprint(m.Numbers[0]%9+1), 1)
			dropped := solve24(m.Numbers[1:], *m.Result, false)
			return map[string]string{
				"wrong value":        pyBlock(wrongValue),
				"changed number":     pyBlock(changed),
				"missing number":     pyBlock(dropped),
				"extra number":       pyBlock("(" + sol + ") * 1"),
				"power operator":     pyBlock("(" + sol + ") ** 1"),
				"floor division":     pyBlock("(" + sol + ") // 1"),
				"not python fenced":  "The answer is " + sol,
				"untagged fence":     "```\n" + sol + "\n```",
				"trailing equation":  pyBlock(sol + " = 24"),
				"name call":          pyBlock("eval('" + sol + "')"),
				"unclosed paren":     pyBlock("(" + sol),
				"later wrong answer": pyBlock(sol) + pyBlock(wrongValue),
			}
		},
	}.run(t)
}

func TestGameOf24(t *testing.T) {
	inst := func(nums string, target int) GameData {
		return GameData{Metadata: []byte(fmt.Sprintf(`{"numbers": %s, "operators": ["+", "-", "*", "/"], "result": %d}`, nums, target))}
	}
	for _, tc := range []struct {
		name string
		g    GameData
		expr string
		want bool
	}{
		{"exact rationals", inst("[3, 3, 8, 8]", 24), "8 / (3 - 8 / 3)", true},
		{"unary minus", inst("[1, 2, 3, 4]", 24), "-(1 - 2 - 3) * 4 ", false}, // = 16
		{"unary minus ok", inst("[4, 6, 1, 1]", 24), "-(1 - 1 - 4 * 6)", true},
		{"division by zero", inst("[1, 1, 4, 6]", 24), "4 * 6 + 1 / (1 - 1)", false},
		{"other target", inst("[1, 2, 3, 4]", 10), "1 + 2 + 3 + 4", true},
		{"leading zero", inst("[1, 2, 3, 4]", 10), "01 + 2 + 3 + 4", false},
		{"float literal", inst("[1, 2, 3, 4]", 10), "1.0 + 2 + 3 + 4", false},
		{"repeated number", inst("[2, 2, 3, 9]", 24), "2 * 3 * (9 - 2 - 2)", false},
		// Fixed bug (upstream compares the value with itself): right numbers, wrong value.
		{"upstream self-comparison", inst("[2, 2, 3, 9]", 24), "2 + 2 + 3 + 9", false},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, "game_of_24", tc.g, pyBlock(tc.expr), tc.want) })
	}
	restricted := GameData{Metadata: []byte(`{"numbers": [4, 6, 1, 1], "operators": ["+", "*"], "result": 24}`)}
	expect(t, "game_of_24", restricted, pyBlock("4 * 6 * 1 * 1"), true)
	expect(t, "game_of_24", restricted, pyBlock("4 * 6 / 1 / 1"), false)
	expect(t, "game_of_24", GameData{Metadata: []byte(`{"numbers": [1]}`)}, pyBlock("1"), false)
	expect(t, "game_of_24", GameData{}, pyBlock("1"), false)
}
