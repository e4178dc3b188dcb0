package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/onnx"
)

func main() {
	dir := flag.String("model", "", "")
	batch := flag.Int("b", 32, "")
	n := flag.Int("n", 1, "")
	reps := flag.Int("reps", 3, "")
	prof := flag.String("prof", "", "")
	temp := flag.Float64("t", 0, "")
	write := flag.String("write", "", "")
	mixedMode := flag.String("mixed", "", "")
	flag.Parse()
	if *write != "" {
		if err := writeBench(*write, onnx.ORT, 0); err != nil {
			panic(err)
		}
		return
	}
	if _, err := sampler.InitRuntime(); err != nil {
		panic(err)
	}
	m, err := sampler.Open(context.Background(), *dir, sampler.ModelOptions{})
	if err != nil {
		panic(err)
	}
	ps := make([][]int, *batch / *n)
	for r := range ps {
		for j := range 32 {
			ps[r] = append(ps[r], 3+(r*131+j*17)%8000)
		}
	}
	opts := sampler.GenerateOptions{N: *n, MaxNewTokens: 128, IgnoreEOS: true, BatchSize: *batch, Seed: 1, Choice: sampler.Choice{Temperature: *temp}}
	m.Generate(context.Background(), ps, opts)
	if *prof != "" {
		f, _ := os.Create(*prof)
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *mixedMode != "" {
		for range *reps {
			t := time.Now()
			n := mixed(m, *mixedMode == "static")
			fmt.Printf("%s: %d tokens, %.0f tok/s, steps %d, row-steps %d\n", *mixedMode, n, float64(n)/time.Since(t).Seconds(), sampler.DebugSteps, sampler.DebugRowSteps)
			fmt.Printf("  live row-steps %d\n", sampler.DebugLive)
			sampler.DebugLive = 0
			sampler.DebugSteps, sampler.DebugRowSteps = 0, 0
		}
		return
	}
	for range *reps {
		t := time.Now()
		m.Generate(context.Background(), ps, opts)
		fmt.Printf("%.0f tok/s\n", float64(*batch*128)/time.Since(t).Seconds())
	}
}
