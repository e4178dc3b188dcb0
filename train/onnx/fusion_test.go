package onnx

import (
	"os"
	"path/filepath"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mirage-rl/mirage/sampler/onnxfile"
)

// opCounts returns how many nodes of each op type a serialised ModelProto's graph has.
func opCounts(t *testing.T, model []byte) map[string]int {
	t.Helper()
	count := map[string]int{}
	err := onnxfile.EachField(model, func(num protowire.Number, _ protowire.Type, graph []byte, _ uint64) error {
		if num != 7 {
			return nil
		}
		return onnxfile.EachField(graph, func(num protowire.Number, _ protowire.Type, node []byte, _ uint64) error {
			if num != 1 {
				return nil
			}
			return onnxfile.EachField(node, func(num protowire.Number, _ protowire.Type, op []byte, _ uint64) error {
				if num == 4 {
					count[string(op)]++
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return count
}

// TestORTFusesGraph checks that ONNX Runtime's optimiser recognises the graph's patterns, which is
// why the graph is written the way it is: RMSNorm as Pow/ReduceMean/Add/Sqrt/Div/Mul fuses into
// SimplifiedLayerNormalization, x·sigmoid(x) into QuickGelu, Transpose+MatMul into FusedMatMul;
// and the fp32 caches are written by their Concat directly (no Identity copies).
func TestORTFusesGraph(t *testing.T) {
	needORT(t)
	cfg := testConfigs[1].cfg.Defaults()
	dir := t.TempDir()
	if err := WriteModel(dir, cfg, testWeights(cfg, 1), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := opCounts(t, plain)["Identity"]; n != 0 {
		t.Errorf("%d Identity nodes in the fp32 optimum graph", n)
	}
	got := optimizedOps(t, dir)
	norms := 2*cfg.NumHiddenLayers + 1
	for op, want := range map[string]int{
		"SimplifiedLayerNormalization": norms,
		"QuickGelu":                    cfg.NumHiddenLayers,
		"FusedMatMul":                  cfg.NumHiddenLayers,
		"ReduceMean":                   0,
	} {
		if got[op] != want {
			t.Errorf("optimised graph has %d %s nodes, want %d (all ops: %v)", got[op], op, want, got)
		}
	}
}

// optimizedOps loads dir's model in ONNX Runtime with every graph optimisation and returns the op
// counts of the graph it optimised to.
func optimizedOps(t *testing.T, dir string) map[string]int {
	t.Helper()
	so, err := ort.NewSessionOptions()
	if err != nil {
		t.Fatal(err)
	}
	defer so.Destroy()
	optimized := filepath.Join(t.TempDir(), "optimized.onnx")
	if err := so.SetOptimizedModelFilePath(optimized); err != nil {
		t.Fatal(err)
	}
	s, err := ort.NewDynamicAdvancedSession(filepath.Join(dir, ModelFile), []string{"input_ids"}, []string{"logits"}, so)
	if err != nil {
		t.Fatal(err)
	}
	s.Destroy()
	b, err := os.ReadFile(optimized)
	if err != nil {
		t.Fatal(err)
	}
	return opCounts(t, b)
}

// TestORTLayoutGraph checks the ORT layout's operators, and that ONNX Runtime folds the rotary
// tables computed from a Range into constants at load: the optimised graph computes no Range,
// Cos or Sin per call.
func TestORTLayoutGraph(t *testing.T) {
	needORT(t)
	cfg := ortLayoutConfigs[0].cfg.Defaults()
	dir := t.TempDir()
	if err := WriteModel(dir, cfg, testWeights(cfg, 1), WriteOptions{Layout: ORT}); err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	L := cfg.NumHiddenLayers
	for _, c := range []struct {
		what string
		ops  map[string]int
		want map[string]int
	}{
		{"written", opCounts(t, plain), map[string]int{"GroupQueryAttention": L, "SimplifiedLayerNormalization": 1,
			"SkipSimplifiedLayerNormalization": 2 * L, "Range": 1, "Cos": 1, "Sin": 1, "Concat": 3}},
		{"optimised", optimizedOps(t, dir), map[string]int{"GroupQueryAttention": L, "SimplifiedLayerNormalization": 1,
			"SkipSimplifiedLayerNormalization": 2 * L, "Range": 0, "Cos": 0, "Sin": 0, "QuickGelu": L}},
	} {
		for op, want := range c.want {
			if c.ops[op] != want {
				t.Errorf("%s graph has %d %s nodes, want %d (all ops: %v)", c.what, c.ops[op], op, want, c.ops)
			}
		}
	}
}
