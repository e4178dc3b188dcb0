package sampler_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/sampler"
)

// The mixed-length workload, as math sampling for pass@k has it: mixedPrompts prompts whose
// lengths are log-uniform in [16, 512] tokens, mixedSamples completions each at temperature 1
// (four times as many sequences as rows, so most of the run is not the final drain), ending at
// any of mixedStops stop ids (on this random model the next-token distribution is close to
// uniform, so lengths are roughly geometric, mean about vocab/mixedStops) or at mixedMaxNew
// tokens. Continuous batching (one Generate over all prompts: a finished row takes the next
// sample) is timed against a static-batch loop of the same code (Generate over consecutive
// groups of mixedBatch/mixedSamples prompts, mixedBatch rows: a group ends when its longest
// completion does). Both draw the same completions, since each sample's random stream follows
// its prompt's key and its index, not its schedule.
const (
	mixedPrompts = 32
	mixedSamples = 4
	mixedBatch   = 32
	mixedStops   = 96
	mixedMaxNew  = 256
)

func mixedWorkload() ([][]int, sampler.GenerateOptions) {
	rng := rand.New(rand.NewPCG(16, 512))
	prompts := make([][]int, mixedPrompts)
	keys := make([]uint64, mixedPrompts)
	for i := range prompts {
		n := int(math.Round(16 * math.Pow(32, rng.Float64())))
		for j := range n {
			prompts[i] = append(prompts[i], 3+(i*131+j*17)%8000)
		}
		keys[i] = uint64(i)
	}
	stops := make([]int, mixedStops)
	for i := range stops {
		stops[i] = 4000 + 97*i
	}
	return prompts, sampler.GenerateOptions{Choice: sampler.Choice{Temperature: 1}, N: mixedSamples, Seed: 1, Keys: keys,
		MaxNewTokens: mixedMaxNew, StopTokens: stops, BatchSize: mixedBatch}
}

// runMixed runs the workload continuously, or in static groups of opts.BatchSize rows, and
// returns the wall time and the CPU time of the process (all its threads, ONNX Runtime's
// included), which other tenants of a shared machine disturb far less than the wall time.
func runMixed(m *sampler.Model, static bool) ([][]sampler.Output, time.Duration, time.Duration, error) {
	prompts, opts := mixedWorkload()
	start, cpu0 := time.Now(), cpuTime()
	if !static {
		out, err := m.Generate(context.Background(), prompts, opts)
		return out, time.Since(start), cpuTime() - cpu0, err
	}
	var out [][]sampler.Output
	keys := opts.Keys
	group := opts.BatchSize / opts.N
	for g := 0; g < len(prompts); g += group {
		end := min(len(prompts), g+group)
		opts.Keys = keys[g:end]
		o, err := m.Generate(context.Background(), prompts[g:end], opts)
		if err != nil {
			return nil, 0, 0, err
		}
		out = append(out, o...)
	}
	return out, time.Since(start), cpuTime() - cpu0, nil
}

// cpuTime is the user + system time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSamplerMixedLengths reports tokens/s of continuous and static batching on the
// mixed-length workload, interleaved round by round, and their ratio, on the standard layout
// (a cache of one width for all rows, left-padded) and on the ORT layout (the shared KV cache,
// each row as long as its own sequence).
func BenchmarkSamplerMixedLengths(b *testing.B) {
	setupBench(b)
	type series struct{ cont, stat, contCPU, statCPU []float64 }
	layouts := []struct {
		name string
		m    *sampler.Model
		r    series
	}{{"standard layout", bench.model, series{}}, {"ORT layout", bench.ort, series{}}}
	var lengths []int
	var promptTokens int
	prompts, _ := mixedWorkload()
	for _, p := range prompts {
		promptTokens += len(p)
	}
	for b.Loop() { // one round per iteration: -benchtime Nx runs N rounds
		var outs [][][]sampler.Output
		for i := range layouts {
			l := &layouts[i]
			for _, static := range []bool{false, true} {
				out, took, cpu, err := runMixed(l.m, static)
				if err != nil {
					b.Fatal(err)
				}
				tokens := 0
				lengths = lengths[:0]
				for _, o := range out {
					for _, c := range o {
						tokens += len(c.Tokens)
						lengths = append(lengths, len(c.Tokens))
					}
				}
				v, vc := float64(tokens)/took.Seconds(), float64(tokens)/cpu.Seconds()
				if static {
					l.r.stat, l.r.statCPU = append(l.r.stat, v), append(l.r.statCPU, vc)
				} else {
					l.r.cont, l.r.contCPU = append(l.r.cont, v), append(l.r.contCPU, vc)
				}
				outs = append(outs, out)
			}
		}
		// Each prompt's random stream follows its key, so every schedule draws the same
		// completion; the two layouts compute the same function and draw the same too, up to a
		// near-tie that their last-bit differences can break (counted, not failed).
		differ := 0
		for i := range outs[0] {
			for j := range outs[0][i] {
				if !slices.Equal(outs[0][i][j].Tokens, outs[1][i][j].Tokens) {
					b.Fatalf("prompt %d sample %d: continuous batching drew %v, static %v", i, j, outs[0][i][j].Tokens, outs[1][i][j].Tokens)
				}
				if !slices.Equal(outs[2][i][j].Tokens, outs[3][i][j].Tokens) {
					b.Fatalf("ORT layout, prompt %d sample %d: continuous batching drew %v, static %v", i, j, outs[2][i][j].Tokens, outs[3][i][j].Tokens)
				}
				if !slices.Equal(outs[0][i][j].Tokens, outs[2][i][j].Tokens) {
					differ++
				}
			}
		}
		if differ > mixedPrompts*mixedSamples/8 {
			b.Fatalf("the ORT layout drew other completions than the standard one for %d of %d sequences", differ, mixedPrompts*mixedSamples)
		}
	}
	slices.Sort(lengths)
	fmt.Printf("\nmixed lengths, %s: %d prompts of 16-512 tokens (%d in all), %d completions each, batch %d, completion lengths min %d / median %d / max %d (cap %d)\n",
		benchModel, mixedPrompts, promptTokens, mixedSamples, mixedBatch, lengths[0], lengths[len(lengths)/2], lengths[len(lengths)-1], mixedMaxNew)
	for _, l := range layouts {
		r, metric := l.r, ""
		if l.m == bench.ort {
			metric = "ort-"
		}
		sp, spCPU := medianRatio(r.cont, r.stat), medianRatio(r.contCPU, r.statCPU)
		b.ReportMetric(median(r.cont), metric+"continuous-tok/s")
		b.ReportMetric(median(r.stat), metric+"static-tok/s")
		b.ReportMetric(sp, metric+"continuous-per-static")
		b.ReportMetric(spCPU, metric+"continuous-per-static-cpu")
		fmt.Printf("%s: continuous %.0f tok/s (rounds %.0f), static batches %.0f tok/s (rounds %.0f): continuous ÷ static %.2fx (median of per-round ratios)\n"+
			"  per CPU-second: continuous %.0f tok (rounds %.0f), static %.0f (rounds %.0f): continuous ÷ static %.2fx\n",
			l.name, median(r.cont), r.cont, median(r.stat), r.stat, sp, median(r.contCPU), r.contCPU, median(r.statCPU), r.statCPU, spCPU)
	}
	std, ort := layouts[0].r, layouts[1].r
	b.ReportMetric(medianRatio(ort.cont, std.cont), "ort-per-standard-continuous")
	fmt.Printf("ORT layout ÷ standard layout, continuous: %.2fx; static: %.2fx\n", medianRatio(ort.cont, std.cont), medianRatio(ort.stat, std.stat))
}
