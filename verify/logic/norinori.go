package logic

import (
	"fmt"
	"regexp"
	"strconv"
)

func init() { registerOpts("norinori", verifyNorinori) }

// norinoriMeta is norinori's metadata as the upstream generator writes it: the n×n region
// grid under "region_grid", regions labelled "A", "B", ... and shadow cells "X" (the gold
// answer is empty; "solution" holds one solution).
type norinoriMeta struct {
	Regions [][]string `json:"region_grid"`
}

// verifyNorinori checks the dominoes in the answer — the list the prompt asks for,
// [[(r1,c1), (r1,c2)], [(r2,c1), (r2,c2)], ...], 1-based, read as upstream does (see
// dominoAnswer) — against the rules: each domino covers two orthogonal neighbours inside
// the grid, no cell twice, no two dominoes share an edge, every shadow cell is covered, and
// every region has exactly two covered cells. Upstream checks the last rule only for regions
// with at least one covered cell, so it accepts answers that leave a region empty; we do not
// (o.Upstream does).
func verifyNorinori(g GameData, region string, o Options) Result {
	var m norinoriMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := len(m.Regions)
	if n == 0 || n > 50 {
		return badInstance("region_grid has %d rows", n)
	}
	for i, r := range m.Regions {
		if len(r) != n {
			return badInstance("region_grid row %d has %d cells, want %d", i+1, len(r), n)
		}
	}
	dominoes, text, err := dominoAnswer(region)
	if err != nil {
		return incorrect(text, "%v", err)
	}
	owner := make([][]int, n) // domino index covering each cell, -1 if none
	for i := range owner {
		owner[i] = make([]int, n)
		for j := range owner[i] {
			owner[i][j] = -1
		}
	}
	for k, d := range dominoes {
		a, b := d[0], d[1]
		if dr, dc := a[0]-b[0], a[1]-b[1]; dr*dr+dc*dc != 1 {
			return incorrect(text, "domino %v is not two neighbouring cells", d)
		}
		for _, c := range d {
			if c[0] < 1 || c[0] > n || c[1] < 1 || c[1] > n {
				return incorrect(text, "cell %v is outside the %d×%d grid (coordinates are 1-based)", c, n, n)
			}
			if owner[c[0]-1][c[1]-1] >= 0 {
				return incorrect(text, "cell %v is covered twice", c)
			}
			owner[c[0]-1][c[1]-1] = k
		}
	}
	covered := map[string]int{}
	for i := range n {
		for j := range n {
			k := owner[i][j]
			label := m.Regions[i][j]
			if k < 0 {
				if label == "X" {
					return incorrect(text, "shadow cell (%d,%d) is not covered", i+1, j+1)
				}
				if !o.Upstream {
					covered[label] += 0 // every region is counted, covered or not
				}
				continue
			}
			if label != "X" {
				covered[label]++
			}
			for _, d := range [][2]int{{0, 1}, {1, 0}} {
				if i+d[0] < n && j+d[1] < n {
					if o := owner[i+d[0]][j+d[1]]; o >= 0 && o != k {
						return incorrect(text, "dominoes at (%d,%d) and (%d,%d) share an edge", i+1, j+1, i+d[0]+1, j+d[1]+1)
					}
				}
			}
		}
	}
	for label, c := range covered {
		if c != 2 {
			return incorrect(text, "region %s has %d covered cells, want 2", label, c)
		}
	}
	return Result{Correct: true, Extracted: text}
}

// The domino forms upstream's norinori verifier looks for: "[(r, c), (r, c)]" (no space
// after "[" or "("), else any "(r, c), (r, c)" pair of pairs.
var (
	dominoBracketed = regexp.MustCompile(`\[\((\d+),\s*(\d+)\),\s*\((\d+),\s*(\d+)\)\]`)
	dominoPairs     = newOpenPattern(`\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*,\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)`, "(", isDigitByte)
)

// dominoAnswer reads every domino of the response as upstream does: all "[(r, c), (r, c)]"
// matches, or, when there is none, all "(r, c), (r, c)" pairs.
func dominoAnswer(region string) ([][2][2]int, string, error) {
	ms := dominoBracketed.FindAllStringSubmatch(region, -1)
	if ms == nil {
		for _, span := range dominoPairs.matches(region, 0) {
			ms = append(ms, dominoPairs.anchored.FindStringSubmatch(span))
		}
	}
	out := make([][2][2]int, 0, len(ms))
	for _, m := range ms {
		var d [2][2]int
		for k := range 4 {
			n, err := strconv.Atoi(m[k+1])
			if err != nil {
				return nil, m[0], fmt.Errorf("coordinate %q is too large", m[k+1])
			}
			d[k/2][k%2] = n
		}
		out = append(out, d)
	}
	return out, fmt.Sprint(out), nil
}
