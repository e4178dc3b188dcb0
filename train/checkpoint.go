package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/weights"
)

// A checkpoint is a folder checkpoints/step-NNNNNNNN under the output folder holding
//
//	config.json            the model config
//	model.safetensors      the weights (fp32, HF names: loadable with --model)
//	optimizer.safetensors  AdamW's moments, "m.<name>" and "v.<name>"
//	state.json             step, training config, optimizer step and hyper-parameters
//
// Everything a run needs to continue exactly: the data order is a function of (seed, step), so
// no generator state is stored. Folders are written under a temporary name and renamed, so a
// killed run leaves either a whole checkpoint or none.
const checkpointsDir = "checkpoints"

type checkpointState struct {
	Format    string    `json:"format"`
	Step      int       `json:"step"`
	Config    SFTConfig `json:"config"`
	AdamStep  int       `json:"adam_step"`
	Tokens    int64     `json:"tokens"`
	ElapsedS  float64   `json:"elapsed_s"`
	ModelType string    `json:"model_type"`
	// Data fingerprints the training examples, so a resume on different data is refused.
	Data string `json:"data"`
	// RL is an RL run's config (Config is then unused) and PromptsUsed its position in the
	// prompt stream.
	RL          *RLConfig `json:"rl,omitempty"`
	PromptsUsed int       `json:"prompts_used,omitempty"`
}

const checkpointFormat = "mirage-sft-checkpoint/1"

func checkpointPath(out string, step int) string {
	return filepath.Join(out, checkpointsDir, fmt.Sprintf("step-%08d", step))
}

// saveCheckpoint writes the state after `st.Step` steps and removes all but the newest `keep`.
func saveCheckpoint(out string, cfg arch.Config, w model.Weights, opt *AdamW, st checkpointState, keep int) error {
	final := checkpointPath(out, st.Step)
	tmp := final + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := arch.WriteConfig(filepath.Join(tmp, "config.json"), cfg); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := weights.WriteSafetensors(filepath.Join(tmp, "model.safetensors"), w, nil); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	moments := model.Weights{}
	for name, t := range w {
		moments["m."+name] = &arch.Tensor{Shape: t.Shape, Data: opt.M[name]}
		moments["v."+name] = &arch.Tensor{Shape: t.Shape, Data: opt.V[name]}
	}
	if err := weights.WriteSafetensors(filepath.Join(tmp, "optimizer.safetensors"), moments, nil); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	st.Format, st.AdamStep, st.ModelType = checkpointFormat, opt.Step, cfg.ModelType
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "state.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	steps, err := listCheckpoints(out)
	if err != nil {
		return err
	}
	for len(steps) > max(keep, 1) {
		if err := os.RemoveAll(checkpointPath(out, steps[0])); err != nil {
			return fmt.Errorf("train: checkpoint: %w", err)
		}
		steps = steps[1:]
	}
	return nil
}

// listCheckpoints returns the steps of the complete checkpoints under out, ascending.
func listCheckpoints(out string) ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(out, checkpointsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var steps []int
	for _, e := range entries {
		var step int
		if _, err := fmt.Sscanf(e.Name(), "step-%08d", &step); err == nil && e.IsDir() && !strings.HasSuffix(e.Name(), ".tmp") {
			steps = append(steps, step)
		}
	}
	slices.Sort(steps)
	return steps, nil
}

// loadCheckpoint reads the newest checkpoint under out; ok is false when there is none.
func loadCheckpoint(out string, cfg arch.Config) (w model.Weights, opt *AdamW, st checkpointState, ok bool, err error) {
	steps, err := listCheckpoints(out)
	if err != nil || len(steps) == 0 {
		return nil, nil, st, false, err
	}
	dir := checkpointPath(out, steps[len(steps)-1])
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, nil, st, false, fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Format != checkpointFormat {
		return nil, nil, st, false, fmt.Errorf("train: checkpoint %s/state.json: want format %q (%v)", dir, checkpointFormat, err)
	}
	ckCfg, w, err := weights.Load(dir)
	if err != nil {
		return nil, nil, st, false, fmt.Errorf("train: checkpoint: %w", err)
	}
	a, _ := json.Marshal(ckCfg)
	c, _ := json.Marshal(cfg.Defaults())
	if string(a) != string(c) {
		return nil, nil, st, false, fmt.Errorf("train: checkpoint %s was made for a different model config (%s) than this run's (%s)", dir, a, c)
	}
	moments, _, err := weights.ReadSafetensors(filepath.Join(dir, "optimizer.safetensors"))
	if err != nil {
		return nil, nil, st, false, fmt.Errorf("train: checkpoint: %w", err)
	}
	opt = &AdamW{Step: st.AdamStep, M: map[string][]float32{}, V: map[string][]float32{}}
	if st.RL != nil {
		opt.Beta1, opt.Beta2, opt.Eps, opt.WeightDecay = st.RL.Beta1, st.RL.Beta2, st.RL.Eps, st.RL.WeightDecay
	} else {
		// SFT checkpoints hold the config with its defaults filled in.
		c := st.Config.withDefaults(cfg, 0)
		opt.Beta1, opt.Beta2, opt.Eps, opt.WeightDecay = *c.Beta1, *c.Beta2, *c.Eps, c.WeightDecay
	}
	for name, t := range w {
		m, v := moments["m."+name], moments["v."+name]
		if m == nil || v == nil || len(m.Data) != len(t.Data) || len(v.Data) != len(t.Data) {
			return nil, nil, st, false, fmt.Errorf("train: checkpoint %s: optimizer state for %s missing or mis-shaped", dir, name)
		}
		opt.M[name], opt.V[name] = m.Data, v.Data
	}
	return w, opt, st, true, nil
}

// configDiff lists the fields in which two configs differ, as "name: old → new" by JSON name
// in name order ("" when none does): what a refused --resume names.
func configDiff[T any](old, now T) string {
	var a, b map[string]any
	ja, _ := json.Marshal(old)
	jb, _ := json.Marshal(now)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: %v → %v", k, a[k], b[k]))
		}
	}
	return strings.Join(diffs, ", ")
}
