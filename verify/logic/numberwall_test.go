package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// numberWallIslands labels the non-wall cells of a 4×4 wall mask by island (flood fill) and
// returns the labels and each island's size.
func numberWallIslands(walls uint32, n int) ([]int, []int) {
	label := make([]int, n*n)
	for k := range label {
		label[k] = -1
	}
	var sizes []int
	for k := range n * n {
		if walls&(1<<k) != 0 || label[k] >= 0 {
			continue
		}
		id := len(sizes)
		sizes = append(sizes, 0)
		stack := []int{k}
		label[k] = id
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			sizes[id]++
			r := c / n
			for _, nb := range []int{c - n, c + n, c - 1, c + 1} {
				if nb < 0 || nb >= n*n || (nb == c-1 || nb == c+1) && nb/n != r || walls&(1<<nb) != 0 || label[nb] >= 0 {
					continue
				}
				label[nb] = id
				stack = append(stack, nb)
			}
		}
	}
	return label, sizes
}

// numberWallOK is the test's own rule check for a wall mask against the numbered cells.
func numberWallOK(walls uint32, n int, numbers map[int]int) bool {
	at := func(r, c int) bool { return walls&(1<<(r*n+c)) != 0 }
	for r := range n - 1 {
		for c := range n - 1 {
			if at(r, c) && at(r, c+1) && at(r+1, c) && at(r+1, c+1) {
				return false
			}
		}
	}
	label, sizes := numberWallIslands(walls, n)
	count := make([]int, len(sizes))
	for k, v := range numbers {
		if walls&(1<<k) != 0 || sizes[label[k]] != v {
			return false
		}
		count[label[k]]++
	}
	for _, c := range count {
		if c != 1 {
			return false
		}
	}
	for r := range n - 1 {
		for c := range n - 1 {
			a, b, x, y := r*n+c, (r+1)*n+c+1, r*n+c+1, (r+1)*n+c
			if at(r, c+1) && at(r+1, c) && !at(r, c) && !at(r+1, c+1) && label[a] != label[b] {
				return false
			}
			if at(r, c) && at(r+1, c+1) && !at(r, c+1) && !at(r+1, c) && label[x] != label[y] {
				return false
			}
		}
	}
	return true
}

// numberWallUpstream builds a 4×4 instance shaped like the upstream generator's output: a
// valid wall layout, each island's size written in one of its cells, other cells "X".
func numberWallUpstream(t testing.TB, seed uint64) (GameData, map[int]int) {
	const n = 4
	rng := rand.New(rand.NewPCG(seed, 12))
	for {
		walls := uint32(rng.IntN(1 << (n * n)))
		label, sizes := numberWallIslands(walls, n)
		numbers := map[int]int{}
		placed := make([]bool, len(sizes))
		for _, k := range rng.Perm(n * n) {
			if walls&(1<<k) == 0 && !placed[label[k]] {
				placed[label[k]], numbers[k] = true, sizes[label[k]]
			}
		}
		if len(sizes) < 2 || !numberWallOK(walls, n, numbers) {
			continue
		}
		grid, sol := make([][]any, n), make([][]any, n)
		for k := range n * n {
			cell, s := any("X"), any("X")
			if v, ok := numbers[k]; ok {
				cell, s = v, v
			} else if walls&(1<<k) != 0 {
				s = "A"
			}
			grid[k/n] = append(grid[k/n], cell)
			sol[k/n] = append(sol[k/n], s)
		}
		meta, err := json.Marshal(map[string]any{"trace_id": "t", "grid": grid, "solution": sol, "n": n, "number_rate": 0.3})
		if err != nil {
			t.Fatal(err)
		}
		q := "Place walls (marked as 'A') ... At the end of your response, please output a ```python code block containing the solution grid as a 2D list."
		return GameData{Question: q, Metadata: meta}, numbers
	}
}

func numberWallGrid(t testing.TB, walls uint32, n int, numbers map[int]int) string {
	g := make([][]any, n)
	for k := range n * n {
		var c any = "X"
		if v, ok := numbers[k]; ok {
			c = v
		} else if walls&(1<<k) != 0 {
			c = "A"
		}
		g[k/n] = append(g[k/n], c)
	}
	return gridJSON(t, g)
}

func TestNumberWallUpstream(t *testing.T) {
	const n = 4
	var instances []GameData
	numbersOf := map[string]map[int]int{}
	for seed := range uint64(6) {
		g, nums := numberWallUpstream(t, seed)
		instances = append(instances, g)
		numbersOf[string(g.Metadata)] = nums
	}
	layouts := func(nums map[int]int) (good, bad []uint32) {
		for w := uint32(0); w < 1<<(n*n); w++ {
			if numberWallOK(w, n, nums) {
				good = append(good, w)
			} else if len(bad) < 4 && w%1021 == 7 {
				bad = append(bad, w)
			}
		}
		return good, bad
	}
	sampleSuite{
		task:      "number_wall",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			nums := numbersOf[string(g.Metadata)]
			good, _ := layouts(nums)
			var out []string
			for _, w := range good {
				out = append(out, pyBlock(numberWallGrid(t, w, n, nums)), "Solution:\n"+numberWallGrid(t, w, n, nums))
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			nums := numbersOf[string(g.Metadata)]
			good, wrong := layouts(nums)
			bad := map[string]string{"no grid": "Walls around each number."}
			for i, w := range wrong {
				bad[fmt.Sprintf("rule broken %d", i)] = pyBlock(numberWallGrid(t, w, n, nums))
			}
			// An invented number: a blank island cell written as its island's size.
			w := good[0]
			label, sizes := numberWallIslands(w, n)
			for k := range n * n {
				if _, given := nums[k]; !given && w&(1<<k) == 0 {
					extra := map[int]int{k: sizes[label[k]]}
					for kk, v := range nums {
						extra[kk] = v
					}
					bad["invented number"] = pyBlock(numberWallGrid(t, w, n, extra))
					break
				}
			}
			bad["given dropped"] = pyBlock(numberWallGrid(t, w, n, map[int]int{}))
			bad["later wrong"] = pyBlock(numberWallGrid(t, w, n, nums)) + "\n" + numberWallGrid(t, w, n, map[int]int{})
			return bad
		},
	}.run(t)
}
