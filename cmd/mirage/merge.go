package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "join the samples files of a sharded run into one, each problem of the data file exactly once",
		ArgsUsage: "FILES...",
		Description: `Reads the samples (or scored) files of the shards of one run (mirage sample|align --shard)
and writes one file with every problem of --data exactly once, in data order. It refuses, listing
the ids, a problem no file holds (a shard missing or unfinished), one held twice (a shard given
twice) and ids that are not problems of --data; and files whose sidecars record other models or
flags. Lines are copied unchanged; the output's sidecar records the run's settings without the
shard.

--repeats joins repeated runs instead (more samples of the same problems): a problem may then be
in several files if they come from different --seed, and its completions are concatenated.

Examples:
   mirage merge align/shard-*/scored.jsonl --data math500.parquet --out scored.jsonl
   mirage merge s-0.jsonl s-1.jsonl s-2.jsonl --data problems.jsonl --out samples.jsonl --overwrite
   mirage merge seed1.jsonl seed2.jsonl --data problems.jsonl --out more.jsonl --repeats`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Usage: "the problems the shards were sampled from (verl parquet, .jsonl or .json; required)"},
			&cli.StringFlag{Name: "out", Usage: "samples file to write (required)"},
			&cli.IntFlag{Name: "limit", Usage: "the runs' --limit: only the first N problems of --data (0: all)"},
			&cli.BoolFlag{Name: "repeats", Usage: "the files are runs with different seeds: concatenate a problem's completions"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace --out if it already holds samples"},
			&cli.BoolFlag{Name: "json", Usage: "print what was written as JSON on stdout"},
		},
		Action: func(c *cli.Context) error {
			files, err := flagsAmongArgs(c)
			if err != nil {
				return err
			}
			if len(files) == 0 || c.String("data") == "" || c.String("out") == "" {
				return fmt.Errorf("merge: want mirage merge FILES... --data FILE --out FILE")
			}
			if datasets.SameFile(c.String("data"), c.String("out")) {
				// --overwrite would replace the problems with the merged samples.
				return fmt.Errorf("merge: --out %s is the --data file; write the merged samples to another file", c.String("out"))
			}
			ids, err := dataIDs(c.String("data"), c.Int("limit"))
			if err != nil {
				return err
			}
			mode := datasets.Keep
			if c.Bool("overwrite") {
				mode = datasets.Overwrite
			}
			rep, err := datasets.MergeSamples(ids, files, c.String("out"), datasets.MergeOptions{Repeats: c.Bool("repeats"), Mode: mode})
			for _, w := range rep.Warnings {
				fmt.Fprintf(c.App.ErrWriter, "merge: warning: %s\n", w)
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return json.NewEncoder(c.App.Writer).Encode(rep)
			}
			fmt.Fprintf(c.App.ErrWriter, "merge: %d problems, %d completions from %d files → %s\n", rep.Problems, rep.Completions, rep.Files, c.String("out"))
			return nil
		},
	}
}

// flagsAmongArgs sets the flags that follow the first file argument (urfave/cli stops reading
// flags there, but mirage merge FILES... --data FILE --out FILE puts them last) and returns the
// other arguments.
func flagsAmongArgs(c *cli.Context) ([]string, error) {
	bools := map[string]bool{}
	names := map[string]bool{}
	for _, f := range c.Command.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			names[n], bools[n] = true, isBool
		}
	}
	var rest []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || a == "-" || !names[name] {
			rest = append(rest, a)
			continue
		}
		switch {
		case hasValue:
		case bools[name]:
			value = "true"
		case i+1 < len(args):
			i++
			value = args[i]
		default:
			return nil, fmt.Errorf("%s: flag %s needs a value", c.Command.Name, a)
		}
		if err := c.Set(name, value); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.Command.Name, a, err)
		}
	}
	return rest, nil
}

// dataIDs are the ids of the problems of a data file, in order, limited to the first limit.
func dataIDs(path string, limit int) ([]string, error) {
	problems, err := datasets.ReadProblems(path)
	if err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, fmt.Errorf("--limit %d; want 0 (all) or more", limit)
	}
	if limit > 0 && limit < len(problems) {
		problems = problems[:limit]
	}
	ids := make([]string, len(problems))
	for i, p := range problems {
		ids[i] = p.ID
	}
	return ids, nil
}
