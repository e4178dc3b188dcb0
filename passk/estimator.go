// Package passk turns verified samples into the measurements of model–task alignment: the
// unbiased pass@k estimator of Chen et al. (2021), majority-vote accuracy maj@k, mean accuracy,
// bootstrap confidence intervals over problems, per-data-source breakdowns, the alignment report
// (pass@1, pass@k at the largest k, area under the curve, a strong/weak verdict), plots of
// pass@k against log2 k, and the scores of the partial-prompt contamination test (ROUGE-L F1 and
// exact match).
//
// The package computes; it never samples or verifies. `mirage align` and `mirage contamination`
// compose it with the sampler and the verifiers.
//
// Input comes as Records (one per problem: n samples, c correct, and the votes for maj@k), read
// from scored samples.jsonl files or from lines holding only id, n and c (ReadFile). Several
// files holding the same problem ids are merged per id (Merge). Bad input is reported as a
// *datasets.DataError naming the file, the line and the field; problems with fewer samples than
// a requested k are excluded from that k with a warning in the Report, never counted.
package passk

import (
	"errors"
	"fmt"
	"math"
)

// ErrTooFewSamples is returned when k exceeds the number of samples n: no unbiased estimate
// of pass@k exists from fewer than k samples.
var ErrTooFewSamples = errors.New("passk: fewer samples than k")

// PassAtK is the unbiased estimator of pass@k from n samples of which c are correct
// (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", eq. 1):
//
//	pass@k = 1 − C(n−c, k) / C(n, k)
//
// The ratio of binomials is evaluated as a sum of logarithms of the factors
// (n−c−i)/(n−i), i < k (or equivalently (n−k−j)/(n−j), j < c, whichever is shorter), and
// 1 − ratio as −expm1 of that sum: no binomial is formed, so nothing overflows, and no large
// numbers are subtracted, so small pass@k values keep their relative precision. The relative
// error stays below min(k, c)·2⁻⁵² (about 1e-12 at n = 10,000; the tests check against exact
// rational arithmetic).
//
// n < k returns ErrTooFewSamples; negative counts or c > n are an error.
func PassAtK(n, c, k int) (float64, error) {
	if k < 1 || c < 0 || c > n {
		return 0, fmt.Errorf("passk: invalid counts n=%d c=%d k=%d (want k ≥ 1, 0 ≤ c ≤ n)", n, c, k)
	}
	if n < k {
		return 0, fmt.Errorf("%w: n=%d, k=%d", ErrTooFewSamples, n, k)
	}
	if c == 0 {
		return 0, nil
	}
	if n-c < k {
		// Every k-subset holds a correct sample.
		return 1, nil
	}
	// C(n−c,k)/C(n,k) = Π_{i<k} (1 − c/(n−i)) = Π_{j<c} (1 − k/(n−j)); use the shorter product.
	terms, num := k, c
	if c < k {
		terms, num = c, k
	}
	var logq float64
	for i := 0; i < terms; i++ {
		logq += log1mRatio(num, n-i)
	}
	return -math.Expm1(logq), nil
}

// log1mRatio returns log(1 − a/b) for 0 ≤ a < b, accurate to a few ulps in absolute terms
// and, when a/b is small, in relative terms too.
func log1mRatio(a, b int) float64 {
	if 2*a < b {
		return math.Log1p(-float64(a) / float64(b))
	}
	// 1 − a/b would cancel; (b−a)/b is exact in integers before the one rounding.
	return math.Log(float64(b-a) / float64(b))
}
