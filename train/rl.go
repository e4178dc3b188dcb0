package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/verify"
)

// RLConfig holds the hyper-parameters of an RL run. Zero fields take the default in their
// comment (PaperConfig has the paper's values); the config is stored in every checkpoint and
// must match on --resume.
type RLConfig struct {
	// Steps is the number of RL steps (sample → grade → update → export); default 300.
	Steps int `json:"steps"`
	// BatchPrompts is the number of prompts (groups) per step; default 8 (the paper: 128).
	BatchPrompts int `json:"batch_prompts"`
	// N is the number of completions per prompt (the group size); default 8 (the paper: 16).
	N int `json:"n"`
	// MiniBatchPrompts is the number of groups per optimizer update; default BatchPrompts (one
	// update per step; the paper: 64, two updates per step).
	MiniBatchPrompts int `json:"mini_batch_prompts"`
	// PPOEpochs is the number of passes over the step's samples; default 1.
	PPOEpochs int `json:"ppo_epochs"`
	// MicroBatch is the number of sequences per forward/backward pass (memory only: the result
	// does not depend on it); default 32.
	MicroBatch int `json:"micro_batch"`

	// Temperature, TopP and TopK are the sampling policy's; defaults 1, off, off. The trainer
	// computes log-probs at the same temperature.
	Temperature float64 `json:"temperature"`
	TopP        float64 `json:"top_p"`
	TopK        int     `json:"top_k"`
	// MaxNewTokens caps each completion; default 256 (the paper: 8192).
	MaxNewTokens int `json:"max_new_tokens"`

	// Reward is the reward; default ground_truth. RewardP is the random reward's probability
	// (default 0.5); FormatStrict the released code's newline-intolerant format check.
	Reward       verify.RewardKind `json:"reward"`
	RewardP      float64           `json:"reward_p"`
	FormatStrict bool              `json:"format_strict"`
	// Advantage is the estimator; default grpo. Lambda is W-REINFORCE's weight; default 0.1.
	Advantage Advantage `json:"advantage"`
	Lambda    float64   `json:"lambda"`

	// ClipLow and ClipHigh bound the ratio to [1−ClipLow, 1+ClipHigh]; defaults 0.2 and 0.28
	// (DAPO's clip-higher); a negative value leaves that side open. ClipC is the dual-clip
	// constant; default 0: off (the paper: 10).
	ClipLow  float64 `json:"clip_low"`
	ClipHigh float64 `json:"clip_high"`
	ClipC    float64 `json:"clip_c"`
	// KLCoef weighs a KL penalty to the initial policy (default 0: off) estimated by KLType
	// (k1 or k3, default k3). The KL to the initial policy is logged either way.
	KLCoef float64 `json:"kl_coef"`
	KLType string  `json:"kl_type"`
	// EntropyCoef weighs an entropy bonus; default 0.
	EntropyCoef float64 `json:"entropy_coef"`
	// LossAgg is the aggregation of token losses; default token-mean.
	LossAgg string `json:"loss_agg"`
	// TISCap, when > 0, weighs each token's policy-gradient loss by the truncated importance
	// ratio min(π_trainer/π_sampler, TISCap) (verl's rollout correction, TRL's vLLM IS
	// correction).
	TISCap float64 `json:"tis_cap"`

	// DynamicSampling drops groups whose rewards are all equal and samples more prompts, up to
	// MaxGenBatches generation batches per step (default 2); a batch still short is filled by
	// repeating kept groups, as the paper's trainer does.
	DynamicSampling bool `json:"dynamic_sampling"`
	MaxGenBatches   int  `json:"max_gen_batches"`

	// LR is the learning rate, constant after WarmupSteps linear warm-up steps; default 1e-6.
	LR          float64 `json:"lr"`
	WarmupSteps int     `json:"warmup_steps"`
	// WeightDecay is AdamW's (matrices only); default 0 (the paper: 0.1).
	WeightDecay float64 `json:"weight_decay"`
	// Beta1, Beta2 and Eps are Adam's; defaults 0.9, 0.999, 1e-8.
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	Eps   float64 `json:"eps"`
	// ClipNorm caps each update's global gradient norm; default 1; negative disables it.
	ClipNorm float64 `json:"clip_norm"`
	// Seed fixes the prompt order, the sampling streams and the random reward.
	Seed uint64 `json:"seed"`

	// OneShot trains on the single prompt OneShotIndex of the data, repeated to fill every
	// batch, each copy its own group.
	OneShot      bool `json:"one_shot"`
	OneShotIndex int  `json:"one_shot_index"`

	// EvalEvery evaluates pass@k on the evaluation prompts every so many steps, before the first
	// and after the last; default 0: only before the first and after the last. EvalN samples
	// per prompt (default 16) at EvalTemperature (default Temperature) and EvalTopP (default off).
	EvalEvery       int     `json:"eval_every"`
	EvalN           int     `json:"eval_n"`
	EvalTemperature float64 `json:"eval_temperature"`
	EvalTopP        float64 `json:"eval_top_p"`

	// CheckpointEvery saves a checkpoint every so many steps (default 1: a killed run loses at
	// most the step in flight) and after the last; KeepCheckpoints is how many to keep (default 2).
	CheckpointEvery int `json:"checkpoint_every"`
	KeepCheckpoints int `json:"keep_checkpoints"`
}

// PaperConfig returns the values of the paper's training scripts (hkust-nlp/model-task-align-rl,
// scripts/RQ1–RQ3, verl's DAPO trainer): lr 1e-6 constant after 10 warm-up steps, weight decay
// 0.1, gradient clip 1, 128 prompts × 16 samples, mini-batches of 64 prompts (two updates per
// step), one PPO epoch, temperature 1, top-p 1, clip 0.2 / 0.28 / dual 10, no KL, no entropy
// bonus, token-mean, dynamic sampling with at most 2 generation batches, 300 steps, evaluation
// every 20 steps with 1 sample at temperature 1, top-p 0.7; responses up to 8192 tokens.
func PaperConfig() RLConfig {
	return RLConfig{Steps: 300, BatchPrompts: 128, N: 16, MiniBatchPrompts: 64, PPOEpochs: 1,
		Temperature: 1, TopP: 1, MaxNewTokens: 8192,
		Reward: verify.RewardGroundTruth, Advantage: AdvGRPO,
		ClipLow: 0.2, ClipHigh: 0.28, ClipC: 10, LossAgg: AggTokenMean,
		DynamicSampling: true, MaxGenBatches: 2,
		LR: 1e-6, WarmupSteps: 10, WeightDecay: 0.1, ClipNorm: 1,
		EvalEvery: 20, EvalN: 1, EvalTemperature: 1, EvalTopP: 0.7}
}

// WithDefaults returns the config with every zero field replaced by its default, as RL runs it.
func (c RLConfig) WithDefaults() RLConfig {
	defaultInt(&c.Steps, 300)
	defaultInt(&c.BatchPrompts, 8)
	defaultInt(&c.N, 8)
	defaultInt(&c.MiniBatchPrompts, c.BatchPrompts)
	c.MiniBatchPrompts = min(c.MiniBatchPrompts, c.BatchPrompts)
	defaultInt(&c.PPOEpochs, 1)
	defaultInt(&c.MicroBatch, 32)
	defaultInt(&c.MaxNewTokens, 256)
	defaultInt(&c.MaxGenBatches, 2)
	defaultInt(&c.EvalN, 16)
	defaultInt(&c.CheckpointEvery, 1)
	defaultInt(&c.KeepCheckpoints, 2)
	defaultFloat(&c.Temperature, 1)
	defaultFloat(&c.EvalTemperature, c.Temperature)
	defaultFloat(&c.RewardP, 0.5)
	defaultFloat(&c.Lambda, 0.1)
	defaultFloat(&c.ClipLow, 0.2)
	defaultFloat(&c.ClipHigh, 0.28)
	defaultFloat(&c.LR, 1e-6)
	defaultFloat(&c.Beta1, 0.9)
	defaultFloat(&c.Beta2, 0.999)
	defaultFloat(&c.Eps, 1e-8)
	defaultFloat(&c.ClipNorm, 1)
	if c.Reward == "" {
		c.Reward = verify.RewardGroundTruth
	}
	if c.Advantage == "" {
		c.Advantage = AdvGRPO
	}
	if c.KLType == "" {
		c.KLType = KLK3
	}
	if c.LossAgg == "" {
		c.LossAgg = AggTokenMean
	}
	return c
}

// policyLoss is the config's PolicyLoss (negative clip bounds: open).
func (c RLConfig) policyLoss() PolicyLoss {
	return PolicyLoss{ClipLow: max(c.ClipLow, 0), ClipHigh: max(c.ClipHigh, 0), ClipC: c.ClipC, KLCoef: c.KLCoef, KLType: c.KLType}
}

// Validate checks the config: every field in its range (zero is a field's default, so only
// values no default explains are refused, each error naming the mirage train rl flag), and
// the names of the reward, estimator, KL estimator and loss aggregation. RL and RunRL call it
// first.
func (c RLConfig) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, r := range []struct {
		flag string
		val  any
		ok   bool
		want string
	}{
		{"steps", c.Steps, c.Steps >= 0, "at least 1 (0: 300)"},
		{"batch-prompts", c.BatchPrompts, c.BatchPrompts >= 0, "at least 1 (0: 8)"},
		{"n", c.N, c.N >= 0, "at least 1 (0: 8)"},
		{"mini-batch-prompts", c.MiniBatchPrompts, c.MiniBatchPrompts >= 0, "at least 1 (0: --batch-prompts)"},
		{"ppo-epochs", c.PPOEpochs, c.PPOEpochs >= 0, "at least 1 (0: 1)"},
		{"micro-batch", c.MicroBatch, c.MicroBatch >= 0, "at least 1 (0: 32)"},
		{"temperature", c.Temperature, c.Temperature >= 0 && finite(c.Temperature), "more than 0 (0: 1)"},
		{"top-p", c.TopP, c.TopP >= 0 && c.TopP <= 1, "0 < top-p ≤ 1 (0: off)"},
		{"top-k", c.TopK, c.TopK >= 0, "0 (off) or a positive k"},
		{"max-new-tokens", c.MaxNewTokens, c.MaxNewTokens >= 0, "at least 1 (0: 256)"},
		{"p", c.RewardP, c.RewardP >= 0 && c.RewardP <= 1, "0 ≤ p ≤ 1 (0: 0.5)"},
		{"lambda", c.Lambda, finite(c.Lambda), "a finite number"},
		{"clip-low", c.ClipLow, !math.IsNaN(c.ClipLow), "a number below 1 (negative: open)"},
		{"clip-high", c.ClipHigh, !math.IsNaN(c.ClipHigh), "a number (negative: open)"},
		{"kl-coef", c.KLCoef, c.KLCoef >= 0 && finite(c.KLCoef), "0 (off) or more"},
		{"entropy-coef", c.EntropyCoef, finite(c.EntropyCoef), "a finite number"},
		{"tis-cap", c.TISCap, c.TISCap >= 0 && !math.IsNaN(c.TISCap), "0 (off) or more"},
		{"max-gen-batches", c.MaxGenBatches, c.MaxGenBatches >= 0, "at least 1 (0: 2)"},
		{"lr", c.LR, c.LR >= 0 && finite(c.LR), "more than 0 (0: 1e-6)"},
		{"warmup", c.WarmupSteps, c.WarmupSteps >= 0, "0 or more steps"},
		{"weight-decay", c.WeightDecay, c.WeightDecay >= 0 && finite(c.WeightDecay), "0 or more"},
		{"beta1", c.Beta1, c.Beta1 >= 0 && c.Beta1 < 1, "0 < β1 < 1 (0: 0.9)"},
		{"beta2", c.Beta2, c.Beta2 >= 0 && c.Beta2 < 1, "0 < β2 < 1 (0: 0.999)"},
		{"eps", c.Eps, c.Eps >= 0 && finite(c.Eps), "more than 0 (0: 1e-8)"},
		{"clip", c.ClipNorm, !math.IsNaN(c.ClipNorm), "a number (negative: off)"},
		{"one-shot-index", c.OneShotIndex, c.OneShotIndex >= 0, "0 or more"},
		{"eval-every", c.EvalEvery, c.EvalEvery >= 0, "0 (before the first step and after the last only) or more"},
		{"eval-n", c.EvalN, c.EvalN >= 0, "at least 1 (0: 16)"},
		{"eval-temperature", c.EvalTemperature, c.EvalTemperature >= 0 && finite(c.EvalTemperature), "more than 0 (0: --temperature)"},
		{"eval-top-p", c.EvalTopP, c.EvalTopP >= 0 && c.EvalTopP <= 1, "0 < eval-top-p ≤ 1 (0: off)"},
		{"checkpoint-every", c.CheckpointEvery, c.CheckpointEvery >= 0, "at least 1 (0: 1)"},
		{"keep-checkpoints", c.KeepCheckpoints, c.KeepCheckpoints >= 0, "at least 1 (0: 2)"},
	} {
		if !r.ok {
			return fmt.Errorf("train: --%s %v; want %s", r.flag, r.val, r.want)
		}
	}
	c = c.WithDefaults()
	if _, err := verify.ParseRewardKind(string(c.Reward)); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if _, err := ParseAdvantage(string(c.Advantage)); err != nil {
		return err
	}
	if err := c.policyLoss().validate(); err != nil {
		return err
	}
	// tokenWeights checks the name only for a sequence with tokens.
	if _, err := tokenWeights(c.LossAgg, []int{1}); err != nil {
		return err
	}
	return nil
}

// RLTask is one training or evaluation prompt: its token ids and its prepared grader.
type RLTask struct {
	ID      string
	Prompt  []int
	Problem *verify.Problem
}

// RLEnv is what the loop runs on: the trainer's model, the sampler's model opened on the ONNX
// folder that Exporter writes (reloaded in place after every update), and how completions
// become text.
type RLEnv struct {
	Model    *model.Model
	Policy   *sampler.Model
	Exporter *onnx.Exporter
	// NewStream decodes completions into text (the tokenizer's streaming decoder).
	NewStream func() sampler.TextStream
	// StopTokens end completions besides the model's EOS (e.g. the chat template's end of turn).
	StopTokens []int
}

// RLStep is what one step reports: one line of steps.jsonl and the OnStep callback's argument.
// Rates and means are over every completion sampled in the step (all generation batches).
type RLStep struct {
	Step  int `json:"step"`
	Steps int `json:"steps"`
	// Reward is the mean training reward; Accuracy the fraction of completions the grader marks
	// correct, whatever the reward trains on (what reveals a mirage); GroundTruthReward the mean
	// ground_truth reward (format × correct); FormatRate the fraction in the think/answer format.
	Reward            float64 `json:"reward"`
	Accuracy          float64 `json:"accuracy"`
	GroundTruthReward float64 `json:"ground_truth_reward"`
	FormatRate        float64 `json:"format_rate"`
	// ResponseLen is the mean completion length in tokens; Truncated the fraction cut by
	// MaxNewTokens.
	ResponseLen float64 `json:"response_len"`
	Truncated   float64 `json:"truncated"`
	// Entropy is the mean per-token entropy of the policy (trainer, before the update).
	Entropy float64 `json:"entropy"`
	// ClipFrac and DualClipFrac are the fractions of trained tokens whose loss was clipped.
	ClipFrac     float64 `json:"clip_frac"`
	DualClipFrac float64 `json:"dual_clip_frac"`
	// KLRef is the k3 estimate of KL(π ‖ π_initial) on the sampled tokens, before the update.
	KLRef float64 `json:"kl_ref"`
	// LogprobDiffMean and LogprobDiffMax are the mean and largest |log π_sampler − log π_trainer|
	// over the sampled tokens (same weights, same temperature); TISWeight the mean truncated
	// importance weight (1 without --tis-cap).
	LogprobDiffMean float64 `json:"logprob_diff_mean"`
	LogprobDiffMax  float64 `json:"logprob_diff_max"`
	TISWeight       float64 `json:"tis_weight"`
	// Loss is the mean policy loss of the updates; GradNorm the mean norm before clipping.
	Loss     float64 `json:"loss"`
	GradNorm float64 `json:"grad_norm"`
	LR       float64 `json:"lr"`
	Updates  int     `json:"updates"`
	// SampledGroups and KeptGroups count the groups sampled and kept by dynamic sampling (equal
	// without it); GenBatches the generation batches used; Tokens the response tokens trained.
	SampledGroups int   `json:"sampled_groups"`
	KeptGroups    int   `json:"kept_groups"`
	GenBatches    int   `json:"gen_batches"`
	Tokens        int64 `json:"tokens"`
	// The time split of the step, in seconds.
	SampleS float64 `json:"sample_s"`
	GradeS  float64 `json:"grade_s"`
	UpdateS float64 `json:"update_s"`
	ExportS float64 `json:"export_s"`
	// ElapsedS is the run's time so far.
	ElapsedS float64 `json:"elapsed_s"`
	// Eval is set on steps that evaluated (also a line of eval.jsonl).
	Eval *RLEval `json:"eval,omitempty"`
}

// RLEval is one evaluation: unbiased pass@k (passk.PassAtK) over the evaluation prompts.
type RLEval struct {
	Step       int     `json:"step"` // updates made before it (0: the initial policy)
	N          int     `json:"n"`
	PassAtK    []KPass `json:"pass_at_k"`
	Accuracy   float64 `json:"accuracy"` // mean correct rate (= pass@1)
	FormatRate float64 `json:"format_rate"`
	Problems   int     `json:"problems"`
	Seconds    float64 `json:"seconds"`
}

// KPass is pass@K.
type KPass struct {
	K     int     `json:"k"`
	Value float64 `json:"pass"`
}

// RL file names in the output folder.
const (
	StepsFile  = "steps.jsonl" // one RLStep per line
	EvalFile   = "eval.jsonl"  // one RLEval per line
	ConfigFile = "rl_config.json"
	PolicyDir  = "policy" // the ONNX folder the sampler serves (the current weights)
)

// rlState is the progress a checkpoint records besides weights and moments.
type rlState struct {
	Step        int
	PromptsUsed int // position in the prompt stream
	Tokens      int64
	ElapsedS    float64
}

// RL trains w (updated in place and returned) by reinforcement learning on the tasks, writing
// steps.jsonl, eval.jsonl and checkpoints to out and keeping env.Exporter's folder at the
// current weights; env.Policy must serve w when RL is called. ref are the initial policy's weights (the KL reference; a copy of w when
// nil). With resume it continues from the newest checkpoint in out, and the result is the same
// as an uninterrupted run's. When ctx is cancelled it stops between steps and saves a checkpoint
// of the last completed step. onStep, if set, is called after every step; its error stops the
// run (after the step's checkpoint, if any).
func RL(ctx context.Context, env RLEnv, w, ref model.Weights, tasks, eval []RLTask, c RLConfig,
	out string, resume bool, onStep func(RLStep) error) (model.Weights, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	if len(tasks) == 0 {
		return nil, errors.New("train: no training prompts")
	}
	ctxLen := env.Model.Config().MaxPositionEmbeddings
	for what, ts := range map[string][]RLTask{"training": tasks, "evaluation": eval} {
		for i, t := range ts {
			if len(t.Prompt) == 0 || len(t.Prompt) >= ctxLen {
				return nil, fmt.Errorf("train: %s prompt %d (id %q) has %d tokens; want 1 to %d (the model's context is %d, prompt plus completion)",
					what, i, t.ID, len(t.Prompt), ctxLen-1, ctxLen)
			}
		}
	}
	if c.OneShot {
		if c.OneShotIndex >= len(tasks) {
			return nil, fmt.Errorf("train: one-shot index %d: the data has %d prompts", c.OneShotIndex, len(tasks))
		}
		tasks = tasks[c.OneShotIndex : c.OneShotIndex+1]
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	cfg := env.Model.Config()
	if ref == nil {
		ref = cloneWeights(w)
	}
	r := &rlRun{env: env, c: c, loss: c.policyLoss(), tasks: tasks, eval: eval, ref: ref,
		order: &dataOrder{n: len(tasks), seed: c.Seed}}
	data := taskFingerprint(tasks)

	opt := NewAdamW(w, c.Beta1, c.Beta2, c.Eps, c.WeightDecay)
	var st rlState
	if resume {
		ckW, ckOpt, ck, ok, err := loadCheckpoint(out, cfg)
		if err != nil {
			return nil, err
		}
		if ok {
			if ck.RL == nil {
				return nil, fmt.Errorf("train: --resume: the checkpoint in %s is not an RL run's", out)
			}
			if *ck.RL != c {
				return nil, fmt.Errorf("train: --resume with different settings than the checkpoint's (%s)", configDiff(*ck.RL, c))
			}
			if ck.Data != data {
				return nil, fmt.Errorf("train: --resume with different training prompts than the checkpoint's (%s, now %s)", ck.Data, data)
			}
			w, opt = ckW, ckOpt
			st = rlState{Step: ck.Step, PromptsUsed: ck.PromptsUsed, Tokens: ck.Tokens, ElapsedS: ck.ElapsedS}
			// The sampler must serve the weights the run continues from.
			if err := env.Exporter.Export(ctx, w); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			if err := env.Policy.Reload(ctx); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
		}
	} else if steps, err := listCheckpoints(out); err != nil {
		return nil, err
	} else if len(steps) > 0 {
		return nil, fmt.Errorf("train: %s already holds checkpoints; pass --resume to continue or choose a new output folder", out)
	}
	if err := writeRLConfig(filepath.Join(out, ConfigFile), c); err != nil {
		return nil, err
	}
	steps, err := openMetrics(filepath.Join(out, StepsFile), 1, st.Step)
	if err != nil {
		return nil, err
	}
	defer steps.Close()
	keepEval := st.Step // evaluations up to the checkpoint's step; a fresh start redoes step 0's
	if st.Step == 0 {
		keepEval = -1
	}
	evals, err := openMetrics(filepath.Join(out, EvalFile), 0, keepEval)
	if err != nil {
		return nil, err
	}
	defer evals.Close()
	stepEnc, evalEnc := json.NewEncoder(steps), json.NewEncoder(evals)
	started := time.Now().Add(-time.Duration(st.ElapsedS * float64(time.Second)))
	save := func() error {
		ck := checkpointState{Step: st.Step, Tokens: st.Tokens, ElapsedS: st.ElapsedS, Data: data, RL: &c, PromptsUsed: st.PromptsUsed}
		return saveCheckpoint(out, cfg, w, opt, ck, c.KeepCheckpoints)
	}
	if st.Step == 0 && len(eval) > 0 {
		ev, err := r.evaluate(ctx, 0)
		if err != nil {
			return nil, err
		}
		if err := evalEnc.Encode(ev); err != nil {
			return nil, fmt.Errorf("train: %s: %w", EvalFile, err)
		}
	}
	savedStep := st.Step
	for step := st.Step; step < c.Steps; step++ {
		if err := ctx.Err(); err != nil {
			if step > savedStep {
				if err := save(); err != nil {
					return nil, err
				}
			}
			return nil, fmt.Errorf("train: stopped after step %d (checkpoint saved): %w", step, err)
		}
		rec, err := r.step(ctx, step, &st, w, opt)
		if err != nil {
			return nil, fmt.Errorf("train: step %d: %w", step+1, err)
		}
		last := step+1 == c.Steps
		if len(eval) > 0 && (last || (c.EvalEvery > 0 && (step+1)%c.EvalEvery == 0)) {
			if rec.Eval, err = r.evaluate(ctx, step+1); err != nil {
				return nil, err
			}
			if err := evalEnc.Encode(rec.Eval); err != nil {
				return nil, fmt.Errorf("train: %s: %w", EvalFile, err)
			}
		}
		st.Step, st.ElapsedS = step+1, time.Since(started).Seconds()
		rec.ElapsedS = st.ElapsedS
		if err := stepEnc.Encode(rec); err != nil {
			return nil, fmt.Errorf("train: %s: %w", StepsFile, err)
		}
		if last || (step+1)%c.CheckpointEvery == 0 {
			if err := save(); err != nil {
				return nil, err
			}
			savedStep = st.Step
		}
		if onStep != nil {
			if err := onStep(rec); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// rlRun is the state of one RL run shared by its steps.
type rlRun struct {
	env   RLEnv
	c     RLConfig
	loss  PolicyLoss
	tasks []RLTask
	eval  []RLTask
	ref   model.Weights
	order *dataOrder
}

// rollout is one sampled completion and what the step computes for it.
type rollout struct {
	task      int
	tokens    []int
	samplerLP []float32
	text      string
	finish    string
	outcome   verify.Outcome
	reward    float64
	adv       float64
	oldLP     []float32 // trainer, before the update
	refLP     []float32
	entropy   float64 // summed over the tokens (trainer, before the update)
}

// step runs one RL step: sample (and re-sample under dynamic sampling) → grade → reward →
// advantages → updates over mini-batches → export → reload.
func (r *rlRun) step(ctx context.Context, step int, st *rlState, w model.Weights, opt *AdamW) (RLStep, error) {
	c := r.c
	rec := RLStep{Step: step + 1, Steps: c.Steps, LR: LearningRate(step, c.Steps, c.WarmupSteps, c.LR, 0, ScheduleConstant)}

	// Sample and grade, generation batch by generation batch.
	var kept [][]rollout
	var all int
	for gen := 0; gen < c.MaxGenBatches; gen++ {
		idx := r.order.indices(st.PromptsUsed, c.BatchPrompts)
		st.PromptsUsed += c.BatchPrompts
		t0 := time.Now()
		groups, err := r.sample(ctx, idx, rlSeed(c.Seed, step, gen))
		if err != nil {
			return rec, err
		}
		t1 := time.Now()
		rec.SampleS += t1.Sub(t0).Seconds()
		for gi, g := range groups {
			if err := r.grade(g, rlSeed(c.Seed^0x5eed, step, gen*c.BatchPrompts+gi)); err != nil {
				return rec, err
			}
			for _, ro := range g {
				all++
				rec.Reward += ro.reward
				rec.Accuracy += b2f(ro.outcome.Correct)
				format := verify.RLFormat(ro.text, c.FormatStrict)
				rec.FormatRate += b2f(format)
				rec.GroundTruthReward += b2f(format && ro.outcome.Correct)
				rec.ResponseLen += float64(len(ro.tokens))
				rec.Truncated += b2f(ro.finish == datasets.FinishLength)
			}
			rec.SampledGroups++
			if !c.DynamicSampling || !constantReward(g) {
				kept = append(kept, g)
			}
		}
		rec.GradeS += time.Since(t1).Seconds()
		rec.GenBatches = gen + 1
		if !c.DynamicSampling || len(kept) >= c.BatchPrompts {
			break
		}
	}
	for _, v := range []*float64{&rec.Reward, &rec.Accuracy, &rec.GroundTruthReward, &rec.FormatRate, &rec.ResponseLen, &rec.Truncated} {
		*v /= float64(all)
	}
	rec.KeptGroups = len(kept)
	if len(kept) == 0 {
		rec.Tokens = st.Tokens
		return rec, nil // every group had one reward: nothing to learn from this step
	}
	// A short batch is filled by repeating kept groups; a long one cut (verl's DAPO trainer).
	for i := 0; len(kept) < c.BatchPrompts; i++ {
		kept = append(kept, kept[i])
	}
	kept = kept[:c.BatchPrompts]

	t0 := time.Now()
	if err := r.update(ctx, kept, w, opt, &rec); err != nil {
		return rec, err
	}
	rec.UpdateS = time.Since(t0).Seconds()
	st.Tokens += rec.Tokens
	rec.Tokens = st.Tokens

	t1 := time.Now()
	if err := r.env.Exporter.Export(ctx, w); err != nil {
		return rec, err
	}
	if err := r.env.Policy.Reload(ctx); err != nil {
		return rec, err
	}
	rec.ExportS = time.Since(t1).Seconds()
	return rec, nil
}

// sample draws N completions for each task in idx with per-token log-probs.
func (r *rlRun) sample(ctx context.Context, idx []int, seed uint64) ([][]rollout, error) {
	c := r.c
	prompts := make([][]int, len(idx))
	for i, k := range idx {
		prompts[i] = r.tasks[k].Prompt
	}
	outs, err := r.env.Policy.Generate(ctx, prompts, sampler.GenerateOptions{
		Choice: sampler.Choice{Temperature: c.Temperature, TopP: c.TopP, TopK: c.TopK},
		N:      c.N, MaxNewTokens: c.MaxNewTokens, Seed: seed, BatchSize: min(64, len(idx)*c.N),
		StopTokens: r.env.StopTokens, NewStream: r.env.NewStream, TokenLogprobs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	groups := make([][]rollout, len(idx))
	for i, o := range outs {
		groups[i] = make([]rollout, len(o))
		for j, s := range o {
			groups[i][j] = rollout{task: idx[i], tokens: s.Tokens, samplerLP: s.TokenLogprobs, text: s.Text, finish: s.FinishReason}
		}
	}
	return groups, nil
}

// grade grades a group, computes its rewards and advantages.
func (r *rlRun) grade(g []rollout, seed uint64) error {
	c := r.c
	graded := make([]verify.Graded, len(g))
	for i := range g {
		g[i].outcome = r.tasks[g[i].task].Problem.Grade(g[i].text)
		graded[i] = verify.Graded{Text: g[i].text, Outcome: g[i].outcome, TokenLogprobs: g[i].samplerLP}
	}
	rewards, err := verify.GroupRewards(graded, verify.RewardOptions{Kind: c.Reward, P: c.RewardP, FormatStrict: c.FormatStrict},
		rand.New(rand.NewPCG(seed, 0x7265776172640000)))
	if err != nil {
		return err
	}
	adv, err := GroupAdvantages(c.Advantage, rewards, c.Lambda)
	if err != nil {
		return err
	}
	for i := range g {
		g[i].reward, g[i].adv = rewards[i], adv[i]
	}
	return nil
}

func constantReward(g []rollout) bool {
	for _, ro := range g {
		if ro.reward != g[0].reward {
			return false
		}
	}
	return true
}

// seq is one rollout as training rows: prompt+response, with its response positions.
type seq struct {
	ro           *rollout
	group        int // index of its group in the step's batch
	ids, targets []int
	start        int // position of the first response target
	n            int // response tokens
}

func (r *rlRun) sequences(groups [][]rollout) []seq {
	maxLen := r.env.Model.Config().MaxPositionEmbeddings
	var out []seq
	for gi := range groups {
		for j := range groups[gi] {
			ro := &groups[gi][j]
			prompt := r.tasks[ro.task].Prompt
			ids, targets, _ := Example{Prompt: prompt, Response: ro.tokens}.sequence(maxLen)
			start := len(prompt) - 1
			n := min(len(ro.tokens), len(targets)-start)
			if n <= 0 {
				continue
			}
			out = append(out, seq{ro: ro, group: gi, ids: ids, targets: targets, start: start, n: n})
		}
	}
	return out
}

// batchOf pads sequences on the right into a model.Batch at the run's temperature (masks empty).
func (r *rlRun) batchOf(seqs []seq) model.Batch {
	longest := 1
	for _, s := range seqs {
		longest = max(longest, len(s.ids))
	}
	width := min((longest+padBucket-1)/padBucket*padBucket, r.env.Model.Config().MaxPositionEmbeddings)
	b := model.Batch{Temperature: r.c.Temperature}
	for _, s := range seqs {
		pad := width - len(s.ids)
		b.IDs = append(b.IDs, append(append([]int(nil), s.ids...), make([]int, pad)...))
		b.Targets = append(b.Targets, append(append([]int(nil), s.targets...), make([]int, pad)...))
		b.Mask = append(b.Mask, make([]float32, width))
	}
	return b
}

// logProbs computes the response log-probs of seqs under w, micro-batch by micro-batch; with
// withEntropy it also stores each rollout's summed entropy.
func (r *rlRun) logProbs(w model.Weights, seqs []seq, withEntropy bool) ([][]float32, error) {
	out := make([][]float32, len(seqs))
	for a := 0; a < len(seqs); a += r.c.MicroBatch {
		part := seqs[a:min(a+r.c.MicroBatch, len(seqs))]
		b := r.batchOf(part)
		var lp, ent [][]float32
		var err error
		if withEntropy {
			lp, ent, err = r.env.Model.TokenLogProbsEntropy(w, b)
		} else {
			lp, err = r.env.Model.TokenLogProbs(w, b)
		}
		if err != nil {
			return nil, err
		}
		for i, s := range part {
			out[a+i] = lp[i][s.start : s.start+s.n]
			if withEntropy {
				s.ro.entropy = sum32(ent[i][s.start : s.start+s.n])
			}
		}
	}
	return out, nil
}

func sum32(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	return s
}

// update recomputes the old and reference log-probs, then makes PPOEpochs passes of clipped
// policy-gradient updates over mini-batches of MiniBatchPrompts groups. Without TIS and KL the
// first update's per-token weights do not depend on the old log-probs (the ratio is 1), so its
// forward+backward pass also yields the old log-probs of its sequences (LossGradsAndStats) and
// only the other sequences need a separate forward pass.
func (r *rlRun) update(ctx context.Context, groups [][]rollout, w model.Weights, opt *AdamW, rec *RLStep) error {
	c := r.c
	all := r.sequences(groups)
	if len(all) == 0 {
		return nil
	}
	// Mini-batches of MiniBatchPrompts whole groups, in order.
	miniBatches := make([][]seq, (len(groups)+c.MiniBatchPrompts-1)/c.MiniBatchPrompts)
	for _, s := range all {
		k := s.group / c.MiniBatchPrompts
		miniBatches[k] = append(miniBatches[k], s)
	}
	var stats gradStats
	var firstGrads model.Weights
	fused := c.TISCap == 0 && c.KLCoef == 0 && len(miniBatches[0]) > 0
	if fused {
		var err error
		if firstGrads, err = r.gradients(w, miniBatches[0], nil, &stats); err != nil {
			return err
		}
	}
	var rest []seq // sequences whose old log-probs are still to compute
	for _, s := range all {
		if s.ro.oldLP == nil {
			rest = append(rest, s)
		}
	}
	old, err := r.logProbs(w, rest, true)
	if err != nil {
		return err
	}
	for i, s := range rest {
		s.ro.oldLP = old[i]
	}
	refLP, err := r.logProbs(r.ref, all, false)
	if err != nil {
		return err
	}
	var tokens int
	var klRef, tis, entropy float64
	for i, s := range all {
		s.ro.refLP = refLP[i]
		for t := range s.n {
			d := float64(refLP[i][t] - s.ro.oldLP[t])
			klRef += math.Exp(d) - d - 1
			diff := math.Abs(float64(s.ro.samplerLP[t] - s.ro.oldLP[t]))
			rec.LogprobDiffMean += diff
			rec.LogprobDiffMax = max(rec.LogprobDiffMax, diff)
			tis += r.tisWeight(s.ro, t)
		}
		entropy += s.ro.entropy
		tokens += s.n
	}
	rec.Entropy, rec.KLRef = entropy/float64(tokens), klRef/float64(tokens)
	rec.LogprobDiffMean, rec.TISWeight = rec.LogprobDiffMean/float64(tokens), tis/float64(tokens)
	rec.Tokens = int64(tokens)

	for epoch := range c.PPOEpochs {
		for k, mb := range miniBatches {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(mb) == 0 {
				continue
			}
			var grads model.Weights
			switch {
			case epoch == 0 && k == 0 && fused:
				grads = firstGrads
			case epoch == 0 && k == 0: // the policy has not moved yet: current = old
				cur := make([][]float32, len(mb))
				for i, s := range mb {
					cur[i] = s.ro.oldLP
				}
				if grads, err = r.gradients(w, mb, cur, &stats); err != nil {
					return err
				}
			default:
				cur, err := r.logProbs(w, mb, false)
				if err != nil {
					return err
				}
				if grads, err = r.gradients(w, mb, cur, &stats); err != nil {
					return err
				}
			}
			rec.GradNorm += clipGlobalNorm(grads, c.ClipNorm)
			opt.Update(w, grads, rec.LR)
			rec.Updates++
		}
	}
	if rec.Updates > 0 {
		rec.GradNorm /= float64(rec.Updates)
		rec.Loss = stats.loss / float64(rec.Updates)
		rec.ClipFrac, rec.DualClipFrac = float64(stats.clipped)/float64(stats.tokens), float64(stats.dual)/float64(stats.tokens)
	}
	return nil
}

// gradStats accumulates the loss and clipping counts of a step's updates.
type gradStats struct {
	loss                  float64
	clipped, dual, tokens int
}

// gradients returns the gradient of one mini-batch's aggregated loss given the current
// log-probs cur of its sequences. With cur nil the policy is the old one (ratio 1, no TIS or
// KL term): the pass then also stores the sequences' old log-probs and entropies.
func (r *rlRun) gradients(w model.Weights, mb []seq, cur [][]float32, st *gradStats) (model.Weights, error) {
	c := r.c
	lengths := make([]int, len(mb))
	for i, s := range mb {
		lengths[i] = s.n
	}
	weights, err := tokenWeights(c.LossAgg, lengths)
	if err != nil {
		return nil, err
	}
	var grads model.Weights
	for a := 0; a < len(mb); a += c.MicroBatch {
		part := mb[a:min(a+c.MicroBatch, len(mb))]
		b := r.batchOf(part)
		if c.EntropyCoef != 0 {
			b.EntropyWeight = make([][]float32, len(part))
		}
		for i, s := range part {
			k := a + i
			if b.EntropyWeight != nil {
				b.EntropyWeight[i] = make([]float32, len(b.IDs[i]))
			}
			for t := range s.n {
				var tl TokenLoss
				if cur == nil {
					tl = r.loss.Token(0, 0, 0, s.ro.adv, 1)
				} else {
					tl = r.loss.Token(float64(cur[k][t]), float64(s.ro.oldLP[t]), float64(s.ro.refLP[t]), s.ro.adv, r.tisWeight(s.ro, t))
				}
				st.loss += weights[k] * tl.Loss
				// LossAndGrads differentiates −Σ mask·log p: mask = −∂loss/∂log p.
				b.Mask[i][s.start+t] = float32(-weights[k] * tl.Grad)
				if b.EntropyWeight != nil {
					b.EntropyWeight[i][s.start+t] = float32(weights[k] * c.EntropyCoef)
				}
				st.clipped += intOf(tl.Clipped)
				st.dual += intOf(tl.DualClipped)
				st.tokens++
			}
		}
		var g model.Weights
		if cur == nil {
			var lp, ent [][]float32
			_, g, lp, ent, err = r.env.Model.LossGradsAndStats(w, b)
			for i, s := range part {
				if err == nil {
					s.ro.oldLP = lp[i][s.start : s.start+s.n]
					s.ro.entropy = sum32(ent[i][s.start : s.start+s.n])
				}
			}
		} else {
			_, g, err = r.env.Model.LossAndGrads(w, b)
		}
		if err != nil {
			return nil, err
		}
		grads = addInto(grads, g)
	}
	return grads, nil
}

// tisWeight is token t's truncated importance weight min(π_trainer/π_sampler, TISCap), or 1.
func (r *rlRun) tisWeight(ro *rollout, t int) float64 {
	if r.c.TISCap <= 0 {
		return 1
	}
	return min(math.Exp(float64(ro.oldLP[t]-ro.samplerLP[t])), r.c.TISCap)
}

// evaluate samples EvalN completions for every evaluation prompt and estimates pass@k.
func (r *rlRun) evaluate(ctx context.Context, step int) (*RLEval, error) {
	c := r.c
	t0 := time.Now()
	prompts := make([][]int, len(r.eval))
	for i, t := range r.eval {
		prompts[i] = t.Prompt
	}
	outs, err := r.env.Policy.Generate(ctx, prompts, sampler.GenerateOptions{
		Choice: sampler.Choice{Temperature: c.EvalTemperature, TopP: c.EvalTopP},
		N:      c.EvalN, MaxNewTokens: c.MaxNewTokens, Seed: c.Seed ^ 0xe7a1, BatchSize: min(64, len(prompts)*c.EvalN),
		StopTokens: r.env.StopTokens, NewStream: r.env.NewStream,
	})
	if err != nil {
		return nil, fmt.Errorf("train: evaluation at step %d: %w", step, err)
	}
	ev := &RLEval{Step: step, N: c.EvalN, Problems: len(r.eval)}
	correct := make([]int, len(outs))
	for i, o := range outs {
		for _, s := range o {
			out := r.eval[i].Problem.Grade(s.Text)
			correct[i] += intOf(out.Correct)
			ev.FormatRate += b2f(verify.RLFormat(s.Text, c.FormatStrict))
		}
		ev.Accuracy += float64(correct[i]) / float64(c.EvalN)
	}
	ev.Accuracy /= float64(len(outs))
	ev.FormatRate /= float64(len(outs) * c.EvalN)
	for k := 1; ; k *= 2 {
		k = min(k, c.EvalN)
		var sum float64
		for _, n := range correct {
			p, err := passk.PassAtK(c.EvalN, n, k)
			if err != nil {
				return nil, fmt.Errorf("train: evaluation: %w", err)
			}
			sum += p
		}
		ev.PassAtK = append(ev.PassAtK, KPass{K: k, Value: sum / float64(len(correct))})
		if k == c.EvalN {
			break
		}
	}
	ev.Seconds = time.Since(t0).Seconds()
	return ev, nil
}

// rlSeed derives the random seed of (step, i) from the run's seed.
func rlSeed(seed uint64, step, i int) uint64 {
	return splitmix64(splitmix64(seed^uint64(step)*0x9e3779b97f4a7c15) ^ uint64(i))
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// taskFingerprint identifies the training prompts (their ids in order).
func taskFingerprint(tasks []RLTask) string {
	ex := make([]Example, len(tasks))
	for i, t := range tasks {
		ex[i] = Example{Prompt: t.Prompt}
	}
	return fingerprint(ex)
}

func writeRLConfig(path string, c RLConfig) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func cloneWeights(w model.Weights) model.Weights {
	out := make(model.Weights, len(w))
	for name, t := range w {
		out[name] = &arch.Tensor{Shape: t.Shape, Data: append([]float32(nil), t.Data...)}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func intOf(b bool) int {
	if b {
		return 1
	}
	return 0
}
