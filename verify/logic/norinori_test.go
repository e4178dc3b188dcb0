package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// norinoriSolutions enumerates every domino placement that satisfies the rules (the test's
// own search: each cell is left empty or starts a domino to the right or downwards).
func norinoriSolutions(regions [][]string, limit int) [][][2][2]int {
	n := len(regions)
	owner := make([][]int, n)
	for i := range owner {
		owner[i] = make([]int, n)
		for j := range owner[i] {
			owner[i][j] = -1
		}
	}
	count := map[string]int{}
	var cur [][2][2]int
	var out [][][2][2]int
	free := func(i, j, k int) bool { // cell free and no other domino on its edges
		if i < 0 || i >= n || j < 0 || j >= n || owner[i][j] >= 0 {
			return false
		}
		for _, d := range [][2]int{{0, 1}, {1, 0}, {0, -1}, {-1, 0}} {
			a, b := i+d[0], j+d[1]
			if a >= 0 && a < n && b >= 0 && b < n && owner[a][b] >= 0 && owner[a][b] != k {
				return false
			}
		}
		return true
	}
	var rec func(pos int)
	rec = func(pos int) {
		if len(out) >= limit {
			return
		}
		if pos == n*n {
			for i := range n {
				for j := range n {
					if regions[i][j] == "X" && owner[i][j] < 0 {
						return
					}
					if regions[i][j] != "X" && count[regions[i][j]] != 2 {
						return
					}
				}
			}
			out = append(out, append([][2][2]int(nil), cur...))
			return
		}
		i, j := pos/n, pos%n
		if owner[i][j] >= 0 {
			rec(pos + 1)
			return
		}
		if regions[i][j] != "X" {
			rec(pos + 1) // leave empty
		}
		k := len(cur)
		for _, d := range [][2]int{{0, 1}, {1, 0}} {
			a, b := i+d[0], j+d[1]
			if !free(i, j, k) || !free(a, b, k) {
				continue
			}
			r1, r2 := regions[i][j], regions[a][b]
			count[r1]++
			count[r2]++
			if (r1 == "X" || count[r1] <= 2) && (r2 == "X" || count[r2] <= 2) {
				owner[i][j], owner[a][b] = k, k
				cur = append(cur, [2][2]int{{i + 1, j + 1}, {a + 1, b + 1}})
				rec(pos + 1)
				cur = cur[:k]
				owner[i][j], owner[a][b] = -1, -1
			}
			count[r1]--
			count[r2]--
		}
	}
	rec(0)
	return out
}

// norinoriUpstream builds an instance the way the upstream generator does: grow lettered
// regions over a 5×5 grid, turn a few cells into "X" shadows, and keep the grid only if it
// has a solution.
func norinoriUpstream(t testing.TB, seed uint64) (GameData, [][2][2]int) {
	rng := rand.New(rand.NewPCG(seed, 11))
	const n = 5
	for {
		grid := make([][]string, n)
		for i := range grid {
			grid[i] = make([]string, n)
		}
		labels := "ABCDEF"
		var frontier [][3]int
		for k, c := range rng.Perm(n * n)[:len(labels)] {
			grid[c/n][c%n] = string(labels[k])
			frontier = append(frontier, [3]int{c / n, c % n, k})
		}
		for len(frontier) > 0 {
			f := frontier[rng.IntN(len(frontier))]
			d := [][2]int{{0, 1}, {1, 0}, {0, -1}, {-1, 0}}[rng.IntN(4)]
			a, b := f[0]+d[0], f[1]+d[1]
			if a >= 0 && a < n && b >= 0 && b < n && grid[a][b] == "" {
				grid[a][b] = string(labels[f[2]])
				frontier = append(frontier, [3]int{a, b, f[2]})
			}
			full := true
			for _, r := range grid {
				for _, c := range r {
					full = full && c != ""
				}
			}
			if full {
				break
			}
		}
		for _, c := range rng.Perm(n * n)[:2] {
			grid[c/n][c%n] = "X"
		}
		sols := norinoriSolutions(grid, 1)
		if len(sols) == 0 {
			continue
		}
		meta, err := json.Marshal(map[string]any{"trace_id": "t", "region_grid": grid, "solution": sols[0],
			"n": n, "region_nums": len(labels), "shadow_ratio": 0.08})
		if err != nil {
			t.Fatal(err)
		}
		q := "# Norinori Puzzle ... Your answer should be in the format: [[(r1,c1), (r1,c2)], [(r2,c1), (r2,c2)], ...] where each pair represents a domino."
		return GameData{Question: q, Metadata: meta}, sols[0]
	}
}

func dominoText(ds [][2][2]int) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("[(%d,%d), (%d,%d)]", d[0][0], d[0][1], d[1][0], d[1][1])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestNorinoriUpstream(t *testing.T) {
	var instances []GameData
	for seed := range uint64(6) {
		g, _ := norinoriUpstream(t, seed)
		instances = append(instances, g)
	}
	regionsOf := func(t *testing.T, g GameData) [][]string {
		return meta[struct {
			R [][]string `json:"region_grid"`
		}](t, g).R
	}
	sampleSuite{
		task:      "norinori",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			var out []string
			for i, s := range norinoriSolutions(regionsOf(t, g), 20) {
				out = append(out, "The dominoes are:\n"+dominoText(s))
				if i == 0 {
					out = append(out, pyBlock(dominoText(s)), strings.ReplaceAll(dominoText(s), " ", ""))
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			s := norinoriSolutions(regionsOf(t, g), 1)[0]
			broken := append([][2][2]int(nil), s...)
			broken[0][1] = [2]int{broken[0][0][0] + 2, broken[0][0][1]} // two rows apart
			zeroBased := make([][2][2]int, len(s))
			for i, d := range s {
				zeroBased[i] = [2][2]int{{d[0][0] - 1, d[0][1] - 1}, {d[1][0] - 1, d[1][1] - 1}}
			}
			return map[string]string{
				"missing domino":  dominoText(s[1:]),
				"extra domino":    dominoText(append(append([][2][2]int(nil), s...), s[0])),
				"broken domino":   dominoText(broken),
				"zero based":      dominoText(zeroBased),
				"no list":         "Place them by the shadows.",
				"later wrong":     dominoText(s) + "\nor\n" + dominoText(s[1:]),
				"flat cell pairs": strings.Trim(dominoText(s), "[]"),
			}
		},
	}.run(t)
	// A region left empty breaks the rule that upstream only checks for covered regions.
	g := GameData{Metadata: []byte(`{"region_grid": [["A","A","B"],["C","C","B"],["C","C","B"]]}`)}
	expect(t, "norinori", g, "[[(1,1),(1,2)], [(2,3),(3,3)]]", false)                // region C has no covered cell
	expect(t, "norinori", g, "[[(1,1),(1,2)], [(2,3),(3,3)], [(3,1),(3,2)]]", false) // C covered, but touching B's domino
}
