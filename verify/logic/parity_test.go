package logic

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// parityRow is one response format and the verdict upstream SynLogic's verifier gives it,
// worked out from that verifier's code (games/tasks/<task>/scripts/<task>_verifier.py at
// commit 6794f97, called the way its harness calls it: on the text after </think>, inside
// <answer> when there is one).
type parityRow struct {
	task, name string
	// g is the instance; nil takes goldCases' instance of the task.
	g *GameData
	// resp builds the response from the task's gold response (goldCases) and its answer
	// body (the content of the gold's ```python block, or the gold response itself).
	resp func(gold, body string) string
	// upstream is upstream's verdict.
	upstream bool
	// diff names the documented difference (a row of docs/synlogic.md's table) when mirage's
	// default verdict is deliberately the opposite; "" when it must agree with upstream.
	diff string
}

// Helpers that build responses.
func py(body string) string      { return "```python\n" + body + "\n```" }
func same(gold, _ string) string { return gold }
func lit(s string) func(string, string) string {
	return func(string, string) string { return s }
}

// replaceFirst returns a builder replacing the first old by new in the body, in a python block.
func replaceFirst(old, new string) func(string, string) string {
	return func(_, body string) string { return py(strings.Replace(body, old, new, 1)) }
}

func gd(answer, metadata string) *GameData {
	return &GameData{Answer: answer, Metadata: []byte(metadata)}
}

// parityRows is the per-task table: for every task the format the prompt asks for, the other
// forms upstream's extraction accepts or rejects, and each documented difference.
func parityRows(tb testing.TB) []parityRow {
	goods := loadSamples(tb, "goods_exchange")
	cjk := goods[1]
	cjkUnquoted := strings.NewReplacer("'", "").Replace(cjk.Answer)
	zhFutoshiki, brokenGiven := futoshikiGivenBroken(tb)
	numbrix := gd("", `{"grid": [[1, "X"], ["X", "X"]]}`)
	steps := gd("7,9", `{"error_indices": [7, 9]}`)
	validDyck := gd("-1", `{"is_valid": true, "first_error_pos": null}`)
	crypt := gd("12 + 12 = 24", `{"letter_words": ["AB", "AB", "BC"], "operators": ["+"]}`)
	mathPath := gd("(1+4)*2=10", `{"query_expr": "(?+?)*2=10", "ref_expr": "(1+4)*2=10"}`)
	calc := gd("", `{"grid_size": 3, "regions": [{"cells": ["(1,2)", "(1,3)"], "target": 1, "operator": "÷"}]}`)
	calcFree := gd("", `{"grid_size": 3, "regions": []}`)
	return []parityRow{
		{task: "arrow_maze", name: "python block", resp: same, upstream: true},
		{task: "arrow_maze", name: "untagged block", resp: func(_, b string) string { return "```\n" + b + "\n```" }, upstream: true},
		{task: "arrow_maze", name: "bare list", resp: func(_, b string) string { return "Grid: " + b }, upstream: true},
		{task: "arrow_maze", name: "numbers as ints", resp: replaceFirst(`"1"`, `1`), upstream: false},
		{task: "arrow_maze", name: "number in a blank", g: gd("", `{"maze": [["1", "X", "X"]]}`), resp: lit(py(`[["1", "→", "0"]]`)), upstream: true, diff: "arrow_maze: blanks hold arrows"},

		{task: "sudoku", name: "python block", resp: same, upstream: true},
		{task: "sudoku", name: "bare tuple", resp: func(_, b string) string { return "The solution is " + b }, upstream: true},
		{task: "sudoku", name: "lists", resp: func(_, b string) string { return py(strings.NewReplacer("(", "[", ")", "]").Replace(b)) }, upstream: true},
		{task: "sudoku", name: "bare lists", resp: func(_, b string) string { return strings.NewReplacer("(", "[", ")", "]").Replace(b) }, upstream: false},
		{task: "sudoku", name: "quoted digit", resp: replaceFirst("7", "'7'"), upstream: false},
		{task: "sudoku", name: "python3 tag", resp: func(_, b string) string { return "```python3\n" + b + "\n```" }, upstream: false},

		{task: "skyscraper_puzzle", name: "python block", resp: same, upstream: true},
		{task: "skyscraper_puzzle", name: "tuples", resp: func(_, b string) string { return py(strings.NewReplacer("[", "(", "]", ")").Replace(b)) }, upstream: false},
		{task: "skyscraper_puzzle", name: "first block counts", resp: func(g, b string) string { return g + py("[[1]]") }, upstream: true},
		{task: "skyscraper_puzzle", name: "first block wrong", resp: func(g, b string) string { return py("[[1]]") + g }, upstream: false},
		{task: "skyscraper_puzzle", name: "one-line block", resp: func(_, b string) string { return "```python " + strings.Join(strings.Fields(b), "") + "```" }, upstream: false},

		{task: "star_placement_puzzle", name: "python dict", resp: same, upstream: true},
		{task: "star_placement_puzzle", name: "assignment", resp: func(_, b string) string { return py("stars = " + b) }, upstream: true},
		{task: "star_placement_puzzle", name: "labels not checked", resp: func(_, b string) string { return py(strings.NewReplacer("'A'", "'B'", "'B'", "'A'").Replace(b)) }, upstream: true},
		{task: "star_placement_puzzle", name: "stored gold form", resp: lit("[[A(1,1)\n\nB(5,4)\n\nC(3,5)\n\nD(2,3)\n\nE(4,2)]]"), upstream: false},
		{task: "star_placement_puzzle", name: "first block wrong", resp: func(g, _ string) string { return py("{'A': [(1, 1)]}") + g }, upstream: false},
		{task: "star_placement_puzzle", name: "string coordinates", resp: replaceFirst("(1, 1)", "('1', '1')"), upstream: false},

		{task: "goods_exchange", name: "python tuple", resp: same, upstream: true},
		{task: "goods_exchange", name: "upper case", resp: func(_, b string) string { return py(strings.ToUpper(b)) }, upstream: true},
		{task: "goods_exchange", name: "unquoted names", resp: func(_, b string) string { return py(strings.ReplaceAll(b, "'", "")) }, upstream: true},
		{task: "goods_exchange", name: "unquoted CJK names", g: &cjk, resp: lit(py(cjkUnquoted)), upstream: true},
		{task: "goods_exchange", name: "list of pairs", resp: func(_, b string) string { return py("[" + b[1:len(b)-1] + "]") }, upstream: false},
		{task: "goods_exchange", name: "one-line block", resp: func(_, b string) string { return "```python " + b + "```" }, upstream: false},
		{task: "goods_exchange", name: "no block", resp: func(_, b string) string { return b }, upstream: false},

		{task: "dyck_language", name: "sequence", resp: same, upstream: true},
		{task: "dyck_language", name: "spaced and quoted", resp: func(g, _ string) string { return ` "` + strings.Join(strings.Split(g, ""), " ") + `" ` }, upstream: true},
		{task: "dyck_language", name: "reasoning first", resp: func(g, _ string) string { return "Closing each bracket:\n" + g }, upstream: false},
		{task: "dyck_language", name: "label", resp: func(g, _ string) string { return "Answer: " + g }, upstream: false},

		{task: "dyck_language_errors", name: "number", resp: same, upstream: true},
		{task: "dyck_language_errors", name: "number with spaces", resp: func(g, _ string) string { return " " + g + "\n" }, upstream: true},
		{task: "dyck_language_errors", name: "answer is", resp: func(g, _ string) string { return "The answer is " + g }, upstream: false},
		{task: "dyck_language_errors", name: "boxed", resp: func(g, _ string) string { return `\boxed{` + g + `}` }, upstream: false},
		{task: "dyck_language_errors", name: "says valid", g: validDyck, resp: lit("The sequence is valid."), upstream: true},
		{task: "dyck_language_errors", name: "-1", g: validDyck, resp: lit("-1"), upstream: true},
		{task: "dyck_language_errors", name: "says invalid", g: validDyck, resp: lit("The sequence is invalid."), upstream: true, diff: `dyck_language_errors: "invalid" is not "valid"`},

		{task: "dyck_language_reasoning_errors", name: "numbers", g: steps, resp: lit("The answer is 9, 7."), upstream: true},
		{task: "dyck_language_reasoning_errors", name: "bare list", g: steps, resp: lit("9,7"), upstream: true},
		{task: "dyck_language_reasoning_errors", name: "words between", g: steps, resp: lit("Thought 7 and Thought 9"), upstream: false},
		{task: "dyck_language_reasoning_errors", name: "unsure", g: steps, resp: lit("unclear: 7,9"), upstream: false},
		{task: "dyck_language_reasoning_errors", name: "no errors", g: gd("", `{"error_indices": []}`), resp: lit("There are no errors."), upstream: true},

		{task: "boolean_expressions", name: "boxed", resp: same, upstream: true},
		{task: "boolean_expressions", name: "letters run together", resp: lit(`\boxed{EC}`), upstream: true},
		{task: "boolean_expressions", name: "repeated label", resp: lit(`\boxed{C, E, C}`), upstream: true},
		{task: "boolean_expressions", name: "text wrapper", resp: lit(`\boxed{\text{C,E}}`), upstream: false},
		{task: "boolean_expressions", name: "not boxed", resp: lit("The answer is C,E"), upstream: false},
		{task: "boolean_expressions", name: "last box unclosed", resp: lit(`\boxed{C,E} then \boxed{C`), upstream: false},

		{task: "object_counting", name: "boxed", resp: same, upstream: true},
		{task: "object_counting", name: "signed", resp: lit(`\boxed{+7}`), upstream: true},
		{task: "object_counting", name: "bare number", resp: lit("7"), upstream: false},
		{task: "object_counting", name: "text wrapper", resp: lit(`\boxed{\text{7}}`), upstream: false},
		{task: "object_properties", name: "boxed", resp: same, upstream: true},
		{task: "object_properties", name: "decimal", resp: lit(`\boxed{12.0}`), upstream: false},

		{task: "word_sorting", name: "boxed", resp: same, upstream: true},
		{task: "word_sorting", name: "no spaces", resp: lit(`\boxed{apple,banana}`), upstream: true},
		{task: "word_sorting", name: "capitalised", resp: lit(`\boxed{Apple, banana}`), upstream: false},
		{task: "word_sorting", name: "spaces only", resp: lit(`\boxed{apple banana}`), upstream: false},
		{task: "word_sorting_mistake", name: "No", resp: same, upstream: true},
		{task: "word_sorting_mistake", name: "no", resp: lit(`\boxed{no}`), upstream: true},
		{task: "word_sorting_mistake", name: "text wrapper", resp: lit(`\boxed{\text{No}}`), upstream: false},
		{task: "word_sorting_mistake", name: "step with zero", g: gd("3", "null"), resp: lit(`\boxed{03}`), upstream: true},

		{task: "operation", name: "boxed fraction", resp: same, upstream: true},
		{task: "operation", name: "bare number", resp: lit("0.5"), upstream: true},
		{task: "operation", name: "number in prose", resp: lit("The result is 0.5"), upstream: true},
		{task: "operation", name: "later box wrong", resp: lit(`\boxed{0.5} or \boxed{0.25}`), upstream: false},

		{task: "space_reasoning", name: "boxed", resp: same, upstream: true},
		{task: "space_reasoning", name: "padded", resp: lit(`\boxed{ teapot }`), upstream: true},
		{task: "space_reasoning", name: "text wrapper", resp: lit(`\boxed{\text{teapot}}`), upstream: false},
		{task: "space_reasoning_tree", name: "boxed set", resp: same, upstream: true},
		{task: "space_reasoning_tree", name: "repeated item", resp: lit(`\boxed{apple,pear,apple}`), upstream: true},
		{task: "space_reasoning_tree", name: "capitalised", resp: lit(`\boxed{Pear, apple}`), upstream: false},

		{task: "time_sequence", name: "list", resp: same, upstream: true},
		{task: "time_sequence", name: "float", resp: lit("[45.0, 3]"), upstream: true},
		{task: "time_sequence", name: "three items", resp: lit("[45, 3, 1]"), upstream: true},
		{task: "time_sequence", name: "nested", resp: lit("[[45, 3]]"), upstream: false},
		{task: "time_sequence", name: "string", resp: lit(`["45", 3]`), upstream: false},

		{task: "web_of_lies", name: "answer is bold", resp: same, upstream: true},
		{task: "web_of_lies", name: "bold over two lines", resp: lit("The answer is: **no, no,\nyes, no, yes**"), upstream: true},
		{task: "web_of_lies", name: "bold per word", resp: lit("The answer is **no**, **no**, **yes**, **no**, **yes**."), upstream: false},
		{task: "web_of_lies", name: "words only", resp: lit("So: no, no, yes, no, yes"), upstream: true},
		{task: "web_of_lies", name: "later line", resp: lit("The answer is **no, no, yes, no, yes**.\nDone."), upstream: true},

		{task: "cipher", name: "python block", resp: same, upstream: true},
		{task: "cipher", name: "bare literal", resp: lit(`[["HELLO, WORLD"]]`), upstream: true},
		{task: "cipher", name: "unclosed block", resp: lit("```python\n[[\"HELLO, WORLD\"]]"), upstream: true},
		{task: "cipher", name: "gold without brackets", g: gd("ABCDE", "null"), resp: lit(py(`[["ABCDE"]]`)), upstream: false, diff: "cipher: gold without [[ ]]"},

		{task: "zebra_puzzle", name: "json block", resp: same, upstream: true},
		{task: "zebra_puzzle", name: "prose then block", resp: func(g, _ string) string { return "Houses:\n" + g }, upstream: true},
		{task: "zebra_puzzle", name: "unclosed block", resp: func(g, _ string) string { return strings.TrimSuffix(g, "```") }, upstream: true},

		{task: "buggy_tables", name: "json block", resp: same, upstream: true},
		{task: "buggy_tables", name: "later number", resp: func(g, _ string) string { return g + "\nor 13.75" }, upstream: false},
		{task: "buggy_tables", name: "negative zero", g: gd("0.00", "null"), resp: lit("-0.00"), upstream: false, diff: "buggy_tables: -0.00 is 0.00"},

		{task: "game_of_24", name: "python block", resp: same, upstream: true},
		{task: "game_of_24", name: "wrong value", resp: lit(py("9*7+6+2")), upstream: true, diff: "game_of_24, mathador: the target is checked"},
		{task: "game_of_24", name: "power", resp: lit(py("(9-7)**2*6")), upstream: true, diff: "game_of_24, mathador: no ** or //"},
		{task: "game_of_24", name: "python3 tag", resp: func(_, b string) string { return "```python3\n" + b + "\n```" }, upstream: false},
		{task: "mathador", name: "python block", resp: same, upstream: true},
		{task: "mathador", name: "wrong value", resp: func(_, b string) string { return py(strings.Replace(b, "-", "+", 1)) }, upstream: true, diff: "game_of_24, mathador: the target is checked"},

		{task: "cryptarithm", name: "equation", g: crypt, resp: lit("12 + 12 = 24"), upstream: true},
		{task: "cryptarithm", name: "in brackets after prose", g: crypt, resp: lit("So A=1, B=2.\n[[12 + 12 = 24]]"), upstream: true},
		{task: "cryptarithm", name: "wrong digits", g: crypt, resp: lit("13 + 13 = 26"), upstream: false},
		{task: "cryptarithm", name: "other valid solution", g: crypt, resp: lit("25 + 25 = 50"), upstream: false, diff: "cryptarithm: any valid assignment"},

		{task: "math_path", name: "brackets", g: mathPath, resp: lit("[[(1+4)*2=10]]"), upstream: true},
		{task: "math_path", name: "over two lines", g: mathPath, resp: lit("[[(1+4)*2\n=10]]"), upstream: false},
		{task: "math_path", name: "parentheses moved", g: mathPath, resp: lit("[[2+4*2=10]]"), upstream: true, diff: "math_path: parentheses kept"},

		{task: "minesweeper", name: "tuple list", resp: same, upstream: true},
		{task: "minesweeper", name: "lists pooled", resp: lit("[(0, 1)] and then [(2, 3)]"), upstream: true},
		{task: "minesweeper", name: "list of lists", resp: lit("[[0, 1], [2, 3]]"), upstream: true},
		{task: "minesweeper", name: "numbers in prose", resp: lit("mines at 0,1 and 2,3"), upstream: true},
		{task: "minesweeper", name: "extra pooled cell", resp: lit("[(1, 1)] no: [(0, 1), (2, 3)]"), upstream: false},

		{task: "norinori", name: "domino list", resp: same, upstream: true},
		{task: "norinori", name: "pairs without brackets", resp: func(g, _ string) string { return strings.NewReplacer("[", "", "]", "").Replace(g) }, upstream: true},
		{task: "norinori", name: "region left empty", g: gd("", `{"region_grid": [["A", "A"], ["B", "B"]]}`), resp: lit("[[(1,1), (1,2)]]"), upstream: true, diff: "norinori: every region covered twice"},

		{task: "number_wall", name: "python block", resp: same, upstream: true},
		{task: "number_wall", name: "single quotes", resp: func(_, b string) string { return py(strings.ReplaceAll(b, `"`, "'")) }, upstream: true},
		{task: "number_wall", name: "lower-case wall", resp: replaceFirst(`"A"`, `"a"`), upstream: false},
		{task: "number_wall", name: "number in a blank", g: gd("", `{"grid": [[1, "X", "X"], ["X", "X", "X"], ["X", "X", "X"]], "n": 3}`),
			resp: lit(py(`[[1, "A", 1], ["A", "A", "A"], [1, "A", 1]]`)), upstream: true, diff: "number_wall: numbers only where given"},

		// upstream grades n×n grids only (its generator makes no other); this instance is square.
		{task: "numbrix", name: "bare list", g: numbrix, resp: lit("Path:\n[[1, 2],\n [4, 3]]"), upstream: true},
		{task: "numbrix", name: "python block", g: numbrix, resp: lit(py("[[1, 2], [4, 3]]")), upstream: true},
		{task: "numbrix", name: "quoted numbers", g: numbrix, resp: lit(`[["1", "2"], ["4", "3"]]`), upstream: false}, // \[\s*\[\s*\d+ needs a digit first
		{task: "numbrix", name: "quoted after the first", g: numbrix, resp: lit(`[[1, "2"], ["4", 3]]`), upstream: true},
		{task: "numbrix", name: "kor rows", g: numbrix, resp: lit("[[1 2, 4 3]]"), upstream: false},
		{task: "numbrix", name: "given changed", g: numbrix, resp: lit("[[4, 1], [3, 2]]"), upstream: false},

		{task: "kukurasu", name: "bare list", resp: same, upstream: true},
		{task: "kukurasu", name: "single quotes", resp: func(g, _ string) string { return strings.ReplaceAll(g, `"`, "'") }, upstream: false},
		{task: "kukurasu", name: "ints", resp: func(g, _ string) string { return strings.NewReplacer(`"1"`, "1", `"X"`, "0").Replace(g) }, upstream: false},
		{task: "kukurasu", name: "first list wrong", resp: func(g, _ string) string { return strings.Replace(g, `"1"`, `"X"`, 1) + "\n" + g }, upstream: false},

		{task: "survo", name: "python block", resp: same, upstream: true},
		{task: "survo", name: "bare list", resp: func(_, b string) string { return "Matrix: " + b }, upstream: true},
		{task: "survo", name: "untagged block", resp: func(_, b string) string { return "```\n" + b + "\n```" }, upstream: true},
		{task: "survo", name: "json block", resp: func(_, b string) string { return "```json\n" + b + "\n```" }, upstream: false},
		{task: "survo", name: "quoted numbers", resp: func(_, b string) string { return py(regexp.MustCompile(`\d+`).ReplaceAllString(b, `"$0"`)) }, upstream: false},

		{task: "campsite", name: "bare list", resp: same, upstream: true},
		{task: "campsite", name: "python block", resp: func(g, _ string) string { return py(g) }, upstream: true},
		{task: "campsite", name: "first grid wrong", resp: func(g, _ string) string { return strings.Replace(g, "'C'", "'X'", 1) + "\n" + g }, upstream: false},

		{task: "wordscapes", name: "quoted cells", resp: same, upstream: true},
		{task: "wordscapes", name: "bare tokens", resp: lit("[[C, A, T], [O, 0, 0]]"), upstream: true},
		{task: "wordscapes", name: "word across a gap", g: gd("", `{"grid": [["X", "0", "X"]], "across_words": ["ab"], "down_words": []}`),
			resp: lit(`[["A", " ", "B"]]`), upstream: true, diff: "wordscapes: words are contiguous"},

		// The generator's own instances may hold a ÷ pair upstream rejects (see below): these
		// rows use an instance without regions.
		{task: "calcudoko", name: "brackets", g: calcFree, resp: lit("[[1 2 3,2 3 1,3 1 2]]"), upstream: true},
		{task: "calcudoko", name: "python lists", g: calcFree, resp: lit(py("[[1, 2, 3], [2, 3, 1], [3, 1, 2]]")), upstream: false},
		{task: "calcudoko", name: "first brackets wrong", g: calcFree, resp: lit("[[1 1 1]] then [[1 2 3,2 3 1,3 1 2]]"), upstream: false},
		{task: "calcudoko", name: "in a python block", g: calcFree, resp: lit(py("1 2 3, 2 3 1, 3 1 2")), upstream: true},
		{task: "calcudoko", name: "floor quotient", g: calc, resp: lit("[[1 2 3,2 3 1,3 1 2]]"), upstream: false, diff: "calcudoko: ÷ is floor division"},
		{task: "calcudoko", name: "short row padded", g: calcFree, resp: lit("[[2 3,3 1 2,1 2 3]]"), upstream: true, diff: "calcudoko: short rows are not padded"},

		{task: "futoshiki", name: "brackets", resp: same, upstream: true},
		{task: "futoshiki", name: "python lists", resp: lit("[[1, 3, 4, 2], [3, 4, 2, 1], [4, 2, 1, 3], [2, 1, 3, 4]]"), upstream: false},
		{task: "futoshiki", name: "in prose", resp: func(g, _ string) string { return "The grid is " + g + "." }, upstream: true},
		{task: "futoshiki", name: "given broken, Chinese prompt", g: &zhFutoshiki, resp: lit(korRows(brokenGiven)), upstream: true, diff: "futoshiki: givens checked on every prompt"},
	}
}

// TestUpstreamParity checks every row of the table: mirage's default verdict is upstream's
// unless the row names a documented difference (then it is the opposite, and the difference
// is in docs/synlogic.md), and Options.Upstream gives upstream's verdict on every row.
// operation's rows take math_verify's verdicts as verify/math's math-verify mode gives them. The
// same holds with the answer inside <think>…</think> <answer>…</answer>, as upstream's
// harness hands it over. Every task is in the table.
func TestUpstreamParity(t *testing.T) {
	cases := goldCases(t)
	doc, err := os.ReadFile("../../docs/synlogic.md")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, r := range parityRows(t) {
		covered[r.task] = true
		g := cases[r.task][0].(GameData)
		if r.g != nil {
			g = *r.g
		}
		gold := cases[r.task][1].(string)
		body := gold
		if b, ok := first(pythonFences(gold, true)); ok {
			body = b
		}
		resp := r.resp(gold, body)
		want := r.upstream
		if r.diff != "" {
			want = !want
			if !strings.Contains(string(doc), r.diff) {
				t.Errorf("%s/%s: difference %q is not in docs/synlogic.md", r.task, r.name, r.diff)
			}
		}
		def, _ := Lookup(r.task)
		up, _ := LookupWith(r.task, Options{Upstream: true})
		for _, wrap := range []struct{ name, resp string }{
			{"", resp},
			{" (think/answer)", "<think>Let me try [[1]] and \\boxed{0}.</think>\n<answer>\n" + resp + "\n</answer>"},
		} {
			if got := def.Verify(g, wrap.resp); got.Correct != want {
				t.Errorf("%s/%s%s: default %v, want %v (upstream %v, difference %q; reason %q)\nresponse: %.300q",
					r.task, r.name, wrap.name, got.Correct, want, r.upstream, r.diff, got.Reason, wrap.resp)
			}
			if got := up.Verify(g, wrap.resp); got.Correct != r.upstream {
				t.Errorf("%s/%s%s: Options.Upstream %v, upstream %v (reason %q)", r.task, r.name, wrap.name, got.Correct, r.upstream, got.Reason)
			}
		}
	}
	for _, task := range Tasks() {
		if !covered[task] {
			t.Errorf("task %s has no row in the parity table", task)
		}
	}
}

// futoshikiGivenBroken returns a generated futoshiki instance with a Chinese prompt (no
// "Current puzzle:" block, so upstream reads no givens) and a Latin square that meets its
// inequalities but not its givens.
func futoshikiGivenBroken(tb testing.TB) (GameData, [][]int) {
	latin := allLatin(4)
	for seed := range uint64(40) {
		g, sol := futoshikiInstance(tb, seed, 4)
		if strings.Contains(g.Question, "Current puzzle:") {
			continue
		}
		m := meta[futoshikiTestMeta](tb, g)
		for _, sq := range latin {
			if futoshikiHolds(futoshikiTestMeta{Constraints: m.Constraints}, sol, sq) && !futoshikiHolds(m, sol, sq) {
				return g, sq
			}
		}
	}
	tb.Fatal("no Chinese futoshiki instance with a square that breaks only the givens")
	return GameData{}, nil
}
