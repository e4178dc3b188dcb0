package onnx

import (
	"fmt"
	"math"
	"strings"

	"github.com/mirage-rl/mirage/train/arch"
)

// QuantBlock is the number of consecutive input-dimension weights that share one scale in a
// quantised linear layer (MatMulNBits' block_size).
const QuantBlock = 32

// quantized reports whether weight name is stored block-quantised when WriteOptions.WeightBits is
// set: the 2-D projection weights inside the decoder layers (attention q/k/v/o and MLP
// gate/up/down). Embeddings, the LM head, norms and biases stay float.
func quantized(name string, shape []int) bool {
	return len(shape) == 2 && strings.HasPrefix(name, "model.layers.") && strings.HasSuffix(name, "_proj.weight")
}

// Names of the initializers that replace a quantised weight: uint8 codes [N, blocks, blob] and
// float32 scales [N, blocks].
func codesName(weight string) string  { return weight + "_Q" }
func scalesName(weight string) string { return weight + "_scales" }

// quantBlocks is the number of blocks covering k inputs (the last one zero-padded).
func quantBlocks(k int) int { return (k + QuantBlock - 1) / QuantBlock }

// QuantizeBlocks quantises an nn.Linear weight w [n, k] (row-major, HF layout) to bits ∈ {4, 8}
// in MatMulNBits' format: each row is cut into blocks of QuantBlock inputs (the last one padded
// with zeros), each block gets scale = max|w| / (2^(bits-1) - 1) and codes
// round(w / scale) + 2^(bits-1) in [1, 2^bits - 1] (symmetric, so the default zero point
// 2^(bits-1) applies and none is stored). codes is [n, blocks, QuantBlock·bits/8] with 4-bit codes
// packed two to a byte, the lower input in the low nibble; scales is [n, blocks]. Every weight is
// recovered within half its block's scale (DequantizeBlocks).
func QuantizeBlocks(w []float32, n, k, bits int) (codes []byte, scales []float32, err error) {
	if bits != 4 && bits != 8 {
		return nil, nil, fmt.Errorf("onnx: quantisation to %d bits: want 4 or 8", bits)
	}
	if len(w) != n*k {
		return nil, nil, fmt.Errorf("onnx: quantising a [%d, %d] weight from %d values", n, k, len(w))
	}
	blocks, blob := quantBlocks(k), QuantBlock*bits/8
	zero := 1 << (bits - 1)
	qmax := float64(zero - 1)
	codes = make([]byte, n*blocks*blob)
	scales = make([]float32, n*blocks)
	for r := range n {
		row := w[r*k : (r+1)*k]
		for b := range blocks {
			vals := row[b*QuantBlock : min((b+1)*QuantBlock, k)]
			var amax float64
			for _, v := range vals {
				amax = math.Max(amax, math.Abs(float64(v)))
			}
			scale := float32(amax / qmax)
			scales[r*blocks+b] = scale
			out := codes[(r*blocks+b)*blob : (r*blocks+b+1)*blob]
			for i := range QuantBlock {
				q := zero // padding and all-zero blocks: the zero point
				if i < len(vals) && scale > 0 {
					q = zero + int(math.Round(math.Max(-qmax, math.Min(qmax, float64(vals[i]/scale)))))
				}
				if bits == 8 {
					out[i] = byte(q)
				} else {
					out[i/2] |= byte(q) << (4 * (i % 2))
				}
			}
		}
	}
	return codes, scales, nil
}

// DequantizeBlocks inverts QuantizeBlocks: (code - 2^(bits-1)) · scale, as MatMulNBits computes
// its weight, returned as [n, k].
func DequantizeBlocks(codes []byte, scales []float32, n, k, bits int) []float32 {
	blocks, blob := quantBlocks(k), QuantBlock*bits/8
	zero := 1 << (bits - 1)
	w := make([]float32, n*k)
	for r := range n {
		for c := range k {
			b, i := c/QuantBlock, c%QuantBlock
			blk := codes[(r*blocks+b)*blob:]
			var q int
			if bits == 8 {
				q = int(blk[i])
			} else {
				q = int(blk[i/2]>>(4*(i%2))) & 0xf
			}
			w[r*k+c] = float32(q-zero) * scales[r*blocks+b]
		}
	}
	return w
}

// Dequantized returns a copy of w with every weight a WeightBits export quantises replaced by its
// dequantised value: the weights the quantised graph computes with exactly (for checking it
// against arch.ReferenceForward).
func Dequantized(w map[string]*arch.Tensor, bits int) (map[string]*arch.Tensor, error) {
	out := make(map[string]*arch.Tensor, len(w))
	for name, t := range w {
		if !quantized(name, t.Shape) {
			out[name] = t
			continue
		}
		n, k := t.Shape[0], t.Shape[1]
		codes, scales, err := QuantizeBlocks(t.Data, n, k, bits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d := arch.NewTensor(n, k)
		copy(d.Data, DequantizeBlocks(codes, scales, n, k, bits))
		out[name] = d
	}
	return out, nil
}
