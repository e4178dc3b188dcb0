package logic

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// campsiteUpstream builds an instance shaped like the upstream campsite generator's output:
// trees ('T') in an 'X' grid, a solution with one tent ('C') beside each tree, no two tents
// touching, and the tent counts per row and column.
func campsiteUpstream(t testing.TB, seed uint64, n, m, pairs int) GameData {
	rng := rand.New(rand.NewPCG(seed, 10))
	for {
		sol := make([][]string, n)
		for i := range sol {
			sol[i] = slices.Repeat([]string{"X"}, m)
		}
		placed := 0
		for _, k := range rng.Perm(n * m) {
			i, j := k/m, k%m
			if placed == pairs || sol[i][j] != "X" {
				continue
			}
			free := true
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					if a, b := i+di, j+dj; a >= 0 && a < n && b >= 0 && b < m && sol[a][b] == "C" {
						free = false
					}
				}
			}
			if !free {
				continue
			}
			for _, d := range rng.Perm(4) {
				a, b := i+[]int{0, 1, 0, -1}[d], j+[]int{1, 0, -1, 0}[d]
				if a >= 0 && a < n && b >= 0 && b < m && sol[a][b] == "X" {
					sol[i][j], sol[a][b] = "C", "T"
					placed++
					break
				}
			}
		}
		if placed < pairs {
			continue
		}
		grid := make([][]string, n)
		rows, cols := make([]int, n), make([]int, m)
		for i := range sol {
			for j, c := range sol[i] {
				if c == "C" {
					rows[i]++
					cols[j]++
					c = "X"
				}
				grid[i] = append(grid[i], c)
			}
		}
		meta, err := json.Marshal(map[string]any{"trace_id": "t", "grid": grid, "solution": sol,
			"row_constraints": rows, "col_constraints": cols, "n": n, "m": m, "tree_density": 0.2})
		if err != nil {
			t.Fatal(err)
		}
		q := "Campsite puzzle ...\n4. Example Output Format:\n[\n    ['T', 'C', 'X', 'X'],\n    ['X', 'X', 'T', 'C']\n]"
		return GameData{Question: q, Metadata: meta}
	}
}

// campsiteList renders a grid like the prompt's example: a bare list of rows of quoted cells.
func campsiteList(g [][]string) string {
	rows := make([]string, len(g))
	for i, r := range g {
		rows[i] = "    ['" + strings.Join(r, "', '") + "']"
	}
	return "[\n" + strings.Join(rows, ",\n") + "\n]"
}

// campsiteAll enumerates every choice of tent cells with the right total and splits the
// grids by the test's own rule check (matching by trying every assignment of trees).
func campsiteAll(grid [][]string, rows, cols []int) (good, bad [][][]string) {
	n, m := len(grid), len(grid[0])
	var free, trees [][2]int
	for i := range n {
		for j := range m {
			if grid[i][j] == "T" {
				trees = append(trees, [2]int{i, j})
			} else {
				free = append(free, [2]int{i, j})
			}
		}
	}
	for mask := uint64(0); mask < 1<<len(free); mask++ {
		if bits.OnesCount64(mask) != len(trees) {
			continue
		}
		g := make([][]string, n)
		for i := range g {
			g[i] = slices.Clone(grid[i])
		}
		var tents [][2]int
		for k, c := range free {
			if mask&(1<<k) != 0 {
				g[c[0]][c[1]] = "C"
				tents = append(tents, c)
			}
		}
		ok := true
		for i := range n {
			cnt := 0
			for j := range m {
				if g[i][j] == "C" {
					cnt++
				}
			}
			ok = ok && cnt == rows[i]
		}
		for j := range m {
			cnt := 0
			for i := range n {
				if g[i][j] == "C" {
					cnt++
				}
			}
			ok = ok && cnt == cols[j]
		}
		for a := range tents {
			for b := range a {
				di, dj := tents[a][0]-tents[b][0], tents[a][1]-tents[b][1]
				ok = ok && (di*di > 1 || dj*dj > 1)
			}
		}
		matched := false
		var perm func(k int, used []bool)
		perm = func(k int, used []bool) {
			if k == len(tents) {
				matched = true
				return
			}
			for ti, tr := range trees {
				di, dj := tents[k][0]-tr[0], tents[k][1]-tr[1]
				if !used[ti] && di*di+dj*dj == 1 {
					used[ti] = true
					perm(k+1, used)
					used[ti] = false
				}
			}
		}
		if ok {
			perm(0, make([]bool, len(trees)))
		}
		if ok && matched {
			good = append(good, g)
		} else if len(bad) < 4 && rng64(mask)%97 == 0 {
			bad = append(bad, g)
		}
	}
	return good, bad
}

// rng64 scrambles a mask so the sampled wrong grids are spread over the enumeration.
func rng64(x uint64) uint64 { return (x ^ x>>7) * 0x9E3779B97F4A7C15 >> 32 }

func TestCampsiteUpstream(t *testing.T) {
	var instances []GameData
	for seed := range uint64(6) {
		instances = append(instances, campsiteUpstream(t, seed, 4, 5, 4))
	}
	type cm struct {
		Grid     [][]string `json:"grid"`
		Solution [][]string `json:"solution"`
		Rows     []int      `json:"row_constraints"`
		Cols     []int      `json:"col_constraints"`
	}
	sampleSuite{
		task:      "campsite",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			c := meta[cm](t, g)
			good, _ := campsiteAll(c.Grid, c.Rows, c.Cols)
			if !slices.ContainsFunc(good, func(x [][]string) bool { return slices.EqualFunc(x, c.Solution, slices.Equal) }) {
				t.Fatal("the generator's solution is not among the test's solutions")
			}
			out := []string{"Done.\n" + campsiteList(c.Solution), pyBlock(gridJSON(t, c.Solution)), compactJSON(t, c.Solution)}
			for _, s := range good {
				out = append(out, campsiteList(s))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			c := meta[cm](t, g)
			_, wrong := campsiteAll(c.Grid, c.Rows, c.Cols)
			bad := map[string]string{"no grid": "Tents go next to the trees."}
			for i, w := range wrong {
				bad[fmt.Sprintf("rule broken %d", i)] = campsiteList(w)
			}
			moved := make([][]string, len(c.Solution))
			for i := range moved {
				moved[i] = slices.Clone(c.Solution[i])
			}
			for i := range moved {
				if k := slices.Index(moved[i], "T"); k >= 0 {
					moved[i][k] = "X" // a tree removed
					break
				}
			}
			bad["tree removed"] = campsiteList(moved)
			bad["missing row"] = campsiteList(c.Solution[1:])
			bad["earlier wrong"] = campsiteList(moved) + "\nor\n" + campsiteList(c.Solution) // upstream reads the first
			return bad
		},
	}.run(t)
}
