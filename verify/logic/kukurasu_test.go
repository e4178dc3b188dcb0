package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// kukurasuInstance builds an instance from a random black/white grid: its weighted row and
// column sums are the targets.
func kukurasuInstance(t testing.TB, seed uint64, rows, cols int) GameData {
	rng := rand.New(rand.NewPCG(seed, 2))
	rs, cs := make([]int, rows), make([]int, cols)
	for i := range rows {
		for j := range cols {
			if rng.IntN(2) == 0 {
				rs[i] += j + 1
				cs[j] += i + 1
			}
		}
	}
	// Shaped like the upstream generator's output: an all-"X" grid, the sums, one solution
	// of "1"/"X" strings, an empty gold answer, and a prompt asking for a bare list of lists.
	empty, sol := make([][]string, rows), make([][]string, rows)
	for i := range rows {
		for range cols {
			empty[i] = append(empty[i], "X")
		}
	}
	rng = rand.New(rand.NewPCG(seed, 2))
	for i := range rows {
		for range cols {
			sol[i] = append(sol[i], map[int]string{0: "1", 1: "X"}[rng.IntN(2)])
		}
	}
	m, err := json.Marshal(map[string]any{"trace_id": "t", "grid": empty, "row_sums": rs, "col_sums": cs,
		"solution": sol, "n": rows, "m": cols, "ones_probability": 0.5})
	if err != nil {
		t.Fatal(err)
	}
	q := "Kukurasu ...\n  - Output the completed grid as a 2D list (list of lists) in Python format.\n4. Example Output Format:\n[\n    [\"X\", \"1\", \"X\", \"X\"],\n    [\"1\", \"X\", \"1\", \"X\"]\n]"
	return GameData{Question: q, Metadata: m}
}

// kukurasuList renders g the way the prompt's example does: a bare list of lists of "1"/"X".
func kukurasuList(g [][]int) string {
	rows := make([]string, len(g))
	for i, r := range g {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = map[int]string{0: `"X"`, 1: `"1"`}[c]
		}
		rows[i] = "    [" + strings.Join(cells, ", ") + "]"
	}
	return "[\n" + strings.Join(rows, ",\n") + "\n]"
}

type kukurasuTestMeta struct {
	RowSums []int `json:"row_sums"`
	ColSums []int `json:"col_sums"`
}

// solveKukurasu enumerates all grids: each row is a subset of columns with the right
// weighted sum; the column sums are checked at the end.
func solveKukurasu(m kukurasuTestMeta) [][][]int {
	rows, cols := len(m.RowSums), len(m.ColSums)
	var out [][][]int
	grid := make([][]int, rows)
	var rec func(i int)
	rec = func(i int) {
		if i == rows {
			for j := range cols {
				s := 0
				for r := range rows {
					s += grid[r][j] * (r + 1)
				}
				if s != m.ColSums[j] {
					return
				}
			}
			out = append(out, cloneGrid(grid))
			return
		}
		for mask := 0; mask < 1<<cols; mask++ {
			row, s := make([]int, cols), 0
			for j := range cols {
				if mask&(1<<j) != 0 {
					row[j], s = 1, s+j+1
				}
			}
			if s == m.RowSums[i] {
				grid[i] = row
				rec(i + 1)
			}
		}
	}
	rec(0)
	return out
}

func kukurasuKOR(g [][]int) string {
	rows := make([]string, len(g))
	for i, r := range g {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = map[int]string{0: "X", 1: "1"}[c]
		}
		rows[i] = strings.Join(cells, " ")
	}
	return "[[" + strings.Join(rows, ",") + "]]"
}

func TestKukurasuGenerated(t *testing.T) {
	var instances []GameData
	for seed := range uint64(10) {
		instances = append(instances, kukurasuInstance(t, seed, 4, 5))
	}
	sampleSuite{
		task:      "kukurasu",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			sols := solveKukurasu(meta[kukurasuTestMeta](t, g))
			if len(sols) == 0 {
				t.Fatal("solver found no solution")
			}
			var out []string
			for _, s := range sols {
				out = append(out, "So the grid is:\n"+kukurasuList(s), pyBlock(kukurasuList(s)))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[kukurasuTestMeta](t, g)
			sol := solveKukurasu(m)[0]
			flipped := cloneGrid(sol)
			flipped[2][3] = 1 - flipped[2][3] // changes row 3's sum
			transposed := make([][]int, len(sol[0]))
			for j := range transposed {
				for i := range sol {
					transposed[j] = append(transposed[j], sol[i][j])
				}
			}
			return map[string]string{
				"one flipped cell":   pyBlock(gridJSON(t, flipped)),
				"transposed":         pyBlock(gridJSON(t, transposed)),
				"missing row":        pyBlock(gridJSON(t, sol[1:])),
				"bad symbol":         strings.Replace(kukurasuKOR(sol), "X", "?", 1),
				"go-style print":     fmt.Sprint(sol),
				"no grid":            "Row 1 has cells 2 and 3 black.",
				"earlier wrong list": kukurasuList(flipped) + "\nNo wait:\n" + kukurasuList(sol), // upstream reads the first
				"ints":               pyBlock(gridJSON(t, sol)),
				"kor form":           kukurasuKOR(sol),
				"single quotes":      strings.ReplaceAll(kukurasuList(sol), `"`, "'"),
			}
		},
	}.run(t)
	// Without targets upstream cannot grade (a KeyError): neither do we.
	g := GameData{Answer: `[["1", "X"], ["X", "1"]]`, Metadata: []byte(`null`)}
	expect(t, "kukurasu", g, `[["1", "X"], ["X", "1"]]`, false)
}
