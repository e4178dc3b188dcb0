package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
)

// SampleOptions says what SampleFile samples and where it writes.
type SampleOptions struct {
	// Command names the run in the sidecar and in errors ("sample", "align").
	Command string
	// Model is the model folder, Data the problems file (verl parquet, JSONL, JSON) and Out the
	// samples file to write.
	Model, Data, Out string
	// Mode says what to do with an Out that already holds samples (keep it: refuse; overwrite;
	// resume it).
	Mode datasets.Mode
	// Limit keeps the first Limit problems (0: all).
	Limit int
	// Shard takes one shard of the (limited) problems (datasets.Shard.Select); the zero value
	// is all of them. It is recorded in the sidecar, so a resume with another shard is refused.
	Shard datasets.Shard
	// Run are the sampling settings: they must be valid as user input (RunOptions.Validate).
	Run sampler.RunOptions
	// Load says how the model is opened (device, threads).
	Load sampler.ModelOptions
	// OnProgress, if set, receives Run's progress after every step.
	OnProgress func(sampler.Progress)
	// Warn, if set, receives what the user should know but does not stop the run (a resumed
	// file without a sidecar).
	Warn func(string)
}

// Validate reports the first option outside its range, before anything is loaded or written.
func (o SampleOptions) Validate() error {
	if err := o.Run.Validate(); err != nil {
		return err
	}
	if err := o.Load.Validate(); err != nil {
		return err
	}
	if o.Limit < 0 {
		return fmt.Errorf("%s: --limit %d; want 0 (all) or more", o.Command, o.Limit)
	}
	if datasets.SameFile(o.Data, o.Out) {
		// --overwrite would replace the problems with their samples.
		return fmt.Errorf("%s: --out %s is the --data file; write the samples to another file", o.Command, o.Out)
	}
	return nil
}

// settings are the sidecar settings of a sampling run: what decides the samples.
func (o SampleOptions) settings() map[string]string {
	r := o.Run
	return map[string]string{
		"n": strconv.Itoa(r.N), "temperature": fmtFloat(r.Temperature), "top-p": fmtFloat(r.TopP),
		"top-k": strconv.Itoa(r.TopK), "min-p": fmtFloat(r.MinP), "max-new-tokens": strconv.Itoa(r.MaxNewTokens),
		"seed": strconv.FormatUint(r.Seed, 10), "stop": jsonText(r.StopStrings), "template": r.Template, "system": r.System,
		"shard": o.Shard.String(), "streams": sampler.StreamScheme,
	}
}

// SampleFile samples o.Run.N completions of every problem into o.Out with the samples-file
// protocol (datasets.OpenSamples): the model, settings and data are recorded in the sidecar, a
// resumed file must match them (and hold only problems of o.Data, with their prompts), a kill
// loses at most the problems in flight, another run on o.Out is refused, and a run that fails
// before writing a sample leaves no file. The options and the output are checked before the
// model is loaded. It returns the last progress.
func SampleFile(ctx context.Context, o SampleOptions) (sampler.Progress, error) {
	var last sampler.Progress
	if err := o.Validate(); err != nil {
		return last, err
	}
	ri, err := runInfo(o.Command, o.Model, o.settings(), o.Run.BatchSize, o.Load)
	if err != nil {
		return last, err
	}
	if err := checkResults(o.Out, "samples", o.Mode, ri, o.Warn); err != nil {
		return last, err
	}
	all, problems, err := readProblems(o.Data, o.Limit)
	if err != nil {
		return last, err
	}
	problems = o.Shard.Select(problems)
	if data, err := filepath.Abs(o.Data); err == nil {
		ri.Info["data"] = data
	}
	ri.Info["problems"] = datasets.ProblemsFingerprint(problems)
	m, err := sampler.Open(ctx, o.Model, o.Load)
	if err != nil {
		return last, err
	}
	defer m.Close()
	out, err := datasets.OpenSamples(o.Out, datasets.SamplesRun{Mode: o.Mode, Info: ri, N: o.Run.N, Problems: all})
	if err != nil {
		return last, err
	}
	err = sampler.Run(ctx, m, problems, o.Run, out, func(p sampler.Progress) {
		last = p
		if o.OnProgress != nil {
			o.OnProgress(p)
		}
	})
	if err != nil {
		out.Abandon()
		if ctx.Err() != nil {
			// Abandon removed an output no problem reached: nothing is kept to resume.
			if _, serr := os.Stat(o.Out); errors.Is(serr, fs.ErrNotExist) {
				return last, fmt.Errorf("%s: interrupted before any problem was written; nothing was kept in %s: %w", o.Command, o.Out, err)
			}
			return last, fmt.Errorf("%s: interrupted; the samples written to %s are kept, continue with --resume: %w", o.Command, o.Out, err)
		}
		return last, err
	}
	return last, out.Close()
}
