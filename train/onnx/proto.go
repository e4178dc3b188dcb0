package onnx

import (
	"encoding/binary"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file encodes the few ONNX protobuf messages the writer needs, field numbers taken from
// onnx/onnx.proto (IR version 8). Each message is built as a byte slice with protowire.

// ONNX TensorProto.DataType values.
const (
	dtFloat   = 1
	dtUint8   = 2
	dtInt32   = 6
	dtInt64   = 7
	dtBool    = 9
	dtFloat16 = 10
)

// AttributeProto.AttributeType values.
const (
	attrFloat = 1
	attrInt   = 2
	attrInts  = 7
)

// irVersion 8 is the IR version that goes with opset 17 (onnx 1.12).
const (
	irVersion = 8
	opset     = 17
)

// msg is a protobuf message under construction.
type msg []byte

func (m msg) bytes(f protowire.Number, b []byte) msg {
	m = protowire.AppendTag(m, f, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m msg) str(f protowire.Number, s string) msg {
	m = protowire.AppendTag(m, f, protowire.BytesType)
	return protowire.AppendString(m, s)
}

func (m msg) varint(f protowire.Number, v int64) msg {
	m = protowire.AppendTag(m, f, protowire.VarintType)
	return protowire.AppendVarint(m, uint64(v))
}

func (m msg) packedInts(f protowire.Number, vs []int64) msg {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	return m.bytes(f, p)
}

// tensorHeader is a TensorProto without data: dims (1), data_type (2), name (8).
func tensorHeader(name string, dtype int, dims []int64) msg {
	var m msg
	if len(dims) > 0 {
		m = m.packedInts(1, dims)
	}
	m = m.varint(2, int64(dtype))
	return m.str(8, name)
}

// inlineTensor is a TensorProto with raw_data (9).
func inlineTensor(name string, dtype int, dims []int64, raw []byte) msg {
	return tensorHeader(name, dtype, dims).bytes(9, raw)
}

// externalTensor is a TensorProto whose data lives in a separate file: external_data (13) entries
// location/offset/length and data_location (14) = EXTERNAL.
func externalTensor(name string, dtype int, dims []int64, location string, offset, length int64) msg {
	m := tensorHeader(name, dtype, dims)
	for _, kv := range [][2]string{
		{"location", location},
		{"offset", strconv.FormatInt(offset, 10)},
		{"length", strconv.FormatInt(length, 10)},
	} {
		m = m.bytes(13, msg{}.str(1, kv[0]).str(2, kv[1]))
	}
	return m.varint(14, 1)
}

func int64Raw(vs ...int64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return b
}

func float32Raw(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// attribute is an AttributeProto: name (1), f (2), i (3), ints (8), type (20).
type attribute msg

func floatAttr(name string, v float32) attribute {
	m := msg{}.str(1, name)
	m = protowire.AppendTag(m, 2, protowire.Fixed32Type)
	m = protowire.AppendFixed32(m, math.Float32bits(v))
	return attribute(m.varint(20, attrFloat))
}

func intAttr(name string, v int64) attribute {
	return attribute(msg{}.str(1, name).varint(3, v).varint(20, attrInt))
}

func intsAttr(name string, vs ...int64) attribute {
	m := msg{}.str(1, name)
	for _, v := range vs { // repeated int64 ints = 8; unpacked is always accepted by parsers
		m = m.varint(8, v)
	}
	return attribute(m.varint(20, attrInts))
}

// node is a NodeProto: input (1), output (2), name (3), op_type (4), attribute (5).
func node(op, name string, inputs, outputs []string, attrs []attribute) msg {
	var m msg
	for _, in := range inputs {
		m = m.str(1, in)
	}
	for _, out := range outputs {
		m = m.str(2, out)
	}
	m = m.str(3, name).str(4, op)
	for _, a := range attrs {
		m = m.bytes(5, a)
	}
	return m
}

// dim is one TensorShapeProto.Dimension: a fixed size or a symbolic name.
type dim struct {
	value int64
	param string
}

// valueInfo is a ValueInfoProto: name (1), type (2) = TypeProto{tensor_type (1) =
// {elem_type (1), shape (2) = {dim (1) = {dim_value (1) | dim_param (2)}}}}.
func valueInfo(name string, dtype int, dims []dim) msg {
	var shape msg
	for _, d := range dims {
		var dm msg
		if d.param != "" {
			dm = dm.str(2, d.param)
		} else {
			dm = dm.varint(1, d.value)
		}
		shape = shape.bytes(1, dm)
	}
	tensorType := msg{}.varint(1, int64(dtype)).bytes(2, shape)
	return msg{}.str(1, name).bytes(2, msg{}.bytes(1, tensorType))
}

// graphProto: node (1), name (2), initializer (5), input (11), output (12).
func graphProto(name string, nodes, inits, inputs, outputs []msg) msg {
	var m msg
	for _, n := range nodes {
		m = m.bytes(1, n)
	}
	m = m.str(2, name)
	for _, t := range inits {
		m = m.bytes(5, t)
	}
	for _, v := range inputs {
		m = m.bytes(11, v)
	}
	for _, v := range outputs {
		m = m.bytes(12, v)
	}
	return m
}

// msDomain is ONNX Runtime's contrib-operator domain (MatMulNBits, and in Layout ORT
// GroupQueryAttention and SkipSimplifiedLayerNormalization), imported at version 1.
const msDomain = "com.microsoft"

// modelProto: ir_version (1), producer_name (2), producer_version (3), graph (7),
// opset_import (8) = {domain (1), version (2)}; contrib adds the com.microsoft import.
func modelProto(graph msg, contrib bool) msg {
	m := msg{}.varint(1, irVersion).str(2, "mirage").str(3, "1").
		bytes(7, graph).bytes(8, msg{}.str(1, "").varint(2, opset))
	if contrib {
		m = m.bytes(8, msg{}.str(1, msDomain).varint(2, 1))
	}
	return m
}
