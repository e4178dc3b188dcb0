// Package onnxfile walks the protobuf wire format of ONNX model files field by field, for the
// readers that need a few fields of a ModelProto (the sampler's graph signature, the trainer's
// weights) without generated ONNX bindings. It is a leaf: sampler and train both import it.
package onnxfile

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// EachField walks one protobuf message, calling fn with each field's number, wire type and
// payload: v holds the bytes of length-delimited fields, x the value of varint and fixed
// fields. It stops at fn's first error and returns it unchanged. Errors of its own say
// "bad protobuf" without a package prefix: callers wrap them with the file and message read.
func EachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad protobuf: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			x = uint64(u)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("bad protobuf: field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// EachVarint calls fn with each value of a packed repeated varint field (dims, int32_data).
func EachVarint(b []byte, fn func(uint64)) error {
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return fmt.Errorf("bad packed varints: %w", protowire.ParseError(n))
		}
		fn(v)
		b = b[n:]
	}
	return nil
}
