package logic

import (
	"encoding/json"
	"strconv"
	"strings"
)

func init() { register("numbrix", verifyNumbrix) }

// numbrixMeta is numbrix's metadata as the upstream generator writes it: the puzzle grid
// under "grid", givens as ints and blanks as "X" (0 and "" are read as blanks too; "puzzle" is
// accepted as another spelling). The gold answer is empty.
type numbrixMeta struct {
	Grid   [][]json.RawMessage `json:"grid"`
	Puzzle [][]json.RawMessage `json:"puzzle"`
}

// verifyNumbrix checks the grid answer — the last "[[1, …]]" list of the response (a "[[" with
// a digit after it, up to the first "]]"), quotes dropped, as upstream reads it — against the
// rules: it holds 1..rows*cols once each, every k and k+1 are orthogonal neighbours (a
// path), and the givens are kept.
func verifyNumbrix(g GameData, region string) Result {
	var m numbrixMeta
	_ = decodeMeta(g, &m)
	puzzle := m.Grid
	if puzzle == nil {
		puzzle = m.Puzzle
	}
	text, ok := last(bareGrids(region, true))
	if !ok {
		return incorrect("", "no [[1, ...]] grid in the answer")
	}
	grid, err := gridCells(mustLiteral(strings.NewReplacer(`'`, "", `"`, "").Replace(text)))
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if puzzle == nil {
		return badInstance("no grid in metadata")
	}
	rows := len(puzzle)
	if rows == 0 || rows > 50 || len(puzzle[0]) == 0 || len(puzzle[0]) > 50 {
		return badInstance("puzzle grid is empty or too large")
	}
	cols := len(puzzle[0])
	if err := gridShape(grid, rows, cols); err != nil {
		return incorrect(text, "%v", err)
	}
	total := rows * cols
	where := make([][2]int, total+1)
	seen := make([]bool, total+1)
	for i := range rows {
		if len(puzzle[i]) != cols {
			return badInstance("puzzle row %d has %d cells, want %d", i+1, len(puzzle[i]), cols)
		}
		for j := range cols {
			v, err := strconv.Atoi(grid[i][j])
			if err != nil || v < 1 || v > total {
				return incorrect(text, "cell (%d,%d) is %q, want 1..%d", i+1, j+1, grid[i][j], total)
			}
			if seen[v] {
				return incorrect(text, "%d appears twice", v)
			}
			if given := givenDigit(puzzle[i][j]); given != 0 && given != v {
				return incorrect(text, "cell (%d,%d) is %d but the puzzle gives %d", i+1, j+1, v, given)
			}
			seen[v], where[v] = true, [2]int{i, j}
		}
	}
	for k := 1; k < total; k++ {
		a, b := where[k], where[k+1]
		if abs(a[0]-b[0])+abs(a[1]-b[1]) != 1 {
			return incorrect(text, "%d at (%d,%d) and %d at (%d,%d) are not neighbours", k, a[0]+1, a[1]+1, k+1, b[0]+1, b[1]+1)
		}
	}
	return Result{Correct: true, Extracted: text}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
