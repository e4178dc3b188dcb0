package logic

import (
	"fmt"
	"strings"
	"testing"
)

type sudokuTestMeta struct {
	Original [][]any `json:"original_sudoku"`
	Complete [][]int `json:"complete_sudoku"`
}

// tupleGrid writes a grid as Python tuples, as the sudoku prompt asks.
func tupleGrid(grid [][]int) string {
	rows := make([]string, len(grid))
	for i, r := range grid {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = fmt.Sprint(c)
		}
		rows[i] = "(" + strings.Join(cells, ", ") + ")"
	}
	return "(" + strings.Join(rows, ",\n ") + ")"
}

func cloneGrid(g [][]int) [][]int {
	out := make([][]int, len(g))
	for i := range g {
		out[i] = append([]int(nil), g[i]...)
	}
	return out
}

func TestSudokuSamples(t *testing.T) {
	sampleSuite{
		task: "sudoku",
		good: func(t *testing.T, g GameData) []string {
			m := meta[sudokuTestMeta](t, g)
			lists := strings.NewReplacer("(", "[", ")", "]").Replace(g.Answer)
			return []string{
				pyBlock(g.Answer), pyBlock(tupleGrid(m.Complete)), pyBlock(lists),
				"The solution is " + g.Answer, // a bare tuple of tuples without a block
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[sudokuTestMeta](t, g)
			// Find a blank cell of the puzzle to corrupt.
			bi, bj := -1, -1
			for i, r := range m.Original {
				for j, c := range r {
					if c == "X" && bi < 0 {
						bi, bj = i, j
					}
				}
			}
			if bi < 0 {
				t.Fatal("puzzle has no blank cell")
			}
			changed := cloneGrid(m.Complete)
			changed[bi][bj] = changed[bi][bj]%9 + 1
			zero := cloneGrid(m.Complete)
			zero[bi][bj] = 0
			// Relabelling digits keeps every rule but breaks the givens.
			relabel := cloneGrid(m.Complete)
			for i := range relabel {
				for j := range relabel[i] {
					relabel[i][j] = relabel[i][j]%9 + 1
				}
			}
			return map[string]string{
				"one changed cell": pyBlock(tupleGrid(changed)),
				"zero cell":        pyBlock(tupleGrid(zero)),
				"givens broken":    pyBlock(tupleGrid(relabel)),
				"missing row":      pyBlock(tupleGrid(m.Complete[:8])),
				"extra row":        pyBlock(tupleGrid(append(cloneGrid(m.Complete), m.Complete[0]))),
				"short row":        pyBlock(strings.Replace(tupleGrid(m.Complete), ", "+fmt.Sprint(m.Complete[0][8])+")", ")", 1)),
				"bare lists":       "The solution is " + strings.NewReplacer("(", "[", ")", "]").Replace(g.Answer),
				"quoted digits":    pyBlock(strings.Replace(g.Answer, fmt.Sprint(m.Complete[0][0]), fmt.Sprintf("'%d'", m.Complete[0][0]), 1)),
				"not a literal":    pyBlock("solution = " + g.Answer),
				"later wrong grid": pyBlock(g.Answer) + "\nCorrection:\n" + pyBlock(tupleGrid(changed)),
			}
		},
	}.run(t)
}

// TestSudokuRulesNotStrings checks that a valid completion other than the stored one passes:
// an empty 9×9 puzzle accepts any valid grid, and a 4×4 one uses 2×2 boxes.
func TestSudokuRulesNotStrings(t *testing.T) {
	empty := func(n int) GameData {
		row := "[" + strings.TrimSuffix(strings.Repeat(`"X",`, n), ",") + "]"
		rows := strings.TrimSuffix(strings.Repeat(row+",", n), ",")
		return GameData{Metadata: []byte(`{"original_sudoku": [` + rows + `]}`)}
	}
	// Pattern solution: cell (r, c) = (r*3 + r/3 + c) mod 9 + 1.
	grid := make([][]int, 9)
	for r := range 9 {
		grid[r] = make([]int, 9)
		for c := range 9 {
			grid[r][c] = (r*3+r/3+c)%9 + 1
		}
	}
	expect(t, "sudoku", empty(9), pyBlock(tupleGrid(grid)), true)
	grid[0][0], grid[0][1] = grid[0][1], grid[0][0] // rows stay valid, columns break
	expect(t, "sudoku", empty(9), pyBlock(tupleGrid(grid)), false)
	expect(t, "sudoku", empty(4), pyBlock("((1,2,3,4),(3,4,1,2),(2,1,4,3),(4,3,2,1))"), true)
	// Latin square whose 2×2 boxes repeat digits.
	expect(t, "sudoku", empty(4), pyBlock("((1,2,3,4),(2,3,4,1),(3,4,1,2),(4,1,2,3))"), false)
}
