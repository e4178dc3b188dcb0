package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// tinyArithDir is an HF checkpoint (config.json + model.safetensors + tokenizer) that mirage's
// SFT also exported to ONNX in the same folder.
const tinyArithDir = "../../testdata/lab-models/tiny-arith"

// TestExport exports the shipped tiny-arith checkpoint from its safetensors. In fp32 the ONNX
// files and config must be byte for byte those SFT's export of the same weights wrote; in fp16
// inspect must report float16 caches and logits, and greedy sampling must give the fp32 model's
// completions with cumulative log-probabilities within 0.02; an int4 export samples; an ort-layout
// export is right-padded and samples the fp32 completions within 1e-3. An existing --out, an
// unsupported --dtype or --layout and fp16 with the ort layout are refused.
func TestExport(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	fp32, fp16 := filepath.Join(dir, "fp32"), filepath.Join(dir, "fp16")
	for _, args := range [][]string{{"--out", fp32}, {"--out", fp16, "--dtype", "fp16"}} {
		if _, err := mirageOutput(t, "", append([]string{"export", "--model", tinyArithDir}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"model.onnx", "model.onnx.data", "config.json", "tokenizer.json", "tokenizer_config.json"} {
		got, err := os.ReadFile(filepath.Join(fp32, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(tinyArithDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from SFT's export of the same weights", name)
		}
	}
	if m := inspectJSON(t, fp16).Model; m.CacheType != "float16" || m.LogitsType != "float16" || m.Vocab != 405 {
		t.Errorf("fp16 export: inspect reports %+v", m)
	}

	data := filepath.Join(dir, "p.jsonl")
	if err := os.WriteFile(data, []byte(`{"id":"a","prompt":"12+7=","ground_truth":"19"}
{"id":"b","prompt":"Sort: pear apple fig","ground_truth":"apple fig pear"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	sample := func(model string) []datasets.Sample {
		out := filepath.Join(t.TempDir(), "s.jsonl")
		if _, err := mirageOutput(t, "", "sample", "--model", model, "--data", data, "--out", out,
			"--n", "1", "--max-new-tokens", "8", "--temperature", "0", "--quiet"); err != nil {
			t.Fatal(err)
		}
		ss, err := datasets.ReadSamples(out)
		if err != nil || len(ss) != 2 {
			t.Fatalf("%d samples, %v", len(ss), err)
		}
		return ss
	}
	want, got := sample(tinyArithDir), sample(fp16)
	for i := range want {
		w, g := want[i].Completions[0], got[i].Completions[0]
		if g.Text != w.Text || g.NumTokens != 8 || math.Abs(g.CumulativeLogprob-w.CumulativeLogprob) > 0.02 {
			t.Errorf("problem %s: fp16 export sampled %q (%d tokens, log-prob %.4f), fp32 %q (log-prob %.4f)",
				want[i].ID, g.Text, g.NumTokens, g.CumulativeLogprob, w.Text, w.CumulativeLogprob)
		}
	}

	// An int4 export is served by mirage sample as it is (its quality is train/onnx's
	// TestQuantizedQuality).
	int4 := filepath.Join(dir, "int4")
	if _, err := mirageOutput(t, "", "export", "--model", tinyArithDir, "--out", int4, "--dtype", "int4"); err != nil {
		t.Fatal(err)
	}
	if m := inspectJSON(t, int4).Model; !m.QuantizedWeights || m.CacheType != "float32" {
		t.Errorf("int4 export: inspect reports %+v", m)
	}
	if m := inspectJSON(t, fp32).Model; m.QuantizedWeights {
		t.Errorf("fp32 export: inspect reports quantised weights")
	}
	for _, s := range sample(int4) {
		if c := s.Completions[0]; c.NumTokens != 8 || math.IsNaN(c.CumulativeLogprob) || c.CumulativeLogprob > 0 {
			t.Errorf("problem %s: int4 export sampled %q (%d tokens, log-prob %v)", s.ID, c.Text, c.NumTokens, c.CumulativeLogprob)
		}
	}

	// An ort-layout export (GroupQueryAttention) is served right-padded and samples what the
	// standard graph samples.
	ortDir := filepath.Join(dir, "ort")
	if _, err := mirageOutput(t, "", "export", "--model", tinyArithDir, "--out", ortDir, "--layout", "ort"); err != nil {
		t.Fatal(err)
	}
	if m := inspectJSON(t, ortDir).Model; !m.RightPadding || m.CacheType != "float32" || m.PositionIDs {
		t.Errorf("ort export: inspect reports %+v", m)
	}
	for i, s := range sample(ortDir) {
		w, g := want[i].Completions[0], s.Completions[0]
		if g.Text != w.Text || g.NumTokens != 8 || math.Abs(g.CumulativeLogprob-w.CumulativeLogprob) > 1e-3 {
			t.Errorf("problem %s: ort export sampled %q (%d tokens, log-prob %.6f), standard %q (log-prob %.6f)",
				want[i].ID, g.Text, g.NumTokens, g.CumulativeLogprob, w.Text, w.CumulativeLogprob)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", fp32}, "already exists; remove it or pass --overwrite"},
		{[]string{"--out", filepath.Join(dir, "q"), "--dtype", "int3"}, "want fp32, fp16, int8 or int4"},
		{[]string{"--out", filepath.Join(dir, "q"), "--layout", "genai"}, "want standard or ort"},
		{[]string{"--out", filepath.Join(dir, "q"), "--layout", "ort", "--dtype", "fp16"}, "layout ort with float16 weights is not supported"},
	} {
		_, err := mirageOutput(t, "", append([]string{"export", "--model", tinyArithDir}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("export %v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "q")); !os.IsNotExist(err) {
		t.Errorf("a refused export left its --out: %v", err)
	}
}
