package main

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/train"
)

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train models with mirage's native GoMLX trainer",
		Subcommands: []*cli.Command{
			trainSFTCommand(),
			trainRLCommand(),
		},
	}
}

func trainSFTCommand() *cli.Command {
	return &cli.Command{
		Name:      "sft",
		Usage:     "supervised fine-tuning on prompt/response pairs; exports the result as an ONNX model folder",
		ArgsUsage: " ",
		Description: `Trains on the response tokens only (the prompt is context), with AdamW, a warm-up and a cosine
or constant schedule, global-norm clipping and gradient accumulation. Writes metrics.jsonl and
checkpoints/ to --out; a killed run continues with --resume and ends with the same weights as an
uninterrupted one. At the end --out is a complete model folder for mirage sample (model.onnx,
model.onnx.data, model.safetensors, config.json, tokenizer files).

--data is JSONL of {"prompt": "...", "response": "..."} (text, tokenized with the model's
tokenizer; EOS is appended to each response), of {"prompt_ids": [...], "response_ids": [...]}
(token ids, used as they are), or any problems file mirage reads (verl parquet, JSONL, JSON;
the ground_truth becomes the response). Prompts are rendered with --template as mirage sample
does (chat by default: the model's chat template with the assistant-turn opening), so train and
sample with the same --template.

Examples:
   mirage train sft --model qwen-0.5b --data pairs.jsonl --out sft-run --lr 1e-5 --batch-size 4 --grad-accum 8
   mirage train sft --init-config tiny.json --tokenizer testdata/models/tiny-llama --data pairs.jsonl \
       --out tiny-run --lr 1e-3 --steps 2000 --warmup 100 --checkpoint-every 200 --eval-data eval.jsonl --eval-every 100
   mirage train sft --init-config tiny.json --data ids.jsonl --out tiny-run --steps 2000 --resume   # after a kill

--model reads config.json plus model.safetensors (or its shards), or a model.onnx mirage wrote.
--init-config starts from random weights (seeded by --seed). --backend xla needs a binary built
with -tags xla.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "starting model `DIR` (config.json + safetensors, or a mirage ONNX folder)"},
			&cli.StringFlag{Name: "init-config", Usage: "start from random weights for this config.json `FILE`"},
			&cli.StringFlag{Name: "tokenizer", Usage: "folder with tokenizer.json (default: --model)"},
			&cli.StringFlag{Name: "data", Usage: "training pairs `FILE` (see above)", Required: true},
			&cli.StringFlag{Name: "eval-data", Usage: "evaluation pairs `FILE`"},
			&cli.StringFlag{Name: "template", Usage: "text prompts: chat (the model's chat template, as mirage sample's default), raw (text + BOS) or none", Value: "chat"},
			&cli.StringFlag{Name: "out", Usage: "output folder: metrics, checkpoints, final model", Required: true},
			&cli.StringFlag{Name: "backend", Usage: "go (pure Go) or xla (build with -tags xla)", Value: "go"},
			&cli.BoolFlag{Name: "resume", Usage: "continue from the newest checkpoint in --out"},
			&cli.IntFlag{Name: "steps", Usage: "optimizer steps (0: one pass over the data)"},
			&cli.IntFlag{Name: "batch-size", Usage: "sequences per micro-batch", Value: 8},
			&cli.IntFlag{Name: "grad-accum", Usage: "micro-batches per optimizer step", Value: 1},
			&cli.IntFlag{Name: "max-seq-len", Usage: "prompt+response tokens kept per example", Value: 512},
			&cli.Float64Flag{Name: "lr", Usage: "peak learning rate", Value: 1e-4},
			&cli.StringFlag{Name: "schedule", Usage: "cosine or constant after the warm-up", Value: "cosine"},
			&cli.IntFlag{Name: "warmup", Usage: "linear warm-up steps"},
			&cli.Float64Flag{Name: "min-lr-ratio", Usage: "final cosine rate as a fraction of --lr"},
			&cli.Float64Flag{Name: "weight-decay", Usage: "AdamW decoupled weight decay (matrices only)"},
			&cli.Float64Flag{Name: "beta1", Value: 0.9},
			&cli.Float64Flag{Name: "beta2", Value: 0.999},
			&cli.Float64Flag{Name: "clip", Usage: "global gradient norm cap (negative: off)", Value: 1},
			&cli.Uint64Flag{Name: "seed", Usage: "data order and --init-config weights"},
			&cli.IntFlag{Name: "eval-every", Usage: "evaluation loss every N steps (0: at the end)"},
			&cli.IntFlag{Name: "checkpoint-every", Usage: "checkpoint every N steps (0: at the end)"},
			&cli.IntFlag{Name: "keep-checkpoints", Usage: "newest checkpoints kept", Value: 2},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		},
		Action: trainSFTAction,
	}
}

func trainSFTAction(c *cli.Context) error {
	// In train.SFTConfig a zero count means "the default"; given on the command line it is a
	// value, and not a valid one.
	for _, name := range []string{"batch-size", "grad-accum", "max-seq-len", "keep-checkpoints"} {
		if c.IsSet(name) && c.Int(name) == 0 {
			return fmt.Errorf("train: --%s 0; want at least 1", name)
		}
	}
	bar := newTrainBar(c.Bool("quiet"))
	opts := train.SFTOptions{
		ModelDir:     c.String("model"),
		InitConfig:   c.String("init-config"),
		TokenizerDir: c.String("tokenizer"),
		Data:         c.String("data"),
		EvalData:     c.String("eval-data"),
		Template:     c.String("template"),
		OutDir:       c.String("out"),
		Backend:      c.String("backend"),
		Resume:       c.Bool("resume"),
		Config: train.SFTConfig{
			Steps: c.Int("steps"), BatchSize: c.Int("batch-size"), GradAccum: c.Int("grad-accum"), MaxSeqLen: c.Int("max-seq-len"),
			LR: new(c.Float64("lr")), Schedule: c.String("schedule"), WarmupSteps: c.Int("warmup"), MinLRRatio: c.Float64("min-lr-ratio"),
			WeightDecay: c.Float64("weight-decay"), Beta1: new(c.Float64("beta1")), Beta2: new(c.Float64("beta2")), ClipNorm: new(c.Float64("clip")),
			Seed: c.Uint64("seed"), EvalEvery: c.Int("eval-every"), CheckpointEvery: c.Int("checkpoint-every"),
			KeepCheckpoints: c.Int("keep-checkpoints"),
		},
		OnProgress: bar.update,
	}
	err := train.RunSFT(c.Context, opts)
	bar.finish()
	if err != nil {
		if c.Context.Err() != nil {
			return fmt.Errorf("train: interrupted; continue from the last checkpoint with --resume: %w", err)
		}
		return err
	}
	if p := bar.last; !c.Bool("quiet") && p.Step > 0 {
		fmt.Fprintf(os.Stderr, "trained %d steps (%d response tokens) in %s, final loss %.4f; model folder %s\n",
			p.Step, p.Tokens, p.Elapsed.Round(time.Second), p.Loss, opts.OutDir)
	}
	return nil
}

// trainBar draws training progress and keeps the last report.
type trainBar struct {
	stderrBar
	last train.Progress
}

func newTrainBar(quiet bool) *trainBar {
	return &trainBar{stderrBar: newStderrBar(quiet, progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetDescription("training"))}
}

func (b *trainBar) update(p train.Progress) {
	b.last = p
	desc := fmt.Sprintf("loss %.4f lr %.2g", p.Loss, p.LR)
	if !math.IsNaN(p.EvalLoss) {
		desc += fmt.Sprintf(" eval %.4f", p.EvalLoss)
	}
	b.set(p.Step, p.Steps, desc)
}
