package train

import (
	"fmt"
	"math"
)

// Advantage names an advantage estimator (mirage train rl --adv). Every estimator maps the
// rewards of one group (the completions of one prompt) to one advantage per completion, which
// all of its tokens share.
type Advantage string

// The estimators. r is a completion's reward, mean and std its group's (std with Bessel's
// correction, as torch.std in verl), n the group size.
const (
	// AdvGRPO is (r − mean)/(std + 1e-6) (Shao et al. 2024; verl's grpo). A group of one has
	// mean 0 and std 1, as in verl.
	AdvGRPO Advantage = "grpo"
	// AdvDrGRPO is r − mean: no std normalisation (Liu et al. 2025); pair it with a
	// seq-mean-token-sum aggregation for "no length normalisation" too.
	AdvDrGRPO Advantage = "dr_grpo"
	// AdvRLOO is r − (mean of the other n−1 rewards) (Ahmadian et al. 2024); r itself when n = 1.
	AdvRLOO Advantage = "rloo"
	// AdvPSR is the GRPO advantage where r > 0, else 0: positive-sample reinforcement as the
	// paper's code does it (GRPO masked to correct samples).
	AdvPSR Advantage = "psr"
	// AdvNSR is the GRPO advantage where r < 1, else 0: negative-sample reinforcement as the
	// paper's code does it.
	AdvNSR Advantage = "nsr"
	// AdvPSRRaw is r, with no group baseline (Zhu et al. 2025, RLVR-Decomposed's PSR).
	AdvPSRRaw Advantage = "psr_raw"
	// AdvNSRRaw is r − 1, with no group baseline (Zhu et al.'s NSR).
	AdvNSRRaw Advantage = "nsr_raw"
	// AdvWReinforce is λ·r − (1 − r): λ for a correct completion (r = 1), −1 for a wrong one
	// (r = 0) (Zhu et al.'s W-REINFORCE, λ = 0.1 there).
	AdvWReinforce Advantage = "w_reinforce"
)

// Advantages lists the estimators in documentation order.
var Advantages = []Advantage{AdvGRPO, AdvDrGRPO, AdvRLOO, AdvPSR, AdvNSR, AdvPSRRaw, AdvNSRRaw, AdvWReinforce}

// ParseAdvantage checks an estimator name.
func ParseAdvantage(s string) (Advantage, error) {
	for _, a := range Advantages {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("train: unknown advantage %q (want grpo, dr_grpo, rloo, psr, nsr, psr_raw, nsr_raw or w_reinforce)", s)
}

// grpoEps is added to the group std (verl's epsilon).
const grpoEps = 1e-6

// GroupAdvantages returns the advantage of every completion of one group from its rewards.
// lambda is W-REINFORCE's weight of correct completions (ignored by the others).
func GroupAdvantages(kind Advantage, rewards []float64, lambda float64) ([]float64, error) {
	n := len(rewards)
	out := make([]float64, n)
	if n == 0 {
		return out, nil
	}
	mean, std := 0.0, 1.0
	if n > 1 {
		for _, r := range rewards {
			mean += r
		}
		mean /= float64(n)
		var ss float64
		for _, r := range rewards {
			ss += (r - mean) * (r - mean)
		}
		std = math.Sqrt(ss / float64(n-1))
	}
	for i, r := range rewards {
		grpo := (r - mean) / (std + grpoEps)
		switch kind {
		case AdvGRPO:
			out[i] = grpo
		case AdvDrGRPO:
			out[i] = r - mean
		case AdvRLOO:
			if n == 1 {
				out[i] = r
			} else {
				out[i] = r - (mean*float64(n)-r)/float64(n-1)
			}
		case AdvPSR:
			if r > 0 {
				out[i] = grpo
			}
		case AdvNSR:
			if r < 1 {
				out[i] = grpo
			}
		case AdvPSRRaw:
			out[i] = r
		case AdvNSRRaw:
			out[i] = r - 1
		case AdvWReinforce:
			out[i] = lambda*r - (1 - r)
		default:
			return nil, fmt.Errorf("train: unknown advantage %q", kind)
		}
	}
	return out, nil
}
