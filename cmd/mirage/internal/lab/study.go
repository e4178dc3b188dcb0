package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/synth"
	"github.com/mirage-rl/mirage/train"
	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// The study's research questions, as the paper numbers them.
const (
	RQ1 = "rq1" // RL with ground-truth and spurious rewards
	RQ2 = "rq2" // one-shot against full-data RL
	RQ3 = "rq3" // positive-only, negative-only, weighted REINFORCE and GRPO
)

// RQs lists the research questions in order.
var RQs = []string{RQ1, RQ2, RQ3}

// Variant is one arm of a research question: a change to the base RL config.
type Variant struct {
	Name  string
	Apply func(*train.RLConfig)
}

func reward(k verify.RewardKind) Variant {
	return Variant{string(k), func(c *train.RLConfig) { c.Reward = k }}
}

func advantage(a train.Advantage) Variant {
	return Variant{string(a), func(c *train.RLConfig) { c.Advantage = a }}
}

// Variants returns the arms of a research question.
func Variants(rq string) []Variant {
	switch rq {
	case RQ1:
		return []Variant{reward(verify.RewardGroundTruth), reward(verify.RewardRandom), reward(verify.RewardIncorrect),
			reward(verify.RewardFormat), reward(verify.RewardMajority), reward(verify.RewardEntropy)}
	case RQ2:
		return []Variant{{"full", func(*train.RLConfig) {}}, {"one-shot", func(c *train.RLConfig) { c.OneShot = true }}}
	case RQ3:
		return []Variant{advantage(train.AdvGRPO), advantage(train.AdvPSR), advantage(train.AdvNSR), advantage(train.AdvWReinforce)}
	}
	return nil
}

// StudyOptions describe one `mirage lab` run.
type StudyOptions struct {
	// Out receives data/, runs/<rq>/<task>/<variant>/seed-<s>/ (one train.RunRL folder per cell,
	// with steps.jsonl and eval.jsonl), report.md and the plots.
	Out string
	// RQs are the research questions to run; default all.
	RQs []string
	// Model is the built-in model spec; its Strong and Weak tasks are the two tasks compared.
	Model ModelSpec
	// ModelDir is the trained model folder of Model.
	ModelDir string
	// Seeds per cell; default 3.
	Seeds int
	// Quick runs short cells (6 RL steps, 8 evaluation samples per problem).
	Quick bool
	// Steps overrides the RL steps per cell (0: 6 quick, 40 otherwise).
	Steps int
	// LR overrides the RL learning rate (0: DefaultLR).
	LR float64
	// Only, if set, keeps the cells for which it returns true (tests run one cell).
	Only func(Cell) bool
	// OnCell, if set, is told when a cell starts and ends.
	OnCell func(c Cell, done bool, took time.Duration)
}

// Cell is one RL run of the study.
type Cell struct {
	RQ      string
	Task    TaskSpec
	Variant string
	Seed    int
}

// Dir is the cell's folder under the study's output.
func (c Cell) Dir(out string) string {
	return filepath.Join(out, "runs", c.RQ, c.Task.Task, c.Variant, fmt.Sprintf("seed-%d", c.Seed))
}

// canonical maps arms that are the same run onto one cell: RQ2's full-data arm and RQ3's GRPO
// arm are RQ1's ground-truth run (same config, same seed), trained once.
func (c Cell) canonical() Cell {
	if c.RQ == RQ2 && c.Variant == "full" || c.RQ == RQ3 && c.Variant == string(train.AdvGRPO) {
		c.RQ, c.Variant = RQ1, string(verify.RewardGroundTruth)
	}
	return c
}

// doneFile marks a finished cell; a resumed study skips cells that have it.
const doneFile = "done.json"

// Study data sizes: RL trains on trainProblems problems of each task and evaluates on
// evalProblems others (drawn with EvalSeed, as the main job's).
const (
	trainProblems = 256
	evalProblems  = 32
	trainSeed     = 2000
)

// DefaultLR is the study's RL learning rate (tiny models from scratch train at 3e-3 in SFT).
const DefaultLR = 2e-4

// baseConfig is the RL config every cell starts from: small batches for tiny models, the paper's
// clipping (0.2 / 0.28), no KL, temperature 1.
func baseConfig(o StudyOptions, seed int) train.RLConfig {
	steps, evalN, every := 40, 16, 10
	if o.Quick {
		steps, evalN, every = 6, 8, 3
	}
	if o.Steps > 0 {
		steps = o.Steps
	}
	lr := DefaultLR
	if o.LR > 0 {
		lr = o.LR
	}
	return train.RLConfig{
		Steps: steps, BatchPrompts: 8, N: 8, MaxNewTokens: SampleSettings.MaxNewTokens,
		Temperature: 1, TopP: 1, LR: lr, ClipLow: 0.2, ClipHigh: 0.28,
		EvalEvery: every, EvalN: evalN, EvalTemperature: 1, EvalTopP: 1,
		CheckpointEvery: steps, KeepCheckpoints: 1, Seed: uint64(seed),
	}
}

// Cells lists the study's cells in the order they run.
func (o StudyOptions) Cells() []Cell {
	var out []Cell
	for _, rq := range o.RQs {
		for _, task := range []TaskSpec{o.Model.Strong, o.Model.Weak} {
			for _, v := range Variants(rq) {
				for s := range o.Seeds {
					c := Cell{RQ: rq, Task: task, Variant: v.Name, Seed: s}
					if o.Only == nil || o.Only(c) {
						out = append(out, c)
					}
				}
			}
		}
	}
	return out
}

func (o StudyOptions) withDefaults() (StudyOptions, error) {
	if len(o.RQs) == 0 {
		o.RQs = RQs
	}
	for _, rq := range o.RQs {
		if !slices.Contains(RQs, rq) {
			return o, fmt.Errorf("lab: unknown research question %q (want rq1, rq2, rq3 or all)", rq)
		}
	}
	if o.Seeds == 0 {
		o.Seeds = 3
	}
	if o.Seeds < 0 || o.Out == "" || o.ModelDir == "" {
		return o, errors.New("lab: need an output folder, a model folder and seeds ≥ 1")
	}
	return o, nil
}

// RunStudy runs every cell not yet done, then writes the report from the cells' files. A killed
// study resumes where it stopped: finished cells are skipped, and a cell cut short continues
// from its last checkpoint.
func RunStudy(ctx context.Context, o StudyOptions) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	data := filepath.Join(o.Out, "data")
	paths := map[string][2]string{}
	for _, t := range []TaskSpec{o.Model.Strong, o.Model.Weak} {
		tr, ev, err := studyData(data, t)
		if err != nil {
			return err
		}
		paths[t.Task] = [2]string{tr, ev}
	}
	variants := map[string]Variant{}
	for _, rq := range o.RQs {
		for _, v := range Variants(rq) {
			variants[rq+"/"+v.Name] = v
		}
	}
	for _, c := range o.Cells() {
		dir := c.canonical().Dir(o.Out)
		if _, err := os.Stat(filepath.Join(dir, doneFile)); err == nil {
			continue
		}
		if o.OnCell != nil {
			o.OnCell(c, false, 0)
		}
		start := time.Now()
		cfg := baseConfig(o, c.Seed)
		variants[c.RQ+"/"+c.Variant].Apply(&cfg)
		res, err := train.RunRL(ctx, train.RLOptions{
			ModelDir: o.ModelDir, Data: paths[c.Task.Task][0], EvalData: paths[c.Task.Task][1], Template: train.TemplateChat,
			Verify: verify.Options{Format: vmath.FormatThinkAnswer}, OutDir: dir, Resume: true, Config: cfg,
		})
		if err != nil {
			return fmt.Errorf("lab: cell %s/%s/%s seed %d: %w", c.RQ, c.Task.Task, c.Variant, c.Seed, err)
		}
		// The final weights are not needed for the report; the cell keeps its curves.
		for _, name := range []string{"model.onnx", "model.onnx.data", "model.safetensors", train.PolicyDir, "checkpoints"} {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("lab: %w", err)
			}
		}
		b, err := json.Marshal(struct {
			Cell
			Steps   int     `json:"steps"`
			Seconds float64 `json:"seconds"`
		}{c, res.Last.Step, time.Since(start).Seconds()})
		if err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, doneFile), b, 0o644); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		if o.OnCell != nil {
			o.OnCell(c, true, time.Since(start))
		}
	}
	return WriteReport(o)
}

// studyData writes a task's RL training and evaluation problems (once) and returns their paths.
func studyData(dir string, t TaskSpec) (trainPath, evalPath string, err error) {
	trainPath = filepath.Join(dir, t.Task+"-train.parquet")
	evalPath = filepath.Join(dir, t.Task+"-eval.parquet")
	for _, f := range []struct {
		path string
		n    int
		seed uint64
	}{{trainPath, trainProblems, trainSeed}, {evalPath, evalProblems, EvalSeed}} {
		if _, err := os.Stat(f.path); err == nil {
			continue
		}
		items, err := synth.Generate(t.Task, t.Level, f.n, f.seed)
		if err != nil {
			return "", "", err
		}
		tmp, err := os.MkdirTemp("", "mirage-lab-data-*")
		if err != nil {
			return "", "", fmt.Errorf("lab: %w", err)
		}
		ps, err := problemsVia(tmp, items)
		os.RemoveAll(tmp)
		if err != nil {
			return "", "", err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", fmt.Errorf("lab: %w", err)
		}
		if err := datasets.WriteFile(f.path, ps, datasets.WriteOptions{}); err != nil {
			return "", "", err
		}
	}
	return trainPath, evalPath, nil
}
