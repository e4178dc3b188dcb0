package verify

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// RewardKind names an RL reward (mirage train rl --reward). Rewards are computed per group, the
// completions of one prompt, since majority voting needs the whole group and random rewards a
// random source.
type RewardKind string

// The rewards of the paper's RQ1–RQ3 runs (hkust-nlp/model-task-align-rl score types in
// parentheses). "Format" is the think/answer format of RLFormat.
const (
	// RewardGroundTruth is 1 when the completion has the format and its answer is correct
	// (acc_with_think_format).
	RewardGroundTruth RewardKind = "ground_truth"
	// RewardRandom is Bernoulli(P) × format, whatever the answer (random_score_with_format).
	RewardRandom RewardKind = "random"
	// RewardIncorrect is format × (1 − correct): wrong answers are rewarded
	// (incorrect_format_score; the released math variant trains on the correct answers instead,
	// see docs/rl.md).
	RewardIncorrect RewardKind = "incorrect"
	// RewardFormat is the format check alone (think_format).
	RewardFormat RewardKind = "format"
	// RewardMajority is 1 when the completion's extracted answer equals the most frequent
	// answer of its group (label-free, as TTRL; maj_vote, which the released code does not
	// register).
	RewardMajority RewardKind = "majority"
	// RewardEntropy is the mean per-token log-prob of the completion under the sampling policy
	// (entropy minimisation; extropy_min). Higher means more confident.
	RewardEntropy RewardKind = "entropy"
)

// RewardKinds lists the rewards in documentation order.
var RewardKinds = []RewardKind{RewardGroundTruth, RewardRandom, RewardIncorrect, RewardFormat, RewardMajority, RewardEntropy}

// ParseRewardKind checks a reward name.
func ParseRewardKind(s string) (RewardKind, error) {
	for _, k := range RewardKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("verify: unknown reward %q (want ground_truth, random, incorrect, format, majority or entropy)", s)
}

// RewardOptions configure GroupRewards.
type RewardOptions struct {
	// Kind is the reward; "" is RewardGroundTruth.
	Kind RewardKind
	// P is the probability of reward 1 under RewardRandom; 0 means 0.5 (the paper's).
	P float64
	// FormatStrict uses the released code's format regex, whose '.' does not match a newline
	// (Python re without DOTALL): a newline inside <think> or <answer> scores 0.
	FormatStrict bool
}

// Graded is one completion of a group as the rewards see it.
type Graded struct {
	Text    string
	Outcome Outcome // Problem.Grade(Text)
	// TokenLogprobs are the sampler's per-token log-probs of the completion (RewardEntropy).
	TokenLogprobs []float32
}

// RLFormat reports whether a completion is "<think>…</think>" then "<answer>…</answer>" and
// nothing else (surrounding white space ignored), newlines allowed anywhere unless strict. It is
// the paper's regex ^<think>.*?</think>\s*<answer>.*?</answer>$ on the trimmed completion, with
// '.' matching newlines or, strict as released, not; written with string searches because the
// regex backtracks over every character of a long completion (TestRLFormatIsTheRegex checks
// the two agree).
func RLFormat(text string, strict bool) bool {
	const open, closeThink, answer, closeAnswer = "<think>", "</think>", "<answer>", "</answer>"
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, open) || !strings.HasSuffix(t, closeAnswer) {
		return false
	}
	end := len(t) - len(closeAnswer) // where the answer's content ends
	// Any "</think>" may end the think part; the white space after it (\s: ASCII) runs up to
	// "<answer>", whose content must end where the final "</answer>" begins.
	for from := len(open); ; {
		i := strings.Index(t[from:], closeThink)
		if i < 0 {
			return false
		}
		i += from
		k := i + len(closeThink)
		for k < len(t) && strings.IndexByte(" \t\n\f\r", t[k]) >= 0 {
			k++
		}
		if strings.HasPrefix(t[k:], answer) && k+len(answer) <= end &&
			(!strict || !strings.Contains(t[len(open):i], "\n") && !strings.Contains(t[k+len(answer):end], "\n")) {
			return true
		}
		from = i + 1
	}
}

// GroupRewards returns the reward of every completion of one group. rng is read only by
// RewardRandom (one draw per completion, in order), so a seeded source makes runs
// reproducible. An empty group has no rewards.
func GroupRewards(group []Graded, opts RewardOptions, rng *rand.Rand) ([]float64, error) {
	kind := opts.Kind
	if kind == "" {
		kind = RewardGroundTruth
	}
	out := make([]float64, len(group))
	format := func(g Graded) float64 { return b2f(RLFormat(g.Text, opts.FormatStrict)) }
	switch kind {
	case RewardGroundTruth:
		for i, g := range group {
			out[i] = format(g) * b2f(g.Outcome.Correct)
		}
	case RewardIncorrect:
		for i, g := range group {
			out[i] = format(g) * (1 - b2f(g.Outcome.Correct))
		}
	case RewardFormat:
		for i, g := range group {
			out[i] = format(g)
		}
	case RewardRandom:
		p := opts.P
		if p == 0 {
			p = 0.5
		}
		if p < 0 || p > 1 {
			return nil, fmt.Errorf("verify: random reward probability %v outside [0, 1]", p)
		}
		if rng == nil {
			return nil, fmt.Errorf("verify: the random reward needs a random source")
		}
		for i, g := range group {
			// Draw for every completion, formatted or not, so the stream does not depend on
			// the texts.
			out[i] = format(g) * b2f(rng.Float64() < p)
		}
	case RewardMajority:
		maj := MajorityAnswer(group)
		for i, g := range group {
			out[i] = b2f(maj != "" && g.Outcome.Answer == maj)
		}
	case RewardEntropy:
		for i, g := range group {
			if len(g.TokenLogprobs) == 0 {
				continue
			}
			var s float64
			for _, lp := range g.TokenLogprobs {
				s += float64(lp)
			}
			out[i] = s / float64(len(g.TokenLogprobs))
		}
	default:
		return nil, fmt.Errorf("verify: unknown reward %q", kind)
	}
	return out, nil
}

// MajorityAnswer is the most frequent non-empty normalised answer (Outcome.Answer) of a group;
// a tie goes to the answer that appeared first (as Python's Counter.most_common, which TTRL
// uses). It is "" when no completion has an answer.
func MajorityAnswer(group []Graded) string {
	counts := map[string]int{}
	var order []string // answers by first appearance
	for _, g := range group {
		if a := g.Outcome.Answer; a != "" {
			if counts[a] == 0 {
				order = append(order, a)
			}
			counts[a]++
		}
	}
	best := ""
	for _, a := range order {
		if counts[a] > counts[best] {
			best = a
		}
	}
	return best
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
