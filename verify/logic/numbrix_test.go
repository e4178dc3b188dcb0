package logic

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// numbrixPaths enumerates every Hamiltonian path of a rows×cols grid that agrees with the
// givens (0 = blank), as grids numbered along the path.
func numbrixPaths(givens [][]int) [][][]int {
	rows, cols := len(givens), len(givens[0])
	total := rows * cols
	grid := make([][]int, rows)
	for i := range grid {
		grid[i] = make([]int, cols)
	}
	var out [][][]int
	var walk func(r, c, k int)
	walk = func(r, c, k int) {
		if r < 0 || r >= rows || c < 0 || c >= cols || grid[r][c] != 0 || givens[r][c] != 0 && givens[r][c] != k {
			return
		}
		grid[r][c] = k
		if k == total {
			out = append(out, cloneGrid(grid))
		} else {
			walk(r+1, c, k+1)
			walk(r-1, c, k+1)
			walk(r, c+1, k+1)
			walk(r, c-1, k+1)
		}
		grid[r][c] = 0
	}
	for r := range rows {
		for c := range cols {
			walk(r, c, 1)
		}
	}
	return out
}

// numbrixInstance takes a random Hamiltonian path of a 3×4 grid and keeps a few numbers as givens.
func numbrixInstance(t testing.TB, seed uint64) (GameData, [][]int) {
	rng := rand.New(rand.NewPCG(seed, 6))
	all := numbrixPaths([][]int{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}})
	sol := all[rng.IntN(len(all))]
	givens := make([][]any, len(sol))
	for i, r := range sol {
		for _, v := range r {
			if rng.IntN(3) == 0 {
				givens[i] = append(givens[i], v)
			} else {
				givens[i] = append(givens[i], "X")
			}
		}
	}
	// Shaped like the upstream generator's output: givens as ints and blanks as "X" under
	// "grid", the solution beside it, an empty gold answer, and a prompt asking for a bare list.
	m, err := json.Marshal(map[string]any{"trace_id": "t", "grid": givens, "solution": sol, "n": 4, "fill_rate": 0.3})
	if err != nil {
		t.Fatal(err)
	}
	q := "Numbrix puzzle ... Output the completed grid as a 2D list (list of lists) in Python format.\n4. Example Output Format:\n[\n    [1, 2, 3, 4],\n    [8, 7, 6, 5]\n]"
	return GameData{Question: q, Metadata: m}, sol
}

// compactJSON renders v as one-line JSON ("[[1,2],[4,3]]").
func compactJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNumbrixGenerated(t *testing.T) {
	var instances []GameData
	for seed := range uint64(8) {
		g, _ := numbrixInstance(t, seed)
		instances = append(instances, g)
	}
	givensOf := func(t *testing.T, g GameData) [][]int {
		var m struct{ Grid [][]json.RawMessage }
		if err := json.Unmarshal(g.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		out := make([][]int, len(m.Grid))
		for i, r := range m.Grid {
			for _, c := range r {
				out[i] = append(out[i], givenDigit(c))
			}
		}
		return out
	}
	sampleSuite{
		task:      "numbrix",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			var out []string
			for _, p := range numbrixPaths(givensOf(t, g)) {
				// The prompt's format first: a bare list of rows, multi-line or on one line.
				out = append(out, "The path is:\n"+gridJSON(t, p), "Done: "+compactJSON(t, p)+".",
					pyBlock(gridJSON(t, p)), strings.ReplaceAll(compactJSON(t, p), ",", ", "))
			}
			if len(out) == 0 {
				t.Fatal("no path agrees with the givens")
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			givens := givensOf(t, g)
			sol := numbrixPaths(givens)[0]
			free := make([][]int, len(givens))
			for i := range free {
				free[i] = make([]int, len(givens[0]))
			}
			bad := map[string]string{}
			// Valid paths that break a given.
			for _, p := range numbrixPaths(free) {
				for i := range p {
					for j := range p[i] {
						if givens[i][j] != 0 && p[i][j] != givens[i][j] && len(bad) < 2 {
							bad["given broken "+korRows(p)] = pyBlock(gridJSON(t, p))
						}
					}
				}
			}
			swapped := cloneGrid(sol)
			// Swapping 1 and 12 keeps the numbers but breaks the path unless they are neighbours.
			var a, b [2]int
			for i := range sol {
				for j := range sol[i] {
					switch sol[i][j] {
					case 1:
						a = [2]int{i, j}
					case 12:
						b = [2]int{i, j}
					}
				}
			}
			swapped[a[0]][a[1]], swapped[b[0]][b[1]] = 12, 1
			if abs(a[0]-b[0])+abs(a[1]-b[1]) != 1 {
				bad["ends swapped"] = pyBlock(gridJSON(t, swapped))
			}
			dup := cloneGrid(sol)
			dup[0][0] = dup[0][1]
			bad["repeated number"] = pyBlock(gridJSON(t, dup))
			bad["missing row"] = pyBlock(gridJSON(t, sol[1:]))
			bad["no grid"] = "The numbers run from 1 in a snake to 12."
			bad["kor rows"] = korRows(sol)
			bad["later wrong grid"] = gridJSON(t, sol) + "\nHmm, rather:\n" + gridJSON(t, dup)
			bad["bare repeated number"] = compactJSON(t, dup)
			return bad
		},
	}.run(t)
	// Without the puzzle upstream cannot grade (a KeyError): neither do we.
	expect(t, "numbrix", GameData{Answer: "[[1, 2], [4, 3]]"}, "[[1, 2], [4, 3]]", false)
}
