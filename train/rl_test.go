package train

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/model"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/verify"
)

// The synthetic verifiable task of the RL tests: the prompt is BOS d SEP for a digit d, and
// the answer is (d+3) mod 10. Token ids decode (synthStream) to text the real graders read:
// digits to "0"…"9", synthOpen to "<think>…</think><answer>", synthClose to "</answer>", so a
// completion synthOpen a synthClose EOS is "<think>ok</think><answer>a</answer>", in format.
const (
	synthOpen  = 10
	synthClose = 11
	synthEOS   = 12
	synthBOS   = 13
	synthSEP   = 14
)

// rlLong runs the learning test longer (go test ./train -run RLLearns -rl.long): 200 steps, and
// GRPO must then reach a sampled accuracy of 0.9 (measured: 1.0; about 20 s of CPU).
var rlLong = flag.Bool("rl.long", false, "run TestRLLearnsSyntheticTask for 200 steps with a stricter bar")

// synthK is the number of answers (digits 0…synthK−1); the warm start guesses among them.
const synthK = 10

func synthConfig() arch.Config {
	return arch.Config{ModelType: arch.ModelLlama, HiddenSize: 32, NumHiddenLayers: 1, NumAttentionHeads: 2,
		NumKeyValueHeads: 1, IntermediateSize: 64, VocabSize: 16, MaxPositionEmbeddings: 16,
		BOSTokenID: arch.TokenIDs{synthBOS}, EOSTokenID: arch.TokenIDs{synthEOS}}
}

type synthStream struct{}

func (synthStream) Add(id int) string {
	switch {
	case id < 10:
		return strconv.Itoa(id)
	case id == synthOpen:
		return "<think>ok</think><answer>"
	case id == synthClose:
		return "</answer>"
	case id == synthEOS:
		return ""
	}
	return "?"
}

func (synthStream) Flush() string { return "" }

func synthTasks(n int) []RLTask {
	tasks := make([]RLTask, n)
	for i := range tasks {
		d := i % synthK
		gold := strconv.Itoa((d + 1) % synthK)
		tasks[i] = RLTask{ID: fmt.Sprint(i), Prompt: []int{synthBOS, d, synthSEP},
			Problem: verify.Prepare(verify.Task{GroundTruth: gold}, verify.Options{Grader: verify.GraderMath})}
	}
	return tasks
}

// synthWarmStart trains a model by SFT to answer in the format with a digit drawn uniformly,
// whatever the prompt: its accuracy is about 10%, low but not zero.
func synthWarmStart(t testing.TB, m *model.Model) model.Weights {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 4))
	ex := make([]Example, 600)
	for i := range ex {
		ex[i] = Example{Prompt: []int{synthBOS, rng.IntN(synthK), synthSEP}, Response: []int{synthOpen, rng.IntN(synthK), synthClose, synthEOS}}
	}
	w := arch.RandomWeights(m.Config(), 11)
	w, err := SFT(context.Background(), m, w, ex, nil, SFTConfig{Steps: 60, BatchSize: 32, LR: new(1e-2), Seed: 1}, t.TempDir(), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// newSynthEnv exports w to a policy folder and opens the sampler on it.
func newSynthEnv(t testing.TB, m *model.Model, w model.Weights, dir string) RLEnv {
	return newSynthEnvLayout(t, m, w, dir, onnx.Optimum)
}

// newSynthEnvLayout is newSynthEnv with the policy folder in the given graph layout.
func newSynthEnvLayout(t testing.TB, m *model.Model, w model.Weights, dir string, layout onnx.Layout) RLEnv {
	t.Helper()
	exp, err := onnx.NewExporter(dir, m.Config(), onnx.WriteOptions{Unsynced: true, Layout: layout})
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	pol, err := sampler.Open(context.Background(), dir, sampler.ModelOptions{Threads: 1})
	if err != nil {
		t.Skipf("ONNX Runtime unavailable (set MIRAGE_ORT_LIB; `make ort`): %v", err)
	}
	t.Cleanup(func() { pol.Close() })
	return RLEnv{Model: m, Policy: pol, Exporter: exp, NewStream: func() sampler.TextStream { return synthStream{} }}
}

func newSynthModel(t testing.TB) *model.Model {
	t.Helper()
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(backend.Finalize)
	m, err := model.New(backend, synthConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// synthRLConfig is the learning test's run: 16 prompts × 8 samples, one update per step.
func synthRLConfig(reward verify.RewardKind, steps int) RLConfig {
	return RLConfig{Steps: steps, BatchPrompts: 16, N: 8, MaxNewTokens: 6,
		Reward: reward, Advantage: AdvGRPO, ClipC: 10, LR: 3e-3, Seed: 5, CheckpointEvery: 1000, EvalN: 8}
}

// TestRLLearnsSyntheticTask is the learning test: from a warm start that answers at random
// (accuracy ≈ 1/10), 60 GRPO steps with the ground-truth reward must lift the sampled accuracy
// (mean of the last 3 steps) and the held-out pass@1 by ≥ 0.15 each (measured: 0.12 → 0.34 and
// 0.31), while the incorrect reward must not lift it above the start + 0.02 (measured: → 0).
// Fixed seeds. Every step, the sampler's per-token log-probs (ONNX Runtime) must equal the
// trainer's recompute (GoMLX) within 1e-4.
func TestRLLearnsSyntheticTask(t *testing.T) {
	m := newSynthModel(t)
	w0 := synthWarmStart(t, m)
	eval := synthTasks(20)
	rlSteps, longBar := 60, 0.0
	if *rlLong {
		rlSteps, longBar = 200, 0.9
	}
	for _, c := range []struct {
		reward verify.RewardKind
		learns bool
	}{{verify.RewardGroundTruth, true}, {verify.RewardIncorrect, false}} {
		t.Run(string(c.reward), func(t *testing.T) {
			w := cloneWeights(w0)
			dir := t.TempDir()
			env := newSynthEnv(t, m, w, filepath.Join(dir, PolicyDir))
			var recs []RLStep
			_, err := RL(context.Background(), env, w, nil, synthTasks(40), eval, synthRLConfig(c.reward, rlSteps), dir, false,
				func(s RLStep) error {
					recs = append(recs, s)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			first, last := recs[0], recs[len(recs)-1]
			lateAcc := (recs[len(recs)-1].Accuracy + recs[len(recs)-2].Accuracy + recs[len(recs)-3].Accuracy) / 3
			for _, r := range recs {
				if r.LogprobDiffMax > 1e-4 {
					t.Errorf("step %d: sampler vs trainer log-prob differ by up to %.3g (> 1e-4)", r.Step, r.LogprobDiffMax)
				}
			}
			t.Logf("%s: accuracy %.3f → %.3f (last 3 steps), format %.2f → %.2f, eval pass@1 → %.3f, %.1fs/step (sample %.2fs, update %.2fs, export %.3fs)",
				c.reward, first.Accuracy, lateAcc, first.FormatRate, last.FormatRate, last.Eval.Accuracy,
				last.ElapsedS/float64(len(recs)), last.SampleS, last.UpdateS, last.ExportS)
			if first.Accuracy < 0.02 || first.Accuracy > 0.3 {
				t.Fatalf("the warm start's accuracy is %.3f; the test needs low but non-zero (≈0.1)", first.Accuracy)
			}
			if c.learns && (lateAcc < first.Accuracy+0.15 || last.Eval.Accuracy < first.Accuracy+0.15) {
				t.Errorf("GRPO on the ground-truth reward: accuracy %.3f → %.3f, eval pass@1 %.3f; want rises ≥ 0.15", first.Accuracy, lateAcc, last.Eval.Accuracy)
			}
			if c.learns && lateAcc < longBar {
				t.Errorf("GRPO on the ground-truth reward after %d steps: accuracy %.3f, want ≥ %.2f", rlSteps, lateAcc, longBar)
			}
			if !c.learns && lateAcc > first.Accuracy+0.02 {
				t.Errorf("the incorrect reward raised accuracy %.3f → %.3f", first.Accuracy, lateAcc)
			}
		})
	}
}

// TestSamplerLogprobsMatchTrainer compares the sampler's per-token log-probs (ONNX Runtime,
// fp32, Output.TokenLogprobs) with the trainer's TokenLogProbs of the same tokens under the
// same weights, at temperature 1 and 0.7: equal within 1e-4.
func TestSamplerLogprobsMatchTrainer(t *testing.T) {
	for _, layout := range []onnx.Layout{onnx.Optimum, onnx.ORT} { // RLOptions.PolicyLayout
		t.Run(layout.String(), func(t *testing.T) { testSamplerLogprobsMatchTrainer(t, layout) })
	}
}

func testSamplerLogprobsMatchTrainer(t *testing.T, layout onnx.Layout) {
	m := newSynthModel(t)
	w := arch.RandomWeights(m.Config(), 3)
	env := newSynthEnvLayout(t, m, w, filepath.Join(t.TempDir(), PolicyDir), layout)
	if shared := env.Policy.Info().SharedKVCache; shared != (layout == onnx.ORT) {
		t.Fatalf("%v layout: shared KV cache %v", layout, shared)
	}
	prompts := [][]int{{synthBOS, 1, synthSEP}, {synthBOS, 7, synthSEP, 3}}
	for _, temp := range []float64{1, 0.7} {
		outs, err := env.Policy.Generate(context.Background(), prompts, sampler.GenerateOptions{
			Choice: sampler.Choice{Temperature: temp}, N: 4, MaxNewTokens: 10, Seed: 9, TokenLogprobs: true, IgnoreEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i, o := range outs {
			for _, s := range o {
				ids, targets, _ := Example{Prompt: prompts[i], Response: s.Tokens}.sequence(16)
				lp, err := m.TokenLogProbs(w, model.Batch{IDs: [][]int{ids}, Targets: [][]int{targets}, Temperature: temp})
				if err != nil {
					t.Fatal(err)
				}
				if len(s.TokenLogprobs) != len(s.Tokens) {
					t.Fatalf("%d log-probs for %d tokens", len(s.TokenLogprobs), len(s.Tokens))
				}
				for j, got := range s.TokenLogprobs {
					want := lp[0][len(prompts[i])-1+j]
					worst = max(worst, math.Abs(float64(got-want)))
				}
			}
		}
		t.Logf("temperature %v: largest |sampler − trainer| = %.2g", temp, worst)
		if worst > 1e-4 {
			t.Errorf("temperature %v: sampler and trainer log-probs differ by up to %.3g (> 1e-4)", temp, worst)
		}
	}
}

// rlResumeEnv makes the test binary run rlResumeRun as a child process that hangs (to be
// killed) after step rlHangAt.
const (
	rlResumeEnv = "MIRAGE_RL_RESUME_CHILD"
	rlHangAt    = 7
)

// rlResumeRun is the run of TestRLResumeAfterKill: random reward with dynamic sampling and
// two updates per step, so the prompt stream position, the reward's random source and the
// optimizer state all have to survive the kill; checkpoints every 3 steps.
func rlResumeRun(t *testing.T, out string, resume bool, onStep func(RLStep) error) model.Weights {
	m := newSynthModel(t)
	w := synthWarmStart(t, m)
	env := newSynthEnv(t, m, w, filepath.Join(out, PolicyDir))
	c := synthRLConfig(verify.RewardRandom, 9)
	c.BatchPrompts, c.MiniBatchPrompts, c.DynamicSampling, c.CheckpointEvery, c.EvalEvery, c.TISCap = 4, 2, true, 3, 4, 2
	w, err := RL(context.Background(), env, w, nil, synthTasks(40), synthTasks(6), c, out, resume, onStep)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestRLResumeChild is the child process of TestRLResumeAfterKill (it does nothing in a normal run).
func TestRLResumeChild(t *testing.T) {
	out := os.Getenv(rlResumeEnv)
	if out == "" {
		t.Skip("helper process of TestRLResumeAfterKill")
	}
	rlResumeRun(t, out, false, func(s RLStep) error {
		if s.Step == rlHangAt {
			os.WriteFile(filepath.Join(out, hangMarker), nil, 0o644)
			select {} // wait to be killed
		}
		return nil
	})
	t.Fatal("child was not killed")
}

// TestRLResumeAfterKill kills (SIGKILL) an RL process after step 7 — its last checkpoint is step
// 6 — resumes it, and requires the final weights and every logged figure but the timings
// (steps.jsonl, eval.jsonl) to equal those of an uninterrupted run exactly.
func TestRLResumeAfterKill(t *testing.T) {
	killed := t.TempDir()
	runAndKill(t, "TestRLResumeChild", rlResumeEnv, killed)
	if steps, _ := listCheckpoints(killed); !slices.Equal(steps, []int{3, 6}) {
		t.Fatalf("killed run left checkpoints %v, want [3 6]", steps)
	}
	resumed := rlResumeRun(t, killed, true, nil)
	straight := t.TempDir()
	uninterrupted := rlResumeRun(t, straight, false, nil)
	for name, want := range uninterrupted {
		if !slices.Equal(resumed[name].Data, want.Data) {
			t.Fatalf("weight %s differs between the resumed and the uninterrupted run", name)
		}
	}
	for _, f := range []string{StepsFile, EvalFile} {
		a, b := timeless(t, filepath.Join(killed, f)), timeless(t, filepath.Join(straight, f))
		if !slices.Equal(a, b) {
			t.Errorf("%s differs:\nresumed       %v\nuninterrupted %v", f, a, b)
		}
		if len(a) == 0 {
			t.Errorf("%s is empty", f)
		}
	}
}

// timeless returns the JSON lines of path without their timing fields.
func timeless(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"sample_s", "grade_s", "update_s", "export_s", "elapsed_s", "seconds"} {
			delete(m, k)
		}
		if ev, ok := m["eval"].(map[string]any); ok {
			delete(ev, "seconds")
		}
		s, _ := json.Marshal(m)
		out = append(out, string(s))
	}
	return out
}

// TestRLOneShotAndDynamicSampling checks two ways a step chooses its groups. One-shot: of
// tasks whose gold answers cannot be produced except task 3's, a run on --one-shot-index 3 sees
// correct answers and a run on index 0 none. Dynamic sampling: on the tasks without a producible
// answer every group's ground-truth reward is 0, so each step samples MaxGenBatches batches,
// keeps no group and makes no update — the weights do not move.
func TestRLOneShotAndDynamicSampling(t *testing.T) {
	m := newSynthModel(t)
	w0 := synthWarmStart(t, m)
	tasks := synthTasks(10)
	for i := range tasks {
		if i != 3 {
			tasks[i].Problem = verify.Prepare(verify.Task{GroundTruth: "x"}, verify.Options{Grader: verify.GraderMath})
		}
	}
	run := func(c RLConfig) ([]RLStep, model.Weights) {
		t.Helper()
		w := cloneWeights(w0)
		dir := t.TempDir()
		var recs []RLStep
		w, err := RL(context.Background(), newSynthEnv(t, m, w, filepath.Join(dir, PolicyDir)), w, nil, tasks, nil, c, dir, false,
			func(s RLStep) error { recs = append(recs, s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return recs, w
	}
	for _, c := range []struct {
		index   int
		correct bool
	}{{3, true}, {0, false}} {
		cfg := synthRLConfig(verify.RewardGroundTruth, 2)
		cfg.OneShot, cfg.OneShotIndex = true, c.index
		recs, _ := run(cfg)
		var acc float64
		for _, r := range recs {
			acc += r.Accuracy
			if r.SampledGroups != cfg.BatchPrompts {
				t.Errorf("one-shot step %d sampled %d groups, want %d", r.Step, r.SampledGroups, cfg.BatchPrompts)
			}
		}
		if (acc > 0) != c.correct {
			t.Errorf("one-shot index %d: mean accuracy %.3f, want %v", c.index, acc/2, map[bool]string{true: "> 0", false: "0"}[c.correct])
		}
	}
	if _, err := RL(context.Background(), RLEnv{Model: m}, w0, nil, tasks, nil, RLConfig{OneShot: true, OneShotIndex: 10}, t.TempDir(), false, nil); err == nil {
		t.Error("one-shot index 10 of 10 tasks: no error")
	}

	tasks = append(tasks[:3], tasks[4:]...)
	cfg := synthRLConfig(verify.RewardGroundTruth, 2)
	cfg.DynamicSampling, cfg.MaxGenBatches = true, 3
	recs, w := run(cfg)
	for _, r := range recs {
		if r.KeptGroups != 0 || r.GenBatches != 3 || r.SampledGroups != 3*cfg.BatchPrompts || r.Updates != 0 {
			t.Errorf("step %d: kept %d of %d groups in %d batches, %d updates; want 0 kept of %d in 3, no update",
				r.Step, r.KeptGroups, r.SampledGroups, r.GenBatches, r.Updates, 3*cfg.BatchPrompts)
		}
	}
	for name, t0 := range w0 {
		if !slices.Equal(w[name].Data, t0.Data) {
			t.Fatalf("weight %s moved although no group was kept", name)
		}
	}
}

// TestPolicyReload checks what the loop relies on after every update: re-exporting new weights
// (data file only) and Reload make the running sampler draw exactly what a sampler freshly
// opened on the new folder draws. A prompt longer than the context is refused by name.
func TestPolicyReload(t *testing.T) {
	for _, layout := range []onnx.Layout{onnx.Optimum, onnx.ORT} { // RLOptions.PolicyLayout
		t.Run(layout.String(), func(t *testing.T) { testPolicyReload(t, layout) })
	}
}

func testPolicyReload(t *testing.T, layout onnx.Layout) {
	m := newSynthModel(t)
	dir := filepath.Join(t.TempDir(), PolicyDir)
	env := newSynthEnvLayout(t, m, arch.RandomWeights(m.Config(), 1), dir, layout)
	prompts := [][]int{{synthBOS, 2, synthSEP}}
	opts := sampler.GenerateOptions{Choice: sampler.Choice{Temperature: 1}, N: 6, MaxNewTokens: 8, Seed: 4, TokenLogprobs: true}
	before, err := env.Policy.Generate(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	w2 := arch.RandomWeights(m.Config(), 2)
	if err := env.Exporter.Export(context.Background(), w2); err != nil {
		t.Fatal(err)
	}
	if err := env.Policy.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	reloaded, err := env.Policy.Generate(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := sampler.Open(context.Background(), dir, sampler.ModelOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	want, err := fresh.Generate(context.Background(), prompts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(reloaded, want) {
		t.Errorf("after Reload the sampler draws %v, a fresh session on the new folder %v", reloaded, want)
	}
	if reflect.DeepEqual(before, want) {
		t.Error("new weights drew the same completions and log-probs as the old ones: the test cannot tell")
	}

	long := RLTask{ID: "long", Prompt: make([]int, 16)}
	_, err = RL(context.Background(), env, w2, nil, []RLTask{long}, nil, RLConfig{}, t.TempDir(), false, nil)
	if err == nil || !strings.Contains(err.Error(), `"long"`) {
		t.Errorf("a prompt as long as the context: err = %v, want one naming it", err)
	}
}
