package onnx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/weights"
)

func smallConfig() arch.Config {
	return arch.Config{ModelType: "qwen2", HiddenSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 48, VocabSize: 64,
		BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2, 3}}.Defaults()
}

func TestFolderContents(t *testing.T) {
	tok := t.TempDir()
	for name, body := range map[string]string{"tokenizer.json": `{"model":{}}`, "tokenizer_config.json": `{"chat_template":"x"}`} {
		if err := os.WriteFile(filepath.Join(tok, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := smallConfig()
	w := testWeights(cfg, 2)
	for _, fp16 := range []bool{false, true} {
		t.Run(map[bool]string{false: "fp32", true: "fp16"}[fp16], func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteModel(dir, cfg, w, WriteOptions{Float16: fp16, TokenizerDir: tok}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"tokenizer.json", "tokenizer_config.json"} {
				got, err := os.ReadFile(filepath.Join(dir, name))
				want, _ := os.ReadFile(filepath.Join(tok, name))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s not copied: %v", name, err)
				}
			}
			got, err := arch.ReadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := cfg
			want.TorchDtype = map[bool]string{false: "float32", true: "float16"}[fp16]
			if !reflect.DeepEqual(got, want) {
				t.Errorf("config.json:\n got %+v\nwant %+v", got, want)
			}
			var raw map[string]any
			b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			if raw["architectures"].([]any)[0] != "Qwen2ForCausalLM" || raw["model_type"] != "qwen2" {
				t.Errorf("config.json lacks what transformers.js needs: %s", b)
			}
			var gen struct{ BOS, EOS any }
			b, _ = os.ReadFile(filepath.Join(dir, "generation_config.json"))
			if err := json.Unmarshal(bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("bos_token_id"), []byte("BOS")), []byte("eos_token_id"), []byte("EOS")), &gen); err != nil {
				t.Fatal(err)
			}
			if gen.BOS != 1.0 || !reflect.DeepEqual(gen.EOS, []any{2.0, 3.0}) {
				t.Errorf("generation_config.json = %s", b)
			}
			// All weights are external: model.onnx holds the graph and small constants only.
			mb, _ := os.ReadFile(filepath.Join(dir, ModelFile))
			inits, err := parseInitializers(mb)
			if err != nil {
				t.Fatal(err)
			}
			external := 0
			for _, in := range inits {
				if _, isParam := w[in.name]; isParam != (in.external && in.raw == nil && in.location == DataFile) {
					t.Errorf("initializer %s: param=%v but external=%v location=%q", in.name, isParam, in.external, in.location)
				}
				if in.external {
					external++
				}
			}
			if external != len(w) {
				t.Errorf("%d external initializers, want %d", external, len(w))
			}
			_, back, err := weights.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			for name, tw := range w {
				for i, v := range tw.Data {
					if fp16 {
						v = Float16Value(Float16Bits(v))
					}
					if back[name].Data[i] != v {
						t.Fatalf("read back %s[%d] = %g, want %g", name, i, back[name].Data[i], v)
					}
				}
			}
		})
	}
}

// TestExporterRewritesOnlyData re-exports new weights, with and without the fsync (Unsynced, as
// the RL policy folder): model.onnx stays the same file, the data file holds the new weights.
func TestExporterRewritesOnlyData(t *testing.T) {
	for _, unsynced := range []bool{false, true} {
		t.Run(fmt.Sprint("unsynced=", unsynced), func(t *testing.T) {
			cfg := smallConfig()
			dir := t.TempDir()
			e, err := NewExporter(dir, cfg, WriteOptions{Unsynced: unsynced})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := e.Export(ctx, testWeights(cfg, 1)); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Stat(filepath.Join(dir, ModelFile))
			beforeBytes, _ := os.ReadFile(filepath.Join(dir, ModelFile))
			w2 := testWeights(cfg, 2)
			if err := e.Export(ctx, w2); err != nil {
				t.Fatal(err)
			}
			after, _ := os.Stat(filepath.Join(dir, ModelFile))
			afterBytes, _ := os.ReadFile(filepath.Join(dir, ModelFile))
			if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) || !bytes.Equal(beforeBytes, afterBytes) {
				t.Errorf("model.onnx was rewritten by the second export")
			}
			_, back, err := weights.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, w2) {
				t.Errorf("data file does not hold the second weights")
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
			t.Run("ort", func(t *testing.T) {
				needORT(t)
				c := &checker{t: t, vocab: cfg.VocabSize}
				checkPaddedDecode(t, c, openORT(t, dir, cfg, WriteOptions{}, true), cfg, w2, true)
			})
		})
	}
}

func TestWriteErrors(t *testing.T) {
	cfg := smallConfig()
	w := testWeights(cfg, 1)
	for _, tc := range []struct {
		name string
		cfg  arch.Config
		w    func() map[string]*arch.Tensor
		opts WriteOptions
		want string
	}{
		{"missing weight", cfg, func() map[string]*arch.Tensor {
			m := map[string]*arch.Tensor{}
			for n, t := range w {
				m[n] = t
			}
			delete(m, arch.NormName)
			return m
		}, WriteOptions{}, "onnx: arch: weight model.norm.weight missing"},
		{"bad config", arch.Config{ModelType: "llama"}, func() map[string]*arch.Tensor { return w }, WriteOptions{}, "field hidden_size"},
		{"bad data file", cfg, func() map[string]*arch.Tensor { return w }, WriteOptions{DataFile: "../x"}, "want a plain file name"},
		{"bad layout", cfg, func() map[string]*arch.Tensor { return w }, WriteOptions{Layout: 9}, "unknown layout"},
		{"empty tokenizer dir", cfg, func() map[string]*arch.Tensor { return w }, WriteOptions{TokenizerDir: t.TempDir()}, "has none of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteModel(t.TempDir(), tc.cfg, tc.w(), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestFloat16(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff},
		{65520, 0x7c00}, // halfway to the next (nonexistent) value rounds to even: Inf
		{65519, 0x7bff},
		{float32(math.Inf(1)), 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{6.103515625e-05, 0x0400},       // smallest normal
		{5.960464477539063e-08, 0x0001}, // smallest subnormal
		{2.9802322387695312e-08, 0},     // half of it: tie to even → 0
		{4.470348358154297e-08, 0x0001}, // 0.75 of it → 1
		{1 + 1.0/2048, 0x3c00},          // tie between 0x3c00 and 0x3c01 → even
		{1 + 3.0/2048, 0x3c02},          // tie between 0x3c01 and 0x3c02 → even
		{0.1, 0x2e66},
	} {
		if got := Float16Bits(tc.in); got != tc.want {
			t.Errorf("Float16Bits(%g) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	if h := Float16Bits(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN → %#04x", h)
	}
	// Every finite half converts to float32 and back unchanged, and is ordered like its value.
	prev := float32(math.Inf(-1))
	for h := 0xfbff; h >= 0x8000; h-- { // negative halves, from -65504 up to -0
		v := Float16Value(uint16(h))
		if Float16Bits(v) != uint16(h) || !(v > prev || h == 0x8000) {
			t.Fatalf("%#04x → %g → %#04x", h, v, Float16Bits(v))
		}
		prev = v
	}
	for h := 0; h <= 0x7bff; h++ {
		v := Float16Value(uint16(h))
		if Float16Bits(v) != uint16(h) || (h > 0 && !(v > prev)) {
			t.Fatalf("%#04x → %g → %#04x", h, v, Float16Bits(v))
		}
		prev = v
		// Values between this half and the next round to the nearer one.
		if h < 0x7bff {
			next := Float16Value(uint16(h + 1))
			for _, frac := range []float64{0.25, 0.49, 0.51, 0.75} {
				x := float32(float64(v) + frac*float64(next-v))
				want := uint16(h)
				if frac > 0.5 {
					want = uint16(h + 1)
				}
				if got := Float16Bits(x); got != want {
					t.Fatalf("Float16Bits(%g) between %#04x and %#04x = %#04x", x, h, h+1, got)
				}
			}
		}
	}
}

// A model far over the 2 GB protobuf limit: the graph stays small, since every weight is external,
// and data offsets beyond 4 GiB are encoded exactly. (Only the graph is built; nothing is written.)
func TestLargeModelIsExternal(t *testing.T) {
	cfg := arch.Config{ModelType: "qwen2", HiddenSize: 1536, NumHiddenLayers: 28, NumAttentionHeads: 12,
		NumKeyValueHeads: 2, IntermediateSize: 8960, VocabSize: 151936} // Qwen2.5-1.5B, untied: 6.2 GB in fp32
	e, err := NewExporter(t.TempDir(), cfg, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.model) > 1<<20 || e.size < 6e9 {
		t.Fatalf("model.onnx %d bytes, data %d bytes", len(e.model), e.size)
	}
	inits, err := parseInitializers(e.model)
	if err != nil {
		t.Fatal(err)
	}
	var last initializer
	end := int64(0)
	for _, in := range inits {
		if !in.external {
			continue
		}
		if in.offset < end {
			t.Fatalf("%s at offset %d overlaps the previous tensor ending at %d", in.name, in.offset, end)
		}
		if want := 4 * int64(arch.Numel(arch.ParamShapes(cfg)[in.name])); in.length != want {
			t.Fatalf("%s: length %d, want %d", in.name, in.length, want)
		}
		end, last = in.offset+in.length, in
	}
	if end != e.size || last.offset < 1<<32 {
		t.Errorf("last tensor %s at %d ends at %d; data size %d", last.name, last.offset, end, e.size)
	}
}
