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
func writeGQAModel(dir string, vocab int) error { return writeGQAModelWith(dir, vocab, false) }

// writeGQAModelWith writes that model; with identity, each present output is an Identity of the
// attention node's present instead of the node's own output.
func writeGQAModelWith(dir string, vocab int, identity bool) error {
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
	present := "present.0."
	if identity {
		present = "gqa_present.0."
	}
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
			[]string{"a", present + "key", present + "value"}, intAttr("num_heads", heads), intAttr("kv_num_heads", kvHeads)),
		nodeProto("Add", "", []string{"a", "r"}, []string{"h"}),
		nodeProto("MatMul", "", []string{"h", "wo"}, []string{"logits"}),
	}
	if identity {
		nodes = append(nodes,
			nodeProto("Identity", "", []string{present + "key"}, []string{"present.0.key"}),
			nodeProto("Identity", "", []string{present + "value"}, []string{"present.0.value"}))
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
		g = bytesField(g, 1, n)
	}
	g = stringField(g, 2, "gqa")
	for _, t := range inits {
		g = bytesField(g, 5, t)
	}
	for _, v := range inputs {
		g = bytesField(g, 11, v)
	}
	for _, v := range outputs {
		g = bytesField(g, 12, v)
	}
	m := varintField(nil, 1, 8) // ir_version
	for _, op := range []struct {
		domain  string
		version uint64
	}{{"", 17}, {"com.microsoft", 1}} {
		var o []byte
		o = stringField(o, 1, op.domain)
		o = varintField(o, 2, op.version)
		m = bytesField(m, 8, o)
	}
	m = bytesField(m, 7, g)
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
		t = varintField(t, 1, uint64(d))
	}
	t = varintField(t, 2, elem)
	t = stringField(t, 8, name)
	return bytesField(t, 9, raw)
}

func intAttr(name string, v int64) []byte {
	var a []byte
	a = stringField(a, 1, name)
	a = varintField(a, 3, uint64(v))
	return varintField(a, 20, 2) // type INT
}

func nodeProto(op, domain string, in, out []string, attrs ...[]byte) []byte {
	var n []byte
	for _, s := range in {
		n = stringField(n, 1, s)
	}
	for _, s := range out {
		n = stringField(n, 2, s)
	}
	n = stringField(n, 4, op)
	for _, a := range attrs {
		n = bytesField(n, 5, a)
	}
	if domain != "" {
		n = stringField(n, 7, domain)
	}
	return n
}

// valueInfo is a tensor input/output; dims are numbers or symbolic names.
func valueInfo(name string, elem uint64, dims ...string) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		if v, err := strconv.Atoi(d); err == nil {
			dim = varintField(dim, 1, uint64(v))
		} else {
			dim = stringField(dim, 2, d)
		}
		shape = bytesField(shape, 1, dim)
	}
	var tt []byte
	tt = varintField(tt, 1, elem)
	tt = bytesField(tt, 2, shape)
	typ := bytesField(nil, 1, tt)
	return bytesField(stringField(nil, 1, name), 2, typ)
}

// bytesField, stringField and varintField append one protobuf field (tag, then value).
func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func stringField(b []byte, num protowire.Number, v string) []byte {
	return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), v)
}

func varintField(b []byte, num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
}
