package logic

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// mathadorInstance builds a mathador instance the way we assume the data looks (game_of_24's
// metadata, five numbers): the target is the value of a random expression over all the
// numbers, so the instance is solvable and the test's brute-force solver must find a solution.
func mathadorInstance(tb testing.TB, seed uint64) GameData {
	r := rand.New(rand.NewPCG(seed, 7))
	nums := make([]int64, 5)
	for i := range nums {
		nums[i] = 1 + r.Int64N(12)
	}
	target := (nums[0]+nums[1])*nums[2] - nums[3] + nums[4]
	meta, err := json.Marshal(map[string]any{"numbers": nums, "operators": []string{"+", "-", "*", "/"}, "result": target})
	if err != nil {
		tb.Fatal(err)
	}
	return GameData{Metadata: meta}
}

func TestMathador(t *testing.T) {
	for seed := range uint64(6) {
		g := mathadorInstance(t, seed)
		m := meta[game24Meta](t, g)
		t.Run(fmt.Sprint(m.Numbers, "=", *m.Result), func(t *testing.T) {
			sol := solve24(m.Numbers, *m.Result, true)
			if sol == "" {
				t.Fatal("solver found no solution for a solvable instance")
			}
			expect(t, "mathador", g, pyBlock(sol), true)
			// Upstream grades mathador with game_of_24's verifier, which never checks the value.
			expect(t, "mathador", g, pyBlock(solve24(m.Numbers, *m.Result, false)), false)
			n := m.Numbers
			expect(t, "mathador", g, pyBlock(fmt.Sprintf("(%d + %d) * %d - %d", n[0], n[1], n[2], n[3])), false) // one number unused
			expect(t, "mathador", g, pyBlock(fmt.Sprintf("(%d + %d) * %d - %d + %d + 0", n[0], n[1], n[2], n[3], n[4])), false)
			expect(t, "mathador", g, pyBlock(fmt.Sprintf("(%d + %d) * %d - %d + %d", n[0], n[1], n[2], n[3], n[4])), true)
			expect(t, "mathador", g, fmt.Sprintf("(%d + %d) * %d - %d + %d", n[0], n[1], n[2], n[3], n[4]), false) // no code block
		})
	}
}
