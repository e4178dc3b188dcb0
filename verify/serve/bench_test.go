package serve

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
)

// batches256 cuts the MATH-500 responses of mathItems (about 1.5 KB each) into batches of
// 256.
func batches256(b *testing.B) [][]ScoreItem {
	items := mathItems(b, 8)
	var out [][]ScoreItem
	for lo := 0; lo+256 <= len(items); lo += 256 {
		out = append(out, items[lo:lo+256])
	}
	if len(out) == 0 {
		b.Fatalf("setup: %d items, fewer than one batch of 256", len(items))
	}
	return out
}

// BenchmarkServe256 posts batches of 256 math responses to /v1/score over loopback from 4
// clients at once; it reports verifications per second (of wall and of CPU time) and the
// p50/p99 latency of a batch. Setup checks
// the service's scores against direct verify calls. Compare with BenchmarkDirect256.
func BenchmarkServe256(b *testing.B) {
	batches := batches256(b)
	srv := newServer(b, Options{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, batch := range batches[:1] {
		code, body := post(b, client, srv.URL+"/v1/score", ScoreRequest{Items: batch})
		if code != 200 {
			b.Fatalf("setup: %d %s", code, abbreviate(body))
		}
		var got ScoreResponse
		mustUnmarshal(b, body, &got)
		for i, r := range got.Results {
			if w := direct(batch[i], RewardGroundTruth, verify.Options{}); r.Score != w {
				b.Fatalf("setup: item %d scored %v, want %v", i, r.Score, w)
			}
		}
	}
	bodies := make([][]byte, len(batches))
	for i, batch := range batches {
		bodies[i] = mustMarshal(b, ScoreRequest{Items: batch})
	}
	const clients = 4
	lat := make([]time.Duration, b.N)
	next := make(chan int)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				resp, err := client.Post(srv.URL+"/v1/score", "application/json", bytesReader(bodies[i%len(bodies)]))
				if err != nil {
					b.Error(err)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	b.StopTimer()
	reportRates(b, cpuTime(b)-cpu0)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// BenchmarkDirect256 grades the same batches with verify.Score on all cores, each response as
// its own problem (as the service prepares each item): the rate the service is measured
// against.
func BenchmarkDirect256(b *testing.B) {
	batches := batches256(b)
	run := func(batch []ScoreItem) verify.Summary {
		samples := func(yield func(datasets.Sample, error) bool) {
			for _, it := range batch {
				s := datasets.Sample{Problem: datasets.Problem{GroundTruth: it.GroundTruth}, Completions: []datasets.Completion{{Text: it.Response}}}
				if !yield(s, nil) {
					return
				}
			}
		}
		sum, err := verify.Score(context.Background(), verify.Options{}, samples, func(verify.Scored) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		return sum
	}
	if sum := run(batches[0]); sum.Completions != 256 || sum.Correct < 256/4 {
		b.Fatalf("setup: %+v", sum)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		run(batches[i%len(batches)])
	}
	reportRates(b, cpuTime(b)-cpu0)
}

// reportRates reports verifications per second of wall time and per second of the process's
// CPU time (user + system, server and client together): the second holds still on a
// machine shared with other work.
func reportRates(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N*256)/b.Elapsed().Seconds(), "verifications/s")
	b.ReportMetric(float64(b.N*256)/cpu.Seconds(), "verifications/cpu-s")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
