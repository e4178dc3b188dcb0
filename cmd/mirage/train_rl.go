package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train"
	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// rlFlag is one hyper-parameter flag and how it sets train.RLConfig; flags the user did not
// set leave the preset's (or the default) value. value, when set, reads the field back, so
// that a 0 given on the command line that the default would replace is refused.
type rlFlag struct {
	flag  cli.Flag
	set   func(c *cli.Context, name string, cfg *train.RLConfig)
	value func(cfg train.RLConfig) float64
}

// usageDefault splits "text (default D)" into the text and D, so that --help shows the real
// default ("(default: 300)") instead of the flag's zero value.
func usageDefault(usage string) (string, string) {
	text, def, ok := strings.Cut(usage, " (default ")
	if !ok || !strings.HasSuffix(def, ")") {
		return usage, ""
	}
	return text, strings.TrimSuffix(def, ")")
}

func rlInt(name, usage string, field func(*train.RLConfig) *int) rlFlag {
	usage, def := usageDefault(usage)
	return rlFlag{&cli.IntFlag{Name: name, Usage: usage, DefaultText: def}, func(c *cli.Context, n string, cfg *train.RLConfig) { *field(cfg) = c.Int(n) },
		func(cfg train.RLConfig) float64 { return float64(*field(&cfg)) }}
}

func rlFloat(name, usage string, field func(*train.RLConfig) *float64) rlFlag {
	usage, def := usageDefault(usage)
	return rlFlag{&cli.Float64Flag{Name: name, Usage: usage, DefaultText: def}, func(c *cli.Context, n string, cfg *train.RLConfig) { *field(cfg) = c.Float64(n) },
		func(cfg train.RLConfig) float64 { return *field(&cfg) }}
}

func rlBool(name, usage string, field func(*train.RLConfig) *bool) rlFlag {
	return rlFlag{flag: &cli.BoolFlag{Name: name, Usage: usage}, set: func(c *cli.Context, n string, cfg *train.RLConfig) { *field(cfg) = c.Bool(n) }}
}

func rlString(name, usage string, field func(*train.RLConfig) *string) rlFlag {
	usage, def := usageDefault(usage)
	return rlFlag{flag: &cli.StringFlag{Name: name, Usage: usage, DefaultText: def}, set: func(c *cli.Context, n string, cfg *train.RLConfig) { *field(cfg) = c.String(n) }}
}

// rlFlags are the hyper-parameters of mirage train rl, in RLConfig order.
var rlFlags = []rlFlag{
	rlInt("steps", "RL steps (default 300)", func(c *train.RLConfig) *int { return &c.Steps }),
	rlInt("batch-prompts", "prompts (groups) per step (default 8; paper 128)", func(c *train.RLConfig) *int { return &c.BatchPrompts }),
	rlInt("n", "completions per prompt, the group size (default 8; paper 16)", func(c *train.RLConfig) *int { return &c.N }),
	rlInt("mini-batch-prompts", "groups per optimizer update (default --batch-prompts; paper 64)", func(c *train.RLConfig) *int { return &c.MiniBatchPrompts }),
	rlInt("ppo-epochs", "passes over each step's samples (default 1)", func(c *train.RLConfig) *int { return &c.PPOEpochs }),
	rlInt("micro-batch", "sequences per forward/backward pass, memory only: the result does not depend on it (default 32)", func(c *train.RLConfig) *int { return &c.MicroBatch }),
	rlFloat("temperature", "sampling temperature (default 1)", func(c *train.RLConfig) *float64 { return &c.Temperature }),
	rlFloat("top-p", "sampling top-p (default off)", func(c *train.RLConfig) *float64 { return &c.TopP }),
	rlInt("top-k", "sampling top-k (default off)", func(c *train.RLConfig) *int { return &c.TopK }),
	rlInt("max-new-tokens", "tokens per completion at most (default 256; paper 8192)", func(c *train.RLConfig) *int { return &c.MaxNewTokens }),
	{&cli.StringFlag{Name: "reward", Usage: "ground_truth, random, incorrect, format, majority or entropy", DefaultText: "ground_truth"},
		func(c *cli.Context, n string, cfg *train.RLConfig) { cfg.Reward = verify.RewardKind(c.String(n)) }, nil},
	rlFloat("p", "probability of reward 1 under --reward random (default 0.5)", func(c *train.RLConfig) *float64 { return &c.RewardP }),
	rlBool("format-strict", "the released code's format regex: a newline inside <think> or <answer> scores 0", func(c *train.RLConfig) *bool { return &c.FormatStrict }),
	{&cli.StringFlag{Name: "adv", Usage: "grpo, dr_grpo, rloo, psr, nsr, psr_raw, nsr_raw or w_reinforce", DefaultText: "grpo"},
		func(c *cli.Context, n string, cfg *train.RLConfig) { cfg.Advantage = train.Advantage(c.String(n)) }, nil},
	rlFloat("lambda", "W-REINFORCE's weight of correct completions (default 0.1)", func(c *train.RLConfig) *float64 { return &c.Lambda }),
	rlFloat("clip-low", "ratio clipped below at 1 − this (default 0.2; negative: open)", func(c *train.RLConfig) *float64 { return &c.ClipLow }),
	rlFloat("clip-high", "ratio clipped above at 1 + this (default 0.28; negative: open)", func(c *train.RLConfig) *float64 { return &c.ClipHigh }),
	rlFloat("clip-c", "dual-clip constant for negative advantages (default 0: off; paper 10)", func(c *train.RLConfig) *float64 { return &c.ClipC }),
	rlFloat("kl-coef", "KL penalty to the initial policy (default 0: off)", func(c *train.RLConfig) *float64 { return &c.KLCoef }),
	rlString("kl-type", "KL estimator k1 or k3 (default k3)", func(c *train.RLConfig) *string { return &c.KLType }),
	rlFloat("entropy-coef", "entropy bonus (default 0)", func(c *train.RLConfig) *float64 { return &c.EntropyCoef }),
	rlString("loss-agg", "token-mean, seq-mean-token-sum or seq-mean-token-mean (default token-mean)", func(c *train.RLConfig) *string { return &c.LossAgg }),
	rlFloat("tis-cap", "truncated importance sampling: weigh tokens by min(π_trainer/π_sampler, C) (default 0: off)", func(c *train.RLConfig) *float64 { return &c.TISCap }),
	rlBool("dynamic-sampling", "drop groups with one reward and sample more prompts (up to --max-gen-batches)", func(c *train.RLConfig) *bool { return &c.DynamicSampling }),
	rlInt("max-gen-batches", "generation batches per step under --dynamic-sampling (default 2)", func(c *train.RLConfig) *int { return &c.MaxGenBatches }),
	rlFloat("lr", "learning rate, constant after the warm-up (default 1e-6)", func(c *train.RLConfig) *float64 { return &c.LR }),
	rlInt("warmup", "linear warm-up steps (default 0; paper 10)", func(c *train.RLConfig) *int { return &c.WarmupSteps }),
	rlFloat("weight-decay", "AdamW weight decay, matrices only (default 0; paper 0.1)", func(c *train.RLConfig) *float64 { return &c.WeightDecay }),
	rlFloat("beta1", "Adam β1 (default 0.9)", func(c *train.RLConfig) *float64 { return &c.Beta1 }),
	rlFloat("beta2", "Adam β2 (default 0.999)", func(c *train.RLConfig) *float64 { return &c.Beta2 }),
	rlFloat("clip", "global gradient norm cap per update (default 1; negative: off)", func(c *train.RLConfig) *float64 { return &c.ClipNorm }),
	{&cli.Uint64Flag{Name: "seed", Usage: "prompt order, sampling streams and the random reward"},
		func(c *cli.Context, n string, cfg *train.RLConfig) { cfg.Seed = c.Uint64(n) }, nil},
	{&cli.IntFlag{Name: "one-shot-index", Usage: "train on this one prompt of --data (0-based), repeated to fill each batch", DefaultText: "off: every prompt"},
		func(c *cli.Context, n string, cfg *train.RLConfig) { cfg.OneShot, cfg.OneShotIndex = true, c.Int(n) }, nil},
	rlInt("eval-every", "evaluate pass@k on --eval-data every N steps (and before the first, after the last)", func(c *train.RLConfig) *int { return &c.EvalEvery }),
	rlInt("eval-n", "samples per evaluation prompt (default 16; paper 1)", func(c *train.RLConfig) *int { return &c.EvalN }),
	rlFloat("eval-temperature", "evaluation temperature (default --temperature)", func(c *train.RLConfig) *float64 { return &c.EvalTemperature }),
	rlFloat("eval-top-p", "evaluation top-p (default off; paper 0.7)", func(c *train.RLConfig) *float64 { return &c.EvalTopP }),
	rlInt("checkpoint-every", "checkpoint every N steps (default 1: a kill loses at most the step in flight)", func(c *train.RLConfig) *int { return &c.CheckpointEvery }),
	rlInt("keep-checkpoints", "newest checkpoints kept (default 2)", func(c *train.RLConfig) *int { return &c.KeepCheckpoints }),
}

func trainRLCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "starting policy `DIR`: a mirage ONNX folder (an SFT run's --out) or config.json + safetensors", Required: true},
		&cli.StringFlag{Name: "tokenizer", Usage: "folder with tokenizer.json (default: --model)"},
		&cli.StringFlag{Name: "data", Usage: "training problems `FILE` (verl parquet, JSONL, JSON)", Required: true},
		&cli.StringFlag{Name: "eval-data", Usage: "held-out problems `FILE` for pass@k"},
		&cli.StringFlag{Name: "template", Usage: "prompts: chat (the model's chat template), raw (text + BOS) or none", Value: "chat"},
		&cli.StringFlag{Name: "grader", Usage: "auto, math, math-strict (the released code's exact string match), math-verify or synlogic", Value: "auto"},
		&cli.StringFlag{Name: "format", Usage: "where the math grader looks for the answer: think-answer, boxed or any", Value: "think-answer"},
		&cli.StringFlag{Name: "out", Usage: "output folder: rl_config.json, steps.jsonl, eval.jsonl, checkpoints, policy/, final model", Required: true},
		&cli.StringFlag{Name: "backend", Usage: "trainer backend: go (pure Go) or xla (build with -tags xla)", Value: "go"},
		&cli.StringFlag{Name: "device", Usage: "sampler device: cpu or cuda", Value: "cpu"},
		&cli.IntFlag{Name: "threads", Usage: "sampler ONNX Runtime threads (0: its default)"},
		&cli.StringFlag{Name: "policy-layout", Usage: "graph of policy/, which the sampler serves during the run: standard, or ort (ONNX Runtime contrib operators and an in-place KV cache: faster sampling; head size a multiple of 16)", Value: train.LayoutStandard},
		&cli.BoolFlag{Name: "resume", Usage: "continue from the newest checkpoint in --out"},
		&cli.StringFlag{Name: "preset", Usage: "start from a preset's values (paper: the paper's scripts); flags override it"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
	}
	for _, f := range rlFlags {
		flags = append(flags, f.flag)
	}
	return &cli.Command{
		Name:      "rl",
		Usage:     "RL from verifiable rewards (GRPO family): the paper's RQ1–RQ3 variants",
		ArgsUsage: " ",
		Description: `Each step samples --n completions for --batch-prompts prompts with the ONNX Runtime sampler,
grades them (mirage verify's graders), turns grades into rewards (--reward) and advantages (--adv),
updates the policy with the clipped objective (GoMLX), re-exports the weights into --out/policy
(the data file only, renamed into place) and reloads the sampler's session in place.

Per step, steps.jsonl records the training reward, the ground-truth accuracy whatever the reward
(what reveals a mirage), format rate, length, entropy, clip fractions, KL to the initial policy,
the sampler/trainer log-prob mismatch, kept groups and the time split; eval.jsonl holds unbiased
pass@k on --eval-data. A killed run continues with --resume from its last checkpoint and ends as
an uninterrupted one would. See docs/rl.md for every reward, estimator and where mirage differs
from the released code.

Examples:
   mirage train rl --model sft-run --data train.parquet --eval-data val.parquet --out rl-gt --preset paper
   mirage train rl --model sft-run --data train.parquet --out rl-random --preset paper --reward random --p 0.5
   mirage train rl --model sft-run --data train.parquet --out rl-nsr --preset paper --adv nsr
   mirage train rl --model sft-run --data train.parquet --out rl-1shot --one-shot-index 7 --steps 100
   mirage train rl --model tiny --data arith.jsonl --out tiny-rl --template raw --lr 1e-4 --resume`,
		Flags:  flags,
		Action: trainRLAction,
	}
}

func trainRLAction(c *cli.Context) error {
	var cfg train.RLConfig
	switch p := c.String("preset"); p {
	case "":
	case "paper":
		cfg = train.PaperConfig()
	default:
		return fmt.Errorf("train: --preset %q: want paper", p)
	}
	for _, f := range rlFlags {
		if name := f.flag.Names()[0]; c.IsSet(name) {
			f.set(c, name, &cfg)
		}
	}
	// A 0 the user typed must not silently become a default (--p 0 sampling at 0.5).
	resolved := cfg.WithDefaults()
	for _, f := range rlFlags {
		if name := f.flag.Names()[0]; c.IsSet(name) && f.value != nil && f.value(cfg) == 0 && f.value(resolved) != 0 {
			return fmt.Errorf("train: --%s 0 would run with the default %v; give another value, or leave the flag out for the default", name, f.value(resolved))
		}
	}
	grader, err := verify.ParseGrader(c.String("grader"))
	if err != nil {
		return err
	}
	format, err := vmath.ParseFormat(c.String("format"))
	if err != nil {
		return err
	}
	bar := newRLBar(c.Bool("quiet"))
	opts := train.RLOptions{
		ModelDir:     c.String("model"),
		TokenizerDir: c.String("tokenizer"),
		Data:         c.String("data"),
		EvalData:     c.String("eval-data"),
		Template:     c.String("template"),
		Verify:       verify.Options{Grader: grader, Format: format},
		OutDir:       c.String("out"),
		Backend:      c.String("backend"),
		Sampler:      sampler.ModelOptions{Device: c.String("device"), Threads: c.Int("threads")},
		PolicyLayout: c.String("policy-layout"),
		Resume:       c.Bool("resume"),
		Config:       cfg,
		OnStep:       bar.update,
	}
	res, err := train.RunRL(c.Context, opts)
	bar.finish()
	if err != nil {
		if c.Context.Err() != nil {
			return fmt.Errorf("train: interrupted; continue from the last checkpoint with --resume: %w", err)
		}
		return err
	}
	if s := res.Last; !c.Bool("quiet") && res.Steps > 0 {
		msg := fmt.Sprintf("trained %d RL steps in %s: reward %.3f, accuracy %.3f", s.Step, (time.Duration(s.ElapsedS) * time.Second).Round(time.Second), s.Reward, s.Accuracy)
		if res.Eval != nil && len(res.Eval.PassAtK) > 0 {
			msg += fmt.Sprintf(", eval pass@1 %.3f", res.Eval.PassAtK[0].Value)
		}
		fmt.Fprintf(os.Stderr, "%s; model folder %s\n", msg, opts.OutDir)
	}
	return nil
}

// rlBar draws RL progress: one bar over the steps with the step's key figures.
type rlBar struct{ stderrBar }

func newRLBar(quiet bool) *rlBar {
	return &rlBar{newStderrBar(quiet, progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetDescription("rl"))}
}

func (b *rlBar) update(s train.RLStep) error {
	b.set(s.Step, s.Steps, rlStepLine(s))
	return nil
}

// rlStepLine is the progress line's account of one step: every figure of the list
// that steps.jsonl records (training reward, ground-truth accuracy, format rate, length,
// entropy, clip fraction, KL to the initial policy, sampler/trainer log-prob mismatch, kept
// groups) and the time split, then the evaluation's pass@1 when the step ran one.
func rlStepLine(s train.RLStep) string {
	line := fmt.Sprintf("reward %.3f acc %.3f fmt %.2f len %.0f ent %.3g clip %.3f kl %.3g lpdiff %.2g kept %d/%d | sample %.1fs grade %.1fs update %.1fs export %.2fs",
		s.Reward, s.Accuracy, s.FormatRate, s.ResponseLen, s.Entropy, s.ClipFrac, s.KLRef, s.LogprobDiffMax, s.KeptGroups, s.SampledGroups,
		s.SampleS, s.GradeS, s.UpdateS, s.ExportS)
	if s.Eval != nil && len(s.Eval.PassAtK) > 0 {
		line += fmt.Sprintf(" | eval pass@1 %.3f", s.Eval.PassAtK[0].Value)
	}
	return line
}
