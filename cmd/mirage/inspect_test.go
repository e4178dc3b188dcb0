package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
)

func inspectJSON(t *testing.T, dir string) sampler.Inspection {
	t.Helper()
	out, err := mirageOutput(t, "", "inspect", "--json", "--model", dir)
	if err != nil {
		t.Fatal(err)
	}
	var ins sampler.Inspection
	if err := json.Unmarshal([]byte(out), &ins); err != nil {
		t.Fatalf("inspect --json printed %q: %v", out, err)
	}
	return ins
}

func needRuntime(t *testing.T) {
	t.Helper()
	if _, err := sampler.InitRuntime(); err != nil {
		t.Skipf("no ONNX Runtime (run `make ort`): %v", err)
	}
}

// TestInspectTinyLlama checks the facts of the shared tiny Llama as its files state them
// (genai_config.json, tokenizer_config.json, tokenizer.json).
func TestInspectTinyLlama(t *testing.T) {
	needRuntime(t)
	ins := inspectJSON(t, tinyLlamaDir)
	m := ins.Model
	if m.Format != sampler.FormatGenAI || m.Layers != 2 || m.Heads != 1 || m.KVHeads != 1 || m.HeadSize != 16 ||
		m.ContextLength != 2048 || m.Vocab != 32000 || m.CacheType != "float16" || !m.PositionIDs {
		t.Errorf("model info %+v", m)
	}
	// The JSON names are snake_case, not Go field names.
	raw, err := mirageOutput(t, "", "inspect", "--json", "--model", tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	var keys struct{ Model map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "layers", "kv_heads", "head_size", "context_length", "cache_type", "weight_bytes"} {
		if _, ok := keys.Model[k]; !ok {
			t.Errorf("inspect --json: no %q under \"model\" (keys %v)", k, slices.Sorted(maps.Keys(keys.Model)))
		}
	}
	if ins.TokenizerVocab != 32000 || ins.Special.BOS == nil || ins.Special.BOS.Text != "<s>" || ins.Special.BOS.ID != 1 ||
		ins.Special.EOS == nil || ins.Special.EOS.ID != 2 {
		t.Errorf("tokenizer: vocab %d, special %+v", ins.TokenizerVocab, ins.Special)
	}
	if ins.Producer != "onnxruntime-genai 0.0.0" {
		t.Errorf("producer %q", ins.Producer)
	}
	if ins.ChatTemplate != "tokenizer_config.json chat_template" || !slices.Contains(ins.Runtime.Providers, "CPUExecutionProvider") {
		t.Errorf("chat template %q, providers %v", ins.ChatTemplate, ins.Runtime.Providers)
	}
	// genai_config.json says eos 1 and bos 0, the tokenizer </s> = 2 and <s> = 1: both flagged.
	if len(ins.Warnings) != 2 || !strings.Contains(ins.Warnings[0], `eos_token "</s>" is id 2`) ||
		!strings.Contains(ins.Warnings[1], `bos_token "<s>" is id 1`) {
		t.Errorf("warnings %q", ins.Warnings)
	}
	// fp16 weights: 2 bytes each.
	if m.Params <= 0 || m.WeightBytes != 2*m.Params {
		t.Errorf("params %d, weight bytes %d", m.Params, m.WeightBytes)
	}
	out, err := mirageOutput(t, "", "inspect", "--model", tinyLlamaDir)
	for _, want := range []string{"format          genai (model.onnx; producer onnxruntime-genai 0.0.0)", "vocabulary      tokenizer 32000, logits 32000", "warning: the tokenizer's eos_token"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("text output lacks %q (err %v):\n%s", want, err, out)
		}
	}
}

// TestInspectFormats inspects a model of every layout the sampler reads, written by train/onnx,
// and compares with the config it was written from.
func TestInspectFormats(t *testing.T) {
	needRuntime(t)
	cfg := arch.Config{ModelType: "llama", HiddenSize: 32, NumHiddenLayers: 3, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 300, MaxPositionEmbeddings: 96,
		InitializerRange: 0.25, RopeTheta: 100, BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2}}
	var params int64
	for _, shape := range arch.ParamShapes(cfg) {
		n := int64(1)
		for _, d := range shape {
			n *= int64(d)
		}
		params += n
	}
	for _, layout := range []onnx.Layout{onnx.Optimum, onnx.NoPositionIDs, onnx.LegacyCombinedPast} {
		for _, fp16 := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v-fp16=%v", layout, fp16), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "m")
				if err := onnx.WriteModel(dir, cfg, arch.RandomWeights(cfg, 1), onnx.WriteOptions{Layout: layout, Float16: fp16, TokenizerDir: tinyLlamaDir}); err != nil {
					t.Fatal(err)
				}
				ins := inspectJSON(t, dir)
				m := ins.Model
				wantFormat, wantType, elem := sampler.FormatOptimum, "float32", int64(4)
				if layout == onnx.LegacyCombinedPast {
					wantFormat = sampler.FormatGPT2
				}
				if fp16 {
					wantType, elem = "float16", 2
				}
				if ins.Producer != "mirage 1" {
					t.Errorf("producer %q, want mirage 1", ins.Producer)
				}
				if m.Format != wantFormat || m.Layers != 3 || m.Heads != 4 || m.KVHeads != 2 || m.HeadSize != 8 ||
					m.Vocab != 300 || m.CacheType != wantType || m.PositionIDs != (layout != onnx.NoPositionIDs) {
					t.Errorf("model info %+v", m)
				}
				// The graph holds a few constants besides the weights (rotary tables, shapes).
				if m.Params < params || m.Params > params+params/10 || m.WeightBytes < elem*params {
					t.Errorf("params %d (weights %d), weight bytes %d", m.Params, params, m.WeightBytes)
				}
				if len(ins.Warnings) == 0 || !strings.Contains(ins.Warnings[0], "the tokenizer has 32000 ids but the logits only 300") {
					t.Errorf("warnings %q, want the vocabulary mismatch first", ins.Warnings)
				}
			})
		}
	}
}

func TestInspectBadFolder(t *testing.T) {
	needRuntime(t)
	_, err := mirageOutput(t, "", "inspect", "--model", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "model folder") {
		t.Errorf("error %v, want a model folder error", err)
	}
}
