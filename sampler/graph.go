package sampler

import (
	"fmt"
	"os"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/mirage-rl/mirage/sampler/onnxfile"
)

// graphInfo is what the loader needs from an ONNX file: the graph's inputs and outputs and the
// operator types it uses. It is read straight from the protobuf wire format, so a folder is
// recognised (and a corrupt file rejected) before ONNX Runtime builds a session.
type graphInfo struct {
	Inputs, Outputs []valueInfo
	OpTypes         map[string]bool // "GroupQueryAttention", "MatMul", ...
	// GQAPresent maps a top-graph value that a GroupQueryAttention node reads as its past key or
	// value to the node's present key or value output. When the past is a graph input and the
	// present a graph output, the two may share one buffer that ONNX Runtime updates in place.
	GQAPresent  map[string]string
	Params      int64 // weights: elements of the top graph's initializers
	WeightBytes int64 // their size as stored
	// ExternalEnd is, per external data file (as the graph names it, relative to the model
	// file's folder), the end of the last tensor stored in it (offset + length): the size the
	// file must have at least.
	ExternalEnd map[string]int64
}

// valueInfo is one graph input or output.
type valueInfo struct {
	Name  string
	Elem  int32    // onnx TensorProto.DataType: 1 float, 10 float16, 7 int64, 6 int32, 9 bool
	Shape []string // one entry per dimension: a number, a symbolic name, or "?"
}

// ONNX element types used here (onnx.proto TensorProto.DataType).
const (
	elemFloat   = 1
	elemInt32   = 6
	elemInt64   = 7
	elemBool    = 9
	elemFloat16 = 10
)

func elemName(e int32) string {
	switch e {
	case elemFloat:
		return "float32"
	case elemFloat16:
		return "float16"
	case elemInt32:
		return "int32"
	case elemInt64:
		return "int64"
	case elemBool:
		return "bool"
	}
	return fmt.Sprintf("onnx type %d", e)
}

// Field numbers of onnx.proto (ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto).
const (
	fModelGraph     = 7
	fModelFunctions = 25
	fGraphNode      = 1
	fGraphInit      = 5
	fInitDims       = 1
	fInitDataType   = 2
	fInitExternal   = 13 // TensorProto.external_data: StringStringEntryProto {key 1, value 2}
	fEntryKey       = 1
	fEntryValue     = 2
	fGraphInput     = 11
	fGraphOutput    = 12
	fFunctionNode   = 7
	fNodeInput      = 1
	fNodeOutput     = 2
	fNodeOpType     = 4
	fNodeAttribute  = 5
	fAttrGraph      = 6
	fAttrGraphs     = 11
	fValueName      = 1
	fValueType      = 2
	fTypeTensor     = 1
	fTensorElem     = 1
	fTensorShape    = 2
	fShapeDim       = 1
	fDimValue       = 1
	fDimParam       = 2
)

// readGraphInfo parses the ONNX file at path.
func readGraphInfo(path string) (*graphInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseGraphInfo(b)
}

// parseGraphInfo parses a serialised ONNX ModelProto.
func parseGraphInfo(b []byte) (*graphInfo, error) {
	g := &graphInfo{OpTypes: map[string]bool{}, GQAPresent: map[string]string{}}
	sawGraph := false
	err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == fModelGraph && typ == protowire.BytesType:
			sawGraph = true
			return g.readGraph(v, true)
		case num == fModelFunctions && typ == protowire.BytesType:
			return onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num == fFunctionNode && typ == protowire.BytesType {
					return g.readNode(v, false)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("not a valid ONNX model: %w", err)
	}
	if !sawGraph {
		return nil, fmt.Errorf("not a valid ONNX model: no graph")
	}
	return g, nil
}

func (g *graphInfo) readGraph(b []byte, top bool) error {
	return onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fGraphNode:
			return g.readNode(v, top)
		case fGraphInit:
			if top {
				g.readInitializer(v)
			}
		case fGraphInput, fGraphOutput:
			if !top {
				return nil
			}
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			if num == fGraphInput {
				g.Inputs = append(g.Inputs, vi)
			} else {
				g.Outputs = append(g.Outputs, vi)
			}
		}
		return nil
	})
}

// readNode records the node's op type and descends into subgraphs (If/Loop branches, as in
// optimum's merged decoders); for a GroupQueryAttention node of the top graph it also records
// which past feeds which present.
func (g *graphInfo) readNode(b []byte, top bool) error {
	var op string
	var in, out []string
	err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fNodeInput:
			in = append(in, string(v))
		case fNodeOutput:
			out = append(out, string(v))
		case fNodeOpType:
			op = string(v)
			g.OpTypes[op] = true
		case fNodeAttribute:
			return onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if (num == fAttrGraph || num == fAttrGraphs) && typ == protowire.BytesType {
					return g.readGraph(v, false)
				}
				return nil
			})
		}
		return nil
	})
	// GroupQueryAttention(query, key, value, past_key, past_value, ...) →
	// (output, present_key, present_value).
	if top && op == "GroupQueryAttention" && len(in) >= 5 && len(out) >= 3 {
		g.GQAPresent[in[3]] = out[1]
		g.GQAPresent[in[4]] = out[2]
	}
	return err
}

// readInitializer adds one weight tensor's size (its dims and element type; the data itself,
// inline or external, is not read) and, for external data, where it ends in its file.
func (g *graphInfo) readInitializer(b []byte) {
	n, elem := int64(1), int32(0)
	ext := map[string]string{}
	onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fInitExternal && typ == protowire.BytesType:
			var k, val string
			onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if typ == protowire.BytesType && num == fEntryKey {
					k = string(v)
				} else if typ == protowire.BytesType && num == fEntryValue {
					val = string(v)
				}
				return nil
			})
			ext[k] = val
		case num == fInitDims && typ == protowire.VarintType:
			n *= int64(x)
		case num == fInitDims && typ == protowire.BytesType: // packed
			onnxfile.EachVarint(v, func(d uint64) { n *= int64(d) })
		case num == fInitDataType && typ == protowire.VarintType:
			elem = int32(x)
		}
		return nil
	})
	g.Params += n
	g.WeightBytes += n * int64(elemSize(elem))
	if loc := ext["location"]; loc != "" {
		off, _ := strconv.ParseInt(ext["offset"], 10, 64)
		length, err := strconv.ParseInt(ext["length"], 10, 64)
		if err != nil { // no length: the tensor's own size
			length = n * int64(elemSize(elem))
		}
		if g.ExternalEnd == nil {
			g.ExternalEnd = map[string]int64{}
		}
		g.ExternalEnd[loc] = max(g.ExternalEnd[loc], off+length)
	}
}

func readValueInfo(b []byte) (valueInfo, error) {
	var vi valueInfo
	err := onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == fValueName && typ == protowire.BytesType:
			vi.Name = string(v)
		case num == fValueType && typ == protowire.BytesType:
			return onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num != fTypeTensor || typ != protowire.BytesType {
					return nil
				}
				return onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
					switch {
					case num == fTensorElem && typ == protowire.VarintType:
						vi.Elem = int32(x)
					case num == fTensorShape && typ == protowire.BytesType:
						return onnxfile.EachField(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
							if num == fShapeDim && typ == protowire.BytesType {
								vi.Shape = append(vi.Shape, readDim(v))
							}
							return nil
						})
					}
					return nil
				})
			})
		}
		return nil
	})
	return vi, err
}

func readDim(b []byte) string {
	d := "?"
	onnxfile.EachField(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == fDimValue && typ == protowire.VarintType:
			d = fmt.Sprint(int64(x))
		case num == fDimParam && typ == protowire.BytesType:
			d = string(v)
		}
		return nil
	})
	return d
}
