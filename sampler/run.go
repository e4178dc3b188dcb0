package sampler

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"time"

	"github.com/mirage-rl/mirage/datasets"
)

// Tokenizer is what Run needs from a tokenizer; sampler/tokenizer's *Tokenizer has it.
type Tokenizer interface {
	// Encode returns the ids of text, with the tokenizer's own special tokens (BOS) when
	// addSpecial is set.
	Encode(text string, addSpecial bool) ([]int, error)
	// VocabSize is the largest id plus one, added tokens included.
	VocabSize() int
}

// Templates say how a problem becomes prompt text.
const (
	TemplateChat = "chat" // the model's chat template, with a generation prompt (default)
	TemplateRaw  = "raw"  // the prompt text as is, plus the tokenizer's special tokens (BOS)
	TemplateNone = "none" // the prompt text as is, nothing added
)

// RunOptions configures Run. The zero value is greedy, one completion per problem, chat
// template, until EOS or the end of the context.
type RunOptions struct {
	Choice                    // temperature, top-k, top-p, min-p
	N                int      // completions per problem (default 1)
	MaxNewTokens     int      // tokens per completion at most (0: until the context is full)
	Seed             uint64   // with the problem's id, fixes its random streams (StreamKey, GenerateOptions.Seed)
	BatchSize        int      // rows decoded together (default 32)
	StopStrings      []string // end a completion at any of these (cut before it)
	StopTokens       []int    // extra stop ids (the model's and the tokenizer's EOS always stop)
	Template, System string   // Template is chat|raw|none; System is prepended as a system message (chat) or text

	// Tokenizer, ChatTemplate, NewStream and EOS default to what the model folder holds
	// (tokenizer.json, tokenizer_config.json); set them to override.
	Tokenizer    Tokenizer
	ChatTemplate func(msgs []datasets.Message) (string, error) // renders with the generation prompt
	NewStream    func() TextStream                             // the incremental detokenizer that builds each completion's text
	EOS          []int                                         // stop ids (default: the tokenizer's eos_token)
}

// Validate reports the first option outside the range a caller may ask for, as vLLM's
// SamplingParams does, naming it by the mirage flag that sets it (--n, --top-p, ...), so every
// caller (mirage sample, align, the RL trainer) refuses the same values with the same words.
// It is meant for options filled from user input, where 0 is a value the user gave: N and
// BatchSize must be at least 1 and TopP above 0, although Run reads their zero values as the
// defaults (1, 32, off) of options built in code.
func (o RunOptions) Validate() error {
	for _, r := range []struct {
		flag string
		val  any
		ok   bool
		want string
	}{
		{"n", o.N, o.N >= 1, "at least 1"},
		{"temperature", o.Temperature, o.Temperature >= 0 && !math.IsInf(o.Temperature, 1), "0 (greedy) or more"},
		{"top-p", o.TopP, o.TopP > 0 && o.TopP <= 1, "0 < top-p ≤ 1 (1: off)"},
		{"top-k", o.TopK, o.TopK >= 0, "0 (off) or a positive k"},
		{"min-p", o.MinP, o.MinP >= 0 && o.MinP <= 1, "0 ≤ min-p ≤ 1 (0: off)"},
		{"max-new-tokens", o.MaxNewTokens, o.MaxNewTokens >= 0, "0 (until the context is full) or more"},
		{"batch-size", o.BatchSize, o.BatchSize >= 1, "at least 1"},
	} {
		if !r.ok {
			return fmt.Errorf("sampler: --%s %v; want %s", r.flag, r.val, r.want)
		}
	}
	switch o.Template {
	case "", TemplateChat, TemplateRaw, TemplateNone:
		return nil
	}
	return fmt.Errorf("sampler: --template %q; want chat, raw or none", o.Template)
}

// Progress is reported by Run after every decode step and every finished problem.
type Progress struct {
	Done, Total int           // problems written (this run) and to write
	Tokens      int64         // tokens generated so far (this run)
	Elapsed     time.Duration // since Run started
}

// Run samples opts.N completions for every problem not already in out (out.Done(id)) and
// writes one datasets.Sample per problem to out, in input order, each as soon as it and the
// problems before it are finished; a killed run loses at most the problems in flight, and
// ResumeSamples continues it. The random streams follow each problem's id (StreamKey), not its
// position, so resuming draws what an uninterrupted run would have, and the union of the shards
// of a data file (datasets.Shard), or the same problems in another order, draw what one run
// over the whole file does.
//
// Bad prompts (longer than the context, a tokenizer that does not fit the model) fail before
// anything is generated.
func Run(ctx context.Context, m *Model, problems []datasets.Problem, opts RunOptions, out *datasets.SampleWriter, onProgress func(Progress)) error {
	if err := fillTokenizer(m, &opts); err != nil {
		return err
	}
	if v := opts.Tokenizer.VocabSize(); v > m.info.Vocab {
		return fmt.Errorf("sampler: the tokenizer has %d ids but the model's logits cover %d: tokenizer and model do not belong together", v, m.info.Vocab)
	}
	var todo []int
	var keys []uint64
	var prompts [][]int
	for i, p := range problems {
		if out.Done(p.ID) {
			continue
		}
		_, ids, err := encodePrompt(p, opts)
		if err != nil {
			return fmt.Errorf("sampler: problem %d (id %q): %w", i, p.ID, err)
		}
		todo = append(todo, i)
		keys = append(keys, StreamKey(p.ID))
		prompts = append(prompts, ids)
	}
	start := time.Now()
	prog := Progress{Total: len(todo)}
	report := func() {
		if onProgress != nil {
			prog.Elapsed = time.Since(start)
			onProgress(prog)
		}
	}
	report()
	if len(todo) == 0 {
		return nil
	}
	g := GenerateOptions{Choice: opts.Choice, N: opts.N, MaxNewTokens: opts.MaxNewTokens, Seed: opts.Seed, Keys: keys,
		BatchSize: opts.BatchSize, StopTokens: append(append([]int(nil), opts.StopTokens...), opts.EOS...),
		StopStrings: opts.StopStrings, NewStream: opts.NewStream}
	g.OnStep = func(n int) {
		prog.Tokens += int64(n)
		report()
	}
	g.OnPrompt = func(k int, outs []Output) error {
		s := datasets.Sample{Problem: problems[todo[k]], Completions: make([]datasets.Completion, len(outs))}
		for j, o := range outs {
			s.Completions[j] = datasets.Completion{Text: o.Text, FinishReason: o.FinishReason, NumTokens: len(o.Tokens), CumulativeLogprob: o.Logprob}
		}
		if err := out.Write(s); err != nil {
			return err
		}
		prog.Done++
		report()
		return nil
	}
	_, err := m.Generate(ctx, prompts, g)
	var pe *PromptError
	if errors.As(err, &pe) {
		k := todo[pe.Prompt]
		return fmt.Errorf("sampler: problem %d (id %q): %s", k, problems[k].ID, pe.Reason)
	}
	return err
}

// StreamScheme names how Run derives a problem's random streams, for run sidecars: a run
// resumed under another scheme would draw other completions for the same seed.
const StreamScheme = "seed+fnv1a64(id)"

// StreamKey is the random-stream key of the problem with this id (64-bit FNV-1a of the id):
// completion j of the problem draws from a stream fixed by (Seed, StreamKey(id), j).
func StreamKey(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// EncodePrompt renders a problem's prompt with opts.Template and opts.System and tokenizes it,
// exactly as Run does, returning the rendered text and its ids. opts.Tokenizer must be set, and
// opts.ChatTemplate for the chat template (Run fills both from the model folder).
func EncodePrompt(p datasets.Problem, opts RunOptions) (string, []int, error) {
	if opts.Tokenizer == nil {
		return "", nil, errors.New("sampler: EncodePrompt needs RunOptions.Tokenizer")
	}
	text, ids, err := encodePrompt(p, opts)
	if err != nil {
		return "", nil, fmt.Errorf("sampler: %w", err)
	}
	return text, ids, nil
}

// encodePrompt renders a problem with the chosen template and tokenizes it.
func encodePrompt(p datasets.Problem, o RunOptions) (string, []int, error) {
	var text string
	switch o.Template {
	case "", TemplateChat:
		if o.ChatTemplate == nil {
			return "", nil, errors.New("the model folder has no chat template (tokenizer_config.json chat_template); use --template raw")
		}
		msgs := p.Prompt.Messages
		if !p.Prompt.IsChat() {
			msgs = []datasets.Message{{Role: "user", Content: p.Prompt.Text}}
		}
		if o.System != "" && (len(msgs) == 0 || msgs[0].Role != "system") {
			msgs = append([]datasets.Message{{Role: "system", Content: o.System}}, msgs...)
		}
		var err error
		if text, err = o.ChatTemplate(msgs); err != nil {
			return "", nil, fmt.Errorf("chat template: %w", err)
		}
	case TemplateRaw, TemplateNone:
		text = p.Prompt.String()
		if p.Prompt.IsChat() {
			parts := make([]string, 0, len(p.Prompt.Messages))
			for _, m := range p.Prompt.Messages {
				parts = append(parts, m.Content)
			}
			text = strings.Join(parts, "\n\n")
		}
		if o.System != "" {
			text = o.System + "\n\n" + text
		}
	default:
		return "", nil, fmt.Errorf("unknown template %q (want chat, raw or none)", o.Template)
	}
	// The chat template writes its own special tokens; raw adds the tokenizer's (BOS).
	ids, err := o.Tokenizer.Encode(text, o.Template == TemplateRaw)
	return text, ids, err
}
