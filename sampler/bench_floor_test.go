package sampler_test

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// ortFloor is the benchmark's plain ONNX Runtime loop: greedy decoding of a batch of equal
// prompts on the bench model's graph through onnxruntime_go, with ORT writing logits and
// presents into preallocated Go buffers (two per cache tensor, used in turn) and nothing else:
// no padding, no scheduling, no logits processing but an argmax. It is the floor mirage's
// engine is measured against. It runs train/onnx's standard layout (the cache tensors are
// [B, KV heads, S, head size], so grouped-query models need nothing else).
type ortFloor struct {
	session       *ort.DynamicAdvancedSession
	layers, heads int // heads: KV heads
	headDim       int
	vocab         int
	kv            [2][][]float32 // ping-pong sets, 2 tensors (key, value) per layer
	logits        []float32
}

func newORTFloor(dir string, cfg arch.Config, maxRows, maxCols int) (*ortFloor, error) {
	in := []string{"input_ids", "attention_mask", "position_ids"}
	out := []string{"logits"}
	for l := range cfg.NumHiddenLayers {
		for _, kind := range []string{"key", "value"} {
			in = append(in, fmt.Sprintf("past_key_values.%d.%s", l, kind))
			out = append(out, fmt.Sprintf("present.%d.%s", l, kind))
		}
	}
	s, err := ort.NewDynamicAdvancedSession(filepath.Join(dir, onnx.ModelFile), in, out, nil)
	if err != nil {
		return nil, fmt.Errorf("ORT floor session: %w", err)
	}
	f := &ortFloor{session: s, layers: cfg.NumHiddenLayers, heads: cfg.NumKeyValueHeads, headDim: cfg.HeadDim, vocab: cfg.VocabSize}
	for set := range f.kv {
		for range 2 * f.layers {
			f.kv[set] = append(f.kv[set], make([]float32, maxRows*f.heads*maxCols*f.headDim))
		}
	}
	return f, nil
}

// feed runs B rows of T tokens after S cache columns (in set cur) and leaves the presents in
// the other set.
func (f *ortFloor) feed(ids, mask, pos []int64, B, T, S, cur int) error {
	var vals []ort.Value
	defer func() {
		for _, v := range vals {
			v.Destroy()
		}
	}()
	add := func(v ort.Value, err error) error {
		if err == nil {
			vals = append(vals, v)
		}
		return err
	}
	b, h, d := int64(B), int64(f.heads), int64(f.headDim)
	if err := add(ort.NewTensor(ort.NewShape(b, int64(T)), ids)); err != nil {
		return err
	}
	if err := add(ort.NewTensor(ort.NewShape(b, int64(S+T)), mask)); err != nil {
		return err
	}
	if err := add(ort.NewTensor(ort.NewShape(b, int64(T)), pos)); err != nil {
		return err
	}
	for _, buf := range f.kv[cur] {
		if err := add(ort.NewTensor(ort.NewShape(b, h, int64(S), d), buf)); err != nil {
			return err
		}
	}
	nIn := len(vals)
	if err := add(ort.NewTensor(ort.NewShape(b, int64(T), int64(f.vocab)), f.logits)); err != nil {
		return err
	}
	for _, buf := range f.kv[1-cur] {
		if err := add(ort.NewTensor(ort.NewShape(b, h, int64(S+T), d), buf)); err != nil {
			return err
		}
	}
	return f.session.Run(vals[:nIn], vals[nIn:])
}

// floorRun is one generate call of the floor.
type floorRun struct {
	tokens [][]int
	took   time.Duration // the whole call, prefill included
	decode time.Duration // ONNX Runtime's one-token decode runs alone (Session.Run)
	steps  int           // decode runs
}

func (r floorRun) tokPerSec() float64 {
	return float64(len(r.tokens)*len(r.tokens[0])) / r.took.Seconds()
}

// stepTime is the mean time of one decode run: what a decode step costs in ONNX Runtime,
// without any Go work around it.
func (r floorRun) stepTime() time.Duration { return r.decode / time.Duration(max(r.steps, 1)) }

// runConfig runs a greedy config on the floor.
func (f *ortFloor) runConfig(c benchConfig) (floorRun, error) {
	return f.generate(benchPrompts(c.batch), c.newTokens)
}

// generate decodes newTokens greedy tokens after each prompt (all of one length).
func (f *ortFloor) generate(prompts [][]int, newTokens int) (floorRun, error) {
	start := time.Now()
	B, P := len(prompts), len(prompts[0])
	ids := make([]int64, B*P)
	pos := make([]int64, B*P)
	mask := make([]int64, B*(P+newTokens))
	for r, p := range prompts {
		for j, t := range p {
			ids[r*P+j], pos[r*P+j] = int64(t), int64(j)
		}
	}
	if n := B * P * f.vocab; len(f.logits) < n { // prefill writes every position's logits
		f.logits = make([]float32, n)
	}
	run := floorRun{tokens: make([][]int, B)}
	out := run.tokens
	cur := 0
	T, S := P, 0
	for len(out[0]) < newTokens {
		for i := range mask[:B*(S+T)] {
			mask[i] = 1
		}
		t0 := time.Now()
		if err := f.feed(ids[:B*T], mask[:B*(S+T)], pos[:B*T], B, T, S, cur); err != nil {
			return floorRun{}, fmt.Errorf("ORT floor at %d cache columns: %w", S, err)
		}
		if S > 0 {
			run.decode += time.Since(t0)
			run.steps++
		}
		cur, S = 1-cur, S+T
		for r := range B {
			best := argmax(f.logits[((r+1)*T-1)*f.vocab : (r+1)*T*f.vocab])
			out[r] = append(out[r], best)
			ids[r], pos[r] = int64(best), int64(S)
		}
		T = 1
	}
	run.took = time.Since(start)
	return run, nil
}

// argmax is the first index of row's largest value.
func argmax(row []float32) int {
	best := 0
	for v, x := range row {
		if x > row[best] {
			best = v
		}
	}
	return best
}

func (f *ortFloor) close() { f.session.Destroy() }
