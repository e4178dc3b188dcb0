package gomlxfix

import (
	"math"
	"runtime"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// minParallelUnary is the float32 element count from which Exp, Logistic (softmax,
// logsumexp, SiLU: [B·T, intermediate] tensors) and equal-shape Add/Sub/Mul/Div are split
// across GOMAXPROCS goroutines;
// math.Exp costs ~10 ns, so a share of 16k elements outweighs starting a goroutine.
const minParallelUnary = 1 << 15

// installUnary replaces float32 Exp and Logistic with the same formulas as simplego (so the
// results are bit-identical), split across goroutines for large tensors; it runs inside
// executorOnce.
func installUnary() {
	for opType, fn := range map[backends.OpType]func(dst, src []float32){
		backends.OpTypeExp:      expRun,
		backends.OpTypeLogistic: logisticRun,
	} {
		upstreamExec := nodeExecutors[opType]
		nodeExecutors[opType] = func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
			return execUnary(fn, upstreamExec, backend, node, inputs, owned)
		}
	}
}

func execUnary(fn func(dst, src []float32), upstreamExec simplegoExecutor, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	xs := bufferShape(inputs[0])
	x, ok := bufferFloats(inputs[0])
	if xs.DType != dtypes.Float32 || !ok || len(x) < minParallelUnary {
		return upstreamExec(backend, node, inputs, owned)
	}
	out := inputs[0]
	if owned[0] {
		inputs[0] = nil // taken: written in place
	} else {
		out = backend.NewBuffer(nodeShape(node))
	}
	o, _ := bufferFloats(out)
	parallelChunks(len(x), func(lo, hi int) { fn(o[lo:hi], x[lo:hi]) })
	return out, nil
}

// parallelChunks calls fn on contiguous ranges of [0, n) on up to GOMAXPROCS goroutines, each
// range at least minParallelUnary/2 long.
func parallelChunks(n int, fn func(lo, hi int)) {
	parts := max(1, min(runtime.GOMAXPROCS(0), n/(minParallelUnary/2)))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

func expRun(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

// logisticRun is 1/(1+e⁻ˣ), written as eˣ/(1+eˣ) for negative x so that it cannot overflow.
func logisticRun(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		if v >= 0 {
			dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
		} else {
			e := math.Exp(float64(v))
			dst[i] = float32(e / (1 + e))
		}
	}
}
