package onnx

import "github.com/x448/float16"

// Float16Bits converts v to IEEE 754 binary16 bits, rounding to nearest even; values beyond the
// fp16 range become ±Inf, NaN stays NaN. This is the rounding the fp16 export applies.
func Float16Bits(v float32) uint16 { return float16.Fromfloat32(v).Bits() }

// Float16Value converts binary16 bits to float32 (exactly).
func Float16Value(h uint16) float32 { return float16.Frombits(h).Float32() }
