package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/train/arch"
)

// benchConfigs are the issue-7 benchmark sizes (~1M and ~10M parameters).
var benchConfigs = []struct {
	name string
	cfg  arch.Config
}{
	{"1M", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 128, NumHiddenLayers: 4, NumAttentionHeads: 4,
		IntermediateSize: 384, VocabSize: 512}},
	{"10M", arch.Config{ModelType: arch.ModelLlama, HiddenSize: 256, NumHiddenLayers: 10, NumAttentionHeads: 4,
		IntermediateSize: 768, VocabSize: 2048}},
}

const benchRows, benchCols = 16, 128

// torchScript times the same step in PyTorch (Debian's python3-torch).
const torchScript = "../testdata/bench/llama_step.py"

// BenchmarkTrainStep times one training step — forward, summed token NLL and the gradient of
// every weight — for a batch of 16 × 128 tokens, and, when /usr/bin/python3 has torch, the same
// architecture in PyTorch with the same thread count, reported as torch-s/step and go/torch.
func BenchmarkTrainStep(b *testing.B) {
	for _, bc := range benchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			m := newTestModel(b, bc.cfg)
			w := arch.RandomWeights(bc.cfg, 1)
			rng := rand.New(rand.NewPCG(1, 2))
			batch := Batch{IDs: randomIDs(rng, benchRows, benchCols, bc.cfg.VocabSize), Targets: randomIDs(rng, benchRows, benchCols, bc.cfg.VocabSize)}
			batch.Mask = make([][]float32, benchRows)
			for i := range batch.Mask {
				batch.Mask[i] = make([]float32, benchCols)
				for j := range batch.Mask[i] {
					batch.Mask[i][j] = 1
				}
			}
			start := time.Now()
			if _, _, err := m.LossAndGrads(w, batch); err != nil { // compiles the graph
				b.Fatal(err)
			}
			b.Logf("%s: %d params, first step (with graph compilation) %s", bc.name, arch.ParamCount(bc.cfg), time.Since(start))
			b.ResetTimer()
			for range b.N {
				if _, _, err := m.LossAndGrads(w, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			goStep := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(goStep, "s/step")
			if torch, err := torchStep(bc.cfg, b.N); err != nil {
				b.Logf("PyTorch reference skipped: %v", err)
			} else {
				b.ReportMetric(torch, "torch-s/step")
				b.ReportMetric(goStep/torch, "go/torch")
			}
		})
	}
}

func torchStep(cfg arch.Config, steps int) (float64, error) {
	cj, err := json.Marshal(cfg.Defaults())
	if err != nil {
		return 0, err
	}
	threads := strconv.Itoa(runtime.GOMAXPROCS(0))
	out, err := exec.Command("/usr/bin/python3", torchScript, string(cj), strconv.Itoa(benchRows), strconv.Itoa(benchCols),
		threads, strconv.Itoa(max(steps, 3))).Output()
	if err != nil {
		return 0, err
	}
	var r struct {
		Params   int64   `json:"params"`
		SPerStep float64 `json:"s_per_step"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return 0, err
	}
	if r.Params != arch.ParamCount(cfg) {
		return 0, fmt.Errorf("the PyTorch model has %d parameters, ours %d", r.Params, arch.ParamCount(cfg))
	}
	return r.SPerStep, nil
}
