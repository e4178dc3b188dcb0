package gemm

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernel (AVX2 and FMA3, Haswell and later).
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernel6x16 is kernelGo in AVX2/FMA assembly (kernel_amd64.s); c must hold 6 rows of ldc.
//
//go:noescape
func kernel6x16(kc int, pa, pb, c *float32, ldc int)

func kernel(kc int, pa, pb, c []float32, ldc int) {
	if !useAVX2 || kc == 0 {
		kernelGo(kc, pa, pb, c, ldc)
		return
	}
	// Bounds the assembly relies on.
	_ = pa[kc*mr-1]
	_ = pb[kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	kernel6x16(kc, &pa[0], &pb[0], &c[0], ldc)
}
