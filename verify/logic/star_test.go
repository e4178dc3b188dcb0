package logic

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

type starTestMeta struct {
	N          int        `json:"n"`
	K          int        `json:"k"`
	RegionGrid [][]string `json:"region_grid"`
}

// starSolutions enumerates all one-star-per-row/column/region placements with no touching
// stars (k = 1): a star position per row, as a permutation of columns.
func starSolutions(m starTestMeta) [][]int {
	n := m.N
	var out [][]int
	cols := make([]int, 0, n)
	var rec func(usedCols int, usedRegions map[string]bool)
	rec = func(usedCols int, usedRegions map[string]bool) {
		r := len(cols)
		if r == n {
			out = append(out, slices.Clone(cols))
			return
		}
		for c := range n {
			reg := m.RegionGrid[r][c]
			if usedCols&(1<<c) != 0 || usedRegions[reg] || (r > 0 && (cols[r-1]-c)*(cols[r-1]-c) <= 1) {
				continue
			}
			usedRegions[reg] = true
			cols = append(cols, c)
			rec(usedCols|1<<c, usedRegions)
			cols = cols[:r]
			usedRegions[reg] = false
		}
	}
	rec(0, map[string]bool{})
	return out
}

// starDict writes a placement (column per row, 0-based) in the prompt's dict format.
func starDict(m starTestMeta, cols []int) string {
	byRegion := map[string][]string{}
	for r, c := range cols {
		reg := m.RegionGrid[r][c]
		byRegion[reg] = append(byRegion[reg], fmt.Sprintf("(%d, %d)", r+1, c+1))
	}
	var parts []string
	for _, reg := range slices.Sorted(maps.Keys(byRegion)) {
		parts = append(parts, fmt.Sprintf("    '%s': [%s]", reg, strings.Join(byRegion[reg], ", ")))
	}
	return "{\n" + strings.Join(parts, ",\n") + "\n}"
}

// starLegacy writes a placement in the stored answer's [[A(1,1)\n\nB(5,4)]] format.
func starLegacy(m starTestMeta, cols []int) string {
	byRegion := map[string]string{}
	for r, c := range cols {
		byRegion[m.RegionGrid[r][c]] += fmt.Sprintf("(%d,%d)", r+1, c+1)
	}
	var parts []string
	for reg, coords := range byRegion {
		parts = append(parts, reg+coords)
	}
	slices.Sort(parts)
	return "[[" + strings.Join(parts, "\n\n") + "]]"
}

func TestStarPlacementSamples(t *testing.T) {
	sampleSuite{
		task: "star_placement_puzzle",
		good: func(t *testing.T, g GameData) []string {
			m := meta[starTestMeta](t, g)
			if m.K != 1 {
				t.Skipf("test solver handles k = 1 only (k = %d)", m.K)
			}
			sols := starSolutions(m)
			found := false
			var out []string
			for _, s := range sols {
				found = found || starLegacy(m, s) == g.Answer
				out = append(out, pyBlock(starDict(m, s)), pyBlock("stars = "+starDict(m, s)))
			}
			if !found {
				t.Fatalf("gold %q is not among the solver's %d solutions", g.Answer, len(sols))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[starTestMeta](t, g)
			sol := starSolutions(m)[0]
			moved := slices.Clone(sol)
			moved[0] = (moved[0] + 1) % m.N // column counts break whatever the regions
			dict := starDict(m, sol)
			firstKey := strings.Index(dict, "'")
			_ = firstKey
			return map[string]string{
				"moved star":         pyBlock(starDict(m, moved)),
				"missing region":     pyBlock(dict[:strings.LastIndex(dict, ",")] + "\n}"),
				"extra star":         pyBlock(strings.Replace(dict, ")]", fmt.Sprintf("), (1, %d)]", (sol[0]+1)%m.N+1), 1)),
				"stored gold form":   g.Answer,
				"gold form in block": pyBlock(g.Answer),
				"later block only":   pyBlock(starDict(m, moved)) + pyBlock(dict), // upstream reads the first
				"string coordinates": pyBlock(strings.ReplaceAll(dict, "(1, ", "('1', ")),
				"zero based":         pyBlock(starDictZeroBased(m, sol)),
				"list not dict":      pyBlock("[" + strings.Trim(dict, "{}") + "]"),
				"no python block":    strings.Trim(dict, "{}"),
			}
		},
	}.run(t)
}

func starDictZeroBased(m starTestMeta, cols []int) string {
	d := starDict(m, cols)
	for r := m.N; r >= 1; r-- {
		d = strings.ReplaceAll(d, fmt.Sprintf("(%d, ", r), fmt.Sprintf("(%d, ", r-1))
	}
	return d
}

func TestStarPlacementRegionLabel(t *testing.T) {
	g := loadSamples(t, "star_placement_puzzle")[0]
	m := meta[starTestMeta](t, g)
	sol := starSolutions(m)[0]
	// Same stars, two region labels exchanged: positions are valid but mislabelled.
	d := starDict(m, sol)
	a, b := m.RegionGrid[0][sol[0]], m.RegionGrid[1][sol[1]]
	swapped := strings.NewReplacer("'"+a+"'", "'"+b+"'", "'"+b+"'", "'"+a+"'").Replace(d)
	// Upstream pools the coordinates of all keys: labels are not checked.
	expect(t, "star_placement_puzzle", g, pyBlock(d), true)
	expect(t, "star_placement_puzzle", g, pyBlock(swapped), true)
	expect(t, "star_placement_puzzle", g, pyBlock(strings.Replace(d, "'"+a+"'", "'Z'", 1)), true)
}
