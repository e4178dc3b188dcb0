package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/synth"
	"github.com/mirage-rl/mirage/train"
	"github.com/mirage-rl/mirage/train/arch"
)

// maxContext is the context length of the lab models: prompt and answer of every lab task fit.
const maxContext = 128

// TaskSpec is a task at a difficulty level.
type TaskSpec struct {
	Task  string `json:"task"`
	Level int    `json:"level"`
}

func (t TaskSpec) String() string { return fmt.Sprintf("%s level %d", t.Task, t.Level) }

// ModelSpec is the recipe of one built-in model: a tiny Llama trained from random weights by
// mirage's SFT on a mixture that teaches the Strong task imperfectly and only the format of the
// Weak one.
type ModelSpec struct {
	// Name is the model folder's name.
	Name string `json:"name"`
	// Strong is the task the model is trained to solve, with SlipRate of its SFT answers made
	// wrong by one arithmetic slip (or one swapped pair of words), so that it solves most
	// problems in some samples but not in every one: pass@1 well below pass@64.
	Strong TaskSpec `json:"strong"`
	// SlipRate is the fraction of Strong's SFT responses with a slip.
	SlipRate float64 `json:"slip_rate"`
	// Weak is the task the model sees only in form: its SFT responses follow the format with an
	// answer of the right shape and no skill behind it (the words as given, or with one pair of
	// neighbours swapped; a random total), so the model is right by chance alone, on the few problems
	// where chance suffices: pass@64 low but above zero.
	Weak TaskSpec `json:"weak"`
	// StrongExamples and WeakExamples are the SFT set's sizes.
	StrongExamples int `json:"strong_examples"`
	WeakExamples   int `json:"weak_examples"`
	// Arch is the model's size (the rest of config.json is fixed).
	Hidden, Layers, Heads, Intermediate int
	// Merges is the tokenizer's number of BPE merges.
	Merges int `json:"merges"`
	// SFT holds the training hyper-parameters.
	SFT train.SFTConfig `json:"sft"`
	// Seed draws the SFT problems, slips and weights.
	Seed uint64 `json:"seed"`
}

// Models are the built-in models that `mirage lab models` builds and testdata/lab-models holds.
var Models = []ModelSpec{{
	Name:           "tiny-arith",
	Strong:         TaskSpec{synth.Arith, 2},
	SlipRate:       0.4,
	Weak:           TaskSpec{synth.WordSorting, 2},
	StrongExamples: 6000,
	WeakExamples:   4000,
	Hidden:         64, Layers: 2, Heads: 4, Intermediate: 192,
	Merges: 160,
	SFT: train.SFTConfig{Steps: 1800, BatchSize: 32, LR: new(3e-3), WarmupSteps: 50, MinLRRatio: 0.1,
		WeightDecay: 0.01, MaxSeqLen: maxContext},
	Seed: 1,
}}

// LookupModel returns the built-in model named name.
func LookupModel(name string) (ModelSpec, bool) {
	i := slices.IndexFunc(Models, func(m ModelSpec) bool { return m.Name == name })
	if i < 0 {
		return ModelSpec{}, false
	}
	return Models[i], true
}

// sftPair is one line of the SFT data: a chat prompt and the response.
type sftPair struct {
	Prompt   datasets.Prompt `json:"prompt"`
	Response string          `json:"response"`
}

// SFTData returns the model's training pairs: Strong items with slips, Weak items with random
// answers, interleaved in a seeded order.
func (m ModelSpec) SFTData() ([]sftPair, error) {
	strong, err := synth.Generate(m.Strong.Task, m.Strong.Level, m.StrongExamples, m.Seed)
	if err != nil {
		return nil, err
	}
	weak, err := synth.Generate(m.Weak.Task, m.Weak.Level, m.WeakExamples, m.Seed)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(m.Seed, 0x5eed))
	var out []sftPair
	for _, it := range strong {
		resp := it.Response()
		if r.Float64() < m.SlipRate {
			resp = slip(r, it)
		}
		out = append(out, sftPair{it.Problem().Prompt, resp})
	}
	for _, it := range weak {
		out = append(out, sftPair{it.Problem().Prompt, guess(r, it)})
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// slip returns a wrong response of the kind a careless solver writes: one arithmetic step off by
// one or two (later steps carry the error on), or two words swapped.
func slip(r *rand.Rand, it synth.Item) string {
	switch it.Task {
	case synth.Arith:
		steps := strings.Fields(it.Think)
		k := r.IntN(len(steps))
		delta := []int{-2, -1, 1, 2}[r.IntN(4)]
		var total int
		for i, s := range steps {
			eq := strings.LastIndex(s, "=")
			left := s[:eq]
			opAt := strings.LastIndexAny(left, "+-") // operands are ≥ 0: the last sign is the operator
			x, _ := strconv.Atoi(left[opAt+1:])
			if i == 0 {
				total, _ = strconv.Atoi(left[:opAt])
			}
			op := left[opAt : opAt+1]
			next := total + x
			if op == "-" {
				next = total - x
			}
			if i == k {
				next += delta
			}
			steps[i] = fmt.Sprintf("%d%s%d=%d", total, op, x, next)
			total = next
		}
		return synth.Format(it.Task, strings.Join(steps, " "), strconv.Itoa(total))
	case synth.WordSorting:
		words := strings.Split(it.Answer, ", ")
		i := r.IntN(len(words) - 1)
		words[i], words[i+1] = words[i+1], words[i]
		return synth.Format(it.Task, it.Think, strings.Join(words, ", "))
	}
	return it.Response()
}

// guess returns a response in the task's format whose answer has the right shape but no skill
// behind it: the words as given, half the time with two random neighbours swapped (a
// restatement, not a sort: it is right only when the given order is sorted already or one swap
// away from it), or a random total.
func guess(r *rand.Rand, it synth.Item) string {
	switch it.Task {
	case synth.WordSorting:
		words := strings.Fields(it.Think) // the words as the question gives them
		if r.IntN(2) == 1 {
			i := r.IntN(len(words) - 1)
			words[i], words[i+1] = words[i+1], words[i]
		}
		return synth.Format(it.Task, it.Think, strings.Join(words, ", "))
	case synth.Arith:
		return synth.Format(it.Task, "guess", strconv.Itoa(r.IntN(19)-9))
	}
	return it.Response()
}

// config is the model's config.json.
func (m ModelSpec) config(vocab int) arch.Config {
	return arch.Config{
		ModelType: arch.ModelLlama, HiddenSize: m.Hidden, NumHiddenLayers: m.Layers, NumAttentionHeads: m.Heads,
		IntermediateSize: m.Intermediate, VocabSize: vocab, MaxPositionEmbeddings: maxContext,
		TieWordEmbeddings: true, EOSTokenID: arch.TokenIDs{1}, PadTokenID: arch.TokenIDs{0},
	}
}

// BuildOptions tune BuildModel.
type BuildOptions struct {
	// OnProgress, if set, receives the SFT progress.
	OnProgress func(train.Progress)
}

// BuildModel trains the model of spec from scratch into dir (which must not exist or be empty):
// the SFT data, the tokenizer trained on it, random initial weights, mirage's SFT, and the
// exported folder (model.onnx, config.json, tokenizer files, metrics.jsonl, recipe.json).
// Checkpoints are removed at the end. The same spec gives the same folder on the same machine.
func BuildModel(ctx context.Context, spec ModelSpec, dir string, opts BuildOptions) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("lab: %s is not empty; remove it to rebuild the model", dir)
	}
	pairs, err := spec.SFTData()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "mirage-lab-model-*")
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	defer os.RemoveAll(work)

	// Tokenizer, trained on the rendered prompts and responses.
	texts := make([]string, 0, len(pairs))
	var data strings.Builder
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false)
	for _, p := range pairs {
		texts = append(texts, TokUser+p.Prompt.String()+TokAssistant+p.Response+TokEOS)
		if err := enc.Encode(p); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	tokDir := filepath.Join(work, "tokenizer")
	if err := WriteTokenizer(tokDir, texts, spec.Merges); err != nil {
		return err
	}
	tj, err := os.ReadFile(filepath.Join(tokDir, "tokenizer.json"))
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	vocab, err := VocabSize(tj)
	if err != nil {
		return err
	}
	dataPath := filepath.Join(work, "sft.jsonl")
	if err := os.WriteFile(dataPath, []byte(data.String()), 0o644); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	cfgJSON, err := marshal(spec.config(vocab))
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(work, "config.json")
	if err := os.WriteFile(cfgPath, cfgJSON, 0o644); err != nil {
		return fmt.Errorf("lab: %w", err)
	}

	sft := spec.SFT
	sft.Seed = spec.Seed
	if err := train.RunSFT(ctx, train.SFTOptions{
		InitConfig: cfgPath, TokenizerDir: tokDir, Data: dataPath, Template: train.TemplateChat,
		OutDir: dir, Config: sft, OnProgress: opts.OnProgress,
	}); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(dir, "checkpoints")); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	recipe, err := marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "recipe.json"), recipe, 0o644)
}
