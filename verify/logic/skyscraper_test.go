package logic

import (
	"testing"
)

type skyTestMeta struct {
	N      int     `json:"n"`
	Solved [][]int `json:"solved_grid"`
	Top    []int   `json:"top"`
	Bottom []int   `json:"bottom"`
	Left   []int   `json:"left"`
	Right  []int   `json:"right"`
}

// skyCluesHold is the test's own clue check: it counts visible buildings along each line
// with a running maximum, reading the grid in the four directions.
func skyCluesHold(m skyTestMeta, g [][]int) bool {
	n := m.N
	count := func(get func(t int) int) int {
		seen, best := 0, 0
		for t := range n {
			if h := get(t); h > best {
				seen, best = seen+1, h
			}
		}
		return seen
	}
	for k := range n {
		if m.Top[k] > 0 && count(func(t int) int { return g[t][k] }) != m.Top[k] ||
			m.Bottom[k] > 0 && count(func(t int) int { return g[n-1-t][k] }) != m.Bottom[k] ||
			m.Left[k] > 0 && count(func(t int) int { return g[k][t] }) != m.Left[k] ||
			m.Right[k] > 0 && count(func(t int) int { return g[k][n-1-t] }) != m.Right[k] {
			return false
		}
	}
	return true
}

// solveSkyscraper enumerates all solutions by backtracking over rows (permutations of 1..n)
// with column-distinctness pruning.
func solveSkyscraper(m skyTestMeta) [][][]int {
	n := m.N
	var perms [][]int
	var permute func(cur []int, used int)
	permute = func(cur []int, used int) {
		if len(cur) == n {
			perms = append(perms, append([]int(nil), cur...))
			return
		}
		for v := 1; v <= n; v++ {
			if used&(1<<v) == 0 {
				permute(append(cur, v), used|1<<v)
			}
		}
	}
	permute(nil, 0)
	var out [][][]int
	grid := make([][]int, 0, n)
	colUsed := make([]int, n)
	var rec func()
	rec = func() {
		if len(grid) == n {
			if skyCluesHold(m, grid) {
				out = append(out, cloneGrid(grid))
			}
			return
		}
	next:
		for _, p := range perms {
			for c, v := range p {
				if colUsed[c]&(1<<v) != 0 {
					continue next
				}
			}
			for c, v := range p {
				colUsed[c] |= 1 << v
			}
			grid = append(grid, p)
			rec()
			grid = grid[:len(grid)-1]
			for c, v := range p {
				colUsed[c] &^= 1 << v
			}
		}
	}
	rec()
	return out
}

func TestSkyscraperSamples(t *testing.T) {
	sampleSuite{
		task: "skyscraper_puzzle",
		good: func(t *testing.T, g GameData) []string {
			if g.Answer != "" {
				t.Fatalf("gold answer %q, want empty (metadata-graded task)", g.Answer)
			}
			m := meta[skyTestMeta](t, g)
			sols := solveSkyscraper(m)
			if len(sols) == 0 {
				t.Fatal("solver found no solution")
			}
			out := []string{pyBlock(gridJSON(t, m.Solved))}
			for _, s := range sols {
				out = append(out, pyBlock(gridJSON(t, s)), pyBlock(gridJSON(t, s)+"  # rows"))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[skyTestMeta](t, g)
			sol := solveSkyscraper(m)[0]
			changed := cloneGrid(sol)
			changed[0][0] = changed[0][0]%m.N + 1
			swapped := cloneGrid(sol)
			swapped[0][0], swapped[0][1] = swapped[0][1], swapped[0][0]
			bad := map[string]string{
				"one changed cell": pyBlock(gridJSON(t, changed)),
				"swapped in row":   pyBlock(gridJSON(t, swapped)),
				"missing row":      pyBlock(gridJSON(t, sol[1:])),
				"extra column":     pyBlock(gridJSON(t, append(cloneGrid(sol[:m.N-1]), append(sol[m.N-1], 1)))),
				"no code block":    "Grid: " + gridJSON(t, sol),
				"text in block":    pyBlock("grid = " + gridJSON(t, sol)),
				"tuples":           pyBlock(tupleGrid(sol)),
				"later block":      pyBlock(gridJSON(t, changed)) + pyBlock(gridJSON(t, sol)), // upstream reads the first
			}
			// A Latin square breaking a clue: the rows of the solution in another order.
			for shift := 1; shift < m.N; shift++ {
				rot := append(cloneGrid(sol[shift:]), cloneGrid(sol[:shift])...)
				if !skyCluesHold(m, rot) {
					bad["clue broken"] = pyBlock(gridJSON(t, rot))
					break
				}
			}
			if bad["clue broken"] == "" {
				t.Fatal("no row rotation breaks a clue")
			}
			return bad
		},
	}.run(t)
}

func TestSkyscraperZeroMeansNoClue(t *testing.T) {
	g := GameData{Metadata: []byte(`{"n": 3, "top": [0, 0, 0], "bottom": [0, 0, 0], "left": [3, 0, 0], "right": [0, 0, 0]}`)}
	expect(t, "skyscraper_puzzle", g, pyBlock("[[1,2,3],[2,3,1],[3,1,2]]"), true)
	expect(t, "skyscraper_puzzle", g, pyBlock("[[2,1,3],[1,3,2],[3,2,1]]"), false)
}
