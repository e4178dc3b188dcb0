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
	// The instance is shaped like the upstream generator's output: cells as strings ("M" a
	// mine, "0".."8" counts, "X" unrevealed), the certain mines as 0-based [row, col] lists
	// under "current_mines", an empty gold answer, and a question printing the revealed grid.
	full, shown := make([][]string, n), make([][]string, n)
	var question strings.Builder
	question.WriteString("You are given a 5 x 5 Minesweeper grid.\n2. Input:\n")
	for r := range n {
		for c := range n {
			k := r*n + c
			cell := "M"
			if !mine[k] {
				count := 0
				for _, nb := range neighbours(k) {
					if mine[nb] {
						count++
					}
				}
				cell = fmt.Sprint(count)
			}
			full[r] = append(full[r], cell)
			if v, ok := revealed[k]; ok {
				shown[r] = append(shown[r], fmt.Sprint(v))
			} else {
				shown[r] = append(shown[r], "X")
			}
		}
		question.WriteString(strings.Join(shown[r], "  ") + "\n")
	}
	question.WriteString("3. Task:\n  - Output the coordinates of all cells that must be mines as a list of (row, column) tuples.\n4. Example Output Format:\n[(0, 1), (2, 3), (3, 0)]")
	m, err := json.Marshal(map[string]any{
		"trace_id": fmt.Sprintf("seed-%d", seed), "full_grid": full, "revealed_grid": shown,
		"current_mines": certain, "reasoning_steps": []any{}, "n": n, "mine_den": 6, "reveal_frac": 0.6,
	})
	if err != nil {
		t.Fatal(err)
	}
	return GameData{Question: question.String(), Metadata: m}, certain
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
			return []string{
				// The prompt's own format: a bare list of tuples, last in the response.
				"Reasoning...\nSo the mines are:\n" + cellsLiteral(c),
				"First guess " + cellsLiteral(c[:1]) + ", but more follow.\n" + cellsLiteral(rev) + "\n",
				pyBlock(cellsLiteral(c)), pyBlock(cellsLiteral(rev)), "[" + cellsLiteral(c) + "]",
				// Upstream pools every list of the response and compares sets.
				cellsLiteral(c) + "\nWait, only " + cellsLiteral(c[1:]),
				pyBlock(cellsLiteral(append(slices.Clone(c), c[0]))),
			}
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
				"missing mine":   pyBlock(cellsLiteral(c[1:])),
				"extra cell":     pyBlock(cellsLiteral(append(slices.Clone(c), notMine))),
				"earlier list":   cellsLiteral([][2]int{notMine}) + "\nNo: " + cellsLiteral(c),
				"one based":      pyBlock(cellsLiteral(oneBased)),
				"no list":        "The mines are the two cells next to the 3.",
				"bare one based": cellsLiteral(oneBased),
				"not pairs":      pyBlock("[1, 2, 3]"),
			}
		},
	}.run(t)
	gold := GameData{Answer: "[(0, 1), (2, 2)]"}
	expect(t, "minesweeper", gold, pyBlock("[(2, 2), (0, 1)]"), true)
	expect(t, "minesweeper", gold, pyBlock("[(2, 2)]"), false)
}
