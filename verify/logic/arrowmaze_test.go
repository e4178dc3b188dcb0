package logic

import (
	"encoding/json"
	"strconv"
	"testing"
)

type arrowTestMeta struct {
	Maze     [][]string `json:"maze"`
	Solution [][]string `json:"solution"`
}

func gridJSON(t testing.TB, grid any) string {
	b, err := json.MarshalIndent(grid, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// arrowReference is an independent statement of the arrow maze rules: an arrow walked
// backwards through arrows of its own direction must reach a number (so it lies on that
// number's ray), and each number equals the count of arrows reaching it that way.
func arrowReference(maze, grid [][]string) bool {
	steps := map[string][2]int{"↑": {-1, 0}, "↓": {1, 0}, "←": {0, -1}, "→": {0, 1}, "↖": {-1, -1}, "↗": {-1, 1}, "↘": {1, 1}, "↙": {1, -1}}
	h, w := len(grid), len(grid[0])
	reached := map[[2]int]int{}
	for i := range h {
		for j := range w {
			if maze[i][j] != "X" && grid[i][j] != maze[i][j] {
				return false
			}
			d, isArrow := steps[grid[i][j]]
			if !isArrow {
				continue
			}
			r, c := i-d[0], j-d[1]
			for r >= 0 && r < h && c >= 0 && c < w && grid[r][c] == grid[i][j] {
				r, c = r-d[0], c-d[1]
			}
			if r < 0 || r >= h || c < 0 || c >= w {
				return false
			}
			if _, err := strconv.Atoi(grid[r][c]); err != nil {
				return false
			}
			reached[[2]int{r, c}]++
		}
	}
	for i := range h {
		for j := range w {
			if n, err := strconv.Atoi(grid[i][j]); err == nil && reached[[2]int{i, j}] != n {
				return false
			} else if err != nil && maze[i][j] == "X" {
				if _, isArrow := steps[grid[i][j]]; !isArrow {
					return false
				}
			}
		}
	}
	return true
}

func TestArrowMazeSamples(t *testing.T) {
	sampleSuite{
		task: "arrow_maze",
		good: func(t *testing.T, g GameData) []string {
			m := meta[arrowTestMeta](t, g)
			if !arrowReference(m.Maze, m.Solution) {
				t.Fatal("reference rejects the stored solution")
			}
			sol := gridJSON(t, m.Solution)
			return []string{
				pyBlock(g.Answer), pyBlock(sol),
				"```\n" + sol + "\n```", // an untagged block
				"Here it is: " + sol,    // a bare list when there is no block
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[arrowTestMeta](t, g)
			bad := map[string]string{
				"puzzle unfilled": pyBlock(gridJSON(t, m.Maze)),
				"missing row":     pyBlock(gridJSON(t, m.Solution[1:])),
				"extra row":       pyBlock(gridJSON(t, append(cloneStrGrid(m.Solution), m.Solution[0]))),
			}
			// Numbers written as ints: upstream's str checks fail on them.
			mixed := make([][]any, len(m.Solution))
			for i, r := range m.Solution {
				for _, c := range r {
					if n, err := strconv.Atoi(c); err == nil {
						mixed[i] = append(mixed[i], n)
					} else {
						mixed[i] = append(mixed[i], c)
					}
				}
			}
			bad["numbers as ints"] = pyBlock(gridJSON(t, mixed))
			for i, r := range m.Solution {
				for j, c := range r {
					if _, err := strconv.Atoi(c); err == nil {
						changed := cloneStrGrid(m.Solution)
						changed[i][j] = strconv.Itoa(len(arrowDirs) + 1)
						bad["changed number"] = pyBlock(gridJSON(t, changed))
					}
				}
			}
			return bad
		},
	}.run(t)
}

// TestArrowMazeAgainstReference changes each blank cell of each sample to every other arrow
// and requires the verifier to agree with the independent reference on every variant.
func TestArrowMazeAgainstReference(t *testing.T) {
	v, _ := Lookup("arrow_maze")
	rejected := 0
	for si, g := range loadSamples(t, "arrow_maze") {
		m := meta[arrowTestMeta](t, g)
		for i, r := range m.Maze {
			for j, c := range r {
				if c != "X" {
					continue
				}
				for arrow := range arrowDirs {
					grid := cloneStrGrid(m.Solution)
					grid[i][j] = arrow
					want := arrowReference(m.Maze, grid)
					if got := v.Verify(g, pyBlock(gridJSON(t, grid))); got.Correct != want {
						t.Errorf("sample %d, (%d,%d)=%s: verifier %v (%s), reference %v", si, i+1, j+1, arrow, got.Correct, got.Reason, want)
					}
					if !want {
						rejected++
					}
				}
			}
		}
	}
	if rejected == 0 {
		t.Error("no variant was rejected; the comparison is vacuous")
	}
}

func cloneStrGrid(g [][]string) [][]string {
	out := make([][]string, len(g))
	for i := range g {
		out[i] = append([]string(nil), g[i]...)
	}
	return out
}
