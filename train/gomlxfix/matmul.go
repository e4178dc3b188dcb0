package gomlxfix

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/mirage-rl/mirage/train/gemm"
)

// simplegoExecutor is the type of simplego's per-op executors (its unexported nodeExecutor).
type simplegoExecutor func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

// nodeExecutors is simplego's op → executor table. simplego has no public way to replace an
// executor (its setNodeExecutor and priorities are unexported), so the table is reached by
// linkname; it is written once, before any graph runs, under executorOnce.
//
//go:linkname nodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var nodeExecutors [backends.OpTypeLast]simplegoExecutor

var (
	executorOnce     sync.Once
	upstreamDotExec  simplegoExecutor
	errExecutorSetup error
)

// installMatmul makes simplego run float32 DotGenerals with train/gemm (blocked, packed,
// AVX2/FMA on amd64) instead of its scalar loops; other dtypes keep simplego's kernel.
// It affects every simplego backend of the process.
func installMatmul() error {
	executorOnce.Do(func() {
		if err := checkLayouts(); err != nil {
			errExecutorSetup = err
			return
		}
		upstreamDotExec = nodeExecutors[backends.OpTypeDotGeneral]
		if upstreamDotExec == nil {
			errExecutorSetup = fmt.Errorf("gomlxfix: simplego has no DotGeneral executor (GoMLX version mismatch?)")
			return
		}
		nodeExecutors[backends.OpTypeDotGeneral] = execDotGeneral
		installBroadcasts()
		installReductions()
		installUnary()
	})
	return errExecutorSetup
}

// Field offsets of simplego's private structs, found by name and type once so that a GoMLX
// upgrade that changes them fails at backend creation instead of corrupting memory.
var (
	bufferShapeOff, bufferFlatOff, nodeShapeOff, nodeDataOff uintptr
)

func checkLayouts() error {
	find := func(t reflect.Type, name string, want reflect.Type) (uintptr, error) {
		f, ok := t.FieldByName(name)
		if !ok || f.Type != want {
			return 0, fmt.Errorf("gomlxfix: simplego %s has no field %s of type %s (GoMLX version mismatch?)", t.Name(), name, want)
		}
		return f.Offset, nil
	}
	shapeT, anyT := reflect.TypeFor[shapes.Shape](), reflect.TypeFor[any]()
	var err error
	offs := []struct {
		dst  *uintptr
		t    reflect.Type
		name string
		want reflect.Type
	}{
		{&bufferShapeOff, reflect.TypeFor[simplego.Buffer](), "shape", shapeT},
		{&bufferFlatOff, reflect.TypeFor[simplego.Buffer](), "flat", anyT},
		{&nodeShapeOff, reflect.TypeFor[simplego.Node](), "shape", shapeT},
		{&nodeDataOff, reflect.TypeFor[simplego.Node](), "data", anyT},
	}
	for _, o := range offs {
		if *o.dst, err = find(o.t, o.name, o.want); err != nil {
			return err
		}
	}
	return nil
}

func fieldAt[T any](p unsafe.Pointer, off uintptr) *T { return (*T)(unsafe.Add(p, off)) }

// execDotGeneral computes simplego's normalized DotGeneral output [batch, lhsCross, rhsCross]
// (free axes in axis order, batch and contracting axes paired in the order given) by reading
// both operands in place through offset tables.
func execDotGeneral(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	lhsShape := *fieldAt[shapes.Shape](unsafe.Pointer(inputs[0]), bufferShapeOff)
	rhsShape := *fieldAt[shapes.Shape](unsafe.Pointer(inputs[1]), bufferShapeOff)
	if lhsShape.DType != dtypes.Float32 || rhsShape.DType != dtypes.Float32 {
		return upstreamDotExec(backend, node, inputs, owned)
	}
	lhsFlat, ok1 := (*fieldAt[any](unsafe.Pointer(inputs[0]), bufferFlatOff)).([]float32)
	rhsFlat, ok2 := (*fieldAt[any](unsafe.Pointer(inputs[1]), bufferFlatOff)).([]float32)
	params := reflect.ValueOf(*fieldAt[any](unsafe.Pointer(node), nodeDataOff))
	if !ok1 || !ok2 || params.Kind() != reflect.Pointer || params.Elem().Kind() != reflect.Struct {
		return upstreamDotExec(backend, node, inputs, owned)
	}
	p := params.Elem()
	lc, lb := intsOf(p, "lhsContractingAxes"), intsOf(p, "lhsBatchAxes")
	rc, rb := intsOf(p, "rhsContractingAxes"), intsOf(p, "rhsBatchAxes")
	a := gemm.Operand{Data: lhsFlat, Batch: offsets(lhsShape, lb), Rows: offsets(lhsShape, crossAxes(lhsShape.Rank(), lc, lb)), Cols: offsets(lhsShape, lc)}
	b := gemm.Operand{Data: rhsFlat, Batch: offsets(rhsShape, rb), Rows: offsets(rhsShape, rc), Cols: offsets(rhsShape, crossAxes(rhsShape.Rank(), rc, rb))}
	outShape := *fieldAt[shapes.Shape](unsafe.Pointer(node), nodeShapeOff)
	out := backend.NewBuffer(outShape)
	outFlat, ok := (*fieldAt[any](unsafe.Pointer(out), bufferFlatOff)).([]float32)
	if !ok || len(outFlat) != len(a.Batch)*len(a.Rows)*len(b.Cols) {
		return nil, fmt.Errorf("gomlxfix: DotGeneral output %s does not match operands %s and %s", outShape, lhsShape, rhsShape)
	}
	gemm.Mul(outFlat, a, b)
	return out, nil
}

func intsOf(s reflect.Value, name string) []int {
	f := s.FieldByName(name)
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}

// offsets lists the flat offsets of every index combination of the given axes of a row-major
// tensor, the first axis varying slowest.
func offsets(s shapes.Shape, axes []int) []int {
	strides := make([]int, s.Rank())
	stride := 1
	for axis := s.Rank() - 1; axis >= 0; axis-- {
		strides[axis] = stride
		stride *= s.Dimensions[axis]
	}
	out := []int{0}
	for _, axis := range axes {
		next := make([]int, 0, len(out)*s.Dimensions[axis])
		for _, o := range out {
			for i := range s.Dimensions[axis] {
				next = append(next, o+i*strides[axis])
			}
		}
		out = next
	}
	return out
}
