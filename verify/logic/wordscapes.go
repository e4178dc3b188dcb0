package logic

import (
	"regexp"
	"strings"
)

func init() { registerOpts("wordscapes", verifyWordscapes) }

// wordscapesMeta is wordscapes' metadata as the upstream generator writes it: the layout
// under "grid" ("X" a letter cell, "0" an empty cell) and the words to place under
// "across_words" and "down_words" (the gold answer and "solution" hold one filled grid).
type wordscapesMeta struct {
	Grid   [][]string `json:"grid"`
	Across []string   `json:"across_words"`
	Down   []string   `json:"down_words"`
}

// verifyWordscapes checks the filled grid in the answer (the [["A", "B", " "], ...] list the
// prompt asks for, read as upstream does: see wordscapesGrid) against the layout and the
// words: empty cells ("0" in the layout) stay empty (" ", "" or "0"), every "X" holds one
// letter, each across word reads left to right inside one row and each down word top to
// bottom inside one column, case ignored. Upstream joins a row's letters after dropping the
// blanks, so it also accepts a word spelled across an empty cell, and a cell of several
// letters; we want one letter a cell and the word's letters contiguous (o.Upstream does not).
func verifyWordscapes(g GameData, region string, o Options) Result {
	var m wordscapesMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	rows := len(m.Grid)
	if rows == 0 || rows > 50 || len(m.Grid[0]) == 0 || len(m.Grid[0]) > 50 {
		return badInstance("grid is empty or too large")
	}
	cols := len(m.Grid[0])
	grid, text := wordscapesGrid(region)
	if grid == nil {
		return incorrect(text, "no [[...]] grid in the answer")
	}
	if err := gridShape(grid, rows, cols); err != nil {
		return incorrect(text, "%v", err)
	}
	for i := range rows {
		if len(m.Grid[i]) != cols {
			return badInstance("grid row %d has %d cells, want %d", i+1, len(m.Grid[i]), cols)
		}
		for j := range cols {
			c := strings.ToLower(strings.TrimSpace(grid[i][j]))
			if c == "0" {
				c = ""
			}
			switch {
			case m.Grid[i][j] == "0" && c != "":
				return incorrect(text, "cell (%d,%d) is %q but the layout leaves it empty", i+1, j+1, grid[i][j])
			case m.Grid[i][j] != "0" && c == "":
				return incorrect(text, "cell (%d,%d) is empty, want a letter", i+1, j+1)
			case m.Grid[i][j] != "0" && len([]rune(c)) != 1 && !o.Upstream:
				return incorrect(text, "cell (%d,%d) is %q, want one letter", i+1, j+1, grid[i][j])
			}
			grid[i][j] = c
		}
	}
	// Rows and columns as text with '.' for empty cells, so a word cannot span a gap.
	line := func(n int, cell func(k int) string) string {
		var b strings.Builder
		for k := range n {
			if c := cell(k); c != "" {
				b.WriteString(c)
			} else if !o.Upstream {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	find := func(words []string, count int, get func(int) string, dir string) Result {
		for _, w := range words {
			w = strings.ToLower(strings.TrimSpace(w))
			if w == "" {
				continue
			}
			found := false
			for k := 0; k < count && !found; k++ {
				found = strings.Contains(get(k), w)
			}
			if !found {
				return incorrect(text, "%s word %q is not in the grid", dir, w)
			}
		}
		return Result{Correct: true, Extracted: text}
	}
	if r := find(m.Across, rows, func(i int) string { return line(cols, func(j int) string { return grid[i][j] }) }, "across"); !r.Correct {
		return r
	}
	return find(m.Down, cols, func(j int) string { return line(rows, func(i int) string { return grid[i][j] }) }, "down")
}

// Upstream's wordscapes grid: the first [[ … ]] (a third "[" allowed), rows split at "],[",
// cells quoted with either quote or bare tokens.
var (
	wordscapesSpan = regexp.MustCompile(`(?s)\[\s*\[(?:\s*\[)?(.+?)(?:\]\s*)?\]\s*\]`)
	wordscapesRow  = regexp.MustCompile(`\],\s*\[`)
	wordscapesCell = regexp.MustCompile(`"([^"]*)"|'([^']*)'|([^,\s]+)`)
)

// wordscapesGrid reads the grid as upstream's tokenizer does ("0" and "" cells are blank);
// nil when there is none or a row has no cells.
func wordscapesGrid(region string) ([][]string, string) {
	m := wordscapesSpan.FindStringSubmatch(region)
	if m == nil {
		return nil, ""
	}
	var rows [][]string
	for _, row := range wordscapesRow.Split(m[1], -1) {
		row = strings.Trim(strings.TrimSpace(row), "[],")
		var cells []string
		for _, c := range wordscapesCell.FindAllStringSubmatch(row, -1) {
			cell := c[1] + c[2] + c[3]
			if cell == "0" || cell == "" {
				cell = " "
			}
			cells = append(cells, cell)
		}
		if len(cells) == 0 {
			return nil, m[0]
		}
		rows = append(rows, cells)
	}
	return rows, m[0]
}
