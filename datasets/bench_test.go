package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchRows is the size of DeepScaleR's training set (40,315 items), rounded.
const benchRows = 40000

// writeDeepScaleRShaped writes n generated items shaped like DeepScaleR's training JSON:
// LaTeX problems of a few hundred bytes, solutions of one to two kilobytes, answers that are
// strings or numbers.
func writeDeepScaleRShaped(tb testing.TB, path string, n int) {
	tb.Helper()
	items := make([]map[string]any, n)
	for i := range items {
		problem := fmt.Sprintf("Let $f(x) = x^{%d} + %dx - \\frac{%d}{%d}$. Find the sum of all real $x$ with $f(x) = %d$ and $|x| < \\sqrt{%d}$. ", i%7+2, i, i%13+1, i%5+2, i%97, i+3)
		problem += strings.Repeat("Assume the usual conventions, and give the answer in simplest form. ", 2+i%6)
		solution := strings.Repeat(fmt.Sprintf("We expand $(x-%d)^2 = x^2 - %dx + %d$ and compare coefficients. ", i%9, 2*(i%9), (i%9)*(i%9)), 10+i%15) + fmt.Sprintf("Thus the answer is $\\boxed{%d}$.", i)
		var answer any = fmt.Sprint(i)
		if i%3 == 0 {
			answer = i
		}
		items[i] = map[string]any{"problem": problem, "solution": solution, "answer": answer}
	}
	b, err := json.MarshalIndent(items, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap every millisecond until stop is called, and returns the
// highest value seen: runtime.MemStats only knows totals, not the high-water mark.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkConvertDeepScaleR40k converts 40,000 DeepScaleR-shaped items from JSON to verl
// parquet (read, template, infer schema, write snappy), reporting rows/s and the peak live
// heap.
func BenchmarkConvertDeepScaleR40k(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "deepscaler.json")
	out := filepath.Join(dir, "train.parquet")
	writeDeepScaleRShaped(b, in, benchRows)
	st, _ := os.Stat(in)

	convert := func() {
		ps, err := ConvertDeepScaleR(in, DeepScaleROptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteProblems(out, ps, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	// Correctness first: every row reads back with its answer and index.
	convert()
	back, err := ReadProblems(out)
	if err != nil {
		b.Fatal(err)
	}
	if len(back) != benchRows || !back[benchRows-1].GroundTruth.Equal(Answer(fmt.Sprint(benchRows-1))) || back[123].Extra["index"] != int64(123) {
		b.Fatalf("read back %d rows; last %+v", len(back), back[len(back)-1])
	}
	back = nil

	runtime.GC()
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	stop := peakHeap()
	for i := 0; i < b.N; i++ {
		convert()
	}
	peak := stop()
	b.StopTimer()
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	pq, _ := os.Stat(out)
	b.ReportMetric(float64(pq.Size())/(1<<20), "parquet-MiB")
}

// BenchmarkReadParquet40k reads the 40,000-row verl parquet file back into problems.
func BenchmarkReadParquet40k(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "deepscaler.json")
	out := filepath.Join(dir, "train.parquet")
	writeDeepScaleRShaped(b, in, benchRows)
	ps, err := ConvertDeepScaleR(in, DeepScaleROptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteProblems(out, ps, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	ps = nil
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	stop := peakHeap()
	for i := 0; i < b.N; i++ {
		got, err := ReadProblems(out)
		if err != nil || len(got) != benchRows {
			b.Fatalf("%d rows, %v", len(got), err)
		}
	}
	peak := stop()
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
