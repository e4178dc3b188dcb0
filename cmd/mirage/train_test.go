package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if err := newApp().RunContext(context.Background(), append(args, "--steps", "3", "--resume")); err == nil {
		t.Error("resume with different settings accepted")
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
