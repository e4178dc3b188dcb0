package sampler_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mirage-rl/mirage/sampler"
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
