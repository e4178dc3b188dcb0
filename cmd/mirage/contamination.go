package main

import (
	"encoding/json"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
	"github.com/mirage-rl/mirage/passk"
)

func contaminationCommand() *cli.Command {
	return &cli.Command{
		Name:      "contamination",
		Usage:     "partial-prompt memorisation test (Wu et al. 2025): does the model complete the benchmark's problems verbatim?",
		ArgsUsage: " ",
		Description: `The test of "Reasoning or Memorization?" (Wu et al., arXiv 2507.10532): each problem
statement (the prompt without a known template's instruction: see docs/passk.md) is cut after
40%, 60% and 80% of its tokens (--ratios), and the model continues greedily from BOS, the
instruction before the statement and the cut statement, with no chat template. The first as
many tokens as the rest of the statement has are scored against that rest with ROUGE-L F1 (over lowercased words and single
symbols) and exact match (verbatim up to white space); the whole continuation, up to
--max-new-tokens, is graded like mirage verify for the final answer. A model that reproduces the
problems and answers them from a 40–60% prefix has seen the benchmark; a model that is merely
well aligned with the task does not complete the text verbatim.

Prints a table per ratio (with a breakdown per data_source when there are several); --out
writes every probe as JSONL as soon as it is scored, and --resume continues a killed run from
the probes --out holds; --json prints the table as JSON.

Examples:
  mirage contamination --model testdata/models/tiny-llama --data testdata/data/math500_sample.json --limit 20
  mirage contamination --model qwen2.5-math-7b --data math500.parquet --ratios 0.4,0.6,0.8 --out probes.jsonl`,
		Flags: slices.Concat([]cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model folder", Required: true},
			&cli.StringFlag{Name: "data", Usage: "problems: verl parquet, .jsonl or .json", Required: true},
			&cli.Float64SliceFlag{Name: "ratios", Usage: "fractions of each problem's tokens kept as the prompt", Value: cli.NewFloat64Slice(0.4, 0.6, 0.8)},
			&cli.IntFlag{Name: "max-new-tokens", Usage: "tokens per continuation, for the answer (at least the rest of the problem is generated)", Value: 512},
			&cli.IntFlag{Name: "batch-size", Usage: "sequences decoded together", Value: 32},
			&cli.StringFlag{Name: "device", Usage: "cpu or cuda", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "ONNX Runtime threads on the CPU (0: one per core)"},
			&cli.IntFlag{Name: "limit", Usage: "use only the first N problems (0: all)"},
			&cli.StringFlag{Name: "out", Usage: "write every probe (id, ratio, ROUGE-L, exact match, answer) to this JSONL file"},
			&cli.BoolFlag{Name: "json", Usage: "print the table as JSON instead of Markdown"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			&cli.BoolFlag{Name: "resume", Usage: "keep the probes --out already holds and generate only the others"},
			&cli.BoolFlag{Name: "overwrite", Usage: "start --out afresh even if it holds probes (they are lost)"},
		}, flagsWithout(verifyFlags(), "in", "out", "json", "quiet", "format-penalty", "workers"), bootstrapFlags()),
		Action: runContamination,
	}
}

func runContamination(c *cli.Context) error {
	bar := newSampleBar(c.Bool("quiet"))
	o := pipeline.ContaminationOptions{
		Model:        c.String("model"),
		Data:         c.String("data"),
		Out:          c.String("out"),
		Mode:         outputMode(c),
		Ratios:       c.Float64Slice("ratios"),
		MaxNewTokens: c.Int("max-new-tokens"),
		BatchSize:    c.Int("batch-size"),
		Limit:        c.Int("limit"),
		Load:         loadOptions(c),
		Verify:       verifyOptions(c),
		PassK:        bootstrapOptions(c),
		OnProgress:   bar.update,
		Warn:         warner(c),
	}
	rows, err := pipeline.Contamination(c.Context, o)
	bar.finish()
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return passk.WriteContaminationMarkdown(c.App.Writer, rows, o.PassK)
}
