package lab

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/train"
	"github.com/mirage-rl/mirage/verify"
)

// gained reports whether an arm's accuracy rose beyond the spread of its seeds: the mean change
// is positive and exceeds both one standard deviation and one point.
func gained(a armSummary) bool { return a.Delta.Mean > 0.01 && a.Delta.Mean > a.Delta.SD }

func arm(arms []armSummary, name string) (armSummary, bool) {
	i := slices.IndexFunc(arms, func(a armSummary) bool { return a.Variant == name })
	if i < 0 {
		return armSummary{}, false
	}
	return arms[i], true
}

// claim is one of the paper's claims checked against the study's arms.
type claim struct {
	rq, text string
	check    func(strong, weak []armSummary) (agrees bool, evidence string)
}

var spurious = []string{string(verify.RewardRandom), string(verify.RewardIncorrect), string(verify.RewardFormat),
	string(verify.RewardMajority), string(verify.RewardEntropy)}

func deltas(arms []armSummary, names []string, want bool) (int, string) {
	n := 0
	var parts []string
	for _, name := range names {
		a, ok := arm(arms, name)
		if !ok {
			continue
		}
		if gained(a) == want {
			n++
		}
		parts = append(parts, fmt.Sprintf("%s %+.1f", name, 100*a.Delta.Mean))
	}
	return n, strings.Join(parts, ", ")
}

var claims = []claim{
	{RQ1, "Under strong alignment, spurious rewards (random, incorrect, format, majority, entropy) raise accuracy.",
		func(strong, _ []armSummary) (bool, string) {
			n, ev := deltas(strong, spurious, true)
			return n*2 > len(spurious), fmt.Sprintf("%d of %d gain (points: %s)", n, len(spurious), ev)
		}},
	{RQ1, "Under weak alignment, spurious rewards do not raise accuracy.",
		func(_, weak []armSummary) (bool, string) {
			n, ev := deltas(weak, spurious, false)
			return n*2 > len(spurious), fmt.Sprintf("%d of %d do not gain (points: %s)", n, len(spurious), ev)
		}},
	{RQ1, "Under weak alignment, ground-truth RL still raises accuracy.",
		func(_, weak []armSummary) (bool, string) {
			a, ok := arm(weak, string(verify.RewardGroundTruth))
			return ok && gained(a), fmt.Sprintf("ground_truth %s → %s (change %s points)", a.Before, a.After, a.Delta)
		}},
	{RQ2, "Under strong alignment, one-shot RL gains about as much as full-data RL.",
		func(strong, _ []armSummary) (bool, string) {
			one, _ := arm(strong, "one-shot")
			full, _ := arm(strong, "full")
			return gained(one) && one.Delta.Mean >= full.Delta.Mean/2, fmt.Sprintf("one-shot %+.1f, full %+.1f points", 100*one.Delta.Mean, 100*full.Delta.Mean)
		}},
	{RQ2, "Under weak alignment, one-shot RL falls short of full-data RL.",
		func(_, weak []armSummary) (bool, string) {
			one, _ := arm(weak, "one-shot")
			full, _ := arm(weak, "full")
			return one.Delta.Mean < full.Delta.Mean, fmt.Sprintf("one-shot %+.1f, full %+.1f points", 100*one.Delta.Mean, 100*full.Delta.Mean)
		}},
	{RQ3, "Under strong alignment, negative-only (NSR) and positive-only (PSR) training gain like GRPO.",
		func(strong, _ []armSummary) (bool, string) {
			n, ev := deltas(strong, []string{string(train.AdvNSR), string(train.AdvPSR)}, true)
			return n == 2, ev + " points (grpo " + deltaOf(strong, string(train.AdvGRPO)) + ")"
		}},
	{RQ3, "Under weak alignment, NSR and PSR fall behind GRPO.",
		func(_, weak []armSummary) (bool, string) {
			g, _ := arm(weak, string(train.AdvGRPO))
			nsr, _ := arm(weak, string(train.AdvNSR))
			psr, _ := arm(weak, string(train.AdvPSR))
			return nsr.Delta.Mean < g.Delta.Mean && psr.Delta.Mean < g.Delta.Mean,
				fmt.Sprintf("nsr %+.1f, psr %+.1f, grpo %+.1f points", 100*nsr.Delta.Mean, 100*psr.Delta.Mean, 100*g.Delta.Mean)
		}},
}

func deltaOf(arms []armSummary, name string) string {
	a, _ := arm(arms, name)
	return fmt.Sprintf("%+.1f", 100*a.Delta.Mean)
}

var rqTitles = map[string]string{
	RQ1: "RQ1: ground-truth and spurious rewards",
	RQ2: "RQ2: one-shot against full-data RL",
	RQ3: "RQ3: positive-only, negative-only, weighted REINFORCE and GRPO",
}

// writeMarkdown writes report.md: the setting, one table per research question and task, the
// plots, and the paper's claims checked one by one.
func writeMarkdown(w io.Writer, o StudyOptions, results map[string]map[string][]armSummary) error {
	cfg := baseConfig(o, 0)
	var b strings.Builder
	fmt.Fprintf(&b, "# mirage lab: model–task alignment on tiny models\n\n")
	fmt.Fprintf(&b, "Model `%s` (%s), trained by mirage's SFT to be **strongly aligned** with %s and **weakly aligned** with %s.\n",
		o.Model.Name, o.ModelDir, o.Model.Strong, o.Model.Weak)
	fmt.Fprintf(&b, "Each cell is one `train.RunRL` run: %d steps of %d prompts × %d samples (temperature 1), lr %g, clip %g/%g, no KL, "+
		"on %d training problems per task; evaluation on %d held-out problems with %d samples each, before training and every %d steps. "+
		"%d seed(s) per cell; values are mean ± standard deviation over seeds, in points (%%).%s\n\n",
		cfg.Steps, cfg.BatchPrompts, cfg.N, cfg.LR, cfg.ClipLow, cfg.ClipHigh, trainProblems, evalProblems, cfg.EvalN, cfg.EvalEvery, o.Seeds,
		map[bool]string{true: " **Quick run** (`--quick`): short cells, so changes are small and noisy.", false: ""}[o.Quick])
	fmt.Fprintf(&b, "One-shot RL trains on the first training problem repeated (the paper picks it by historical variance). "+
		"RQ2's full-data arm and RQ3's GRPO arm are RQ1's ground-truth run.\n\n")
	for _, rq := range o.RQs {
		fmt.Fprintf(&b, "## %s\n\n![%s](%s-accuracy.png)\n\n", rqTitles[rq], rq, rq)
		for _, t := range []TaskSpec{o.Model.Strong, o.Model.Weak} {
			arms := results[rq][t.Task]
			k := cfg.EvalN // the largest k of the evaluation
			for _, a := range arms {
				if a.Seeds > 0 {
					k = a.K
				}
			}
			fmt.Fprintf(&b, "**%s** (%s; pass@k curves: [%s-%s-passk.png](%s-%s-passk.png))\n\n| variant | accuracy before | accuracy after | change | pass@%d before | pass@%d after |\n| --- | --- | --- | --- | --- | --- |\n",
				t, alignmentWord(t, o.Model), rq, t.Task, rq, t.Task, k, k)
			for _, a := range arms {
				if a.Seeds == 0 {
					fmt.Fprintf(&b, "| %s | not run | | | | |\n", a.Variant)
					continue
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", a.Variant, a.Before, a.After, a.Delta, a.KBefore, a.KAfter)
			}
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "## The paper's claims, point by point\n\n"+
		"A variant *gains* when its mean change in evaluation accuracy is above one point and above its spread over seeds.\n\n"+
		"| RQ | claim (arXiv 2508.21188) | these runs | verdict |\n| --- | --- | --- | --- |\n")
	for _, c := range claims {
		if !slices.Contains(o.RQs, c.rq) {
			continue
		}
		strong, weak := results[c.rq][o.Model.Strong.Task], results[c.rq][o.Model.Weak.Task]
		if slices.ContainsFunc(slices.Concat(strong, weak), func(a armSummary) bool { return a.Seeds == 0 }) {
			fmt.Fprintf(&b, "| %s | %s | some cells not run | — |\n", strings.ToUpper(c.rq), c.text)
			continue
		}
		agrees, ev := c.check(strong, weak)
		verdict := "agrees"
		if !agrees {
			verdict = "**disagrees**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", strings.ToUpper(c.rq), c.text, ev, verdict)
	}
	fmt.Fprintf(&b, "\nRaw data: `runs/<rq>/<task>/<variant>/seed-<s>/steps.jsonl` and `eval.jsonl` per cell, all steps labelled in `curves.jsonl`.\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("lab: report: %w", err)
	}
	return nil
}
