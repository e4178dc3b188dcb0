package sampler_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// Open reads a model folder and says what it found.
func ExampleOpen() {
	m, err := sampler.Open(context.Background(), "../testdata/models/tiny-llama", sampler.ModelOptions{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	info := m.Info()
	fmt.Println(info.Format, info.Layers, "layers", info.KVHeads, "kv head of", info.HeadSize, info.CacheType, "vocab", info.Vocab, "eos", info.EOS)
	// Output: genai 2 layers 1 kv head of 16 float16 vocab 32000 eos [1]
}

// examplePrompt is ExampleModel_Generate's prompt; TestExampleGenerateIsRecompute checks its
// greedy continuation against the recompute oracle.
const examplePrompt = "The answer to 2 + 3 is"

// Generate continues token-id prompts; with the zero Choice it decodes greedily. The shared tiny
// Llama has random weights, so the text is noise, but it is the same noise on every machine. The
// text is decoded after the prompt (tokenizer.Stream is a ContextStream), so it keeps the leading
// space of its first token, "▁wurden".
func ExampleModel_Generate() {
	ctx := context.Background()
	dir := "../testdata/models/tiny-llama"
	m, err := sampler.Open(ctx, dir, sampler.ModelOptions{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	tok, err := tokenizer.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.Encode(examplePrompt, true) // with the tokenizer's BOS, as --template raw does
	if err != nil {
		log.Fatal(err)
	}
	outs, err := m.Generate(ctx, [][]int{ids}, sampler.GenerateOptions{
		MaxNewTokens: 8,
		NewStream:    func() sampler.TextStream { return tok.NewStream() },
	})
	if err != nil {
		log.Fatal(err)
	}
	c := outs[0][0]
	fmt.Println(c.Tokens, c.FinishReason)
	fmt.Printf("%q\n", c.Text)
	// Output:
	// [5448 7811 21645 17518 23890 8450 16869 3944] length
	// " wurdenWSAnimImportдели pip letscos"
}

// ExampleModel_Generate's printed ids are the cached greedy decode of examplePrompt; this pins
// that decode to the recompute oracle, so the example's Output is checked independently.
func TestExampleGenerateIsRecompute(t *testing.T) {
	dir := filepath.Join("..", "testdata", "models", "tiny-llama")
	if _, err := sampler.InitRuntime(); err != nil {
		t.Skipf("no ONNX Runtime (run `make ort`): %v", err)
	}
	m := open(t, dir)
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode(examplePrompt, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Generate(context.Background(), [][]int{ids}, sampler.GenerateOptions{MaxNewTokens: 8})
	if err != nil {
		t.Fatal(err)
	}
	want, err := sampler.RecomputeGreedy(m, ids, 8)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0][0].Tokens, want) {
		t.Errorf("cached greedy %v, recomputed %v", got[0][0].Tokens, want)
	}
}
