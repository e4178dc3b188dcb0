package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/train/weights"
)

// SFTConfig holds the hyper-parameters of supervised fine-tuning. Zero fields take the default
// in their comment; the config is stored in every checkpoint and must match on --resume.
type SFTConfig struct {
	// Steps is the number of optimizer steps; default one pass over the data.
	Steps int `json:"steps"`
	// BatchSize is the number of sequences per micro-batch; default 8.
	BatchSize int `json:"batch_size"`
	// GradAccum micro-batches are summed into each optimizer step (an effective batch of
	// BatchSize·GradAccum sequences at the memory of one micro-batch); default 1.
	GradAccum int `json:"grad_accum"`
	// MaxSeqLen caps prompt+response tokens (longer examples lose their tail); default 512,
	// at most max_position_embeddings.
	MaxSeqLen int `json:"max_seq_len"`

	// LR is the peak learning rate; nil: 1e-4 (fine-tuning; tiny models from scratch like
	// 1e-3). A value given is used as it is: 0 trains nothing (the weights stay as they were).
	// The fields that are pointers are those whose zero is a value, not "unset".
	LR *float64 `json:"lr"`
	// Schedule is "cosine" (default) or "constant" after the warm-up.
	Schedule string `json:"schedule"`
	// WarmupSteps ramp the rate linearly from LR/WarmupSteps to LR; default 0.
	WarmupSteps int `json:"warmup_steps"`
	// MinLRRatio is the cosine schedule's final rate as a fraction of LR; default 0.
	MinLRRatio float64 `json:"min_lr_ratio"`
	// WeightDecay is AdamW's decoupled decay, applied to matrices only; default 0.
	WeightDecay float64 `json:"weight_decay"`
	// Beta1, Beta2 and Eps are Adam's; nil: 0.9, 0.999 and 1e-8 (torch's). Betas in [0, 1),
	// Eps ≥ 0.
	Beta1 *float64 `json:"beta1"`
	Beta2 *float64 `json:"beta2"`
	Eps   *float64 `json:"eps"`
	// ClipNorm caps the global gradient norm; nil: 1; negative disables clipping; 0 is refused
	// (it would zero every update).
	ClipNorm *float64 `json:"clip_norm"`
	// Seed fixes the data order (and the initial weights of --init-config).
	Seed uint64 `json:"seed"`

	// EvalEvery runs the evaluation loss every so many steps (and after the last) when there is
	// evaluation data; default 0: only after the last step.
	EvalEvery int `json:"eval_every"`
	// CheckpointEvery saves a checkpoint every so many steps; default 0: only after the last.
	CheckpointEvery int `json:"checkpoint_every"`
	// KeepCheckpoints is how many of the newest checkpoints to keep; default 2.
	KeepCheckpoints int `json:"keep_checkpoints"`
}

func (c SFTConfig) withDefaults(cfg arch.Config, examples int) SFTConfig {
	defaultInt(&c.BatchSize, 8)
	defaultInt(&c.GradAccum, 1)
	defaultInt(&c.MaxSeqLen, 512)
	c.MaxSeqLen = min(c.MaxSeqLen, cfg.MaxPositionEmbeddings)
	defaultInt(&c.Steps, (examples+c.BatchSize*c.GradAccum-1)/(c.BatchSize*c.GradAccum))
	defaultInt(&c.KeepCheckpoints, 2)
	unsetFloat(&c.LR, 1e-4)
	unsetFloat(&c.Beta1, 0.9)
	unsetFloat(&c.Beta2, 0.999)
	unsetFloat(&c.Eps, 1e-8)
	unsetFloat(&c.ClipNorm, 1)
	if c.Schedule == "" {
		c.Schedule = ScheduleCosine
	}
	return c
}

// defaultInt sets *v to d when it is not positive.
func defaultInt(v *int, d int) {
	if *v <= 0 {
		*v = d
	}
}

// unsetFloat points *v at d when it is nil (a value given, zero included, stays).
func unsetFloat(v **float64, d float64) {
	if *v == nil {
		*v = &d
	}
}

// defaultFloat sets *v to d when it is zero.
func defaultFloat(v *float64, d float64) {
	if *v == 0 {
		*v = d
	}
}

// Validate reports the first setting outside its range, naming it by its mirage train sft flag.
// Zero int fields are unset (defaults apply), so only negative ones are refused; nil floats are
// unset, and a value given is checked as it is.
func (c SFTConfig) Validate() error {
	for _, f := range []struct {
		flag string
		v    int
	}{{"--steps", c.Steps}, {"--batch-size", c.BatchSize}, {"--grad-accum", c.GradAccum}, {"--max-seq-len", c.MaxSeqLen},
		{"--warmup", c.WarmupSteps}, {"--eval-every", c.EvalEvery}, {"--checkpoint-every", c.CheckpointEvery}, {"--keep-checkpoints", c.KeepCheckpoints}} {
		if f.v < 0 {
			return fmt.Errorf("train: %s %d; want 0 or more", f.flag, f.v)
		}
	}
	given := func(p *float64, ok func(float64) bool) bool { return p == nil || ok(*p) }
	switch {
	case c.Schedule != "" && c.Schedule != ScheduleCosine && c.Schedule != ScheduleConstant:
		return fmt.Errorf("train: --schedule %q; want %q or %q", c.Schedule, ScheduleCosine, ScheduleConstant)
	case !given(c.LR, func(v float64) bool { return v >= 0 }):
		return fmt.Errorf("train: --lr %g; want 0 or more", *c.LR)
	case !(c.MinLRRatio >= 0 && c.MinLRRatio <= 1):
		return fmt.Errorf("train: --min-lr-ratio %g; want a value in [0, 1]", c.MinLRRatio)
	case !(c.WeightDecay >= 0):
		return fmt.Errorf("train: --weight-decay %g; want 0 or more", c.WeightDecay)
	case !given(c.Beta1, func(v float64) bool { return v >= 0 && v < 1 }):
		return fmt.Errorf("train: --beta1 %g; want a value in [0, 1)", *c.Beta1)
	case !given(c.Beta2, func(v float64) bool { return v >= 0 && v < 1 }):
		return fmt.Errorf("train: --beta2 %g; want a value in [0, 1)", *c.Beta2)
	case !given(c.Eps, func(v float64) bool { return v >= 0 }):
		return fmt.Errorf("train: eps %g; want 0 or more", *c.Eps)
	case !given(c.ClipNorm, func(v float64) bool { return v != 0 && !math.IsNaN(v) }):
		return fmt.Errorf("train: --clip 0 would scale every gradient to zero; want a positive norm, or a negative one to disable clipping")
	}
	return nil
}

// Progress is reported after every optimizer step.
type Progress struct {
	Step, Steps int
	Loss        float64 // mean loss per response token of this step
	EvalLoss    float64 // NaN unless evaluated at this step
	LR          float64
	GradNorm    float64 // before clipping
	Tokens      int64   // response tokens trained on so far
	Elapsed     time.Duration
}

// metricsLine is one line of metrics.jsonl.
type metricsLine struct {
	Step     int      `json:"step"`
	Loss     float64  `json:"loss"`
	EvalLoss *float64 `json:"eval_loss,omitempty"`
	LR       float64  `json:"lr"`
	GradNorm float64  `json:"grad_norm"`
	Tokens   int64    `json:"tokens"`
	ElapsedS float64  `json:"elapsed_s"`
}

// SFTOptions describe one `mirage train sft` run.
type SFTOptions struct {
	// ModelDir is the starting model: config.json plus model.safetensors (or shards) or a
	// model.onnx mirage wrote. Exactly one of ModelDir and InitConfig is set.
	ModelDir string
	// InitConfig is a config.json for a model initialised at random (seeded by Config.Seed).
	InitConfig string
	// TokenizerDir holds tokenizer.json for text data and is copied into the exported folder;
	// default ModelDir.
	TokenizerDir string
	// Data and EvalData are the training and (optional) evaluation files (see ReadExamples).
	Data, EvalData string
	// Template is how text prompts are rendered: "raw" (default), "chat" or "none" (see
	// DataOptions.Template); use the one you will sample with.
	Template string
	// OutDir receives metrics.jsonl, checkpoints/ and, at the end, the exported model folder
	// (model.onnx + model.onnx.data, model.safetensors, config.json, tokenizer files).
	OutDir string
	// Backend is "go" (default, pure Go) or "xla" (binaries built with -tags xla).
	Backend string
	// Resume continues from the newest checkpoint in OutDir (starting afresh when there is none).
	Resume bool
	// Config holds the hyper-parameters.
	Config SFTConfig
	// OnProgress, if set, is called after every step.
	OnProgress func(Progress)
}

// RunSFT reads the model and data, trains, and exports the result to opts.OutDir.
func RunSFT(ctx context.Context, opts SFTOptions) error {
	if (opts.ModelDir == "") == (opts.InitConfig == "") {
		return errors.New("train: give exactly one of a model folder and an init config")
	}
	if opts.OutDir == "" || opts.Data == "" {
		return errors.New("train: need data and an output folder")
	}
	if err := opts.Config.Validate(); err != nil { // before anything loads
		return err
	}
	if opts.ModelDir != "" && datasets.SameFile(opts.ModelDir, opts.OutDir) {
		// The export would replace the starting model with the trained one.
		return fmt.Errorf("train: --out %s is the --model folder; write the trained model to another folder", opts.OutDir)
	}
	var (
		cfg arch.Config
		w   model.Weights
		err error
	)
	if opts.ModelDir != "" {
		if cfg, w, err = weights.Load(opts.ModelDir); err != nil {
			return err
		}
	} else {
		if cfg, err = arch.ReadConfig(opts.InitConfig); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		cfg = cfg.Defaults()
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		w = arch.RandomWeights(cfg, opts.Config.Seed)
	}
	cfg.TorchDtype = "float32" // weights are trained, checkpointed and exported in fp32
	tokDir := opts.TokenizerDir
	if tokDir == "" {
		tokDir = opts.ModelDir
	}
	dataOpts, err := dataOptions(tokDir, opts.Template, cfg)
	if err != nil {
		return err
	}
	if err := checkTokenizer(tokDir, dataOpts.Tokenizer, cfg); err != nil {
		return err
	}
	trainSet, err := ReadExamples(opts.Data, dataOpts)
	if err != nil {
		return err
	}
	var evalSet []Example
	if opts.EvalData != "" {
		if evalSet, err = ReadExamples(opts.EvalData, dataOpts); err != nil {
			return err
		}
	}
	backend, err := NewBackend(opts.Backend)
	if err != nil {
		return err
	}
	defer backend.Finalize()
	m, err := model.New(backend, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	// One run at a time in OutDir: two interleaved their metrics.jsonl lines and checkpoints.
	unlock, err := datasets.LockDir(opts.OutDir)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer unlock()
	w, err = SFT(ctx, m, w, trainSet, evalSet, opts.Config, opts.OutDir, opts.Resume, opts.OnProgress)
	if err != nil {
		return err
	}
	return Export(opts.OutDir, cfg, w, tokDir)
}

// checkTokenizer checks, before the first step, what the export needs of the tokenizer folder
// dir (its files, copied into the model folder; "" exports none) and that the tokenizer's ids
// fit the model's vocabulary (an id past vocab_size has no embedding row: training would fail
// at the first batch that holds one).
func checkTokenizer(dir string, tok *tokenizer.Tokenizer, cfg arch.Config) error {
	if dir != "" {
		if _, err := onnx.TokenizerFilesIn(dir); err != nil {
			return fmt.Errorf("train: the exported model folder needs the tokenizer files: %w; give --tokenizer a folder that has them", err)
		}
	}
	if tok != nil && tok.VocabSize() > cfg.VocabSize {
		return fmt.Errorf("train: the tokenizer in %s has %d tokens, more than the config's vocab_size %d (ids %d and up have no embedding row); use the model's own tokenizer or a config with vocab_size ≥ %d",
			dir, tok.VocabSize(), cfg.VocabSize, cfg.VocabSize, tok.VocabSize())
	}
	return nil
}

// SFT trains w (updated in place and returned) on the examples, writing metrics.jsonl and
// checkpoints to out. With resume it first loads the newest checkpoint in out, if any, and
// continues from it; the result is the same as an uninterrupted run's. When ctx is cancelled it
// stops between steps and saves a checkpoint of the last completed step.
func SFT(ctx context.Context, m *model.Model, w model.Weights, train, eval []Example, c SFTConfig,
	out string, resume bool, onProgress func(Progress)) (model.Weights, error) {
	cfg := m.Config()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults(cfg, len(train))
	if len(train) == 0 {
		return nil, errors.New("train: no training examples")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}

	// Start: fresh, or where the newest checkpoint left off.
	opt := NewAdamW(w, *c.Beta1, *c.Beta2, *c.Eps, c.WeightDecay)
	state := checkpointState{Data: fingerprint(train)}
	if resume {
		ckW, ckOpt, st, ok, err := loadCheckpoint(out, cfg)
		if err != nil {
			return nil, err
		}
		if ok {
			if d := configDiff(st.Config, c); d != "" {
				return nil, fmt.Errorf("train: --resume with different settings than the checkpoint's (%s); resume with the first run's flags", d)
			}
			if st.Data != fingerprint(train) {
				return nil, fmt.Errorf("train: --resume with different training data than the checkpoint's (%s, now %s)", st.Data, fingerprint(train))
			}
			w, opt, state = ckW, ckOpt, st
		}
	} else if steps, err := listCheckpoints(out); err != nil {
		return nil, err
	} else if len(steps) > 0 {
		return nil, fmt.Errorf("train: %s already holds checkpoints; pass --resume to continue or choose a new output folder", out)
	}
	metrics, err := openMetrics(filepath.Join(out, "metrics.jsonl"), 1, state.Step)
	if err != nil {
		return nil, err
	}
	defer metrics.Close()
	enc := json.NewEncoder(metrics)
	started := time.Now().Add(-time.Duration(state.ElapsedS * float64(time.Second)))
	savedStep := state.Step
	order := &dataOrder{n: len(train), seed: c.Seed}

	for step := state.Step; step < c.Steps; step++ {
		if err := ctx.Err(); err != nil { // interrupted: keep what was done for --resume
			if step > savedStep {
				if err := saveCheckpoint(out, cfg, w, opt, state, c.KeepCheckpoints); err != nil {
					return nil, err
				}
			}
			return nil, fmt.Errorf("train: stopped after step %d (checkpoint saved): %w", step, err)
		}

		// Batch → loss → gradients, summed over the accumulated micro-batches.
		var nll float64
		var tokens int
		var grads model.Weights
		for micro := range c.GradAccum {
			batch, n := makeBatch(order.microBatch(train, c.BatchSize, step*c.GradAccum+micro), c.MaxSeqLen)
			l, g, err := m.LossAndGrads(w, batch)
			if err != nil {
				return nil, fmt.Errorf("train: step %d: %w", step+1, err)
			}
			nll, tokens = nll+l, tokens+n
			grads = addInto(grads, g)
		}
		if tokens == 0 {
			return nil, fmt.Errorf("train: step %d has no response tokens (all cut by max_seq_len %d?)", step+1, c.MaxSeqLen)
		}
		scale(grads, 1/float32(tokens)) // mean over the step's response tokens

		// Update.
		gradNorm := clipGlobalNorm(grads, *c.ClipNorm)
		lr := LearningRate(step, c.Steps, c.WarmupSteps, *c.LR, c.MinLRRatio, c.Schedule)
		opt.Update(w, grads, lr)
		state.Step, state.Tokens = step+1, state.Tokens+int64(tokens)
		state.Config, state.ElapsedS = c, time.Since(started).Seconds()

		// Log.
		p := Progress{Step: step + 1, Steps: c.Steps, Loss: nll / float64(tokens), EvalLoss: math.NaN(),
			LR: lr, GradNorm: gradNorm, Tokens: state.Tokens, Elapsed: time.Duration(state.ElapsedS * float64(time.Second))}
		last := step+1 == c.Steps
		if len(eval) > 0 && (last || (c.EvalEvery > 0 && (step+1)%c.EvalEvery == 0)) {
			if p.EvalLoss, err = EvalLoss(m, w, eval, c.BatchSize, c.MaxSeqLen); err != nil {
				return nil, err
			}
		}
		line := metricsLine{Step: p.Step, Loss: p.Loss, LR: lr, GradNorm: gradNorm, Tokens: p.Tokens, ElapsedS: p.Elapsed.Seconds()}
		if !math.IsNaN(p.EvalLoss) {
			line.EvalLoss = &p.EvalLoss
		}
		if err := enc.Encode(line); err != nil {
			return nil, fmt.Errorf("train: metrics: %w", err)
		}
		if onProgress != nil {
			onProgress(p)
		}

		// Checkpoint.
		if last || (c.CheckpointEvery > 0 && (step+1)%c.CheckpointEvery == 0) {
			if err := saveCheckpoint(out, cfg, w, opt, state, c.KeepCheckpoints); err != nil {
				return nil, err
			}
			savedStep = state.Step
		}
	}
	return w, nil
}

// EvalLoss is the mean negative log-likelihood per response token of examples.
func EvalLoss(m *model.Model, w model.Weights, examples []Example, batchSize, maxLen int) (float64, error) {
	var nll float64
	var tokens int
	for start := 0; start < len(examples); start += batchSize {
		batch, n := makeBatch(examples[start:min(start+batchSize, len(examples))], maxLen)
		lp, err := m.TokenLogProbs(w, batch)
		if err != nil {
			return 0, fmt.Errorf("train: eval: %w", err)
		}
		for i := range lp {
			for t, v := range lp[i] {
				nll -= float64(v) * float64(batch.Mask[i][t])
			}
		}
		tokens += n
	}
	if tokens == 0 {
		return 0, errors.New("train: eval data has no response tokens")
	}
	return nll / float64(tokens), nil
}

// Export writes the final model folder: ONNX (model.onnx + data, config.json,
// generation_config.json, tokenizer files from tokenizerDir if any) and model.safetensors.
func Export(dir string, cfg arch.Config, w model.Weights, tokenizerDir string) error {
	if err := onnx.WriteModel(dir, cfg, w, onnx.WriteOptions{TokenizerDir: tokenizerDir}); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	return weights.WriteSafetensors(filepath.Join(dir, "model.safetensors"), w, map[string]string{"format": "pt"})
}

func addInto(sum, g model.Weights) model.Weights {
	if sum == nil {
		return g
	}
	for name, t := range g {
		s := sum[name].Data
		for i, v := range t.Data {
			s[i] += v
		}
	}
	return sum
}

func scale(w model.Weights, f float32) {
	for _, t := range w {
		for i := range t.Data {
			t.Data[i] *= f
		}
	}
}

// openMetrics opens a JSONL file of records with a "step" field for appending, first keeping
// only the lines with from ≤ step ≤ keep (a resumed run redoes the steps after keep).
func openMetrics(path string, from, keep int) (*os.File, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("train: %w", err)
	}
	var kept []byte
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		var m metricsLine
		if json.Unmarshal(line, &m) == nil && m.Step <= keep && m.Step >= from {
			kept = append(kept, line...)
		}
	}
	if err := os.WriteFile(path, kept, 0o644); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	return f, nil
}

// fingerprint identifies a training set: its size and an FNV-1a hash of every token id in order.
func fingerprint(examples []Example) string {
	h := fnv.New64a()
	var buf [8]byte
	for _, ex := range examples {
		for _, part := range [][]int{ex.Prompt, ex.Response} {
			binary.LittleEndian.PutUint64(buf[:], uint64(len(part)))
			h.Write(buf[:])
			for _, id := range part {
				binary.LittleEndian.PutUint64(buf[:], uint64(id))
				h.Write(buf[:])
			}
		}
	}
	return fmt.Sprintf("%d examples, fnv64a %016x", len(examples), h.Sum64())
}
