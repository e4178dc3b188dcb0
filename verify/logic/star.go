package logic

import (
	"fmt"
	"strings"
)

func init() { register("star_placement_puzzle", verifyStarPlacement) }

// starMeta is star_placement_puzzle's metadata: grid size, stars per row/column/region, and
// the region letter of every cell.
type starMeta struct {
	N          int        `json:"n"`
	K          int        `json:"k"`
	RegionGrid [][]string `json:"region_grid"`
}

// verifyStarPlacement checks the stars in the answer against the rules: every row, column and
// region holds exactly k stars and no two stars touch (diagonals included). The answer is the
// dict the prompt asks for, {'A': [(1, 1)], ...} with 1-based row and column, read as upstream
// reads it: the first ```python block, the first {...} in it. As upstream, the coordinates of
// all keys are pooled — the region labels are not checked and a star listed twice counts
// once — and the stored [[A(1,1)\n\nB(5,4)]] gold form is not an answer.
func verifyStarPlacement(g GameData, region string) Result {
	var m starMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n, k := m.N, m.K
	if n <= 0 || n > 50 || k <= 0 || len(m.RegionGrid) != n {
		return badInstance("n = %d, k = %d, %d region rows", n, k, len(m.RegionGrid))
	}
	regions := map[string]int{}
	for i, row := range m.RegionGrid {
		if len(row) != n {
			return badInstance("region_grid row %d has %d cells, want %d", i+1, len(row), n)
		}
		for _, c := range row {
			regions[c] = 0
		}
	}
	stars, text, err := starAnswer(region)
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if len(stars) == 0 {
		return incorrect(text, "no stars in the answer")
	}
	rows, cols := make([]int, n), make([]int, n)
	occupied := make([][]bool, n)
	for i := range occupied {
		occupied[i] = make([]bool, n)
	}
	for _, s := range stars {
		if s.r < 1 || s.r > n || s.c < 1 || s.c > n {
			return incorrect(text, "star (%d,%d) is outside the %d×%d grid", s.r, s.c, n, n)
		}
		r, c := s.r-1, s.c-1
		if occupied[r][c] {
			continue
		}
		occupied[r][c] = true
		rows[r]++
		cols[c]++
		regions[m.RegionGrid[r][c]]++
	}
	for i := range n {
		if rows[i] != k {
			return incorrect(text, "row %d has %d stars, want %d", i+1, rows[i], k)
		}
		if cols[i] != k {
			return incorrect(text, "column %d has %d stars, want %d", i+1, cols[i], k)
		}
	}
	for name, count := range regions {
		if count != k {
			return incorrect(text, "region %s has %d stars, want %d", name, count, k)
		}
	}
	for _, s := range stars {
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				r, c := s.r-1+dr, s.c-1+dc
				if (dr != 0 || dc != 0) && r >= 0 && r < n && c >= 0 && c < n && occupied[r][c] {
					return incorrect(text, "stars (%d,%d) and (%d,%d) touch", s.r, s.c, r+1, c+1)
				}
			}
		}
	}
	return Result{Correct: true, Extracted: text}
}

type star struct {
	r, c int
}

// starAnswer reads the stars of the first {...} (without nested braces) in the first
// ```python block: a dict of region → list of (row, col) pairs of ints.
func starAnswer(region string) ([]star, string, error) {
	block, ok := first(pythonFences(region, true))
	if !ok {
		return nil, "", fmt.Errorf("no ```python block in the answer")
	}
	open := strings.IndexByte(block, '{')
	end := -1
	if open >= 0 {
		end = strings.IndexAny(block[open+1:], "{}")
	}
	if end < 0 || block[open+1+end] != '}' {
		return nil, block, fmt.Errorf("no {...} dict in the python block")
	}
	text := block[open : open+end+2]
	v, err := parsePyLiteral(text)
	if err != nil || v.kind != pyDict {
		return nil, text, fmt.Errorf("the dict is not a literal of region: [(row, col)]")
	}
	var out []star
	for i := range v.keys {
		coords := v.items[i]
		if !coords.isSeq() {
			return nil, text, fmt.Errorf("dict value %d is not a list of (row, col)", i+1)
		}
		for _, p := range coords.items {
			if !p.isSeq() || len(p.items) != 2 || p.items[0].kind != pyInt || p.items[1].kind != pyInt {
				return nil, text, fmt.Errorf("want (row, col) pairs of integers")
			}
			r, c := p.items[0].i, p.items[1].i
			if r < -1<<31 || r > 1<<31 || c < -1<<31 || c > 1<<31 {
				return nil, text, fmt.Errorf("coordinate out of range")
			}
			out = append(out, star{int(r), int(c)})
		}
	}
	return out, text, nil
}
