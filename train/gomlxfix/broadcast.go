package gomlxfix

import (
	"slices"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// simplego evaluates broadcasting binary ops ([B,T,D]·[B,T,1] in RMSNorm, [B,T,H,E]·[1,T,1,E]
// in RoPE, gradients of reductions) and BroadcastInDim with a per-element multi-axis index
// iterator, which took a quarter of a training step once matmuls were fast. The executors
// here collapse the axes into runs with constant strides and loop over those.

type binaryOp int

const (
	opAdd binaryOp = 0 // (the package's iota is a function)
	opSub binaryOp = 1
	opMul binaryOp = 2
	opDiv binaryOp = 3
)

var binaryOpTypes = map[backends.OpType]binaryOp{
	backends.OpTypeAdd: opAdd, backends.OpTypeSub: opSub, backends.OpTypeMul: opMul, backends.OpTypeDiv: opDiv,
}

// installBroadcasts replaces the float32 broadcasting paths of Add, Sub, Mul, Div,
// BroadcastInDim and Transpose; it runs inside executorOnce.
func installBroadcasts() {
	for opType, op := range binaryOpTypes {
		upstreamExec := nodeExecutors[opType]
		nodeExecutors[opType] = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
			return execBroadcastBinary(op, upstreamExec, backend, node, inputs, owned)
		}
	}
	upstreamTranspose := nodeExecutors[backends.OpTypeTranspose]
	nodeExecutors[backends.OpTypeTranspose] = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		return execTranspose(upstreamTranspose, backend, node, inputs, owned)
	}
	upstreamBroadcast := nodeExecutors[backends.OpTypeBroadcastInDim]
	nodeExecutors[backends.OpTypeBroadcastInDim] = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		return execBroadcastInDim(upstreamBroadcast, backend, node, inputs, owned)
	}
}

func bufferShape(b *simplego.Buffer) shapes.Shape {
	return *fieldAt[shapes.Shape](unsafe.Pointer(b), bufferShapeOff)
}

func bufferFloats(b *simplego.Buffer) ([]float32, bool) {
	f, ok := (*fieldAt[any](unsafe.Pointer(b), bufferFlatOff)).([]float32)
	return f, ok
}

func nodeShape(n *simplego.Node) shapes.Shape {
	return *fieldAt[shapes.Shape](unsafe.Pointer(n), nodeShapeOff)
}

// execBroadcastBinary handles float32 operands of different shapes (same rank, size-1 axes
// broadcast) and large ones of equal shapes (split across goroutines); scalars, small
// equal-shape ops and other dtypes stay with simplego's loops.
func execBroadcastBinary(op binaryOp, upstreamExec simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	ls, rs, outShape := bufferShape(inputs[0]), bufferShape(inputs[1]), nodeShape(node)
	equal := ls.Equal(rs)
	if ls.DType != dtypes.Float32 || (equal && ls.Size() < minParallelUnary) || ls.Size() == 1 || rs.Size() == 1 ||
		ls.Rank() != outShape.Rank() || rs.Rank() != outShape.Rank() {
		return upstreamExec(backend, node, inputs, owned)
	}
	l, ok1 := bufferFloats(inputs[0])
	r, ok2 := bufferFloats(inputs[1])
	if !ok1 || !ok2 {
		return upstreamExec(backend, node, inputs, owned)
	}
	// Write in place into an input we own that already has the output's shape (as simplego
	// does; a nil input tells its executor the buffer was taken).
	var out *simplego.Buffer
	switch {
	case owned[0] && ls.Equal(outShape):
		out, inputs[0] = inputs[0], nil
	case owned[1] && rs.Equal(outShape):
		out, inputs[1] = inputs[1], nil
	default:
		out = backend.NewBuffer(outShape)
	}
	o, _ := bufferFloats(out)
	if equal { // large element-wise op: split across goroutines
		parallelChunks(len(o), func(lo, hi int) { binaryRun(op, o[lo:hi], l[lo:hi], r[lo:hi], 1, 1) })
		return out, nil
	}
	strides := [][]int{broadcastStrides(ls.Dimensions, outShape.Dimensions, identityAxes(ls.Rank())),
		broadcastStrides(rs.Dimensions, outShape.Dimensions, identityAxes(rs.Rank()))}
	forEachRun(outShape.Dimensions, strides, func(start int, offs []int, n int, steps []int) {
		binaryRun(op, o[start:start+n], l[offs[0]:], r[offs[1]:], steps[0], steps[1])
	})
	return out, nil
}

// execBroadcastInDim handles float32 operands that are not scalars.
func execBroadcastInDim(upstreamExec simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	xs, outShape := bufferShape(inputs[0]), nodeShape(node)
	axes, okAxes := (*fieldAt[any](unsafe.Pointer(node), nodeDataOff)).([]int)
	x, ok := bufferFloats(inputs[0])
	if xs.DType != dtypes.Float32 || !ok || !okAxes || xs.Size() == 1 || len(axes) != xs.Rank() {
		return upstreamExec(backend, node, inputs, owned)
	}
	out := backend.NewBuffer(outShape)
	o, _ := bufferFloats(out)
	gatherRuns(o, x, outShape.Dimensions, broadcastStrides(xs.Dimensions, outShape.Dimensions, axes))
	return out, nil
}

// execTranspose handles float32: output axis a walks operand axis perm[a].
func execTranspose(upstreamExec simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	xs, outShape := bufferShape(inputs[0]), nodeShape(node)
	perm, okPerm := (*fieldAt[any](unsafe.Pointer(node), nodeDataOff)).([]int)
	x, ok := bufferFloats(inputs[0])
	if xs.DType != dtypes.Float32 || !ok || !okPerm || len(perm) != xs.Rank() {
		return upstreamExec(backend, node, inputs, owned)
	}
	out := backend.NewBuffer(outShape)
	o, _ := bufferFloats(out)
	inStrides := broadcastStrides(xs.Dimensions, xs.Dimensions, identityAxes(xs.Rank()))
	strides := make([]int, len(perm))
	for a, from := range perm {
		strides[a] = inStrides[from]
	}
	gatherRuns(o, x, outShape.Dimensions, strides)
	return out, nil
}

// gatherRuns fills the row-major o (dims outDims) with x read at the given per-axis strides.
func gatherRuns(o, x []float32, outDims, strides []int) {
	forEachRun(outDims, [][]int{strides}, func(start int, offs []int, n int, steps []int) {
		dst, src, step := o[start:start+n], x[offs[0]:], steps[0]
		switch step {
		case 0:
			v := src[0]
			for i := range dst {
				dst[i] = v
			}
		case 1:
			copy(dst, src[:n])
		default:
			for i := range dst {
				dst[i] = src[i*step]
			}
		}
	})
}

func identityAxes(rank int) []int { return iota(0, rank) }

// broadcastStrides returns, per output axis, the flat stride of the operand (row-major dims,
// operand axis i placed at output axis axes[i]); 0 where the operand is broadcast.
func broadcastStrides(dims, outDims, axes []int) []int {
	strides := make([]int, len(outDims))
	stride := 1
	for i := len(dims) - 1; i >= 0; i-- {
		if dims[i] == outDims[axes[i]] {
			strides[axes[i]] = stride
		}
		stride *= dims[i]
	}
	return strides
}

// forEachRun walks a row-major output of outDims whose operands advance by the given per-axis
// strides. Adjacent axes that every operand walks contiguously are merged; fn gets each
// innermost run: output start, operand offsets, run length and operand steps.
func forEachRun(outDims []int, strides [][]int, fn func(start int, offs []int, n int, steps []int)) {
	// Merge axis a into a+1 (outer into inner) when each operand's stride on a equals its
	// stride on a+1 times dim a+1.
	dims := []int{}
	merged := make([][]int, len(strides))
	for a, d := range outDims {
		if d == 1 {
			continue
		}
		if k := len(dims) - 1; k >= 0 {
			canMerge := true
			for s := range strides {
				canMerge = canMerge && merged[s][k] == strides[s][a]*d
			}
			if canMerge {
				dims[k] *= d
				for s := range strides {
					merged[s][k] = strides[s][a]
				}
				continue
			}
		}
		dims = append(dims, d)
		for s := range strides {
			merged[s] = append(merged[s], strides[s][a])
		}
	}
	if len(dims) == 0 { // every axis has size 1
		dims = []int{1}
		for s := range merged {
			merged[s] = []int{0}
		}
	}
	inner := len(dims) - 1
	n := dims[inner]
	steps := make([]int, len(strides))
	for s := range strides {
		steps[s] = merged[s][inner]
	}
	idx := make([]int, inner)
	offs := make([]int, len(strides))
	for start := 0; ; start += n {
		fn(start, offs, n, steps)
		// Advance the odometer over the outer axes.
		a := inner - 1
		for ; a >= 0; a-- {
			idx[a]++
			for s := range offs {
				offs[s] += merged[s][a]
			}
			if idx[a] < dims[a] {
				break
			}
			for s := range offs {
				offs[s] -= merged[s][a] * dims[a]
			}
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// binaryRun sets o[i] = l[i·ls] op r[i·rs]; steps are 0 (broadcast) or 1 in practice, and the
// common pairs get loops the compiler can bound-check once.
func binaryRun(op binaryOp, o, l, r []float32, ls, rs int) {
	n := len(o)
	switch {
	case ls == 1 && rs == 1:
		l, r = l[:n], r[:n]
		switch op {
		case opAdd:
			for i := range o {
				o[i] = l[i] + r[i]
			}
		case opSub:
			for i := range o {
				o[i] = l[i] - r[i]
			}
		case opMul:
			for i := range o {
				o[i] = l[i] * r[i]
			}
		case opDiv:
			for i := range o {
				o[i] = l[i] / r[i]
			}
		}
	case ls == 1 && rs == 0:
		l, c := l[:n], r[0]
		switch op {
		case opAdd:
			for i := range o {
				o[i] = l[i] + c
			}
		case opSub:
			for i := range o {
				o[i] = l[i] - c
			}
		case opMul:
			for i := range o {
				o[i] = l[i] * c
			}
		case opDiv:
			for i := range o {
				o[i] = l[i] / c
			}
		}
	case ls == 0 && rs == 1:
		c, r := l[0], r[:n]
		switch op {
		case opAdd:
			for i := range o {
				o[i] = c + r[i]
			}
		case opSub:
			for i := range o {
				o[i] = c - r[i]
			}
		case opMul:
			for i := range o {
				o[i] = c * r[i]
			}
		case opDiv:
			for i := range o {
				o[i] = c / r[i]
			}
		}
	default:
		for i := range o {
			a, b := l[i*ls], r[i*rs]
			switch op {
			case opAdd:
				o[i] = a + b
			case opSub:
				o[i] = a - b
			case opMul:
				o[i] = a * b
			case opDiv:
				o[i] = a / b
			}
		}
	}
}

// installReductions replaces float32 ReduceSum and ReduceMax (RMSNorm, softmax, logsumexp,
// and the batch sums of weight gradients); it runs inside executorOnce.
func installReductions() {
	for _, opType := range []backends.OpType{backends.OpTypeReduceSum, backends.OpTypeReduceMax} {
		upstreamExec := nodeExecutors[opType]
		isMax := opType == backends.OpTypeReduceMax
		nodeExecutors[opType] = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
			return execReduce(isMax, upstreamExec, backend, node, inputs, owned)
		}
	}
}

// execReduce walks the operand in memory order, as simplego does (so sums round the same
// way), but by runs: a run along a reduced axis folds into one output cell, a run along a kept
// axis adds element-wise into an output row.
func execReduce(isMax bool, upstreamExec simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	xs, outShape := bufferShape(inputs[0]), nodeShape(node)
	axes, okAxes := (*fieldAt[any](unsafe.Pointer(node), nodeDataOff)).([]int)
	x, ok := bufferFloats(inputs[0])
	if xs.DType != dtypes.Float32 || !ok || !okAxes || len(axes) == 0 {
		return upstreamExec(backend, node, inputs, owned)
	}
	out := backend.NewBuffer(outShape)
	o, _ := bufferFloats(out)
	init := float32(0)
	if isMax {
		init = dtypes.Float32.LowestValue().(float32)
	}
	for i := range o {
		o[i] = init
	}
	// Output strides per operand axis: row-major over the kept axes, 0 on reduced ones.
	outStrides := make([]int, xs.Rank())
	stride := 1
	for a := xs.Rank() - 1; a >= 0; a-- {
		if !slices.Contains(axes, a) {
			outStrides[a] = stride
			stride *= xs.Dimensions[a]
		}
	}
	forEachRun(xs.Dimensions, [][]int{outStrides}, func(start int, offs []int, n int, steps []int) {
		src := x[start : start+n]
		switch {
		case steps[0] == 0:
			acc := o[offs[0]]
			if isMax {
				for _, v := range src {
					acc = max(acc, v)
				}
			} else {
				for _, v := range src {
					acc += v
				}
			}
			o[offs[0]] = acc
		case isMax:
			dst := o[offs[0]:]
			for i, v := range src {
				dst[i*steps[0]] = max(dst[i*steps[0]], v)
			}
		default:
			dst := o[offs[0]:]
			for i, v := range src {
				dst[i*steps[0]] += v
			}
		}
	})
	return out, nil
}
