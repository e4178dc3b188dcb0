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
	pa, pb := newPacker(a), newPacker(b)
	workers := runtime.GOMAXPROCS(0)
	if batch >= 2*workers || workers == 1 {
		// Enough independent matrices: one goroutine per matrix at a time, nothing shared.
		parallelFor(min(workers, batch), batch, func(bi int) {
			bufs := packPool.Get().(*packBuffers)
			defer packPool.Put(bufs)
			for jc := 0; jc < n; jc += nc {
				for pc := 0; pc < k; pc += kc {
					kcb, ncb := min(kc, k-pc), min(nc, n-jc)
					pb.packB(bufs.b, bi, pc, kcb, jc, ncb, 0, ncb)
					for ic := 0; ic < m; ic += mc {
						mcb := min(mc, m-ic)
						pa.packA(bufs.a, bi, ic, mcb, pc, kcb)
						macroKernel(out[bi*m*n:], n, bufs.a, bufs.b, ic, mcb, jc, ncb, kcb)
					}
				}
			}
		})
		return
	}
	// Few large matrices: B blocks are packed once, split across workers, then the row blocks
	// of A are.
	shared := make([]float32, kc*min(nc, (n+nr-1)/nr*nr))
	for bi := range batch {
		for jc := 0; jc < n; jc += nc {
			for pc := 0; pc < k; pc += kc {
				kcb, ncb := min(kc, k-pc), min(nc, n-jc)
				panels := (ncb + nr - 1) / nr
				parallelFor(workers, workers, func(w int) {
					q0, q1 := panels*w/workers, panels*(w+1)/workers
					pb.packB(shared, bi, pc, kcb, jc, ncb, q0*nr, min(ncb, q1*nr))
				})
				blocks := (m + mc - 1) / mc
				parallelFor(workers, blocks, func(blk int) {
					bufs := packPool.Get().(*packBuffers)
					defer packPool.Put(bufs)
					ic := blk * mc
					mcb := min(mc, m-ic)
					pa.packA(bufs.a, bi, ic, mcb, pc, kcb)
					macroKernel(out[bi*m*n:], n, bufs.a, shared, ic, mcb, jc, ncb, kcb)
				})
			}
		}
	}
}

// parallelFor runs fn(0…tasks−1) on up to `workers` goroutines.
func parallelFor(workers, tasks int, fn func(int)) {
	if workers <= 1 || tasks <= 1 {
		for t := range tasks {
			fn(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, tasks) {
		wg.Go(func() {
			for t := int(next.Add(1) - 1); t < tasks; t = int(next.Add(1) - 1) {
				fn(t)
			}
		})
	}
	wg.Wait()
}

type packBuffers struct{ a, b []float32 }

var packPool = sync.Pool{New: func() any {
	return &packBuffers{a: make([]float32, mc*kc), b: make([]float32, kc*nc)}
}}

// macroKernel adds the packed A block (rows ic…ic+mcb) times the packed B block (columns
// jc…jc+ncb) into c (row-major, n columns).
func macroKernel(c []float32, n int, pa, pb []float32, ic, mcb, jc, ncb, kcb int) {
	var edge [mr * nr]float32
	for jr := 0; jr < ncb; jr += nr {
		nrb := min(nr, ncb-jr)
		bp := pb[jr*kcb : (jr+nr)*kcb]
		for ir := 0; ir < mcb; ir += mr {
			mrb := min(mr, mcb-ir)
			ap := pa[ir*kcb : (ir+mr)*kcb]
			ci := (ic+ir)*n + jc + jr
			if mrb == mr && nrb == nr {
				kernel(kcb, ap, bp, c[ci:], n)
				continue
			}
			clear(edge[:])
			kernel(kcb, ap, bp, edge[:], nr)
			for r := range mrb {
				row := c[ci+r*n : ci+r*n+nrb]
				for j := range row {
					row[j] += edge[r*nr+j]
				}
			}
		}
	}
}

// packer copies blocks of an operand into the kernel's panel layouts; rowStride and colStride
// are the offset tables' common differences, or 0 when a table is not evenly spaced, and pick
// the copy loop.
type packer struct {
	Operand
	rowStride, colStride int
}

func newPacker(o Operand) packer {
	return packer{Operand: o, rowStride: uniformStride(o.Rows), colStride: uniformStride(o.Cols)}
}

func uniformStride(offs []int) int {
	if len(offs) < 2 {
		return 0
	}
	d := offs[1] - offs[0]
	for i := 2; i < len(offs); i++ {
		if offs[i]-offs[i-1] != d {
			return 0
		}
	}
	return d
}

// packA lays rows i0…i0+mcb × columns p0…p0+kcb of A(bi) out as micro-panels of mr rows:
// panel q holds, for each column p, rows q·mr … q·mr+mr−1 (zero past the last row).
func (o packer) packA(dst []float32, bi, i0, mcb, p0, kcb int) {
	base := o.Batch[bi]
	rows, cols := o.Rows[i0:i0+mcb], o.Cols[p0:p0+kcb]
	for q := 0; q < mcb; q += mr {
		panel := dst[q*kcb : (q+mr)*kcb]
		n := min(mr, mcb-q)
		if n < mr {
			clear(panel)
		}
		switch {
		case o.colStride == 1 && n == mr: // rows are contiguous: read mr rows side by side
			// Slices of length exactly kcb (and panel steps of exactly mr) let the compiler
			// drop the bounds checks; mr = 6.
			at := base + cols[0]
			r0 := o.Data[at+rows[q]:][:kcb]
			r1 := o.Data[at+rows[q+1]:][:kcb]
			r2 := o.Data[at+rows[q+2]:][:kcb]
			r3 := o.Data[at+rows[q+3]:][:kcb]
			r4 := o.Data[at+rows[q+4]:][:kcb]
			r5 := o.Data[at+rows[q+5]:][:kcb]
			for p := range kcb {
				d := panel[p*mr : p*mr+mr : p*mr+mr]
				d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		case o.colStride == 1:
			for r := range n {
				src := o.Data[base+rows[q+r]+cols[0]:][:kcb]
				for p, v := range src {
					panel[p*mr+r] = v
				}
			}
		case o.rowStride == 1 && n == mr: // columns are contiguous: mr values per step
			// Element moves, not copy: a memmove call per 6 floats cost more than the moves.
			for p, off := range cols {
				d := panel[p*mr : p*mr+mr : p*mr+mr]
				s := o.Data[base+rows[q]+off:][:mr:mr]
				d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
			}
		default:
			for r := range n {
				src := o.Data[base+rows[q+r]:]
				for p, off := range cols {
					panel[p*mr+r] = src[off]
				}
			}
		}
	}
}

// packB lays rows p0…p0+kcb × columns j0+j1…j0+j2 of B(bi) out as micro-panels of nr columns
// (j1 is a multiple of nr): panel q holds, for each row p, columns q·nr … q·nr+nr−1 (zero past
// the last column).
func (o packer) packB(dst []float32, bi, p0, kcb, j0, ncb, j1, j2 int) {
	base := o.Batch[bi]
	rows, cols := o.Rows[p0:p0+kcb], o.Cols[j0:j0+ncb]
	for q := j1; q < j2; q += nr {
		panel := dst[q*kcb : (q+nr)*kcb]
		n := min(nr, ncb-q)
		if n < nr {
			clear(panel)
		}
		switch {
		case o.colStride == 1 && n == nr: // each row's nr values are contiguous
			for p, off := range rows {
				d := panel[p*nr : p*nr+nr : p*nr+nr]
				s := o.Data[base+off+cols[q]:][:nr:nr]
				for j := range nr {
					d[j] = s[j]
				}
			}
		case o.colStride == 1:
			for p, off := range rows {
				copy(panel[p*nr:p*nr+n], o.Data[base+off+cols[q]:][:n])
			}
		case o.rowStride == 1: // columns are contiguous
			for j := range n {
				src := o.Data[base+rows[0]+cols[q+j]:][:kcb]
				for p, v := range src {
					panel[p*nr+j] = v
				}
			}
		default:
			qc := cols[q : q+n]
			for p, off := range rows {
				src := o.Data[base+off:]
				row := panel[p*nr : p*nr+nr]
				for j, co := range qc {
					row[j] = src[co]
				}
			}
		}
	}
}
