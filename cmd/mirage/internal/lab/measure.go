package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// MeasureOptions fix how alignment is measured. The zero value is the main job's setting.
type MeasureOptions struct {
	// Problems per task (default 64), drawn with EvalSeed.
	Problems int
	// N samples per problem (default 64), at temperature 1, top-p 1, as the paper measures
	// pass@k.
	N int
	// Seed of the sampler.
	Seed uint64
	// Resamples of the bootstrap (default passk's; negative: none).
	Resamples int
}

// SampleSettings are the sampling settings of every lab measurement: the model's own
// distribution (temperature 1, no cut-offs), answers of at most MaxNewTokens tokens.
var SampleSettings = sampler.RunOptions{Choice: sampler.Choice{Temperature: 1, TopP: 1}, MaxNewTokens: 48, BatchSize: 64, Template: sampler.TemplateChat}

// Measure aligns the model folder on task's evaluation problems with mirage's align pipeline
// (sample → verify with the auto grader and the think/answer format → pass@k → verdict under
// passk's default rule), writing the pipeline's files to dir (a temporary folder when dir is
// empty).
func Measure(ctx context.Context, modelDir string, task TaskSpec, o MeasureOptions, dir string) (*passk.Alignment, error) {
	if o.Problems == 0 {
		o.Problems = 64
	}
	if o.N == 0 {
		o.N = 64
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "mirage-lab-measure-*")
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	paths, err := WriteTasks(filepath.Join(dir, "data"), TasksOptions{Tasks: []TaskSpec{task}, N: o.Problems})
	if err != nil {
		return nil, err
	}
	run := SampleSettings
	run.N, run.Seed = o.N, o.Seed
	res, err := pipeline.Align(ctx, pipeline.AlignOptions{
		Sample: pipeline.SampleOptions{Command: "lab", Model: modelDir, Data: paths[0], Mode: datasets.Overwrite, Run: run},
		Verify: pipeline.VerifyOptions{Verify: verify.Options{Format: vmath.FormatThinkAnswer}},
		Dir:    dir,
		PassK:  passk.Options{Resamples: o.Resamples, Confidence: passk.DefaultConfidence, Label: filepath.Base(modelDir) + " on " + task.Task},
		Rule:   passk.Rule{MinPass: passk.DefaultMinPass},
	})
	if err != nil {
		return nil, err
	}
	return res.Alignment, nil
}
