package sampler_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

var tinyLlamaDir = filepath.Join("..", "testdata", "models", "tiny-llama")

// Completion text built by the streaming decoder must be what decoding prompt + completion adds
// to the prompt's decode (vLLM's choice): the first token's leading space is kept, which
// decoding the completion alone (Llama-2's Metaspace decoder) strips.
func TestStreamedTextMatchesDecode(t *testing.T) {
	allModels(t)
	m := open(t, tinyLlamaDir)
	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode("The answer is", true)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Generate(context.Background(), [][]int{ids}, sampler.GenerateOptions{
		Choice: sampler.Choice{Temperature: 1}, N: 6, Seed: 3, MaxNewTokens: 24,
		NewStream: func() sampler.TextStream { return tok.NewStream() }})
	if err != nil {
		t.Fatal(err)
	}
	prompt := tok.Decode(ids, true)
	spaced := 0
	for j, o := range out[0] {
		gen := o.Tokens
		if o.FinishReason == "stop" {
			gen = gen[:len(gen)-1]
		}
		whole := tok.Decode(append(slices.Clone(ids), gen...), true)
		if !strings.HasPrefix(whole, prompt) || o.Text != whole[len(prompt):] {
			t.Errorf("sample %d: prompt %q + streamed %q, but prompt + completion decode to %q", j, prompt, o.Text, whole)
		}
		if alone := tok.Decode(gen, true); o.Text == " "+alone {
			spaced++
		}
	}
	if spaced == 0 {
		t.Errorf("no sample starts with a word-initial token, so the leading space is not tested (change the seed)")
	}
}

// Run with the default chat template must sample what Generate samples from the prompt ids
// the chat and tokenizer packages give for the same messages.
func TestRunChatTemplate(t *testing.T) {
	allModels(t)
	m := open(t, tinyLlamaDir)
	ps := []datasets.Problem{
		{ID: "a", Prompt: datasets.Prompt{Text: "What is 2+2?"}},
		{ID: "b", Prompt: datasets.Prompt{Messages: []datasets.Message{{Role: "user", Content: "Name a prime."}}}},
	}
	opts := sampler.RunOptions{N: 2, MaxNewTokens: 6, System: "Answer briefly."}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	w, err := datasets.CreateSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(context.Background(), m, ps, opts, w, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := datasets.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}

	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := chat.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	var prompts [][]int
	for _, q := range []string{"What is 2+2?", "Name a prime."} {
		text, err := tpl.Render([]chat.Message{{Role: "system", Content: "Answer briefly."}, {Role: "user", Content: q}}, chat.Options{AddGenerationPrompt: true})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "Answer briefly.") || !strings.Contains(text, q) {
			t.Fatalf("rendered prompt %q lacks the system or user text", text)
		}
		ids, err := tok.Encode(text, false)
		if err != nil {
			t.Fatal(err)
		}
		prompts = append(prompts, ids)
	}
	stop := []int{}
	if e := tok.Special().EOS; e != nil {
		stop = append(stop, e.ID)
	}
	want, err := m.Generate(context.Background(), prompts, sampler.GenerateOptions{N: 2, MaxNewTokens: 6, StopTokens: stop,
		NewStream: func() sampler.TextStream { return tok.NewStream() }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d samples written, want 2", len(got))
	}
	for i := range got {
		for j, c := range got[i].Completions {
			w := want[i][j]
			if c.Text != w.Text || c.NumTokens != len(w.Tokens) || c.FinishReason != w.FinishReason {
				t.Errorf("problem %s sample %d: Run gave %q (%d tokens, %s), Generate on the chat prompt %q (%d, %s)",
					got[i].ID, j, c.Text, c.NumTokens, c.FinishReason, w.Text, len(w.Tokens), w.FinishReason)
			}
		}
	}
}

func TestDeviceCUDA(t *testing.T) {
	allModels(t)
	m, err := sampler.Open(context.Background(), tinyLlamaDir, sampler.ModelOptions{Device: "cuda"})
	if err == nil {
		m.Close()
		t.Skip("this ONNX Runtime has a working CUDA execution provider")
	}
	for _, w := range []string{"--device cuda", sampler.EnvLibrary, "CUDA"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if _, err := sampler.Open(context.Background(), tinyLlamaDir, sampler.ModelOptions{Device: "tpu"}); err == nil || !strings.Contains(err.Error(), "unknown device") {
		t.Errorf("device tpu: got %v", err)
	}
}
