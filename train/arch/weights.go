package arch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Tensor is a dense row-major float32 array. HF's nn.Linear weights are stored [out, in].
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, Numel(shape))}
}

// Numel is the number of values a tensor of this shape holds (1 for a scalar's empty shape).
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Weight names, as in HF checkpoints.
const (
	EmbedName = "model.embed_tokens.weight"
	NormName  = "model.norm.weight"
	LMHead    = "lm_head.weight"
)

// LayerName returns the HF name of a per-layer parameter, e.g. LayerName(3, "self_attn.q_proj.weight").
func LayerName(layer int, suffix string) string {
	return fmt.Sprintf("model.layers.%d.%s", layer, suffix)
}

// ParamShapes returns every parameter of cfg by HF name. lm_head.weight is absent when embeddings
// are tied; biases appear only when the config has them (QKVBias, OBias).
func ParamShapes(cfg Config) map[string][]int {
	cfg = cfg.Defaults()
	d, q, kv := cfg.HiddenSize, cfg.NumAttentionHeads*cfg.HeadDim, cfg.NumKeyValueHeads*cfg.HeadDim
	m := map[string][]int{
		EmbedName: {cfg.VocabSize, d},
		NormName:  {d},
	}
	if !cfg.TieWordEmbeddings {
		m[LMHead] = []int{cfg.VocabSize, d}
	}
	for l := range cfg.NumHiddenLayers {
		p := func(s string, shape ...int) { m[LayerName(l, s)] = shape }
		p("input_layernorm.weight", d)
		p("post_attention_layernorm.weight", d)
		p("self_attn.q_proj.weight", q, d)
		p("self_attn.k_proj.weight", kv, d)
		p("self_attn.v_proj.weight", kv, d)
		p("self_attn.o_proj.weight", d, q)
		if cfg.QKVBias() {
			p("self_attn.q_proj.bias", q)
			p("self_attn.k_proj.bias", kv)
			p("self_attn.v_proj.bias", kv)
		}
		if cfg.OBias() {
			p("self_attn.o_proj.bias", d)
		}
		p("mlp.gate_proj.weight", cfg.IntermediateSize, d)
		p("mlp.up_proj.weight", cfg.IntermediateSize, d)
		p("mlp.down_proj.weight", d, cfg.IntermediateSize)
	}
	return m
}

// SortedNames returns the keys of a name→shape or name→tensor map in a fixed order (sorted), so
// everything that iterates over parameters is deterministic.
func SortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParamCount is the number of scalar parameters of cfg (tied embeddings counted once).
func ParamCount(cfg Config) int64 {
	var n int64
	for _, s := range ParamShapes(cfg) {
		n += int64(Numel(s))
	}
	return n
}

// RandomWeights returns weights initialised as HF does for these models: every matrix (embeddings
// included) from N(0, initializer_range²), norm weights 1, biases 0. The result depends only on cfg
// and seed: tensors are filled in sorted-name order from one PCG stream.
func RandomWeights(cfg Config, seed uint64) map[string]*Tensor {
	cfg = cfg.Defaults()
	shapes := ParamShapes(cfg)
	rng := rand.New(rand.NewPCG(seed, 0x6d6972616765)) // "mirage"
	w := make(map[string]*Tensor, len(shapes))
	for _, name := range SortedNames(shapes) {
		t := NewTensor(shapes[name]...)
		switch {
		case len(t.Shape) == 1 && isNorm(name):
			for i := range t.Data {
				t.Data[i] = 1
			}
		case len(t.Shape) == 1: // bias
		default:
			for i := range t.Data {
				t.Data[i] = float32(rng.NormFloat64() * cfg.InitializerRange)
			}
		}
		w[name] = t
	}
	return w
}

func isNorm(name string) bool {
	return name == NormName || strings.HasSuffix(name, "layernorm.weight")
}

// CheckWeights reports the first weight that is missing, unexpected or mis-shaped for cfg.
func CheckWeights(cfg Config, w map[string]*Tensor) error {
	shapes := ParamShapes(cfg)
	for _, name := range SortedNames(shapes) {
		t, ok := w[name]
		if !ok || t == nil {
			return fmt.Errorf("arch: weight %s missing (want shape %v)", name, shapes[name])
		}
		if !slices.Equal(t.Shape, shapes[name]) {
			return fmt.Errorf("arch: weight %s: want shape %v, got %v", name, shapes[name], t.Shape)
		}
		if len(t.Data) != Numel(t.Shape) {
			return fmt.Errorf("arch: weight %s: shape %v needs %d values, got %d", name, t.Shape, Numel(t.Shape), len(t.Data))
		}
	}
	for _, name := range SortedNames(w) {
		if _, ok := shapes[name]; !ok {
			return fmt.Errorf("arch: unexpected weight %s (not in a %s config with these options)", name, cfg.ModelType)
		}
	}
	return nil
}
