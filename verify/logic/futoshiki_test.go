package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// futoshikiInstance builds an instance shaped like the upstream generator's output: a random
// n×n Latin square as the gold answer (a JSON list of rows), 0-based inequalities between
// neighbours as [[r1, c1], [r2, c2], "<" or ">"], prefilled coordinates, and a question that
// prints the grid with X for blanks (in English or, as half of upstream's are, in Chinese).
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
	shown := make([][]string, n)
	prefilled := [][2]int{}
	for i := range n {
		for j := range n {
			if rng.IntN(4) == 0 {
				shown[i] = append(shown[i], strconv.Itoa(sol[i][j]))
				prefilled = append(prefilled, [2]int{i, j})
			} else {
				shown[i] = append(shown[i], "X")
			}
		}
	}
	var cons []any
	var consText []string
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
		cons = append(cons, []any{a, b, op})
		consText = append(consText, fmt.Sprintf("(%d,%d) %s (%d,%d)", a[0]+1, a[1]+1, op, b[0]+1, b[1]+1))
	}
	gridText := make([]string, n)
	for i := range shown {
		gridText[i] = strings.Join(shown[i], " ")
	}
	q := fmt.Sprintf("This is a %dx%d Futoshiki puzzle. ...\n\nCurrent puzzle:\n%s\n\nInequality constraints:\n%s\n\n... please output [[A B C,D E F,G H I]].",
		n, n, strings.Join(gridText, "\n"), strings.Join(consText, "\n"))
	if seed%2 == 1 {
		q = fmt.Sprintf("这是一个%dx%d的不等式数独游戏。...\n\n当前题目：\n%s\n\n不等式约束：\n%s\n\n请输出 [[A B C,D E F,G H I]]。",
			n, n, strings.Join(gridText, "\n"), strings.Join(consText, "\n"))
	}
	raw, err := json.Marshal(map[string]any{
		"question": q, "answer": sol, "difficulty": 1,
		"metadata": map[string]any{"grid_size": n, "num_inequality_signs": len(cons),
			"num_prefilled_coords": len(prefilled), "prefilled_coords": prefilled, "constraints": cons},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGameData(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return g, sol
}

type futoshikiTestMeta struct {
	Prefilled   [][2]int `json:"prefilled_coords"`
	Constraints [][]any  `json:"constraints"`
}

// futoshikiHolds is the test's own rule check (givens taken from sol, Latin, inequalities).
func futoshikiHolds(m futoshikiTestMeta, sol, g [][]int) bool {
	n := len(g)
	for _, rc := range m.Prefilled {
		if g[rc[0]][rc[1]] != sol[rc[0]][rc[1]] {
			return false
		}
	}
	for i := range n {
		for j := range n {
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
		if c[2] == ">" {
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
	solOf := map[string][][]int{}
	for seed := range uint64(12) {
		g, sol := futoshikiInstance(t, seed, 4)
		instances = append(instances, g)
		solOf[g.Question] = sol
	}
	latin := allLatin(4)
	sampleSuite{
		task:      "futoshiki",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			m := meta[futoshikiTestMeta](t, g)
			var out []string
			for _, sq := range latin {
				if futoshikiHolds(m, solOf[g.Question], sq) {
					out = append(out, korRows(sq), "The grid is "+korRows(sq)+".")
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
				if !futoshikiHolds(m, solOf[g.Question], sq) {
					bad["rule broken "+korRows(sq)] = pyBlock(tupleGrid(sq))
					if len(bad) >= 3 {
						break
					}
				}
			}
			sol := solOf[g.Question]
			changed := cloneGrid(sol)
			changed[1][2] = changed[1][2]%4 + 1
			bad["one changed cell"] = pyBlock(tupleGrid(changed))
			bad["missing row"] = pyBlock(tupleGrid(sol[:3]))
			bad["no answer block"] = "solution: " + tupleGrid(sol)
			bad["out of range"] = pyBlock(strings.Replace(tupleGrid(sol), "(", "(5, ", 1))
			return bad
		},
	}.run(t)
	// Without the gold answer the givens are read from the grid printed in the question
	// (English "Current puzzle:" and Chinese "当前题目：" alike): a square that meets every
	// inequality but breaks a given is still wrong.
	for _, g := range instances[:4] {
		sol := solOf[g.Question]
		m := meta[futoshikiTestMeta](t, g)
		g.Answer = ""
		expect(t, "futoshiki", g, korRows(sol), true)
		for _, sq := range latin {
			if futoshikiHolds(futoshikiTestMeta{Constraints: m.Constraints}, sol, sq) && !futoshikiHolds(m, sol, sq) {
				expect(t, "futoshiki", g, korRows(sq), false)
				break
			}
		}
	}
	// Upstream mode skips the givens on a question without an English "Current puzzle:".
	up, _ := LookupWith("futoshiki", Options{Upstream: true})
	for _, g := range instances[:4] {
		sol, m := solOf[g.Question], meta[futoshikiTestMeta](t, g)
		for _, sq := range latin {
			if futoshikiHolds(futoshikiTestMeta{Constraints: m.Constraints}, sol, sq) && !futoshikiHolds(m, sol, sq) {
				english := strings.Contains(g.Question, "Current puzzle:")
				if got := up.Verify(g, korRows(sq)).Correct; got == english {
					t.Errorf("upstream mode, English prompt %v: given broken graded %v", english, got)
				}
				break
			}
		}
	}
	// Without a puzzle in the metadata upstream cannot grade (a KeyError): neither do we.
	g := GameData{Answer: "[[1 2, 2 1]]", Metadata: []byte(`{}`)}
	expect(t, "futoshiki", g, "[[1 2, 2 1]]", false)
	expect(t, "futoshiki", GameData{Metadata: []byte(`{"grid": [["X"]], "constraints": [[[0, 0], [5, 5]]]}`)}, "[[1]]", false)
}
