package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/lab"
)

func labCommand() *cli.Command {
	return &cli.Command{
		Name:  "lab",
		Usage: "the built-in study: synthetic tasks and tiny aligned / unaligned models",
		Subcommands: append(labStudyCommands(), []*cli.Command{
			{
				Name:      "tasks",
				Usage:     "write synthetic task problems as verl parquet (logic tasks through SynLogic generator JSONL)",
				ArgsUsage: " ",
				Description: `Writes OUT/<task>.parquet for each --task (name:level, levels 1-5), and for the logic tasks
OUT/synlogic/<task>.jsonl in SynLogic's generator format, which mirage convert synlogic reads.

Examples:
  mirage lab tasks --out tasks
  mirage lab tasks --out tasks --task arith:2 --task word_sorting:4 --n 32 --seed 7`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Required: true, Usage: "output folder"},
					&cli.StringSliceFlag{Name: "task", Usage: "task:level, repeatable (default: every task at level 2)"},
					&cli.IntFlag{Name: "n", Value: 64, Usage: "problems per task"},
					&cli.Uint64Flag{Name: "seed", Value: lab.EvalSeed, Usage: "seed of the problems"},
				},
				Action: labTasksAction,
			},
			{
				Name:      "models",
				Usage:     "train the built-in tiny models from scratch (what `make models` runs)",
				ArgsUsage: " ",
				Description: `Trains each built-in model (or the --name ones) by mirage's SFT into OUT/<name>: a byte-level
BPE tokenizer trained on the SFT texts, a tiny Llama from random weights, and the exported
ONNX folder. The result is deterministic on a given machine.

Examples:
  mirage lab models --out testdata/lab-models
  mirage lab models --out /tmp/models --name tiny-arith`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Required: true, Usage: "folder that receives one folder per model"},
					&cli.StringSliceFlag{Name: "name", Usage: "build only these models (repeatable)"},
					&cli.BoolFlag{Name: "overwrite", Usage: "remove an existing OUT/<name> folder first"},
					&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
				},
				Action: labModelsAction,
			},
		}...),
	}
}

// labStudyCommands are rq1, rq2, rq3 and all: the study's research questions on a built-in model.
func labStudyCommands() []*cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "out", Required: true, Usage: "output folder (report.md, plots, runs/); an existing one is resumed"},
		&cli.BoolFlag{Name: "quick", Usage: "short cells (6 RL steps, 8 evaluation samples): a smoke run of a few minutes"},
		&cli.IntFlag{Name: "seeds", Value: 3, Usage: "seeds per cell"},
		&cli.IntFlag{Name: "steps", Usage: "RL steps per cell (0: 6 with --quick, else 40)"},
		&cli.Float64Flag{Name: "lr", Value: lab.DefaultLR, Usage: "RL learning rate"},
		&cli.StringFlag{Name: "name", Value: lab.Models[0].Name, Usage: "the built-in model studied"},
		&cli.StringFlag{Name: "model", Value: "testdata/lab-models/" + lab.Models[0].Name, Usage: "its trained folder"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress lines"},
	}
	desc := map[string]string{
		lab.RQ1: "RQ1: ground-truth, random, incorrect, format, majority and entropy rewards",
		lab.RQ2: "RQ2: one-shot against full-data RL",
		lab.RQ3: "RQ3: PSR, NSR, W-REINFORCE and GRPO advantages",
		"all":   "RQ1, RQ2 and RQ3",
	}
	var out []*cli.Command
	for _, name := range append(append([]string(nil), lab.RQs...), "all") {
		out = append(out, &cli.Command{
			Name:      name,
			Usage:     desc[name] + ", on the model's aligned and unaligned task",
			ArgsUsage: " ",
			Description: `Runs one train rl cell per (task, variant, seed) on the built-in model — its strongly aligned
task and its weakly aligned one — and writes OUT/report.md (tables of accuracy and pass@k before
and after, mean ± spread over seeds, and the paper's claims checked one by one), OUT/<rq>-accuracy.png
and .svg (accuracy against step per variant, one panel per task), OUT/curves.jsonl and each cell's
steps.jsonl and eval.jsonl under OUT/runs/. Finished cells are skipped when OUT is run again.

Examples:
  mirage lab all --out lab --quick
  mirage lab rq1 --out lab-rq1 --seeds 3`,
			Flags:  flags,
			Action: labStudyAction,
		})
	}
	return out
}

func labStudyAction(c *cli.Context) error {
	spec, ok := lab.LookupModel(c.String("name"))
	if !ok {
		return fmt.Errorf("lab: unknown model %q", c.String("name"))
	}
	o := lab.StudyOptions{Out: c.String("out"), Model: spec, ModelDir: c.String("model"), Seeds: c.Int("seeds"),
		Quick: c.Bool("quick"), Steps: c.Int("steps"), LR: c.Float64("lr")}
	if rq := c.Command.Name; rq != "all" {
		o.RQs = []string{rq}
	}
	if !c.Bool("quiet") {
		o.OnCell = func(cell lab.Cell, done bool, took time.Duration) {
			if done {
				fmt.Fprintf(c.App.ErrWriter, " done in %s\n", took.Round(time.Second))
				return
			}
			fmt.Fprintf(c.App.ErrWriter, "lab: %s %s %s seed %d ...", cell.RQ, cell.Task.Task, cell.Variant, cell.Seed)
		}
	}
	if err := lab.RunStudy(c.Context, o); err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, filepath.Join(o.Out, "report.md"))
	return nil
}

func labTasksAction(c *cli.Context) error {
	o := lab.TasksOptions{N: c.Int("n"), Seed: c.Uint64("seed")}
	for _, s := range c.StringSlice("task") {
		name, level, ok := strings.Cut(s, ":")
		l, err := strconv.Atoi(level)
		if !ok || err != nil {
			return fmt.Errorf("lab: --task %q: want name:level, e.g. arith:2", s)
		}
		o.Tasks = append(o.Tasks, lab.TaskSpec{Task: name, Level: l})
	}
	paths, err := lab.WriteTasks(c.String("out"), o)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(c.App.Writer, p)
	}
	return nil
}

func labModelsAction(c *cli.Context) error {
	specs := lab.Models
	if names := c.StringSlice("name"); len(names) > 0 {
		specs = nil
		for _, n := range names {
			m, ok := lab.LookupModel(n)
			if !ok {
				return fmt.Errorf("lab: unknown model %q", n)
			}
			specs = append(specs, m)
		}
	}
	for _, spec := range specs {
		dir := filepath.Join(c.String("out"), spec.Name)
		if c.Bool("overwrite") {
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("lab: %w", err)
			}
		}
		bar := newTrainBar(c.Bool("quiet"))
		start := time.Now()
		err := lab.BuildModel(c.Context, spec, dir, lab.BuildOptions{OnProgress: bar.update})
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "%s: %d steps, final loss %.4f, %s\n", dir, bar.last.Step, bar.last.Loss, time.Since(start).Round(time.Second))
	}
	return nil
}
