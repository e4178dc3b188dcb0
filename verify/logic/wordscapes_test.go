package logic

import (
	"encoding/json"
	"strings"
	"testing"
)

// wordscapesRows renders a solution as the prompt's [["C", "A", "T", " "], ...], with blank
// as the empty cell.
func wordscapesRows(sol []string, blank string) string {
	rows := make([]string, len(sol))
	for i, r := range sol {
		cells := make([]string, len(r))
		for j, c := range r {
			if c == '.' {
				cells[j] = `"` + blank + `"`
			} else {
				cells[j] = `"` + strings.ToUpper(string(c)) + `"`
			}
		}
		rows[i] = "[" + strings.Join(cells, ", ") + "]"
	}
	return "[" + strings.Join(rows, ", ") + "]"
}

func TestWordscapes(t *testing.T) {
	// An instance shaped like the upstream generator's output: the layout of "X"/"0" cells,
	// the words, and the filled solution (as lists of one-letter strings).
	sol := []string{
		"cat..",
		"o.a..",
		"w.g..",
		".....",
		"..dog",
	}
	layout, solution := make([][]string, len(sol)), make([][]string, len(sol))
	for i, r := range sol {
		for _, c := range r {
			if c == '.' {
				layout[i], solution[i] = append(layout[i], "0"), append(solution[i], " ")
			} else {
				layout[i], solution[i] = append(layout[i], "X"), append(solution[i], string(c))
			}
		}
	}
	raw, err := json.Marshal(map[string]any{
		"question": "Fill in this crossword puzzle grid where:\nacross words: cat, dog\ndown words: cow, tag\n... For example: [[\"A\", \"B\", \"C\"], [\"D\", \"E\", \"F\"]]",
		"answer":   solution,
		"metadata": map[string]any{"trace_id": "t", "id": 0, "grid": layout, "across_words": []string{"cat", "dog"},
			"down_words": []string{"cow", "tag"}, "solution": solution, "size": 5, "num_words": 4, "max_intersections": 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGameData(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	change := func(i, j int, c byte) []string {
		out := append([]string(nil), sol...)
		b := []byte(out[i])
		b[j] = c
		out[i] = string(b)
		return out
	}
	for name, r := range map[string]string{
		"prompt format":     "The grid is:\n" + wordscapesRows(sol, " "),
		"zero blanks":       wordscapesRows(sol, "0"),
		"empty blanks":      wordscapesRows(sol, ""),
		"lower case":        strings.ToLower(wordscapesRows(sol, " ")),
		"python block":      pyBlock(wordscapesRows(sol, " ")),
		"gold from answer":  "[[" + strings.Trim(g.Answer, "[]") + "]]",
		"first answer wins": wordscapesRows(sol, " ") + "\n" + wordscapesRows(change(2, 0, 'x'), " "), // upstream reads the first
	} {
		t.Run("good/"+name, func(t *testing.T) { expect(t, "wordscapes", g, r, true) })
	}
	for name, r := range map[string]string{
		"wrong letter":     wordscapesRows(change(0, 2, 'b'), " "),
		"letter in blank":  wordscapesRows(change(3, 0, 'x'), " "),
		"letter left out":  wordscapesRows(change(4, 4, '.'), " "),
		"missing row":      wordscapesRows(sol[:4], " "),
		"two letters":      strings.Replace(wordscapesRows(sol, " "), `"C"`, `"CA"`, 1),
		"no grid":          "cat, dog, cow, tag",
		"earlier wrong":    wordscapesRows(change(0, 2, 'b'), " ") + "\nFixed:\n" + wordscapesRows(sol, " "),
		"down word broken": wordscapesRows(change(1, 0, 'a'), " "),
	} {
		t.Run("bad/"+name, func(t *testing.T) { expect(t, "wordscapes", g, r, false) })
	}
	// A word may not run across an empty cell (upstream accepts this: it joins the letters).
	gap := GameData{Metadata: []byte(`{"grid": [["X","0","X"]], "across_words": ["ab"], "down_words": []}`)}
	expect(t, "wordscapes", gap, `[["a", " ", "b"]]`, false)
}
