package sampler

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// testModel is one model folder the suite runs over.
type testModel struct {
	name string
	dir  string
}

// tinyLlama is the third-party model (onnxruntime-genai test model, MIT): fp16, genai folder.
var tinyLlama = testModel{"genai-fp16-tiny-llama", filepath.Join("..", "testdata", "models", "tiny-llama")}

func openTest(t testing.TB, tm testModel) *Model {
	t.Helper()
	if _, err := InitRuntime(); err != nil {
		t.Skipf("no ONNX Runtime (run `make ort`): %v", err)
	}
	m, err := Open(context.Background(), tm.dir, ModelOptions{Threads: 1})
	if err != nil {
		t.Fatalf("open %s: %v", tm.name, err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// recomputeGreedy is the oracle: each token is the argmax of a fresh forward pass over the
// whole sequence (no cache carried between tokens, batch 1, no padding).
func recomputeGreedy(t testing.TB, m *Model, prompt []int, n int) []int {
	t.Helper()
	r, err := newRunner(m)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	seq := append([]int(nil), prompt...)
	var out []int
	for len(out) < n {
		_, last, err := r.prefill(seq, len(seq))
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := Choice{}.choose(last, 0, &choiceScratch{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok)
		seq = append(seq, tok)
	}
	return out
}

// testPrompts are token-id prompts of different lengths (ids small enough for any test vocab).
func testPrompts(vocab int) [][]int {
	lens := []int{5, 1, 12, 3, 20, 7}
	var out [][]int
	for i, n := range lens {
		p := make([]int, n)
		for j := range p {
			p[j] = (i*131 + j*17 + 3) % min(vocab, 1000)
		}
		out = append(out, p)
	}
	return out
}

func TestGreedyMatchesRecompute(t *testing.T) {
	for _, tm := range []testModel{tinyLlama} {
		t.Run(tm.name, func(t *testing.T) {
			m := openTest(t, tm)
			prompts := testPrompts(m.Info().Vocab)
			const n = 12
			got, err := m.Generate(context.Background(), prompts, GenerateOptions{MaxNewTokens: n, IgnoreEOS: true, BatchSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range prompts {
				want := recomputeGreedy(t, m, p, n)
				if fmt.Sprint(got[i][0].Tokens) != fmt.Sprint(want) {
					t.Errorf("prompt %d: cached %v, recomputed %v", i, got[i][0].Tokens, want)
				}
			}
		})
	}
	_ = runtime.NumCPU
}
