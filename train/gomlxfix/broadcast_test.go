package gomlxfix

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// broadcastIndex maps a row-major output index to the flat index of an operand of the same
// rank whose size-1 axes are broadcast.
func broadcastIndex(f int, outDims, dims []int) int {
	idx, stride := 0, 1
	for a := len(outDims) - 1; a >= 0; a-- {
		i := f % outDims[a]
		f /= outDims[a]
		if dims[a] != 1 {
			idx += i * stride
		}
		stride *= dims[a]
	}
	return idx
}

// TestBroadcastBinaryOpsMatchNaive checks float32 Add/Sub/Mul/Div of operands with broadcast
// axes against an index-by-index float64 reference.
func TestBroadcastBinaryOpsMatchNaive(t *testing.T) {
	b := testBackend(t)
	ops := []struct {
		name string
		g    func(x, y *graph.Node) *graph.Node
		f    func(x, y float64) float64
	}{
		{"Add", graph.Add, func(x, y float64) float64 { return x + y }},
		{"Sub", graph.Sub, func(x, y float64) float64 { return x - y }},
		{"Mul", graph.Mul, func(x, y float64) float64 { return x * y }},
		{"Div", graph.Div, func(x, y float64) float64 { return x / y }},
	}
	shapesCases := []struct{ l, r []int }{
		{[]int{2, 3, 5}, []int{2, 3, 1}},                                     // RMSNorm scale
		{[]int{1, 1, 5}, []int{2, 3, 5}},                                     // weight × activations
		{[]int{2, 7, 3, 4}, []int{1, 7, 1, 4}},                               // RoPE cos/sin
		{[]int{3, 1, 5}, []int{1, 4, 1}},                                     // both broadcast
		{[]int{4, 1, 1, 6}, []int{4, 3, 2, 6}},                               // mergeable middle axes
		{[]int{2, 1, 3, 1, 2}, []int{2, 5, 3, 4, 1}},                         // alternating
		{[]int{3, minParallelUnary/2 + 5}, []int{3, minParallelUnary/2 + 5}}, // large, equal: split across goroutines
	}
	for _, op := range ops {
		for _, sc := range shapesCases {
			t.Run(fmt.Sprintf("%s_%v_%v", op.name, sc.l, sc.r), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(13, 14))
				l := toFloat32(randFloats(rng, product(sc.l)))
				r := toFloat32(randFloats(rng, product(sc.r)))
				out := graph.MustExecOnce(b, op.g, tensors.FromFlatDataAndDimensions(l, sc.l...), tensors.FromFlatDataAndDimensions(r, sc.r...))
				got := tensors.MustCopyFlatData[float32](out)
				outDims := make([]int, len(sc.l))
				for a := range outDims {
					outDims[a] = max(sc.l[a], sc.r[a])
				}
				if len(got) != product(outDims) {
					t.Fatalf("got %d values, want %d", len(got), product(outDims))
				}
				for i, g := range got {
					want := float32(op.f(float64(l[broadcastIndex(i, outDims, sc.l)]), float64(r[broadcastIndex(i, outDims, sc.r)])))
					if g != want {
						t.Fatalf("output[%d] = %g, want %g", i, g, want)
					}
				}
			})
		}
	}
}

// TestBroadcastInDimMatchesNaive checks float32 BroadcastInDim with new and size-1 axes.
func TestBroadcastInDimMatchesNaive(t *testing.T) {
	b := testBackend(t)
	cases := []struct {
		dims, outDims, newAxes []int
	}{
		{[]int{3}, []int{2, 3, 4}, []int{0, 2}},
		{[]int{2, 1}, []int{2, 5, 3}, []int{1}},
		{[]int{4, 5}, []int{3, 4, 5}, []int{0}},
		{[]int{4, 5}, []int{4, 5, 6}, []int{2}},
		{[]int{1, 5, 1}, []int{3, 2, 5, 4}, []int{1}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v_to_%v", tc.dims, tc.outDims), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(15, 16))
			x := toFloat32(randFloats(rng, product(tc.dims)))
			out := graph.MustExecOnce(b, func(xn *graph.Node) *graph.Node {
				return graph.ExpandAndBroadcast(xn, tc.outDims, tc.newAxes)
			}, tensors.FromFlatDataAndDimensions(x, tc.dims...))
			got := tensors.MustCopyFlatData[float32](out)
			// The operand seen at the output's rank: size 1 on the new axes.
			expanded := make([]int, 0, len(tc.outDims))
			xa := 0
			for a := range tc.outDims {
				if slices.Contains(tc.newAxes, a) {
					expanded = append(expanded, 1)
				} else {
					expanded = append(expanded, tc.dims[xa])
					xa++
				}
			}
			if len(got) != product(tc.outDims) {
				t.Fatalf("got %d values, want %d", len(got), product(tc.outDims))
			}
			for i, g := range got {
				if want := x[broadcastIndex(i, tc.outDims, expanded)]; g != want {
					t.Fatalf("output[%d] = %g, want %g", i, g, want)
				}
			}
		})
	}
}

// TestReductionsMatchNaive checks float32 ReduceSum and ReduceMax over several axis sets
// against float64 sums and exact maxima.
func TestReductionsMatchNaive(t *testing.T) {
	b := testBackend(t)
	dims := []int{3, 4, 1, 5, 6}
	cases := [][]int{{4}, {0}, {0, 1}, {1, 3}, {0, 2, 4}, {0, 1, 2, 3, 4}, {3}}
	rng := rand.New(rand.NewPCG(17, 18))
	x := toFloat32(randFloats(rng, product(dims)))
	for _, axes := range cases {
		for _, isMax := range []bool{false, true} {
			t.Run(fmt.Sprintf("max=%v_axes=%v", isMax, axes), func(t *testing.T) {
				out := graph.MustExecOnce(b, func(xn *graph.Node) *graph.Node {
					if isMax {
						return graph.ReduceMax(xn, axes...)
					}
					return graph.ReduceSum(xn, axes...)
				}, tensors.FromFlatDataAndDimensions(x, dims...))
				got := tensors.MustCopyFlatData[float32](out)
				// Reference: output index of every operand element (kept axes, row-major).
				var keptDims []int
				for a, d := range dims {
					if !slices.Contains(axes, a) {
						keptDims = append(keptDims, d)
					}
				}
				want := make([]float64, product(keptDims))
				if isMax {
					for i := range want {
						want[i] = math.Inf(-1)
					}
				}
				idx := make([]int, len(dims))
				for f, v := range x {
					unflatten(f, dims, idx)
					o := 0
					for a, d := range dims {
						if !slices.Contains(axes, a) {
							o = o*d + idx[a]
						}
					}
					if isMax {
						want[o] = max(want[o], float64(v))
					} else {
						want[o] += float64(v)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("got %d values, want %d", len(got), len(want))
				}
				for i := range want {
					if math.Abs(float64(got[i])-want[i]) > 1e-5*(1+math.Abs(want[i])) {
						t.Fatalf("output[%d] = %g, want %g", i, got[i], want[i])
					}
				}
			})
		}
	}
}

// TestTransposeMatchesNaive checks float32 Transpose against index arithmetic.
func TestTransposeMatchesNaive(t *testing.T) {
	b := testBackend(t)
	dims := []int{2, 3, 1, 4, 5}
	rng := rand.New(rand.NewPCG(19, 20))
	x := toFloat32(randFloats(rng, product(dims)))
	for _, perm := range [][]int{{1, 0, 2, 3, 4}, {0, 1, 2, 4, 3}, {4, 3, 2, 1, 0}, {0, 3, 1, 2, 4}, {2, 0, 4, 1, 3}} {
		t.Run(fmt.Sprint(perm), func(t *testing.T) {
			out := graph.MustExecOnce(b, func(xn *graph.Node) *graph.Node { return graph.TransposeAllAxes(xn, perm...) },
				tensors.FromFlatDataAndDimensions(x, dims...))
			got := tensors.MustCopyFlatData[float32](out)
			outDims := make([]int, len(perm))
			for a, from := range perm {
				outDims[a] = dims[from]
			}
			oi, xi := make([]int, len(dims)), make([]int, len(dims))
			for f, g := range got {
				unflatten(f, outDims, oi)
				for a, from := range perm {
					xi[from] = oi[a]
				}
				xf := 0
				for a, d := range dims {
					xf = xf*d + xi[a]
				}
				if g != x[xf] {
					t.Fatalf("output %v = %g, want x%v = %g", oi, g, xi, x[xf])
				}
			}
		})
	}
}

// TestLargeUnaryMatchesMath checks the split float32 Exp and Logistic against math.Exp on a
// tensor large enough to be split, including values that overflow or underflow float32.
func TestLargeUnaryMatchesMath(t *testing.T) {
	b := testBackend(t)
	n := 3*minParallelUnary + 7
	x := make([]float32, n)
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 30)
	}
	for _, tc := range []struct {
		name string
		g    func(*graph.Node) *graph.Node
		f    func(float64) float64
	}{
		{"Exp", graph.Exp, math.Exp},
		{"Logistic", graph.Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tensors.MustCopyFlatData[float32](graph.MustExecOnce(b, tc.g, tensors.FromFlatDataAndDimensions(x, 1, n)))
			for i, v := range x {
				want := tc.f(float64(v))
				if d := math.Abs(float64(got[i]) - want); d > 1e-6*math.Abs(want)+1e-44 && !(math.IsInf(float64(got[i]), 1) && want > math.MaxFloat32) {
					t.Fatalf("%s(%g) = %g, want %g", tc.name, v, got[i], want)
				}
			}
		})
	}
}

// TestExp32 sweeps exp32 over its whole float32 range against math.Exp: at most 3 ulp
// (relative 3·2⁻²³) where the result is normal, and the special values pass through.
func TestExp32(t *testing.T) {
	const tol = 3.0 / (1 << 23)
	for x := float32(-90); x < 90; x += 1.0 / 1024 {
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		if want > math.MaxFloat32 {
			if !math.IsInf(got, 1) {
				t.Fatalf("exp32(%g) = %g, want +Inf", x, got)
			}
			continue
		}
		if d := math.Abs(got - want); d > tol*want+1e-45 {
			t.Fatalf("exp32(%g) = %g, want %g (%.2g ulp)", x, got, want, d/want*(1<<23))
		}
	}
	nan := float32(math.NaN())
	for _, tc := range []struct{ x, want float32 }{
		{0, 1}, {float32(math.Inf(-1)), 0}, {float32(math.Inf(1)), float32(math.Inf(1))}, {-200, 0},
	} {
		if got := exp32(tc.x); got != tc.want {
			t.Errorf("exp32(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
	if got := exp32(nan); got == got {
		t.Errorf("exp32(NaN) = %g, want NaN", got)
	}
}
