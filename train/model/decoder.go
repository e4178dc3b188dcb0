package model

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph code reads like math with unqualified ops
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/mirage-rl/mirage/train/arch"
)

// Shape legend used in the comments below:
//
//	B batch, T positions (queries), S positions (keys, = T), D hidden size, V vocabulary,
//	H attention heads, K key/value heads, G = H/K query heads per kv head, E head size, F MLP size.

// Params are the model's weights as graph nodes, by HF name.
type Params map[string]*Node

// Forward returns the logits [B, T, V] of token ids [B, T] (int32), every row starting at
// position 0 and attending causally, the HF LlamaForCausalLM / Qwen2ForCausalLM forward pass.
// Rows padded on the right need no mask: a causal query never sees the padding after it.
func Forward(cfg arch.Config, p Params, ids *Node) *Node {
	x := Gather(p[arch.EmbedName], InsertAxes(ids, -1)) // [B, T, D]
	cos, sin := ropeTables(x.Graph(), cfg, ids.Shape().Dimensions[1])
	for l := range cfg.NumHiddenLayers {
		w := func(suffix string) *Node { return p[arch.LayerName(l, suffix)] } // nil when absent
		x = Add(x, attention(cfg, w, rmsNorm(x, w("input_layernorm.weight"), cfg.RMSNormEps), cos, sin))
		x = Add(x, mlp(w, rmsNorm(x, w("post_attention_layernorm.weight"), cfg.RMSNormEps)))
	}
	h := rmsNorm(x, p[arch.NormName], cfg.RMSNormEps) // [B, T, D]
	head := p[arch.LMHead]
	if cfg.TieWordEmbeddings {
		head = p[arch.EmbedName]
	}
	return linear(h, head, nil) // [B, T, V]
}

// rmsNorm is x / sqrt(mean(x²) + eps) · weight over the last axis (Zhang & Sennrich 2019).
func rmsNorm(x, weight *Node, eps float64) *Node {
	meanSquare := ReduceAndKeep(Square(x), ReduceMean, -1)         // [B, T, 1]
	invRMS := Inverse(Sqrt(AddScalar(meanSquare, eps)))            // [B, T, 1]
	return Mul(Mul(x, invRMS), ExpandLeftToRank(weight, x.Rank())) // [B, T, D]
}

// linear is x·Wᵀ + b with W stored [out, in] as in torch.nn.Linear; bias may be nil.
func linear(x, weight, bias *Node) *Node {
	y := DotGeneral(x, []int{x.Rank() - 1}, nil, weight, []int{1}, nil) // [..., out]
	if bias != nil {
		y = Add(y, ExpandLeftToRank(bias, y.Rank()))
	}
	return y
}

// attention is causal grouped-query self-attention with rotary position embeddings
// (Su et al. 2021) in HF's rotate-half layout; query head h reads kv head h/G (HF repeat_kv).
func attention(cfg arch.Config, w func(string) *Node, h, cos, sin *Node) *Node {
	dims := h.Shape().Dimensions
	b, t := dims[0], dims[1]
	nh, nkv, e := cfg.NumAttentionHeads, cfg.NumKeyValueHeads, cfg.HeadDim
	g := nh / nkv

	q := linear(h, w("self_attn.q_proj.weight"), w("self_attn.q_proj.bias")) // [B, T, H·E]
	k := linear(h, w("self_attn.k_proj.weight"), w("self_attn.k_proj.bias")) // [B, S, K·E]
	v := linear(h, w("self_attn.v_proj.weight"), w("self_attn.v_proj.bias")) // [B, S, K·E]
	q = rope(Reshape(q, b, t, nh, e), cos, sin)                              // [B, T, H, E]
	k = rope(Reshape(k, b, t, nkv, e), cos, sin)                             // [B, S, K, E]
	v = Reshape(v, b, t, nkv, e)                                             // [B, S, K, E]
	q = Reshape(q, b, t, nkv, g, e)                                          // [B, T, K, G, E]

	scores := DotGeneral(q, []int{4}, []int{0, 2}, k, []int{3}, []int{0, 2})     // [B, K, T, G, S]
	scores = MulScalar(scores, 1/math.Sqrt(float64(e)))                          // [B, K, T, G, S]
	scores = Add(scores, causalBias(h.Graph(), t))                               // [B, K, T, G, S]
	probs := Softmax(scores, -1)                                                 // [B, K, T, G, S]
	out := DotGeneral(probs, []int{4}, []int{0, 1}, v, []int{1}, []int{0, 2})    // [B, K, T, G, E]
	out = TransposeAllAxes(out, 0, 2, 1, 3, 4)                                   // [B, T, K, G, E]
	out = Reshape(out, b, t, nh*e)                                               // [B, T, H·E]
	return linear(out, w("self_attn.o_proj.weight"), w("self_attn.o_proj.bias")) // [B, T, D]
}

// mlp is the SwiGLU feed-forward block: down(silu(gate(h)) · up(h)).
func mlp(w func(string) *Node, h *Node) *Node {
	gate := linear(h, w("mlp.gate_proj.weight"), nil)  // [B, T, F]
	up := linear(h, w("mlp.up_proj.weight"), nil)      // [B, T, F]
	act := Mul(Mul(gate, Sigmoid(gate)), up)           // [B, T, F]
	return linear(act, w("mlp.down_proj.weight"), nil) // [B, T, D]
}

// rope rotates x [B, T, heads, E] by position: x·cos + rotate_half(x)·sin, where
// rotate_half(x) = [-x[E/2:], x[:E/2]] pairs element i with i+E/2 as HF does.
func rope(x, cos, sin *Node) *Node {
	e := x.Shape().Dimensions[3]
	first := SliceAxis(x, 3, AxisRange(0, e/2))            // [B, T, heads, E/2]
	second := SliceAxis(x, 3, AxisRange(e/2, e))           // [B, T, heads, E/2]
	rotated := Concatenate([]*Node{Neg(second), first}, 3) // [B, T, heads, E]
	return Add(Mul(x, cos), Mul(rotated, sin))             // [B, T, heads, E]
}

// ropeTables returns cos and sin [1, T, 1, E] of angle t / θ^(2i/E), i < E/2, repeated for the
// second half of each head, computed in float64 and rounded once.
func ropeTables(g *Graph, cfg arch.Config, t int) (cos, sin *Node) {
	e := cfg.HeadDim
	cosData, sinData := make([]float32, t*e), make([]float32, t*e)
	for pos := range t {
		for i := range e / 2 {
			angle := float64(pos) / math.Pow(cfg.RopeTheta, float64(2*i)/float64(e))
			c, s := float32(math.Cos(angle)), float32(math.Sin(angle))
			cosData[pos*e+i], cosData[pos*e+i+e/2] = c, c
			sinData[pos*e+i], sinData[pos*e+i+e/2] = s, s
		}
	}
	cos = Reshape(Const(g, cosData), 1, t, 1, e) // [1, T, 1, E]
	sin = Reshape(Const(g, sinData), 1, t, 1, e) // [1, T, 1, E]
	return cos, sin
}

// causalBias is 0 where key s ≤ query t and a large negative number elsewhere, shaped to add to
// scores [B, K, T, G, S]. A finite value keeps softmax's gradient free of inf·0.
func causalBias(g *Graph, t int) *Node {
	bias := make([]float32, t*t)
	for q := range t {
		for s := q + 1; s < t; s++ {
			bias[q*t+s] = -1e9
		}
	}
	return Reshape(Const(g, bias), 1, 1, t, 1, t) // [1, 1, T, 1, S]
}

// TokenLogProbs returns log p(targets[b, t] | ids[b, ≤t]) [B, T] from logits [B, T, V] and
// target ids [B, T] (int32): the target's logit minus log Σ exp(logits), with the maximum taken
// out for stability. Only exp(logits) is materialised at vocabulary size, not a full log-softmax
// or a one-hot mask (at a 150k vocabulary each such tensor is 0.6 GB per 1k tokens).
func TokenLogProbs(logits, targets *Node) *Node {
	dims := logits.Shape().Dimensions
	b, t, v := dims[0], dims[1], dims[2]
	maxLogit := StopGradient(ReduceAndKeep(logits, ReduceMax, -1))     // [B, T, 1]
	shifted := Sub(logits, maxLogit)                                   // [B, T, V]
	logZ := Log(ReduceSum(Exp(shifted), -1))                           // [B, T]
	rows := Iota(logits.Graph(), shapes.Make(dtypes.Int32, b*t, 1), 0) // [B·T, 1]
	index := Concatenate([]*Node{rows, Reshape(targets, b*t, 1)}, 1)   // [B·T, 2]
	picked := Gather(Reshape(shifted, b*t, v), index)                  // [B·T]
	return Sub(Reshape(picked, b, t), logZ)                            // [B, T]
}

// TokenEntropy returns the entropy −Σ p·log p [B, T] of softmax(logits) [B, T, V], as
// log Z − Σ exp(z)·z / Z with z the logits less their maximum and Z = Σ exp(z).
func TokenEntropy(logits *Node) *Node {
	maxLogit := StopGradient(ReduceAndKeep(logits, ReduceMax, -1)) // [B, T, 1]
	shifted := Sub(logits, maxLogit)                               // [B, T, V]
	e := Exp(shifted)                                              // [B, T, V]
	z := ReduceSum(e, -1)                                          // [B, T]
	return Sub(Log(z), Div(ReduceSum(Mul(e, shifted), -1), z))     // [B, T]
}

// MaskedNLL returns Σ −mask·logp (the summed negative log-likelihood of the masked tokens) from
// per-token log-probs [B, T] and a float mask [B, T]. Callers divide by the token count, so that
// gradient accumulation over micro-batches weighs every token equally.
func MaskedNLL(logProbs, mask *Node) *Node {
	return Neg(ReduceAllSum(Mul(logProbs, mask))) // []
}

// paramShape is the float32 shape of an HF parameter.
func paramShape(dims []int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
