package arch

import (
	"fmt"
	"math"
)

// ReferenceForward returns the logits [row][position][vocab] of each row of token ids, each row run
// on its own from position 0 (rows may have different lengths). It is the HF forward pass written
// out in float64 loops, slow and meant to be read: RMSNorm, RoPE with HF's rotate_half layout,
// grouped-query attention by sharing each kv head among NumAttentionHeads/NumKeyValueHeads
// consecutive query heads (HF repeat_kv), SwiGLU MLP, optional q/k/v/o biases and tied embeddings.
//
// It is a test oracle: weights that do not match cfg (CheckWeights) or out-of-range ids panic.
func ReferenceForward(cfg Config, weights map[string]*Tensor, ids [][]int) [][][]float64 {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if err := CheckWeights(cfg, weights); err != nil {
		panic(err)
	}
	out := make([][][]float64, len(ids))
	for r, row := range ids {
		out[r] = referenceRow(cfg, weights, row)
	}
	return out
}

func referenceRow(cfg Config, w map[string]*Tensor, ids []int) [][]float64 {
	d := cfg.HiddenSize
	embed := w[EmbedName]
	x := make([][]float64, len(ids)) // [T, d] residual stream
	for t, id := range ids {
		if id < 0 || id >= cfg.VocabSize {
			panic(fmt.Sprintf("arch: token id %d at position %d outside vocab [0, %d)", id, t, cfg.VocabSize))
		}
		x[t] = toF64(embed.Data[id*d : (id+1)*d])
	}
	for l := range cfg.NumHiddenLayers {
		p := func(s string) *Tensor { return w[LayerName(l, s)] } // nil for an absent bias

		h := rmsNorm(x, p("input_layernorm.weight"), cfg.RMSNormEps)
		q := linear(h, p("self_attn.q_proj.weight"), p("self_attn.q_proj.bias"))
		k := linear(h, p("self_attn.k_proj.weight"), p("self_attn.k_proj.bias"))
		v := linear(h, p("self_attn.v_proj.weight"), p("self_attn.v_proj.bias"))
		rope(q, cfg.NumAttentionHeads, cfg.HeadDim, cfg.RopeTheta)
		rope(k, cfg.NumKeyValueHeads, cfg.HeadDim, cfg.RopeTheta)
		a := attention(q, k, v, cfg.NumAttentionHeads, cfg.NumKeyValueHeads, cfg.HeadDim)
		addInPlace(x, linear(a, p("self_attn.o_proj.weight"), p("self_attn.o_proj.bias")))

		h = rmsNorm(x, p("post_attention_layernorm.weight"), cfg.RMSNormEps)
		gate := linear(h, p("mlp.gate_proj.weight"), nil)
		up := linear(h, p("mlp.up_proj.weight"), nil)
		for t := range gate {
			for i, g := range gate[t] {
				gate[t][i] = g / (1 + math.Exp(-g)) * up[t][i] // silu(gate) * up
			}
		}
		addInPlace(x, linear(gate, p("mlp.down_proj.weight"), nil))
	}
	h := rmsNorm(x, w[NormName], cfg.RMSNormEps)
	head := w[LMHead]
	if cfg.TieWordEmbeddings {
		head = embed
	}
	return linear(h, head, nil)
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

// rmsNorm: x / sqrt(mean(x²) + eps) * weight, per position.
func rmsNorm(x [][]float64, weight *Tensor, eps float64) [][]float64 {
	out := make([][]float64, len(x))
	for t, row := range x {
		var ss float64
		for _, v := range row {
			ss += v * v
		}
		scale := 1 / math.Sqrt(ss/float64(len(row))+eps)
		out[t] = make([]float64, len(row))
		for i, v := range row {
			out[t][i] = v * scale * float64(weight.Data[i])
		}
	}
	return out
}

// linear: x @ weightᵀ + bias, with weight stored [out, in] as in nn.Linear.
func linear(x [][]float64, weight, bias *Tensor) [][]float64 {
	nOut, nIn := weight.Shape[0], weight.Shape[1]
	out := make([][]float64, len(x))
	for t, row := range x {
		out[t] = make([]float64, nOut)
		for o := range nOut {
			wr := weight.Data[o*nIn : (o+1)*nIn]
			var s float64
			for i, v := range row {
				s += v * float64(wr[i])
			}
			if bias != nil {
				s += float64(bias.Data[o])
			}
			out[t][o] = s
		}
	}
	return out
}

// rope rotates each head of x [T, heads*dim] in place by its position t, HF style: the pairs are
// (i, i+dim/2) with angle t / theta^(2i/dim), i.e. x*cos + rotate_half(x)*sin where
// rotate_half(x) = [-x[dim/2:], x[:dim/2]].
func rope(x [][]float64, heads, dim int, theta float64) {
	half := dim / 2
	for t, row := range x {
		for h := range heads {
			v := row[h*dim : (h+1)*dim]
			for i := range half {
				angle := float64(t) / math.Pow(theta, float64(2*i)/float64(dim))
				c, s := math.Cos(angle), math.Sin(angle)
				a, b := v[i], v[i+half]
				v[i] = a*c - b*s
				v[i+half] = b*c + a*s
			}
		}
	}
}

// attention is causal scaled dot-product attention; query head h reads kv head h/(heads/kvHeads).
func attention(q, k, v [][]float64, heads, kvHeads, dim int) [][]float64 {
	group := heads / kvHeads
	scale := 1 / math.Sqrt(float64(dim))
	out := make([][]float64, len(q))
	for t := range q {
		out[t] = make([]float64, heads*dim)
		for h := range heads {
			kh := h / group
			qv := q[t][h*dim : (h+1)*dim]
			scores := make([]float64, t+1) // positions 0..t only: causal
			maxScore := math.Inf(-1)
			for s := 0; s <= t; s++ {
				kv := k[s][kh*dim : (kh+1)*dim]
				var dot float64
				for i := range dim {
					dot += qv[i] * kv[i]
				}
				scores[s] = dot * scale
				maxScore = math.Max(maxScore, scores[s])
			}
			var sum float64
			for s := range scores {
				scores[s] = math.Exp(scores[s] - maxScore)
				sum += scores[s]
			}
			o := out[t][h*dim : (h+1)*dim]
			for s, p := range scores {
				vv := v[s][kh*dim : (kh+1)*dim]
				for i := range dim {
					o[i] += p / sum * vv[i]
				}
			}
		}
	}
	return out
}

func addInPlace(x, y [][]float64) {
	for t := range x {
		for i := range x[t] {
			x[t][i] += y[t][i]
		}
	}
}
