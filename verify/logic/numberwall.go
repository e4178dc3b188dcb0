package logic

import (
	"encoding/json"
	"strconv"
)

func init() { registerOpts("number_wall", verifyNumberWall) }

// numberWallMeta is number_wall's metadata as the upstream generator writes it: the n×n grid
// under "grid", island sizes as ints and other cells "X" (the gold answer is empty;
// "solution" holds one solution).
type numberWallMeta struct {
	Grid [][]json.RawMessage `json:"grid"`
}

// numberWallCellRE and numberWallAnswer are upstream's answer pattern: a list of rows whose cells
// are "X", "A" (either quote), numbers or quoted numbers.
const numberWallCellRE = `(?:"[XA]"|'[XA]'|[0-9]+|"[0-9]+"|'[0-9]+')`

var numberWallAnswer = newOpenPattern(`\[\s*\[(?:\s*`+numberWallCellRE+`\s*,\s*)*\s*`+numberWallCellRE+`\s*\]\s*(?:,\s*\[(?:\s*`+numberWallCellRE+`\s*,\s*)*\s*`+numberWallCellRE+`\s*\]\s*)*\]`,
	"[[", func(c byte) bool { return c == '"' || c == '\'' || isDigitByte(c) })

// verifyNumberWall checks the grid in the answer (the last list of rows of "A", "X" and number
// cells in the response, as upstream reads it) against the rules upstream checks: every cell is a wall "A", an
// island cell "X" or the puzzle's number; no 2×2 block of walls; every island (cells joined
// horizontally or vertically) holds exactly one number, equal to its size; and two island
// cells that touch only diagonally, with walls on the other diagonal, belong to the same
// island. Upstream also accepts numbers written into cells the puzzle leaves blank (a model
// can invent an island that way); we do not (o.Upstream does).
func verifyNumberWall(g GameData, region string, o Options) Result {
	var m numberWallMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := len(m.Grid)
	if n == 0 || n > 50 {
		return badInstance("grid has %d rows", n)
	}
	text, ok := last(numberWallAnswer.matches(region, 0))
	if !ok {
		return incorrect("", `no [["A", "X", 1, ...], ...] grid in the answer`)
	}
	grid, err := gridCells(mustLiteral(text))
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if err := gridShape(grid, n, n); err != nil {
		return incorrect(text, "%v", err)
	}
	wall := make([][]bool, n)
	number := make([][]int, n) // 0 where the cell holds no number
	for i := range n {
		if len(m.Grid[i]) != n {
			return badInstance("grid row %d has %d cells, want %d", i+1, len(m.Grid[i]), n)
		}
		wall[i], number[i] = make([]bool, n), make([]int, n)
		for j := range n {
			given := givenDigit(m.Grid[i][j])
			c := grid[i][j]
			switch {
			case given == 0 && o.Upstream && isDigits(c):
				number[i][j], _ = strconv.Atoi(c)
			case given > 0:
				if v, err := strconv.Atoi(c); err != nil || v != given {
					return incorrect(text, "cell (%d,%d) is %q but the puzzle gives %d", i+1, j+1, grid[i][j], given)
				}
				number[i][j] = given
			case c == "A":
				wall[i][j] = true
			case c != "X":
				return incorrect(text, "cell (%d,%d) is %q, want \"A\" (wall) or \"X\" (island)", i+1, j+1, grid[i][j])
			}
		}
	}
	for i := range n - 1 {
		for j := range n - 1 {
			if wall[i][j] && wall[i][j+1] && wall[i+1][j] && wall[i+1][j+1] {
				return incorrect(text, "walls form a 2×2 block at (%d,%d)", i+1, j+1)
			}
		}
	}
	island := make([][]int, n) // island id + 1, 0 for walls
	for i := range island {
		island[i] = make([]int, n)
	}
	id := 0
	for i := range n {
		for j := range n {
			if wall[i][j] || island[i][j] != 0 {
				continue
			}
			id++
			island[i][j] = id
			queue, size, numbers, value := [][2]int{{i, j}}, 0, 0, 0
			for len(queue) > 0 {
				c := queue[0]
				queue = queue[1:]
				size++
				if v := number[c[0]][c[1]]; v > 0 {
					numbers, value = numbers+1, v
				}
				for _, d := range [][2]int{{0, 1}, {1, 0}, {0, -1}, {-1, 0}} {
					a, b := c[0]+d[0], c[1]+d[1]
					if a >= 0 && a < n && b >= 0 && b < n && !wall[a][b] && island[a][b] == 0 {
						island[a][b] = id
						queue = append(queue, [2]int{a, b})
					}
				}
			}
			if numbers != 1 {
				return incorrect(text, "the island at (%d,%d) holds %d numbers, want 1", i+1, j+1, numbers)
			}
			if size != value {
				return incorrect(text, "the island of %d at (%d,%d) has %d cells", value, i+1, j+1, size)
			}
		}
	}
	for i := range n - 1 {
		for j := range n - 1 {
			if wall[i][j+1] && wall[i+1][j] && !wall[i][j] && !wall[i+1][j+1] && island[i][j] != island[i+1][j+1] ||
				wall[i][j] && wall[i+1][j+1] && !wall[i][j+1] && !wall[i+1][j] && island[i][j+1] != island[i+1][j] {
				return incorrect(text, "two islands touch diagonally at (%d,%d)", i+1, j+1)
			}
		}
	}
	return Result{Correct: true, Extracted: text}
}
