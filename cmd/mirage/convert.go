package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
)

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:  "convert",
		Usage: "convert SynLogic, DeepScaleR and any verl-style data to and from verl parquet",
		Description: `Builds the training and test files of the paper's two domains (SynLogic-Easy logic,
DeepScaleR math) in verl's parquet format, converts between verl parquet and JSON/JSONL, builds
one-shot training sets, and summarises data files. Outputs are chosen by extension: .parquet
(verl parquet, as pyarrow writes it for verl's preprocessing), .jsonl or .json.`,
		Subcommands: []*cli.Command{
			convertDeepScaleRCommand(),
			convertSynLogicCommand(),
			convertGenericCommand("jsonl", "JSON or JSONL (DeepScaleR, GSM8K, verl rows, mirage problems) to verl parquet or JSONL",
				`  mirage convert jsonl --in gsm8k_train.jsonl --data-source openai/gsm8k --ability math --template boxed --out gsm8k.parquet
  mirage convert jsonl --in items.jsonl --prompt-field q --answer-field a --id-field uid --out items.parquet`),
			convertGenericCommand("parquet", "verl parquet to JSONL/JSON (or to parquet again, to dedupe, shuffle, cut or split it)",
				`  mirage convert parquet --in train.parquet --out train.jsonl
  mirage convert parquet --in train.parquet --out rows.jsonl --verl-json
  mirage convert parquet --in big.parquet --shuffle --seed 1 --limit 5000 --out small.parquet`),
			convertOneShotCommand(),
			convertStatsCommand(),
		},
	}
}

// selectFlags are the post-processing flags shared by the converters.
func selectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "dedupe", Usage: "drop problems whose normalised text (lower case, white space collapsed) repeats an earlier one"},
		&cli.BoolFlag{Name: "shuffle", Usage: "shuffle the problems (after --dedupe, before --limit)"},
		&cli.Uint64Flag{Name: "seed", Usage: "seed of --shuffle and of held-out picks"},
		&cli.IntFlag{Name: "limit", Usage: "keep the first N problems (0: all)"},
		&cli.Float64Flag{Name: "test-fraction", Usage: "move this fraction of the problems (the last ones) to --test-out"},
		&cli.IntFlag{Name: "test-size", Usage: "move this many problems (the last ones) to --test-out"},
		&cli.StringFlag{Name: "test-out", Usage: "file for the test split (needs --test-fraction or --test-size)"},
		&cli.StringFlag{Name: "compression", Value: "snappy", Usage: "parquet compression: snappy, zstd, gzip or none"},
		&cli.IntFlag{Name: "row-group-rows", Value: datasets.DefaultRowGroupRows, Usage: "rows per parquet row group"},
		&cli.BoolFlag{Name: "verl-json", Usage: "JSON/JSONL outputs hold verl rows (data_source, prompt, ...) instead of mirage problem records"},
		&cli.BoolFlag{Name: "json-conflicts", Usage: "parquet: store fields whose type differs between rows as JSON text instead of failing"},
	}
}

func writeOptions(c *cli.Context) datasets.WriteOptions {
	return datasets.WriteOptions{Compression: c.String("compression"), RowGroupRows: c.Int("row-group-rows"),
		VerlJSON: c.Bool("verl-json"), ConflictsAsJSON: c.Bool("json-conflicts")}
}

// fileFlag is a file named on the command line, with the flag that named it.
type fileFlag struct{ flag, path string }

// flagFiles lists the files given to a flag ("" paths left out).
func flagFiles(flag string, paths ...string) []fileFlag {
	var out []fileFlag
	for _, p := range paths {
		if p != "" {
			out = append(out, fileFlag{flag, p})
		}
	}
	return out
}

// checkNotInput refuses outputs that are one of the inputs or each other — the same file by
// any name, a symlink or a hard link included: outputs are written to a temporary file and
// renamed over the old one, so the conversion would silently replace its own source.
func checkNotInput(ins, outs []fileFlag) error {
	for i, o := range outs {
		for _, in := range append(append([]fileFlag(nil), ins...), outs[:i]...) {
			if datasets.SameFile(in.path, o.path) {
				return fmt.Errorf("convert: --%s %s is the same file as --%s %s; write the output to another file", o.flag, o.path, in.flag, in.path)
			}
		}
	}
	return nil
}

// selectAndWrite applies the shared flags and writes --out (and --test-out).
func selectAndWrite(c *cli.Context, ps []datasets.Problem) error {
	o := datasets.SelectOptions{
		Dedupe: c.Bool("dedupe"), Shuffle: c.Bool("shuffle"), Seed: c.Uint64("seed"), Limit: c.Int("limit"),
		TestFraction: c.Float64("test-fraction"), TestSize: c.Int("test-size"),
	}
	split := o.TestFraction != 0 || o.TestSize != 0
	outs := flagFiles("out", c.String("out"))
	if split {
		outs = append(outs, flagFiles("test-out", c.String("test-out"))...)
	}
	if err := checkNotInput(flagFiles("in", c.String("in")), outs); err != nil {
		return err
	}
	switch testOut := c.String("test-out"); {
	case split && testOut == "":
		return fmt.Errorf("convert: --test-fraction and --test-size need --test-out FILE for the held-out rows")
	case !split && testOut != "":
		return fmt.Errorf("convert: --test-out %s needs --test-fraction or --test-size", testOut)
	}
	train, test, rep, err := datasets.Select(ps, o)
	if err != nil {
		return err
	}
	if err := datasets.WriteFile(c.String("out"), train, writeOptions(c)); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s: %d rows (read %d, %d duplicates dropped)\n", c.String("out"), rep.Train, rep.In, rep.Duplicates)
	if split {
		if err := datasets.WriteFile(c.String("test-out"), test, writeOptions(c)); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s: %d rows\n", c.String("test-out"), rep.Test)
	}
	return nil
}

func convertDeepScaleRCommand() *cli.Command {
	return &cli.Command{
		Name:  "deepscaler",
		Usage: "DeepScaleR JSON (problem/answer/solution, or the AIME/AMC/MATH-500/Minerva/OlympiadBench test files) to verl rows",
		Description: `Each item becomes one verl row: a single user message holding the problem and the prompt
template's instruction, ability "math", reward_model {style: rule, ground_truth: answer},
extra_info {index, split, and every other field of the item: unique_id, difficulty, solution...}.
The answer keeps its type: a string, a number (AMC) or a list of alternative answers, any of which
is correct (Minerva's ["6630.65", "6630"]). data_source is --data-source when given, else the
item's own, else the file name (minerva.json gives minerva); split is --split when given, else the
item's own, else test for a file in a folder named test (DeepScaleR's data/test/*.json), else
train. See docs/data.md.

Templates: think-answer (default; the paper's: reason inside <think> </think>, answer inside
<answer> </answer>), boxed (answer in \boxed{}), or any text containing {problem}.

Examples:
  mirage convert deepscaler --in deepscaler.json --out train.parquet
  mirage convert deepscaler --in aime.json --template boxed --split test --data-source aime --out aime.parquet
  mirage convert deepscaler --in deepscaler.json --dedupe --shuffle --seed 0 --test-size 500 --out train.parquet --test-out test.parquet`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "in", Required: true, Usage: "DeepScaleR JSON array or JSONL"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "output file (.parquet, .jsonl or .json)"},
			&cli.StringFlag{Name: "template", Value: datasets.TemplateThinkAnswer, Usage: "prompt template: think-answer, boxed or a text with {problem}"},
			&cli.StringFlag{Name: "data-source", Usage: "data_source of every row (default: the item's own, else the file name without extension)"},
			&cli.StringFlag{Name: "split", Usage: "extra_info.split of every row (default: the item's own, else test for a file in a test/ folder, else train; --test-out rows get test)"},
		}, selectFlags()...),
		Action: func(c *cli.Context) error {
			ps, err := datasets.ConvertDeepScaleR(c.String("in"), datasets.DeepScaleROptions{
				Template: c.String("template"), DataSource: c.String("data-source"), Split: c.String("split"),
			})
			if err != nil {
				return err
			}
			return selectAndWrite(c, ps)
		},
	}
}

func convertSynLogicCommand() *cli.Command {
	return &cli.Command{
		Name:  "synlogic",
		Usage: "SynLogic hub parquet or generator JSONL to train_<subset>.parquet and test_<subset>.parquet",
		Description: `Reads SynLogic data from files or folders: the Hugging Face parquet files (train and validation
per task; files under a folder named after the other subset are skipped) or the generator's JSONL
(one task per file, named after the task). Rows keep their prompt; data_source is the task name;
extra_info.game_data_str is what SynLogic's verifiers read (rebuilt from original_question and
original_answer when the hub row has it null; the JSON line itself for generator data).
Generator data holds out --test-per-task problems of each task (default a tenth) for the test file.

Examples:
  mirage convert synlogic --in SynLogic/ --subset easy --out-dir data/synlogic
  mirage convert synlogic --in generated/arrow_maze.jsonl --in generated/sudoku.jsonl --test-per-task 2 --out-dir data`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "in", Required: true, Usage: "files or folders (repeatable)"},
			&cli.StringFlag{Name: "subset", Value: "easy", Usage: "easy or hard"},
			&cli.StringFlag{Name: "out-dir", Required: true, Usage: "folder for train_<subset>.parquet and test_<subset>.parquet"},
			&cli.IntFlag{Name: "test-per-task", Usage: "generator JSONL: problems held out per task (0: a tenth)"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the held-out picks"},
			&cli.BoolFlag{Name: "dedupe", Usage: "drop repeated problems (normalised text) within each split"},
			&cli.StringFlag{Name: "compression", Value: "snappy", Usage: "parquet compression: snappy, zstd, gzip or none"},
			&cli.IntFlag{Name: "row-group-rows", Value: datasets.DefaultRowGroupRows, Usage: "rows per parquet row group"},
		},
		Action: func(c *cli.Context) error {
			subset := c.String("subset")
			train, test, err := datasets.ConvertSynLogic(c.StringSlice("in"), datasets.SynLogicOptions{
				Subset: subset, TestPerTask: c.Int("test-per-task"), Seed: c.Uint64("seed"),
			})
			if err != nil {
				return err
			}
			if err := os.MkdirAll(c.String("out-dir"), 0o755); err != nil {
				return fmt.Errorf("convert: %w", err)
			}
			for _, part := range []struct {
				name string
				ps   []datasets.Problem
			}{{"train", train}, {"test", test}} {
				dropped := 0
				if c.Bool("dedupe") {
					part.ps, dropped = datasets.Dedupe(part.ps)
				}
				out := filepath.Join(c.String("out-dir"), fmt.Sprintf("%s_%s.parquet", part.name, subset))
				if len(part.ps) == 0 {
					fmt.Fprintf(c.App.ErrWriter, "convert: no %s rows; %s not written\n", part.name, out)
					continue
				}
				if err := checkNotInput(flagFiles("in", c.StringSlice("in")...), flagFiles("out-dir", out)); err != nil {
					return err
				}
				if err := datasets.WriteProblems(out, part.ps, writeOptions(c)); err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "%s: %d rows, %d tasks (%d duplicates dropped)\n", out, len(part.ps), countSources(part.ps), dropped)
			}
			return nil
		},
	}
}

func countSources(ps []datasets.Problem) int {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.DataSource] = true
	}
	return len(seen)
}

func convertGenericCommand(name, usage, examples string) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Description: `Reads any file mirage reads (verl parquet, JSONL, a JSON array), maps it to problems and writes
--out. Fields are found by default as: prompt from prompt|problem|question, answer from
ground_truth|reward_model.ground_truth|answer (a GSM8K answer "... #### 72" gives 72), id from
id|extra_info.id|unique_id|<data_source>/<extra_info.index>, else <file>-<row>. Other fields are
kept in extra_info.

Examples:
` + examples,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "in", Required: true, Usage: "input file"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "output file (.parquet, .jsonl or .json)"},
			&cli.StringFlag{Name: "prompt-field", Usage: "field holding the prompt"},
			&cli.StringFlag{Name: "answer-field", Usage: "field holding the reference answer"},
			&cli.StringFlag{Name: "answer-format", Usage: `"gsm8k" to require "#### N" answers, "plain" to take answers as they are`},
			&cli.StringFlag{Name: "id-field", Usage: "field holding a stable id"},
			&cli.StringFlag{Name: "data-source", Usage: "set data_source of every row"},
			&cli.StringFlag{Name: "ability", Usage: "set ability of every row"},
			&cli.StringFlag{Name: "template", Usage: "rewrite each question with a prompt template: think-answer, boxed or a text with {problem}"},
		}, selectFlags()...),
		Action: func(c *cli.Context) error {
			ps, err := datasets.ReadProblemsMapped(c.String("in"), datasets.Mapping{
				ID: c.String("id-field"), Prompt: c.String("prompt-field"), Answer: c.String("answer-field"),
				AnswerFormat: c.String("answer-format"), DataSource: c.String("data-source"), Ability: c.String("ability"),
			})
			if err != nil {
				return err
			}
			if t := c.String("template"); t != "" {
				if ps, err = datasets.ApplyTemplateAll(ps, t); err != nil {
					return err
				}
			}
			return selectAndWrite(c, ps)
		},
	}
}

func convertOneShotCommand() *cli.Command {
	return &cli.Command{
		Name:  "oneshot",
		Usage: "a training set of one example repeated (one-shot RLVR, the paper's RQ2)",
		Description: `Picks one example of --in by --index (0-based row), --id, or --select variance, and writes it
--repeat times to --out.

--select variance follows Wang et al. (2025): rank the examples by the variance of their training
accuracy over the epochs of an earlier full-data RLVR run (population variance; examples with fewer
than 2 epochs are left out) and take the highest (or the --rank-th). --history gives that record,
as JSONL with lines {"id": ID, "accuracy": A} (one epoch, appended), {"id": ID, "accuracy": [A1, A2, ...]}
(several epochs) or scored samples.jsonl lines from mirage verify (one epoch each: the fraction of
correct completions). "index": N may replace "id". Repeat --history for one file per epoch.

Examples:
  mirage convert oneshot --in train.parquet --index 1209 --repeat 128 --out pi1.parquet
  mirage convert oneshot --in train.parquet --id deepscaler/1209 --out pi1.parquet
  mirage convert oneshot --in train.parquet --select variance --history acc.jsonl --out pi1.parquet
  mirage convert oneshot --in train.parquet --select variance --history e1.jsonl --history e2.jsonl --history e3.jsonl --out pi1.parquet`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Required: true, Usage: "data file"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "output file (.parquet, .jsonl or .json)"},
			&cli.IntFlag{Name: "index", Value: -1, Usage: "0-based row of the example"},
			&cli.StringFlag{Name: "id", Usage: "id of the example"},
			&cli.StringFlag{Name: "select", Usage: `"variance": pick by historical accuracy variance (needs --history)`},
			&cli.StringSliceFlag{Name: "history", Usage: "per-example accuracy history, JSONL (repeatable, in epoch order)"},
			&cli.IntFlag{Name: "rank", Value: 1, Usage: "with --select variance, take the example ranked N (1: highest variance)"},
			&cli.IntFlag{Name: "repeat", Value: 128, Usage: "copies of the example"},
			&cli.StringFlag{Name: "compression", Value: "snappy", Usage: "parquet compression: snappy, zstd, gzip or none"},
			&cli.IntFlag{Name: "row-group-rows", Value: datasets.DefaultRowGroupRows, Usage: "rows per parquet row group"},
			&cli.BoolFlag{Name: "verl-json", Usage: "JSON/JSONL outputs hold verl rows instead of mirage problem records"},
		},
		Action: func(c *cli.Context) error {
			ps, err := datasets.ReadProblems(c.String("in"))
			if err != nil {
				return err
			}
			o := datasets.OneShot{Index: c.Int("index"), ID: c.String("id"), History: c.StringSlice("history"), Rank: c.Int("rank")}
			ways := 0
			for _, way := range []struct {
				set bool
				by  string
			}{{o.Index >= 0, "index"}, {o.ID != "", "id"}, {c.String("select") != "", "variance"}} {
				if way.set {
					ways++
					o.By = way.by
				}
			}
			switch {
			case ways != 1:
				return fmt.Errorf("convert oneshot: give exactly one of --index, --id and --select variance")
			case c.String("select") != "" && c.String("select") != "variance":
				return fmt.Errorf("convert oneshot: --select %q: want variance", c.String("select"))
			case c.Int("repeat") < 1:
				return fmt.Errorf("convert oneshot: --repeat %d: want 1 or more", c.Int("repeat"))
			case o.Rank < 1:
				return fmt.Errorf("convert oneshot: --rank %d: want 1 or more", o.Rank)
			}
			ins := append(flagFiles("in", c.String("in")), flagFiles("history", c.StringSlice("history")...)...)
			if err := checkNotInput(ins, flagFiles("out", c.String("out"))); err != nil {
				return err
			}
			sel, err := datasets.PickOneShot(ps, o)
			if err != nil {
				return err
			}
			if sel.Unknown > 0 {
				fmt.Fprintf(c.App.Writer, "warning: %d of the %d ids in the history are not in %s and are ignored\n", sel.Unknown, sel.HistoryIDs, c.String("in"))
			}
			for _, r := range sel.Ranking[:min(len(sel.Ranking), 5)] {
				fmt.Fprintf(c.App.Writer, "variance %.5f  epochs %d  index %d  id %s\n", r.Variance, r.Epochs, r.Index, r.ID)
			}
			pick := sel.Index
			if err := datasets.WriteFile(c.String("out"), datasets.Repeat(ps[pick], c.Int("repeat")), writeOptions(c)); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "%s: example %d (id %s) × %d\n", c.String("out"), pick, ps[pick].ID, c.Int("repeat"))
			return nil
		},
	}
}

func convertStatsCommand() *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "rows per data_source and field coverage of a data file",
		ArgsUsage: "FILE",
		Description: `Counts the rows of a verl parquet, JSONL or JSON file per data_source, and for every field (nested
struct fields joined with ".") the rows where it is present and not null, "" or an empty list.

Examples:
  mirage convert stats train.parquet
  mirage convert stats --json data/synlogic/train_easy.parquet`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("convert stats: want one FILE, got %d arguments", c.NArg())
			}
			st, err := datasets.FileStats(c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			w := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "%s: %d rows\n\ndata_source\trows\n", st.File, st.Rows)
			for _, s := range st.SortedSources() {
				name := s
				if name == "" {
					name = "(none)"
				}
				fmt.Fprintf(w, "%s\t%d\n", name, st.BySource[s])
			}
			fmt.Fprintf(w, "\nfield\trows\tcoverage\n")
			for _, f := range st.Fields {
				cov := 0.0
				if st.Rows > 0 {
					cov = 100 * float64(f.Rows) / float64(st.Rows)
				}
				fmt.Fprintf(w, "%s\t%d\t%.1f%%\n", f.Field, f.Rows, cov)
			}
			return w.Flush()
		},
	}
}
