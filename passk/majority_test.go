package passk

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteMajAtK enumerates every k-subset of the completions and scores its vote with the rule of
// MajAtK's doc comment: the largest class wins, ties are split evenly, abstentions don't vote.
func bruteMajAtK(v Votes, k int) float64 {
	// Label each completion with its class: 0 correct, 1.. wrong classes, −1 abstain.
	var label []int
	for range v.Correct {
		label = append(label, 0)
	}
	for j, m := range v.Wrong {
		for range m {
			label = append(label, j+1)
		}
	}
	for range v.Abstain {
		label = append(label, -1)
	}
	n := len(label)
	var total float64
	var subsets int
	for mask := 0; mask < 1<<n; mask++ {
		if popcount(mask) != k {
			continue
		}
		subsets++
		count := make([]int, len(v.Wrong)+1)
		for i := range n {
			if mask&(1<<i) != 0 && label[i] >= 0 {
				count[label[i]]++
			}
		}
		best, ties := 0, 0
		for _, c := range count {
			switch {
			case c > best:
				best, ties = c, 1
			case c == best:
				ties++
			}
		}
		if best > 0 && count[0] == best {
			total += 1 / float64(ties)
		}
	}
	return total / float64(subsets)
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestMajAtKAgainstEnumeration(t *testing.T) {
	cases := map[string]Votes{
		"all correct":            {Correct: 5},
		"all wrong":              {Wrong: []int{3, 2}},
		"all abstain":            {Abstain: 4},
		"correct and abstain":    {Correct: 2, Abstain: 5},
		"two-way tie possible":   {Correct: 3, Wrong: []int{3}},
		"many singletons":        {Correct: 2, Wrong: []int{1, 1, 1, 1, 1, 1}},
		"strong wrong mode":      {Correct: 2, Wrong: []int{6, 1}, Abstain: 1},
		"three-way ties":         {Correct: 2, Wrong: []int{2, 2, 2}, Abstain: 2},
		"correct plurality":      {Correct: 5, Wrong: []int{2, 2, 1}, Abstain: 2},
		"one correct many wrong": {Correct: 1, Wrong: []int{4, 3, 2, 1}, Abstain: 2},
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 40 {
		v := Votes{Correct: rng.IntN(5), Abstain: rng.IntN(3)}
		for range rng.IntN(5) {
			v.Wrong = append(v.Wrong, 1+rng.IntN(4))
		}
		if v.N() == 0 || v.N() > 14 {
			continue
		}
		cases[fmt.Sprintf("random %d %+v", i, v)] = v
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			for k := 1; k <= v.N(); k++ {
				got, err := MajAtK(v, k)
				if err != nil {
					t.Fatal(err)
				}
				want := bruteMajAtK(v, k)
				if math.Abs(got-want) > 1e-12 {
					t.Errorf("MajAtK(%+v, %d) = %.15f, enumeration gives %.15f", v, k, got, want)
				}
			}
		})
	}
}

// With no wrong answers the correct class wins whenever it is drawn (maj@k = pass@k); a single
// vote is correct with probability c/n.
func TestMajAtKIdentities(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 50 {
		n := 1 + rng.IntN(600)
		c := rng.IntN(n + 1)
		k := 1 + rng.IntN(n)
		t.Run(fmt.Sprintf("n=%d c=%d k=%d", n, c, k), func(t *testing.T) {
			got, err := MajAtK(Votes{Correct: c, Abstain: n - c}, k)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := PassAtK(n, c, k)
			if math.Abs(got-want) > 1e-9 {
				t.Errorf("no wrong answers: maj@%d = %.15f, pass@%d = %.15f", k, got, k, want)
			}
			v := Votes{Correct: c}
			for rest := n - c; rest > 0; {
				m := 1 + rng.IntN(rest)
				v.Wrong = append(v.Wrong, m)
				rest -= m
			}
			got, err = MajAtK(v, 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := float64(c) / float64(n); math.Abs(got-want) > 1e-12 {
				t.Errorf("maj@1 = %.15f, want c/n = %.15f", got, want)
			}
		})
	}
	if _, err := MajAtK(Votes{Correct: 1, Wrong: []int{1}}, 3); !errors.Is(err, ErrTooFewSamples) {
		t.Errorf("n<k: got %v, want ErrTooFewSamples", err)
	}
	if _, err := MajAtK(Votes{Correct: 1, Wrong: []int{0}}, 1); err == nil {
		t.Error("empty wrong-answer class: no error")
	}
}

func BenchmarkMajAtK(b *testing.B) {
	// A weak model's 256 samples: 20 correct, a dominant wrong answer, and a long tail.
	v := Votes{Correct: 20, Wrong: []int{40, 12, 8, 5, 5, 3, 3, 2, 2, 2}, Abstain: 30}
	for v.N() < 256 {
		v.Wrong = append(v.Wrong, 1)
	}
	for _, k := range []int{16, 64, 128, 256} {
		b.Run(fmt.Sprintf("n=256/k=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := MajAtK(v, k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
