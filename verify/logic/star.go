package logic

import (
	"fmt"
	"strconv"
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
// region holds exactly k stars, no two stars touch (diagonals included), and each star is
// listed under the letter of the region it lies in. The answer is the dict the prompt asks
// for ({'A': [(1, 1)], ...} in the last ```python block, 1-based row and column) or, when
// the older [[A(1,1)\n\nB(5,4)]] form of the stored gold answer, whichever comes last.
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
	rows, cols := make([]int, n), make([]int, n)
	occupied := make([][]bool, n)
	for i := range occupied {
		occupied[i] = make([]bool, n)
	}
	listed := map[string]bool{}
	for _, s := range stars {
		if _, ok := regions[s.region]; !ok {
			return incorrect(text, "no region %q", s.region)
		}
		listed[s.region] = true
		if s.r < 1 || s.r > n || s.c < 1 || s.c > n {
			return incorrect(text, "star (%d,%d) is outside the %d×%d grid", s.r, s.c, n, n)
		}
		r, c := s.r-1, s.c-1
		if m.RegionGrid[r][c] != s.region {
			return incorrect(text, "star (%d,%d) is in region %s, listed under %s", s.r, s.c, m.RegionGrid[r][c], s.region)
		}
		if occupied[r][c] {
			return incorrect(text, "star (%d,%d) is listed twice", s.r, s.c)
		}
		occupied[r][c] = true
		rows[r]++
		cols[c]++
		regions[s.region]++
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
	region string
	r, c   int
}

// starAnswer reads the stars from the later of the last ```python dict and the last [[...]].
func starAnswer(region string) ([]star, string, error) {
	body, brackets, found := blockOrBrackets(region)
	if !found {
		return nil, "", fmt.Errorf("no ```python dict and no [[...]] answer")
	}
	if block := body; !brackets {
		v, err := parsePyLiteral(block)
		if err != nil {
			return nil, block, fmt.Errorf("python block is not a literal: %w", err)
		}
		if v.kind != pyDict {
			return nil, block, fmt.Errorf("python block is not a dict of region: [(row, col)]")
		}
		var out []star
		for i, key := range v.keys {
			name, ok := key.text()
			if !ok || key.kind != pyStr {
				return nil, block, fmt.Errorf("dict key %d is not a region letter", i+1)
			}
			coords := v.items[i]
			if !coords.isSeq() {
				return nil, block, fmt.Errorf("region %s: want a list of (row, col)", name)
			}
			for _, p := range coords.items {
				if !p.isSeq() || len(p.items) != 2 {
					return nil, block, fmt.Errorf("region %s: want (row, col) pairs", name)
				}
				r, ok1 := p.items[0].intValue()
				c, ok2 := p.items[1].intValue()
				if !ok1 || !ok2 {
					return nil, block, fmt.Errorf("region %s: coordinates must be integers", name)
				}
				out = append(out, star{strings.TrimSpace(name), r, c})
			}
		}
		return out, block, nil
	}
	return legacyStars(body)
}

// legacyStars parses "A(1,1)\n\nB(5,4)(2,3)": a region letter followed by its coordinates.
func legacyStars(body string) ([]star, string, error) {
	if len(body) > maxAnswerBytes {
		return nil, body[:64], fmt.Errorf("answer too long")
	}
	var out []star
	name := ""
	s := body
	for len(s) > 0 {
		c := s[0]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ',' || c == ';':
			s = s[1:]
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			name = string(c)
			s = s[1:]
		case c == '(':
			end := strings.IndexByte(s, ')')
			if end < 0 || name == "" {
				return nil, body, fmt.Errorf("malformed coordinate %q", s[:min(len(s), 16)])
			}
			parts := strings.Split(s[1:end], ",")
			if len(parts) != 2 {
				return nil, body, fmt.Errorf("malformed coordinate %q", s[:end+1])
			}
			r, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
			col, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
			if err1 != nil || err2 != nil {
				return nil, body, fmt.Errorf("malformed coordinate %q", s[:end+1])
			}
			out = append(out, star{name, r, col})
			s = s[end+1:]
		default:
			return nil, body, fmt.Errorf("unexpected %q in the answer", s[:1])
		}
	}
	return out, body, nil
}
