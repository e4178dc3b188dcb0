package tokenizer

import (
	"container/heap"
	"fmt"
	"sync"
	"unicode/utf8"
)

// bpe is the byte-pair-encoding model of a tokenizer.json: a vocabulary, ranked merges, and the
// options Llama-2 (byte fallback, fused unknowns) and Llama-3 (ignore_merges) rely on.
type bpe struct {
	vocab        map[string]int
	merges       map[uint64]merge // key: pairKey(left id, right id)
	unk          int              // -1 when the model has no unknown token
	fuseUnk      bool
	ignoreMerges bool
	byteTokens   [256]int // id of "<0xXX>" per byte when byte_fallback is on, else -1

	mu    sync.Mutex
	cache map[string][]int
}

// merge is what a pair of adjacent symbols becomes and how early the rule was learnt.
type merge struct {
	rank int
	id   int
}

// cacheLimit bounds the word cache; when full it is dropped whole, which is cheap and keeps
// memory flat on adversarial input.
const cacheLimit = 1 << 16

// cacheMaxWord keeps whole segments of tokenizers without a pre-tokenizer (Llama-2) out of the
// cache: they rarely repeat and would make it large.
const cacheMaxWord = 256

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// word returns the ids of one pre-tokenized piece.
func (m *bpe) word(w string, dst []int) []int {
	if m.ignoreMerges {
		if id, ok := m.vocab[w]; ok {
			return append(dst, id)
		}
	}
	m.mu.Lock()
	ids, ok := m.cache[w]
	m.mu.Unlock()
	if ok {
		return append(dst, ids...)
	}
	ids = m.merge(m.symbols(w))
	if len(w) > cacheMaxWord {
		return append(dst, ids...)
	}
	m.mu.Lock()
	if len(m.cache) >= cacheLimit {
		m.cache = make(map[string][]int)
	}
	m.cache[w] = ids
	m.mu.Unlock()
	return append(dst, ids...)
}

// symbols splits a word into its initial symbols: one per character, or per byte for
// characters missing from the vocabulary when byte fallback is on, or the unknown token.
func (m *bpe) symbols(w string) []int {
	syms := make([]int, 0, len(w))
	prevUnk := false
	for i, r := range w {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(w[i:])
		}
		ch := w[i : i+size]
		if id, ok := m.vocab[ch]; ok {
			syms = append(syms, id)
			prevUnk = false
			continue
		}
		if m.byteFallback(ch) {
			for j := 0; j < len(ch); j++ {
				syms = append(syms, m.byteTokens[ch[j]])
			}
			prevUnk = false
			continue
		}
		if m.unk < 0 {
			continue // as Hugging Face does: no unknown token, the character is dropped
		}
		if !(m.fuseUnk && prevUnk) {
			syms = append(syms, m.unk)
		}
		prevUnk = true
	}
	return syms
}

func (m *bpe) byteFallback(ch string) bool {
	for j := 0; j < len(ch); j++ {
		if m.byteTokens[ch[j]] < 0 {
			return false
		}
	}
	return true
}

// merge applies the ranked merges: repeatedly the lowest-ranked adjacent pair, the leftmost
// first among equals (the order Hugging Face's BPE uses; it decides "aaa" → "aa a").
func (m *bpe) merge(syms []int) []int {
	n := len(syms)
	if n < 2 {
		return syms
	}
	next := make([]int, n)
	prev := make([]int, n)
	for i := range syms {
		next[i], prev[i] = i+1, i-1
	}
	next[n-1] = -1
	q := make(mergeQueue, 0, n)
	for i := 0; i+1 < n; i++ {
		if mg, ok := m.merges[pairKey(syms[i], syms[i+1])]; ok {
			q = append(q, candidate{rank: mg.rank, pos: i, id: mg.id})
		}
	}
	heap.Init(&q)
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	for q.Len() > 0 {
		c := heap.Pop(&q).(candidate)
		r := next[c.pos]
		if !alive[c.pos] || r < 0 {
			continue
		}
		// Stale entries (a neighbour merged since) no longer produce the same id.
		if mg, ok := m.merges[pairKey(syms[c.pos], syms[r])]; !ok || mg.id != c.id {
			continue
		}
		syms[c.pos] = c.id
		alive[r] = false
		next[c.pos] = next[r]
		if next[r] >= 0 {
			prev[next[r]] = c.pos
		}
		if p := prev[c.pos]; p >= 0 {
			if mg, ok := m.merges[pairKey(syms[p], syms[c.pos])]; ok {
				heap.Push(&q, candidate{rank: mg.rank, pos: p, id: mg.id})
			}
		}
		if nx := next[c.pos]; nx >= 0 {
			if mg, ok := m.merges[pairKey(syms[c.pos], syms[nx])]; ok {
				heap.Push(&q, candidate{rank: mg.rank, pos: c.pos, id: mg.id})
			}
		}
	}
	out := make([]int, 0, n)
	for i := 0; i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}

type candidate struct{ rank, pos, id int }

type mergeQueue []candidate

func (q mergeQueue) Len() int { return len(q) }
func (q mergeQueue) Less(i, j int) bool {
	if q[i].rank != q[j].rank {
		return q[i].rank < q[j].rank
	}
	return q[i].pos < q[j].pos
}
func (q mergeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *mergeQueue) Push(x any)   { *q = append(*q, x.(candidate)) }
func (q *mergeQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// newBPE builds the model from the parsed "model" object of tokenizer.json.
func newBPE(mj *modelJSON) (*bpe, error) {
	if mj.Type != "" && mj.Type != "BPE" {
		return nil, fmt.Errorf("model type %q is not supported (only BPE)", mj.Type)
	}
	if mj.Dropout != nil && *mj.Dropout != 0 {
		return nil, fmt.Errorf("model: BPE dropout %v is not supported (sampling needs deterministic ids)", *mj.Dropout)
	}
	if mj.ContinuingSubwordPrefix != nil && *mj.ContinuingSubwordPrefix != "" ||
		mj.EndOfWordSuffix != nil && *mj.EndOfWordSuffix != "" {
		return nil, fmt.Errorf("model: continuing_subword_prefix/end_of_word_suffix are not supported")
	}
	m := &bpe{
		vocab:        mj.Vocab,
		merges:       make(map[uint64]merge, len(mj.Merges)),
		unk:          -1,
		fuseUnk:      mj.FuseUnk,
		ignoreMerges: mj.IgnoreMerges,
		cache:        make(map[string][]int),
	}
	if mj.UnkToken != nil {
		id, ok := m.vocab[*mj.UnkToken]
		if !ok {
			return nil, fmt.Errorf("model: unk_token %q is not in the vocabulary", *mj.UnkToken)
		}
		m.unk = id
	}
	for b := range m.byteTokens {
		m.byteTokens[b] = -1
		if id, ok := m.vocab[fmt.Sprintf("<0x%02X>", b)]; ok && mj.ByteFallback {
			m.byteTokens[b] = id
		}
	}
	for rank, p := range mj.Merges {
		a, okA := m.vocab[p[0]]
		b, okB := m.vocab[p[1]]
		id, okM := m.vocab[p[0]+p[1]]
		if !okA || !okB || !okM {
			return nil, fmt.Errorf("model: merge %d (%q %q) uses tokens missing from the vocabulary", rank, p[0], p[1])
		}
		key := pairKey(a, b)
		if _, dup := m.merges[key]; !dup { // the first (lowest-ranked) rule wins
			m.merges[key] = merge{rank: rank, id: id}
		}
	}
	return m, nil
}
