// Package tokenizer encodes text to token ids and back exactly as the Hugging Face tokenizer of
// a model folder does, from its tokenizer.json (plus tokenizer_config.json and
// special_tokens_map.json for the BOS/EOS/PAD/UNK names).
//
// It covers the byte-pair-encoding tokenizers of the decoder-only models mirage samples from:
// byte-level BPE with a split regex (GPT-2, Qwen2/2.5/3, Llama-3.x) and SentencePiece-style BPE
// with byte fallback (Llama-2, Mistral). Encoding runs the same stages as Hugging Face:
//
//  1. added tokens ("<|im_start|>", "<|eot_id|>", "<s>") are cut out of the raw text first,
//     so special tokens typed inside a prompt become their single ids;
//  2. each remaining segment is normalized (NFC, Prepend, Replace, ...);
//  3. pre-tokenized (Split with the model's regex — compiled with regexp2, whose look-ahead
//     and Unicode classes match Hugging Face's Oniguruma — then the GPT-2 byte mapping);
//  4. each piece is merged by the BPE model (ranked merges, ignore_merges, byte fallback to
//     "<0xXX>" tokens, fused unknowns);
//  5. with addSpecial, the post-processor's template adds BOS/EOS.
//
// Decode runs the tokenizer.json decoder chain (ByteLevel, ByteFallback, Replace, Fuse, Strip,
// Metaspace) without clean_up_tokenization_spaces, so Decode(Encode(x)) == x. Stream decodes
// incrementally for streaming output and stop strings.
//
// Why not sugarme/tokenizer (DESIGN.md's choice) for the encode path: v0.3.0 panics on the
// Qwen2/3 and Llama-3 split regexes, drops added tokens inside text, ignores byte fallback and
// ignore_merges, and its BPE word merge breaks ties between equal-rank pairs in heap order
// instead of leftmost-first, which changes ids on repeated characters. Fixing all of that left
// nothing of it in use, so this package implements the pipeline natively (docs/tokenizer.md).
//
// A Tokenizer is safe for concurrent use. Unsupported tokenizer.json components fail Load with
// an error naming the component, never a wrong tokenization.
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// Tokenizer encodes and decodes text for one model. Build it with Load.
type Tokenizer struct {
	added     *matcher // added tokens matched in raw text
	normAdded *matcher // added tokens with normalized=true, matched after normalization
	normalize normalizer
	pre       preTokenizer
	model     *bpe
	decode    decoder

	prefix, suffix []int // post-processor template around the ids, for addSpecial

	tokens      []string // id -> token text ("" for holes)
	special     []bool   // id -> dropped by Decode(ids, true)
	addedTokens []AddedToken
	addedIDs    map[string]int // added token content -> id
	specials    SpecialTokens
}

// SpecialToken is one named special token of a model.
type SpecialToken struct {
	Text string `json:"text"`
	ID   int    `json:"id"`
}

// SpecialTokens are the model's BOS/EOS/PAD/UNK tokens from tokenizer_config.json (or
// special_tokens_map.json); nil when the model does not define one.
type SpecialTokens struct {
	BOS *SpecialToken `json:"bos,omitempty"`
	EOS *SpecialToken `json:"eos,omitempty"`
	PAD *SpecialToken `json:"pad,omitempty"`
	UNK *SpecialToken `json:"unk,omitempty"`
}

// ErrNoTokenizer is returned by Load when the folder has no tokenizer.json.
var ErrNoTokenizer = errors.New("tokenizer: no tokenizer.json")

// Load reads dir/tokenizer.json and, when present, dir/tokenizer_config.json and
// dir/special_tokens_map.json.
func Load(dir string) (*Tokenizer, error) {
	path := filepath.Join(dir, "tokenizer.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoTokenizer, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var configs [][]byte
	for _, name := range []string{"tokenizer_config.json", "special_tokens_map.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		configs = append(configs, b)
	}
	t, err := New(data, configs...)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// New builds a Tokenizer from the bytes of a tokenizer.json and optional config files
// (tokenizer_config.json, special_tokens_map.json; the first that names a special token wins).
func New(tokenizerJSON []byte, configs ...[]byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: tokenizer.json: %w", err)
	}
	t := &Tokenizer{}
	var err error
	if t.model, err = newBPE(&f.Model); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if t.normalize, err = newNormalizer(f.Normalizer); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if t.pre, err = newPreTokenizer(f.PreTokenizer); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if t.decode, err = newDecoder(f.Decoder); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if t.prefix, t.suffix, err = newTemplate(f.PostProcessor); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}

	size := 0
	for _, id := range t.model.vocab {
		size = max(size, id+1)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("tokenizer: added token %q has negative id %d", a.Content, a.ID)
		}
		size = max(size, a.ID+1)
	}
	t.tokens = make([]string, size)
	t.special = make([]bool, size)
	for tok, id := range t.model.vocab {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer: vocabulary token %q has negative id %d", tok, id)
		}
		t.tokens[id] = tok
	}
	var raw, normalized []*AddedToken
	t.addedTokens = make([]AddedToken, len(f.AddedTokens))
	t.addedIDs = make(map[string]int, len(f.AddedTokens))
	for i, a := range f.AddedTokens {
		t.addedIDs[a.Content] = a.ID
		t.addedTokens[i] = AddedToken{ID: a.ID, Content: a.Content, Special: a.Special,
			lstrip: a.LStrip, rstrip: a.RStrip, singleWord: a.SingleWord, normalized: a.Normalized}
		t.tokens[a.ID] = a.Content
		t.special[a.ID] = a.Special
		// Hugging Face matches normalized added tokens in normalized text.
		if a.Normalized && t.normalize != nil {
			normalized = append(normalized, &t.addedTokens[i])
		} else {
			raw = append(raw, &t.addedTokens[i])
		}
	}
	if len(raw) > 0 {
		t.added = newMatcher(raw)
	}
	if len(normalized) > 0 {
		t.normAdded = newMatcher(normalized)
	}
	if err := t.readSpecials(configs); err != nil {
		return nil, err
	}
	return t, nil
}

// newTemplate reads the ids a TemplateProcessing post-processor puts around a single sequence.
func newTemplate(c *component) (prefix, suffix []int, err error) {
	if c == nil {
		return nil, nil, nil
	}
	switch c.Type {
	case "ByteLevel":
		return nil, nil, nil // only adjusts offsets
	case "Sequence":
		for i := range c.Processors {
			p, s, err := newTemplate(&c.Processors[i])
			if err != nil {
				return nil, nil, err
			}
			prefix, suffix = append(prefix, p...), append(suffix, s...)
		}
		return prefix, suffix, nil
	case "TemplateProcessing":
		seen := false
		for _, item := range c.Single {
			switch {
			case item.Sequence != nil:
				seen = true
			case item.SpecialToken != nil:
				st, ok := c.SpecialTokens[item.SpecialToken.ID]
				if !ok {
					return nil, nil, fmt.Errorf("post-processor: template token %q is not in special_tokens", item.SpecialToken.ID)
				}
				if seen {
					suffix = append(suffix, st.IDs...)
				} else {
					prefix = append(prefix, st.IDs...)
				}
			}
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("post-processor %q is not supported", c.Type)
}

func (t *Tokenizer) readSpecials(configs [][]byte) error {
	slots := []struct {
		dst  **SpecialToken
		name string
		get  func(*configJSON) json.RawMessage
	}{
		{&t.specials.BOS, "bos_token", func(c *configJSON) json.RawMessage { return c.BOS }},
		{&t.specials.EOS, "eos_token", func(c *configJSON) json.RawMessage { return c.EOS }},
		{&t.specials.PAD, "pad_token", func(c *configJSON) json.RawMessage { return c.PAD }},
		{&t.specials.UNK, "unk_token", func(c *configJSON) json.RawMessage { return c.UNK }},
	}
	for i, b := range configs {
		var c configJSON
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("tokenizer: config file %d: %w", i+1, err)
		}
		for _, s := range slots {
			if *s.dst != nil {
				continue
			}
			text, err := tokenText(s.get(&c))
			if err != nil {
				return fmt.Errorf("tokenizer: %s: %w", s.name, err)
			}
			if text == "" {
				continue
			}
			id, ok := t.TokenID(text)
			if !ok {
				return fmt.Errorf("tokenizer: %s %q is not in the vocabulary", s.name, text)
			}
			*s.dst = &SpecialToken{Text: text, ID: id}
		}
	}
	return nil
}

// Encode returns the ids of text. Added and special tokens written in the text are recognised;
// addSpecial also applies the post-processor's template (BOS for Llama, nothing for Qwen).
// The only error is text that is not valid UTF-8.
func (t *Tokenizer) Encode(text string, addSpecial bool) ([]int, error) {
	if !utf8.ValidString(text) {
		for i, r := range text {
			if r == utf8.RuneError {
				return nil, fmt.Errorf("tokenizer: text is not valid UTF-8 (at byte %d)", i)
			}
		}
	}
	ids := make([]int, 0, len(text)/3+len(t.prefix)+len(t.suffix))
	if addSpecial {
		ids = append(ids, t.prefix...)
	}
	segs := t.added.split(text, make([]segment, 0, 8))
	for i, seg := range segs {
		if seg.tok != nil {
			ids = append(ids, seg.tok.ID)
			continue
		}
		s := seg.text
		if t.normalize != nil {
			s = t.normalize(s)
		}
		for j, sub := range t.normAdded.split(s, nil) {
			if sub.tok != nil {
				ids = append(ids, sub.tok.ID)
				continue
			}
			ids = t.encodePlain(sub.text, i == 0 && j == 0, ids)
		}
	}
	if addSpecial {
		ids = append(ids, t.suffix...)
	}
	return ids, nil
}

// encodePlain encodes text between added tokens; first marks the segment that starts the input.
func (t *Tokenizer) encodePlain(s string, first bool, ids []int) []int {
	if s == "" {
		return ids
	}
	if t.pre == nil {
		return t.model.word(s, ids)
	}
	for _, piece := range t.pre([]string{s}, first) {
		if piece != "" {
			ids = t.model.word(piece, ids)
		}
	}
	return ids
}

// Decode returns the text of ids; skipSpecial drops special tokens (BOS, EOS, chat markers).
// Unknown ids are skipped. Tokenization spaces are never "cleaned up", so
// Decode(Encode(x, false), false) == x.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id < 0 || id >= len(t.tokens) || skipSpecial && t.special[id] {
			continue
		}
		toks = append(toks, t.tokens[id])
	}
	if t.decode != nil {
		toks = t.decode(toks)
	}
	switch len(toks) {
	case 0:
		return ""
	case 1:
		return toks[0]
	}
	n := 0
	for _, s := range toks {
		n += len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range toks {
		b = append(b, s...)
	}
	return string(b)
}

// VocabSize is the largest id plus one, added tokens included. A model's logits must be at
// least this wide.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// TokenID returns the id of a token's text (a vocabulary entry or an added token).
func (t *Tokenizer) TokenID(tok string) (int, bool) {
	if id, ok := t.addedIDs[tok]; ok {
		return id, true
	}
	id, ok := t.model.vocab[tok]
	return id, ok
}

// Token returns the text of id as stored in the vocabulary (byte-level tokens are in GPT-2's
// byte alphabet, e.g. "Ġthe").
func (t *Tokenizer) Token(id int) (string, bool) {
	if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
		return "", false
	}
	return t.tokens[id], true
}

// Special returns the model's named special tokens.
func (t *Tokenizer) Special() SpecialTokens { return t.specials }

// AddedTokens lists the added tokens (chat markers, BOS/EOS, reserved tokens) in file order.
func (t *Tokenizer) AddedTokens() []AddedToken { return append([]AddedToken(nil), t.addedTokens...) }

// IsSpecial reports whether id is a special token (dropped by Decode(ids, true)).
func (t *Tokenizer) IsSpecial(id int) bool { return id >= 0 && id < len(t.special) && t.special[id] }
