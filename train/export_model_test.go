package train

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/train/weights"
)

// tokenizerSource is an HF tokenizer folder (405 tokens) the test checkpoints borrow.
const tokenizerSource = "../testdata/lab-models/tiny-arith"

// writeHFFolder writes an HF checkpoint folder (config.json, model.safetensors, the tokenizer
// files of tokenizerSource) with random weights large enough that the logits differ clearly,
// stored as float32 or, with bf16, as bfloat16 (as most HF checkpoints are). It returns the
// weights the file holds.
func writeHFFolder(t *testing.T, cfg arch.Config, seed uint64, bf16 bool) (string, map[string]*arch.Tensor) {
	t.Helper()
	cfg = cfg.Defaults()
	cfg.InitializerRange = 0.3
	w := arch.RandomWeights(cfg, seed)
	dir := t.TempDir()
	if err := arch.WriteConfig(filepath.Join(dir, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "model.safetensors")
	if bf16 {
		writeBF16Safetensors(t, st, w)
	} else if err := weights.WriteSafetensors(st, w, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(tokenizerSource, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, w
}

// writeBF16Safetensors writes w to path as BF16 safetensors (round to nearest even) and rounds
// w in place to the values stored.
func writeBF16Safetensors(t *testing.T, path string, w map[string]*arch.Tensor) {
	t.Helper()
	header := map[string]any{}
	var data []byte
	for _, name := range arch.SortedNames(w) {
		tensor := w[name]
		start := len(data)
		for j, v := range tensor.Data {
			b := math.Float32bits(v)
			b += 0x7fff + (b>>16)&1
			data = binary.LittleEndian.AppendUint16(data, uint16(b>>16))
			tensor.Data[j] = math.Float32frombits(b &^ 0xffff)
		}
		header[name] = map[string]any{"dtype": "BF16", "shape": tensor.Shape, "data_offsets": []int{start, len(data)}}
	}
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hb)))
	if err := os.WriteFile(path, append(append(out, hb...), data...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExportModel exports HF checkpoints (float32 and bfloat16 safetensors) to ONNX in fp32, fp16, int8 and int4 (and one in the
// ort layout, fp32, int8 and int4: GroupQueryAttention, right padding) and decodes them greedily in
// ONNX Runtime (prompts of different lengths in one batch, cached decoding). Each chosen token's
// log-probability must equal the float64 reference forward's (arch.ReferenceForward on the
// checkpoint's weights; for fp16 on those rounded to fp16, for int8/int4 on the dequantised ones) within the stated tolerance, and the chosen token must be the
// reference's argmax up to that tolerance.
func TestExportModel(t *testing.T) {
	configs := []struct {
		name   string
		cfg    arch.Config
		bf16   bool   // the checkpoint stores bfloat16
		layout string // ExportOptions.Layout
	}{
		{"llama GQA", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 405, EOSTokenID: arch.TokenIDs{1}}, false, ""},
		{"qwen2 tied", arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			NumKeyValueHeads: 1, IntermediateSize: 48, VocabSize: 405, TieWordEmbeddings: true, EOSTokenID: arch.TokenIDs{1}}, false, ""},
		{"llama MHA biases bf16", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
			IntermediateSize: 48, VocabSize: 405, AttentionBias: true, EOSTokenID: arch.TokenIDs{1}}, true, ""},
		// The ONNX Runtime layout (GroupQueryAttention needs head size 16k), served right-padded.
		{"qwen2 GQA ort", arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4,
			NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 405, EOSTokenID: arch.TokenIDs{1}}, false, LayoutORT},
	}
	dtypes := []struct {
		dtype string
		tol   float64 // per-token log-probability tolerance against the float64 reference
	}{
		{DTypeFP32, 1e-4},
		{DTypeFP16, 1e-2},
		{DTypeInt4, 1e-4}, // MatMulNBits computes in fp32 with the dequantised weights
		{DTypeInt8, 0.3},  // ... and int8 graphs quantise the activations too (measured up to 0.19)
	}
	const newTokens = 6
	prompts := [][]int{{5, 6, 7, 8, 9, 10, 11}, {12, 13}, {14, 15, 16, 17}}
	for i, tc := range configs {
		src, w := writeHFFolder(t, tc.cfg, uint64(i+1), tc.bf16)
		cfg := tc.cfg.Defaults()
		for _, dt := range dtypes {
			if tc.layout == LayoutORT && dt.dtype == DTypeFP16 {
				continue // refused (TestExportModelRefuses)
			}
			t.Run(tc.name+" "+dt.dtype, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "onnx")
				if err := ExportModel(context.Background(), ExportOptions{ModelDir: src, OutDir: out, DType: dt.dtype, Layout: tc.layout}); err != nil {
					t.Fatal(err)
				}
				for _, name := range []string{onnx.ModelFile, onnx.DataFile, "config.json", "tokenizer.json", "tokenizer_config.json"} {
					if _, err := os.Stat(filepath.Join(out, name)); err != nil {
						t.Errorf("exported folder: %v", err)
					}
				}
				ref := w
				switch dt.dtype {
				case DTypeInt8, DTypeInt4:
					var err error
					if ref, err = onnx.Dequantized(w, map[string]int{DTypeInt8: 8, DTypeInt4: 4}[dt.dtype]); err != nil {
						t.Fatal(err)
					}
				case DTypeFP16:
					ref = map[string]*arch.Tensor{}
					for name, tensor := range w {
						r := arch.NewTensor(tensor.Shape...)
						for j, v := range tensor.Data {
							r.Data[j] = onnx.Float16Value(onnx.Float16Bits(v))
						}
						ref[name] = r
					}
				}
				sm, err := sampler.Open(context.Background(), out, sampler.ModelOptions{})
				if err != nil {
					t.Skipf("ONNX Runtime unavailable (set MIRAGE_ORT_LIB; `make ort`): %v", err)
				}
				defer sm.Close()
				outs, err := sm.Generate(context.Background(), prompts,
					sampler.GenerateOptions{MaxNewTokens: newTokens, IgnoreEOS: true, TokenLogprobs: true})
				if err != nil {
					t.Fatal(err)
				}
				var worst float64
				for p, prompt := range prompts {
					gen := outs[p][0].Tokens
					if len(gen) != newTokens || len(outs[p][0].TokenLogprobs) != newTokens {
						t.Fatalf("prompt %d: %d tokens, %d log-probs generated, want %d", p, len(gen), len(outs[p][0].TokenLogprobs), newTokens)
					}
					seq := append(append([]int(nil), prompt...), gen...)
					logits := arch.ReferenceForward(cfg, ref, [][]int{seq[:len(seq)-1]})[0]
					for k, tok := range gen {
						row := logits[len(prompt)-1+k]
						best, z := 0, 0.0
						for v, l := range row {
							if l > row[best] {
								best = v
							}
						}
						for _, l := range row {
							z += math.Exp(l - row[best])
						}
						want := row[tok] - row[best] - math.Log(z)
						d := math.Abs(want - float64(outs[p][0].TokenLogprobs[k]))
						worst = max(worst, d)
						if d > dt.tol {
							t.Errorf("prompt %d, new token %d (%d): log-prob ORT %.6f, reference %.6f (|Δ| = %.2g > %g)",
								p, k, tok, outs[p][0].TokenLogprobs[k], want, d, dt.tol)
						}
						if gap := row[best] - row[tok]; gap > dt.tol {
							t.Errorf("prompt %d, new token %d: ORT chose %d, the reference's argmax %d is %.3g above it", p, k, tok, best, gap)
						}
					}
				}
				t.Logf("largest per-token log-prob error: %.2g", worst)
			})
		}
	}
}

// TestExportModelRefuses checks the bad inputs: a folder without config.json or weights (the
// error names what is missing), a --dtype that is not fp32/fp16, an unknown --layout, the ort
// layout with a head size it cannot take or fp16, an existing --out without
// Overwrite (left as it was). A refused or failed export leaves no output folder.
func TestExportModelRefuses(t *testing.T) {
	src, _ := writeHFFolder(t, arch.Config{ModelType: arch.ModelLlama, HiddenSize: 16, NumHiddenLayers: 1,
		NumAttentionHeads: 2, IntermediateSize: 24, VocabSize: 405}, 1, false)
	noConfig := t.TempDir()
	noWeights := t.TempDir()
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noWeights, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(t.TempDir(), "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(existing, "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		opts  ExportOptions
		want  string
		noOut bool
	}{
		{"no config", ExportOptions{ModelDir: noConfig, DType: DTypeFP32}, "config.json", true},
		{"no weights", ExportOptions{ModelDir: noWeights}, "model.safetensors", true},
		{"bf16", ExportOptions{ModelDir: src, DType: "bf16"}, `"bf16": want fp32, fp16, int8 or int4`, true},
		{"bad layout", ExportOptions{ModelDir: src, Layout: "genai"}, `--layout "genai": want standard or ort`, true},
		{"ort head size 8", ExportOptions{ModelDir: src, Layout: LayoutORT}, "head size 8 is not a multiple of 16", true},
		{"ort fp16", ExportOptions{ModelDir: src, Layout: LayoutORT, DType: DTypeFP16}, "layout ort with float16 weights is not supported", true},
		{"out exists", ExportOptions{ModelDir: src, OutDir: existing}, "--overwrite", false},
		{"out is model", ExportOptions{ModelDir: src, OutDir: src}, "is the --model folder", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			if tc.opts.OutDir == "" {
				tc.opts.OutDir = filepath.Join(parent, "out")
			}
			err := ExportModel(context.Background(), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.noOut {
				if entries, _ := os.ReadDir(parent); len(entries) != 0 {
					t.Errorf("a refused export left %v in the output's parent", entries)
				}
			}
		})
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Errorf("the existing --out was touched: %q, %v", b, err)
	}

	// Overwrite replaces the folder only with a complete export; a cancelled one leaves it as it was.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ExportModel(ctx, ExportOptions{ModelDir: src, OutDir: existing, Overwrite: true}); err == nil {
		t.Fatal("a cancelled export succeeded")
	}
	if entries, _ := os.ReadDir(existing); len(entries) != 1 {
		t.Errorf("a cancelled --overwrite export changed the old folder: %v", entries)
	}
	if entries, _ := os.ReadDir(filepath.Dir(existing)); len(entries) != 1 {
		t.Errorf("a cancelled export left %v beside the output", entries)
	}
	if err := ExportModel(context.Background(), ExportOptions{ModelDir: src, OutDir: existing, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keep); !os.IsNotExist(err) {
		t.Errorf("--overwrite kept the old folder's files: %v", err)
	}
	if _, err := os.Stat(filepath.Join(existing, onnx.ModelFile)); err != nil {
		t.Errorf("--overwrite: %v", err)
	}
}
