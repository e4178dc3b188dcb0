package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// naive is the float64 triple loop the blocked code is checked against.
func naive(a, b Operand) []float64 {
	batch, m, n, k := len(a.Batch), len(a.Rows), len(b.Cols), len(a.Cols)
	out := make([]float64, batch*m*n)
	for bi := range batch {
		for i := range m {
			for j := range n {
				var s float64
				for p := range k {
					s += float64(a.Data[a.Batch[bi]+a.Rows[i]+a.Cols[p]]) * float64(b.Data[b.Batch[bi]+b.Rows[p]+b.Cols[j]])
				}
				out[(bi*m+i)*n+j] = s
			}
		}
	}
	return out
}

func randomData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return d
}

// checkClose compares with a tolerance scaled by √K (float32 rounding of K-term sums).
func checkClose(t *testing.T, got []float32, want []float64, k int) {
	t.Helper()
	tol := 1e-5 * math.Sqrt(float64(k)) * 4
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > tol*(1+math.Abs(w)) || math.IsNaN(float64(got[i])) {
			t.Fatalf("element %d: got %g, want %g (|Δ| %g > %g)", i, got[i], w, d, tol)
		}
	}
}

func TestMulMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct{ batch, m, n, k int }{
		{1, 1, 1, 1}, {1, 5, 15, 3}, {1, 6, 16, 1}, {1, 7, 17, 257}, {3, 13, 33, 70},
		{1, 200, 40, 300}, {2, 97, 2050, 9}, {1, 301, 19, 530}, {9, 11, 5, 31}, {1, 0, 4, 4}, {2, 3, 4, 0},
	}
	// Layouts of each operand: row-major, column-major (transposed), row-major inside a larger
	// padded buffer with the batch axis in the middle, and rows and columns in shuffled order
	// (tables that are not evenly spaced).
	layouts := []string{"rowmajor", "colmajor", "padded", "shuffled"}
	for _, c := range cases {
		for _, la := range layouts {
			for _, lb := range layouts {
				t.Run(fmt.Sprintf("b%d_m%d_n%d_k%d_%s_%s", c.batch, c.m, c.n, c.k, la, lb), func(t *testing.T) {
					a := makeOperand(rng, la, c.batch, c.m, c.k)
					b := makeOperand(rng, lb, c.batch, c.k, c.n)
					got := make([]float32, c.batch*c.m*c.n+3)
					for i := range got {
						got[i] = float32(math.NaN()) // Mul must overwrite
					}
					Mul(got, a, b)
					checkClose(t, got, naive(a, b), c.k)
				})
			}
		}
	}
}

func makeOperand(rng *rand.Rand, layout string, batch, rows, cols int) Operand {
	switch layout {
	case "rowmajor":
		return Strided(randomData(rng, batch*rows*cols), batch, rows, cols, rows*cols, cols, 1)
	case "colmajor":
		return Strided(randomData(rng, batch*rows*cols), batch, rows, cols, rows*cols, 1, rows)
	case "padded": // [rows, batch, cols+2]
		return Strided(randomData(rng, rows*batch*(cols+2)+5), batch, rows, cols, cols+2, batch*(cols+2), 1)
	default:
		o := Strided(randomData(rng, batch*rows*cols), batch, rows, cols, rows*cols, cols, 1)
		rng.Shuffle(len(o.Rows), func(i, j int) { o.Rows[i], o.Rows[j] = o.Rows[j], o.Rows[i] })
		rng.Shuffle(len(o.Cols), func(i, j int) { o.Cols[i], o.Cols[j] = o.Cols[j], o.Cols[i] })
		return o
	}
}

// TestMulSerialEqualsParallel: the split across goroutines must not change any result bit.
func TestMulSerialEqualsParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := makeOperand(rng, "rowmajor", 1, 777, 300)
	b := makeOperand(rng, "colmajor", 1, 300, 130)
	par := make([]float32, 777*130)
	Mul(par, a, b)
	prev := runtime.GOMAXPROCS(1)
	ser := make([]float32, len(par))
	Mul(ser, a, b)
	runtime.GOMAXPROCS(prev)
	for i := range par {
		if par[i] != ser[i] {
			t.Fatalf("element %d: parallel %g, serial %g", i, par[i], ser[i])
		}
	}
}

// TestKernelMatchesGo compares the assembly kernel with the portable one, including ldc > nr.
func TestKernelMatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2/FMA: only the Go kernel is used")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, k := range []int{1, 2, 3, 17, 256} {
		pa, pb := randomData(rng, k*mr), randomData(rng, k*nr)
		ldc := nr + 5
		c0 := randomData(rng, mr*ldc)
		want := append([]float32(nil), c0...)
		kernelGo(k, pa, pb, want, ldc)
		got := append([]float32(nil), c0...)
		kernel(k, pa, pb, got, ldc)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*math.Sqrt(float64(k))*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("k=%d element %d: asm %g, Go %g", k, i, got[i], want[i])
			}
		}
	}
}

func TestGoKernelMulMatchesNaive(t *testing.T) {
	if !useAVX2 {
		t.Skip("the Go kernel is already what TestMulMatchesNaive covers")
	}
	useAVX2 = false
	defer func() { useAVX2 = true }()
	rng := rand.New(rand.NewPCG(9, 10))
	a := makeOperand(rng, "padded", 2, 23, 41)
	b := makeOperand(rng, "colmajor", 2, 41, 37)
	got := make([]float32, 2*23*37)
	Mul(got, a, b)
	checkClose(t, got, naive(a, b), 41)
}

// BenchmarkMul: a 2048×384·384×128 product, the shape of a 1M model's MLP down-projection.
func BenchmarkMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const m, k, n = 2048, 384, 128
	x := Strided(randomData(rng, m*k), 1, m, k, 0, k, 1)
	w := Strided(randomData(rng, k*n), 1, k, n, 0, n, 1)
	out := make([]float32, m*n)
	for b.Loop() {
		Mul(out, x, w)
	}
	b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMulTransposedA: Aᵀ·B with K = 2048, the weight-gradient shape of a 10M model's
// projection (dW = Xᵀ·dY), where packing A reads across rows.
func BenchmarkMulTransposedA(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const m, k, n = 256, 2048, 256
	x := Strided(randomData(rng, m*k), 1, m, k, 0, 1, m)
	w := Strided(randomData(rng, k*n), 1, k, n, 0, n, 1)
	out := make([]float32, m*n)
	for b.Loop() {
		Mul(out, x, w)
	}
	b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
