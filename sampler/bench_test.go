package sampler_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
)

// The decode benchmark: mirage against transformers.js (@huggingface/transformers 4.3.1 under
// node, on onnxruntime-node), on the same randomly initialised 34M-parameter Llama (hidden 512,
// 8 layers, 8 heads, FFN 1408, vocabulary 8192, fp32), written by train/onnx at bench time.
// Each row is a 32-token prompt; 128 new tokens are forced (IgnoreEOS / min_new_tokens);
// tokens/s = new tokens of all rows / wall time of the whole generate call, prefill included.
// Configs: greedy at batch 1, 8 and 32; n16 = 16 samples of one prompt at temperature 1 over
// the full vocabulary (mirage prefills the prompt once; transformers.js gets the prompt 16
// times, as its num_return_sequences does nothing when sampling). The two sides run
// interleaved, one config at a time, one round per b.Loop iteration (-benchtime Nx gives N
// rounds; make bench: 3), and the medians are reported.
// The batch-1 bound is weight bytes read per token / memory read bandwidth measured here.
// The greedy configs also run on a plain onnxruntime_go loop over the same graph (ortFloor,
// bench_floor_test.go), interleaved with the other two, so mirage's engine overhead shows as
// mirage ÷ floor.

const (
	benchPromptLen = 32
	benchNewTokens = 128
	benchModel     = "llama-34m-v8192"
)

type benchConfig struct {
	name   string
	batch  int // rows (transformers.js) = prompts × n
	n      int // samples per prompt (mirage)
	sample bool
}

var benchConfigs = []benchConfig{
	{"b1", 1, 1, false},
	{"b8", 8, 1, false},
	{"b32", 32, 1, false},
	{"n16", 16, 16, true},
}

var bench struct {
	once  sync.Once
	err   error
	model *sampler.Model
	cfg   arch.Config
	floor *ortFloor
	bwBuf []byte // 1 GiB, touched, for measureBandwidth

	tjsOnce sync.Once   // transformers.js and the warm-up, for BenchmarkSamplerVsTransformersJS
	tjs     *tjsProcess // nil when node or transformers.js is missing
	why     string      // why tjs is nil
}

func benchPrompts(n int) [][]int {
	ps := make([][]int, n)
	for r := range ps {
		for j := range benchPromptLen {
			ps[r] = append(ps[r], 3+(r*131+j*17)%8000)
		}
	}
	return ps
}

func setupBench(b *testing.B) {
	bench.once.Do(func() {
		if _, err := sampler.InitRuntime(); err != nil {
			bench.err = err
			return
		}
		root, err := filepath.Abs(filepath.Join("..", ".cache", "bench"))
		if err != nil {
			bench.err = err
			return
		}
		bench.cfg = arch.Config{ModelType: "llama", HiddenSize: 512, NumHiddenLayers: 8, NumAttentionHeads: 8,
			IntermediateSize: 1408, VocabSize: 8192, RMSNormEps: 1e-5, RopeTheta: 10000,
			BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2}}.Defaults()
		dir := filepath.Join(root, benchModel)
		if bench.err = writeBenchModel(dir, bench.cfg); bench.err != nil {
			return
		}
		bench.model, bench.err = sampler.Open(context.Background(), dir, sampler.ModelOptions{})
		if bench.err != nil {
			return
		}
		// Correctness first: cached batched greedy decoding equals recomputation.
		got, err := bench.model.Generate(context.Background(), benchPrompts(2), sampler.GenerateOptions{MaxNewTokens: 6, IgnoreEOS: true, BatchSize: 2})
		if err != nil {
			bench.err = err
			return
		}
		for i, p := range benchPrompts(2) {
			want, err := sampler.RecomputeGreedy(bench.model, p, 6)
			if err != nil || !reflect.DeepEqual(got[i][0].Tokens, want) {
				bench.err = fmt.Errorf("setup check: cached %v, recomputed %v (%v)", got[i][0].Tokens, want, err)
				return
			}
		}
		bench.floor, bench.err = newORTFloor(dir, bench.cfg, 32, benchPromptLen+benchNewTokens)
		if bench.err != nil {
			return
		}
		// The floor decodes what mirage does.
		floor, _, err := bench.floor.generate(benchPrompts(2), 6)
		if err != nil {
			bench.err = err
			return
		}
		for i := range got {
			if !reflect.DeepEqual(floor[i], got[i][0].Tokens) {
				bench.err = fmt.Errorf("setup check: ORT floor row %d drew %v, mirage %v", i, floor[i], got[i][0].Tokens)
				return
			}
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

// setupTJS starts transformers.js and warms every side up on every config, once per process.
func setupTJS(b *testing.B) {
	setupBench(b)
	bench.tjsOnce.Do(func() {
		root := filepath.Dir(bench.model.Info().Dir)
		bench.tjs, bench.why = startTJS(root, benchModel)
		for _, c := range benchConfigs {
			if _, bench.err = runMirage(bench.model, c); bench.err != nil {
				return
			}
			if !c.sample {
				if _, bench.err = runFloor(c); bench.err != nil {
					return
				}
			}
			if bench.tjs != nil {
				if _, bench.err = bench.tjs.run(c); bench.err != nil {
					return
				}
			}
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

// runFloor runs a greedy config on the plain ORT loop and returns its tokens/s.
func runFloor(c benchConfig) (float64, error) {
	out, took, err := bench.floor.generate(benchPrompts(c.batch), benchNewTokens)
	if err != nil {
		return 0, err
	}
	return float64(len(out)*len(out[0])) / took.Seconds(), nil
}

// writeBenchModel writes the model with train/onnx and links onnx/model.onnx, where
// transformers.js looks for it.
func writeBenchModel(dir string, cfg arch.Config) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := onnx.WriteModel(dir, cfg, arch.RandomWeights(cfg, 1), onnx.WriteOptions{}); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "onnx"), 0o755); err != nil {
		return err
	}
	for _, f := range []string{onnx.ModelFile, onnx.DataFile} {
		if err := os.Symlink(filepath.Join("..", f), filepath.Join(dir, "onnx", f)); err != nil {
			return err
		}
	}
	return nil
}

func runMirage(m *sampler.Model, c benchConfig) (float64, error) {
	opts := sampler.GenerateOptions{N: c.n, MaxNewTokens: benchNewTokens, IgnoreEOS: true, BatchSize: c.batch, Seed: 1}
	if c.sample {
		opts.Choice = sampler.Choice{Temperature: 1}
	}
	start := time.Now()
	out, err := m.Generate(context.Background(), benchPrompts(c.batch/c.n), opts)
	if err != nil {
		return 0, err
	}
	sec := time.Since(start).Seconds()
	tokens := 0
	for _, o := range out {
		for _, s := range o {
			tokens += len(s.Tokens)
		}
	}
	if tokens != c.batch*benchNewTokens {
		return 0, fmt.Errorf("%s: %d tokens, want %d", c.name, tokens, c.batch*benchNewTokens)
	}
	return float64(tokens) / sec, nil
}

// BenchmarkSamplerVsTransformersJS reports tokens/s per config for both sides ("mirage-b32",
// "tjs-b32", ...), mirage's speed-up, and batch-1 decode as a fraction of the memory-bandwidth
// bound.
func BenchmarkSamplerVsTransformersJS(b *testing.B) {
	setupTJS(b)
	m := bench.model
	mir := map[string][]float64{}
	tjs := map[string][]float64{}
	flo := map[string][]float64{}
	var reads, copies []float64
	rounds := 0
	for b.Loop() {
		rounds++
		// The VM's bandwidth drifts from minute to minute: measure it in every round, next to
		// the batch-1 runs it bounds.
		bw := measureBandwidth()
		reads, copies = append(reads, bw.read), append(copies, bw.copy)
		for _, c := range benchConfigs {
			v, err := runMirage(m, c)
			if err != nil {
				b.Fatal(err)
			}
			mir[c.name] = append(mir[c.name], v)
			if !c.sample {
				v, err := runFloor(c)
				if err != nil {
					b.Fatal(err)
				}
				flo[c.name] = append(flo[c.name], v)
			}
			if bench.tjs != nil {
				v, err := bench.tjs.run(c)
				if err != nil {
					b.Fatal(err)
				}
				tjs[c.name] = append(tjs[c.name], v)
			}
		}
	}
	info := m.Info()
	embed := int64(bench.cfg.VocabSize*bench.cfg.HiddenSize) * 4
	perToken := info.WeightBytes - embed // decode reads every weight but the embedding table
	read, cp := median(reads), median(copies)
	bound := read / float64(perToken)
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nsampler decode, %s (%.1fM params, %.1f MB read per token), %d-token prompts, %d new tokens, %d rounds, GOMAXPROCS %d\n",
		benchModel, float64(info.Params)/1e6, float64(perToken)/1e6, benchPromptLen, benchNewTokens, rounds, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&sb, "%-5s %22s %22s %22s %9s %9s\n", "", "mirage tok/s (min-max)", "transformers.js", "ORT floor", "÷ tjs", "÷ floor")
	for _, c := range benchConfigs {
		mm := median(mir[c.name])
		b.ReportMetric(mm, "mirage-"+c.name+"-tok/s")
		line := fmt.Sprintf("%-5s %8.0f (%5.0f-%5.0f)", c.name, mm, slices.Min(mir[c.name]), slices.Max(mir[c.name]))
		perRound := fmt.Sprintf("   rounds: mirage %.0f", mir[c.name])
		cols := []struct {
			name, metric string
			v            []float64
		}{{"transformers.js", "tjs", tjs[c.name]}, {"floor", "floor", flo[c.name]}}
		var ratios string
		for _, col := range cols {
			if len(col.v) == 0 {
				line += fmt.Sprintf(" %22s", "-")
				ratios += fmt.Sprintf(" %9s", "-")
				continue
			}
			tm := median(col.v)
			b.ReportMetric(tm, col.metric+"-"+c.name+"-tok/s")
			// Each round runs the sides back to back, so the ratio within a round is robust to
			// the load drifting between rounds; report the median of those ratios.
			sp := medianRatio(mir[c.name], col.v)
			b.ReportMetric(sp, "mirage-per-"+col.metric+"-"+c.name)
			line += fmt.Sprintf(" %8.0f (%5.0f-%5.0f)", tm, slices.Min(col.v), slices.Max(col.v))
			ratios += fmt.Sprintf(" %8.2fx", sp)
			perRound += fmt.Sprintf(", %s %.0f", col.name, col.v)
		}
		sb.WriteString(line + ratios + perRound + "\n")
	}
	if bench.tjs == nil {
		fmt.Fprintf(&sb, "transformers.js not run: %s\n", bench.why)
	}
	b1 := median(mir["b1"])
	b.ReportMetric(b1/bound, "b1-of-bound")
	b.ReportMetric(read/1e9, "read-GB/s")
	fmt.Fprintf(&sb, "memory (median of rounds, %d threads): read %.1f GB/s, copy %.1f GB/s; batch-1 bound %.0f tok/s from read bandwidth (%.0f from copy); mirage b1 = %.0f%% of the read bound\n",
		runtime.GOMAXPROCS(0), read/1e9, cp/1e9, bound, cp/float64(perToken), 100*b1/bound)
	// Printed, not logged: go test keeps only the first lines of a benchmark's log.
	fmt.Print(sb.String())
}

// medianRatio is the median over rounds of a[i] / b[i].
func medianRatio(a, b []float64) float64 {
	r := make([]float64, len(b))
	for i := range b {
		r[i] = a[i] / b[i]
	}
	return median(r)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// tjsProcess is a node process running testdata/bench/tjs_bench.mjs with the model loaded.
type tjsProcess struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startTJS(root, name string) (*tjsProcess, string) {
	modules := os.Getenv("MIRAGE_NODE_MODULES")
	if modules == "" {
		return nil, "MIRAGE_NODE_MODULES is not set (make node-deps)"
	}
	if _, err := os.Stat(filepath.Join(modules, "@huggingface", "transformers")); err != nil {
		return nil, "transformers.js is not installed (make node-deps)"
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, "node is not on PATH"
	}
	script, err := filepath.Abs(filepath.Join("testdata", "bench", "tjs_bench.mjs"))
	if err != nil {
		return nil, err.Error()
	}
	cmd := exec.Command("node", script, root, name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err.Error()
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err.Error()
	}
	if err := cmd.Start(); err != nil {
		return nil, err.Error()
	}
	p := &tjsProcess{cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
	for p.out.Scan() {
		if strings.TrimSpace(p.out.Text()) == "ready" {
			return p, ""
		}
	}
	p.stop()
	return nil, "transformers.js did not load the model"
}

func (p *tjsProcess) run(c benchConfig) (float64, error) {
	sample := 0
	if c.sample {
		sample = 1
	}
	if _, err := fmt.Fprintf(p.in, "%s %d %d %d %d\n", c.name, c.batch, benchPromptLen, benchNewTokens, sample); err != nil {
		return 0, err
	}
	for p.out.Scan() {
		line := bytes.TrimSpace(p.out.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var r struct {
			Config  string
			Tokens  int
			Seconds float64
		}
		if err := json.Unmarshal(line, &r); err != nil {
			return 0, fmt.Errorf("transformers.js said %q: %w", line, err)
		}
		if r.Tokens != c.batch*benchNewTokens {
			return 0, fmt.Errorf("transformers.js %s: %d tokens, want %d", c.name, r.Tokens, c.batch*benchNewTokens)
		}
		return float64(r.Tokens) / r.Seconds, nil
	}
	return 0, fmt.Errorf("transformers.js exited: %v", p.out.Err())
}

func (p *tjsProcess) stop() {
	p.in.Close()
	p.cmd.Wait()
}

// bandwidth is the machine's memory bandwidth in bytes/s, measured on a 1 GiB buffer with
// every core: read scans it (bytes.IndexByte, a vectorised scan, for a byte that is absent);
// copy is copy() between its two halves (bytes copied per second). Best of 3.
type bandwidth struct {
	read, copy float64
}

func measureBandwidth() bandwidth {
	const size = 1 << 30
	if bench.bwBuf == nil {
		bench.bwBuf = make([]byte, size)
		for i := range bench.bwBuf {
			bench.bwBuf[i] = 0 // touch every page so reads hit real memory, not the shared zero page
		}
	}
	buf := bench.bwBuf
	w := runtime.GOMAXPROCS(0)
	parallel := func(n int, f func(lo, hi int)) float64 {
		best := 0.0
		for range 3 {
			var wg sync.WaitGroup
			start := time.Now()
			for k := range w {
				wg.Add(1)
				go func(k int) {
					defer wg.Done()
					f(k*n/w, (k+1)*n/w)
				}(k)
			}
			wg.Wait()
			best = max(best, float64(n)/time.Since(start).Seconds())
		}
		return best
	}
	var bw bandwidth
	bw.read = parallel(size, func(lo, hi int) {
		if bytes.IndexByte(buf[lo:hi], 1) >= 0 {
			panic("bandwidth buffer not zero")
		}
	})
	half := size / 2
	bw.copy = parallel(half, func(lo, hi int) { copy(buf[half+lo:half+hi], buf[lo:hi]) })
	return bw
}
