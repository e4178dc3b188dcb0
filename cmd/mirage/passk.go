package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/atomicfile"
	"github.com/mirage-rl/mirage/passk"
)

// bootstrapFlags are shared by the commands that report intervals.
func bootstrapFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "resamples", Value: passk.DefaultResamples, Usage: "bootstrap resamples of the problems for the intervals (negative: none)"},
		&cli.Uint64Flag{Name: "seed-bootstrap", Value: 0, Usage: "seed of the bootstrap"},
		&cli.Float64Flag{Name: "confidence", Value: passk.DefaultConfidence, Usage: "coverage of the intervals"},
	}
}

func bootstrapOptions(c *cli.Context) passk.Options {
	return passk.Options{Resamples: c.Int("resamples"), Seed: c.Uint64("seed-bootstrap"), Confidence: c.Float64("confidence")}
}

func passkCommand() *cli.Command {
	return &cli.Command{
		Name:      "passk",
		Usage:     "unbiased pass@k, maj@k and mean@k with bootstrap intervals, from scored samples",
		ArgsUsage: " ",
		Description: `Reads scored samples.jsonl files (from mirage verify) or JSONL lines holding only
"id", "n" and "c", and prints pass@k and maj@k per k with 95% bootstrap intervals over problems,
mean@k, the area under the pass@k curve, and a breakdown per data_source.

Several --in files are the shards of one run: each problem must be in exactly one of them, and a
problem in two (a shard given twice, which would double its n with the same completions) is an
error listing the ids. --repeats allows a problem in several files when their sidecars record
different seeds (repeated runs adding samples): their n and c add. --data checks that every
problem of the data file is there.
With --label, each --in gets the label at the same position, files with the same label are
merged, and each label is its own curve (e.g. a base model against its RL-trained version).

Examples:
  mirage passk --in scored.jsonl
  mirage passk --in shard0.jsonl --in shard1.jsonl --data problems.jsonl --k 1,8,64 --csv passk.csv
  mirage passk --in seed1.jsonl --in seed2.jsonl --repeats       # two runs with different --seed
  mirage passk --in base.jsonl --label base --in rl.jsonl --label rl --plot curves.svg
  mirage passk --in counts.jsonl --json     # lines like {"id":"p1","n":256,"c":17}`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "in", Required: true, Usage: "scored samples.jsonl or id/n/c JSONL (repeatable)"},
			&cli.StringSliceFlag{Name: "label", Usage: "curve name for the --in at the same position (repeatable)"},
			&cli.IntSliceFlag{Name: "k", Usage: "values of k (default: powers of two up to the smallest n)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array of reports instead of the table"},
			&cli.StringFlag{Name: "csv", Usage: "also write the values to this CSV file"},
			&cli.StringFlag{Name: "plot", Usage: "also draw pass@k against log2 k to this .svg or .png file"},
			&cli.StringFlag{Name: "title", Usage: "title of the plot"},
			&cli.BoolFlag{Name: "plot-maj", Usage: "draw maj@k curves on the plot too"},
			&cli.StringFlag{Name: "data", Usage: "the problems: each must be in the --in files of every curve (verl parquet, .jsonl or .json)"},
			&cli.IntFlag{Name: "limit", Usage: "with --data: only its first N problems (0: all)"},
			&cli.BoolFlag{Name: "repeats", Usage: "--in files of one curve may hold the same problem if their seeds differ (n and c add)"},
		}, bootstrapFlags()...),
		Action: runPassk,
	}
}

func runPassk(c *cli.Context) error {
	o := pipeline.PassKOptions{Files: c.StringSlice("in"), Labels: c.StringSlice("label"), Repeats: c.Bool("repeats"), PassK: bootstrapOptions(c)}
	o.PassK.Ks = c.IntSlice("k")
	// An output that is an input would replace hours of scored samples with a table or a plot.
	inputs := append(slices.Clone(o.Files), c.String("data"))
	for _, out := range []string{"csv", "plot"} {
		for _, in := range inputs {
			if path := c.String(out); path != "" && in != "" && datasets.SameFile(in, path) {
				return fmt.Errorf("passk: --%s %s is the input file %s; write it to another file", out, path, in)
			}
		}
	}
	if d := c.String("data"); d != "" {
		var err error
		if o.Want, err = dataIDs(d, c.Int("limit")); err != nil {
			return err
		}
	}
	reps, err := pipeline.PassK(o)
	if err != nil {
		return err
	}
	if path := c.String("csv"); path != "" {
		// Replaced whole or not at all: a failed write (a full disk) keeps the old file.
		if err := atomicfile.Write(path, func(w io.Writer) error { return passk.WriteCSV(w, reps) }); err != nil {
			return fmt.Errorf("passk: --csv: %w", err)
		}
	}
	if path := c.String("plot"); path != "" {
		if err := passk.Plot(path, reps, passk.PlotOptions{Title: c.String("title"), Maj: c.Bool("plot-maj")}); err != nil {
			return err
		}
	}
	if c.Bool("json") {
		// The warnings are in the JSON too; stderr makes sure a person sees them.
		for _, r := range reps {
			for _, msg := range r.Warnings {
				fmt.Fprintf(c.App.ErrWriter, "passk: warning: %s\n", msg)
			}
		}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(reps)
	}
	return passk.WriteTable(c.App.Writer, reps)
}
