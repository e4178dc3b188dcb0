package gomlxfix

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// naiveDotGeneral is the float64 reference: each lhs element times each rhs element sharing its
// batch and contracting indices, added to the output cell [batch, lhsCross, rhsCross].
func naiveDotGeneral(l []float64, lDims, lc, lb []int, r []float64, rDims, rc, rb []int) []float64 {
	lCross, rCross := crossAxes(len(lDims), lc, lb), crossAxes(len(rDims), rc, rb)
	sub := func(dims, axes []int) []int {
		out := make([]int, len(axes))
		for i, a := range axes {
			out[i] = dims[a]
		}
		return out
	}
	// flatIndex of idx restricted to axes, first axis slowest.
	flatIndex := func(dims, idx, axes []int) int {
		f := 0
		for _, a := range axes {
			f = f*dims[a] + idx[a]
		}
		return f
	}
	all := func(n int) []int { return iota(0, n) }
	rCrossDims := sub(rDims, rCross)
	nl, nr := product(sub(lDims, lCross)), product(rCrossDims)
	out := make([]float64, product(sub(lDims, lb))*nl*nr)
	li, ri, ci := make([]int, len(lDims)), make([]int, len(rDims)), make([]int, len(rCross))
	for lf := range l {
		unflatten(lf, lDims, li)
		for k := range lc {
			ri[rc[k]] = li[lc[k]]
		}
		for k := range lb {
			ri[rb[k]] = li[lb[k]]
		}
		for c := range nr {
			unflatten(c, rCrossDims, ci)
			for k, a := range rCross {
				ri[a] = ci[k]
			}
			o := (flatIndex(lDims, li, lb)*nl+flatIndex(lDims, li, lCross))*nr + c
			out[o] += l[lf] * r[flatIndex(rDims, ri, all(len(rDims)))]
		}
	}
	return out
}

func unflatten(f int, dims, idx []int) {
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = f % dims[a]
		f /= dims[a]
	}
}

// TestFloat32DotGeneralMatchesNaive runs float32 DotGenerals through the backend (train/gemm) on
// odd shapes and axis layouts and compares them with the float64 triple loop above.
func TestFloat32DotGeneralMatchesNaive(t *testing.T) {
	b := testBackend(t)
	if got := reflect.ValueOf(nodeExecutors[backends.OpTypeDotGeneral]).Pointer(); got != reflect.ValueOf(simplegoExecutor(execDotGeneral)).Pointer() {
		t.Fatal("NewGoBackend did not install the train/gemm DotGeneral executor")
	}
	cases := slices.Clone(dotCases)
	cases = append(cases,
		// Larger than one gemm block in every direction (kc=256, mc=96, nr=16) and not a multiple.
		dotCase{"blocks with ragged edges", []int{101, 263}, []int{263, 37}, []int{1}, nil, []int{0}, nil, false},
		// Grouped-query attention scores: [B,T,K,G,E]·[B,S,K,E], batch (B,K) not adjacent in lhs.
		dotCase{"GQA scores", []int{2, 7, 3, 2, 5}, []int{2, 9, 3, 5}, []int{4}, []int{0, 2}, []int{3}, []int{0, 2}, false},
		// Weight gradient: [B,T,D]ᵀ·[B,T,F], contracting the two leading axes.
		dotCase{"weight gradient", []int{3, 11, 13}, []int{3, 11, 17}, []int{0, 1}, nil, []int{0, 1}, nil, false},
		dotCase{"three contracting axes permuted", []int{3, 4, 5, 2}, []int{5, 3, 6, 4}, []int{2, 0, 1}, nil, []int{0, 1, 3}, nil, false},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			l := randFloats(rng, product(tc.lhsDims))
			r := randFloats(rng, product(tc.rhsDims))
			l32, r32 := toFloat32(l), toFloat32(r)
			out := graph.MustExecOnce(b, func(ln, rn *graph.Node) *graph.Node { return tc.apply(ln, rn) },
				tensors.FromFlatDataAndDimensions(l32, tc.lhsDims...), tensors.FromFlatDataAndDimensions(r32, tc.rhsDims...))
			got := tensors.MustCopyFlatData[float32](out)
			lc, lb, rc, rb := tc.lhsContract, tc.lhsBatch, tc.rhsContract, tc.rhsBatch
			if tc.dot { // graph.Dot contracts lhs's last axis with rhs's first
				lc, rc = []int{len(tc.lhsDims) - 1}, []int{0}
			}
			want := naiveDotGeneral(toFloat64(l32), tc.lhsDims, lc, lb, toFloat64(r32), tc.rhsDims, rc, rb)
			if len(got) != len(want) {
				t.Fatalf("got %d values, want %d", len(got), len(want))
			}
			k := 1
			for _, a := range lc {
				k *= tc.lhsDims[a]
			}
			for i := range want {
				if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5*math.Sqrt(float64(k))*(1+math.Abs(want[i])) {
					t.Fatalf("output[%d] = %g, want %g", i, got[i], want[i])
				}
			}
		})
	}
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
