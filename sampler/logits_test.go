package sampler

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// expectedDist computes the distribution Choice samples from, the plain way in float64: softmax
// of logits/T, sort, cut at top-k, at the top-p prefix and at min-p, renormalise.
func expectedDist(logits []float64, c Choice) []float64 {
	V := len(logits)
	p := make([]float64, V)
	m := math.Inf(-1)
	for _, l := range logits {
		m = max(m, l)
	}
	var s float64
	for i, l := range logits {
		p[i] = math.Exp((l - m) / c.Temperature)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	order := make([]int, V)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	keep := make([]bool, V)
	n := V
	if c.TopK > 0 && c.TopK < V {
		n = c.TopK
	}
	var kept float64
	for _, i := range order[:n] {
		kept += p[i]
	}
	if c.TopP > 0 && c.TopP < 1 {
		var cum float64
		for j, i := range order[:n] {
			cum += p[i] / kept
			if cum >= c.TopP {
				n = j + 1
				break
			}
		}
	}
	pmax := p[order[0]]
	for _, i := range order[:n] {
		if p[i] >= c.MinP*pmax && p[i] > 0 {
			keep[i] = true
		}
	}
	out := make([]float64, V)
	s = 0
	for i := range p {
		if keep[i] {
			out[i] = p[i]
			s += p[i]
		}
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// chiSquareCritical is the 99.9% quantile of chi-square with df degrees of freedom
// (Wilson–Hilferty approximation, accurate to ~1% here).
func chiSquareCritical(df int) float64 {
	const z = 3.0902 // standard normal 99.9% quantile
	d := float64(df)
	a := 2 / (9 * d)
	return d * math.Pow(1-a+z*math.Sqrt(a), 3)
}

// The empirical frequencies of sampled tokens must match the computed distribution: a
// chi-square goodness-of-fit test at the 0.1% level (the seed is fixed, so the test is
// deterministic; a correct sampler fails it for one seed in a thousand), plus zero draws of
// every token the cuts remove.
func TestChoiceDistribution(t *testing.T) {
	logits := []float64{2.0, 1.55, 1.2, 1.0, 0.45, 0.3, 0.0, -0.5, -1.1, -2.0, -3.0, math.Inf(-1)}
	cases := []struct {
		name string
		c    Choice
	}{
		{"temperature 1", Choice{Temperature: 1}},
		{"temperature 0.7", Choice{Temperature: 0.7}},
		{"temperature 1.5, top-k 4", Choice{Temperature: 1.5, TopK: 4}},
		{"top-p 0.8", Choice{Temperature: 1, TopP: 0.8}},
		{"temperature 0.8, min-p 0.1", Choice{Temperature: 0.8, MinP: 0.1}},
		{"all cuts", Choice{Temperature: 1.2, TopK: 7, TopP: 0.9, MinP: 0.05}},
		{"top-k 1", Choice{Temperature: 1, TopK: 1}},
	}
	l32 := make([]float32, len(logits))
	for i, l := range logits {
		l32[i] = float32(l)
	}
	const draws = 200000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := expectedDist(logits, tc.c)
			counts := make([]int, len(logits))
			rng := rand.New(rand.NewPCG(1, 2))
			var sc choiceScratch
			for range draws {
				tok, _, _, err := tc.c.choose(l32, rng.Float64(), &sc)
				if err != nil {
					t.Fatal(err)
				}
				counts[tok]++
			}
			var chi2 float64
			df := -1
			for i, p := range want {
				if p == 0 {
					if counts[i] != 0 {
						t.Errorf("token %d has probability 0 after the cuts but was drawn %d times", i, counts[i])
					}
					continue
				}
				e := p * draws
				chi2 += (float64(counts[i]) - e) * (float64(counts[i]) - e) / e
				df++
			}
			if df == 0 {
				return // one token left: the zero checks above are the test
			}
			if crit := chiSquareCritical(df); chi2 > crit {
				t.Errorf("chi-square %.1f > %.1f (df %d): counts %v, expected %v", chi2, crit, df, counts, want)
			}
		})
	}
}

func TestChoiceGreedyAndLogprob(t *testing.T) {
	logits := []float32{0.5, 3, -1, 3, 2}
	tok, lp, plp, err := Choice{}.choose(logits, 0.99, &choiceScratch{})
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, l := range logits {
		s += math.Exp(float64(l))
	}
	if want := math.Log(math.Exp(3) / s); tok != 1 || math.Abs(lp-want) > 1e-6 || plp != lp {
		t.Errorf("greedy: token %d logprob %v policy %v, want token 1 (first of the tied maxima) logprob %v twice", tok, lp, plp, want)
	}
	// Sampled tokens report the model's log-prob and the tempered one before truncation
	// (log-softmax(logits/T), top-k not renormalised in).
	for _, c := range []Choice{{Temperature: 0.3, TopK: 2}, {Temperature: 1, TopP: 0.5}, {Temperature: 1.7, MinP: 0.2}} {
		tok, lp, plp, err = c.choose(logits, 0.2, &choiceScratch{})
		if err != nil {
			t.Fatal(err)
		}
		var st float64
		for _, l := range logits {
			st += math.Exp(float64(l) / c.Temperature)
		}
		if want := float64(logits[tok]) - math.Log(s); math.Abs(lp-want) > 1e-6 {
			t.Errorf("%+v: token %d logprob %v, want %v", c, tok, lp, want)
		}
		if want := float64(logits[tok])/c.Temperature - math.Log(st); math.Abs(plp-want) > 1e-6 {
			t.Errorf("%+v: token %d policy logprob %v, want %v", c, tok, plp, want)
		}
	}
}

func TestChoiceNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := map[string][]float32{
		"NaN":        {0, float32(math.NaN()), 1},
		"+Inf":       {0, inf, 1},
		"all -Inf":   {-inf, -inf},
		"NaN sample": {float32(math.NaN())},
	}
	for name, l := range cases {
		t.Run(name, func(t *testing.T) {
			for _, c := range []Choice{{}, {Temperature: 1, TopP: 0.5}} {
				_, _, _, err := c.choose(l, 0.5, &choiceScratch{})
				var nf *NonFiniteError
				if !errors.As(err, &nf) {
					t.Errorf("%+v: got %v, want a NonFiniteError", c, err)
				}
			}
		})
	}
}

// kthLargest and massThreshold against sorting, on vectors with many ties.
func TestSelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 2000 {
		n := 1 + rng.IntN(60)
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(1+rng.IntN(8)) / 8 // ties
		}
		desc := slices.Clone(v)
		slices.SortFunc(desc, func(a, b float32) int { return int(b*8) - int(a*8) })
		k := 1 + rng.IntN(n)
		if got := kthLargest(slices.Clone(v), k); got != desc[k-1] {
			t.Fatalf("trial %d: kthLargest(%v, %d) = %v, want %v", trial, v, k, got, desc[k-1])
		}
		var total float64
		for _, x := range v {
			total += float64(x)
		}
		target := total * rng.Float64()
		var cum float64
		want := desc[n-1]
		for _, x := range desc {
			cum += float64(x)
			if cum >= target {
				want = x
				break
			}
		}
		if got := massThreshold(slices.Clone(v), target); got != want {
			t.Fatalf("trial %d: massThreshold(%v, %v) = %v, want %v", trial, v, target, got, want)
		}
	}
}

func TestExpAndHalf(t *testing.T) {
	// Logits l and max 2 with scale 0.5 give arguments (l - 2)/2 from -87.3 to 0, and some below.
	var xs, logits []float32
	for x := float32(-87.3); x <= 0; x += 0.01 {
		xs = append(xs, x)
		logits = append(logits, 2*x+2)
	}
	logits = append(logits, 2*-87.4+2, -1000, float32(math.Inf(-1)))
	w := make([]float32, len(logits))
	sum := expShifted(w, logits, 2, 0.5)
	var want float64
	for i, x := range xs {
		got, e := float64(w[i]), math.Exp(float64(x))
		want += e
		if math.Abs(got-e) > 3e-7*e+1e-38 {
			t.Fatalf("exp(%v) = %v, want %v", x, got, e)
		}
	}
	if n := len(xs); w[n] != 0 || w[n+1] != 0 || w[n+2] != 0 {
		t.Errorf("exp below -87.3 must flush to 0 (float32 underflow): %v", w[n:])
	}
	if math.Abs(sum-want) > 1e-6*want {
		t.Errorf("sum %v, want %v", sum, want)
	}
	cases := map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 5.960464477539063e-08, 0x3555: 0.333251953125, 0x8000: float32(math.Copysign(0, -1))}
	for h, want := range cases {
		if got := halfBits(h); got != want || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
			t.Errorf("half %#04x = %v, want %v", h, got, want)
		}
	}
	if !math.IsNaN(float64(halfBits(0x7e00))) || !math.IsInf(float64(halfBits(0xfc00)), -1) {
		t.Errorf("half NaN/-Inf decode wrong")
	}
}

// choose runs once per row per step over the whole vocabulary: it must not allocate.
func TestChooseAllocs(t *testing.T) {
	logits := make([]float32, 32000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 3)
	}
	var sc choiceScratch
	for _, c := range []Choice{{}, {Temperature: 0.7, TopP: 0.95, TopK: 50, MinP: 0.01}} {
		c.choose(logits, 0.5, &sc) // sizes the scratch
		if n := testing.AllocsPerRun(20, func() { c.choose(logits, rng.Float64(), &sc) }); n != 0 {
			t.Errorf("%+v: %v allocations per call, want 0", c, n)
		}
	}
}

// BenchmarkChoose: one row of a 32000-token vocabulary (Llama-2 size).
func BenchmarkChoose(b *testing.B) {
	logits := make([]float32, 32000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 3)
	}
	for _, c := range []struct {
		name string
		c    Choice
	}{{"greedy", Choice{}}, {"temperature", Choice{Temperature: 1}}, {"top-p", Choice{Temperature: 0.7, TopP: 0.95}}, {"top-k", Choice{Temperature: 0.7, TopK: 50}}} {
		b.Run(c.name, func(b *testing.B) {
			var sc choiceScratch
			b.ReportAllocs()
			for b.Loop() {
				c.c.choose(logits, rng.Float64(), &sc)
			}
			b.ReportMetric(float64(len(logits))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mtokens/s")
		})
	}
}
