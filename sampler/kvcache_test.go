package sampler_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
)

// Completions must not depend on how the KV cache was reserved: with almost nothing reserved up
// front the buffers grow while rows are decoding (the shared cache doubles its capacity from 64
// columns past the 64th, copying every row), and the tokens must be those of a full reservation
// and of recomputation.
func TestCacheGrowthKeepsTokens(t *testing.T) {
	for _, tm := range allModels(t) {
		t.Run(tm.name, func(t *testing.T) {
			m := open(t, tm.dir)
			ps := prompts()
			opts := sampler.GenerateOptions{MaxNewTokens: 70, IgnoreEOS: true, BatchSize: 3}
			full, err := m.Generate(context.Background(), ps, opts)
			if err != nil {
				t.Fatal(err)
			}
			restore := sampler.SetReserveLimit(1)
			small, err := m.Generate(context.Background(), ps, opts)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tokens(small), tokens(full)) {
				t.Errorf("growing buffers:\n got %v\nwant %v", tokens(small), tokens(full))
			}
			want, err := sampler.RecomputeGreedy(m, ps[4], 70) // the longest prompt: 20 + 70 columns
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(small[4][0].Tokens, want) {
				t.Errorf("prompt 4: cached %v, recomputed %v", small[4][0].Tokens, want)
			}
		})
	}
}

// A GroupQueryAttention graph runs on the shared cache only when its presents are the attention
// node's own outputs and its pasts feed the node directly: with an Identity between the node and
// the graph output, ONNX Runtime would write the present elsewhere, so the sampler must keep the
// two-buffer cache, and still decode correctly.
func TestSharedCacheDetection(t *testing.T) {
	for _, tm := range allModels(t) {
		info := open(t, tm.dir).Info()
		if want := info.RightPadding; info.SharedKVCache != want {
			t.Errorf("%s: shared KV cache %v, want %v", tm.name, info.SharedKVCache, want)
		}
	}
	dir := t.TempDir()
	if err := writeGQAModelWith(dir, 300, true); err != nil {
		t.Fatal(err)
	}
	m := open(t, dir)
	if info := m.Info(); !info.RightPadding || info.SharedKVCache {
		t.Fatalf("GQA with Identity presents: right padding %v, shared %v; want true, false", info.RightPadding, info.SharedKVCache)
	}
	ps := prompts()
	got, err := m.Generate(context.Background(), ps, sampler.GenerateOptions{MaxNewTokens: 8, IgnoreEOS: true, BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		want, err := sampler.RecomputeGreedy(m, p, 8)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i][0].Tokens, want) {
			t.Errorf("prompt %d: cached %v, recomputed %v", i, got[i][0].Tokens, want)
		}
	}
}
