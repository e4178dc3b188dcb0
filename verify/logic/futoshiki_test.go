package logic

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// futoshikiInstance builds an instance in our metadata format: a random n×n Latin square,
// some inequalities between neighbours taken from it, and a few givens.
func futoshikiInstance(t testing.TB, seed uint64, n int) (GameData, [][]int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows, cols, syms := rng.Perm(n), rng.Perm(n), rng.Perm(n)
	sol := make([][]int, n)
	for i := range n {
		sol[i] = make([]int, n)
		for j := range n {
			sol[i][j] = syms[(rows[i]+cols[j])%n] + 1
		}
	}
	puzzle := make([][]any, n)
	for i := range n {
		for j := range n {
			if rng.IntN(4) == 0 {
				puzzle[i] = append(puzzle[i], sol[i][j])
			} else {
				puzzle[i] = append(puzzle[i], "X")
			}
		}
	}
	var cons []any
	for k := 0; k < 2*n; k++ {
		i, j := rng.IntN(n), rng.IntN(n-1)
		a, b := []int{i, j}, []int{i, j + 1}
		if rng.IntN(2) == 0 {
			a, b = []int{j, i}, []int{j + 1, i}
		}
		op := "<"
		if sol[a[0]][a[1]] > sol[b[0]][b[1]] {
			op = ">"
		}
		if rng.IntN(2) == 0 && op == "<" {
			cons = append(cons, []any{a, b})
		} else {
			cons = append(cons, []any{a, b, op})
		}
	}
	m, err := json.Marshal(map[string]any{"grid": puzzle, "constraints": cons})
	if err != nil {
		t.Fatal(err)
	}
	return GameData{Question: "futoshiki", Answer: tupleGrid(sol), Metadata: m}, sol
}

type futoshikiTestMeta struct {
	Grid        [][]any `json:"grid"`
	Constraints [][]any `json:"constraints"`
}

// futoshikiHolds is the test's own rule check (givens, Latin, inequalities).
func futoshikiHolds(m futoshikiTestMeta, g [][]int) bool {
	n := len(g)
	for i := range n {
		for j := range n {
			if v, ok := m.Grid[i][j].(float64); ok && int(v) != g[i][j] {
				return false
			}
			for k := range n {
				if k != j && g[i][k] == g[i][j] || k != i && g[k][j] == g[i][j] {
					return false
				}
			}
		}
	}
	for _, c := range m.Constraints {
		a, b := c[0].([]any), c[1].([]any)
		x, y := g[int(a[0].(float64))][int(a[1].(float64))], g[int(b[0].(float64))][int(b[1].(float64))]
		if len(c) == 3 && c[2] == ">" {
			x, y = y, x
		}
		if x >= y {
			return false
		}
	}
	return true
}

// allLatin enumerates every n×n Latin square over 1..n (n ≤ 4 keeps this small: 576).
func allLatin(n int) [][][]int {
	var out [][][]int
	g := make([][]int, n)
	for i := range g {
		g[i] = make([]int, n)
	}
	var rec func(pos int)
	rec = func(pos int) {
		if pos == n*n {
			out = append(out, cloneGrid(g))
			return
		}
		i, j := pos/n, pos%n
		for v := 1; v <= n; v++ {
			ok := true
			for k := 0; k < j && ok; k++ {
				ok = g[i][k] != v
			}
			for k := 0; k < i && ok; k++ {
				ok = g[k][j] != v
			}
			if ok {
				g[i][j] = v
				rec(pos + 1)
			}
		}
	}
	rec(0)
	return out
}

// korRows writes a grid of numbers as [[1 2 3, 4 5 6]].
func korRows(g [][]int) string {
	rows := make([]string, len(g))
	for i, r := range g {
		cells := make([]string, len(r))
		for j, c := range r {
			cells[j] = strconv.Itoa(c)
		}
		rows[i] = strings.Join(cells, " ")
	}
	return "[[" + strings.Join(rows, ", ") + "]]"
}

func TestFutoshikiGenerated(t *testing.T) {
	var instances []GameData
	for seed := range uint64(12) {
		g, _ := futoshikiInstance(t, seed, 4)
		instances = append(instances, g)
	}
	latin := allLatin(4)
	sampleSuite{
		task:      "futoshiki",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			m := meta[futoshikiTestMeta](t, g)
			var out []string
			for _, sq := range latin {
				if futoshikiHolds(m, sq) {
					out = append(out, pyBlock(tupleGrid(sq)), korRows(sq))
				}
			}
			if len(out) == 0 {
				t.Fatal("no solution found")
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[futoshikiTestMeta](t, g)
			bad := map[string]string{}
			for _, sq := range latin {
				if !futoshikiHolds(m, sq) {
					bad["rule broken "+korRows(sq)] = pyBlock(tupleGrid(sq))
					if len(bad) >= 3 {
						break
					}
				}
			}
			v, _ := parsePyLiteral(g.Answer)
			sol, _ := intGrid(v, 4, 4)
			changed := cloneGrid(sol)
			changed[1][2] = changed[1][2]%4 + 1
			bad["one changed cell"] = pyBlock(tupleGrid(changed))
			bad["missing row"] = pyBlock(tupleGrid(sol[:3]))
			bad["no answer block"] = "solution: " + tupleGrid(sol)
			bad["out of range"] = pyBlock(strings.Replace(tupleGrid(sol), "(", "(5, ", 1))
			return bad
		},
	}.run(t)
	// Without a puzzle in the metadata the gold answer decides.
	g := GameData{Answer: "[[1 2, 2 1]]", Metadata: []byte(`{}`)}
	expect(t, "futoshiki", g, "[[1 2, 2 1]]", true)
	expect(t, "futoshiki", g, pyBlock("[[1, 2], [2, 1]]"), true)
	expect(t, "futoshiki", g, "[[2 1, 1 2]]", false)
	expect(t, "futoshiki", GameData{Metadata: []byte(`{"grid": [["X"]], "constraints": [[[0, 0], [5, 5]]]}`)}, "[[1]]", false)
}
