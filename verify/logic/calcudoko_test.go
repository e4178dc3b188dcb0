package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

type calcudokoRegion struct {
	Cells    []string `json:"cells"`
	Target   int      `json:"target"`
	Operator string   `json:"operator"`
}

// calcudokoUpstream builds a 4×4 instance the way the upstream generator does: a random Latin
// square, cells grouped into regions of two (operator - or ÷) or three (+ or *) with distinct
// numbers, targets computed as the generator does (÷ with floor division), leftovers paired.
func calcudokoUpstream(t testing.TB, seed uint64) (GameData, [][]int) {
	const n = 4
	rng := rand.New(rand.NewPCG(seed, 13))
	rows, cols, syms := rng.Perm(n), rng.Perm(n), rng.Perm(n)
	sol := make([][]int, n)
	for i := range n {
		for j := range n {
			sol[i] = append(sol[i], syms[(rows[i]+cols[j])%n]+1)
		}
	}
	used := map[[2]int]bool{}
	var regions []calcudokoRegion
	for _, k := range rng.Perm(n * n) {
		start := [2]int{k / n, k % n}
		if used[start] {
			continue
		}
		cells := [][2]int{start}
		size := 2 + rng.IntN(2)
		for _, d := range rng.Perm(4) {
			last := cells[len(cells)-1]
			c := [2]int{last[0] + []int{0, 1, 0, -1}[d], last[1] + []int{1, 0, -1, 0}[d]}
			if len(cells) < size && c[0] >= 0 && c[0] < n && c[1] >= 0 && c[1] < n && !used[c] {
				dup := false
				for _, x := range cells {
					dup = dup || x == c || sol[x[0]][x[1]] == sol[c[0]][c[1]]
				}
				if !dup {
					cells = append(cells, c)
				}
			}
		}
		if len(cells) == 1 {
			continue // left alone, as upstream leaves a single leftover cell
		}
		var nums []int
		var names []string
		for _, c := range cells {
			used[c] = true
			nums = append(nums, sol[c[0]][c[1]])
			names = append(names, fmt.Sprintf("(%d,%d)", c[0]+1, c[1]+1))
		}
		r := calcudokoRegion{Cells: names}
		if len(cells) == 2 {
			r.Operator = []string{"-", "÷"}[rng.IntN(2)]
			hi, lo := max(nums[0], nums[1]), min(nums[0], nums[1])
			r.Target = hi - lo
			if r.Operator == "÷" {
				r.Target = hi / lo
			}
		} else {
			r.Operator = []string{"+", "*"}[rng.IntN(2)]
			r.Target = nums[0] + nums[1] + nums[2]
			if r.Operator == "*" {
				r.Target = nums[0] * nums[1] * nums[2]
			}
		}
		regions = append(regions, r)
	}
	meta, err := json.Marshal(map[string]any{"grid_size": n, "regions": regions})
	if err != nil {
		t.Fatal(err)
	}
	q := "You are playing a Calcudoko puzzle on an N×N grid. ... Ensure that your final answer is wrapped in double square brackets."
	return GameData{Question: q, Answer: calcudokoKOR(sol), Metadata: meta}, sol
}

// calcudokoKOR writes a grid as upstream's gold answer does: [[1 2 3 4,3 4 1 2,...]].
func calcudokoKOR(g [][]int) string {
	return strings.ReplaceAll(korRows(g), ", ", ",")
}

// calcudokoHolds is the test's own region check (the Latin property comes from allLatin).
func calcudokoHolds(regions []calcudokoRegion, g [][]int) bool {
	for _, r := range regions {
		var nums []int
		for _, c := range r.Cells {
			var i, j int
			fmt.Sscanf(c, "(%d,%d)", &i, &j)
			nums = append(nums, g[i-1][j-1])
		}
		seen, got := map[int]bool{}, 0
		for _, v := range nums {
			if seen[v] {
				return false
			}
			seen[v] = true
		}
		switch r.Operator {
		case "+":
			for _, v := range nums {
				got += v
			}
		case "*":
			got = 1
			for _, v := range nums {
				got *= v
			}
		case "-":
			got = max(nums[0]-nums[1], nums[1]-nums[0])
		case "÷":
			got = max(nums[0]/nums[1], nums[1]/nums[0])
		}
		if got != r.Target {
			return false
		}
	}
	return true
}

func TestCalcudokoUpstream(t *testing.T) {
	var instances []GameData
	floorOnly := false
	for seed := range uint64(10) {
		g, sol := calcudokoUpstream(t, seed)
		instances = append(instances, g)
		for _, r := range meta[struct {
			R []calcudokoRegion `json:"regions"`
		}](t, g).R {
			var i, j, k, l int
			if r.Operator == "÷" {
				fmt.Sscanf(r.Cells[0], "(%d,%d)", &i, &j)
				fmt.Sscanf(r.Cells[1], "(%d,%d)", &k, &l)
				a, b := sol[i-1][j-1], sol[k-1][l-1]
				floorOnly = floorOnly || max(a, b)%min(a, b) != 0
			}
		}
	}
	if !floorOnly {
		t.Fatal("no ÷ region with an uneven pair: the floor-division case is not exercised")
	}
	latin := allLatin(4)
	regionsOf := func(t *testing.T, g GameData) []calcudokoRegion {
		return meta[struct {
			R []calcudokoRegion `json:"regions"`
		}](t, g).R
	}
	sampleSuite{
		task:      "calcudoko",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			out := []string{"So the grid is " + g.Answer, pyBlock(strings.Trim(g.Answer, "[]")), g.Answer + " or " + strings.ReplaceAll(g.Answer, "1", "2")}
			for _, sq := range latin {
				if calcudokoHolds(regionsOf(t, g), sq) && len(out) < 12 {
					out = append(out, calcudokoKOR(sq))
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			bad := map[string]string{"no grid": "Fill 1 to 4.", "not latin": "[[1 1 1 1,2 2 2 2,3 3 3 3,4 4 4 4]]"}
			for _, sq := range latin {
				if !calcudokoHolds(regionsOf(t, g), sq) && len(bad) < 6 {
					bad["region broken "+calcudokoKOR(sq)] = calcudokoKOR(sq)
				}
			}
			bad["earlier wrong"] = bad["not latin"] + " or " + g.Answer // upstream reads the first [[...]]
			bad["python lists"] = pyBlock(strings.NewReplacer(" ", ", ", ",", "], [").Replace(g.Answer))
			return bad
		},
	}.run(t)
}
