// Package weights reads and writes model weights by Hugging Face name: safetensors files (single
// or sharded with model.safetensors.index.json; F32, BF16 and F16 converted to float32 on load),
// and matches a set of weights against an arch.Config, reporting every missing, unexpected and
// mis-shaped tensor at once.
//
// Errors are prefixed "weights:" and name the file and tensor.
package weights

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/x448/float16"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
	"github.com/mirage-rl/mirage/train/arch"
)

// Weights are tensors by HF name.
type Weights = map[string]*arch.Tensor

// maxHeader bounds the JSON header of a safetensors file (the format allows 100 MB).
const maxHeader = 100 << 20

type headerEntry struct {
	DType       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// ReadSafetensors reads every tensor of a .safetensors file as float32, with the header's
// __metadata__ strings.
func ReadSafetensors(path string) (Weights, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %w", err)
	}
	w, meta, err := decodeSafetensors(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("weights: %s: %w", path, err)
	}
	return w, meta, nil
}

func decodeSafetensors(r io.ReaderAt, size int64) (Weights, map[string]string, error) {
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, nil, fmt.Errorf("not a safetensors file: reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n == 0 || n > maxHeader || int64(n)+8 > size {
		return nil, nil, fmt.Errorf("not a safetensors file: header length %d for a %d-byte file", n, size)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, nil, fmt.Errorf("header is not a JSON object: %w", err)
	}
	meta := map[string]string{}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, fmt.Errorf("__metadata__: want an object of strings: %w", err)
		}
		delete(raw, "__metadata__")
	}
	dataStart := int64(8 + n)
	dataLen := size - dataStart
	w := make(Weights, len(raw))
	for _, name := range arch.SortedNames(raw) {
		var e headerEntry
		if err := json.Unmarshal(raw[name], &e); err != nil {
			return nil, nil, fmt.Errorf("tensor %s: bad header entry: %w", name, err)
		}
		t, err := readTensor(r, dataStart, dataLen, name, e)
		if err != nil {
			return nil, nil, err
		}
		w[name] = t
	}
	return w, meta, nil
}

func readTensor(r io.ReaderAt, dataStart, dataLen int64, name string, e headerEntry) (*arch.Tensor, error) {
	count := 1
	for _, d := range e.Shape {
		if d < 0 || (d > 0 && count > math.MaxInt32/d) {
			return nil, fmt.Errorf("tensor %s: bad shape %v", name, e.Shape)
		}
		count *= d
	}
	width := map[string]int{"F32": 4, "BF16": 2, "F16": 2}[e.DType]
	if width == 0 {
		return nil, fmt.Errorf("tensor %s: dtype %s, want F32, BF16 or F16", name, e.DType)
	}
	begin, end := int64(e.DataOffsets[0]), int64(e.DataOffsets[1])
	if begin < 0 || end < begin || end > dataLen || end-begin != int64(count*width) {
		return nil, fmt.Errorf("tensor %s: data_offsets %v do not hold %d %s values of shape %v within %d data bytes",
			name, e.DataOffsets, count, e.DType, e.Shape, dataLen)
	}
	buf := make([]byte, end-begin)
	if _, err := r.ReadAt(buf, dataStart+begin); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	t := &arch.Tensor{Shape: slices.Clone(e.Shape), Data: make([]float32, count)}
	if t.Shape == nil {
		t.Shape = []int{}
	}
	for i := range t.Data {
		switch e.DType {
		case "F32":
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		case "BF16":
			t.Data[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(buf[2*i:])) << 16)
		case "F16":
			t.Data[i] = float16.Frombits(binary.LittleEndian.Uint16(buf[2*i:])).Float32()
		}
	}
	return t, nil
}

// WriteSafetensors writes w as float32 tensors in sorted-name order, atomically (a temporary file
// renamed into place), so a reader never sees a half-written file.
func WriteSafetensors(path string, w Weights, metadata map[string]string) error {
	names := arch.SortedNames(w)
	header := make(map[string]any, len(w)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	offset := 0
	for _, name := range names {
		t := w[name]
		if len(t.Data) != arch.Numel(t.Shape) {
			return fmt.Errorf("weights: %s: tensor %s has %d values for shape %v", path, name, len(t.Data), t.Shape)
		}
		header[name] = headerEntry{DType: "F32", Shape: t.Shape, DataOffsets: [2]int{offset, offset + 4*len(t.Data)}}
		offset += 4 * len(t.Data)
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("weights: %w", err)
	}
	for len(hb)%8 != 0 { // the format pads the header with spaces to 8-byte alignment
		hb = append(hb, ' ')
	}
	err = atomicfile.Write(path, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		var lenBuf [8]byte
		binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hb)))
		bw.Write(lenBuf[:])
		bw.Write(hb)
		var v [4]byte
		for _, name := range names {
			for _, x := range w[name].Data {
				binary.LittleEndian.PutUint32(v[:], math.Float32bits(x))
				bw.Write(v[:])
			}
		}
		return bw.Flush() // bufio keeps the first write error and returns it here
	})
	if err != nil {
		return fmt.Errorf("weights: writing %s: %w", path, err)
	}
	return nil
}

// Index file name of a sharded HF checkpoint.
const indexFile = "model.safetensors.index.json"

// ReadHF reads the weights of an HF model folder: model.safetensors, or the shards listed in
// model.safetensors.index.json. Every tensor the index names must be in the shard it names.
func ReadHF(dir string) (Weights, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		w, _, err := ReadSafetensors(single)
		return w, err
	}
	indexPath := filepath.Join(dir, indexFile)
	b, err := os.ReadFile(indexPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("weights: %s has neither model.safetensors nor %s", dir, indexFile)
	} else if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &index); err != nil || len(index.WeightMap) == 0 {
		return nil, fmt.Errorf("weights: %s: want {\"weight_map\": {tensor: shard file}} (%v)", indexPath, err)
	}
	shards := map[string]bool{}
	for _, file := range index.WeightMap {
		if filepath.Base(file) != file {
			return nil, fmt.Errorf("weights: %s: shard %q must be a file name in the same folder", indexPath, file)
		}
		shards[file] = true
	}
	w := Weights{}
	for _, file := range arch.SortedNames(shards) {
		shard, _, err := ReadSafetensors(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		for name, t := range shard {
			if index.WeightMap[name] != file {
				return nil, fmt.Errorf("weights: %s: tensor %s is in %s but the index says %q", dir, name, file, index.WeightMap[name])
			}
			w[name] = t
		}
	}
	for name, file := range index.WeightMap {
		if w[name] == nil {
			return nil, fmt.Errorf("weights: %s: tensor %s listed in the index is missing from %s", dir, name, file)
		}
	}
	return w, nil
}
