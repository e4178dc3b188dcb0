// Package onnx writes mirage's Llama / Qwen2 models (train/arch) as ONNX model folders that any
// ONNX Runtime user loads like an HF optimum export: model.onnx + model.onnx.data, config.json,
// generation_config.json and the tokenizer files.
//
// By default the graph has the optimum decoder-with-past signature, opset 17 and standard ONNX
// operators only (no com.microsoft contrib ops, except com.microsoft.MatMulNBits in
// weight-quantised models, WriteOptions.WeightBits):
//
//	inputs   input_ids [B, S] int64, attention_mask [B, P+S] int64, position_ids [B, S] int64,
//	         past_key_values.N.key|value [B, KVH, P, D]
//	outputs  logits [B, S, V], present.N.key|value [B, KVH, P+S, D]
//
// The causal and padding mask is built inside the graph from attention_mask, so left padding works,
// and so do the non-padded positions of right-padded rows. Options give the other formats the
// sampler must read: fp16 weights and I/O, no position_ids input, GPT-2 style combined past_N.
//
// Layout ORT instead builds the graph on ONNX Runtime's contrib operators, as onnxruntime-genai's
// model builder does: com.microsoft.GroupQueryAttention (rotary embedding inside, right-padded
// rows, a KV cache that past and present can share in place) and (Skip)SimplifiedLayerNormalization;
// only ONNX Runtime runs it (see Layout ORT for its signature).
//
// Weights keep their HF names and layout (nn.Linear [out, in], used through Gemm transB=1) and
// always live in the external data file, never inside model.onnx: the protobuf stays a few hundred
// KB whatever the model size, so the 2 GB protobuf limit never applies, and re-exporting new weights
// (Exporter) rewrites only the data file. The protobuf is encoded here with protowire. Reading a
// folder's weights back is train/weights' job (weights.Load).
//
// The graph is written so that ONNX Runtime's optimiser fuses it (RMSNorm into
// SimplifiedLayerNormalization, x·sigmoid(x) into QuickGelu, k-transpose into FusedMatMul), and
// grouped-query attention never copies the shared keys and values.
//
// transformers.js reads such a folder when model.onnx and its data file are also reachable as
// onnx/model.onnx (onnx/model_fp16.onnx for fp16 graphs); a symlink is enough (see tjs_test.go).
package onnx

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
	"github.com/mirage-rl/mirage/train/arch"
)

// Layout selects the graph's input/output signature.
type Layout int

const (
	// Optimum is the HF optimum decoder-with-past signature (the default).
	Optimum Layout = iota
	// NoPositionIDs drops the position_ids input; positions are derived from attention_mask.
	NoPositionIDs
	// LegacyCombinedPast uses GPT-2 style caches: past_N [2, B, KVH, P, D] → present_N.
	LegacyCombinedPast
	// ORT is laid out for ONNX Runtime as onnxruntime-genai's model builder lays out its models:
	// attention is com.microsoft.GroupQueryAttention (rotary embedding inside, caches of a
	// fixed capacity shared in place between past and present), norms are
	// SimplifiedLayerNormalization and com.microsoft.SkipSimplifiedLayerNormalization. Inputs are
	// input_ids [B, S], attention_mask [B, T] and past_key_values.N.key|value [B, KVH, P, D], no
	// position_ids; outputs logits [B, S, V] and present.N.key|value [B, KVH, max(T, P), D].
	// Rows must be right-padded (each attention_mask row is 1s then 0s): row b's tokens are the
	// first sum(attention_mask[b]) of its cache, whatever P is, and T may not exceed
	// max_position_embeddings (the rotary tables' length; see docs/onnx.md). It needs a head size
	// that is a multiple of 16 and float32 (or WeightBits) weights.
	ORT
)

// positionIDs reports whether the layout has a position_ids input.
func (l Layout) positionIDs() bool { return l == Optimum || l == LegacyCombinedPast }

func (l Layout) String() string {
	switch l {
	case Optimum:
		return "optimum"
	case NoPositionIDs:
		return "no-position-ids"
	case LegacyCombinedPast:
		return "legacy-combined-past"
	case ORT:
		return "ort"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Default file names in a model folder.
const (
	ModelFile = "model.onnx"
	DataFile  = "model.onnx.data"
)

// WriteOptions control the written folder. The zero value writes an fp32 optimum-layout model.
type WriteOptions struct {
	// Float16 stores weights as float16 and makes past/present/logits float16. The graph casts
	// weights and caches to float32 and computes in float32 (ORT's CPU has few fp16 kernels).
	Float16 bool
	// WeightBits, when 4 or 8, stores the decoder layers' projection weights block-quantised
	// (QuantizeBlocks) and multiplies by them with ONNX Runtime's com.microsoft.MatMulNBits
	// contrib operator: weight-only quantisation for CPU decode. Embeddings, the LM head, norms and
	// biases stay float32, and so do the graph's inputs and outputs. Not combined with Float16.
	WeightBits int
	// Layout is the input/output signature; default Optimum.
	Layout Layout
	// TokenizerDir, if set, is a folder whose tokenizer files (tokenizer.json,
	// tokenizer_config.json, special_tokens_map.json, ...) are copied next to the model.
	TokenizerDir string
	// DataFile is the external data file name; default "model.onnx.data". (transformers.js in a
	// browser looks for "model.onnx_data"; under node it reads whatever model.onnx names.)
	DataFile string
	// Unsynced skips the fsync before the data file's rename (atomicfile.WriteUnsynced): for a
	// folder rebuilt after a crash anyway, re-exported every step (the RL policy folder).
	Unsynced bool
}

// tokenizerFiles are copied from WriteOptions.TokenizerDir when present.
var tokenizerFiles = []string{
	"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
	"vocab.json", "merges.txt", "tokenizer.model", "chat_template.jinja",
}

// dataEntry is one initializer's place in the external data file: a weight, or the codes or
// scales of a quantised one.
type dataEntry struct {
	name   string // the weight's HF name
	part   part
	shape  []int // the weight's shape
	offset int64
	length int64
}

// part is what a data entry stores of its weight.
type part int

const (
	partFloat  part = iota // the weight itself, float32 or float16
	partCodes              // QuantizeBlocks' codes
	partScales             // QuantizeBlocks' scales (float32)
)

// Exporter writes one model folder and re-exports new weights into it cheaply: the graph is
// serialised once, at construction; the first Export writes every file, later ones only the data
// file (to a temporary file renamed over the old one, so a session that memory-mapped the old
// data keeps a consistent copy). An Exporter is not safe for concurrent use.
type Exporter struct {
	dir     string
	cfg     arch.Config
	opts    WriteOptions
	model   []byte // serialised ModelProto
	entries []dataEntry
	size    int64 // data file size
	written bool  // the static files are in place
}

// NewExporter validates cfg and builds the graph for dir. Nothing is written until Export.
func NewExporter(dir string, cfg arch.Config, opts WriteOptions) (*Exporter, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if opts.Layout < Optimum || opts.Layout > ORT {
		return nil, fmt.Errorf("onnx: unknown layout %v", opts.Layout)
	}
	switch {
	case opts.WeightBits != 0 && opts.WeightBits != 4 && opts.WeightBits != 8:
		return nil, fmt.Errorf("onnx: weight bits %d: want 4, 8 or 0 (float)", opts.WeightBits)
	case opts.WeightBits != 0 && opts.Float16:
		return nil, errors.New("onnx: quantised weights with float16 are not supported; the quantised graph computes in float32")
	case opts.Layout == ORT && opts.Float16:
		// ONNX Runtime's CPU GroupQueryAttention and the rest of the graph compute in the
		// caches' type; fp16 would mean fp16 arithmetic, not the fp32 compute of the other layouts.
		return nil, errors.New("onnx: layout ort with float16 weights is not supported; write it with float32 or int8/int4 weights, or use the standard layout for float16")
	case opts.Layout == ORT && cfg.HeadDim%16 != 0:
		return nil, fmt.Errorf("onnx: layout ort: head size %d is not a multiple of 16, which ONNX Runtime's GroupQueryAttention needs to apply rotary embeddings on CPU; use the standard layout for this model", cfg.HeadDim)
	}
	if opts.DataFile == "" {
		opts.DataFile = DataFile
	}
	if opts.DataFile != filepath.Base(opts.DataFile) || opts.DataFile == ModelFile {
		return nil, fmt.Errorf("onnx: data file %q: want a plain file name other than %s", opts.DataFile, ModelFile)
	}
	e := &Exporter{dir: dir, cfg: cfg, opts: opts}
	elem, dtype := int64(4), dtFloat
	if opts.Float16 {
		elem, dtype = 2, dtFloat16
	}
	shapes := arch.ParamShapes(cfg)
	var inits []msg
	for _, name := range arch.SortedNames(shapes) {
		shape := shapes[name]
		add := func(init string, p part, dt int, dims []int64, length int64) {
			e.size = alignUp(e.size, length)
			e.entries = append(e.entries, dataEntry{name: name, part: p, shape: shape, offset: e.size, length: length})
			inits = append(inits, externalTensor(init, dt, dims, opts.DataFile, e.size, length))
			e.size += length
		}
		if opts.WeightBits == 0 || !quantized(name, shape) {
			add(name, partFloat, dtype, dims64(shape), elem*int64(arch.Numel(shape)))
			continue
		}
		n, blocks, blob := int64(shape[0]), int64(quantBlocks(shape[1])), int64(QuantBlock*opts.WeightBits/8)
		add(codesName(name), partCodes, dtUint8, []int64{n, blocks, blob}, n*blocks*blob)
		add(scalesName(name), partScales, dtFloat, []int64{n * blocks}, 4*n*blocks)
	}
	e.model = modelProto(buildGraph(cfg, opts, inits), opts.WeightBits != 0 || opts.Layout == ORT)
	return e, nil
}

// alignUp aligns large tensors to 4 KiB (the page size, so ORT can map them) and small ones to 64
// bytes.
func alignUp(off, length int64) int64 {
	a := int64(64)
	if length >= 1<<16 {
		a = 4096
	}
	return (off + a - 1) / a * a
}

func dims64(shape []int) []int64 {
	out := make([]int64, len(shape))
	for i, d := range shape {
		out[i] = int64(d)
	}
	return out
}

// Export writes w into the folder. The first call writes model.onnx, config.json,
// generation_config.json and the tokenizer files too; later calls rewrite only the data file.
// Weights must match the config exactly (arch.CheckWeights). On the first call model.onnx is
// written last, after the data file: a failure (a tokenizer folder without tokenizer files, a
// full disk) leaves no model.onnx, so the folder never looks like a model it is not.
func (e *Exporter) Export(ctx context.Context, w map[string]*arch.Tensor) error {
	if err := arch.CheckWeights(e.cfg, w); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	if e.written {
		return e.writeData(ctx, w)
	}
	if err := e.writeStatic(); err != nil {
		return err
	}
	if err := e.writeData(ctx, w); err != nil {
		return err
	}
	path := filepath.Join(e.dir, ModelFile)
	if err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(e.model)
		return err
	}); err != nil {
		return fmt.Errorf("onnx: writing %s: %w", path, err)
	}
	e.written = true
	return nil
}

// WriteModel writes a complete model folder for cfg and w (see the package doc).
func WriteModel(dir string, cfg arch.Config, w map[string]*arch.Tensor, opts WriteOptions) error {
	e, err := NewExporter(dir, cfg, opts)
	if err != nil {
		return err
	}
	return e.Export(context.Background(), w)
}

func (e *Exporter) writeStatic() error {
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	if err := e.copyTokenizer(); err != nil {
		return err
	}
	cfg := e.cfg
	cfg.TorchDtype = "float32" // also for quantised models: their float tensors are float32
	if e.opts.Float16 {
		cfg.TorchDtype = "float16"
	}
	if err := arch.WriteConfig(filepath.Join(e.dir, "config.json"), cfg); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	gen := map[string]any{"bos_token_id": cfg.BOSTokenID, "eos_token_id": cfg.EOSTokenID}
	if len(cfg.PadTokenID) > 0 {
		gen["pad_token_id"] = cfg.PadTokenID
	}
	b, err := json.MarshalIndent(gen, "", "  ")
	if err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "generation_config.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("onnx: %w", err)
	}
	return nil
}

// TokenizerFilesIn lists the tokenizer files in dir that an export copies into the model
// folder (tokenizer.json, tokenizer_config.json, ...), and fails when there is none: what
// WriteOptions.TokenizerDir needs, checkable before anything is trained.
func TokenizerFilesIn(dir string) ([]string, error) {
	var found []string
	for _, name := range tokenizerFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			found = append(found, name)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("onnx: tokenizer: %w", err)
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("onnx: tokenizer dir %s has none of %v", dir, tokenizerFiles)
	}
	return found, nil
}

func (e *Exporter) copyTokenizer() error {
	src := e.opts.TokenizerDir
	if src == "" {
		return nil
	}
	names, err := TokenizerFilesIn(src)
	if err != nil {
		return err
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return fmt.Errorf("onnx: tokenizer: %w", err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, name), b, 0o644); err != nil {
			return fmt.Errorf("onnx: tokenizer: %w", err)
		}
	}
	return nil
}

// writeData streams the weights in entry order, converting to the stored type.
func (e *Exporter) writeData(ctx context.Context, w map[string]*arch.Tensor) error {
	path := filepath.Join(e.dir, e.opts.DataFile)
	write := atomicfile.Write
	if e.opts.Unsynced {
		write = atomicfile.WriteUnsynced
	}
	err := write(path, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		buf := make([]byte, 0, 1<<16)
		var pos int64
		var scales []float32 // of the weight whose codes were just written
		for _, ent := range e.entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			if pad := ent.offset - pos; pad > 0 {
				if _, err := bw.Write(make([]byte, pad)); err != nil {
					return err
				}
			}
			data := w[ent.name].Data
			switch ent.part {
			case partCodes:
				var codes []byte
				var err error
				codes, scales, err = QuantizeBlocks(data, ent.shape[0], ent.shape[1], e.opts.WeightBits)
				if err != nil {
					return fmt.Errorf("%s: %w", ent.name, err)
				}
				if _, err := bw.Write(codes); err != nil {
					return err
				}
				pos = ent.offset + ent.length
				continue
			case partScales:
				data = scales
			}
			if !e.opts.Float16 && littleEndian {
				// float32 in memory is already the little-endian byte layout ONNX stores.
				if _, err := bw.Write(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(data))), 4*len(data))); err != nil {
					return err
				}
				pos = ent.offset + ent.length
				continue
			}
			for start := 0; start < len(data); start += 1 << 14 {
				chunk := data[start:min(start+1<<14, len(data))]
				buf = buf[:0]
				for _, v := range chunk {
					if e.opts.Float16 && ent.part == partFloat {
						buf = binary.LittleEndian.AppendUint16(buf, Float16Bits(v))
					} else {
						buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
					}
				}
				if _, err := bw.Write(buf); err != nil {
					return err
				}
			}
			pos = ent.offset + ent.length
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("onnx: writing %s: %w", path, err)
	}
	return nil
}

// littleEndian reports whether float32 slices can be written as they lie in memory.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
