package sampler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"

	"github.com/mirage-rl/mirage/datasets"
)

// GenerateOptions configures Model.Generate. The zero value draws one greedy completion per
// prompt, up to the context length, stopping at the model's EOS tokens, 32 rows at a time.
type GenerateOptions struct {
	Choice // temperature, top-k, top-p, min-p

	// N is the number of completions per prompt (default 1). The prompt is prefilled once and
	// its cache copied into the N rows.
	N int
	// MaxNewTokens caps each completion (0: until the context is full).
	MaxNewTokens int
	// Seed makes sampling reproducible: completion j of prompt i draws from a random stream
	// derived from (Seed, Keys[i], j) only, so batch size and scheduling do not matter.
	Seed uint64
	// Keys identify the prompts for the random streams (default: the prompt's index). Run
	// passes StreamKey of each problem's id, so a resumed, --limit, sharded or reordered run
	// draws the same for every problem.
	Keys []uint64
	// BatchSize is the number of rows decoded together (default 32).
	BatchSize int
	// StopTokens end a completion (finish_reason "stop") besides the model's EOS ids; the stop
	// token is counted but not part of the text.
	StopTokens []int
	// TokenLogprobs fills Output.TokenLogprobs.
	TokenLogprobs bool
	// IgnoreEOS keeps generating through EOS and stop tokens (benchmarks force lengths so).
	IgnoreEOS bool
	// StopStrings end a completion when its text contains one; the text is cut before it.
	// They need NewStream.
	StopStrings []string
	// NewStream makes the incremental detokenizer that builds each completion's Text (the
	// tokenizer's streaming decoder). Nil leaves Text empty.
	NewStream func() TextStream
	// OnPrompt, if set, receives each prompt's completions as soon as it and every prompt
	// before it are done, in prompt order. An error stops Generate and is returned.
	OnPrompt func(prompt int, outs []Output) error
	// OnStep, if set, is called after every prefill and decode step with the number of tokens it
	// drew (a prompt's prefill draws the first token of each of its N completions), so the counts
	// add up to the completions' token counts.
	OnStep func(tokens int)
	// PrefillChunk is the longest piece of a prompt fed in one run (default: enough to keep the
	// logits of a chunk under 256 MB, at most 512 tokens: 441 with a 151936-token vocabulary).
	PrefillChunk int
}

// TextStream turns token ids into text incrementally: Add returns the text completed by id
// (it may hold back an incomplete UTF-8 sequence until the next token); Flush returns what is
// held back at the end. sampler/tokenizer's *Stream is one.
type TextStream interface {
	Add(id int) string
	Flush() string
}

// ContextStream is a TextStream that decodes a completion as the continuation of its prompt;
// sampler/tokenizer's *Stream is one. Generate calls SetContext with the prompt's ids before a
// completion's first token, so Output.Text is what decoding prompt + completion adds to the
// prompt's decode, as vLLM's detokenizer gives: the first token's leading space is kept (Llama-2's
// "▁Ф" gives " Ф", not "Ф" as decoding the completion alone does), and the prompt's text followed
// by the completion's is the decode of the prompt's ids followed by the completion's.
type ContextStream interface {
	TextStream
	SetContext(prompt []int)
}

// Output is one completion.
type Output struct {
	Tokens       []int   // generated ids, including a final stop token
	Text         string  // decoded text (empty without NewStream), cut before any stop string; after the prompt's text (ContextStream)
	FinishReason string  // datasets.FinishStop (EOS, stop token or stop string) or datasets.FinishLength
	Logprob      float64 // sum of the tokens' log-probabilities under the model
	// TokenLogprobs (with GenerateOptions.TokenLogprobs) holds each token's log-probability
	// under the sampling policy before truncation: log-softmax(logits/Temperature), the raw
	// logits when greedy. Top-k, top-p and min-p are not renormalised in, as an RL trainer
	// recomputes it (so a truncated sampler is slightly off-policy; see docs/rl.md).
	TokenLogprobs []float32
}

// PromptError is a prompt Generate cannot run: empty, longer than the context, or holding ids
// outside the model's vocabulary. Nothing has been generated when it is returned.
type PromptError struct {
	Prompt int // index in the prompts passed to Generate
	Reason string
}

func (e *PromptError) Error() string {
	return fmt.Sprintf("sampler: prompt %d: %s", e.Prompt, e.Reason)
}

// Generate draws opts.N completions for every prompt (token ids, special tokens included).
// It returns them per prompt, in order. On error or cancellation it returns what finished
// (OnPrompt has seen it) with the error; ctx is checked between decode steps, and a runtime call
// in flight is stopped through ONNX Runtime's terminate flag, never abandoned.
func (m *Model) Generate(ctx context.Context, prompts [][]int, opts GenerateOptions) ([][]Output, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return nil, errors.New("sampler: Generate on a closed model")
	}
	if opts.N <= 0 {
		opts.N = 1
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 32
	}
	if len(opts.StopStrings) > 0 && opts.NewStream == nil {
		return nil, errors.New("sampler: stop strings need a tokenizer stream (GenerateOptions.NewStream)")
	}
	if opts.Keys != nil && len(opts.Keys) != len(prompts) {
		return nil, fmt.Errorf("sampler: %d keys for %d prompts", len(opts.Keys), len(prompts))
	}
	for i, p := range prompts {
		if err := m.checkPrompt(p); err != "" {
			return nil, &PromptError{Prompt: i, Reason: err}
		}
	}
	e, err := newEngine(m, prompts, opts)
	if err != nil {
		return nil, err
	}
	stopWatch := e.watch(ctx)
	err = e.loop(ctx)
	stopWatch()
	if ctxErr := ctx.Err(); ctxErr != nil && err != nil {
		err = ctxErr
	}
	return e.results[:e.emitted], err
}

func (m *Model) checkPrompt(p []int) string {
	if len(p) == 0 {
		return "empty (no tokens)"
	}
	if len(p) >= m.info.ContextLength {
		return fmt.Sprintf("%d tokens, but the model's context is %d tokens (prompt plus completion)", len(p), m.info.ContextLength)
	}
	for _, id := range p {
		if id < 0 || id >= m.info.Vocab {
			return fmt.Sprintf("token id %d outside the model's vocabulary of %d (does the tokenizer belong to this model?)", id, m.info.Vocab)
		}
	}
	return ""
}

// reserveLimit bounds the KV cache Generate allocates up front (both buffer sets); a variable
// only so that tests can make the buffers grow mid-run.
var reserveLimit int64 = 2 << 30

// row is one sequence being decoded in a batch row.
type row struct {
	prompt, sample int
	rng            *rand.Rand
	promptLen      int
	out            Output
	last           int // token to feed next
	start          int // left-padded layouts: first valid cache column
	length         int // right-padded layouts: valid cache columns
	stream         TextStream
	cut            bool // text was cut at a stop string
	text           strings.Builder
	maxNew         int
}

// promptCache is a prefilled prompt waiting for rows: its cache, compact per cache tensor
// as [planes][H][T][D].
type promptCache struct {
	kv      [][]byte
	n       int // columns (prompt tokens)
	pending int // samples not yet placed in a row
}

// waiting is a sample whose first token is drawn but that has no row yet.
type waiting struct {
	r  *row
	pc *promptCache
}

type engine struct {
	m       *Model
	o       GenerateOptions
	prompts [][]int
	stop    map[int]bool
	rt      *runner

	rows  []*row // batch rows; nil = free
	S     int    // cache columns in the current layout (shared cache: the longest row's length)
	cols  int    // most cache columns a row can reach
	kv    *kvBuffers
	queue []waiting
	next  int // next prompt to prefill

	results [][]Output
	left    []int // samples not finished, per prompt
	emitted int   // prompts handed to OnPrompt
	scratch []choiceScratch
}

func newEngine(m *Model, prompts [][]int, o GenerateOptions) (*engine, error) {
	// The runner and the cache buffers live on the model, so repeated Generate calls reuse
	// their memory instead of faulting in hundreds of megabytes each time.
	if m.runner == nil {
		r, err := newRunner(m)
		if err != nil {
			return nil, err
		}
		m.runner, m.kv = r, newKVBuffers(m)
	} else if err := m.runner.opts.UnsetTerminate(); err != nil {
		return nil, ortError("reset run options", err)
	}
	rt := m.runner
	e := &engine{m: m, o: o, prompts: prompts, rt: rt, stop: map[int]bool{},
		results: make([][]Output, len(prompts)), left: make([]int, len(prompts))}
	if !o.IgnoreEOS {
		for _, id := range m.info.EOS {
			e.stop[id] = true
		}
		for _, id := range o.StopTokens {
			e.stop[id] = true
		}
	}
	for i := range prompts {
		e.results[i] = make([]Output, o.N)
		e.left[i] = o.N
	}
	total := len(prompts) * o.N
	e.rows = make([]*row, min(o.BatchSize, max(total, 1)))
	e.kv = m.kv
	longest := 0
	for _, p := range prompts {
		longest = max(longest, len(p))
	}
	cols := m.info.ContextLength
	if o.MaxNewTokens > 0 {
		cols = min(cols, longest+o.MaxNewTokens)
	}
	e.cols = cols + 1
	e.kv.reserve(len(e.rows), e.cols, reserveLimit)
	workers := min(runtime.GOMAXPROCS(0), len(e.rows))
	e.scratch = make([]choiceScratch, max(workers, 1))
	return e, nil
}

// watch stops a runtime call in flight when ctx is cancelled.
func (e *engine) watch(ctx context.Context) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			e.rt.terminate()
		case <-done:
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (e *engine) loop(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.refill(ctx); err != nil {
			return err
		}
		active := 0
		for _, r := range e.rows {
			if r != nil {
				active++
			}
		}
		if active == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.step(); err != nil {
			return err
		}
	}
}

// refill prefills prompts and places waiting samples in free rows, then lays the cache out
// anew if the placed prompts need more columns, the padding waste grew large, or the batch can
// shrink because the work is running out.
func (e *engine) refill(ctx context.Context) error {
	free := 0
	for _, r := range e.rows {
		if r == nil {
			free++
		}
	}
	var placed []waiting
	for free > len(placed) {
		if len(e.queue) == 0 {
			if e.next >= len(e.prompts) {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := e.prefillNext(free - len(placed)); err != nil {
				return err
			}
			continue
		}
		placed = append(placed, e.queue[0])
		e.queue = e.queue[1:]
	}
	// Rows that stay after the relayout, in order, then the new ones into free slots.
	var keep []int
	span := 0
	for i, r := range e.rows {
		if r != nil {
			keep = append(keep, i)
			span = max(span, e.span(r))
		}
	}
	for _, w := range placed {
		span = max(span, w.pc.n)
	}
	newB := len(e.rows)
	if e.next >= len(e.prompts) && len(e.queue) == 0 && len(keep)+len(placed) <= newB/2 {
		newB = len(keep) + len(placed) // the tail: stop paying for empty rows
	}
	if e.kv.shared {
		// Each row keeps its own length in the one buffer: only a shrinking batch moves rows.
		if newB != len(e.rows) {
			e.kv.compact(keep)
			e.keepRows(keep, newB, 0)
		}
		need := 0
		for _, w := range placed {
			need = max(need, w.pc.n+1)
		}
		e.kv.ensureCapacity(len(e.rows), need, e.cols)
	} else {
		newS := e.S
		if span > e.S || (e.S-span)*4 >= e.S && e.S > 0 || newB != len(e.rows) {
			newS = span
		}
		if newS != e.S || newB != len(e.rows) {
			e.relayout(keep, newB, newS)
		}
	}
	slot := 0
	for _, w := range placed {
		for e.rows[slot] != nil {
			slot++
		}
		e.place(slot, w)
	}
	return nil
}

// span is how many cache columns a row's sequence occupies.
func (e *engine) span(r *row) int {
	if e.m.info.RightPadding {
		return r.length
	}
	return e.S - r.start
}

// relayout moves the kept rows to the front of a batch of newB rows with newS columns: left
// padded rows keep their last columns, right padded rows their first.
func (e *engine) relayout(keep []int, newB, newS int) {
	shift := newS - e.S
	if e.m.info.RightPadding {
		shift = 0
	}
	e.kv.relayout(keep, len(e.rows), e.S, newB, newS, shift)
	e.keepRows(keep, newB, shift)
	e.S = newS
}

// keepRows makes rows keep[i] the first of newB rows, their cache columns shifted by shift.
func (e *engine) keepRows(keep []int, newB, shift int) {
	rows := make([]*row, newB)
	for i, old := range keep {
		r := e.rows[old]
		r.start += shift
		rows[i] = r
	}
	e.rows = rows
}

// place puts a waiting sample into free row b: its prompt's cache goes into the row's columns.
func (e *engine) place(b int, w waiting) {
	r, pc := w.r, w.pc
	at, S := 0, e.S
	switch {
	case e.kv.shared:
		r.length, S = pc.n, e.kv.capacity
	case e.m.info.RightPadding:
		r.length = pc.n
	default:
		at = e.S - pc.n
		r.start = at
	}
	e.kv.writeRow(b, len(e.rows), S, at, pc)
	e.rows[b] = r
	pc.pending--
	if pc.pending == 0 {
		pc.kv = nil
	}
}

// prefillNext prefills the next prompts, enough for rows free rows: several in one run when
// the model takes left-padded batches and their padded tokens fit in a prefill chunk, else the
// next prompt alone in chunks.
func (e *engine) prefillNext(rows int) error {
	chunk := e.chunk()
	i := e.next
	if !e.m.batchesPrefill() || len(e.prompts[i]) > chunk {
		pc, last, err := e.rt.prefill(e.prompts[i], chunk)
		if err != nil {
			return err
		}
		e.next++
		return e.admit(i, pc, last)
	}
	end, longest := i, 0
	for end < len(e.prompts) && (end-i)*e.o.N < rows {
		l := max(longest, len(e.prompts[end]))
		if (end-i+1)*l > chunk {
			break
		}
		end, longest = end+1, l
	}
	pcs, lasts, err := e.rt.prefillBatch(e.prompts[i:end])
	if err != nil {
		return err
	}
	e.next = end
	for k := range pcs {
		if err := e.admit(i+k, pcs[k], lasts[k]); err != nil {
			return err
		}
	}
	return nil
}

// admit draws the first token of each sample of prompt i from the logits after its last token
// and queues the samples that go on with the prompt's cache pc.
func (e *engine) admit(i int, pc *promptCache, last []float32) error {
	p := e.prompts[i]
	key := uint64(i)
	if e.o.Keys != nil {
		key = e.o.Keys[i]
	}
	maxNew := e.m.info.ContextLength - len(p)
	if e.o.MaxNewTokens > 0 {
		maxNew = min(maxNew, e.o.MaxNewTokens)
	}
	for j := 0; j < e.o.N; j++ {
		r := &row{prompt: i, sample: j, rng: streamRNG(e.o.Seed, key, j), promptLen: len(p), maxNew: maxNew}
		if e.o.NewStream != nil {
			r.stream = e.o.NewStream()
			if cs, ok := r.stream.(ContextStream); ok {
				cs.SetContext(p)
			}
		}
		tok, lp, policyLP, err := e.o.choose(last, r.rng.Float64(), &e.scratch[0])
		if err != nil {
			return fmt.Errorf("prompt %d: %w", i, err)
		}
		if e.accept(r, tok, lp, policyLP) {
			if err := e.finish(r); err != nil {
				return err
			}
			continue
		}
		pc.pending++
		e.queue = append(e.queue, waiting{r: r, pc: pc})
	}
	if e.o.OnStep != nil {
		e.o.OnStep(e.o.N)
	}
	return nil
}

func (e *engine) chunk() int {
	if e.o.PrefillChunk > 0 {
		return e.o.PrefillChunk
	}
	return max(16, min(512, (256<<20)/(4*e.m.info.Vocab)))
}

// streamRNG derives completion (key, sample)'s random stream from the seed.
func streamRNG(seed, key uint64, sample int) *rand.Rand {
	a := splitmix(seed ^ splitmix(key+0x9e3779b97f4a7c15))
	b := splitmix(a ^ splitmix(uint64(sample)+0xbf58476d1ce4e5b9))
	return rand.New(rand.NewPCG(a, b))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// accept appends a drawn token (log-prob lp under the model, policyLP under the sampling
// policy) to r and reports whether r is finished.
func (e *engine) accept(r *row, tok int, lp, policyLP float64) bool {
	r.out.Tokens = append(r.out.Tokens, tok)
	r.out.Logprob += lp
	if e.o.TokenLogprobs {
		r.out.TokenLogprobs = append(r.out.TokenLogprobs, float32(policyLP))
	}
	r.last = tok
	if e.stop[tok] {
		r.out.FinishReason = datasets.FinishStop
		return true
	}
	if r.stream != nil {
		piece := r.stream.Add(tok)
		before := r.text.Len()
		r.text.WriteString(piece)
		if len(e.o.StopStrings) > 0 && piece != "" {
			s := r.text.String()
			for _, st := range e.o.StopStrings {
				// Only a match that ends in the new piece is new.
				from := max(0, before-len(st)+1)
				if k := strings.Index(s[from:], st); k >= 0 {
					r.text.Reset()
					r.text.WriteString(s[:from+k])
					r.cut = true
					r.out.FinishReason = datasets.FinishStop
					return true
				}
			}
		}
	}
	if len(r.out.Tokens) >= r.maxNew {
		r.out.FinishReason = datasets.FinishLength
		return true
	}
	return false
}

// finish records a finished completion and hands finished prompts to OnPrompt in order.
func (e *engine) finish(r *row) error {
	if r.stream != nil && !r.cut {
		r.text.WriteString(r.stream.Flush())
	}
	r.out.Text = r.text.String()
	e.results[r.prompt][r.sample] = r.out
	e.left[r.prompt]--
	for e.emitted < len(e.prompts) && e.left[e.emitted] == 0 {
		if e.o.OnPrompt != nil {
			if err := e.o.OnPrompt(e.emitted, e.results[e.emitted]); err != nil {
				return err
			}
		}
		e.emitted++
	}
	return nil
}

// step decodes one token for every active row.
func (e *engine) step() error {
	if e.kv.shared {
		e.S = 0
		for _, r := range e.rows {
			if r != nil {
				e.S = max(e.S, r.length)
			}
		}
		e.kv.ensureCapacity(len(e.rows), e.S+1, e.cols)
	}
	B, S, V := len(e.rows), e.S, e.m.info.Vocab
	right := e.m.info.RightPadding
	ids := make([]int64, B)
	pos := make([]int64, B)
	mask := make([]int64, B*(S+1))
	pad := int64(0)
	if e.m.info.Pad >= 0 && e.m.info.Pad < V {
		pad = int64(e.m.info.Pad)
	}
	for b, r := range e.rows {
		m := mask[b*(S+1) : (b+1)*(S+1)]
		switch {
		case r == nil && right:
			ids[b], m[0] = pad, 1
		case r == nil:
			ids[b], m[S] = pad, 1
		case right:
			ids[b], pos[b] = int64(r.last), int64(r.length)
			for c := 0; c <= r.length; c++ {
				m[c] = 1
			}
		default:
			ids[b], pos[b] = int64(r.last), int64(S-r.start)
			for c := r.start; c <= S; c++ {
				m[c] = 1
			}
		}
	}
	logits, err := e.rt.decode(e.kv, ids, mask, pos, B, S)
	if err != nil {
		return err
	}
	e.S++
	e.kv.swap()
	type pick struct {
		tok          int
		lp, policyLP float64
		err          error
	}
	picks := make([]pick, B)
	var wg sync.WaitGroup
	nw := len(e.scratch)
	for w := 0; w < nw; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sc := &e.scratch[w]
			for b := w; b < B; b += nw {
				r := e.rows[b]
				if r == nil {
					continue
				}
				row := e.rt.logitsRow(logits, b, sc)
				picks[b].tok, picks[b].lp, picks[b].policyLP, picks[b].err = e.o.choose(row, r.rng.Float64(), sc)
			}
		}(w)
	}
	wg.Wait()
	produced := 0
	for b, r := range e.rows {
		if r == nil {
			continue
		}
		if picks[b].err != nil {
			return fmt.Errorf("prompt %d, sample %d, token %d: %w", r.prompt, r.sample, len(r.out.Tokens), picks[b].err)
		}
		produced++
		if right {
			r.length++
		}
		if e.accept(r, picks[b].tok, picks[b].lp, picks[b].policyLP) {
			e.rows[b] = nil
			if err := e.finish(r); err != nil {
				return err
			}
		}
	}
	if e.o.OnStep != nil {
		e.o.OnStep(produced)
	}
	return nil
}
