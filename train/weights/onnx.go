package weights

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/x448/float16"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mirage-rl/mirage/sampler/onnxfile"
	"github.com/mirage-rl/mirage/train/arch"
)

// ONNX protobuf field numbers (onnx.proto, IR version ≥ 7) of the few messages read here.
const (
	fieldModelGraph       = 7  // ModelProto.graph
	fieldGraphInitializer = 5  // GraphProto.initializer
	fieldTensorDims       = 1  // TensorProto.dims
	fieldTensorDataType   = 2  // TensorProto.data_type
	fieldTensorFloatData  = 4  // TensorProto.float_data
	fieldTensorInt32Data  = 5  // TensorProto.int32_data (holds float16 bits)
	fieldTensorName       = 8  // TensorProto.name
	fieldTensorRawData    = 9  // TensorProto.raw_data
	fieldTensorExternal   = 13 // TensorProto.external_data (StringStringEntryProto key=1 value=2)
	onnxFloat             = 1
	onnxFloat16           = 10
	onnxBFloat16          = 16
)

// ReadONNX reads the float initializers of an ONNX model (fp32, fp16 or bf16; inline or in
// external data files next to it) as float32 tensors by initializer name. Initializers of other
// types (shape constants) are skipped; a weight-quantised model (train/onnx WeightBits: uint8
// NAME_Q codes) is refused. For a folder mirage wrote (train/onnx), these are exactly the
// HF-named weights in HF layout.
func ReadONNX(modelPath string) (Weights, error) {
	b, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	graph, err := field(b, fieldModelGraph)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %w", modelPath, err)
	}
	w := Weights{}
	files := map[string]*os.File{}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	err = onnxfile.EachField(graph, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldGraphInitializer || typ != protowire.BytesType {
			return nil
		}
		name, t, err := readInitializer(v, filepath.Dir(modelPath), files)
		if err != nil {
			return fmt.Errorf("initializer %q: %w", name, err)
		}
		if t == nil && strings.HasSuffix(name, "_Q") {
			return fmt.Errorf("initializer %q holds block-quantised codes (an int8/int4 export, com.microsoft.MatMulNBits): only float weights can be read back; load the checkpoint it was exported from", name)
		}
		if t != nil {
			w[name] = t
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %w", modelPath, err)
	}
	return w, nil
}

// readInitializer decodes one TensorProto; it returns a nil tensor for non-float types.
func readInitializer(b []byte, dir string, files map[string]*os.File) (string, *arch.Tensor, error) {
	var (
		name     string
		dims     []int
		dtype    int
		raw      []byte
		floats   []float32
		int32s   []uint64
		external = map[string]string{}
	)
	err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case fieldTensorName:
			name = string(v)
		case fieldTensorDims:
			if typ == protowire.BytesType { // packed
				return onnxfile.EachVarint(v, func(d uint64) { dims = append(dims, int(int64(d))) })
			}
			dims = append(dims, int(int64(x)))
		case fieldTensorDataType:
			dtype = int(x)
		case fieldTensorRawData:
			raw = v
		case fieldTensorFloatData:
			if typ == protowire.BytesType {
				for i := 0; i+4 <= len(v); i += 4 {
					floats = append(floats, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
				}
			} else {
				floats = append(floats, math.Float32frombits(uint32(x)))
			}
		case fieldTensorInt32Data:
			if typ == protowire.BytesType {
				return onnxfile.EachVarint(v, func(d uint64) { int32s = append(int32s, d) })
			}
			int32s = append(int32s, x)
		case fieldTensorExternal:
			var key, value string
			if err := onnxfile.EachField(v, func(n protowire.Number, _ protowire.Type, s []byte, _ uint64) error {
				if n == 1 {
					key = string(s)
				} else if n == 2 {
					value = string(s)
				}
				return nil
			}); err != nil {
				return err
			}
			external[key] = value
		}
		return nil
	})
	if err != nil {
		return name, nil, err
	}
	width := map[int]int{onnxFloat: 4, onnxFloat16: 2, onnxBFloat16: 2}[dtype]
	if width == 0 {
		return name, nil, nil
	}
	count := 1
	for _, d := range dims {
		if d < 0 || (d > 0 && count > math.MaxInt32/d) {
			return name, nil, fmt.Errorf("bad dims %v", dims)
		}
		count *= d
	}
	t := &arch.Tensor{Shape: slices.Clone(dims), Data: make([]float32, count)}
	if t.Shape == nil {
		t.Shape = []int{}
	}
	switch {
	case len(external) > 0:
		raw, err = readExternal(dir, external, count*width, files)
		if err != nil {
			return name, nil, err
		}
	case raw == nil && dtype == onnxFloat:
		if len(floats) != count {
			return name, nil, fmt.Errorf("%d float_data values for dims %v", len(floats), dims)
		}
		copy(t.Data, floats)
		return name, t, nil
	case raw == nil: // fp16/bf16 bits in int32_data
		if len(int32s) != count {
			return name, nil, fmt.Errorf("%d int32_data values for dims %v", len(int32s), dims)
		}
		raw = make([]byte, 0, 2*count)
		for _, v := range int32s {
			raw = binary.LittleEndian.AppendUint16(raw, uint16(v))
		}
	}
	if len(raw) != count*width {
		return name, nil, fmt.Errorf("%d data bytes for %d values of dims %v", len(raw), count, dims)
	}
	for i := range t.Data {
		switch dtype {
		case onnxFloat:
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		case onnxFloat16:
			t.Data[i] = float16.Frombits(binary.LittleEndian.Uint16(raw[2*i:])).Float32()
		case onnxBFloat16:
			t.Data[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	}
	return name, t, nil
}

// readExternal reads an external-data tensor: location (relative to the model), offset, length.
func readExternal(dir string, ext map[string]string, want int, files map[string]*os.File) ([]byte, error) {
	loc := ext["location"]
	if loc == "" || filepath.IsAbs(loc) || !filepath.IsLocal(loc) {
		return nil, fmt.Errorf("external data location %q: want a file next to the model", loc)
	}
	offset, length := int64(0), int64(want)
	var err error
	if s, ok := ext["offset"]; ok {
		if offset, err = strconv.ParseInt(s, 10, 64); err != nil || offset < 0 {
			return nil, fmt.Errorf("external data offset %q", s)
		}
	}
	if s, ok := ext["length"]; ok {
		if length, err = strconv.ParseInt(s, 10, 64); err != nil || length != int64(want) {
			return nil, fmt.Errorf("external data length %q, want %d", s, want)
		}
	}
	f := files[loc]
	if f == nil {
		if f, err = os.Open(filepath.Join(dir, loc)); err != nil {
			return nil, err
		}
		files[loc] = f
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, offset); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("external data %s: bytes [%d, %d) past the end of the file", loc, offset, offset+length)
		}
		return nil, err
	}
	return buf, nil
}

// field returns the (last) length-delimited field num of message b.
func field(b []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	err := onnxfile.EachField(b, func(n protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if n == num && typ == protowire.BytesType {
			out = v
		}
		return nil
	})
	if err == nil && out == nil {
		err = fmt.Errorf("not an ONNX model: no field %d", num)
	}
	return out, err
}
