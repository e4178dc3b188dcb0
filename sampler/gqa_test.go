package sampler_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// writeGQAModel writes a one-layer decoder built on ONNX Runtime's GroupQueryAttention
// (com.microsoft), laid out like an onnxruntime-genai builder folder: genai_config.json, no
// position_ids, and lengths taken from attention_mask (seqlens_k = sum(mask) - 1,
// total_sequence_length = mask width), so it needs right padding. It is the only way to test
// that path here: the genai builder is Python. The attention has no rotary embedding, so the
// model sees the multiset of earlier tokens; a wrong cache or padding still changes the logits.
//
//	x = embed[input_ids]                          [B, S, E]
//	q, k, v = x·Wq, x·Wk, x·Wv                    [B, S, 4·8], [B, S, 2·8]
//	a, present.k, present.v = GQA(q, k, v, past.k, past.v, seqlens_k, total)
//	logits = (a + x·Wr)·Wo                        [B, S, V]
func writeGQAModel(dir string, vocab int) error {
	const (
		embed          = 16
		heads, kvHeads = 4, 2
		headSize       = 8
	)
	rng := rand.New(rand.NewPCG(11, 12))
	weight := func(name string, rows, cols int) []byte {
		raw := make([]byte, 4*rows*cols)
		for i := 0; i < rows*cols; i++ {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(rng.NormFloat64()*0.5)))
		}
		return tensorProto(name, 1, []int64{int64(rows), int64(cols)}, raw)
	}
	var inits [][]byte
	inits = append(inits,
		weight("embed", vocab, embed),
		weight("wq", embed, heads*headSize),
		weight("wk", embed, kvHeads*headSize),
		weight("wv", embed, kvHeads*headSize),
		weight("wr", embed, heads*headSize),
		weight("wo", heads*headSize, vocab),
		tensorProto("axis1", 7, []int64{1}, le64(1)),
		tensorProto("one", 7, nil, le64(1)),
	)
	nodes := [][]byte{
		nodeProto("Gather", "", []string{"embed", "input_ids"}, []string{"x"}),
		nodeProto("MatMul", "", []string{"x", "wq"}, []string{"q"}),
		nodeProto("MatMul", "", []string{"x", "wk"}, []string{"k"}),
		nodeProto("MatMul", "", []string{"x", "wv"}, []string{"v"}),
		nodeProto("MatMul", "", []string{"x", "wr"}, []string{"r"}),
		nodeProto("ReduceSum", "", []string{"attention_mask", "axis1"}, []string{"msum"}, intAttr("keepdims", 0)),
		nodeProto("Sub", "", []string{"msum", "one"}, []string{"sk64"}),
		nodeProto("Cast", "", []string{"sk64"}, []string{"seqlens_k"}, intAttr("to", 6)),
		nodeProto("Shape", "", []string{"attention_mask"}, []string{"mshape"}),
		nodeProto("Gather", "", []string{"mshape", "one"}, []string{"total64"}, intAttr("axis", 0)),
		nodeProto("Cast", "", []string{"total64"}, []string{"total"}, intAttr("to", 6)),
		nodeProto("GroupQueryAttention", "com.microsoft",
			[]string{"q", "k", "v", "past_key_values.0.key", "past_key_values.0.value", "seqlens_k", "total"},
			[]string{"a", "present.0.key", "present.0.value"}, intAttr("num_heads", heads), intAttr("kv_num_heads", kvHeads)),
		nodeProto("Add", "", []string{"a", "r"}, []string{"h"}),
		nodeProto("MatMul", "", []string{"h", "wo"}, []string{"logits"}),
	}
	kv := []string{"batch", "2", "past", "8"}
	inputs := [][]byte{
		valueInfo("input_ids", 7, "batch", "seq"),
		valueInfo("attention_mask", 7, "batch", "total"),
		valueInfo("past_key_values.0.key", 1, kv...),
		valueInfo("past_key_values.0.value", 1, kv...),
	}
	pkv := []string{"batch", "2", "present", "8"}
	outputs := [][]byte{
		valueInfo("logits", 1, "batch", "seq", strconv.Itoa(vocab)),
		valueInfo("present.0.key", 1, pkv...),
		valueInfo("present.0.value", 1, pkv...),
	}
	var g []byte
	for _, n := range nodes {
		g = protowire.AppendTag(g, 1, protowire.BytesType)
		g = protowire.AppendBytes(g, n)
	}
	g = protowire.AppendTag(g, 2, protowire.BytesType)
	g = protowire.AppendString(g, "gqa")
	for _, t := range inits {
		g = protowire.AppendTag(g, 5, protowire.BytesType)
		g = protowire.AppendBytes(g, t)
	}
	for _, v := range inputs {
		g = protowire.AppendTag(g, 11, protowire.BytesType)
		g = protowire.AppendBytes(g, v)
	}
	for _, v := range outputs {
		g = protowire.AppendTag(g, 12, protowire.BytesType)
		g = protowire.AppendBytes(g, v)
	}
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType) // ir_version
	m = protowire.AppendVarint(m, 8)
	for _, op := range []struct {
		domain  string
		version uint64
	}{{"", 17}, {"com.microsoft", 1}} {
		var o []byte
		o = protowire.AppendTag(o, 1, protowire.BytesType)
		o = protowire.AppendString(o, op.domain)
		o = protowire.AppendTag(o, 2, protowire.VarintType)
		o = protowire.AppendVarint(o, op.version)
		m = protowire.AppendTag(m, 8, protowire.BytesType)
		m = protowire.AppendBytes(m, o)
	}
	m = protowire.AppendTag(m, 7, protowire.BytesType)
	m = protowire.AppendBytes(m, g)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "model.onnx"), m, 0o644); err != nil {
		return err
	}
	genai := `{"model": {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "context_length": 96, "vocab_size": ` + strconv.Itoa(vocab) + `,
  "decoder": {"filename": "model.onnx", "head_size": 8, "hidden_size": 16, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 1,
    "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
    "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"}}, "type": "llama"}}`
	return os.WriteFile(filepath.Join(dir, "genai_config.json"), []byte(genai), 0o644)
}

func le64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

func tensorProto(name string, elem uint64, dims []int64, raw []byte) []byte {
	var t []byte
	for _, d := range dims {
		t = protowire.AppendTag(t, 1, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(d))
	}
	t = protowire.AppendTag(t, 2, protowire.VarintType)
	t = protowire.AppendVarint(t, elem)
	t = protowire.AppendTag(t, 8, protowire.BytesType)
	t = protowire.AppendString(t, name)
	t = protowire.AppendTag(t, 9, protowire.BytesType)
	return protowire.AppendBytes(t, raw)
}

func intAttr(name string, v int64) []byte {
	var a []byte
	a = protowire.AppendTag(a, 1, protowire.BytesType)
	a = protowire.AppendString(a, name)
	a = protowire.AppendTag(a, 3, protowire.VarintType)
	a = protowire.AppendVarint(a, uint64(v))
	a = protowire.AppendTag(a, 20, protowire.VarintType) // type INT
	return protowire.AppendVarint(a, 2)
}

func nodeProto(op, domain string, in, out []string, attrs ...[]byte) []byte {
	var n []byte
	for _, s := range in {
		n = protowire.AppendTag(n, 1, protowire.BytesType)
		n = protowire.AppendString(n, s)
	}
	for _, s := range out {
		n = protowire.AppendTag(n, 2, protowire.BytesType)
		n = protowire.AppendString(n, s)
	}
	n = protowire.AppendTag(n, 4, protowire.BytesType)
	n = protowire.AppendString(n, op)
	for _, a := range attrs {
		n = protowire.AppendTag(n, 5, protowire.BytesType)
		n = protowire.AppendBytes(n, a)
	}
	if domain != "" {
		n = protowire.AppendTag(n, 7, protowire.BytesType)
		n = protowire.AppendString(n, domain)
	}
	return n
}

// valueInfo is a tensor input/output; dims are numbers or symbolic names.
func valueInfo(name string, elem uint64, dims ...string) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		if v, err := strconv.Atoi(d); err == nil {
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, uint64(v))
		} else {
			dim = protowire.AppendTag(dim, 2, protowire.BytesType)
			dim = protowire.AppendString(dim, d)
		}
		shape = protowire.AppendTag(shape, 1, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, elem)
	tt = protowire.AppendTag(tt, 2, protowire.BytesType)
	tt = protowire.AppendBytes(tt, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tt)
	var v []byte
	v = protowire.AppendTag(v, 1, protowire.BytesType)
	v = protowire.AppendString(v, name)
	v = protowire.AppendTag(v, 2, protowire.BytesType)
	return protowire.AppendBytes(v, typ)
}
