package logic

import (
	"fmt"
	"strings"
	"testing"
)

// goldCases returns, for every task, an instance and a response that verifies correct.
func goldCases(tb testing.TB) map[string][2]any {
	out := map[string][2]any{}
	add := func(task string, g GameData, resp string) { out[task] = [2]any{g, resp} }
	sample := func(task string) GameData { return loadSamples(tb, task)[0] }

	g := sample("game_of_24")
	m := meta[game24Meta](tb, g)
	add("game_of_24", g, pyBlock(solve24(m.Numbers, *m.Result, true)))
	for _, task := range []string{"arrow_maze", "sudoku", "goods_exchange"} {
		add(task, sample(task), pyBlock(sample(task).Answer))
	}
	add("dyck_language", sample("dyck_language"), sample("dyck_language").Answer)
	add("dyck_language_errors", sample("dyck_language_errors"), sample("dyck_language_errors").Answer)
	add("web_of_lies", sample("web_of_lies"), "The answer is **"+sample("web_of_lies").Answer+"**.")
	sky := sample("skyscraper_puzzle")
	add("skyscraper_puzzle", sky, pyBlock(gridJSON(tb, meta[skyTestMeta](tb, sky).Solved)))
	star := sample("star_placement_puzzle")
	add("star_placement_puzzle", star, pyBlock(starDict(meta[starTestMeta](tb, star), starSolutions(meta[starTestMeta](tb, star))[0])))
	add("boolean_expressions", sample("boolean_expressions"), `\boxed{`+sample("boolean_expressions").Answer+`}`)
	fut, futSol := futoshikiInstance(tb, 1, 4)
	add("futoshiki", fut, korRows(futSol))
	kuk := kukurasuInstance(tb, 1, 4, 4)
	add("kukurasu", kuk, kukurasuList(solveKukurasu(meta[kukurasuTestMeta](tb, kuk))[0]))
	numbrix, numbrixSol := numbrixInstance(tb, 1)
	add("numbrix", numbrix, gridJSON(tb, numbrixSol))
	add("minesweeper", GameData{Metadata: []byte(`{"current_mines": [[0, 1], [2, 3]]}`)}, "[(2, 3), (0, 1)]")
	add("cryptarithm", GameData{Metadata: []byte(`{"equation": "AB + AB = BC"}`)}, "[[12 + 12 = 24]]")
	add("math_path", GameData{Metadata: []byte(`{"query_expr": "? + 3 × ? = 14"}`)}, "[[2 + 3 × 4 = 14]]")
	add("word_sorting", GameData{Answer: "apple, banana"}, `\boxed{apple, banana}`)
	add("object_counting", GameData{Answer: "7"}, `\boxed{7}`)
	add("object_properties", GameData{Answer: "12"}, `\boxed{12}`)
	add("word_sorting_mistake", GameData{Answer: ""}, `\boxed{No}`)
	add("dyck_language_reasoning_errors", GameData{Answer: "7, 9"}, "The answer is 9, 7.")
	add("operation", GameData{Answer: "0.5"}, `\boxed{\frac{1}{2}}`)
	add("space_reasoning", GameData{Answer: "teapot"}, `\boxed{Teapot}`)
	survo, _ := survoUpstream(tb, 1, 5, 6)
	add("survo", survo, pyBlock(survo.Answer))
	add("wordscapes", GameData{Metadata: []byte(`{"grid": [["X","X","X"],["X","0","0"]], "across_words": ["cat"], "down_words": ["co"]}`)},
		`[["C", "A", "T"], ["O", " ", " "]]`)
	calc, _ := calcudokoUpstream(tb, 1)
	add("calcudoko", calc, calc.Answer)
	wall, _ := numberWallUpstream(tb, 1)
	add("number_wall", wall, pyBlock(gridJSON(tb, meta[struct {
		Solution [][]any `json:"solution"`
	}](tb, wall).Solution)))
	nori, noriSol := norinoriUpstream(tb, 1)
	add("norinori", nori, dominoText(noriSol))
	camp := campsiteUpstream(tb, 1, 8, 8, 10)
	add("campsite", camp, campsiteList(meta[struct {
		Solution [][]string `json:"solution"`
	}](tb, camp).Solution))
	add("space_reasoning_tree", GameData{Answer: "apple, pear"}, `\boxed{pear, apple}`)
	add("time_sequence", GameData{Metadata: []byte(`{"records": {"answers": {"answer_maxLen": 45, "answer_nums": 3}}}`)}, "[45, 3]")
	mathador := mathadorInstance(tb, 1)
	mm := meta[game24Meta](tb, mathador)
	add("mathador", mathador, pyBlock(fmt.Sprintf("(%d + %d) * %d - %d + %d", mm.Numbers[0], mm.Numbers[1], mm.Numbers[2], mm.Numbers[3], mm.Numbers[4])))
	add("zebra_puzzle", GameData{Answer: zebraGold}, "```json\n"+zebraGold+"\n```")
	add("cipher", GameData{Answer: "[[HELLO, WORLD]]"}, pyBlock(`[["HELLO, WORLD"]]`))
	add("buggy_tables", GameData{Answer: "12.50"}, "```json\n{\"result\": [{\"answer\": 12.50}]}\n```")
	return out
}

// filler is ~1 MB of plausible reasoning text full of the markers the extractors look for
// (balanced, so the real answer at the end still counts).
var filler = strings.Repeat("Try (3 + 4) * 2 first; maybe \\boxed{14}? The answer is not [[x]] yet.\n```python\n[1, 2]\n```\n", 1<<20/96)

// hostile are 1 MB responses built to stress the parsers: unclosed openers repeated.
var hostile = map[string]string{
	"boxed":    strings.Repeat(`\boxed{`, 1<<20/7),
	"fences":   strings.Repeat("```python\n", 1<<20/10),
	"brackets": strings.Repeat("[[", 1<<19) + strings.Repeat("]", 1<<10),
	"parens":   "```python\n" + strings.Repeat("(", 1<<20) + "\n```",
	"answer":   strings.Repeat("answer is 答案是 ", 1<<20/20),
	"digits":   "```python\n" + strings.Repeat("9", 1<<20) + "\n```",
}

// readsFirstOrWhole are the tasks whose upstream rule reads the first answer or the whole
// response, so reasoning in front of the answer must sit inside <think>…</think>.
var readsFirstOrWhole = map[string]bool{
	"dyck_language": true, "dyck_language_errors": true, "dyck_language_reasoning_errors": true,
	"operation": true, "calcudoko": true, "campsite": true, "kukurasu": true, "minesweeper": true, "norinori": true, "wordscapes": true, "skyscraper_puzzle": true, "star_placement_puzzle": true,
}

// withFiller puts the 1 MB filler before resp: in the graded text, or inside a <think> block
// for readsFirstOrWhole tasks.
func withFiller(task, resp string) string {
	if readsFirstOrWhole[task] {
		return "<think>" + filler + "</think>\n" + resp
	}
	return filler + resp
}

func TestLargeResponses(t *testing.T) {
	for task, c := range goldCases(t) {
		g, resp := c[0].(GameData), c[1].(string)
		t.Run(task, func(t *testing.T) {
			expect(t, task, g, withFiller(task, resp), true)
			for name, h := range hostile {
				t.Run(name, func(t *testing.T) { expect(t, task, g, h, false) })
			}
		})
	}
}

// BenchmarkVerify1MB grades a 1 MB response (filler, then the right answer) per task; the
// setup checks the verdict first. The target is milliseconds per response.
func BenchmarkVerify1MB(b *testing.B) {
	for _, task := range Tasks() {
		c := goldCases(b)[task]
		g, resp := c[0].(GameData), withFiller(task, c[1].(string))
		v, _ := Lookup(task)
		if res := v.Verify(g, resp); !res.Correct {
			b.Fatalf("%s: setup response not correct: %s", task, res.Reason)
		}
		b.Run(task, func(b *testing.B) {
			b.SetBytes(int64(len(resp)))
			b.ReportAllocs()
			for b.Loop() {
				v.Verify(g, resp)
			}
		})
	}
}

// BenchmarkVerifyHostile grades 1 MB adversarial responses with every task's verifier.
func BenchmarkVerifyHostile(b *testing.B) {
	cases := goldCases(b)
	for name, h := range hostile {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(h)) * int64(len(cases)))
			for b.Loop() {
				for task, c := range cases {
					v, _ := Lookup(task)
					if v.Verify(c[0].(GameData), h).Correct {
						b.Fatalf("%s accepted hostile %s", task, name)
					}
				}
			}
		})
	}
}
