package train

import (
	"math"
	"strings"
	"testing"
)

func TestGroupAdvantages(t *testing.T) {
	// Hand-computed: for rewards [1 0 0 0] the mean is 1/4 and the unbiased std
	// sqrt((9/16 + 3/16)/3) = 1/2; for [1 1 0 0] the mean is 1/2 and the std sqrt(1/3).
	h := 0.5 + grpoEps
	s3 := math.Sqrt(1.0/3) + grpoEps
	cases := []struct {
		adv     Advantage
		rewards []float64
		want    []float64
	}{
		{AdvGRPO, []float64{1, 0, 0, 0}, []float64{0.75 / h, -0.25 / h, -0.25 / h, -0.25 / h}},
		{AdvGRPO, []float64{1, 1, 0, 0}, []float64{0.5 / s3, 0.5 / s3, -0.5 / s3, -0.5 / s3}},
		{AdvGRPO, []float64{1, 1, 1}, []float64{0, 0, 0}},
		{AdvGRPO, []float64{0, 0, 0}, []float64{0, 0, 0}},
		{AdvGRPO, []float64{1}, []float64{1 / (1 + grpoEps)}},
		{AdvDrGRPO, []float64{1, 0, 0, 0}, []float64{0.75, -0.25, -0.25, -0.25}},
		{AdvDrGRPO, []float64{1, 1, 1}, []float64{0, 0, 0}},
		{AdvRLOO, []float64{1, 0, 0, 0}, []float64{1, -1.0 / 3, -1.0 / 3, -1.0 / 3}},
		{AdvRLOO, []float64{1, 1, 0}, []float64{0.5, 0.5, -1}},
		{AdvRLOO, []float64{0, 0}, []float64{0, 0}},
		{AdvRLOO, []float64{1}, []float64{1}},
		{AdvPSR, []float64{1, 0, 0, 0}, []float64{0.75 / h, 0, 0, 0}},
		{AdvPSR, []float64{0, 0, 0}, []float64{0, 0, 0}},
		{AdvPSR, []float64{1, 1, 1}, []float64{0, 0, 0}},
		{AdvNSR, []float64{1, 0, 0, 0}, []float64{0, -0.25 / h, -0.25 / h, -0.25 / h}},
		{AdvNSR, []float64{0, 0}, []float64{0, 0}},
		{AdvPSRRaw, []float64{1, 0, 0, 0}, []float64{1, 0, 0, 0}},
		{AdvPSRRaw, []float64{1, 1, 1}, []float64{1, 1, 1}},
		{AdvNSRRaw, []float64{1, 0, 0, 0}, []float64{0, -1, -1, -1}},
		{AdvNSRRaw, []float64{0, 0}, []float64{-1, -1}},
		{AdvWReinforce, []float64{1, 0, 0, 0}, []float64{0.1, -1, -1, -1}},
		{AdvWReinforce, []float64{1, 1}, []float64{0.1, 0.1}},
	}
	for _, c := range cases {
		got, err := GroupAdvantages(c.adv, c.rewards, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("%s%v = %v, want %v", c.adv, c.rewards, got, c.want)
				break
			}
		}
	}
	if _, err := GroupAdvantages("ppo", []float64{1}, 0); err == nil {
		t.Error("unknown advantage: no error")
	}
	if _, err := ParseAdvantage("gae"); err == nil || !strings.Contains(err.Error(), "w_reinforce") {
		t.Errorf("ParseAdvantage(gae) = %v", err)
	}
	for _, a := range Advantages {
		if _, err := ParseAdvantage(string(a)); err != nil {
			t.Error(err)
		}
	}
}

func TestPolicyLossToken(t *testing.T) {
	paper := PolicyLoss{ClipLow: 0.2, ClipHigh: 0.28, ClipC: 10}
	kl3 := PolicyLoss{ClipLow: 0.2, ClipHigh: 0.28, ClipC: 3, KLCoef: 0.05, KLType: KLK3}
	kl1 := PolicyLoss{ClipLow: 0.2, ClipHigh: 0.28, KLCoef: 0.05, KLType: KLK1}
	cases := []struct {
		name                string
		loss                PolicyLoss
		logp, old, ref, adv float64
		w                   float64
		wantLoss            float64
		clipped, dual       bool
	}{
		{"on policy", paper, -1, -1, -1, 2, 1, -2, false, false},
		{"inside the bounds", paper, -1 + math.Log(1.1), -1, -1, 2, 1, -2.2, false, false},
		// A > 0 and ρ above 1+0.28: the clip-high branch holds the loss at −A·1.28.
		{"clip high", paper, math.Log(1.5), 0, 0, 2, 1, -2 * 1.28, true, false},
		// A > 0 and ρ below the lower bound: unclipped (min picks the smaller objective).
		{"A>0 low ratio is not clipped", paper, math.Log(0.5), 0, 0, 2, 1, -1, false, false},
		// A < 0 and ρ below 1−0.2: clipped at −A·0.8.
		{"clip low", paper, math.Log(0.5), 0, 0, -2, 1, 2 * 0.8, true, false},
		// A < 0 and ρ above the upper bound: unclipped up to c, then the dual clip holds −A·c.
		{"A<0 high ratio below c", paper, math.Log(5), 0, 0, -2, 1, 10, false, false},
		{"dual clip", paper, math.Log(20), 0, 0, -2, 1, 20, false, true},
		{"importance weight", paper, -1, -1, -1, 2, 0.5, -1, false, false},
		{"no clipping (zero value)", PolicyLoss{}, math.Log(20), 0, 0, -2, 1, 40, false, false},
		{"k3", kl3, -1, -1, -1.5, 1, 1, -1 + 0.05*(math.Exp(-0.5)+0.5-1), false, false},
		{"k3 with dual clip", kl3, math.Log(4), 0, 0.2, -1, 1, 3 + 0.05*(math.Exp(0.2-math.Log(4))-(0.2-math.Log(4))-1), false, true},
		{"k1", kl1, -1, -1, -1.5, 1, 1, -1 + 0.05*0.5, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.loss.Token(c.logp, c.old, c.ref, c.adv, c.w)
			if math.Abs(got.Loss-c.wantLoss) > 1e-12 {
				t.Errorf("loss = %.15g, want %.15g", got.Loss, c.wantLoss)
			}
			if got.Clipped != c.clipped || got.DualClipped != c.dual {
				t.Errorf("clipped, dual = %v, %v; want %v, %v", got.Clipped, got.DualClipped, c.clipped, c.dual)
			}
			// The derivative against a central finite difference (no case sits on a kink).
			const h = 1e-6
			fd := (c.loss.Token(c.logp+h, c.old, c.ref, c.adv, c.w).Loss - c.loss.Token(c.logp-h, c.old, c.ref, c.adv, c.w).Loss) / (2 * h)
			if math.Abs(got.Grad-fd) > 1e-6*max(1, math.Abs(fd)) {
				t.Errorf("∂loss/∂logp = %.10g, finite difference %.10g", got.Grad, fd)
			}
		})
	}
}

func TestPolicyLossValidate(t *testing.T) {
	for _, bad := range []PolicyLoss{{ClipLow: 1}, {ClipHigh: -0.1}, {ClipC: 0.5}, {KLType: "k2"}} {
		if err := bad.validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if err := (PolicyLoss{ClipLow: 0.2, ClipHigh: 0.28, ClipC: 10, KLType: KLK1}).validate(); err != nil {
		t.Error(err)
	}
}

func TestTokenWeights(t *testing.T) {
	lengths := []int{1, 3, 0, 4}
	cases := []struct {
		mode string
		want []float64
	}{
		{AggTokenMean, []float64{1.0 / 8, 1.0 / 8, 0, 1.0 / 8}},
		{AggSeqMeanTokenSum, []float64{1.0 / 4, 1.0 / 4, 0, 1.0 / 4}},
		{AggSeqMeanTokenMean, []float64{1.0 / 4, 1.0 / 12, 0, 1.0 / 16}},
	}
	for _, c := range cases {
		got, err := tokenWeights(c.mode, lengths)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.want {
			if math.Abs(got[i]-c.want[i]) > 1e-15 {
				t.Errorf("%s: weights %v, want %v", c.mode, got, c.want)
				break
			}
		}
	}
	if _, err := tokenWeights("seq-sum", lengths); err == nil {
		t.Error("unknown aggregation: no error")
	}
}

// TestRLConfigValidate checks that RLConfig.Validate refuses every out-of-range field, naming
// its flag, before defaults could hide it (a negative count used to become the default), and
// accepts the defaults, the paper's preset and the documented special values (negative clip
// bounds and gradient clip: open/off).
func TestRLConfigValidate(t *testing.T) {
	nan := math.NaN()
	bad := []struct {
		c    RLConfig
		flag string
	}{
		{RLConfig{Steps: -3}, "--steps -3"},
		{RLConfig{BatchPrompts: -1}, "--batch-prompts -1"},
		{RLConfig{N: -1}, "--n -1"},
		{RLConfig{MiniBatchPrompts: -2}, "--mini-batch-prompts -2"},
		{RLConfig{PPOEpochs: -1}, "--ppo-epochs -1"},
		{RLConfig{MicroBatch: -1}, "--micro-batch -1"},
		{RLConfig{Temperature: -1}, "--temperature -1"},
		{RLConfig{Temperature: math.Inf(1)}, "--temperature +Inf"},
		{RLConfig{TopP: 2}, "--top-p 2"},
		{RLConfig{TopK: -1}, "--top-k -1"},
		{RLConfig{MaxNewTokens: -5}, "--max-new-tokens -5"},
		{RLConfig{RewardP: 1.5}, "--p 1.5"},
		{RLConfig{Lambda: nan}, "--lambda NaN"},
		{RLConfig{ClipLow: nan}, "--clip-low NaN"},
		{RLConfig{KLCoef: -1}, "--kl-coef -1"},
		{RLConfig{TISCap: -1}, "--tis-cap -1"},
		{RLConfig{MaxGenBatches: -1}, "--max-gen-batches -1"},
		{RLConfig{LR: -1e-3}, "--lr -0.001"},
		{RLConfig{WarmupSteps: -1}, "--warmup -1"},
		{RLConfig{WeightDecay: -0.1}, "--weight-decay -0.1"},
		{RLConfig{Beta1: 1}, "--beta1 1"},
		{RLConfig{Beta2: 1.5}, "--beta2 1.5"},
		{RLConfig{OneShotIndex: -1}, "--one-shot-index -1"},
		{RLConfig{EvalEvery: -1}, "--eval-every -1"},
		{RLConfig{EvalN: -2}, "--eval-n -2"},
		{RLConfig{EvalTemperature: -1}, "--eval-temperature -1"},
		{RLConfig{EvalTopP: 3}, "--eval-top-p 3"},
		{RLConfig{CheckpointEvery: -1}, "--checkpoint-every -1"},
		{RLConfig{KeepCheckpoints: -1}, "--keep-checkpoints -1"},
		{RLConfig{LossAgg: "seq-sum"}, "seq-sum"},
		{RLConfig{KLType: "k2"}, "k2"},
		{RLConfig{ClipC: 0.5}, "0.5"},
		{RLConfig{ClipLow: 1}, "clip-low"},
		{RLConfig{Reward: "maj_vote"}, "maj_vote"},
		{RLConfig{Advantage: "gae"}, "gae"},
	}
	for _, b := range bad {
		if err := b.c.Validate(); err == nil || !strings.Contains(err.Error(), b.flag) {
			t.Errorf("%+v: err = %v, want one naming %q", b.c, err, b.flag)
		}
	}
	for _, good := range []RLConfig{{}, PaperConfig(), {ClipLow: -1, ClipHigh: -1, ClipNorm: -1, EntropyCoef: -0.01, Lambda: 0.5},
		{LossAgg: AggSeqMeanTokenSum, KLCoef: 0.1, KLType: KLK1, TISCap: 2, TopP: 1, EvalTopP: 0.7}} {
		if err := good.Validate(); err != nil {
			t.Errorf("%+v: %v", good, err)
		}
	}
}
