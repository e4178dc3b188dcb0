package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/mirage-rl/mirage/verify"
)

// TestRLLossTermsReachTheUpdate checks that --tis-cap, --kl-coef/--kl-type, --entropy-coef and
// --loss-agg reach the loop's update, not only PolicyLoss: one step from the same weights and
// seed (so the same completions) under each, compared with the plain run. On the first step
// the policy is the sampler's and the KL reference, so the sampler/trainer ratio is 1 ± 1e-4:
// a cap of 0.5 weighs every token 0.5 (loss and gradient norm halve); k3 and its gradient
// vanish at the reference (same loss and gradient) while k1's gradient is the coefficient (same
// loss, another gradient); the entropy bonus changes the gradient; seq-mean-token-sum
// multiplies the token-mean loss by the mean response length. Completions cut by MaxNewTokens
// count as truncated.
// (seq-mean-token-mean's weights are checked by TestTokenWeights.)
func TestRLLossTermsReachTheUpdate(t *testing.T) {
	m := newSynthModel(t)
	w0 := synthWarmStart(t, m)
	step := func(edit func(*RLConfig)) RLStep {
		t.Helper()
		w := cloneWeights(w0)
		dir := t.TempDir()
		c := synthRLConfig(verify.RewardGroundTruth, 1)
		edit(&c)
		var rec RLStep
		if _, err := RL(context.Background(), newSynthEnv(t, m, w, filepath.Join(dir, PolicyDir)), w, nil, synthTasks(16), nil, c, dir, false,
			func(s RLStep) error { rec = s; return nil }); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	base := step(func(*RLConfig) {})
	if base.Updates != 1 || base.Loss == 0 || base.GradNorm == 0 {
		t.Fatalf("plain step: %d updates, loss %g, gradient norm %g; the test needs one update with a gradient", base.Updates, base.Loss, base.GradNorm)
	}
	near := func(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))+1e-12 }

	tis := step(func(c *RLConfig) { c.TISCap = 0.5 })
	if !near(tis.TISWeight, 0.5, 1e-9) || !near(tis.Loss, 0.5*base.Loss, 1e-3) || !near(tis.GradNorm, 0.5*base.GradNorm, 1e-3) {
		t.Errorf("--tis-cap 0.5: weight %g, loss %g, gradient norm %g; want 0.5, %g, %g", tis.TISWeight, tis.Loss, tis.GradNorm, 0.5*base.Loss, 0.5*base.GradNorm)
	}
	k3 := step(func(c *RLConfig) { c.KLCoef, c.KLType = 1, KLK3 })
	if !near(k3.Loss, base.Loss, 1e-3) || !near(k3.GradNorm, base.GradNorm, 1e-3) {
		t.Errorf("--kl-coef 1 --kl-type k3 on the first step: loss %g, gradient norm %g; want the plain %g, %g", k3.Loss, k3.GradNorm, base.Loss, base.GradNorm)
	}
	k1 := step(func(c *RLConfig) { c.KLCoef, c.KLType = 1, KLK1 })
	if !near(k1.Loss, base.Loss, 1e-3) || near(k1.GradNorm, base.GradNorm, 0.05) {
		t.Errorf("--kl-coef 1 --kl-type k1 on the first step: loss %g, gradient norm %g; want the plain loss %g and another gradient than %g", k1.Loss, k1.GradNorm, base.Loss, base.GradNorm)
	}
	ent := step(func(c *RLConfig) { c.EntropyCoef = 0.5 })
	if near(ent.GradNorm, base.GradNorm, 0.05) {
		t.Errorf("--entropy-coef 0.5: gradient norm %g, the plain step's %g; the bonus did not reach the gradient", ent.GradNorm, base.GradNorm)
	}
	sum := step(func(c *RLConfig) { c.LossAgg = AggSeqMeanTokenSum })
	if !near(sum.Loss, base.Loss*base.ResponseLen, 1e-3) {
		t.Errorf("--loss-agg seq-mean-token-sum: loss %g, want token-mean's %g × mean length %g", sum.Loss, base.Loss, base.ResponseLen)
	}

	// The truncated fraction: completions cut at --max-new-tokens 2 (an answer takes 4 tokens).
	short := step(func(c *RLConfig) { c.MaxNewTokens = 2 })
	if short.Truncated != 1 || short.ResponseLen != 2 || base.Truncated > 0.5 {
		t.Errorf("truncated fraction %g (length %g) at 2 new tokens, %g at 6; want 1 (2) and ≈ 0", short.Truncated, short.ResponseLen, base.Truncated)
	}
}
