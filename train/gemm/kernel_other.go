//go:build !amd64

package gemm

// useAVX2 is false: the assembly kernel is amd64 only.
var useAVX2 = false

func kernel(kc int, pa, pb, c []float32, ldc int) { kernelGo(kc, pa, pb, c, ldc) }
