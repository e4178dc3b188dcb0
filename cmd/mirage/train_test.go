package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/train"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/weights"
)

// TestTrainSFTCommand runs `mirage train sft` from a random init on text pairs with the tiny
// Llama's tokenizer, then continues it with --resume to more steps, and checks the folder it
// leaves: a model folder plus one metrics line per step.
func TestTrainSFTCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	writeText(t, cfg, `{"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
		"intermediate_size": 32, "vocab_size": 32000, "eos_token_id": 2, "bos_token_id": 1}`)
	data := filepath.Join(dir, "pairs.jsonl")
	writeText(t, data, `{"prompt": "2+2=", "response": "4"}`+"\n"+`{"prompt": "3+3=", "response": "6"}`+"\n")
	out := filepath.Join(dir, "run")
	args := []string{"mirage", "train", "sft", "--init-config", cfg, "--tokenizer", "../../testdata/models/tiny-llama",
		"--data", data, "--eval-data", data, "--out", out, "--batch-size", "2", "--lr", "1e-2", "--quiet"}
	if err := newApp().RunContext(context.Background(), append(args, "--steps", "2")); err != nil {
		t.Fatal(err)
	}
	if err := newApp().RunContext(context.Background(), append(args, "--steps", "2")); err == nil ||
		!strings.Contains(err.Error(), "--resume") {
		t.Errorf("second run into the same folder: err = %v, want a hint to use --resume", err)
	}
	// More steps is a different schedule, so resuming must refuse rather than silently mix.
	// The refusal names each differing field, old → new (issue 17: it printed two struct dumps).
	if err := newApp().RunContext(context.Background(), append(args, "--steps", "3", "--lr", "0.02", "--resume")); err == nil ||
		!strings.Contains(err.Error(), "(lr: 0.01 → 0.02, steps: 2 → 3)") {
		t.Errorf("resume with different settings: %v; want the refusal to name lr: 0.01 → 0.02, steps: 2 → 3", err)
	}
	for _, f := range []string{"model.onnx", "model.onnx.data", "model.safetensors", "config.json", "tokenizer.json", "metrics.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output folder lacks %s", f)
		}
	}
	f, err := os.Open(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		if lines == 1 && !strings.Contains(sc.Text(), `"eval_loss"`) {
			t.Errorf("last metrics line has no eval loss: %s", sc.Text())
		}
	}
	if lines != 2 {
		t.Errorf("%d metrics lines, want 2", lines)
	}
}

// Fixed bugs (issue 17): a value given on the command line is honoured or refused, never
// replaced by a default (--lr 0 trained at 1e-4); what the run and its export need is checked
// before the first step (a tokenizer larger than the config's vocabulary failed at step 1 with
// an index error; a --model folder without tokenizer files trained, then left model.onnx and
// config.json without model.onnx.data).
func TestTrainSFTGivenValues(t *testing.T) {
	dir := t.TempDir()
	const tokDir = "../../testdata/models/tiny-llama"
	cfgText := `{"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
		"intermediate_size": 32, "vocab_size": %d, "eos_token_id": 2, "bos_token_id": 1}`
	cfg, small := filepath.Join(dir, "config.json"), filepath.Join(dir, "small.json")
	writeText(t, cfg, fmt.Sprintf(cfgText, 32000))
	writeText(t, small, fmt.Sprintf(cfgText, 1000))
	data := filepath.Join(dir, "pairs.jsonl")
	writeText(t, data, `{"prompt": "2+2=", "response": "4"}`+"\n"+`{"prompt": "3+3=", "response": "6"}`+"\n")
	sft := func(out string, args ...string) error {
		return newApp().RunContext(context.Background(), append([]string{"mirage", "train", "sft", "--data", data, "--out", out,
			"--template", "raw", "--batch-size", "2", "--steps", "2", "--quiet"}, args...))
	}

	t.Run("--lr 0 leaves the weights as they were", func(t *testing.T) {
		out := filepath.Join(dir, "lr0")
		if err := sft(out, "--init-config", cfg, "--tokenizer", tokDir, "--lr", "0", "--seed", "3"); err != nil {
			t.Fatal(err)
		}
		c, err := arch.ReadConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		init := arch.RandomWeights(c.Defaults(), 3)
		got, _, err := weights.ReadSafetensors(filepath.Join(out, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range init {
			if g, ok := got[name]; !ok || !slices.Equal(g.Data, w.Data) {
				t.Errorf("%s changed by training at --lr 0", name)
			}
		}
	})
	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"--batch-size 0", "--batch-size 0; want at least 1", []string{"--init-config", cfg, "--tokenizer", tokDir, "--batch-size", "0"}},
		{"--clip 0", "--clip 0 would scale every gradient to zero", []string{"--init-config", cfg, "--tokenizer", tokDir, "--clip", "0"}},
		{"--beta2 1", "--beta2 1; want a value in [0, 1)", []string{"--init-config", cfg, "--tokenizer", tokDir, "--beta2", "1"}},
		{"tokenizer larger than the vocabulary", "has 32000 tokens, more than the config's vocab_size 1000", []string{"--init-config", small, "--tokenizer", tokDir}},
		{"model folder without tokenizer files", "the exported model folder needs the tokenizer files", []string{"--model", filepath.Join(dir, "lr0", "checkpoints", "step-00000002")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := sft(out, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v; want an error saying %q", err, tc.want)
			}
			// Refused before the first step: nothing trained, no model folder begun.
			for _, f := range []string{"metrics.jsonl", "checkpoints", "model.onnx", "config.json"} {
				if _, err := os.Stat(filepath.Join(out, f)); err == nil {
					t.Errorf("the refused run left %s", f)
				}
			}
		})
	}
	t.Run("--out that another run writes", func(t *testing.T) {
		// Two runs on one --out both exited 0, their metrics.jsonl lines interleaved.
		out := filepath.Join(dir, "busy")
		unlock, err := datasets.LockDir(out) // the other run
		if err != nil {
			t.Fatal(err)
		}
		err = sft(out, "--init-config", cfg, "--tokenizer", tokDir)
		if err == nil || !strings.Contains(err.Error(), out+" is being written by another run") {
			t.Errorf("%v; want the busy --out refused", err)
		}
		if _, err := os.Stat(filepath.Join(out, "metrics.jsonl")); err == nil {
			t.Error("the refused run wrote metrics.jsonl")
		}
		unlock()
		if err := sft(out, "--init-config", cfg, "--tokenizer", tokDir); err != nil {
			t.Errorf("after the other run ended: %v", err)
		}
	})
	t.Run("--out is the --model folder", func(t *testing.T) {
		// The export replaced the starting model with the trained one.
		base := filepath.Join(dir, "base") // lr0's model folder, without its run's checkpoints
		if err := os.CopyFS(base, os.DirFS(filepath.Join(dir, "lr0"))); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(filepath.Join(base, "checkpoints"))
		os.Remove(filepath.Join(base, "metrics.jsonl"))
		before, err := os.ReadFile(filepath.Join(base, "model.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if err := sft(base+"/.", "--model", base, "--lr", "0.01"); err == nil || !strings.Contains(err.Error(), "is the --model folder") {
			t.Errorf("%v; want the output refused as the starting model", err)
		}
		if after, _ := os.ReadFile(filepath.Join(base, "model.safetensors")); !slices.Equal(after, before) {
			t.Error("the starting model was rewritten")
		}
	})
}

// TestTrainRLCommand runs `mirage train rl` with --preset paper and overrides on a tiny model
// (made by mirage train sft) and checks what it leaves: the config file records the preset's
// values and the flags that override them, steps.jsonl holds one record per step with the
// issue's metrics, eval.jsonl an evaluation before the first step and after the last, and the
// final model folder is complete. A bad reward name fails before anything runs.
func TestTrainRLCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	writeText(t, cfg, `{"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
		"intermediate_size": 32, "vocab_size": 32000, "eos_token_id": 2, "bos_token_id": 1, "max_position_embeddings": 64}`)
	pairs := filepath.Join(dir, "pairs.jsonl")
	writeText(t, pairs, `{"prompt": "2+2=", "response": "<think>x</think><answer>4</answer>"}`+"\n")
	sft := filepath.Join(dir, "sft")
	if err := newApp().RunContext(context.Background(), []string{"mirage", "train", "sft", "--init-config", cfg,
		"--tokenizer", "../../testdata/models/tiny-llama", "--data", pairs, "--out", sft, "--template", "raw", "--steps", "1", "--quiet"}); err != nil {
		t.Fatal(err)
	}
	problems := filepath.Join(dir, "problems.jsonl")
	writeText(t, problems, `{"id": "a", "prompt": "2+2=", "ground_truth": "4"}`+"\n"+`{"id": "b", "prompt": "3+3=", "ground_truth": "6"}`+"\n")
	out := filepath.Join(dir, "rl")
	args := []string{"mirage", "train", "rl", "--model", sft, "--data", problems, "--eval-data", problems, "--out", out,
		"--template", "raw", "--preset", "paper", "--steps", "2", "--batch-prompts", "2", "--mini-batch-prompts", "1", "--n", "2",
		"--max-new-tokens", "4", "--eval-n", "2", "--reward", "format", "--lr", "1e-3", "--quiet"}
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--reward", "maj_vote")); err == nil ||
		!strings.Contains(err.Error(), "majority") {
		t.Errorf("--reward maj_vote: err = %v, want the list of rewards", err)
	}
	os.RemoveAll(out)
	// Another run writing --out: refused (two runs both exited 0, their steps.jsonl interleaved).
	unlock, err := datasets.LockDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := newApp().RunContext(context.Background(), args); err == nil || !strings.Contains(err.Error(), out+" is being written by another run") {
		t.Errorf("--out locked by another run: %v; want it refused", err)
	}
	if _, err := os.Stat(filepath.Join(out, "steps.jsonl")); err == nil {
		t.Error("the refused run wrote steps.jsonl")
	}
	unlock()
	// --policy-layout reaches the policy export: this model's head size (8) has no ORT layout.
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--policy-layout", "ort")); err == nil ||
		!strings.Contains(err.Error(), "head size 8 is not a multiple of 16") {
		t.Errorf("--policy-layout ort with head size 8: err = %v, want the head size named", err)
	}
	os.RemoveAll(out)
	if err := newApp().RunContext(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	var rc map[string]any
	b, err := os.ReadFile(filepath.Join(out, "rl_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rc); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"steps": 2.0, "batch_prompts": 2.0, "n": 2.0, "clip_c": 10.0, "clip_high": 0.28,
		"weight_decay": 0.1, "warmup_steps": 10.0, "dynamic_sampling": true, "reward": "format", "lr": 1e-3, "eval_top_p": 0.7} {
		if rc[k] != want {
			t.Errorf("rl_config.json %s = %v, want %v", k, rc[k], want)
		}
	}
	steps := readLines(t, filepath.Join(out, "steps.jsonl"))
	if len(steps) != 2 {
		t.Fatalf("%d step records, want 2", len(steps))
	}
	for _, key := range []string{"reward", "accuracy", "ground_truth_reward", "format_rate", "response_len", "entropy", "clip_frac",
		"kl_ref", "logprob_diff_mean", "kept_groups", "sample_s", "grade_s", "update_s", "export_s"} {
		if _, ok := steps[1][key]; !ok {
			t.Errorf("step record lacks %q: %v", key, steps[1])
		}
	}
	evals := readLines(t, filepath.Join(out, "eval.jsonl"))
	if len(evals) != 2 || evals[0]["step"] != 0.0 || evals[1]["step"] != 2.0 {
		t.Errorf("eval records %v, want steps 0 and 2", evals)
	}
	for _, f := range []string{"model.onnx", "model.onnx.data", "model.safetensors", "tokenizer.json", "policy/model.onnx"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output folder lacks %s", f)
		}
	}
	// A finished run resumed does nothing more; one into the same folder without --resume is refused.
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--resume")); err != nil {
		t.Errorf("resuming a finished run: %v", err)
	}
	if err := newApp().RunContext(context.Background(), args); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("second run into the same folder: err = %v, want a hint to use --resume", err)
	}
	// The sidecar records the grading and, for the reader, what the run started from.
	side, err := os.ReadFile(filepath.Join(out, "steps.jsonl.run.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"grader": "auto"`, `"format": "think-answer"`, `"template": "raw"`, strconv.Quote(problems)} {
		if !strings.Contains(string(side), want) {
			t.Errorf("steps.jsonl.run.json lacks %s:\n%s", want, side)
		}
	}
	// A resume with other grading or evaluation prompts is refused too (steps.jsonl.run.json).
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--resume", "--grader", "math-strict")); err == nil ||
		!strings.Contains(err.Error(), `grader: "auto" → "math-strict"`) {
		t.Errorf("resume with another grader: err = %v, want the change named", err)
	}
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--resume", "--eval-data", pairs)); err == nil ||
		!strings.Contains(err.Error(), "eval prompts") {
		t.Errorf("resume with other evaluation data: err = %v, want the change named", err)
	}
	// A resume with other settings names what changed.
	if err := newApp().RunContext(context.Background(), append(slices.Clone(args), "--resume", "--steps", "3", "--clip-c", "5")); err == nil ||
		!strings.Contains(err.Error(), "clip_c: 10 → 5, steps: 2 → 3") {
		t.Errorf("resume with other settings: err = %v, want the changed fields listed", err)
	}
}

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// TestRLStepLine checks that the progress line shows each per-step figure the issue lists,
// and the evaluation's pass@1 on a step that evaluated: distinct values, each must appear.
func TestRLStepLine(t *testing.T) {
	s := train.RLStep{Step: 3, Steps: 10, Reward: 0.125, Accuracy: 0.375, FormatRate: 0.75, ResponseLen: 42, Entropy: 0.625,
		ClipFrac: 0.031, KLRef: 0.0017, LogprobDiffMax: 3.1e-05, KeptGroups: 6, SampledGroups: 16,
		SampleS: 1.5, GradeS: 2.5, UpdateS: 3.5, ExportS: 0.25}
	line := rlStepLine(s)
	for _, want := range []string{"reward 0.125", "acc 0.375", "fmt 0.75", "len 42", "ent 0.625", "clip 0.031", "kl 0.0017",
		"lpdiff 3.1e-05", "kept 6/16", "sample 1.5s", "grade 2.5s", "update 3.5s", "export 0.25s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "eval") {
		t.Errorf("progress line %q shows an evaluation the step did not run", line)
	}
	s.Eval = &train.RLEval{PassAtK: []train.KPass{{K: 1, Value: 0.4375}}}
	if line := rlStepLine(s); !strings.Contains(line, "eval pass@1 0.438") {
		t.Errorf("progress line %q lacks the evaluation's pass@1", line)
	}
}

// TestTrainRLZeroIsNotADefault checks that a 0 typed on the command line is refused where the
// default would replace it (it used to run silently with the default: --p 0 trained with
// p = 0.5), before anything loads, and accepted where 0 is the value itself (--kl-coef 0 is off,
// also under a preset that sets another value).
func TestTrainRLZeroIsNotADefault(t *testing.T) {
	dir := t.TempDir()
	base := []string{"mirage", "train", "rl", "--model", filepath.Join(dir, "missing"), "--data", "x.jsonl", "--out", filepath.Join(dir, "out"), "--quiet"}
	for flag, def := range map[string]string{"p": "0.5", "lambda": "0.1", "eval-temperature": "1", "n": "8", "steps": "300", "lr": "1e-06", "clip-low": "0.2"} {
		err := newApp().RunContext(context.Background(), append(slices.Clone(base), "--"+flag, "0"))
		if want := "--" + flag + " 0 would run with the default " + def; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--%s 0: err = %v, want %q", flag, err, want)
		}
	}
	for _, args := range [][]string{{"--kl-coef", "0"}, {"--preset", "paper", "--warmup", "0"}, {"--top-p", "0"}, {"--one-shot-index", "0"}} {
		if err := newApp().RunContext(context.Background(), append(slices.Clone(base), args...)); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("%v: err = %v, want the missing model folder (the value accepted)", args, err)
		}
	}
}

// TestTrainRLHelpDefaults checks the defaults mirage train rl --help shows against the ones
// the trainer applies (train.RLConfig{}.WithDefaults): each numeric flag's shown default ("300",
// "8; paper 128", "off") is the value a run without the flag uses, and no flag line shows two
// defaults (it showed "(default 300) (default: 0)").
func TestTrainRLHelpDefaults(t *testing.T) {
	resolved := train.RLConfig{}.WithDefaults()
	for _, f := range rlFlags {
		if f.value == nil {
			continue
		}
		name := f.flag.Names()[0]
		shown := f.flag.(cli.DocGenerationFlag).GetDefaultText()
		first := strings.FieldsFunc(shown, func(r rune) bool { return r == ';' || r == ':' || r == ' ' })
		if len(first) == 0 {
			t.Errorf("--%s shows no default", name)
			continue
		}
		want := f.value(resolved)
		got, err := strconv.ParseFloat(first[0], 64)
		switch {
		case first[0] == "off":
			got, err = 0, nil
		case strings.HasPrefix(first[0], "--"): // "(default: --batch-prompts)"
			continue
		}
		if err != nil || got != want {
			t.Errorf("--%s --help shows the default %q; a run without it uses %v", name, shown, want)
		}
	}
	var buf strings.Builder
	app := newApp()
	app.Writer = &buf
	if err := app.RunContext(context.Background(), []string{"mirage", "train", "rl", "--help"}); err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(buf.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "-") && strings.Count(l, "(default") > 1 {
			t.Errorf("help line shows two defaults: %s", strings.TrimSpace(l))
		}
	}
}
