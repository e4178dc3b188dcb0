// Package gemm is a float32 matrix multiplication for mirage's Go trainer: cache-blocked,
// packed, split across goroutines, with an AVX2/FMA micro-kernel on amd64 and a plain Go one
// elsewhere. It exists because GoMLX's pure-Go backend multiplies with scalar loops, which made
// a training step several times slower than PyTorch on the same CPU.
//
// Operands are described by offset tables rather than strides so that any DotGeneral axis
// layout (batch, free and contracted axes in any order, several axes per group) is read in place,
// without first transposing it.
package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Operand is a batch of matrices inside Data: element (b, i, j) is
// Data[Batch[b]+Rows[i]+Cols[j]].
type Operand struct {
	Data              []float32
	Batch, Rows, Cols []int
}

// Strided returns the offset tables of a batch of matrices with constant strides.
func Strided(data []float32, batch, rows, cols, batchStride, rowStride, colStride int) Operand {
	return Operand{Data: data, Batch: ramp(batch, batchStride), Rows: ramp(rows, rowStride), Cols: ramp(cols, colStride)}
}

func ramp(n, stride int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i * stride
	}
	return out
}

// Blocking: an A block (mc×kc) stays in L2 while one packed B panel (kc×nr) is in L1.
const (
	kc = 256
	mc = 16 * mr
	nc = 2048
)

// minRowsPerTask keeps re-packing B per task (O(K·N)) small next to its work (O(rows·K·N)).
const minRowsPerTask = 8 * mr

// Mul sets out[b·M·N + i·N + j] = Σ_p A(b, i, p)·B(b, p, j) for every b < len(a.Batch), where
// M = len(a.Rows), N = len(b.Cols) and K = len(a.Cols) = len(b.Rows); len(out) must be at least
// batch·M·N and len(b.Batch) equal to len(a.Batch). It uses up to GOMAXPROCS goroutines.
func Mul(out []float32, a, b Operand) {
	batch, m, n, k := len(a.Batch), len(a.Rows), len(b.Cols), len(a.Cols)
	if len(b.Batch) != batch || len(b.Rows) != k {
		panic("gemm: operand shapes do not match")
	}
	out = out[:batch*m*n]
	clear(out)
	if m == 0 || n == 0 || k == 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	// Split each matrix into row chunks only when there are too few matrices to keep every
	// worker busy.
	chunks := 1
	if batch < 2*workers {
		chunks = max(1, min((2*workers+batch-1)/batch, m/minRowsPerTask))
	}
	rowsPerChunk := (m + chunks - 1) / chunks
	rowsPerChunk = (rowsPerChunk + mr - 1) / mr * mr
	chunks = (m + rowsPerChunk - 1) / rowsPerChunk
	tasks := batch * chunks
	run := func(t int) {
		bi, c := t/chunks, t%chunks
		r0 := c * rowsPerChunk
		r1 := min(m, r0+rowsPerChunk)
		mulBlock(out[bi*m*n:(bi+1)*m*n], n, a, b, bi, r0, r1)
	}
	if tasks == 1 || workers == 1 {
		for t := range tasks {
			run(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, tasks) {
		wg.Go(func() {
			for t := int(next.Add(1) - 1); t < tasks; t = int(next.Add(1) - 1) {
				run(t)
			}
		})
	}
	wg.Wait()
}

type packBuffers struct{ a, b []float32 }

var packPool = sync.Pool{New: func() any {
	return &packBuffers{a: make([]float32, mc*kc), b: make([]float32, kc*nc)}
}}

// mulBlock adds rows [r0, r1) of A(bi)·B(bi) into c (row-major, n columns).
func mulBlock(c []float32, n int, a, b Operand, bi, r0, r1 int) {
	bufs := packPool.Get().(*packBuffers)
	defer packPool.Put(bufs)
	k := len(a.Cols)
	aBase, bBase := a.Batch[bi], b.Batch[bi]
	var edge [mr * nr]float32
	for jc := 0; jc < n; jc += nc {
		ncb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			packB(bufs.b, b.Data, bBase, b.Rows[pc:pc+kcb], b.Cols[jc:jc+ncb])
			for ic := r0; ic < r1; ic += mc {
				mcb := min(mc, r1-ic)
				packA(bufs.a, a.Data, aBase, a.Rows[ic:ic+mcb], a.Cols[pc:pc+kcb])
				for jr := 0; jr < ncb; jr += nr {
					nrb := min(nr, ncb-jr)
					pb := bufs.b[jr*kcb : (jr+nr)*kcb]
					for ir := 0; ir < mcb; ir += mr {
						mrb := min(mr, mcb-ir)
						pa := bufs.a[ir*kcb : (ir+mr)*kcb]
						ci := (ic+ir)*n + jc + jr
						if mrb == mr && nrb == nr {
							kernel(kcb, pa, pb, c[ci:], n)
							continue
						}
						clear(edge[:])
						kernel(kcb, pa, pb, edge[:], nr)
						for r := range mrb {
							row := c[ci+r*n : ci+r*n+nrb]
							for j := range row {
								row[j] += edge[r*nr+j]
							}
						}
					}
				}
			}
		}
	}
}

// packA lays rows×cols of A out as micro-panels of mr rows: panel q holds, for each column p,
// rows q·mr … q·mr+mr−1 (zero past the last row).
func packA(dst, data []float32, base int, rows, cols []int) {
	kcb := len(cols)
	for q := 0; q < len(rows); q += mr {
		panel := dst[q*kcb : (q+mr)*kcb]
		n := min(mr, len(rows)-q)
		for r := range mr {
			if r >= n {
				for p := range kcb {
					panel[p*mr+r] = 0
				}
				continue
			}
			src := data[base+rows[q+r]:]
			for p, off := range cols {
				panel[p*mr+r] = src[off]
			}
		}
	}
}

// packB lays rows×cols of B out as micro-panels of nr columns: panel q holds, for each row p,
// columns q·nr … q·nr+nr−1 (zero past the last column).
func packB(dst, data []float32, base int, rows, cols []int) {
	kcb := len(rows)
	for q := 0; q < len(cols); q += nr {
		panel := dst[q*kcb : (q+nr)*kcb]
		n := min(nr, len(cols)-q)
		qc := cols[q : q+n]
		for p, off := range rows {
			src := data[base+off:]
			dstRow := panel[p*nr : p*nr+nr]
			for j, co := range qc {
				dstRow[j] = src[co]
			}
			clear(dstRow[n:])
		}
	}
}
