package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// minesweeperInstance builds a 5×5 board with random mines, reveals random safe cells, and
// computes the certain mines by enumerating every mine layout of the hidden cells that agrees
// with the revealed numbers. It returns the instance and the certain mines (0-based).
func minesweeperInstance(t testing.TB, seed uint64) (GameData, [][2]int) {
	const n = 5
	rng := rand.New(rand.NewPCG(seed, 3))
	mine := make([]bool, n*n)
	for _, k := range rng.Perm(n * n)[:6] {
		mine[k] = true
	}
	neighbours := func(k int) []int {
		var out []int
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				r, c := k/n+dr, k%n+dc
				if (dr != 0 || dc != 0) && r >= 0 && r < n && c >= 0 && c < n {
					out = append(out, r*n+c)
				}
			}
		}
		return out
	}
	revealed := map[int]int{}
	var hidden []int
	for k := range n * n {
		if !mine[k] && rng.IntN(10) < 6 {
			count := 0
			for _, nb := range neighbours(k) {
				if mine[nb] {
					count++
				}
			}
			revealed[k] = count
		} else {
			hidden = append(hidden, k)
		}
	}
	if len(hidden) > 16 {
		return GameData{}, nil
	}
	always := make([]bool, len(hidden))
	for i := range always {
		always[i] = true
	}
	layout := make([]bool, n*n)
	for mask := 0; mask < 1<<len(hidden); mask++ {
		for i, k := range hidden {
			layout[k] = mask&(1<<i) != 0
		}
		ok := true
		for k, want := range revealed {
			got := 0
			for _, nb := range neighbours(k) {
				if layout[nb] {
					got++
				}
			}
			if got != want {
				ok = false
				break
			}
		}
		if ok {
			for i, k := range hidden {
				always[i] = always[i] && layout[k]
			}
		}
	}
	var certain [][2]int
	for i, k := range hidden {
		if always[i] {
			certain = append(certain, [2]int{k / n, k % n})
		}
	}
	m, err := json.Marshal(map[string]any{"mines": certain})
	if err != nil {
		t.Fatal(err)
	}
	return GameData{Question: "minesweeper", Metadata: m}, certain
}

func cellsLiteral(cells [][2]int) string {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = fmt.Sprintf("(%d, %d)", c[0], c[1])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestMinesweeperGenerated(t *testing.T) {
	var instances []GameData
	certainOf := map[string][][2]int{}
	for seed := uint64(0); len(instances) < 8 && seed < 200; seed++ {
		g, certain := minesweeperInstance(t, seed)
		if len(certain) >= 2 {
			instances = append(instances, g)
			certainOf[string(g.Metadata)] = certain
		}
	}
	if len(instances) < 8 {
		t.Fatalf("only %d instances with two or more certain mines", len(instances))
	}
	sampleSuite{
		task:      "minesweeper",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			c := certainOf[string(g.Metadata)]
			rev := slices.Clone(c)
			slices.Reverse(rev)
			return []string{pyBlock(cellsLiteral(c)), pyBlock(cellsLiteral(rev)), "[" + cellsLiteral(c) + "]"}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			c := certainOf[string(g.Metadata)]
			var notMine [2]int
			for k := range 25 {
				cell := [2]int{k / 5, k % 5}
				if !slices.Contains(c, cell) {
					notMine = cell
					break
				}
			}
			oneBased := make([][2]int, len(c))
			for i, x := range c {
				oneBased[i] = [2]int{x[0] + 1, x[1] + 1}
			}
			return map[string]string{
				"missing mine":  pyBlock(cellsLiteral(c[1:])),
				"extra cell":    pyBlock(cellsLiteral(append(slices.Clone(c), notMine))),
				"repeated mine": pyBlock(cellsLiteral(append(slices.Clone(c), c[0]))),
				"one based":     pyBlock(cellsLiteral(oneBased)),
				"no list":       "The mines are " + cellsLiteral(c),
				"not pairs":     pyBlock("[1, 2, 3]"),
			}
		},
	}.run(t)
	gold := GameData{Answer: "[(0, 1), (2, 2)]"}
	expect(t, "minesweeper", gold, pyBlock("[(2, 2), (0, 1)]"), true)
	expect(t, "minesweeper", gold, pyBlock("[(2, 2)]"), false)
}
