package onnx

import (
	"fmt"
	"os"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/mirage-rl/mirage/train/arch"
)

// ortErr is why ONNX Runtime is unusable in this test run ("" when it works).
var ortErr string

func TestMain(m *testing.M) {
	lib := os.Getenv("MIRAGE_ORT_LIB")
	switch {
	case lib == "":
		ortErr = "MIRAGE_ORT_LIB is not set (run through make, or `make ort` and export it)"
	default:
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			ortErr = fmt.Sprintf("ONNX Runtime at %s: %v", lib, err)
		}
	}
	code := m.Run()
	if ortErr == "" {
		ort.DestroyEnvironment()
	}
	os.Exit(code)
}

func needORT(t testing.TB) {
	t.Helper()
	if ortErr != "" {
		t.Skip(ortErr)
	}
}

// cache is one layer's keys and values, float32 [B, KVH, len, D] row-major.
type cache struct {
	k, v []float32
	len  int
}

// ortModel runs a written model folder in ONNX Runtime with inputs and outputs allocated here.
type ortModel struct {
	sess     *ort.DynamicAdvancedSession
	cfg      arch.Config
	opts     WriteOptions
	ins, out []string
}

func openORT(t testing.TB, dir string, cfg arch.Config, opts WriteOptions, optimize bool) *ortModel {
	t.Helper()
	cfg = cfg.Defaults()
	so, err := ort.NewSessionOptions()
	if err != nil {
		t.Fatal(err)
	}
	defer so.Destroy()
	var level ort.GraphOptimizationLevel = ort.GraphOptimizationLevelDisableAll
	if optimize {
		level = ort.GraphOptimizationLevelEnableAll
	}
	if err := so.SetGraphOptimizationLevel(level); err != nil {
		t.Fatal(err)
	}
	if err := so.SetIntraOpNumThreads(ortThreads(t)); err != nil {
		t.Fatal(err)
	}
	m := &ortModel{cfg: cfg, opts: opts}
	m.ins = []string{"input_ids", "attention_mask"}
	if opts.Layout.positionIDs() {
		m.ins = append(m.ins, "position_ids")
	}
	m.out = []string{"logits"}
	for l := range cfg.NumHiddenLayers {
		if opts.Layout == LegacyCombinedPast {
			m.ins = append(m.ins, fmt.Sprintf("past_%d", l))
			m.out = append(m.out, fmt.Sprintf("present_%d", l))
			continue
		}
		m.ins = append(m.ins, fmt.Sprintf("past_key_values.%d.key", l), fmt.Sprintf("past_key_values.%d.value", l))
		m.out = append(m.out, fmt.Sprintf("present.%d.key", l), fmt.Sprintf("present.%d.value", l))
	}
	m.sess, err = ort.NewDynamicAdvancedSession(dir+"/"+ModelFile, m.ins, m.out, so)
	if err != nil {
		t.Fatalf("ORT cannot load %s (optimize=%v): %v", dir, optimize, err)
	}
	t.Cleanup(func() { m.sess.Destroy() })
	return m
}

// floatTensor makes a float input or output tensor of the model's float type.
func (m *ortModel) floatTensor(t testing.TB, shape []int64, data []float32) ort.Value {
	t.Helper()
	if !m.opts.Float16 {
		v, err := ort.NewTensor(ort.Shape(shape), data)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	raw := make([]byte, 2*len(data)+1) // +1: ORT's Go binding refuses an empty buffer
	for i, f := range data {
		h := Float16Bits(f)
		raw[2*i], raw[2*i+1] = byte(h), byte(h>>8)
	}
	v, err := ort.NewCustomDataTensor(ort.Shape(shape), raw, ort.TensorElementDataTypeFloat16)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (m *ortModel) floats(v ort.Value) []float32 {
	if !m.opts.Float16 {
		return v.(*ort.Tensor[float32]).GetData()
	}
	raw := v.(*ort.CustomDataTensor).GetData()
	out := make([]float32, (len(raw))/2)
	for i := range out {
		out[i] = Float16Value(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
	}
	return out
}

func int64Tensor(t testing.TB, rows [][]int64) *ort.Tensor[int64] {
	t.Helper()
	var flat []int64
	for _, r := range rows {
		flat = append(flat, r...)
	}
	v, err := ort.NewTensor(ort.NewShape(int64(len(rows)), int64(len(rows[0]))), flat)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// run feeds ids [B][S] with mask [B][P+S], positions [B][S] and the past caches (one per layer,
// all of length P) and returns logits [B·S·V] and the present caches.
func (m *ortModel) run(t testing.TB, ids, mask, pos [][]int64, past []cache) ([]float32, []cache) {
	t.Helper()
	cfg := m.cfg
	b, s := int64(len(ids)), int64(len(ids[0]))
	p := int64(past[0].len)
	kvh, hd := int64(cfg.NumKeyValueHeads), int64(cfg.HeadDim)
	var ins, outs []ort.Value
	defer func() {
		for _, v := range append(ins, outs...) {
			v.Destroy()
		}
	}()
	ins = append(ins, int64Tensor(t, ids), int64Tensor(t, mask))
	if m.opts.Layout.positionIDs() {
		ins = append(ins, int64Tensor(t, pos))
	}
	for _, c := range past {
		if m.opts.Layout == LegacyCombinedPast {
			ins = append(ins, m.floatTensor(t, []int64{2, b, kvh, p, hd}, append(append([]float32{}, c.k...), c.v...)))
			continue
		}
		ins = append(ins, m.floatTensor(t, []int64{b, kvh, p, hd}, c.k), m.floatTensor(t, []int64{b, kvh, p, hd}, c.v))
	}
	outs = append(outs, m.floatTensor(t, []int64{b, s, int64(cfg.VocabSize)}, make([]float32, b*s*int64(cfg.VocabSize))))
	n := b * kvh * (p + s) * hd
	for range past {
		if m.opts.Layout == LegacyCombinedPast {
			outs = append(outs, m.floatTensor(t, []int64{2, b, kvh, p + s, hd}, make([]float32, 2*n)))
			continue
		}
		outs = append(outs, m.floatTensor(t, []int64{b, kvh, p + s, hd}, make([]float32, n)),
			m.floatTensor(t, []int64{b, kvh, p + s, hd}, make([]float32, n)))
	}
	if err := m.sess.Run(ins, outs); err != nil {
		t.Fatalf("ORT run (B=%d S=%d P=%d): %v", b, s, p, err)
	}
	logits := m.floats(outs[0])
	present := make([]cache, len(past))
	for l := range present {
		if m.opts.Layout == LegacyCombinedPast {
			kv := m.floats(outs[1+l])
			present[l] = cache{k: kv[:n], v: kv[n : 2*n], len: int(p + s)}
			continue
		}
		present[l] = cache{k: m.floats(outs[1+2*l])[:n], v: m.floats(outs[2+2*l])[:n], len: int(p + s)}
	}
	return logits, present
}

// ortThreads is 1 for tests (many small sessions) and 2 for benchmarks.
func ortThreads(t testing.TB) int {
	if _, ok := t.(*testing.B); ok {
		return 2
	}
	return 1
}
