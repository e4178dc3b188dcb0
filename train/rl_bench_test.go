package train

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/verify"
)

// BenchmarkRLStep times RL steps on the ~10M-parameter model of train/model's BenchmarkTrainStep
// (10 layers × 256, vocab 2048): 4 prompts of 32 random tokens × 4 completions of 96 tokens
// (16 × 128 positions, that benchmark's batch), the entropy reward (label-free, never constant),
// GRPO, one update per step. It reports the step's time split (sample, grade, update,
// export+reload) and the update's cost per trained token next to an SFT step's (LossAndGrads on
// the same 16 × 128 batch) per token. Export+reload must stay under 5% of the step.
func BenchmarkRLStep(b *testing.B) {
	cfg := arch.Config{ModelType: arch.ModelLlama, HiddenSize: 256, NumHiddenLayers: 10, NumAttentionHeads: 4,
		IntermediateSize: 768, VocabSize: 2048, MaxPositionEmbeddings: 256, EOSTokenID: arch.TokenIDs{2047}}
	backend, err := NewBackend("go")
	if err != nil {
		b.Fatal(err)
	}
	defer backend.Finalize()
	m, err := model.New(backend, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	w := arch.RandomWeights(cfg, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	tasks := make([]RLTask, 16)
	for i := range tasks {
		p := make([]int, 32)
		for j := range p {
			p[j] = rng.IntN(2000)
		}
		tasks[i] = RLTask{ID: strconv.Itoa(i), Prompt: p, Problem: verify.Prepare(verify.Task{GroundTruth: "1"}, verify.Options{})}
	}
	dir := b.TempDir()
	env := newSynthEnv(b, m, w, filepath.Join(dir, PolicyDir))
	c := RLConfig{Steps: b.N + 1, BatchPrompts: 4, N: 4, MaxNewTokens: 96, Reward: verify.RewardEntropy, LR: 1e-5,
		CheckpointEvery: 1 << 20, Seed: 1}
	var recs []RLStep
	start := time.Now()
	if _, err := RL(context.Background(), env, w, nil, tasks, nil, c, dir, false, func(s RLStep) error {
		if len(recs) == 0 {
			b.Logf("first step (with graph compilation) %s", time.Since(start))
			b.ResetTimer()
		}
		recs = append(recs, s)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	var sample, grade, update, export float64
	for _, s := range recs[1:] { // the first step compiles the graphs
		sample, grade, update, export = sample+s.SampleS, grade+s.GradeS, update+s.UpdateS, export+s.ExportS
	}
	n := float64(len(recs) - 1)
	step := (sample + grade + update + export) / n
	trained := float64(recs[len(recs)-1].Tokens-recs[0].Tokens) / n
	b.ReportMetric(step, "s/step")
	b.ReportMetric(sample/n, "sample-s")
	b.ReportMetric(update/n, "update-s")
	b.ReportMetric(export/n, "export-s")
	b.ReportMetric(100*export/n/step, "export-%")
	b.ReportMetric(1e6*update/n/trained, "update-µs/token")

	// Export and reload apart.
	t0 := time.Now()
	if err := env.Exporter.Export(context.Background(), w); err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	if err := env.Policy.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("export alone %s, reload alone %s", t1.Sub(t0), time.Since(t1))

	// An SFT step on the same batch shape, per response token.
	rows, cols := 16, 128
	batch := model.Batch{}
	for range rows {
		ids, mask := make([]int, cols), make([]float32, cols)
		for j := range ids {
			ids[j] = rng.IntN(2000)
			mask[j] = 1
		}
		batch.IDs, batch.Targets, batch.Mask = append(batch.IDs, ids), append(batch.Targets, ids), append(batch.Mask, mask)
	}
	if _, _, err := m.LossAndGrads(w, batch); err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	if _, _, err := m.LossAndGrads(w, batch); err != nil {
		b.Fatal(err)
	}
	sft := time.Since(t0).Seconds()
	b.ReportMetric(1e6*sft/float64(rows*cols), "sft-µs/token")
	b.Logf("RL step %.2fs: sample %.2fs, grade %.3fs, update %.2fs (%.0f tokens trained), export+reload %.3fs (%.1f%%); update %.0f µs/token vs SFT %.0f µs/token",
		step, sample/n, grade/n, update/n, trained, export/n, 100*export/n/step, 1e6*update/n/trained, 1e6*sft/float64(rows*cols))
	if export/n > 0.05*step {
		b.Errorf("export+reload %.3fs is %.1f%% of the step (want < 5%%)", export/n, 100*export/n/step)
	}
}
