package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/train/model"
)

// Example is one supervised pair as token ids: the model learns Response given Prompt.
type Example struct {
	Prompt   []int `json:"prompt_ids"`
	Response []int `json:"response_ids"`
}

// DataOptions say how text records become token ids.
type DataOptions struct {
	// Tokenizer encodes text records; pre-tokenized records need none.
	Tokenizer *tokenizer.Tokenizer
	// EOS, when ≥ 0, is appended to every text response so the model learns to stop. Use -1 for
	// none. Pre-tokenized responses are taken as they are.
	EOS int
	// VocabSize, when > 0, bounds the token ids (pre-tokenized records are checked against it).
	VocabSize int
	// Template says how prompts become text, as in `mirage sample`: "chat" renders them with
	// ChatTemplate (text prompts as one user message) and the assistant-turn opening; "raw"
	// (default) is the text plus the tokenizer's special tokens (BOS); "none" is the text only.
	// Chat prompts under raw/none are their contents joined by blank lines.
	Template string
	// ChatTemplate renders messages with the generation prompt (sampler/chat); needed by "chat".
	ChatTemplate func([]datasets.Message) (string, error)
}

// textPair is a JSONL record {"prompt": ..., "response": ...}.
type textPair struct {
	Prompt   *datasets.Prompt `json:"prompt"`
	Response *string          `json:"response"`
}

// ReadExamples reads SFT pairs from path. JSONL files hold one record per line, all of one kind:
//
//	{"prompt_ids": [1, 2], "response_ids": [3, 4]}        token ids, used as they are
//	{"prompt": "text or chat messages", "response": "..."} text, tokenized
//
// Any other file is read as problems (datasets.ReadProblems: JSONL, JSON or verl parquet) and
// each problem's ground_truth (the first of a list of alternatives) becomes the response.
// Errors are *datasets.DataError values naming the file, line and field.
func ReadExamples(path string, opts DataOptions) ([]Example, error) {
	kind, err := sniffKind(path)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		problems, err := datasets.ReadProblems(path)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		out := make([]Example, 0, len(problems))
		for i, p := range problems {
			// A list of alternative answers trains on its first.
			ex, err := opts.encode(p.Prompt, p.GroundTruth.Text())
			if err != nil {
				return nil, &datasets.DataError{File: path, Line: i + 1, Group: -1, Field: "prompt", Err: err}
			}
			out = append(out, ex)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("train: %s holds no examples", path)
		}
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var out []Example
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		bad := func(field string, err error) error {
			return &datasets.DataError{File: path, Line: line, Group: -1, Field: field, Err: err}
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		switch kind {
		case "ids":
			var ex Example
			if err := dec.Decode(&ex); err != nil {
				return nil, bad("", fmt.Errorf("want {\"prompt_ids\": [...], \"response_ids\": [...]}: %w", err))
			}
			if len(ex.Response) == 0 {
				return nil, bad("response_ids", errors.New("want a non-empty list of token ids"))
			}
			for field, ids := range map[string][]int{"prompt_ids": ex.Prompt, "response_ids": ex.Response} {
				if i := slices.IndexFunc(ids, func(id int) bool { return id < 0 || (opts.VocabSize > 0 && id >= opts.VocabSize) }); i >= 0 {
					return nil, bad(field, fmt.Errorf("token id %d at index %d outside the vocabulary [0, %d)", ids[i], i, opts.VocabSize))
				}
			}
			out = append(out, ex)
		case "text":
			var p textPair
			if err := dec.Decode(&p); err != nil {
				return nil, bad("", fmt.Errorf("want {\"prompt\": ..., \"response\": \"...\"}: %w", err))
			}
			if p.Prompt == nil || p.Response == nil {
				return nil, bad("", errors.New("want both prompt and response"))
			}
			ex, err := opts.encode(*p.Prompt, *p.Response)
			if err != nil {
				return nil, bad("prompt", err)
			}
			out = append(out, ex)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("train: %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("train: %s holds no examples", path)
	}
	return out, nil
}

// sniffKind looks at the first record of a JSONL file: "ids", "text", or "" for anything else.
func sniffKind(path string) (string, error) {
	if strings.HasSuffix(path, ".parquet") || strings.HasSuffix(path, ".json") {
		return "", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var keys map[string]json.RawMessage
		if json.Unmarshal(b, &keys) != nil {
			return "", nil
		}
		if _, ok := keys["prompt_ids"]; ok {
			return "ids", nil
		}
		if _, ok := keys["response"]; ok {
			return "text", nil
		}
		return "", nil
	}
	return "", sc.Err()
}

// Prompt templates for DataOptions.Template.
const (
	TemplateChat = sampler.TemplateChat
	TemplateRaw  = sampler.TemplateRaw
	TemplateNone = sampler.TemplateNone
)

func (o DataOptions) encode(p datasets.Prompt, response string) (Example, error) {
	if o.Tokenizer == nil {
		return Example{}, errors.New("text records need a tokenizer (a model folder with tokenizer.json, or --tokenizer)")
	}
	prompt, err := o.encodePrompt(p)
	if err != nil {
		return Example{}, err
	}
	resp, err := o.Tokenizer.Encode(response, false)
	if err != nil {
		return Example{}, err
	}
	if o.EOS >= 0 {
		resp = append(resp, o.EOS)
	}
	return Example{Prompt: prompt, Response: resp}, nil
}

// encodePrompt renders and tokenizes a prompt as mirage sample does (sampler.EncodePrompt), so
// the model trains on the prompts it is later sampled with; the default template here is raw.
func (o DataOptions) encodePrompt(p datasets.Prompt) ([]int, error) {
	opts := sampler.RunOptions{Tokenizer: o.Tokenizer, Template: o.Template, ChatTemplate: o.ChatTemplate}
	if opts.Template == "" {
		opts.Template = TemplateRaw
	}
	_, ids, err := sampler.EncodePrompt(datasets.Problem{Prompt: p}, opts)
	return ids, err
}

// sequence turns an example into next-token training rows of at most maxLen positions: inputs
// are prompt+response without the last token, targets the same shifted by one, and the mask
// scores only targets that are response tokens. Longer examples lose their tail.
func (ex Example) sequence(maxLen int) (ids, targets []int, mask []float32) {
	seq := append(append([]int(nil), ex.Prompt...), ex.Response...)
	if len(seq) > maxLen+1 {
		seq = seq[:maxLen+1]
	}
	n := len(seq) - 1
	// ids is capped at n: ids and targets share seq, and makeBatch's padding appended to ids
	// must not write over the last target (the EOS the model learns to stop with).
	ids, targets, mask = seq[:n:n], seq[1:], make([]float32, n)
	for t := range mask {
		if t+1 >= len(ex.Prompt) {
			mask[t] = 1
		}
	}
	return ids, targets, mask
}

// padBucket is the granularity of padded lengths: batches are padded up to a multiple of it, so
// a data set compiles a handful of graphs rather than one per length.
const padBucket = 16

// makeBatch pads a group of examples on the right (pad id 0, masked out) into one model.Batch,
// and returns it with its number of scored tokens.
func makeBatch(examples []Example, maxLen int) (model.Batch, int) {
	var b model.Batch
	longest, tokens := 1, 0
	for _, ex := range examples {
		ids, targets, mask := ex.sequence(maxLen)
		b.IDs, b.Targets, b.Mask = append(b.IDs, ids), append(b.Targets, targets), append(b.Mask, mask)
		longest = max(longest, len(ids))
		for _, m := range mask {
			tokens += int(m)
		}
	}
	width := min((longest+padBucket-1)/padBucket*padBucket, maxLen)
	for i := range b.IDs {
		pad := width - len(b.IDs[i])
		b.IDs[i] = append(b.IDs[i], make([]int, pad)...)
		b.Targets[i] = append(b.Targets[i], make([]int, pad)...)
		b.Mask[i] = append(b.Mask[i], make([]float32, pad)...)
	}
	return b, tokens
}

// dataOrder is the order examples are trained in: an endless stream of epochs, each a
// permutation drawn from (seed, epoch) alone, so a resumed run finds its place from the step
// count without saved generator state.
type dataOrder struct {
	n     int
	seed  uint64
	epoch int
	perm  []int // the permutation of epoch
}

// microBatch returns micro-batch k (batchSize examples) of the stream.
func (o *dataOrder) microBatch(examples []Example, batchSize, k int) []Example {
	out := make([]Example, batchSize)
	for i, idx := range o.indices(k*batchSize, batchSize) {
		out[i] = examples[idx]
	}
	return out
}

// indices returns the example indices at positions from … from+n−1 of the stream.
func (o *dataOrder) indices(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		pos := from + i
		if epoch := pos / o.n; o.perm == nil || epoch != o.epoch {
			o.epoch, o.perm = epoch, rand.New(rand.NewPCG(o.seed, uint64(epoch))).Perm(o.n)
		}
		out[i] = o.perm[pos%o.n]
	}
	return out
}
