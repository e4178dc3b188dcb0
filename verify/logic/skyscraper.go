package logic

import "strings"

func init() { register("skyscraper_puzzle", verifySkyscraper) }

// skyscraperMeta is skyscraper_puzzle's metadata: grid size and the clues on each side (0 or
// absent means no clue). The gold answer is empty; solved_grid is one solution of possibly many.
type skyscraperMeta struct {
	N      int   `json:"n"`
	Top    []int `json:"top"`
	Bottom []int `json:"bottom"`
	Left   []int `json:"left"`
	Right  []int `json:"right"`
}

// verifySkyscraper checks the n×n list of lists in the first ```python block against the rules: each row
// and column holds 1..n once, and from every clued side exactly the clued number of buildings
// is visible (a building is visible when taller than all before it).
func verifySkyscraper(g GameData, region string) Result {
	var m skyscraperMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := m.N
	if n <= 0 || n > 30 {
		return badInstance("n = %d", n)
	}
	for _, side := range [][]int{m.Top, m.Bottom, m.Left, m.Right} {
		if len(side) != 0 && len(side) != n {
			return badInstance("clue list has %d entries, want %d", len(side), n)
		}
	}
	block, found := skyscraperAnswer(region)
	grid, bad := latinGrid(block, found, n, nil, true)
	if bad != nil {
		return *bad
	}
	line := make([]int, n)
	check := func(clues []int, side string, fill func(k, t int) int) *Result {
		for k := 0; k < len(clues); k++ {
			if clues[k] <= 0 {
				continue
			}
			for t := range n {
				line[t] = fill(k, t)
			}
			if got := visible(line); got != clues[k] {
				r := incorrect(block, "%s clue %d of line %d: %d visible", side, clues[k], k+1, got)
				return &r
			}
		}
		return nil
	}
	for _, c := range []struct {
		clues []int
		side  string
		fill  func(k, t int) int
	}{
		{m.Top, "top", func(k, t int) int { return grid[t][k] }},
		{m.Bottom, "bottom", func(k, t int) int { return grid[n-1-t][k] }},
		{m.Left, "left", func(k, t int) int { return grid[k][t] }},
		{m.Right, "right", func(k, t int) int { return grid[k][n-1-t] }},
	} {
		if r := check(c.clues, c.side, c.fill); r != nil {
			return *r
		}
	}
	return Result{Correct: true, Extracted: block}
}

// visible counts the buildings seen from the start of line.
func visible(line []int) int {
	count, tallest := 0, 0
	for _, h := range line {
		if h > tallest {
			count, tallest = count+1, h
		}
	}
	return count
}

// skyscraperAnswer is the first ```python block (tag and closing fence on their own lines),
// as upstream reads it, with "#" comments removed (upstream's second try).
func skyscraperAnswer(region string) (string, bool) {
	b, ok := first(pythonFences(region, true))
	if !ok || !strings.Contains(b, "#") {
		return b, ok
	}
	lines := strings.Split(b, "\n")
	for i, l := range lines {
		if c := strings.IndexByte(l, '#'); c >= 0 {
			lines[i] = l[:c]
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n")), true
}
