package passk

import (
	"fmt"
	"math"
)

// Votes are one problem's completions grouped for majority voting.
type Votes struct {
	// Correct is the number of correct completions. They form one class: each is equivalent to
	// the ground truth, hence to each other, even when their answer strings differ ("1/2", "0.5").
	Correct int
	// Wrong holds the sizes of the classes of incorrect completions, one per distinct extracted
	// answer.
	Wrong []int
	// Abstain counts incorrect completions with no extracted answer; they do not vote.
	Abstain int
}

// N is the number of completions.
func (v Votes) N() int {
	n := v.Correct + v.Abstain
	for _, m := range v.Wrong {
		n += m
	}
	return n
}

// MajAtK is maj@k: the probability that a majority vote over a uniformly random k-subset of
// the n completions picks a correct answer. The vote goes to the largest answer class in the
// subset (abstentions do not vote); a tie between t classes counts as a correct pick with
// probability 1/t when the correct class is among them, i.e. ties are broken uniformly at
// random. A subset of abstentions only scores 0.
//
// The value is exact — the expectation over all C(n, k) subsets, hence the unbiased estimator
// of maj@k for a fresh draw of k samples — computed by a dynamic programme over the answer
// classes rather than by enumeration. It conditions on a, the number of correct samples in the
// subset (hypergeometric), and for each a runs over the wrong classes that can reach a votes,
// tracking the number of samples drawn from them and how many tie at a. Terms with
// hypergeometric weight below 1e-18 are skipped, so the value is exact to within k·1e-18 plus
// rounding (about 1e-12 relative).
//
// n < k returns ErrTooFewSamples.
func MajAtK(v Votes, k int) (float64, error) {
	n := v.N()
	if k < 1 || v.Correct < 0 || v.Abstain < 0 {
		return 0, fmt.Errorf("passk: invalid votes %+v or k=%d", v, k)
	}
	for _, m := range v.Wrong {
		if m < 1 {
			return 0, fmt.Errorf("passk: invalid votes: wrong-answer class of size %d", m)
		}
	}
	if n < k {
		return 0, fmt.Errorf("%w: n=%d, k=%d", ErrTooFewSamples, n, k)
	}
	return newHypergeom(n).majAtK(v, k), nil
}

// negligible is the hypergeometric weight below which a term of MajAtK is dropped.
const negligible = 1e-18

// hypergeom evaluates hypergeometric probabilities from a table of log-factorials.
type hypergeom struct{ lf []float64 }

func newHypergeom(n int) hypergeom {
	lf := make([]float64, n+1)
	for i := range lf {
		lf[i], _ = math.Lgamma(float64(i) + 1)
	}
	return hypergeom{lf}
}

// pmf is the probability that a uniform s-subset of a population of size pop holds exactly x of
// its m marked items: C(m, x)·C(pop−m, s−x)/C(pop, s).
func (h hypergeom) pmf(x, pop, m, s int) float64 {
	if x < 0 || x > m || s-x < 0 || s-x > pop-m {
		return 0
	}
	lf := h.lf
	return math.Exp(lf[m] - lf[x] - lf[m-x] +
		lf[pop-m] - lf[s-x] - lf[pop-m-s+x] -
		(lf[pop] - lf[s] - lf[pop-s]))
}

func (h hypergeom) majAtK(v Votes, k int) float64 {
	n, c := v.N(), v.Correct
	var total float64
	for a := 1; a <= min(c, k); a++ {
		w := h.pmf(a, n, c, k)
		if w < negligible {
			continue
		}
		total += w * h.winGiven(v, a, k-a)
	}
	return total
}

// winGiven is the expected vote share of the correct class when it holds a of the subset's
// votes and the other K samples are a uniform K-subset of the n−c non-correct completions:
// E[1{every wrong class has ≤ a} / (1 + number of wrong classes with exactly a)].
func (h hypergeom) winGiven(v Votes, a, K int) float64 {
	others := v.N() - v.Correct
	// Only classes of size ≥ a can tie or win; the rest pool with the abstentions.
	var cls []int
	inCls := 0
	for _, m := range v.Wrong {
		if m >= a {
			cls = append(cls, m)
			inCls += m
		}
	}
	maxTies := min(len(cls), K/a)
	// w[s][t]: probability that a uniform s-subset of the classes processed so far has every
	// class ≤ a and exactly t classes at a. Processed size M grows class by class.
	w := make([][]float64, K+1)
	next := make([][]float64, K+1)
	for s := range w {
		w[s] = make([]float64, maxTies+1)
		next[s] = make([]float64, maxTies+1)
	}
	w[0][0] = 1
	M := 0
	for _, m := range cls {
		top := min(M+m, K)
		for s := 0; s <= top; s++ {
			clear(next[s])
			for x := 0; x <= min(a, m, s); x++ {
				p := h.pmf(x, M+m, m, s)
				if p == 0 {
					continue
				}
				src, dst := w[s-x], next[s]
				if x == a {
					for t := 0; t < maxTies; t++ {
						dst[t+1] += p * src[t]
					}
				} else {
					for t, q := range src {
						dst[t] += p * q
					}
				}
			}
		}
		w, next = next, w
		M += m
	}
	var win float64
	for s := 0; s <= min(M, K); s++ {
		// s samples from the classes, K−s from the pool of others − inCls.
		p := h.pmf(s, others, inCls, K)
		if p == 0 {
			continue
		}
		for t, q := range w[s] {
			win += p * q / float64(1+t)
		}
	}
	return win
}
