package onnx

import (
	"fmt"

	"github.com/mirage-rl/mirage/train/arch"
)

// This file builds the decoder layers of Layout ORT on ONNX Runtime's contrib operators, wired
// as onnxruntime-genai's model builder wires them (schemas: onnxruntime's bert_defs.cc; CPU
// kernels: group_query_attention.cc, skip_layer_norm.cc):
//
//	n₀ = SimplifiedLayerNormalization(x, input_layernorm₀)
//	layer l:  a = o_proj(GroupQueryAttention(q(n), k(n), v(n), past.l, seqlens_k, T, cos, sin))
//	          n, x = SkipSimplifiedLayerNormalization(a, x, post_attention_layernormₗ)  (x += a)
//	          m = mlp(n)
//	          n, x = SkipSimplifiedLayerNormalization(m, x, input_layernormₗ₊₁ or model.norm)
//
// GroupQueryAttention reads lengths, not a mask: seqlens_k[b] = sum(attention_mask[b]) - 1 is the
// index of row b's last token and T, the mask's width, the total length. When S = T (a prefill
// from an empty cache) every row is a prompt at positions 0…S-1, and rows shorter than S are
// right-padded; otherwise the S new tokens of row b are at positions seqlens_k[b]-S+1 …
// seqlens_k[b] and are written there into the present cache after the row's earlier tokens
// (S > 1 then needs B = 1). The rotary embedding is applied inside, at those positions.

// ortLayers is layers for Layout ORT: the lengths and rotary caches now, the layers and the
// final norm when the returned function is called on the embeddings [N, d].
func (d *decoder) ortLayers(batch string) func(x string) string {
	sum := d.op("ReduceSum", []string{"attention_mask", d.ints(1)}, intAttr("keepdims", 0))               // [B]
	seqlens := d.op("Cast", []string{d.op("Sub", []string{sum, d.scalarInt(1)})}, intAttr("to", dtInt32)) // [B]
	width := d.op("Shape", []string{"attention_mask"}, intAttr("start", 1), intAttr("end", 2))            // [1] = T
	total := d.op("Cast", []string{width}, intAttr("to", dtInt32))
	cos, sin := d.rotaryCache()
	a := ortAttention{seqlens: seqlens, total: total, cos: cos, sin: sin}
	shape := func(heads int) string { // [B, -1, heads·D]
		return d.op("Concat", []string{batch, d.ints(-1, int64(heads*d.cfg.HeadDim))}, intAttr("axis", 0))
	}
	a.qShape, a.kvShape = shape(d.cfg.NumAttentionHeads), shape(d.cfg.NumKeyValueHeads)
	return func(x string) string { return d.ortDecoder(x, a) }
}

// ortAttention holds the GroupQueryAttention inputs all layers share.
type ortAttention struct {
	seqlens, total  string // seqlens_k [B], total_sequence_length [1], int32
	cos, sin        string // the rotary tables [max_position_embeddings, D/2]
	qShape, kvShape string // [B, -1, H·D] and [B, -1, KVH·D], for q and for k and v
}

// ortDecoder is the layers and final norm of Layout ORT on the embeddings x [N, d].
func (d *decoder) ortDecoder(x string, a ortAttention) string {
	cfg := d.cfg
	eps := float32(cfg.RMSNormEps)
	var delta string // the last block's output, not yet added to the residual stream x
	for l := range cfg.NumHiddenLayers {
		d.scope = fmt.Sprintf("/model/layers.%d", l)
		norm := arch.LayerName(l, "input_layernorm.weight")
		var n string
		if l == 0 {
			n = d.op("SimplifiedLayerNormalization", []string{x, d.weight(norm)}, intAttr("axis", -1), floatAttr("epsilon", eps))
		} else {
			n, x = d.skipNorm(delta, x, norm, true)
		}
		q, k, v := d.qkv(l, n)
		att := d.groupQueryAttention(l, q, k, v, a) // [N, H·D]
		n, x = d.skipNorm(d.outProj(l, att), x, arch.LayerName(l, "post_attention_layernorm.weight"), true)
		delta = d.mlp(l, n)
	}
	d.scope = "/model"
	n, _ := d.skipNorm(delta, x, arch.NormName, false)
	return n
}

// skipNorm is com.microsoft.SkipSimplifiedLayerNormalization: RMSNorm(x + skip)·weight, and,
// with sum, x + skip itself (its 4th output), the residual stream for the next block.
func (d *decoder) skipNorm(x, skip, weight string, sum bool) (norm, total string) {
	d.seq++
	base := fmt.Sprintf("%s/SkipSimplifiedLayerNormalization_%d", d.scope, d.seq)
	outs := []string{base + "_0"}
	if sum {
		outs = append(outs, "", "", base+"_3") // mean and inv_std_var unused
	}
	attrs := []attribute{floatAttr("epsilon", float32(d.cfg.RMSNormEps))}
	d.nodes = append(d.nodes, node("SkipSimplifiedLayerNormalization", base, []string{x, skip, d.weight(weight)}, outs, attrs).str(7, msDomain))
	return outs[0], outs[len(outs)-1]
}

// rotaryCache returns GroupQueryAttention's cos_cache and sin_cache [max_position_embeddings,
// D/2]: cos and sin of p·θ^(-2i/D). They are computed in the graph from a Range, which ONNX
// Runtime folds into constants when it loads the model, rather than stored (megabytes for a
// 32k context).
func (d *decoder) rotaryCache() (cos, sin string) {
	limit := float32(d.cfg.MaxPositionEmbeddings)
	pos := d.op("Range", []string{d.scalar(0), d.scalar(limit), d.scalar(1)}) // [P] float32
	pos = d.op("Unsqueeze", []string{pos, d.ints(1)})                         // [P, 1]
	angles := d.op("Mul", []string{pos, d.invFreq()})                         // [P, D/2]
	return d.op("Cos", []string{angles}), d.op("Sin", []string{angles})
}

// groupQueryAttention is layer l's com.microsoft.GroupQueryAttention on the projections q [N,
// H·D], k and v [N, KVH·D]: it rotates q and k (HF rotate_half, do_rotary), writes the layer's
// present caches and returns the attention output [N, H·D].
func (d *decoder) groupQueryAttention(l int, q, k, v string, a ortAttention) string {
	cfg := d.cfg
	h, kvh, hd := int64(cfg.NumAttentionHeads), int64(cfg.NumKeyValueHeads), int64(cfg.HeadDim)
	reshape := func(x, shape string) string { return d.op("Reshape", []string{x, shape}) } // [N, ·] → [B, S, ·]
	d.seq++
	att := fmt.Sprintf("%s/GroupQueryAttention_%d", d.scope, d.seq)
	in := []string{reshape(q, a.qShape), reshape(k, a.kvShape), reshape(v, a.kvShape),
		fmt.Sprintf("past_key_values.%d.key", l), fmt.Sprintf("past_key_values.%d.value", l), a.seqlens, a.total, a.cos, a.sin}
	out := []string{att, fmt.Sprintf("present.%d.key", l), fmt.Sprintf("present.%d.value", l)}
	attrs := []attribute{intAttr("num_heads", h), intAttr("kv_num_heads", kvh), intAttr("do_rotary", 1), intAttr("rotary_interleaved", 0)}
	d.nodes = append(d.nodes, node("GroupQueryAttention", att+"_node", in, out, attrs).str(7, msDomain))
	return d.op("Reshape", []string{att, d.ints(-1, h*hd)})
}
