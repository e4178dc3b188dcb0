package logic

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// renderPy writes a parsed literal back as Python source.
func renderPy(v pyValue) string {
	switch v.kind {
	case pyInt:
		return strconv.FormatInt(v.i, 10)
	case pyStr:
		return strconv.Quote(v.s)
	case pyBool:
		return map[int64]string{0: "False", 1: "True"}[v.i]
	case pyNone:
		return "None"
	case pyList, pyTuple:
		parts := make([]string, len(v.items))
		for i, it := range v.items {
			parts[i] = renderPy(it)
		}
		switch {
		case v.kind == pyList:
			return "[" + strings.Join(parts, ", ") + "]"
		case len(parts) == 0:
			return "()"
		}
		return "(" + strings.Join(parts, ", ") + ",)"
	case pyDict:
		parts := make([]string, len(v.items))
		for i := range v.items {
			parts[i] = renderPy(v.keys[i]) + ": " + renderPy(v.items[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	panic("unknown kind")
}

func FuzzPyLiteral(f *testing.F) {
	for _, s := range []string{
		"((1, 2), (3, 4))", `[["1", "\u2190"], ['x', 3]]`, "{'A': [(1, 1)], 'B': [(3, 2)]}",
		"(('Alice','red book'),)", "[1, -2, +3, 1_000]", "(1)", "()", "[True, None, False]",
		"[[1, 2], # comment\n [3, 4]]", `"\x41\n"`, "[" + strings.Repeat("[", 40) + "]", "01", "1.5", "{[1]: 2}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		v, err := parsePyLiteral(src)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("parse took %v for %d bytes", d, len(src))
		}
		if err != nil {
			return
		}
		// Round trip: what we accept, rendered back, parses to the same value.
		again, err := parsePyLiteral(renderPy(v))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", renderPy(v), err)
		}
		if renderPy(again) != renderPy(v) {
			t.Fatalf("round trip changed %q to %q", renderPy(v), renderPy(again))
		}
	})
}

func FuzzEvalArith(f *testing.F) {
	for _, s := range []string{"8 / (3 - 8 / 3)", "-(1 - 2) * 4", "((2))", "1/0", "2**3", "7 // 2", "1.5", "09", "((((1", "1+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		a, err := evalArith(src)
		if err != nil {
			return
		}
		// Negating and re-parenthesising must give the exact negation; the literals found
		// must be the decimal runs of the source.
		neg, err := evalArith("-(" + src + ")")
		if err != nil {
			if strings.Contains(err.Error(), "nested too deeply") {
				return
			}
			t.Fatalf("-(%s): %v", src, err)
		}
		if new(big.Rat).Neg(neg.value).Cmp(a.value) != 0 {
			t.Fatalf("-(%s) = %s, want %s", src, neg.value.RatString(), new(big.Rat).Neg(a.value).RatString())
		}
		runs := strings.FieldsFunc(src, func(r rune) bool { return r < '0' || r > '9' })
		if len(runs) != len(a.numbers) {
			t.Fatalf("%q: literals %v, digit runs %v", src, a.numbers, runs)
		}
		for i, r := range runs {
			if fmt.Sprint(a.numbers[i]) != r {
				t.Fatalf("%q: literal %d is %v, source has %s", src, i, a.numbers[i], r)
			}
		}
	})
}

// ws is the white space skipSpace skips, as a regexp class.
const ws = `[ \t\n\r\f\v]`

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		`\boxed{1} and \boxed{{2}}`, `\boxed{\frac{1}{2}`, "```python\n[1]\n```\n```\nx\n```", "[[a]] [[b]]",
		"The answer is **yes, no**.", "answer is: 15", `}}\boxed{a{b}c}{`, "```py x```", "",
		"[(0, 1), (2, 3)] ]", "[[1, 2],\n [3, 4]]", "a] [b [c]] d",
		"12.34.56 and -1.00x 3.14", "1 + 2 = 3 = 4, 5*6=30\n7 - 8 =-1", "9 + = 2 + 3=5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// upstreamBoxed(s, false) is upstream's \\boxed\{([^}]*)\} after the last \boxed{.
		wantBox, wantBoxOK := "", false
		if i := strings.LastIndex(s, `\boxed{`); i >= 0 {
			if m := regexp.MustCompile(`\\boxed\{([^}]*)\}`).FindStringSubmatch(s[i:]); m != nil {
				wantBox, wantBoxOK = strings.TrimSpace(m[1]), true
			}
		}
		if got, ok := upstreamBoxed(s, false); got != wantBox || ok != wantBoxOK {
			t.Fatalf("upstreamBoxed(%q, false) = %q, %v; regexp %q, %v", s, got, ok, wantBox, wantBoxOK)
		}
		// The hand scanners find what upstream's patterns find (white space as skipSpace's).
		for _, c := range []struct {
			name string
			got  []string
			re   *regexp.Regexp
		}{
			{"bareGrids", bareGrids(s, false), regexp.MustCompile(`(?s)\[` + ws + `*\[.*?\]` + ws + `*\]`)},
			{"bareGrids digit", bareGrids(s, true), regexp.MustCompile(`(?s)\[` + ws + `*\[` + ws + `*\d+.*?\]` + ws + `*\]`)},
			{"bareTuples", bareTuples(s), regexp.MustCompile(`(?s)\(` + ws + `*\(` + ws + `*\d+` + ws + `*,.*?\)` + ws + `*\)`)},
		} {
			if want := c.re.FindAllString(s, -1); !slices.Equal(c.got, want) && len(c.got)+len(want) > 0 {
				t.Fatalf("%s(%q) = %q, want %q", c.name, s, c.got, want)
			}
		}
		for _, p := range []openPattern{kukurasuGrid, mineTupleLists, mineListLists, mineTupleRuns, numberWallAnswer, dominoPairs} {
			if got, want := p.matches(s, 0), p.re.FindAllString(s, -1); !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Fatalf("%s: matches(%q) = %q, want %q", p.re, s, got, want)
			}
		}
		if line := strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:]); true {
			re := regexp.MustCompile(`(?:答案是|[Tt]he answer is)[：:=]?\s*(.*?)(?:[.。]|$)`)
			m := re.FindStringSubmatch(line)
			got, ok := afterAnswerIs(line)
			if ok != (m != nil) || ok && got != strings.TrimSpace(m[1]) {
				t.Fatalf("afterAnswerIs(%q) = %q, %v; regexp %q", line, got, ok, m)
			}
		}
		var wantPy []string
		for _, m := range regexp.MustCompile("(?s)```python(.*?)```").FindAllStringSubmatch(s, -1) {
			wantPy = append(wantPy, strings.TrimSpace(m[1]))
		}
		if got := pythonFences(s, false); !slices.Equal(got, wantPy) && len(got)+len(wantPy) > 0 {
			t.Fatalf("pythonFences(%q) = %q, want %q", s, got, wantPy)
		}
		_ = pythonFences(s, true)
		_ = pythonFences(s, false)
		_ = untaggedFences(s)
		_ = bareGrids(s, false)
		_ = bareTuples(s)
		_ = splitPairs(s)
		// The backward searches find what a whole-text regexp pass finds last.
		wantBr, wantOK := "", false
		if all := oneLineBrackets.FindAllStringSubmatch(s, -1); len(all) > 0 {
			wantBr, wantOK = strings.TrimSpace(all[len(all)-1][1]), true
		}
		if got, ok := lastOneLineBrackets(s); got != wantBr || ok != wantOK {
			t.Fatalf("lastOneLineBrackets(%q) = %q, %v; want %q, %v", s, got, ok, wantBr, wantOK)
		}
		for _, c := range []struct {
			re   *regexp.Regexp
			must byte
			in   func(byte) bool
		}{
			{twoDecimals, '.', func(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' }},
			{digitEquation, '=', func(c byte) bool { return c >= '0' && c <= '9' || strings.IndexByte("+-*= \t\n\r\f\v", c) >= 0 }},
		} {
			want := ""
			if all := c.re.FindAllString(s, -1); len(all) > 0 {
				want = all[len(all)-1]
			}
			if got := lastMatchInRuns(s, c.re, c.must, c.in); got != want {
				t.Fatalf("lastMatchInRuns(%q, %s) = %q, want %q", s, c.re, got, want)
			}
		}
	})
}

// FuzzVerify feeds arbitrary responses to every task with a real instance: no panic, a
// verdict within a time bound, and a reason exactly when the answer is incorrect.
func FuzzVerify(f *testing.F) {
	instances := map[string]GameData{}
	for _, task := range []string{"game_of_24", "arrow_maze", "sudoku", "dyck_language", "dyck_language_errors", "web_of_lies", "skyscraper_puzzle", "star_placement_puzzle", "boolean_expressions", "goods_exchange"} {
		g := loadSamples(f, task)[0]
		instances[task] = g
		f.Add(pyBlock(g.Answer))
		f.Add(g.Answer)
		f.Add(`\boxed{` + g.Answer + `}`)
	}
	instances["futoshiki"], _ = futoshikiInstance(f, 1, 4)
	instances["kukurasu"] = kukurasuInstance(f, 1, 4, 4)
	instances["numbrix"], _ = numbrixInstance(f, 1)
	instances["minesweeper"] = GameData{Metadata: []byte(`{"current_mines": [[0, 1], [2, 3]]}`)}
	instances["space_reasoning"] = GameData{Answer: "teapot"}
	instances["survo"], _ = survoUpstream(f, 1, 4, 3)
	instances["campsite"] = campsiteUpstream(f, 1, 4, 5, 4)
	instances["norinori"], _ = norinoriUpstream(f, 1)
	instances["number_wall"], _ = numberWallUpstream(f, 1)
	instances["calcudoko"], _ = calcudokoUpstream(f, 1)
	instances["wordscapes"] = GameData{Metadata: []byte(`{"grid": [["X","X","X"],["X","0","0"]], "across_words": ["cat"], "down_words": ["co"]}`)}
	instances["space_reasoning_tree"] = GameData{Answer: "apple, pear"}
	instances["time_sequence"] = GameData{Answer: "[45,3]", Metadata: []byte(`{"records": {"answers": {"answer_maxLen": 45, "answer_nums": 3}}}`)}
	instances["cryptarithm"] = GameData{Metadata: []byte(`{"equation": "AB + AB = BC"}`)}
	instances["math_path"] = GameData{Metadata: []byte(`{"query_expr": "? + 3 × ? = 14"}`)}
	instances["word_sorting"] = GameData{Answer: "apple banana"}
	instances["object_counting"] = GameData{Answer: "7"}
	instances["object_properties"] = GameData{Answer: "12"}
	instances["word_sorting_mistake"] = GameData{Answer: "No"}
	instances["dyck_language_reasoning_errors"] = GameData{Answer: "7, 9"}
	instances["operation"] = GameData{Answer: "[[0.5]]"}
	instances["mathador"] = mathadorInstance(f, 1)
	instances["zebra_puzzle"] = GameData{Answer: zebraGold}
	instances["cipher"] = GameData{Answer: "[[HELLO, WORLD]]"}
	instances["buggy_tables"] = GameData{Answer: "12.50"}
	f.Add("```json\n" + zebraGold + "\n```")
	f.Add("[[12 + 12 = 24]]")
	f.Add("[[2 + 3 × 4 = 14]]")
	f.Add("```python\n[(0, 1), (2, 3)]\n```")
	f.Fuzz(func(t *testing.T, response string) {
		for _, task := range Tasks() {
			g, ok := instances[task]
			if !ok {
				t.Fatalf("no fuzz instance for %s", task)
			}
			v, _ := Lookup(task)
			start := time.Now()
			res := v.Verify(g, response)
			if d := time.Since(start); d > time.Second {
				t.Fatalf("%s took %v", task, d)
			}
			if res.Correct == (res.Reason != "") {
				t.Fatalf("%s: Correct=%v with reason %q", task, res.Correct, res.Reason)
			}
			if strings.Contains(res.Reason, "internal error") {
				t.Fatalf("%s: %s", task, res.Reason)
			}
		}
	})
}
