package onnx

import (
	"fmt"
	"math"

	"github.com/mirage-rl/mirage/train/arch"
)

// Symbolic dimension names of the graph's inputs and outputs (as in optimum exports).
const (
	dimBatch = "batch_size"
	dimSeq   = "sequence_length"
	dimPast  = "past_sequence_length"
	dimTotal = "total_sequence_length"
	// dimPresent is the present caches' length in Layout ORT: max(T, P).
	dimPresent = "present_sequence_length"
)

// maskValue is added to the attention scores of blocked keys. It is finite so that a query row
// whose keys are all blocked (a left-padding position) gives a uniform softmax instead of NaN;
// exp(-1e9) is exactly 0 in float32 for every row that has an allowed key.
const maskValue = -1e9

// builder accumulates the nodes and inline constants of one graph.
type builder struct {
	nodes  []msg
	consts []msg
	scope  string            // prefix of generated names, e.g. "/model/layers.3"
	seq    int               // counter making generated names unique
	cached map[string]string // constant key → tensor name, so equal constants are stored once
}

// op adds a node with one generated output and returns that output's name.
func (b *builder) op(op string, inputs []string, attrs ...attribute) string {
	b.seq++
	return b.opTo(fmt.Sprintf("%s/%s_%d", b.scope, op, b.seq), op, inputs, attrs...)
}

// opTo adds a node whose single output has the given name (a graph output).
func (b *builder) opTo(out, op string, inputs []string, attrs ...attribute) string {
	b.nodes = append(b.nodes, node(op, out+"_node", inputs, []string{out}, attrs))
	return out
}

// split adds a Split into two equal halves along axis.
func (b *builder) split(x string, axis int64) (string, string) {
	b.seq++
	base := fmt.Sprintf("%s/Split_%d", b.scope, b.seq)
	outs := []string{base + "_0", base + "_1"}
	b.nodes = append(b.nodes, node("Split", base, []string{x}, outs, []attribute{intAttr("axis", axis)}))
	return outs[0], outs[1]
}

// ints is a 1-D int64 constant.
func (b *builder) ints(vs ...int64) string {
	return b.constant(fmt.Sprint("i64", vs), dtInt64, []int64{int64(len(vs))}, int64Raw(vs...))
}

// scalarInt is a 0-D int64 constant.
func (b *builder) scalarInt(v int64) string {
	return b.constant(fmt.Sprint("i64s", v), dtInt64, nil, int64Raw(v))
}

// scalar is a 0-D float32 constant.
func (b *builder) scalar(v float32) string {
	return b.constant(fmt.Sprint("f32s", v), dtFloat, nil, float32Raw(v))
}

func (b *builder) constant(key string, dtype int, dims []int64, raw []byte) string {
	if name, ok := b.cached[key]; ok {
		return name
	}
	name := fmt.Sprintf("/const/%d", len(b.cached))
	b.cached[key] = name
	b.consts = append(b.consts, inlineTensor(name, dtype, dims, raw))
	return name
}

// decoder holds what the graph's layers share.
type decoder struct {
	*builder
	cfg    arch.Config
	opts   WriteOptions
	shapes map[string][]int    // HF weight name → shape
	weight func(string) string // HF weight name → float32 tensor name (a Cast in fp16 models)
}

// buildGraph returns the GraphProto of the decoder-with-past model. initializers are the
// (external) weight tensors; in fp16 models they are float16 and cast to float32 in the graph, so
// every operator computes in float32 (ORT's CPU kernels for fp16 are incomplete).
func buildGraph(cfg arch.Config, opts WriteOptions, initializers []msg) msg {
	b := &builder{cached: map[string]string{}}
	casts := map[string]string{}
	d := &decoder{builder: b, cfg: cfg, opts: opts, shapes: arch.ParamShapes(cfg), weight: func(name string) string {
		if !opts.Float16 {
			return name
		}
		if c, ok := casts[name]; ok {
			return c
		}
		c := b.opTo(name+"_fp32", "Cast", []string{name}, intAttr("to", dtFloat))
		casts[name] = c
		return c
	}}
	inputs, outputs := d.signature()

	b.scope = "/model"
	ids := "input_ids"
	batch := b.op("Shape", []string{ids}, intAttr("start", 0), intAttr("end", 1)) // [1] = B
	layers := d.layers
	if opts.Layout == ORT {
		layers = d.ortLayers
	}
	decode := layers(batch)
	x := b.op("Gather", []string{d.weight(arch.EmbedName), ids}, intAttr("axis", 0)) // [B, S, d]
	x = b.op("Reshape", []string{x, b.ints(-1, int64(cfg.HiddenSize))})              // [N, d], N = B·S
	x = decode(x)
	b.scope = "/model"
	head := arch.LMHead
	if cfg.TieWordEmbeddings {
		head = arch.EmbedName
	}
	logits := d.linear(x, head, "") // [N, V]
	shape := b.op("Concat", []string{batch, b.ints(-1, int64(cfg.VocabSize))}, intAttr("axis", 0))
	d.outputOp("logits", "Reshape", []string{logits, shape}) // [B, S, V]

	all := append(b.consts, initializers...)
	return graphProto("mirage_decoder", b.nodes, all, inputs, outputs)
}

// layers returns the decoder layers and the final norm with standard operators, as a function
// of the embeddings [N, d]; the nodes all layers share (positions, mask) are added now, before
// the embedding, where the graph has always had them.
func (d *decoder) layers(batch string) func(x string) string {
	seq := d.op("Shape", []string{"input_ids"}, intAttr("start", 1), intAttr("end", 2)) // [1] = S
	total := d.op("Shape", []string{"attention_mask"}, intAttr("start", 1), intAttr("end", 2))
	past := d.op("Sub", []string{total, seq}) // [1] = P = T - S

	cos, sin := d.rotary(d.positions(past, total)) // [B, 1, S, D/2]
	bias := d.attentionBias(past, total)           // [B, 1, S, T]
	return func(x string) string {
		for l := range d.cfg.NumHiddenLayers {
			d.scope = fmt.Sprintf("/model/layers.%d", l)
			x = d.layer(l, x, batch, cos, sin, bias)
		}
		d.scope = "/model"
		return d.rmsNorm(x, arch.NormName)
	}
}

// signature returns the graph's inputs and outputs for the chosen layout.
func (d *decoder) signature() (inputs, outputs []msg) {
	cfg := d.cfg
	kv := d.floatType()
	batch, seq, pastLen, total := dim{param: dimBatch}, dim{param: dimSeq}, dim{param: dimPast}, dim{param: dimTotal}
	kvh, hd := dim{value: int64(cfg.NumKeyValueHeads)}, dim{value: int64(cfg.HeadDim)}
	inputs = append(inputs,
		valueInfo("input_ids", dtInt64, []dim{batch, seq}),
		valueInfo("attention_mask", dtInt64, []dim{batch, total}))
	if d.opts.Layout.positionIDs() {
		inputs = append(inputs, valueInfo("position_ids", dtInt64, []dim{batch, seq}))
	}
	presentLen := total
	if d.opts.Layout == ORT {
		presentLen = dim{param: dimPresent} // max(T, P): P when past and present share a buffer
	}
	outputs = append(outputs, valueInfo("logits", kv, []dim{batch, seq, {value: int64(cfg.VocabSize)}}))
	for l := range cfg.NumHiddenLayers {
		if d.opts.Layout == LegacyCombinedPast {
			inputs = append(inputs, valueInfo(fmt.Sprintf("past_%d", l), kv, []dim{{value: 2}, batch, kvh, pastLen, hd}))
			outputs = append(outputs, valueInfo(fmt.Sprintf("present_%d", l), kv, []dim{{value: 2}, batch, kvh, total, hd}))
			continue
		}
		for _, kind := range []string{"key", "value"} {
			inputs = append(inputs, valueInfo(fmt.Sprintf("past_key_values.%d.%s", l, kind), kv, []dim{batch, kvh, pastLen, hd}))
			outputs = append(outputs, valueInfo(fmt.Sprintf("present.%d.%s", l, kind), kv, []dim{batch, kvh, presentLen, hd}))
		}
	}
	return inputs, outputs
}

// floatType is the element type of the float inputs and outputs (past, present, logits).
func (d *decoder) floatType() int {
	if d.opts.Float16 {
		return dtFloat16
	}
	return dtFloat
}

// input returns a float graph input as float32.
func (d *decoder) input(name string) string {
	if d.opts.Float16 {
		return d.op("Cast", []string{name}, intAttr("to", dtFloat))
	}
	return name
}

// outputOp adds the node computing graph output name: the node itself in fp32 models, the node
// and then a Cast to float16 in fp16 models.
func (d *decoder) outputOp(name, op string, inputs []string, attrs ...attribute) {
	if d.opts.Float16 {
		x := d.op(op, inputs, attrs...)
		d.opTo(name, "Cast", []string{x}, intAttr("to", dtFloat16))
		return
	}
	d.opTo(name, op, inputs, attrs...)
}

// positions returns the [B, S] int64 positions of the new tokens: the position_ids input, or,
// without it, the count of attended tokens before each one (cumsum(mask) - 1, as HF's
// generate() computes them), so left padding does not shift positions.
func (d *decoder) positions(past, total string) string {
	if d.opts.Layout.positionIDs() {
		return "position_ids"
	}
	count := d.op("CumSum", []string{"attention_mask", d.scalarInt(1)}) // [B, T]
	pos := d.op("Sub", []string{count, d.scalarInt(1)})                 // [B, T]
	pos = d.op("Max", []string{pos, d.scalarInt(0)})                    // padding before the first token: -1 → 0
	return d.op("Slice", []string{pos, past, total, d.ints(1)})         // [B, S]: the new tokens
}

// invFreq is the [D/2] float32 constant θ^(-2i/D), i < D/2: RoPE's angle per position.
func (d *decoder) invFreq() string {
	half := d.cfg.HeadDim / 2
	inv := make([]float32, half)
	for i := range inv {
		inv[i] = float32(1 / math.Pow(d.cfg.RopeTheta, float64(2*i)/float64(d.cfg.HeadDim)))
	}
	return d.constant("inv_freq", dtFloat, []int64{int64(half)}, float32Raw(inv...))
}

// rotary returns cos and sin of the RoPE angles pos·θ^(-2i/D), i < D/2, shaped [B, 1, S, D/2].
func (d *decoder) rotary(pos string) (cos, sin string) {
	invFreq := d.invFreq()
	p := d.op("Cast", []string{pos}, intAttr("to", dtFloat)) // [B, S]
	p = d.op("Unsqueeze", []string{p, d.ints(2)})            // [B, S, 1]
	angles := d.op("Mul", []string{p, invFreq})              // [B, S, D/2]
	angles = d.op("Unsqueeze", []string{angles, d.ints(1)})  // [B, 1, S, D/2]
	return d.op("Cos", []string{angles}), d.op("Sin", []string{angles})
}

// attentionBias returns the additive mask [B, 1, S, T]: 0 where query i (at index P+i of the
// key sequence) may attend key j, maskValue where j > P+i (the future) or attention_mask[b, j] = 0
// (padding, left or right).
func (d *decoder) attentionBias(past, total string) string {
	zero := d.scalarInt(0)
	totalScalar := d.op("Squeeze", []string{total, d.ints(0)})
	pastScalar := d.op("Squeeze", []string{past, d.ints(0)})
	keys := d.op("Range", []string{zero, totalScalar, d.scalarInt(1)})          // [T]
	queries := d.op("Range", []string{pastScalar, totalScalar, d.scalarInt(1)}) // [S]
	keys = d.op("Unsqueeze", []string{keys, d.ints(0)})                         // [1, T]
	queries = d.op("Unsqueeze", []string{queries, d.ints(1)})                   // [S, 1]
	future := d.op("Greater", []string{keys, queries})                          // [S, T]
	future = d.op("Unsqueeze", []string{future, d.ints(0, 1)})                  // [1, 1, S, T]
	padding := d.op("Equal", []string{"attention_mask", zero})                  // [B, T]
	padding = d.op("Unsqueeze", []string{padding, d.ints(1, 2)})                // [B, 1, 1, T]
	blocked := d.op("Or", []string{future, padding})                            // [B, 1, S, T]
	return d.op("Where", []string{blocked, d.scalar(maskValue), d.scalar(0)})
}

// rmsNorm is x / sqrt(mean(x²) + eps) · weight over the last axis.
func (d *decoder) rmsNorm(x, weight string) string {
	sq := d.op("Pow", []string{x, d.scalar(2)})
	ms := d.op("ReduceMean", []string{sq}, intsAttr("axes", -1), intAttr("keepdims", 1))
	rms := d.op("Sqrt", []string{d.op("Add", []string{ms, d.scalar(float32(d.cfg.RMSNormEps))})})
	return d.op("Mul", []string{d.op("Div", []string{x, rms}), d.weight(weight)})
}

// linear is x · Wᵀ (+ bias) for x [N, in] and an nn.Linear weight [out, in] kept in HF layout;
// with WeightBits a com.microsoft.MatMulNBits on the block-quantised weight, then the bias.
func (d *decoder) linear(x, weight, bias string) string {
	if shape := d.shapes[weight]; d.opts.WeightBits != 0 && quantized(weight, shape) {
		d.seq++
		out := fmt.Sprintf("%s/MatMulNBits_%d", d.scope, d.seq)
		attrs := []attribute{intAttr("K", int64(shape[1])), intAttr("N", int64(shape[0])),
			intAttr("bits", int64(d.opts.WeightBits)), intAttr("block_size", QuantBlock)}
		if d.opts.WeightBits == 8 {
			// ORT's CPU kernel for 8-bit weights is fast only with int8 activations (accuracy
			// level 4, activations quantised per block of K); in float32 it was 4× slower than
			// the fp32 model. 4-bit weights keep float32 compute (unset: exact with the
			// dequantised weights), as fast as level 4 there.
			attrs = append(attrs, intAttr("accuracy_level", 4))
		}
		d.nodes = append(d.nodes, node("MatMulNBits", out+"_node", []string{x, codesName(weight), scalesName(weight)}, []string{out}, attrs).str(7, msDomain))
		if bias != "" {
			out = d.op("Add", []string{out, d.weight(bias)})
		}
		return out
	}
	in := []string{x, d.weight(weight)}
	if bias != "" {
		in = append(in, d.weight(bias))
	}
	return d.op("Gemm", in, intAttr("transB", 1))
}

// rope rotates x [B, heads, S, D] HF style: halves (x1, x2) → (x1·cos - x2·sin, x2·cos + x1·sin).
func (d *decoder) rope(x, cos, sin string) string {
	x1, x2 := d.split(x, 3)
	r1 := d.op("Sub", []string{d.op("Mul", []string{x1, cos}), d.op("Mul", []string{x2, sin})})
	r2 := d.op("Add", []string{d.op("Mul", []string{x2, cos}), d.op("Mul", []string{x1, sin})})
	return d.op("Concat", []string{r1, r2}, intAttr("axis", 3))
}

// heads reshapes a projection [N, heads·D] to [B, heads, S, D].
func (d *decoder) heads(x, batch string, heads int) string {
	shape := d.op("Concat", []string{batch, d.ints(-1, int64(heads), int64(d.cfg.HeadDim))}, intAttr("axis", 0))
	x = d.op("Reshape", []string{x, shape})                             // [B, S, heads, D]
	return d.op("Transpose", []string{x}, intsAttr("perm", 0, 2, 1, 3)) // [B, heads, S, D]
}

// pastKV returns layer l's cached keys and values [B, KVH, P, D] as float32.
func (d *decoder) pastKV(l int) (k, v string) {
	if d.opts.Layout == LegacyCombinedPast {
		kv := d.input(fmt.Sprintf("past_%d", l)) // [2, B, KVH, P, D]
		k = d.op("Gather", []string{kv, d.scalarInt(0)}, intAttr("axis", 0))
		v = d.op("Gather", []string{kv, d.scalarInt(1)}, intAttr("axis", 0))
		return k, v
	}
	return d.input(fmt.Sprintf("past_key_values.%d.key", l)), d.input(fmt.Sprintf("past_key_values.%d.value", l))
}

// present concatenates layer l's past and new keys and values into the full [B, KVH, T, D] ones,
// writes them to the graph outputs and returns them as float32.
func (d *decoder) present(l int, k, v string) (string, string) {
	pastK, pastV := d.pastKV(l)
	if d.opts.Layout == LegacyCombinedPast || d.opts.Float16 {
		k = d.op("Concat", []string{pastK, k}, intAttr("axis", 2))
		v = d.op("Concat", []string{pastV, v}, intAttr("axis", 2))
		if d.opts.Layout == LegacyCombinedPast {
			k0 := d.op("Unsqueeze", []string{k, d.ints(0)})
			v0 := d.op("Unsqueeze", []string{v, d.ints(0)})
			d.outputOp(fmt.Sprintf("present_%d", l), "Concat", []string{k0, v0}, intAttr("axis", 0))
		} else {
			d.outputOp(fmt.Sprintf("present.%d.key", l), "Identity", []string{k})
			d.outputOp(fmt.Sprintf("present.%d.value", l), "Identity", []string{v})
		}
		return k, v
	}
	// fp32 optimum layout: the Concat writes the output itself, no copy.
	k = d.opTo(fmt.Sprintf("present.%d.key", l), "Concat", []string{pastK, k}, intAttr("axis", 2))
	v = d.opTo(fmt.Sprintf("present.%d.value", l), "Concat", []string{pastV, v}, intAttr("axis", 2))
	return k, v
}

// layer is one decoder block on the residual stream x [N, d].
func (d *decoder) layer(l int, x, batch, cos, sin, bias string) string {
	cfg := d.cfg
	h, kvh, hd := cfg.NumAttentionHeads, cfg.NumKeyValueHeads, int64(cfg.HeadDim)
	group := h / kvh

	n := d.rmsNorm(x, arch.LayerName(l, "input_layernorm.weight"))
	q, k, v := d.qkv(l, n)
	q = d.rope(d.heads(q, batch, h), cos, sin)   // [B, H, S, D]
	k = d.rope(d.heads(k, batch, kvh), cos, sin) // [B, KVH, S, D]
	v = d.heads(v, batch, kvh)                   // [B, KVH, S, D]

	k, v = d.present(l, k, v) // [B, KVH, T, D]

	// Grouped-query attention without copying keys: query heads g·j … g·j+g-1 share kv head j,
	// so [B, H, S, D] is viewed as [B, KVH, g·S, D] against [B, KVH, T, D].
	if group > 1 {
		q = d.op("Reshape", []string{q, d.ints(0, int64(kvh), -1, hd)}) // [B, KVH, g·S, D]
	}
	kT := d.op("Transpose", []string{k}, intsAttr("perm", 0, 1, 3, 2)) // [B, KVH, D, T]
	scores := d.op("MatMul", []string{q, kT})                          // [B, KVH, g·S, T]
	if group > 1 {
		scores = d.op("Reshape", []string{scores, d.ints(0, int64(h), -1, 0)}) // [B, H, S, T]
	}
	scores = d.op("Mul", []string{scores, d.scalar(float32(1 / math.Sqrt(float64(hd))))})
	scores = d.op("Add", []string{scores, bias})
	probs := d.op("Softmax", []string{scores}, intAttr("axis", -1)) // [B, H, S, T]
	if group > 1 {
		probs = d.op("Reshape", []string{probs, d.ints(0, int64(kvh), -1, 0)}) // [B, KVH, g·S, T]
	}
	att := d.op("MatMul", []string{probs, v}) // [B, KVH, g·S, D]
	if group > 1 {
		att = d.op("Reshape", []string{att, d.ints(0, int64(h), -1, hd)}) // [B, H, S, D]
	}
	att = d.op("Transpose", []string{att}, intsAttr("perm", 0, 2, 1, 3)) // [B, S, H, D]
	att = d.op("Reshape", []string{att, d.ints(-1, int64(h)*hd)})        // [N, H·D]
	x = d.op("Add", []string{x, d.outProj(l, att)})

	n = d.rmsNorm(x, arch.LayerName(l, "post_attention_layernorm.weight"))
	return d.op("Add", []string{x, d.mlp(l, n)})
}

// qkv projects layer l's normed input n [N, d] to queries [N, H·D], keys and values [N, KVH·D].
func (d *decoder) qkv(l int, n string) (q, k, v string) {
	proj := func(p string) string {
		bias := ""
		if d.cfg.QKVBias() {
			bias = arch.LayerName(l, "self_attn."+p+"_proj.bias")
		}
		return d.linear(n, arch.LayerName(l, "self_attn."+p+"_proj.weight"), bias)
	}
	return proj("q"), proj("k"), proj("v")
}

// outProj is layer l's attention output projection of att [N, H·D] to [N, d].
func (d *decoder) outProj(l int, att string) string {
	bias := ""
	if d.cfg.OBias() {
		bias = arch.LayerName(l, "self_attn.o_proj.bias")
	}
	return d.linear(att, arch.LayerName(l, "self_attn.o_proj.weight"), bias)
}

// mlp is layer l's SwiGLU MLP on its normed input n [N, d]: down(silu(gate(n)) · up(n)).
func (d *decoder) mlp(l int, n string) string {
	gate := d.linear(n, arch.LayerName(l, "mlp.gate_proj.weight"), "") // [N, I]
	up := d.linear(n, arch.LayerName(l, "mlp.up_proj.weight"), "")     // [N, I]
	act := d.op("Mul", []string{d.op("Mul", []string{gate, d.op("Sigmoid", []string{gate})}), up})
	return d.linear(act, arch.LayerName(l, "mlp.down_proj.weight"), "") // [N, d]
}
