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

// verifySudoku checks the grid in the last ```python block (tuples or lists of ints) against the
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
	grid, block, bad := latinPythonGrid(region, n, givens)
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

// latinPythonGrid reads the n×n grid of ints in the last ```python block — the answer form
// sudoku and skyscraper_puzzle share — and checks what both rules share: every cell is 1..n,
// agrees with givens (nil, or 0 for a blank), and no row or column repeats a value. bad is the
// Result to return when any of that fails; block is the answer text for Extracted.
func latinPythonGrid(region string, n int, givens [][]int) (grid [][]int, block string, bad *Result) {
	fail := func(format string, args ...any) ([][]int, string, *Result) {
		r := incorrect(block, format, args...)
		return nil, block, &r
	}
	v, block, err := parsePythonAnswer(region)
	if err != nil {
		return fail("%v", err)
	}
	if grid, err = intGrid(v, n, n); err != nil {
		return fail("%v", err)
	}
	for i := range n {
		for j := range n {
			if d := grid[i][j]; d < 1 || d > n {
				return fail("cell (%d,%d) is %d, want 1..%d", i+1, j+1, d, n)
			}
			if givens != nil && givens[i][j] != 0 && grid[i][j] != givens[i][j] {
				return fail("cell (%d,%d) is %d but the puzzle gives %d", i+1, j+1, grid[i][j], givens[i][j])
			}
		}
	}
	if msg := latinViolation(grid); msg != "" {
		return fail("%s", msg)
	}
	return grid, block, nil
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
