package sampler_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
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
	name      string
	batch     int // rows (transformers.js) = prompts × n
	n         int // samples per prompt (mirage)
	sample    bool
	newTokens int
}

var benchConfigs = []benchConfig{
	{"b1", 1, 1, false, benchNewTokens},
	{"b8", 8, 1, false, benchNewTokens},
	{"b32", 32, 1, false, benchNewTokens},
	{"n16", 16, 16, true, benchNewTokens},
}

// benchSmallConfig is the 34M Llama of BenchmarkSamplerVsTransformersJS.
var benchSmallConfig = arch.Config{ModelType: "llama", HiddenSize: 512, NumHiddenLayers: 8, NumAttentionHeads: 8,
	IntermediateSize: 1408, VocabSize: 8192, RMSNormEps: 1e-5, RopeTheta: 10000,
	BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2}}.Defaults()

var bench struct {
	once  sync.Once
	err   error
	model *sampler.Model
	ort   *sampler.Model // the same weights in train/onnx's ORT layout (shared KV cache)
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
		var s *benchSetup
		s, bench.err = openBench(benchModel, benchSmallConfig, 32, benchPromptLen+benchNewTokens)
		if bench.err == nil {
			bench.model, bench.ort, bench.cfg, bench.floor = s.model, s.ort, s.cfg, s.floor
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
}

// benchSetup is one benchmark model, written to .cache/bench, opened and checked, with the ORT
// floor on the same graph, and the same weights in the ORT layout.
type benchSetup struct {
	model *sampler.Model
	ort   *sampler.Model
	cfg   arch.Config
	floor *ortFloor
}

func (s *benchSetup) close() {
	s.model.Close()
	s.ort.Close()
	s.floor.close()
}

// openBench writes (or reuses) the model name of cfg in the standard layout and, as name-ort,
// in the ORT layout, opens them and checks them before anything is timed: cached batched greedy
// decoding equals recomputation on both, and the ORT floor (for up to floorRows rows of
// floorCols columns) draws the same tokens as mirage.
func openBench(name string, cfg arch.Config, floorRows, floorCols int) (*benchSetup, error) {
	if _, err := sampler.InitRuntime(); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(filepath.Join("..", ".cache", "bench"))
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, name)
	s := &benchSetup{cfg: cfg}
	var got [][]sampler.Output
	for _, l := range []struct {
		layout onnx.Layout
		dir    string
		m      **sampler.Model
	}{{onnx.Optimum, dir, &s.model}, {onnx.ORT, dir + "-ort", &s.ort}} {
		if err := writeBenchModel(l.dir, cfg, l.layout); err != nil {
			return nil, err
		}
		m, err := sampler.Open(context.Background(), l.dir, sampler.ModelOptions{})
		if err != nil {
			return nil, err
		}
		*l.m = m
		if got, err = m.Generate(context.Background(), benchPrompts(2), sampler.GenerateOptions{MaxNewTokens: 6, IgnoreEOS: true, BatchSize: 2}); err != nil {
			return nil, err
		}
		for i, p := range benchPrompts(2) {
			want, err := sampler.RecomputeGreedy(m, p, 6)
			if err != nil || !reflect.DeepEqual(got[i][0].Tokens, want) {
				return nil, fmt.Errorf("%s (%v layout) setup check: cached %v, recomputed %v (%v)", name, l.layout, got[i][0].Tokens, want, err)
			}
		}
	}
	if !s.ort.Info().SharedKVCache {
		return nil, fmt.Errorf("%s-ort: the ORT layout does not run on the shared KV cache", name)
	}
	if got, err = s.model.Generate(context.Background(), benchPrompts(2), sampler.GenerateOptions{MaxNewTokens: 6, IgnoreEOS: true, BatchSize: 2}); err != nil {
		return nil, err
	}
	if s.floor, err = newORTFloor(dir, cfg, floorRows, floorCols); err != nil {
		return nil, err
	}
	floor, err := s.floor.generate(benchPrompts(2), 6)
	if err != nil {
		return nil, err
	}
	for i := range got {
		if !reflect.DeepEqual(floor.tokens[i], got[i][0].Tokens) {
			return nil, fmt.Errorf("%s setup check: ORT floor row %d drew %v, mirage %v", name, i, floor.tokens[i], got[i][0].Tokens)
		}
	}
	return s, nil
}

// setupTJS starts transformers.js and warms every side up on every config, once per process.
func setupTJS(b *testing.B) {
	setupBench(b)
	bench.tjsOnce.Do(func() {
		root := filepath.Dir(bench.model.Info().Dir)
		bench.tjs, bench.why = startTJS(root, benchModel)
		warm := newBenchRounds()
		for _, c := range benchConfigs {
			if bench.err = warm.run(bench.model, bench.ort, bench.floor, c); bench.err != nil {
				return
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

// writeBenchModel writes the model with train/onnx in layout and links onnx/model.onnx, where
// transformers.js looks for it. A folder written before is reused when its stamp file matches:
// the config, the layout, the weights' seed and a hash of the writer's source (train/arch,
// train/onnx), so a changed writer rewrites it (the 0.5B model takes minutes to write).
func writeBenchModel(dir string, cfg arch.Config, layout onnx.Layout) error {
	stamp, err := benchStamp(cfg, layout)
	if err != nil {
		return err
	}
	stampFile := filepath.Join(dir, ".bench-stamp")
	if old, err := os.ReadFile(stampFile); err == nil && bytes.Equal(old, stamp) {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := onnx.WriteModel(dir, cfg, arch.RandomWeights(cfg, benchSeed), onnx.WriteOptions{Layout: layout}); err != nil {
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
	return os.WriteFile(stampFile, stamp, 0o644) // last: a half-written folder has no stamp
}

// benchSeed seeds the benchmark models' random weights.
const benchSeed = 1

// benchStamp identifies what writeBenchModel writes for cfg and layout.
func benchStamp(cfg arch.Config, layout onnx.Layout) ([]byte, error) {
	h := sha256.New()
	for _, pkg := range []string{"arch", "onnx"} {
		files, err := filepath.Glob(filepath.Join("..", "train", pkg, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, f := range files { // Glob sorts
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(src))
			h.Write(src)
		}
	}
	c, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s\nlayout %v\nseed %d\nwriter %x\n", c, layout, benchSeed, h.Sum(nil)), nil
}

func runMirage(m *sampler.Model, c benchConfig) (float64, error) {
	opts := sampler.GenerateOptions{N: c.n, MaxNewTokens: c.newTokens, IgnoreEOS: true, BatchSize: c.batch, Seed: 1}
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
	if tokens != c.batch*c.newTokens {
		return 0, fmt.Errorf("%s: %d tokens, want %d", c.name, tokens, c.batch*c.newTokens)
	}
	return float64(tokens) / sec, nil
}

// BenchmarkSamplerVsTransformersJS reports tokens/s per config for both sides ("mirage-b32",
// "tjs-b32", ...), mirage's speed-up, and batch-1 decode as a fraction of the memory-bandwidth
// bound.
func BenchmarkSamplerVsTransformersJS(b *testing.B) {
	setupTJS(b)
	rs := newBenchRounds()
	tjs := benchSide{"transformers.js", "tjs", map[string][]float64{}}
	for b.Loop() {
		rs.startRound(readPerToken(bench.model.Info(), bench.cfg))
		for _, c := range benchConfigs {
			if err := rs.run(bench.model, bench.ort, bench.floor, c); err != nil {
				b.Fatal(err)
			}
			if bench.tjs != nil {
				v, err := bench.tjs.run(c)
				if err != nil {
					b.Fatal(err)
				}
				tjs.v[c.name] = append(tjs.v[c.name], v)
			}
		}
	}
	info := bench.model.Info()
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nsampler decode, %s (%.1fM params, %.1f MB read per token), %d-token prompts, %d new tokens, %d rounds, GOMAXPROCS %d\n",
		benchModel, float64(info.Params)/1e6, float64(readPerToken(info, bench.cfg))/1e6, benchPromptLen, benchNewTokens, len(rs.bw), runtime.GOMAXPROCS(0))
	writeSides(b, &sb, benchConfigs, []benchSide{rs.mir, tjs, rs.flo})
	fmt.Fprintf(&sb, "the same weights in the ORT layout (%s-ort: GroupQueryAttention, shared KV cache), same rounds:\n", benchModel)
	writeSides(b, &sb, benchConfigs, []benchSide{rs.ort, tjs, rs.flo})
	if bench.tjs == nil {
		fmt.Fprintf(&sb, "transformers.js not run: %s\n", bench.why)
	}
	rs.writeFloor(b, &sb, benchConfigs, info, bench.cfg)
	// Printed, not logged: go test keeps only the first lines of a benchmark's log.
	fmt.Print(sb.String())
}

// benchSide is one side of a sampler benchmark: tokens/s per config name, one value per round.
type benchSide struct {
	name, metric string // table column, metric prefix
	v            map[string][]float64
}

// writeSides writes a line per config: each side's tokens/s (median and min-max over rounds),
// the first side's speed over each other side's, and the rounds; and reports them as metrics.
// A side without values for a config (the floor on n16, transformers.js missing) shows "-".
func writeSides(b *testing.B, sb *strings.Builder, configs []benchConfig, sides []benchSide) {
	first := sides[0]
	fmt.Fprintf(sb, "%-5s %22s", "", first.name+" tok/s (min-max)")
	for _, s := range sides[1:] {
		fmt.Fprintf(sb, " %22s", s.name)
	}
	for _, s := range sides[1:] {
		fmt.Fprintf(sb, " %9s", "÷ "+s.metric)
	}
	sb.WriteString("\n")
	for _, c := range configs {
		line, ratios := fmt.Sprintf("%-5s", c.name), ""
		perRound := "   rounds:"
		for i, s := range sides {
			v := s.v[c.name]
			if len(v) == 0 {
				line += fmt.Sprintf(" %22s", "-")
				ratios += fmt.Sprintf(" %9s", "-")
				continue
			}
			b.ReportMetric(median(v), s.metric+"-"+c.name+"-tok/s")
			line += fmt.Sprintf(" %8.0f (%5.0f-%5.0f)", median(v), slices.Min(v), slices.Max(v))
			perRound += fmt.Sprintf(" %s %.0f", s.name, v)
			if i > 0 {
				// Each round runs the sides back to back, so the ratio within a round is robust
				// to the load drifting between rounds; report the median of those ratios.
				sp := medianRatio(first.v[c.name], v)
				b.ReportMetric(sp, first.metric+"-per-"+s.metric+"-"+c.name)
				ratios += fmt.Sprintf(" %8.2fx", sp)
			}
		}
		sb.WriteString(line + ratios + perRound + "\n")
	}
}

// benchRounds collects the rounds of a sampler benchmark: mirage's tokens/s on the standard and
// on the ORT layout, the ORT floor's and its decode step time (ms) per config, and each round's
// memory bandwidth.
type benchRounds struct {
	mir, ort, flo benchSide
	steps         map[string][]float64
	bw            []bandwidth
}

func newBenchRounds() *benchRounds {
	return &benchRounds{mir: benchSide{"mirage", "mirage", map[string][]float64{}},
		ort: benchSide{"mirage, ORT layout", "mirage-ort", map[string][]float64{}},
		flo: benchSide{"ORT floor", "floor", map[string][]float64{}}, steps: map[string][]float64{}}
}

// startRound measures the bandwidth (re-reading weightBytes too): the VM's drifts from minute to
// minute, so every round measures it next to the batch-1 runs it bounds.
func (rs *benchRounds) startRound(weightBytes int64) {
	rs.bw = append(rs.bw, measureBandwidth(weightBytes))
}

// run runs config c on mirage (the standard and the ORT layout) and, when greedy, on the floor.
func (rs *benchRounds) run(m, ort *sampler.Model, f *ortFloor, c benchConfig) error {
	for _, side := range []struct {
		m *sampler.Model
		s benchSide
	}{{m, rs.mir}, {ort, rs.ort}} {
		v, err := runMirage(side.m, c)
		if err != nil {
			return err
		}
		side.s.v[c.name] = append(side.s.v[c.name], v)
	}
	if c.sample {
		return nil
	}
	r, err := f.runConfig(c)
	if err != nil {
		return err
	}
	rs.flo.v[c.name] = append(rs.flo.v[c.name], r.tokPerSec())
	rs.steps[c.name] = append(rs.steps[c.name], r.stepTime().Seconds()*1e3)
	return nil
}

// writeFloor writes and reports the floor's decode step time per config (the median over
// rounds of its mean Session.Run time per one-token step: a decode step in ONNX Runtime alone,
// which the sampler's host-side work per step, BenchmarkSamplerStepWork, adds to), and batch-1
// decode as a fraction of the memory read bound.
func (rs *benchRounds) writeFloor(b *testing.B, sb *strings.Builder, configs []benchConfig, info sampler.ModelInfo, cfg arch.Config) {
	sb.WriteString("ORT floor decode step (Session.Run alone):")
	for _, c := range configs {
		if v := rs.steps[c.name]; len(v) > 0 {
			b.ReportMetric(median(v), "floor-"+c.name+"-step-ms")
			fmt.Fprintf(sb, " %s %.1f ms", c.name, median(v))
		}
	}
	sb.WriteString("\n")
	writeBound(b, sb, info, cfg, []benchSide{rs.mir, rs.ort}, rs.bw)
}

// readPerToken is the weight bytes a decode step reads: every weight but the embedding table,
// of which it gathers one row, unless the table is also the LM head (tied embeddings).
func readPerToken(info sampler.ModelInfo, cfg arch.Config) int64 {
	if cfg.TieWordEmbeddings {
		return info.WeightBytes
	}
	return info.WeightBytes - int64(cfg.VocabSize*cfg.HiddenSize)*4
}

// writeBound reports batch-1 decode (tokens/s per round, prefill included) of each side as a
// fraction of the memory read bound, bytes read per token ÷ bandwidth (medians over rounds), for
// the streaming read of 1 GiB and for re-reading a weights-sized buffer (the reachable bound).
func writeBound(b *testing.B, sb *strings.Builder, info sampler.ModelInfo, cfg arch.Config, sides []benchSide, bw []bandwidth) {
	var reads, copies, weights []float64
	for _, x := range bw {
		reads, copies, weights = append(reads, x.read), append(copies, x.copy), append(weights, x.weights)
	}
	perToken := float64(readPerToken(info, cfg))
	read, cp, wr := median(reads), median(copies), median(weights)
	b.ReportMetric(read/1e9, "read-GB/s")
	b.ReportMetric(wr/1e9, "weights-read-GB/s")
	fmt.Fprintf(sb, "memory (median of rounds, %d threads): streaming read %.1f GB/s, re-reading %.0f MB %.1f GB/s, copy %.1f GB/s; batch-1 bound %.1f tok/s from the streaming read, %.1f from the re-read (%.1f from copy)\n",
		runtime.GOMAXPROCS(0), read/1e9, perToken/1e6, wr/1e9, cp/1e9, read/perToken, wr/perToken, cp/perToken)
	for _, side := range sides {
		v := median(side.v["b1"])
		b.ReportMetric(v/(read/perToken), side.metric+"-b1-of-bound")
		b.ReportMetric(v/(wr/perToken), side.metric+"-b1-of-weights-bound")
		fmt.Fprintf(sb, "%s b1 = %.0f%% of the streaming-read bound, %.0f%% of the re-read bound\n", side.name, 100*v/(read/perToken), 100*v/(wr/perToken))
	}
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
	if _, err := fmt.Fprintf(p.in, "%s %d %d %d %d\n", c.name, c.batch, benchPromptLen, c.newTokens, sample); err != nil {
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
		if r.Tokens != c.batch*c.newTokens {
			return 0, fmt.Errorf("transformers.js %s: %d tokens, want %d", c.name, r.Tokens, c.batch*c.newTokens)
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
//
// weights re-reads a buffer of the model's per-token weight bytes (from a few passes after a
// first one), as batch-1 decode does, with whatever part of it the caches keep: the bound
// decode can actually reach, above the streaming read once the weights are not much larger
// than the last-level cache.
type bandwidth struct {
	read, copy, weights float64
}

func measureBandwidth(weightBytes int64) bandwidth {
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
	const passes = 4
	n := int(min(weightBytes, size))
	scan := func(lo, hi int) {
		if bytes.IndexByte(buf[lo:hi], 1) >= 0 {
			panic("bandwidth buffer not zero")
		}
	}
	parallel(n, scan) // the first pass brings in what the caches will hold
	bw.weights = passes * parallel(n, func(lo, hi int) {
		for range passes {
			scan(lo, hi)
		}
	})
	return bw
}
