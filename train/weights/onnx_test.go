package weights

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
)

// TestLoadONNXFolder reads back what the ONNX writer (an independent implementation of the
// format) wrote, in fp32 and fp16.
func TestLoadONNXFolder(t *testing.T) {
	cfg := arch.Config{ModelType: arch.ModelQwen2, HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 24, VocabSize: 33, TieWordEmbeddings: true}
	w := arch.RandomWeights(cfg, 9)
	for _, fp16 := range []bool{false, true} {
		name := map[bool]string{false: "fp32", true: "fp16"}[fp16]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := onnx.WriteModel(dir, cfg, w, onnx.WriteOptions{Float16: fp16}); err != nil {
				t.Fatal(err)
			}
			gotCfg, got, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if gotCfg.HiddenSize != cfg.HiddenSize || !gotCfg.TieWordEmbeddings {
				t.Errorf("config %+v", gotCfg)
			}
			if len(got) != len(w) {
				t.Fatalf("%d tensors, want %d", len(got), len(w))
			}
			for n, want := range w {
				for i, v := range want.Data {
					if fp16 {
						v = onnx.Float16Value(onnx.Float16Bits(v))
					}
					if got[n].Data[i] != v {
						t.Fatalf("%s[%d] = %g, want %g", n, i, got[n].Data[i], v)
					}
				}
			}
		})
	}
	t.Run("int4 export refused", func(t *testing.T) {
		dir := t.TempDir()
		if err := onnx.WriteModel(dir, cfg, w, onnx.WriteOptions{WeightBits: 4}); err != nil {
			t.Fatal(err)
		}
		_, _, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "block-quantised") || !strings.Contains(err.Error(), "_proj.weight_Q") {
			t.Errorf("loading an int4 export: %v, want a refusal naming a quantised weight", err)
		}
	})
	t.Run("truncated data file", func(t *testing.T) {
		dir := t.TempDir()
		if err := onnx.WriteModel(dir, cfg, w, onnx.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		data := filepath.Join(dir, onnx.DataFile)
		st, _ := os.Stat(data)
		os.Truncate(data, st.Size()/2)
		if _, _, err := Load(dir); err == nil {
			t.Error("no error for a truncated model.onnx.data")
		}
	})
}
