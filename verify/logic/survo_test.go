package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// survoUpstream builds an instance the way the upstream survo generator does: random
// interior values, row sums in the last column, column sums in the last row, the grand total
// in the corner, then x interior cells blanked to 0 with their values as the candidates.
func survoUpstream(t testing.TB, seed uint64, n, x int) (GameData, [][]int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	full := make([][]int, n)
	for i := range full {
		full[i] = make([]int, n)
	}
	for i := range n - 1 {
		for j := range n - 1 {
			full[i][j] = 1 + rng.IntN(9)
			full[i][n-1] += full[i][j]
			full[n-1][j] += full[i][j]
			full[n-1][n-1] += full[i][j]
		}
	}
	puzzle := cloneGrid(full)
	var cands []int
	for _, k := range rng.Perm((n - 1) * (n - 1))[:x] {
		i, j := k/(n-1), k%(n-1)
		cands = append(cands, full[i][j])
		puzzle[i][j] = 0
	}
	raw, err := json.Marshal(map[string]any{
		"question": fmt.Sprintf("Survo %dx%d ... like this:\n```python\n[\n    [1,2,...],\n    [2,3,...],\n    ...\n]\n```", n, n),
		"answer":   strings.ReplaceAll(compactJSON(t, full), ",", ", "),
		"metadata": map[string]any{"trace_id": "t", "original_matrix": puzzle, "filled_matrix": full,
			"candidate_numbers": cands, "n": n, "x": x, "min_num": 1, "max_num": 9},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGameData(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return g, puzzle
}

// survoFillings places the candidates into the blanks in every order and splits the results
// by the test's own sum check.
func survoFillings(puzzle [][]int, cands []int) (good, bad [][][]int) {
	n := len(puzzle)
	var blanks [][2]int
	for i := range n {
		for j := range n {
			if puzzle[i][j] == 0 {
				blanks = append(blanks, [2]int{i, j})
			}
		}
	}
	used := make([]bool, len(cands))
	g := cloneGrid(puzzle)
	var rec func(k int)
	rec = func(k int) {
		if k == len(blanks) {
			ok := true
			for r := range n - 1 {
				row, col := 0, 0
				for c := range n - 1 {
					row, col = row+g[r][c], col+g[c][r]
				}
				ok = ok && row == g[r][n-1] && col == g[n-1][r]
			}
			if ok {
				good = append(good, cloneGrid(g))
			} else {
				bad = append(bad, cloneGrid(g))
			}
			return
		}
		for i, c := range cands {
			if !used[i] {
				used[i] = true
				g[blanks[k][0]][blanks[k][1]] = c
				rec(k + 1)
				used[i] = false
			}
		}
	}
	rec(0)
	return good, bad
}

func TestSurvoUpstream(t *testing.T) {
	var instances []GameData
	puzzles := map[string][][]int{}
	for seed := range uint64(8) {
		g, p := survoUpstream(t, seed, 4, 4)
		instances = append(instances, g)
		puzzles[g.Question+g.Answer] = p
	}
	cands := func(t *testing.T, g GameData) []int {
		var m struct {
			C []int `json:"candidate_numbers"`
		}
		if err := json.Unmarshal(g.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		return m.C
	}
	sampleSuite{
		task:      "survo",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			good, _ := survoFillings(puzzles[g.Question+g.Answer], cands(t, g))
			if len(good) == 0 {
				t.Fatal("the generator's own filling is not among the solutions")
			}
			out := []string{pyBlock(g.Answer), "```\n" + g.Answer + "\n```", "So:\n" + gridJSON(t, good[0])}
			for _, s := range good {
				out = append(out, pyBlock(gridJSON(t, s)))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			p := puzzles[g.Question+g.Answer]
			good, wrong := survoFillings(p, cands(t, g))
			bad := map[string]string{"no matrix": "The blanks take the candidates."}
			for i, w := range wrong {
				if i < 3 {
					bad[fmt.Sprintf("sums broken %d", i)] = pyBlock(gridJSON(t, w))
				}
			}
			given := cloneGrid(good[0])
			for i := range given {
				if p[i][0] != 0 {
					given[i][0]++
					given[i][3]++ // the row still sums; the given is broken
					given[3][0]++
					break
				}
			}
			bad["given changed"] = pyBlock(gridJSON(t, given))
			other := cloneGrid(good[0])
			for i := range other {
				for j := range other[i] {
					if p[i][j] == 0 {
						other[i][j] = 100 // not a candidate
					}
				}
			}
			bad["not the candidates"] = pyBlock(gridJSON(t, other))
			bad["missing row"] = pyBlock(gridJSON(t, good[0][:3]))
			// Upstream reads the python block before any bare list.
			bad["bare after a wrong block"] = pyBlock(gridJSON(t, given)) + "\nor\n" + gridJSON(t, good[0])
			bad["later wrong block"] = pyBlock(gridJSON(t, good[0])) + pyBlock(gridJSON(t, given))
			quoted := make([][]string, len(good[0]))
			for i, r := range good[0] {
				for _, v := range r {
					quoted[i] = append(quoted[i], fmt.Sprint(v))
				}
			}
			bad["quoted numbers"] = pyBlock(gridJSON(t, quoted))
			return bad
		},
	}.run(t)
}
