package onnx

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/train/arch"
)

// tinyLlamaDir is a third-party Llama graph: onnxruntime-genai's builder export of
// hf-internal-testing/tiny-random-LlamaForCausalLM (fp16; com.microsoft RotaryEmbedding,
// MultiHeadAttention and SimplifiedLayerNormalization kernels). See its SOURCE.txt.
const tinyLlamaDir = "../../testdata/models/tiny-llama"

// tinyLlamaConfig is that model's architecture, from its genai_config.json (hidden 16, one
// head of 16, 2 layers, MLP 64, vocab 32000) and graph (SimplifiedLayerNormalization epsilon 1e-6;
// RoPE θ = 10000, checked against its cos/sin caches below).
var tinyLlamaConfig = arch.Config{ModelType: "llama", HiddenSize: 16, NumHiddenLayers: 2, NumAttentionHeads: 1,
	NumKeyValueHeads: 1, IntermediateSize: 64, VocabSize: 32000, RMSNormEps: 1e-6, RopeTheta: 10000}

// hfName maps the builder's initializer names to HF names; transposed reports a MatMul weight
// stored [in, out] rather than nn.Linear's [out, in].
func hfName(name string) (hf string, transposed bool) {
	if name == "model.layers.2.final_norm_layernorm.weight" {
		return arch.NormName, false
	}
	name = strings.Replace(name, ".attn.", ".self_attn.", 1)
	if base, ok := strings.CutSuffix(name, ".MatMul.weight"); ok {
		return base + ".weight", true
	}
	return name, false
}

// TestReferenceMatchesThirdPartyGraph checks arch.ReferenceForward (and so, transitively, the
// conventions our writer shares with it) against an implementation we did not write: the
// third-party graph above, run by ONNX Runtime, after replacing its weights with strong random
// ones (its tiny-random init barely exercises attention). Everything it computes is fp16.
func TestReferenceMatchesThirdPartyGraph(t *testing.T) {
	needORT(t)
	cfg := tinyLlamaConfig.Defaults()
	w := roundToHalf(testWeights(cfg, 5))
	model, err := os.ReadFile(filepath.Join(tinyLlamaDir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(tinyLlamaDir, DataFile))
	if err != nil {
		t.Fatal(err)
	}
	inits, err := parseInitializers(model)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, len(orig))
	seen := 0
	for _, in := range inits {
		if !in.external || in.location != DataFile || in.dtype != dtFloat16 {
			t.Fatalf("initializer %s: want external fp16 in %s", in.name, DataFile)
		}
		dst := data[in.offset : in.offset+in.length]
		if in.name == "cos_cache" || in.name == "sin_cache" {
			checkRopeCache(t, in, orig[in.offset:in.offset+in.length], cfg)
			copy(dst, orig[in.offset:in.offset+in.length])
			continue
		}
		hf, transposed := hfName(in.name)
		src, ok := w[hf]
		if !ok {
			t.Fatalf("initializer %s (%s) is not a parameter of %+v", in.name, hf, cfg)
		}
		seen++
		for i := range src.Data {
			j := i
			if transposed { // element [o, k] of the HF weight sits at [k, o]
				o, k := i/src.Shape[1], i%src.Shape[1]
				j = k*src.Shape[0] + o
			}
			binary.LittleEndian.PutUint16(dst[2*j:], Float16Bits(src.Data[i]))
		}
	}
	if seen != len(w) {
		t.Fatalf("mapped %d of %d parameters", seen, len(w))
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{ModelFile: model, DataFile: data} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := openORT(t, dir, cfg, WriteOptions{Float16: true}, true)
	c := &checker{t: t, fp16: true, vocab: cfg.VocabSize}
	checkPaddedDecode(t, c, m, cfg, w, true)
	t.Logf("max |diff| %.3g over logits up to %.3g", c.maxErr, c.maxRef)
}

// checkRopeCache checks the graph's cos or sin cache [positions, D/2] against θ = cfg.RopeTheta.
func checkRopeCache(t *testing.T, in initializer, raw []byte, cfg arch.Config) {
	t.Helper()
	half := int(in.dims[1])
	for p := range int(in.dims[0]) {
		for i := range half {
			angle := float64(p) * math.Pow(cfg.RopeTheta, -float64(2*i)/float64(cfg.HeadDim))
			want := math.Cos(angle)
			if in.name == "sin_cache" {
				want = math.Sin(angle)
			}
			got := float64(Float16Value(binary.LittleEndian.Uint16(raw[2*(p*half+i):])))
			if math.Abs(got-want) > 1e-3 {
				t.Fatalf("%s[%d][%d] = %g, want %g for θ = %g", in.name, p, i, got, want, cfg.RopeTheta)
			}
		}
	}
}
