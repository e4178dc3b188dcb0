package train

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/weights"
)

func TestLearningRate(t *testing.T) {
	cases := []struct {
		name                string
		step, total, warmup int
		schedule            string
		want                float64
	}{
		{"warm-up first step", 0, 100, 10, ScheduleCosine, 0.1},
		{"warm-up last step", 9, 100, 10, ScheduleCosine, 1},
		{"cosine start", 10, 100, 10, ScheduleCosine, 1},
		{"cosine middle", 55, 101, 10, ScheduleCosine, 0.1 + 0.9*0.5}, // progress 45/90
		{"cosine end", 99, 100, 10, ScheduleCosine, 0.1},
		{"constant", 70, 100, 10, ScheduleConstant, 1},
		{"single step", 0, 1, 0, ScheduleCosine, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := LearningRate(tc.step, tc.total, tc.warmup, 1, 0.1, tc.schedule)
			if math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("LearningRate = %g, want %g", got, tc.want)
			}
		})
	}
}

// TestAdamW checks the closed forms: Adam's first step moves every parameter by lr·sign(g)
// (bias correction makes m̂ = g, v̂ = g²), decay multiplies matrices only by 1 − lr·λ, and a
// constant gradient keeps the step at lr·sign(g).
func TestAdamW(t *testing.T) {
	w := model.Weights{
		"matrix": {Shape: []int{2, 2}, Data: []float32{1, -1, 2, 0.5}},
		"bias":   {Shape: []int{2}, Data: []float32{1, 1}},
	}
	g := model.Weights{
		"matrix": {Shape: []int{2, 2}, Data: []float32{0.5, -3, 1e-3, 2}},
		"bias":   {Shape: []int{2}, Data: []float32{-1, 4}},
	}
	const lr, wd = 0.01, 0.1
	opt := NewAdamW(w, 0.9, 0.999, 1e-12, wd)
	want := map[string][]float64{}
	for name, t := range w {
		decay := 1.0
		if name == "matrix" {
			decay = 1 - lr*wd
		}
		for i, x := range t.Data {
			sign := math.Copysign(1, float64(g[name].Data[i]))
			want[name] = append(want[name], float64(x)*decay-lr*sign)
		}
	}
	opt.Update(w, g, lr)
	for name := range w {
		for i, x := range w[name].Data {
			if math.Abs(float64(x)-want[name][i]) > 1e-6 {
				t.Errorf("%s[%d] = %g after one step, want %g", name, i, x, want[name][i])
			}
		}
	}
	before := slices.Clone(w["bias"].Data)
	opt.Update(w, g, lr)
	for i, x := range w["bias"].Data {
		step := float64(before[i] - x)
		if math.Abs(step-lr*math.Copysign(1, float64(g["bias"].Data[i]))) > 1e-6 {
			t.Errorf("second step of bias[%d] = %g, want ±%g", i, step, lr)
		}
	}
}

func TestClipGlobalNorm(t *testing.T) {
	g := model.Weights{"a": {Shape: []int{2}, Data: []float32{3, 0}}, "b": {Shape: []int{1}, Data: []float32{4}}}
	if n := clipGlobalNorm(g, 1); math.Abs(n-5) > 1e-6 {
		t.Errorf("norm before clipping = %g, want 5", n)
	}
	if n := GlobalNorm(g); math.Abs(n-1) > 1e-5 {
		t.Errorf("norm after clipping = %g, want 1", n)
	}
	if g["a"].Data[0] != float32(3.0/(5+1e-6)) {
		t.Errorf("direction changed: %v", g["a"].Data)
	}
}

// reversal is the synthetic task: the prompt is BOS d₁…d₄ SEP, the response d₄…d₁ EOS.
const (
	tokSEP   = 10
	tokEOS   = 11
	tokBOS   = 12
	digitLen = 4
)

func reversalConfig() arch.Config {
	return arch.Config{ModelType: arch.ModelLlama, HiddenSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 128, VocabSize: 16, MaxPositionEmbeddings: 32,
		BOSTokenID: arch.TokenIDs{tokBOS}, EOSTokenID: arch.TokenIDs{tokEOS}}
}

func reversalExamples(seed uint64, n int) []Example {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]Example, n)
	for i := range out {
		digits := make([]int, digitLen)
		for j := range digits {
			digits[j] = rng.IntN(10)
		}
		resp := slices.Clone(digits)
		slices.Reverse(resp)
		out[i] = Example{Prompt: append(append([]int{tokBOS}, digits...), tokSEP), Response: append(resp, tokEOS)}
	}
	return out
}

func writeExamples(t *testing.T, path string, examples []Example) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, ex := range examples {
		if err := enc.Encode(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSFTLearnsReversal is the end-to-end learning test: a 70k-parameter model trained from
// scratch with `RunSFT` on digit reversal must (1) cut the loss from ln 16 ≈ 2.8 to below 0.1 and
// (2) once exported to ONNX, answer ≥ 90% of 100 unseen prompts exactly under greedy decoding in
// ONNX Runtime (the sampler). Fixed seed; the data has 10⁴ possible prompts, so the held-out
// prompts are almost all new.
func TestSFTLearnsReversal(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	if err := arch.WriteConfig(cfgPath, reversalConfig().Defaults()); err != nil {
		t.Fatal(err)
	}
	trainPath, evalPath := filepath.Join(dir, "train.jsonl"), filepath.Join(dir, "eval.jsonl")
	writeExamples(t, trainPath, reversalExamples(1, 3000))
	heldOut := reversalExamples(2, 100)
	writeExamples(t, evalPath, heldOut)
	out := filepath.Join(dir, "out")
	var losses []float64
	var evalLoss float64
	start := time.Now()
	err := RunSFT(context.Background(), SFTOptions{
		InitConfig: cfgPath, Data: trainPath, EvalData: evalPath, OutDir: out,
		Config: SFTConfig{Steps: 150, BatchSize: 24, LR: new(3e-3), WarmupSteps: 15, WeightDecay: 0.01, Seed: 7, EvalEvery: 50},
		OnProgress: func(p Progress) {
			losses = append(losses, p.Loss)
			if !math.IsNaN(p.EvalLoss) {
				evalLoss = p.EvalLoss
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained in %s: loss %.3f → %.4f, eval loss %.4f", time.Since(start), losses[0], losses[len(losses)-1], evalLoss)
	if losses[0] < 2 || evalLoss > 0.1 {
		t.Errorf("loss went %.3f → eval %.4f; want from ≈2.8 to < 0.1", losses[0], evalLoss)
	}

	// Greedy answers of the exported model, through ONNX Runtime.
	m, err := sampler.Open(context.Background(), out, sampler.ModelOptions{})
	if err != nil {
		t.Skipf("ONNX Runtime unavailable (set MIRAGE_ORT_LIB; `make ort`): %v", err)
	}
	defer m.Close()
	prompts := make([][]int, len(heldOut))
	for i, ex := range heldOut {
		prompts[i] = ex.Prompt
	}
	outs, err := m.Generate(context.Background(), prompts, sampler.GenerateOptions{MaxNewTokens: digitLen + 2})
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, o := range outs {
		if slices.Equal(o[0].Tokens, heldOut[i].Response) {
			correct++
		}
	}
	t.Logf("greedy exact match on held-out prompts: %d/%d", correct, len(heldOut))
	if correct < 90 {
		t.Errorf("greedy exact match %d/%d, want ≥ 90", correct, len(heldOut))
	}
}

// resumeRun is the run of TestResumeAfterKill; helperEnv makes the test binary run it as a
// child process that hangs (to be killed) after step hangAt.
const (
	helperEnv    = "MIRAGE_SFT_RESUME_CHILD"
	resumeSteps  = 14
	resumeEvery  = 5
	hangAt       = 12
	hangMarker   = "hanging"
	resumeLayers = 1
)

func resumeSetup() (*model.Model, model.Weights, []Example, SFTConfig, error) {
	cfg := reversalConfig()
	cfg.NumHiddenLayers = resumeLayers
	backend, err := NewBackend("go")
	if err != nil {
		return nil, nil, nil, SFTConfig{}, err
	}
	m, err := model.New(backend, cfg)
	if err != nil {
		return nil, nil, nil, SFTConfig{}, err
	}
	c := SFTConfig{Steps: resumeSteps, BatchSize: 8, GradAccum: 2, LR: new(3e-3), WarmupSteps: 3, WeightDecay: 0.1,
		Seed: 3, CheckpointEvery: resumeEvery}
	return m, arch.RandomWeights(cfg, 5), reversalExamples(9, 50), c, nil
}

// TestResumeChild is the child process of TestResumeAfterKill (it does nothing in a normal run).
func TestResumeChild(t *testing.T) {
	out := os.Getenv(helperEnv)
	if out == "" {
		t.Skip("helper process of TestResumeAfterKill")
	}
	m, w, data, c, err := resumeSetup()
	if err != nil {
		t.Fatal(err)
	}
	_, err = SFT(context.Background(), m, w, data, nil, c, out, false, func(p Progress) {
		if p.Step == hangAt {
			os.WriteFile(filepath.Join(out, hangMarker), nil, 0o644)
			select {} // wait to be killed
		}
	})
	t.Fatalf("child was not killed: %v", err)
}

// TestResumeAfterKill kills (SIGKILL) a training process after step 12 — its last checkpoint is
// step 10 — resumes from that checkpoint, and requires the final weights, optimizer state and
// metrics to equal those of an uninterrupted run bit for bit.
func TestResumeAfterKill(t *testing.T) {
	killed := t.TempDir()
	runAndKill(t, "TestResumeChild", helperEnv, killed)
	if steps, _ := listCheckpoints(killed); !slices.Equal(steps, []int{5, 10}) {
		t.Fatalf("killed run left checkpoints %v, want [5 10]", steps)
	}

	m, w, data, c, err := resumeSetup()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	resumed, err := SFT(context.Background(), m, w, data, nil, c, killed, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	straight := t.TempDir()
	_, w0, _, _, _ := resumeSetup()
	uninterrupted, err := SFT(context.Background(), m, w0, data, nil, c, straight, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range uninterrupted {
		if !slices.Equal(resumed[name].Data, want.Data) {
			t.Fatalf("weight %s differs between the resumed and the uninterrupted run", name)
		}
	}
	for _, dir := range []string{killed, straight} {
		_, opt, _, ok, err := loadCheckpoint(dir, m.Config())
		if err != nil || !ok || opt.Step != resumeSteps {
			t.Fatalf("%s: final checkpoint: ok=%v err=%v", dir, ok, err)
		}
	}
	a, _ := os.ReadFile(filepath.Join(killed, "metrics.jsonl"))
	b, _ := os.ReadFile(filepath.Join(straight, "metrics.jsonl"))
	if got, want := stripElapsed(t, a), stripElapsed(t, b); !slices.Equal(got, want) {
		t.Errorf("metrics differ:\nresumed       %v\nuninterrupted %v", got, want)
	}
}

// runAndKill runs the test binary's test child with env=dir, waits until it writes hangMarker
// into dir, and kills it with SIGKILL.
func runAndKill(t *testing.T, child, env, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, hangMarker)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("child never reached the kill point")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// stripElapsed returns the metrics lines without their (timing-dependent) elapsed field.
func stripElapsed(t *testing.T, b []byte) []string {
	var out []string
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var m metricsLine
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		m.ElapsedS = 0
		s, _ := json.Marshal(m)
		out = append(out, string(s))
	}
	return out
}

func TestLoadCheckpointAsModel(t *testing.T) {
	// A checkpoint folder is itself a model folder (config.json + model.safetensors).
	dir := t.TempDir()
	cfg := reversalConfig().Defaults()
	w := arch.RandomWeights(cfg, 1)
	if err := saveCheckpoint(dir, cfg, w, NewAdamW(w, 0.9, 0.999, 1e-8, 0), checkpointState{Step: 3}, 2); err != nil {
		t.Fatal(err)
	}
	_, got, err := weights.Load(checkpointPath(dir, 3))
	if err != nil {
		t.Fatal(err)
	}
	for name := range w {
		if !slices.Equal(got[name].Data, w[name].Data) {
			t.Fatalf("%s differs", name)
		}
	}
}

// TestCancelSavesCheckpoint: Ctrl-C (a cancelled context) between checkpoints keeps the steps done.
func TestCancelSavesCheckpoint(t *testing.T) {
	m, w, data, c, err := resumeSetup()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c.CheckpointEvery = 0
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = SFT(ctx, m, w, data, nil, c, out, false, func(p Progress) {
		if p.Step == 3 {
			cancel()
		}
	})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if steps, _ := listCheckpoints(out); !slices.Equal(steps, []int{3}) {
		t.Errorf("checkpoints %v after cancelling at step 3, want [3]", steps)
	}
}

func TestResumeRefusesOtherData(t *testing.T) {
	m, w, data, c, err := resumeSetup()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	out := t.TempDir()
	c.Steps = 2
	if _, err := SFT(context.Background(), m, w, data, nil, c, out, false, nil); err != nil {
		t.Fatal(err)
	}
	other := slices.Clone(data)
	other[7] = Example{Prompt: []int{tokBOS}, Response: []int{1, tokEOS}}
	if _, err := SFT(context.Background(), m, w, other, nil, c, out, true, nil); err == nil {
		t.Error("resume on different data accepted")
	}
	if _, err := SFT(context.Background(), m, w, data, nil, c, out, true, nil); err != nil {
		t.Errorf("resume of a finished run on the same data: %v", err)
	}
}

// TestGradAccumEqualsLargeBatch: 2 micro-batches of 4 make the same step as one batch of 8 (same
// examples): the same mean loss per response token and the same gradient norm.
func TestGradAccumEqualsLargeBatch(t *testing.T) {
	m, w, data, c, err := resumeSetup()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// Responses of different lengths, so the micro-batches hold different numbers of tokens and
	// averaging per micro-batch would differ from averaging per token.
	for i := range data {
		data[i].Response = data[i].Response[i%4:]
	}
	run := func(batch, accum int) Progress {
		c := c
		c.Steps, c.BatchSize, c.GradAccum = 1, batch, accum
		var p Progress
		w := cloneWeights(w)
		if _, err := SFT(context.Background(), m, w, data, nil, c, t.TempDir(), false, func(q Progress) { p = q }); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big, acc := run(8, 1), run(4, 2)
	if big.Tokens != acc.Tokens || math.Abs(big.Loss-acc.Loss) > 1e-5 || math.Abs(big.GradNorm-acc.GradNorm) > 1e-5*big.GradNorm {
		t.Errorf("batch 8: loss %.7f norm %.7f tokens %d; 2×4: loss %.7f norm %.7f tokens %d",
			big.Loss, big.GradNorm, big.Tokens, acc.Loss, acc.GradNorm, acc.Tokens)
	}
}
