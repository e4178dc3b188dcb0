// Package gomlxfix repairs three defects of GoMLX v0.26.0 that make training on the pure-Go
// backend (simplego) fail or crawl. It changes nothing in the GoMLX module itself: gradients
// are replaced through graph.VJPRegistration and the backend is built with a safe config.
//
//   - Slice: upstream's gradient pads the incoming adjoint with Pad, which simplego does not
//     implement, so any model that slices (RoPE's rotate-half, next-token shifts) cannot be
//     differentiated. Our gradient concatenates zero blocks instead.
//   - DotGeneral and Dot (what MatMul of two matrices builds): upstream's gradient multiplies the adjoint by the broadcast other operand and
//     reduces afterwards, materialising a [batch, lhs-cross, rhs-cross, contracted] tensor
//     (for a [B·T, D]×[D, F] projection that is B·T·D·F floats). Our gradient is two
//     DotGenerals and a transpose, the textbook form: dL/dA = dL/dC·Bᵀ, dL/dB = Aᵀ·dL/dC.
//   - The default simplego worker pool caps goroutines while nested tasks wait for workers,
//     which can deadlock; NewBackend configures "parallelism=-1" (no cap) for the Go backend.
//
// NewGoBackend also swaps simplego's float32 executors for faster ones (simplego offers no
// public hook, so its executor table is reached by linkname; see matmul.go): DotGeneral runs on
// train/gemm (AVX2/FMA on amd64), broadcasting Add/Sub/Mul/Div, BroadcastInDim, Transpose,
// ReduceSum and ReduceMax walk strided runs instead of a per-element index iterator, and large
// Exp/Logistic are split across goroutines. Each is tested against a plain float64 reference.
//
// Call Install once before building any gradient graph; it is idempotent and safe to call from
// several goroutines. Graph-building panics are GoMLX's error style; the VJPs panic only on
// inputs GoMLX itself never creates.
package gomlxfix

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

var (
	installOnce sync.Once
	// upstream holds the replaced registrations, for tests that show the defects.
	upstream = map[graph.NodeType]graph.VJP{}
)

// Install registers the fixed gradients of Slice and DotGeneral in graph.VJPRegistration.
func Install() {
	installOnce.Do(func() {
		for _, t := range []graph.NodeType{graph.NodeTypeSlice, graph.NodeTypeDotGeneral, graph.NodeTypeDot} {
			upstream[t] = graph.VJPRegistration[t]
		}
		graph.VJPRegistration[graph.NodeTypeSlice] = singleOutput(sliceVJP)
		graph.VJPRegistration[graph.NodeTypeDotGeneral] = singleOutput(dotGeneralVJP)
		graph.VJPRegistration[graph.NodeTypeDot] = dotVJP
	})
}

func singleOutput(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// intsField reads an unexported []int field of a node's parameters (GoMLX keeps op parameters
// such as slice bounds or contracting axes in private structs; reflect may read, not write,
// unexported fields).
func intsField(node *graph.Node, name string) []int {
	params := reflect.ValueOf(node).Elem().FieldByName("inputs")
	for params.Kind() == reflect.Interface || params.Kind() == reflect.Pointer {
		params = params.Elem()
	}
	f := params.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.Slice {
		panic(fmt.Sprintf("gomlxfix: node %s has no []int parameter %q (GoMLX version mismatch?)", node.Type(), name))
	}
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}

// sliceVJP scatters the adjoint v back to the positions the slice read, with zeros elsewhere,
// one axis at a time using only Concatenate, Reshape and Slice.
func sliceVJP(node, v *graph.Node) []*graph.Node {
	x := node.Inputs()[0]
	// The limits are implied by v's shape and the strides.
	starts, strides := intsField(node, "starts"), intsField(node, "strides")
	grad := v
	for axis, dim := range x.Shape().Dimensions {
		start, stride := starts[axis], max(strides[axis], 1)
		n := grad.Shape().Dimensions[axis]
		if stride > 1 && n > 0 {
			// Interleave stride-1 zeros after every element, then drop the tail past the last one.
			spread := graph.InsertAxes(grad, axis+1)                                 // [..., n, 1, ...]
			spread = concatZeros(spread, axis+1, 0, stride-1)                        // [..., n, stride, ...]
			spread = graph.Reshape(spread, withDim(grad.Shape(), axis, n*stride)...) // [..., n·stride, ...]
			grad = graph.SliceAxis(spread, axis, graph.AxisRange(0, (n-1)*stride+1))
		}
		used := grad.Shape().Dimensions[axis]
		grad = concatZeros(grad, axis, start, dim-start-used)
	}
	return []*graph.Node{grad}
}

// concatZeros surrounds x along axis with `before` and `after` zero slices.
func concatZeros(x *graph.Node, axis, before, after int) *graph.Node {
	if before == 0 && after == 0 {
		return x
	}
	g := x.Graph()
	parts := make([]*graph.Node, 0, 3)
	if before > 0 {
		parts = append(parts, graph.Zeros(g, shapes.Make(x.DType(), withDim(x.Shape(), axis, before)...)))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, graph.Zeros(g, shapes.Make(x.DType(), withDim(x.Shape(), axis, after)...)))
	}
	return graph.Concatenate(parts, axis)
}

func withDim(s shapes.Shape, axis, dim int) []int {
	dims := slices.Clone(s.Dimensions)
	dims[axis] = dim
	return dims
}

// dotGeneralVJP returns dL/dlhs and dL/drhs of C = DotGeneral(lhs, rhs) as DotGenerals of the
// adjoint with the other operand, contracting the other operand's free ("cross") axes.
//
// C's axes are [batch..., lhsCross..., rhsCross...]. Contracting v with rhs over rhsCross gives
// [batch..., lhsCross..., rhsContracting (in rhs axis order)...]; a transpose puts these back in
// lhs axis order, pairing lhsContracting[k] with rhsContracting[k]. Symmetrically for rhs.
func dotGeneralVJP(node, v *graph.Node) []*graph.Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	lc, lb := intsField(node, "lhsContractingAxes"), intsField(node, "lhsBatchAxes")
	rc, rb := intsField(node, "rhsContractingAxes"), intsField(node, "rhsBatchAxes")
	return dotGeneralGrads(v, lhs, lc, lb, rhs, rc, rb)
}

// dotVJP handles Dot, whose matrix×matrix gradient upstream also broadcasts to [i, j, k];
// the vector cases upstream are already linear in the operand sizes and are kept.
func dotVJP(node *graph.Node, vjps []*graph.Node, outputShape shapes.Shape) []*graph.Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	if lhs.Rank() != 2 || rhs.Rank() != 2 {
		return upstream[graph.NodeTypeDot](node, vjps, outputShape)
	}
	return dotGeneralGrads(vjps[0], lhs, []int{1}, nil, rhs, []int{0}, nil)
}

func dotGeneralGrads(v, lhs *graph.Node, lc, lb []int, rhs *graph.Node, rc, rb []int) []*graph.Node {
	lCross, rCross := crossAxes(lhs.Rank(), lc, lb), crossAxes(rhs.Rank(), rc, rb)
	nb := len(lb)
	vBatch := iota(0, nb)
	vLhsCross := iota(nb, len(lCross))
	vRhsCross := iota(nb+len(lCross), len(rCross))

	gradLhs := graph.DotGeneral(v, vRhsCross, vBatch, rhs, rCross, rb) // [batch, lhsCross, rc sorted]
	gradLhs = transposeBack(gradLhs, lhs.Rank(), lb, lCross, lc, rc)
	gradRhs := graph.DotGeneral(v, vLhsCross, vBatch, lhs, lCross, lb) // [batch, rhsCross, lc sorted]
	gradRhs = transposeBack(gradRhs, rhs.Rank(), rb, rCross, rc, lc)
	return []*graph.Node{gradLhs, gradRhs}
}

// transposeBack permutes a gradient laid out as [batch, cross, otherContracting sorted by the
// other operand's axis] into the operand's own axis order.
func transposeBack(grad *graph.Node, rank int, batch, cross, contracting, otherContracting []int) *graph.Node {
	sortedOther := slices.Sorted(slices.Values(otherContracting))
	perm := make([]int, rank)
	for i, axis := range batch {
		perm[axis] = i
	}
	for i, axis := range cross {
		perm[axis] = len(batch) + i
	}
	for k, axis := range contracting {
		perm[axis] = len(batch) + len(cross) + slices.Index(sortedOther, otherContracting[k])
	}
	identity := true
	for i, p := range perm {
		identity = identity && i == p
	}
	if identity {
		return grad
	}
	return graph.TransposeAllAxes(grad, perm...)
}

func crossAxes(rank int, contracting, batch []int) []int {
	var cross []int
	for axis := range rank {
		if !slices.Contains(contracting, axis) && !slices.Contains(batch, axis) {
			cross = append(cross, axis)
		}
	}
	return cross
}

func iota(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}
