package onnx

// Test helpers that decode the written protobuf, to check its structure (which tensors are
// external, which ops ONNX Runtime fused). Reading weights back is train/weights' job.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mirage-rl/mirage/sampler/onnxfile"
)

// initializer is what the tests inspect of a TensorProto.
type initializer struct {
	name     string
	dims     []int64
	dtype    int
	raw      []byte    // raw_data, when inline
	floats   []float32 // float_data, when inline
	location string    // external data file, when external
	offset   int64
	length   int64 // -1: to the end of the file
	external bool
}

// parseInitializers returns the initializers of a serialised ModelProto (graph = 7,
// initializer = 5).
func parseInitializers(model []byte) ([]initializer, error) {
	var graph []byte
	if err := onnxfile.EachField(model, func(num protowire.Number, typ protowire.Type, data []byte, _ uint64) error {
		if num == 7 && typ == protowire.BytesType {
			graph = data
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("not an ONNX model: %w", err)
	}
	if graph == nil {
		return nil, errors.New("not an ONNX model: no graph")
	}
	var out []initializer
	err := onnxfile.EachField(graph, func(num protowire.Number, typ protowire.Type, data []byte, _ uint64) error {
		if num != 5 || typ != protowire.BytesType {
			return nil
		}
		in, err := parseTensor(data)
		if err != nil {
			return fmt.Errorf("initializer %d: %w", len(out), err)
		}
		out = append(out, in)
		return nil
	})
	return out, err
}

// parseTensor decodes the TensorProto fields the tests inspect: dims (1), data_type (2),
// float_data (4), name (8), raw_data (9), external_data (13), data_location (14).
func parseTensor(b []byte) (initializer, error) {
	in := initializer{length: -1}
	err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, data []byte, v uint64) error {
		switch {
		case num == 1 && typ == protowire.VarintType:
			in.dims = append(in.dims, int64(v))
		case num == 1 && typ == protowire.BytesType: // packed dims
			for len(data) > 0 {
				d, n := protowire.ConsumeVarint(data)
				if n < 0 {
					return fmt.Errorf("dims: %w", protowire.ParseError(n))
				}
				in.dims = append(in.dims, int64(d))
				data = data[n:]
			}
		case num == 2 && typ == protowire.VarintType:
			in.dtype = int(v)
		case num == 4 && typ == protowire.Fixed32Type:
			in.floats = append(in.floats, math.Float32frombits(uint32(v)))
		case num == 4 && typ == protowire.BytesType: // packed float_data
			if len(data)%4 != 0 {
				return fmt.Errorf("float_data: %d bytes is not a multiple of 4", len(data))
			}
			for i := 0; i < len(data); i += 4 {
				in.floats = append(in.floats, math.Float32frombits(binary.LittleEndian.Uint32(data[i:])))
			}
		case num == 8 && typ == protowire.BytesType:
			in.name = string(data)
		case num == 9 && typ == protowire.BytesType:
			in.raw = data
		case num == 13 && typ == protowire.BytesType:
			return in.externalEntry(data)
		case num == 14 && typ == protowire.VarintType:
			in.external = v == 1
		}
		return nil
	})
	for _, d := range in.dims {
		if d < 0 {
			return in, fmt.Errorf("tensor %q: negative dimension %d", in.name, d)
		}
	}
	return in, err
}

// externalEntry decodes one StringStringEntryProto (key = 1, value = 2) of external_data.
func (in *initializer) externalEntry(b []byte) error {
	var key, value string
	if err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, data []byte, _ uint64) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				key = string(data)
			case 2:
				value = string(data)
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("external_data: %w", err)
	}
	var err error
	switch key {
	case "location":
		in.location = value
	case "offset":
		in.offset, err = strconv.ParseInt(value, 10, 64)
	case "length":
		in.length, err = strconv.ParseInt(value, 10, 64)
	}
	if err != nil || in.offset < 0 {
		return fmt.Errorf("tensor %q: external_data %s = %q: want a non-negative integer", in.name, key, value)
	}
	return nil
}
