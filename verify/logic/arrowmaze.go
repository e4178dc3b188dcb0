package logic

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

func init() { registerOpts("arrow_maze", verifyArrowMaze) }

// arrowDirs maps each arrow to its (row, column) step.
var arrowDirs = map[string][2]int{
	"↑": {-1, 0}, "↓": {1, 0}, "←": {0, -1}, "→": {0, 1},
	"↖": {-1, -1}, "↗": {-1, 1}, "↘": {1, 1}, "↙": {1, -1},
}

type arrowMazeMeta struct {
	Maze [][]json.RawMessage `json:"maze"`
}

// verifyArrowMaze checks the grid (see arrowMazeAnswer) against the rules: numbers and
// pre-filled arrows are kept, every blank ("X") holds one of the eight arrows, each number
// equals the total length of the arrow rays leaving it (a ray in direction d is the run of
// cells next to the number holding d's arrow), and every arrow lies on some number's ray.
// Cells must be strings, as upstream's str methods require. Upstream also lets a blank
// hold a number (it checks only that blanks are not left "X"); o.Upstream does too.
func verifyArrowMaze(g GameData, region string, o Options) Result {
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
	rows, block, err := arrowMazeAnswer(region)
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
			if c.kind != pyStr {
				return incorrect(block, "cell (%d,%d) is not a string", i+1, j+1)
			}
			s := c.s
			want := puzzle[i][j]
			_, isArrow := arrowDirs[s]
			switch {
			case want == "X" && o.Upstream && isDigits(s):
			case want == "X":
				if !isArrow {
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
			if !isDigits(grid[i][j]) {
				continue
			}
			n, err := strconv.Atoi(grid[i][j])
			if err != nil {
				return incorrect(block, "number at (%d,%d) is too large", i+1, j+1)
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

// arrowMazeAnswer reads the grid where upstream looks for it: the last ```python block, else
// the last untagged ``` block, holding a list of lists, else the last bare [[…]] list of the
// text (a block that is not a list of lists falls through to the next form).
func arrowMazeAnswer(region string) ([][]pyValue, string, error) {
	var tried string
	for _, c := range [][]string{pythonFences(region, true), untaggedFences(region), bareGrids(region, false)} {
		block, ok := last(c)
		if !ok {
			continue
		}
		tried = block
		v, err := parsePyLiteral(block)
		if err != nil || v.kind != pyList {
			continue
		}
		rows, err := pyGrid(v)
		if err == nil && allLists(v) {
			return rows, block, nil
		}
	}
	if tried == "" {
		return nil, "", errors.New("no code block and no [[...]] list in the answer")
	}
	return nil, tried, errors.New("answer is not a list of lists")
}

// allLists reports whether every item of v is a list (not a tuple), as upstream's
// isinstance(row, list) requires.
func allLists(v pyValue) bool {
	for _, r := range v.items {
		if r.kind != pyList {
			return false
		}
	}
	return true
}

// isDigits reports whether s is a non-empty run of ASCII digits (Python's str.isdigit on
// the grids' cells).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
