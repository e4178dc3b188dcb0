package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/verify"
)

// flagsWithout returns flags minus the ones named in drop: align and contamination take
// mirage sample's and mirage verify's flags from those commands, so they cannot drift apart.
func flagsWithout(flags []cli.Flag, drop ...string) []cli.Flag {
	var out []cli.Flag
	for _, f := range flags {
		if !slices.Contains(drop, f.Names()[0]) {
			out = append(out, f)
		}
	}
	return out
}

func alignCommand() *cli.Command {
	return &cli.Command{
		Name:      "align",
		Usage:     "sample → verify → pass@k: the model–task alignment report of a model on a benchmark",
		ArgsUsage: " ",
		Description: `Samples --n completions per problem (the flags of mirage sample), scores them, and writes
the alignment report to --out-dir: report.md, report.json, passk.svg and passk.png, with
samples.jsonl and scored.jsonl beside them. The verdict is "strong" when pass@k at the largest k
(or --verdict-k) reaches --min-pass (default 0.5: most problems are solved by some sample, the
regime in which "Mirage or Method?" finds that RL mostly sharpens what the model already does),
and "weak" otherwise; the rule and thresholds are printed with it.

Examples:
  mirage align --model testdata/models/tiny-llama --data testdata/data/math500_sample.json --n 16 --max-new-tokens 64 --out-dir out/align
  mirage align --model qwen2.5-math-1.5b --data math500.parquet --n 256 --temperature 1 --top-p 1 --out-dir align-qwen
  mirage align --model DIR --data aime.json --min-pass 0.3 --verdict-k 64 --resume --out-dir align-aime
  mirage align --model DIR --data math500.parquet --n 256 --shard 2/8 --out-dir align/shard-2   # one task of a batch job

With --shard (or a batch job's task variables, see mirage sample) align samples and scores only
its shard and writes no report: merge the shards' scored.jsonl with mirage merge, then run
mirage passk (deploy/ has a Kubernetes Indexed Job and a Slurm array script doing this).`,
		Flags: slices.Concat(flagsWithout(sampleCommand().Flags, "out", "n"), flagsWithout(verifyFlags(), "in", "out", "json", "quiet"), []cli.Flag{
			&cli.IntFlag{Name: "n", Usage: "completions per problem", Value: 256},
			&cli.StringFlag{Name: "out-dir", Usage: "folder for samples, scores and the report", Value: "align"},
			&cli.IntSliceFlag{Name: "k", Usage: "values of k (default: powers of two up to n)"},
			&cli.Float64Flag{Name: "min-pass", Usage: "pass@k at or above which alignment is strong", Value: passk.DefaultMinPass},
			&cli.IntFlag{Name: "verdict-k", Usage: "the k the verdict reads (0: the largest)"},
			&cli.Float64Flag{Name: "min-auc", Usage: "also require this area under the pass@k curve for strong (0: not used)"},
			&cli.StringFlag{Name: "label", Usage: "name of the curve in the plot (default: the model folder's name)"},
		}, bootstrapFlags()),
		Action: runAlign,
	}
}

func runAlign(c *cli.Context) error {
	o := pipeline.AlignOptions{
		Sample: sampleOptions(c, ""),
		Verify: pipeline.VerifyOptions{Verify: verifyOptions(c)},
		Dir:    c.String("out-dir"),
		PassK:  bootstrapOptions(c),
		Rule:   passk.Rule{MinPass: c.Float64("min-pass"), K: c.Int("verdict-k"), MinAUC: c.Float64("min-auc")},
	}
	o.PassK.Ks, o.PassK.Label = c.IntSlice("k"), c.String("label")
	sbar, vbar := newSampleBar(c.Bool("quiet")), newVerifyBar(c.Bool("quiet"))
	o.Sample.OnProgress = sbar.update
	o.Verify.OnProgress = func(done int) {
		sbar.finish() // sampling is over once grading starts
		vbar.update(done)
	}
	o.OnVerified = func(sum verify.Summary) {
		sbar.finish()
		vbar.finish()
		printVerifySummary(c.App.ErrWriter, sum)
	}
	shard, err := shardFromFlags(c)
	if err != nil {
		return err
	}
	o.Sample.Shard = shard
	res, err := pipeline.Align(c.Context, o)
	sbar.finish()
	if err != nil {
		return err
	}
	if res.Report == nil {
		fmt.Fprintf(c.App.Writer, "shard %s: %s; when every shard is done: mirage merge SHARD-DIRS/scored.jsonl --data %s --out scored.jsonl, then mirage passk --in scored.jsonl\n",
			shard, res.Scored, c.String("data"))
		return nil
	}
	if err := passk.WriteTable(c.App.Writer, []*passk.Report{res.Report}); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "\n%s\nreport: %s\n", res.Alignment.Summary(), res.ReportPath)
	return nil
}
