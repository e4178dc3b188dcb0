// Package lab is mirage's built-in study on tiny models: the synthetic tasks (datasets/synth)
// written as data files, the tiny Llama models trained on them by mirage's own SFT with a
// tokenizer of their own (models.go, tokenizer.go), and the evaluation sets the main job
// (`make run`) aligns them on.
//
// Errors are prefixed "lab:". Long calls take a context.
package lab

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/synth"
)

// EvalSeed draws the evaluation problems; the models' SFT data use their own seeds.
const EvalSeed = 1000

// TasksOptions say which problems WriteTasks writes.
type TasksOptions struct {
	// Tasks are the tasks and levels; default every task at level 2.
	Tasks []TaskSpec
	// N is the number of problems per task; default 64.
	N int
	// Seed draws them; default EvalSeed (pass a different one for fresh problems).
	Seed uint64
}

// WriteTasks writes, for each task, DIR/<task>.parquet in verl's layout — logic tasks by way of
// DIR/synlogic/<task>.jsonl (SynLogic generator JSONL) and datasets.ConvertSynLogic, the path
// real SynLogic data takes — and returns the parquet paths.
func WriteTasks(dir string, o TasksOptions) ([]string, error) {
	if o.N == 0 {
		o.N = 64
	}
	if o.Seed == 0 {
		o.Seed = EvalSeed
	}
	if len(o.Tasks) == 0 {
		for _, t := range synth.Tasks() {
			o.Tasks = append(o.Tasks, TaskSpec{t, 2})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var out []string
	for _, t := range o.Tasks {
		items, err := synth.Generate(t.Task, t.Level, o.N, o.Seed)
		if err != nil {
			return nil, err
		}
		ps, err := problemsVia(dir, items)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, t.Task+".parquet")
		if err := datasets.WriteFile(path, ps, datasets.WriteOptions{}); err != nil {
			return nil, err
		}
		out = append(out, path)
	}
	return out, nil
}

// problemsVia returns the problems of items; logic items are written as SynLogic generator
// JSONL under dir/synlogic and read back with datasets.ConvertSynLogic (all as one split).
func problemsVia(dir string, items []synth.Item) ([]datasets.Problem, error) {
	if len(items) == 0 || !synth.IsLogic(items[0].Task) {
		return synth.Problems(items), nil
	}
	var b bytes.Buffer
	if err := synth.WriteSynLogic(&b, items); err != nil {
		return nil, err
	}
	sl := filepath.Join(dir, "synlogic")
	if err := os.MkdirAll(sl, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	path := filepath.Join(sl, items[0].Task+".jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	train, test, err := datasets.ConvertSynLogic([]string{path}, datasets.SynLogicOptions{TestPerTask: len(items)})
	if err != nil {
		return nil, err
	}
	return append(train, test...), nil
}
