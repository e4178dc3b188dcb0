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
// across GOMAXPROCS goroutines: a share of 16k elements outweighs starting a goroutine.
const minParallelUnary = 1 << 15

// installUnary replaces float32 Exp and Logistic of large tensors with float32 arithmetic
// (exp32) split across goroutines; it runs inside executorOnce.
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
		dst[i] = exp32(v)
	}
}

// logisticRun is 1/(1+e⁻ˣ), written as eˣ/(1+eˣ) for negative x so that it cannot overflow.
func logisticRun(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		if v >= 0 {
			dst[i] = 1 / (1 + exp32(-v))
		} else {
			e := exp32(v)
			dst[i] = e / (1 + e)
		}
	}
}

// exp32 is eˣ in float32 arithmetic (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6
// polynomial for eʳ), within 2 ulp of the exact value — about 3× cheaper than math.Exp in
// float64, which was a seventh of a small model's step. Arguments whose result would be
// subnormal, infinite or NaN go to math.Exp.
func exp32(x float32) float32 {
	if !(x > -87 && x < 88) { // also NaN
		return float32(math.Exp(float64(x)))
	}
	n := float32(math.Floor(float64(x*1.44269504088896341 + 0.5)))
	r := x - n*0.693359375 - n*-2.12194440e-4
	z := r * r
	y := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	y = y*z + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}
