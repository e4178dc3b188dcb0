package main

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/mirage-rl/mirage/sampler"
)

func mixed(m *sampler.Model, static bool) int {
	rng := rand.New(rand.NewPCG(16, 512))
	prompts := make([][]int, 32)
	keys := make([]uint64, 32)
	for i := range prompts {
		n := int(math.Round(16 * math.Pow(32, rng.Float64())))
		for j := range n {
			prompts[i] = append(prompts[i], 3+(i*131+j*17)%8000)
		}
		keys[i] = uint64(i)
	}
	stops := make([]int, 96)
	for i := range stops {
		stops[i] = 4000 + 97*i
	}
	opts := sampler.GenerateOptions{Choice: sampler.Choice{Temperature: 1}, Seed: 1, Keys: keys,
		MaxNewTokens: 256, StopTokens: stops, BatchSize: 32, N: 4}
	tokens := 0
	count := func(out [][]sampler.Output) {
		for _, o := range out {
			for _, c := range o {
				tokens += len(c.Tokens)
			}
		}
	}
	if !static {
		out, err := m.Generate(context.Background(), prompts, opts)
		if err != nil {
			panic(err)
		}
		count(out)
		return tokens
	}
	for g := 0; g < 32; g += 8 {
		opts.Keys = keys[g : g+8]
		out, err := m.Generate(context.Background(), prompts[g:g+8], opts)
		if err != nil {
			panic(err)
		}
		count(out)
	}
	return tokens
}
