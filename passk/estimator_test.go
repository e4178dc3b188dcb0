package passk

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactPassAtK is the oracle: 1 − C(n−c,k)/C(n,k) in exact rational arithmetic, rounded once.
func exactPassAtK(n, c, k int) float64 {
	num := new(big.Int).Binomial(int64(n-c), int64(k)) // 0 when n−c < k
	den := new(big.Int).Binomial(int64(n), int64(k))
	r := new(big.Rat).SetFrac(num, den)
	r.Sub(big.NewRat(1, 1), r)
	f, _ := r.Float64()
	return f
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func TestPassAtKAgainstExactRationals(t *testing.T) {
	type tc struct{ n, c, k int }
	cases := map[string]tc{
		"c=0":                {10, 0, 3},
		"c=n":                {10, 10, 3},
		"n-c<k":              {10, 8, 3},
		"n-c=k":              {10, 7, 3},
		"k=n":                {16, 1, 16},
		"k=1 is c/n":         {7, 3, 1},
		"one correct of 256": {256, 1, 128},
		"n=10000 c=1 k=1":    {10000, 1, 1},
		"n=10000 c=1 k=9999": {10000, 1, 9999},
		"n=10000 c=9999 k=1": {10000, 9999, 1},
		"n=10000 c=5000 k=5": {10000, 5000, 5},
		"n=10000 c=3 k=5000": {10000, 3, 5000},
		"n=10000 c=7 k=4096": {10000, 7, 4096},
		"n=10000 k=10000":    {10000, 123, 10000},
		"n=10000 c=50 k=256": {10000, 50, 256},
		"tiny pass@k":        {10000, 1, 2},
		"pass@k near 1":      {10000, 2000, 64},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		n := 1 + rng.IntN(2000)
		if i%50 == 0 {
			n = 10000
		}
		cases["random/"+string(rune('a'+i%26))+itoa(i)] = tc{n, rng.IntN(n + 1), 1 + rng.IntN(n)}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := PassAtK(c.n, c.c, c.k)
			if err != nil {
				t.Fatal(err)
			}
			want := exactPassAtK(c.n, c.c, c.k)
			// Bound of the doc comment: min(k, c) ulps relative, plus slack for expm1/log1p.
			tol := float64(min(c.k, c.c)+8) * 0x1p-52
			if e := relErr(got, want); e > tol {
				t.Errorf("PassAtK(%d, %d, %d) = %.17g, exact %.17g: relative error %.3g > %.3g", c.n, c.c, c.k, got, want, e, tol)
			}
		})
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func TestPassAtKErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		n, c, k int
		tooFew  bool
	}{
		{"n<k", 4, 1, 8, true},
		{"n=0", 0, 0, 1, true},
		{"k=0", 4, 1, 0, false},
		{"c>n", 4, 5, 1, false},
		{"c<0", 4, -1, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := PassAtK(c.n, c.c, c.k)
			if err == nil {
				t.Fatalf("PassAtK(%d, %d, %d): no error", c.n, c.c, c.k)
			}
			if errors.Is(err, ErrTooFewSamples) != c.tooFew {
				t.Errorf("error %q: ErrTooFewSamples = %v, want %v", err, !c.tooFew, c.tooFew)
			}
		})
	}
}

// TestPassAtKUnbiased simulates problems with known success probability p: n Bernoulli(p)
// samples per draw. The estimator's mean over draws must match 1 − (1 − p)^k within 5
// standard errors of that mean (the standard error is measured from the draws) plus 1e-6. The plug-in
// estimator 1 − (1 − c/n)^k, which is biased, must fail the same test in some case, so the
// test can tell the two apart.
func TestPassAtKUnbiased(t *testing.T) {
	const n, draws = 16, 40000
	rng := rand.New(rand.NewPCG(7, 11))
	pluginFailed := false
	for _, p := range []float64{0.02, 0.1, 0.3, 0.7} {
		for _, k := range []int{1, 2, 4, 8, 16} {
			truth := 1 - math.Pow(1-p, float64(k))
			var sum, sum2, plug float64
			for range draws {
				c := 0
				for range n {
					if rng.Float64() < p {
						c++
					}
				}
				v, err := PassAtK(n, c, k)
				if err != nil {
					t.Fatal(err)
				}
				sum += v
				sum2 += v * v
				plug += 1 - math.Pow(1-float64(c)/n, float64(k))
			}
			mean := sum / draws
			se := math.Sqrt((sum2/draws - mean*mean) / draws)
			// 1e-6 covers cases where no draw deviates (p=0.7, k=n: P(c=0) = 4e-9).
			tol := 5*se + 1e-6
			if math.Abs(mean-truth) > tol {
				t.Errorf("p=%g k=%d: mean estimate %.5f, want %.5f ± %.5f", p, k, mean, truth, tol)
			}
			if math.Abs(plug/draws-truth) > tol {
				pluginFailed = true
			}
		}
	}
	if !pluginFailed {
		t.Error("the biased plug-in estimator passed every case: the tolerance is too loose to detect bias")
	}
}
