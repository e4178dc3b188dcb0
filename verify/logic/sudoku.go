package logic

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

func init() { register("sudoku", verifySudoku) }

// sudokuMeta is sudoku's metadata: the puzzle with "X" (or 0) for blanks.
type sudokuMeta struct {
	Original [][]json.RawMessage `json:"original_sudoku"`
}

// verifySudoku checks the grid (see sudokuAnswer; tuples or lists of ints) against the
// rules — every row, column and box holds 1..n once — and the puzzle's givens, so any valid
// completion is accepted even if the puzzle has several.
func verifySudoku(g GameData, region string) Result {
	var m sudokuMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := len(m.Original)
	br, bc := boxShape(n)
	if n == 0 || n > 25 || br == 0 {
		return badInstance("original_sudoku is %d rows; want a square grid of 4, 6, 9, ... rows", n)
	}
	givens := make([][]int, n)
	for i, row := range m.Original {
		if len(row) != n {
			return badInstance("original_sudoku row %d has %d cells, want %d", i+1, len(row), n)
		}
		givens[i] = make([]int, n)
		for j, c := range row {
			givens[i][j] = givenDigit(c)
		}
	}
	block, found := sudokuAnswer(region)
	grid, bad := latinGrid(block, found, n, givens, false)
	if bad != nil {
		return *bad
	}
	for b := range n {
		r0, c0 := b/(n/bc)*br, b%(n/bc)*bc
		seen := make([]bool, n+1)
		for i := r0; i < r0+br; i++ {
			for j := c0; j < c0+bc; j++ {
				if seen[grid[i][j]] {
					return incorrect(block, "box %d repeats %d", b+1, grid[i][j])
				}
				seen[grid[i][j]] = true
			}
		}
	}
	return Result{Correct: true, Extracted: block}
}

// boxShape returns the box height and width of an n×n sudoku (3×3 for 9, 2×3 for 6), or
// zeros when n has no such factorisation.
func boxShape(n int) (rows, cols int) {
	for r := 1; r*r <= n; r++ {
		if n%r == 0 {
			rows = r
		}
	}
	if rows <= 1 {
		return 0, 0
	}
	return rows, n / rows
}

// givenDigit reads a puzzle cell: a number (or a numeric string) is a given, anything else
// ("X", ".", 0) is blank and reads as 0.
func givenDigit(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	d, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// latinGrid reads block, an n×n grid of ints (Python ints: "5" is not 5, as upstream's
// isinstance checks), the answer form sudoku and skyscraper_puzzle share, and checks what
// both rules share: every cell is 1..n, agrees with givens (nil, or 0 for a blank), and no
// row or column repeats a value. With lists, the grid and its rows must be lists (skyscraper's
// isinstance(row, list)); otherwise tuples do too. bad is the Result to return when any of
// that fails, with block as the answer text.
func latinGrid(block string, found bool, n int, givens [][]int, lists bool) (grid [][]int, bad *Result) {
	fail := func(format string, args ...any) ([][]int, *Result) {
		r := incorrect(block, format, args...)
		return nil, &r
	}
	if !found {
		return fail("no grid in the answer")
	}
	v, err := parsePyLiteral(block)
	if err != nil {
		return fail("answer is not a literal: %v", err)
	}
	rows, err := pyGrid(v)
	if err != nil {
		return fail("%v", err)
	}
	if lists && (v.kind != pyList || !allLists(v)) {
		return fail("answer is not a list of lists")
	}
	if len(rows) != n {
		return fail("grid has %d rows, want %d", len(rows), n)
	}
	grid = make([][]int, n)
	for i, r := range rows {
		if len(r) != n {
			return fail("row %d has %d cells, want %d", i+1, len(r), n)
		}
		grid[i] = make([]int, n)
		for j, c := range r {
			if c.kind != pyInt || c.i < 1 || c.i > int64(n) {
				return fail("cell (%d,%d) is not an integer 1..%d", i+1, j+1, n)
			}
			grid[i][j] = int(c.i)
			if givens != nil && givens[i][j] != 0 && grid[i][j] != givens[i][j] {
				return fail("cell (%d,%d) is %d but the puzzle gives %d", i+1, j+1, grid[i][j], givens[i][j])
			}
		}
	}
	if msg := latinViolation(grid); msg != "" {
		return fail("%s", msg)
	}
	return grid, nil
}

// latinViolation describes the first row or column of grid (values 1..n) that repeats a
// value, or returns "".
func latinViolation(grid [][]int) string {
	n := len(grid)
	for i := range n {
		row, col := make([]bool, n+1), make([]bool, n+1)
		for j := range n {
			if d := grid[i][j]; d >= 1 && d <= n {
				if row[d] {
					return fmt.Sprintf("row %d repeats %d", i+1, d)
				}
				row[d] = true
			}
			if d := grid[j][i]; d >= 1 && d <= n {
				if col[d] {
					return fmt.Sprintf("column %d repeats %d", i+1, d)
				}
				col[d] = true
			}
		}
	}
	return ""
}

// sudokuAnswer finds the grid where upstream looks: the last ```python block, else the last
// bare tuple of tuples "((5, 3, …), …)" in the text.
func sudokuAnswer(region string) (string, bool) {
	if b, ok := last(pythonFences(region, false)); ok {
		return b, true
	}
	return last(bareTuples(region))
}

// bareTuples returns the "((d, … ))" spans of text in order, as upstream's re.findall of
// \(\s*\(\s*\d+\s*,.*?\)\s*\) finds them: from a "(" followed (after white space) by "(",
// digits and a comma, to the first ")" followed (after white space) by ")".
func bareTuples(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '(' {
			continue
		}
		k := skipSpace(text, i+1)
		if k >= len(text) || text[k] != '(' {
			continue
		}
		d := skipSpace(text, k+1)
		e := d
		for e < len(text) && text[e] >= '0' && text[e] <= '9' {
			e++
		}
		if e == d {
			continue
		}
		if c := skipSpace(text, e); c >= len(text) || text[c] != ',' {
			continue
		}
		end := doubleCloser(text, e, ')')
		if end < 0 {
			return out
		}
		out = append(out, text[i:end+1])
		i = end
	}
	return out
}
