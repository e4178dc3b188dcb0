package onnx

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// greedy extends ids by n argmax tokens of arch.ReferenceForward.
func greedy(cfg arch.Config, w map[string]*arch.Tensor, ids []int, n int) []int {
	ids = slices.Clone(ids)
	for range n {
		logits := arch.ReferenceForward(cfg, w, [][]int{ids})[0]
		last := logits[len(logits)-1]
		best := 0
		for i, v := range last {
			if v > last[best] {
				best = i
			}
		}
		ids = append(ids, best)
	}
	return ids
}

// TestTransformersJS loads written folders with transformers.js (a third, independent decoder
// loop; it also reads config.json and generation_config.json) and checks its greedy tokens against
// the reference. transformers.js looks for onnx/model.onnx (onnx/model_fp16.onnx for fp16), so the
// files are linked there.
func TestTransformersJS(t *testing.T) {
	modules := os.Getenv("MIRAGE_NODE_MODULES")
	if modules == "" {
		t.Skip("MIRAGE_NODE_MODULES is not set (make node-deps)")
	}
	if _, err := os.Stat(filepath.Join(modules, "@huggingface/transformers")); err != nil {
		t.Skipf("transformers.js not installed: %v", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	script, err := filepath.Abs("testdata/tjs_generate.mjs")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, tc := range []struct {
		name string
		cfg  arch.Config
		fp16 bool
	}{
		{"llama-gqa", testConfigs[1].cfg, false},
		{"qwen2-mqa-tied", testConfigs[2].cfg, false},
		{"llama-bias-fp16", testConfigs[3].cfg, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.BOSTokenID, cfg.EOSTokenID = arch.TokenIDs{1}, arch.TokenIDs{2}
			cfg = cfg.Defaults()
			w := testWeights(cfg, 4)
			dir := filepath.Join(root, tc.name)
			if err := WriteModel(dir, cfg, w, WriteOptions{Float16: tc.fp16}); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "onnx"), 0o755); err != nil {
				t.Fatal(err)
			}
			dtype, model := "fp32", "model.onnx"
			if tc.fp16 {
				dtype, model = "fp16", "model_fp16.onnx"
			}
			for _, link := range [][2]string{{ModelFile, model}, {DataFile, DataFile}} {
				if err := os.Symlink(filepath.Join("..", link[0]), filepath.Join(dir, "onnx", link[1])); err != nil {
					t.Fatal(err)
				}
			}
			prompt := []int{1, 17, 42, 5, 33}
			ref := w
			if tc.fp16 {
				ref = roundToHalf(w)
			}
			want := greedy(cfg, ref, prompt, 8)
			var ids []string
			for _, id := range prompt {
				ids = append(ids, fmt.Sprint(id))
			}
			cmd := exec.Command("node", script, root, tc.name, dtype, "8", strings.Join(ids, ","))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("transformers.js: %v\n%s", err, out)
			}
			var got []int
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
				t.Fatalf("transformers.js output %q: %v", out, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("transformers.js greedy %v, reference %v", got, want)
			}
		})
	}
}
