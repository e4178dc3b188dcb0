package train

import (
	"fmt"
	"math"
)

// PolicyLoss is the clipped policy-gradient objective of PPO (Schulman et al. 2017) as verl and
// DAPO use it, per response token t with ratio ρ = exp(log π(t) − log π_old(t)) and advantage A:
//
//	pg   = max(−A·ρ, −A·clip(ρ, 1−ClipLow, 1+ClipHigh))      (asymmetric "clip-higher", DAPO)
//	pg   = min(pg, −A·ClipC)  when A < 0 and ClipC > 0       (dual clip, Ye et al. 2020)
//	loss = w·pg + KLCoef·kl(log π, log π_ref)
//
// where w is the truncated importance-sampling weight of the token (1 without correction) and kl
// is k1 = log π − log π_ref or k3 = exp(log π_ref − log π) − (log π_ref − log π) − 1 (Schulman's
// estimators, as verl's low_var_kl). The zero value is the unclipped policy gradient (ClipLow,
// ClipHigh 0 mean no clipping) without KL.
type PolicyLoss struct {
	ClipLow, ClipHigh float64 // ratio bounds; 0 leaves that side open
	ClipC             float64 // dual-clip constant (> 1); 0 is off
	KLCoef            float64 // weight of the KL penalty; 0 is off
	KLType            string  // "k1" or "k3" (default)
}

// KL estimator names for PolicyLoss.KLType.
const (
	KLK1 = "k1"
	KLK3 = "k3"
)

func (l PolicyLoss) validate() error {
	if l.ClipLow < 0 || l.ClipLow >= 1 || l.ClipHigh < 0 {
		return fmt.Errorf("train: want 0 ≤ clip-low < 1 and clip-high ≥ 0, got %v and %v", l.ClipLow, l.ClipHigh)
	}
	if l.ClipC != 0 && l.ClipC <= 1 {
		return fmt.Errorf("train: dual-clip constant %v: want > 1 (or 0: off)", l.ClipC)
	}
	if l.KLType != "" && l.KLType != KLK1 && l.KLType != KLK3 {
		return fmt.Errorf("train: KL estimator %q: want k1 or k3", l.KLType)
	}
	return nil
}

// TokenLoss is one token's share of the objective.
type TokenLoss struct {
	Loss float64 // the token's loss (before aggregation weights)
	Grad float64 // ∂Loss/∂log π(t)
	// Clipped is set when the clipped branch is active (the ratio left its bounds in the
	// direction the advantage pushes), DualClipped when the dual clip is.
	Clipped, DualClipped bool
	KL                   float64 // the KL estimate (0 when KLCoef is 0)
}

// Token returns the loss of one token with current log-prob logp, behaviour (old) log-prob
// old, reference log-prob ref (read only with a KL term), advantage adv and importance weight
// w, and its derivative in logp.
func (l PolicyLoss) Token(logp, old, ref, adv, w float64) TokenLoss {
	ratio := math.Exp(logp - old)
	lo, hi := math.Inf(-1), math.Inf(1)
	if l.ClipLow > 0 {
		lo = 1 - l.ClipLow
	}
	if l.ClipHigh > 0 {
		hi = 1 + l.ClipHigh
	}
	clippedRatio := min(max(ratio, lo), hi)
	pg1, pg2 := -adv*ratio, -adv*clippedRatio
	var out TokenLoss
	pg, dpg := pg1, -adv*ratio // ∂pg1/∂logp = −A·ρ
	if pg2 > pg1 {
		// The clipped ratio is constant in logp.
		pg, dpg, out.Clipped = pg2, 0, true
	}
	if l.ClipC > 0 && adv < 0 {
		if pg3 := -adv * l.ClipC; pg3 < pg {
			pg, dpg, out.DualClipped = pg3, 0, true
		}
	}
	out.Loss, out.Grad = w*pg, w*dpg
	if l.KLCoef != 0 {
		d := ref - logp
		if l.KLType == KLK1 {
			out.KL = -d // log π − log π_ref; ∂/∂logp = 1
			out.Grad += l.KLCoef
		} else {
			out.KL = math.Exp(d) - d - 1 // ∂/∂logp = 1 − exp(d)
			out.Grad += l.KLCoef * (1 - math.Exp(d))
		}
		out.Loss += l.KLCoef * out.KL
	}
	return out
}

// Loss aggregation modes (mirage train rl --loss-agg), as verl's agg_loss: how the token losses
// of a mini-batch are averaged.
const (
	// AggTokenMean averages over all response tokens of the mini-batch (DAPO; the default).
	AggTokenMean = "token-mean"
	// AggSeqMeanTokenSum sums each sequence's tokens, then averages over sequences (Dr. GRPO's
	// "no length normalisation").
	AggSeqMeanTokenSum = "seq-mean-token-sum"
	// AggSeqMeanTokenMean averages each sequence's tokens, then over sequences (the original
	// GRPO).
	AggSeqMeanTokenMean = "seq-mean-token-mean"
)

// tokenWeights returns the weight of each token of each sequence of a mini-batch (sequence
// lengths in response tokens), so that the aggregated loss is Σ weight·token loss.
func tokenWeights(mode string, lengths []int) ([]float64, error) {
	out := make([]float64, len(lengths))
	total := 0
	for _, n := range lengths {
		total += n
	}
	seqs := float64(len(lengths))
	for i, n := range lengths {
		if n == 0 {
			continue
		}
		switch mode {
		case AggTokenMean, "":
			out[i] = 1 / float64(total)
		case AggSeqMeanTokenSum:
			out[i] = 1 / seqs
		case AggSeqMeanTokenMean:
			out[i] = 1 / (seqs * float64(n))
		default:
			return nil, fmt.Errorf("train: loss aggregation %q: want %s, %s or %s", mode, AggTokenMean, AggSeqMeanTokenSum, AggSeqMeanTokenMean)
		}
	}
	return out, nil
}
