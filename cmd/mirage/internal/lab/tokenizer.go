package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// The lab tokenizer's special and added tokens, at ids 0 … len-1.
const (
	TokPad       = "<|pad|>"
	TokEOS       = "<|endoftext|>"
	TokUser      = "<|user|>"
	TokAssistant = "<|assistant|>"
)

// addedTokens are matched in raw text before pre-tokenization; the think/answer tags are
// ordinary (non-special) added tokens, as in Qwen3, so Decode keeps them.
var addedTokens = []struct {
	content string
	special bool
}{
	{TokPad, true}, {TokEOS, true}, {TokUser, true}, {TokAssistant, true},
	{"<think>", false}, {"</think>", false}, {"<answer>", false}, {"</answer>", false}, {`\boxed{`, false},
}

// splitPattern is the tokenizer's pre-tokenizer split (HF Split, behavior Isolated): words with
// their leading space, single digits (numbers are spelled digit by digit, which a tiny model
// learns arithmetic on far more easily), runs of punctuation, runs of white space. It needs no
// look-ahead, so Go's regexp (training) and Oniguruma (Hugging Face) agree on it.
const splitPattern = ` ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+`

var splitRE = regexp.MustCompile(splitPattern)

// chatTemplate renders a conversation as <|user|>question<|assistant|>answer<|endoftext|>.
const chatTemplate = "{% for message in messages %}{% if message['role'] == 'user' %}" + TokUser +
	"{{ message['content'] }}{% elif message['role'] == 'assistant' %}" + TokAssistant +
	"{{ message['content'] }}" + TokEOS + "{% endif %}{% endfor %}{% if add_generation_prompt %}" + TokAssistant + "{% endif %}"

// byteChars is GPT-2's byte-to-character table (HF ByteLevel): printable Latin-1 bytes map to
// themselves, the rest to U+0100 onwards in byte order.
func byteChars() [256]rune {
	var table [256]rune
	next := rune(256)
	for b := range 256 {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE:
			table[b] = rune(b)
		default:
			table[b] = next
			next++
		}
	}
	return table
}

// TrainTokenizer learns a byte-level BPE tokenizer from texts: the 256 byte symbols, then up to
// merges merges, each joining the most frequent adjacent pair within the pre-tokenized pieces
// (ties broken by the pair's text, so the result depends on the texts alone). Added tokens are
// cut out of the texts first, as the tokenizer does when encoding. It returns the contents of
// tokenizer.json.
func TrainTokenizer(texts []string, merges int) ([]byte, error) {
	table := byteChars()
	cut := make([]string, 0, len(addedTokens))
	for _, a := range addedTokens {
		cut = append(cut, regexp.QuoteMeta(a.content))
	}
	addedRE := regexp.MustCompile(strings.Join(cut, "|"))

	// Count the pieces, as sequences of byte symbols.
	counts := map[string]int{}
	for _, text := range texts {
		for _, seg := range addedRE.Split(text, -1) {
			for _, piece := range splitRE.FindAllString(seg, -1) {
				counts[piece]++
			}
		}
	}
	type word struct {
		syms  []string
		count int
	}
	pieces := slices.Sorted(func(yield func(string) bool) {
		for p := range counts {
			if !yield(p) {
				return
			}
		}
	})
	words := make([]word, 0, len(pieces))
	for _, p := range pieces {
		w := word{count: counts[p]}
		for _, b := range []byte(p) {
			w.syms = append(w.syms, string(table[b]))
		}
		words = append(words, w)
	}

	vocab := map[string]int{}
	for i, a := range addedTokens {
		vocab[a.content] = i
	}
	for b := range 256 {
		vocab[string(table[b])] = len(addedTokens) + b
	}
	var merged [][2]string
	for len(merged) < merges {
		pairs := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				pairs[[2]string{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]string
		bestN := 1 // a pair seen once is not worth a token
		for p, n := range pairs {
			if n > bestN || n == bestN && bestN > 1 && (p[0]+" "+p[1]) < (best[0]+" "+best[1]) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		tok := best[0] + best[1]
		if _, ok := vocab[tok]; ok {
			return nil, fmt.Errorf("lab: tokenizer: merge %q + %q makes %q twice", best[0], best[1], tok)
		}
		vocab[tok] = len(addedTokens) + 256 + len(merged)
		merged = append(merged, best)
		for wi := range words {
			syms := words[wi].syms
			out := syms[:0]
			for i := 0; i < len(syms); i++ {
				if i+1 < len(syms) && syms[i] == best[0] && syms[i+1] == best[1] {
					out = append(out, tok)
					i++
					continue
				}
				out = append(out, syms[i])
			}
			words[wi].syms = out
		}
	}

	var addedJSON []tokenizer.AddedTokenJSON
	for i, a := range addedTokens {
		addedJSON = append(addedJSON, tokenizer.AddedTokenJSON{ID: i, Content: a.content, Special: a.special})
	}
	mergesJSON := make([][2]string, len(merged))
	copy(mergesJSON, merged)
	file := map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": addedJSON,
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]string{"Regex": splitPattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		}},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		"model": map[string]any{
			"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil, "end_of_word_suffix": nil,
			"fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": vocab, "merges": mergesJSON,
		},
	}
	return marshal(file)
}

// VocabSize returns the number of tokens of a tokenizer.json written by TrainTokenizer.
func VocabSize(tokenizerJSON []byte) (int, error) {
	var f struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return 0, fmt.Errorf("lab: tokenizer.json: %w", err)
	}
	return len(f.Model.Vocab), nil
}

// WriteTokenizer trains the tokenizer on texts and writes tokenizer.json and
// tokenizer_config.json (special tokens, chat template) to dir.
func WriteTokenizer(dir string, texts []string, merges int) error {
	tj, err := TrainTokenizer(texts, merges)
	if err != nil {
		return err
	}
	decoder := map[string]any{}
	for i, a := range addedTokens {
		decoder[fmt.Sprint(i)] = map[string]any{"content": a.content, "lstrip": false, "normalized": false,
			"rstrip": false, "single_word": false, "special": a.special}
	}
	cfg, err := marshal(map[string]any{
		"tokenizer_class":              "PreTrainedTokenizerFast",
		"added_tokens_decoder":         decoder,
		"bos_token":                    nil,
		"eos_token":                    TokEOS,
		"pad_token":                    TokPad,
		"unk_token":                    nil,
		"model_max_length":             maxContext,
		"clean_up_tokenization_spaces": false,
		"chat_template":                chatTemplate,
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	for name, b := range map[string][]byte{"tokenizer.json": tj, "tokenizer_config.json": cfg} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("lab: %w", err)
		}
	}
	return nil
}

// marshal writes indented JSON without HTML escapes (the tokens hold < and >); map keys are
// sorted, so the bytes depend on the content alone.
func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return []byte(b.String()), nil
}
