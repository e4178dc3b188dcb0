package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/train/weights"
	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// RLOptions describe one `mirage train rl` run.
type RLOptions struct {
	// ModelDir is the starting policy: a model.onnx folder mirage wrote (an SFT run's output
	// included) or an HF folder with config.json and model.safetensors.
	ModelDir string
	// TokenizerDir holds tokenizer.json (and the chat template); default ModelDir.
	TokenizerDir string
	// Data and EvalData are problem files (JSONL, JSON or verl parquet, as mirage sample reads);
	// EvalData is optional.
	Data, EvalData string
	// Template renders prompts as mirage sample does: "chat" (default), "raw" or "none".
	Template string
	// Verify configures the grader (grader, answer format, math tolerances).
	Verify verify.Options
	// OutDir receives rl_config.json, steps.jsonl, eval.jsonl, checkpoints/, policy/ (the ONNX
	// folder the sampler serves, always the current weights) and, at the end, the final model
	// folder (model.onnx + data, model.safetensors, config.json, tokenizer files).
	OutDir string
	// Backend is the trainer's GoMLX backend: "go" (default) or "xla".
	Backend string
	// Sampler configures the ONNX Runtime session (device, threads).
	Sampler sampler.ModelOptions
	// PolicyLayout is the graph layout of policy/, the folder the sampler serves during the run:
	// LayoutStandard (default) or LayoutORT (the same function on ONNX Runtime's contrib
	// operators, sampled with the in-place KV cache: faster at batch; head size a multiple of 16).
	// The final model folder is written in the standard layout either way.
	PolicyLayout string
	// Resume continues from the newest checkpoint in OutDir (starting afresh when there is none).
	Resume bool
	// Config holds the hyper-parameters.
	Config RLConfig
	// OnStep, if set, is called after every step; an error stops the run.
	OnStep func(RLStep) error
}

// RLResult is what a finished run returns.
type RLResult struct {
	// Last is the last step's record; Steps the steps run by this call (0 when a resumed run
	// was already complete).
	Last  RLStep
	Steps int
	// Eval is the last evaluation (nil without evaluation data).
	Eval *RLEval
}

// RunRL reads the model and the problems, trains by RL, and exports the result to opts.OutDir.
func RunRL(ctx context.Context, opts RLOptions) (RLResult, error) {
	var res RLResult
	if opts.ModelDir == "" || opts.Data == "" || opts.OutDir == "" {
		return res, errors.New("train: need a model folder, data and an output folder")
	}
	// Every option is checked before the model loads, so a typo costs no loading time.
	if err := opts.Config.Validate(); err != nil {
		return res, err
	}
	if err := opts.Verify.Validate(); err != nil {
		return res, err
	}
	if err := opts.Sampler.Validate(); err != nil {
		return res, err
	}
	switch opts.Template {
	case "", TemplateChat, TemplateRaw, TemplateNone:
	default:
		return res, fmt.Errorf("train: --template %q; want chat, raw or none", opts.Template)
	}
	layout, err := parseLayout(opts.PolicyLayout, "rl --policy-layout")
	if err != nil {
		return res, err
	}
	cfg, w, err := weights.Load(opts.ModelDir)
	if err != nil {
		return res, err
	}
	cfg.TorchDtype = "float32"
	tokDir := opts.TokenizerDir
	if tokDir == "" {
		tokDir = opts.ModelDir
	}
	template := opts.Template
	if template == "" {
		template = TemplateChat
	}
	dataOpts, err := dataOptions(tokDir, template, cfg)
	if err != nil {
		return res, err
	}
	if dataOpts.Tokenizer == nil {
		return res, fmt.Errorf("train: %s has no tokenizer.json (RL grades text; give --tokenizer)", tokDir)
	}
	tasks, err := readTasks(opts.Data, dataOpts, opts.Verify)
	if err != nil {
		return res, err
	}
	var eval []RLTask
	if opts.EvalData != "" {
		if eval, err = readTasks(opts.EvalData, dataOpts, opts.Verify); err != nil {
			return res, err
		}
	}
	backend, err := NewBackend(opts.Backend)
	if err != nil {
		return res, err
	}
	defer backend.Finalize()
	m, err := model.New(backend, cfg)
	if err != nil {
		return res, err
	}
	defer m.Close()
	// One run at a time in OutDir: two interleaved their steps.jsonl lines and checkpoints.
	unlock, err := datasets.LockDir(opts.OutDir)
	if err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	defer unlock()

	// The sampler serves policy/, re-exported (data file only) after every update.
	exp, err := onnx.NewExporter(filepath.Join(opts.OutDir, PolicyDir), cfg, onnx.WriteOptions{TokenizerDir: tokDir, Unsynced: true, Layout: layout})
	if err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	if err := exp.Export(ctx, w); err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	pol, err := sampler.Open(ctx, filepath.Join(opts.OutDir, PolicyDir), opts.Sampler)
	if err != nil {
		return res, fmt.Errorf("train: %w", err)
	}
	defer pol.Close()
	tok := dataOpts.Tokenizer
	env := RLEnv{Model: m, Policy: pol, Exporter: exp, NewStream: func() sampler.TextStream { return tok.NewStream() }}
	if dataOpts.EOS >= 0 {
		env.StopTokens = []int{dataOpts.EOS}
	}
	onStep := func(s RLStep) error {
		res.Last, res.Steps = s, res.Steps+1
		if s.Eval != nil {
			res.Eval = s.Eval
		}
		if opts.OnStep != nil {
			return opts.OnStep(s)
		}
		return nil
	}
	if err := checkRunSettings(opts, eval); err != nil {
		return res, err
	}
	w, err = RL(ctx, env, w, nil, tasks, eval, opts.Config, opts.OutDir, opts.Resume, onStep)
	if err != nil {
		return res, err
	}
	return res, Export(opts.OutDir, cfg, w, tokDir)
}

// readTasks reads problems and encodes their prompts as mirage sample does.
func readTasks(path string, dataOpts DataOptions, vopts verify.Options) ([]RLTask, error) {
	problems, err := datasets.ReadProblems(path)
	if err != nil {
		return nil, err
	}
	tasks := make([]RLTask, len(problems))
	for i, p := range problems {
		ids, err := dataOpts.encodePrompt(p.Prompt)
		if err != nil {
			return nil, fmt.Errorf("train: %s: problem %d (id %q): %w", path, i, p.ID, err)
		}
		tasks[i] = RLTask{ID: p.ID, Prompt: ids, Problem: verify.Prepare(verify.TaskOf(p), vopts)}
	}
	return tasks, nil
}

// runSettings are what a run's results depend on besides RLConfig and the training prompts
// (which the checkpoints hold): the grading options and the evaluation prompts. They are kept
// in the sidecar of steps.jsonl (steps.jsonl.run.json, datasets.RunInfo), with the model, data
// and template the run was started with as information (not compared).
func runSettings(opts RLOptions, eval []RLTask) (datasets.RunInfo, error) {
	v := opts.Verify
	grader, err := verify.ParseGrader(string(v.Grader))
	if err != nil {
		return datasets.RunInfo{}, err
	}
	format, err := vmath.ParseFormat(string(v.Format))
	if err != nil {
		return datasets.RunInfo{}, err
	}
	mathOpts, err := json.Marshal(v.Math)
	if err != nil {
		return datasets.RunInfo{}, fmt.Errorf("train: %w", err)
	}
	logicOpts, err := json.Marshal(v.SynLogic)
	if err != nil {
		return datasets.RunInfo{}, fmt.Errorf("train: %w", err)
	}
	evalPrompts := "none"
	if len(eval) > 0 {
		evalPrompts = taskFingerprint(eval)
	}
	settings := map[string]string{
		"grader": string(grader), "format": string(format), "last number": strconv.FormatBool(v.LastNumber),
		"format penalty": strconv.FormatFloat(v.FormatPenalty, 'g', -1, 64),
		"math options":   string(mathOpts), "synlogic options": string(logicOpts),
		"eval prompts": evalPrompts,
	}
	// The layout changes the sampler's last bits, so the samples; recorded only when not the
	// default, so runs from before the option resume.
	if opts.PolicyLayout != "" && opts.PolicyLayout != LayoutStandard {
		settings["policy layout"] = opts.PolicyLayout
	}
	return datasets.RunInfo{Command: "train rl", Settings: settings, Info: map[string]string{ // for the reader: the checkpoints guard the prompts themselves
		"model": opts.ModelDir, "tokenizer": opts.TokenizerDir, "data": opts.Data, "eval data": opts.EvalData, "template": opts.Template,
	}}, nil
}

// checkRunSettings refuses a --resume whose grading options or evaluation prompts differ from
// those the run started with (they would mix two gradings in one run), then records them. A
// run from before the sidecar existed resumes unchecked; a refused run changes nothing.
func checkRunSettings(opts RLOptions, eval []RLTask) error {
	now, err := runSettings(opts, eval)
	if err != nil {
		return err
	}
	steps := filepath.Join(opts.OutDir, StepsFile)
	done, err := listCheckpoints(opts.OutDir)
	if err != nil {
		return err
	}
	if len(done) > 0 {
		if !opts.Resume {
			return nil // RL refuses the folder
		}
		old, err := datasets.ReadRunInfo(steps)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return err
		default:
			if diff := old.Diff(now); len(diff) > 0 {
				return fmt.Errorf("train: --resume with other grading or evaluation than the run's (%s)", strings.Join(diff, "; "))
			}
		}
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return datasets.WriteRunInfo(steps, now)
}
