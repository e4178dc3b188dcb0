package logic

import (
	"encoding/json"
	"strconv"
	"strings"
)

func init() { register("arrow_maze", verifyArrowMaze) }

// arrowDirs maps each arrow to its (row, column) step.
var arrowDirs = map[string][2]int{
	"↑": {-1, 0}, "↓": {1, 0}, "←": {0, -1}, "→": {0, 1},
	"↖": {-1, -1}, "↗": {-1, 1}, "↘": {1, 1}, "↙": {1, -1},
}

type arrowMazeMeta struct {
	Maze [][]json.RawMessage `json:"maze"`
}

// verifyArrowMaze checks the grid in the last ```python block against the rules: numbers and
// pre-filled arrows are kept, every blank ("X") holds one of the eight arrows, each number
// equals the total length of the arrow rays leaving it (a ray in direction d is the run of
// cells next to the number holding d's arrow), and every arrow lies on some number's ray.
func verifyArrowMaze(g GameData, region string) Result {
	var m arrowMazeMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	h := len(m.Maze)
	if h == 0 || h > 100 || len(m.Maze[0]) == 0 {
		return badInstance("maze is empty or too large")
	}
	w := len(m.Maze[0])
	puzzle := make([][]string, h)
	for i, row := range m.Maze {
		if len(row) != w {
			return badInstance("maze row %d has %d cells, want %d", i+1, len(row), w)
		}
		puzzle[i] = make([]string, w)
		for j, c := range row {
			puzzle[i][j] = rawCellText(c)
		}
	}
	v, block, err := parsePythonAnswer(region)
	if err != nil {
		return incorrect(block, "%v", err)
	}
	rows, err := pyGrid(v)
	if err != nil {
		return incorrect(block, "%v", err)
	}
	if len(rows) != h {
		return incorrect(block, "grid has %d rows, want %d", len(rows), h)
	}
	grid := make([][]string, h)
	for i, r := range rows {
		if len(r) != w {
			return incorrect(block, "row %d has %d cells, want %d", i+1, len(r), w)
		}
		grid[i] = make([]string, w)
		for j, c := range r {
			s, ok := c.text()
			if !ok {
				return incorrect(block, "cell (%d,%d) is not a string or number", i+1, j+1)
			}
			s = strings.TrimSpace(s)
			want := puzzle[i][j]
			switch {
			case want == "X":
				if _, isArrow := arrowDirs[s]; !isArrow {
					return incorrect(block, "cell (%d,%d) is %q, want an arrow", i+1, j+1, s)
				}
			case s != want:
				return incorrect(block, "cell (%d,%d) is %q but the maze has %q", i+1, j+1, s, want)
			}
			grid[i][j] = s
		}
	}
	covered := make([][]bool, h)
	for i := range covered {
		covered[i] = make([]bool, w)
	}
	for i := range h {
		for j := range w {
			n, err := strconv.Atoi(grid[i][j])
			if err != nil {
				continue
			}
			total := 0
			for arrow, d := range arrowDirs {
				for r, c := i+d[0], j+d[1]; r >= 0 && r < h && c >= 0 && c < w && grid[r][c] == arrow; r, c = r+d[0], c+d[1] {
					covered[r][c] = true
					total++
				}
			}
			if total != n {
				return incorrect(block, "number %d at (%d,%d) has rays of total length %d", n, i+1, j+1, total)
			}
		}
	}
	for i := range h {
		for j := range w {
			if _, isArrow := arrowDirs[grid[i][j]]; isArrow && !covered[i][j] {
				return incorrect(block, "arrow at (%d,%d) is on no number's ray", i+1, j+1)
			}
		}
	}
	return Result{Correct: true, Extracted: block}
}

// rawCellText reads a metadata grid cell written as a JSON string or number.
func rawCellText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(raw))
}
