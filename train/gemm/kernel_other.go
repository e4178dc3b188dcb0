//go:build !amd64

package gemm

const useAVX2 = false

func kernel(kc int, pa, pb, c []float32, ldc int) { kernelGo(kc, pa, pb, c, ldc) }
