package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/passk"
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
  mirage align --model DIR --data aime.json --min-pass 0.3 --verdict-k 64 --resume --out-dir align-aime`,
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
	// Check the flags of the later steps before sampling, which can take hours.
	vopts, err := verifyOptionsFromFlags(c)
	if err != nil {
		return err
	}
	rule := passk.Rule{MinPass: c.Float64("min-pass"), K: c.Int("verdict-k"), MinAUC: c.Float64("min-auc")}
	opts := bootstrapOptions(c)
	opts.Ks = c.IntSlice("k")
	if err := errors.Join(rule.Validate(), opts.Validate()); err != nil {
		return err
	}
	dir := c.String("out-dir")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("align: %w", err)
	}
	samplesPath := filepath.Join(dir, "samples.jsonl")
	scoredPath := filepath.Join(dir, "scored.jsonl")

	// 1. Sample.
	if _, err := sampleFile(c, samplesPath); err != nil {
		return err
	}

	// 2. Verify.
	vbar := newVerifyBar(c.Bool("quiet"))
	sum, err := verifyFile(c.Context, samplesPath, scoredPath, vopts, vbar.update)
	vbar.finish()
	printVerifySummary(c.App.ErrWriter, sum)
	if err != nil {
		return err
	}

	// 3. pass@k and the report.
	recs, err := passk.ReadFile(scoredPath)
	if err != nil {
		return err
	}
	opts.Label = c.String("label")
	if opts.Label == "" {
		opts.Label = filepath.Base(filepath.Clean(c.String("model")))
	}
	rep, err := passk.Estimate(recs, opts)
	if err != nil {
		return err
	}
	a, err := passk.Align(rep, rule)
	if err != nil {
		return err
	}
	a.Model, a.Data = c.String("model"), c.String("data")
	for _, name := range []string{"passk.svg", "passk.png"} {
		if err := passk.Plot(filepath.Join(dir, name), []*passk.Report{rep}, passk.PlotOptions{Title: "pass@k: " + opts.Label, Maj: len(rep.MajAtK) > 0}); err != nil {
			return err
		}
	}
	a.Plot = "passk.svg"
	if err := writeFileWith(filepath.Join(dir, "report.md"), func(f *os.File) error { return a.WriteMarkdown(f) }); err != nil {
		return err
	}
	if err := writeFileWith(filepath.Join(dir, "report.json"), func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}); err != nil {
		return err
	}
	if err := passk.WriteTable(c.App.Writer, []*passk.Report{rep}); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "\n%s\nreport: %s\n", a.Summary(), filepath.Join(dir, "report.md"))
	return nil
}
