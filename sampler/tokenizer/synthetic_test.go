package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Synthetic tokenizers exercise the tokenizer.json components the real Qwen/Llama files do not
// use (Metaspace, Digits, normalizer chains, Split behaviours, GPT-2's prefix space, lstrip
// added tokens), each against the same transformers.js reference.

var byteMerges = [][2]string{{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"i", "n"}, {"Ġ", "a"}, {"e", "r"},
	{"Ġ", "Ġ"}, {"ĠĠ", "ĠĠ"}, {"1", "2"}, {"12", "3"}, {"l", "l"}, {"ll", "o"}, {"Ġ", "w"}}

var charMerges = [][2]string{{"▁", "t"}, {"h", "e"}, {"▁t", "he"}, {"i", "n"}, {"▁", "a"}, {"e", "r"},
	{"▁", "▁"}, {"▁▁", "▁▁"}, {"1", "2"}, {"l", "l"}, {"ll", "o"}, {"▁", "w"}}

type synthetic struct {
	name                           string
	byteLevel                      bool // vocabulary of GPT-2 byte characters, else characters + byte fallback
	normalizer, pre, decoder, post any
}

// metaspace configures Metaspace as older tokenizer.json files do (add_prefix_space set);
// transformers.js prepends nothing without it and never splits, so the reference only covers
// split=false (TestMetaspaceSplit checks split=true on its own).
func metaspace(scheme string) map[string]any {
	return map[string]any{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true, "prepend_scheme": scheme, "split": false}
}

func byteLevelPre(prefix, regex bool) map[string]any {
	return map[string]any{"type": "ByteLevel", "add_prefix_space": prefix, "trim_offsets": true, "use_regex": regex}
}

func splitPre(behavior string) map[string]any {
	return map[string]any{"type": "Sequence", "pretokenizers": []any{
		map[string]any{"type": "Split", "pattern": map[string]any{"Regex": `[0-9]|\s`}, "behavior": behavior},
		byteLevelPre(false, false)}}
}

var byteDecoder = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}

var bosTemplate = map[string]any{"type": "TemplateProcessing",
	"single":         []any{map[string]any{"SpecialToken": map[string]any{"id": "<s>", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}},
	"pair":           []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
	"special_tokens": map[string]any{"<s>": map[string]any{"id": "<s>", "ids": []int{1}, "tokens": []string{"<s>"}}}}

var synthetics = []synthetic{
	{name: "metaspace first (Mistral v0.3 style)", pre: metaspace("first"), decoder: metaspace("first"), post: bosTemplate},
	{name: "metaspace always", pre: metaspace("always"), decoder: metaspace("always"), post: bosTemplate},
	{name: "gpt2 byte level with prefix space", byteLevel: true, pre: byteLevelPre(true, true), decoder: byteDecoder},
	{name: "normalizer chain", byteLevel: true, decoder: byteDecoder, pre: byteLevelPre(false, true),
		normalizer: map[string]any{"type": "Sequence", "normalizers": []any{
			map[string]any{"type": "NFKC"}, map[string]any{"type": "Lowercase"},
			map[string]any{"type": "Replace", "pattern": map[string]any{"Regex": `\s+`}, "content": " "}}}},
	{name: "digits", byteLevel: true, decoder: byteDecoder, pre: map[string]any{"type": "Sequence", "pretokenizers": []any{
		map[string]any{"type": "Digits", "individual_digits": true}, byteLevelPre(false, true)}}},
	{name: "split isolated", byteLevel: true, decoder: byteDecoder, pre: splitPre("Isolated")},
	{name: "split removed", byteLevel: true, decoder: byteDecoder, pre: splitPre("Removed")},
	// transformers.js implements only these two Split behaviours; TestSplitBehaviors covers the rest.
}

var syntheticTexts = []string{
	"Hello world", "  the there then 123 4567 in inner", "Ünïcödé ＨＥＬＬＯ  Ｗｏｒｌｄ", "a\tb\n\nc  d",
	"x<|user|>y <mask> z", "<s>start", "12345 and 6", "emoji 🙂 and 中文", "",
	"<|user|>hello", " leading", "trailing  ",
}

// writeSynthetic writes tokenizer.json and tokenizer_config.json for s into a new folder.
func writeSynthetic(t *testing.T, s synthetic) string {
	t.Helper()
	vocab := map[string]int{}
	add := func(tok string) {
		if _, ok := vocab[tok]; !ok {
			vocab[tok] = len(vocab)
		}
	}
	merges := charMerges
	for _, tok := range []string{"<unk>", "<s>", "</s>"} {
		add(tok)
	}
	if s.byteLevel {
		merges = byteMerges
		for b := 0; b < 256; b++ {
			add(string(byteToRune[b]))
		}
	} else {
		for b := 0; b < 256; b++ {
			add(fmt.Sprintf("<0x%02X>", b))
		}
		for _, r := range "▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'" {
			add(string(r))
		}
	}
	var mergeList []any
	for _, m := range merges {
		add(m[0] + m[1])
		mergeList = append(mergeList, []string{m[0], m[1]})
	}
	added := []any{}
	for i, a := range []struct {
		content        string
		special, strip bool
	}{{"<unk>", true, false}, {"<s>", true, false}, {"</s>", true, false}, {"<|user|>", true, false}, {"<mask>", false, true}} {
		id := i
		if i >= 3 {
			id = len(vocab) + i - 3
		}
		added = append(added, map[string]any{"id": id, "content": a.content, "single_word": false, "lstrip": a.strip,
			"rstrip": a.strip, "normalized": false, "special": a.special})
	}
	model := map[string]any{"type": "BPE", "dropout": nil, "unk_token": "<unk>", "continuing_subword_prefix": nil,
		"end_of_word_suffix": nil, "fuse_unk": !s.byteLevel, "byte_fallback": !s.byteLevel, "vocab": vocab, "merges": mergeList}
	tj := map[string]any{"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added,
		"normalizer": s.normalizer, "pre_tokenizer": s.pre, "post_processor": s.post, "decoder": s.decoder, "model": model}
	cfg := map[string]any{"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
		"unk_token": "<unk>", "clean_up_tokenization_spaces": false}
	dir := t.TempDir()
	for name, v := range map[string]any{"tokenizer.json": tj, "tokenizer_config.json": cfg} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSyntheticMatchesReference(t *testing.T) {
	nodeModules(t)
	for _, s := range synthetics {
		t.Run(s.name, func(t *testing.T) {
			dir := writeSynthetic(t, s)
			tok, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			var ids [][]int
			for _, text := range syntheticTexts {
				x, err := tok.Encode(text, true)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, x)
			}
			ref := reference(t, dir, syntheticTexts, ids)
			for i, text := range syntheticTexts {
				got, _ := tok.Encode(text, false)
				if !slices.Equal(got, ref.Encode[i]) {
					t.Errorf("Encode(%q) = %v, reference %v", text, got, ref.Encode[i])
				}
				if !slices.Equal(ids[i], ref.EncodeSpecial[i]) {
					t.Errorf("Encode(%q, addSpecial) = %v, reference %v", text, ids[i], ref.EncodeSpecial[i])
				}
				if got := tok.Decode(ids[i], false); got != ref.Decode[i] {
					t.Errorf("Decode(%v) = %q, reference %q", ids[i], got, ref.Decode[i])
				}
				if got := tok.Decode(ids[i], true); got != ref.DecodeSkip[i] {
					t.Errorf("Decode(%v, skipSpecial) = %q, reference %q", ids[i], got, ref.DecodeSkip[i])
				}
			}
		})
	}
}

// TestSplitBehaviors: the expected pieces are the examples of Hugging Face tokenizers'
// SplitDelimiterBehavior documentation ("the-final--countdown" split on "-").
func TestSplitBehaviors(t *testing.T) {
	for _, c := range []struct {
		behavior string
		invert   bool
		want     []string
	}{
		{"Removed", false, []string{"the", "final", "countdown"}},
		{"Isolated", false, []string{"the", "-", "final", "-", "-", "countdown"}},
		{"MergedWithPrevious", false, []string{"the-", "final-", "-", "countdown"}},
		{"MergedWithNext", false, []string{"the", "-final", "-", "-countdown"}},
		{"Contiguous", false, []string{"the", "-", "final", "--", "countdown"}},
		{"Removed", true, []string{"-", "-", "-"}},
		{"Isolated", true, []string{"the", "-", "final", "-", "-", "countdown"}},
	} {
		t.Run(fmt.Sprintf("%s invert=%v", c.behavior, c.invert), func(t *testing.T) {
			dash := "-"
			pre, err := newPreTokenizer(&component{Type: "Split", Pattern: &patternJSON{String: &dash}, Behavior: c.behavior, Invert: c.invert})
			if err != nil {
				t.Fatal(err)
			}
			if got := pre([]string{"the-final--countdown"}, true); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestMetaspaceSplit: with split on (the default of current files), Hugging Face cuts before
// every replacement character and keeps it with the next word ("Hey friend!" →
// "▁Hey", "▁friend!" in its documentation); "first" prefixes only the start of the input.
func TestMetaspaceSplit(t *testing.T) {
	for _, c := range []struct {
		scheme string
		first  bool
		in     string
		want   []string
	}{
		{"always", true, "Hey friend!", []string{"▁Hey", "▁friend!"}},
		{"always", true, "c  d", []string{"▁c", "▁", "▁d"}},
		{"first", true, "Hey friend!", []string{"▁Hey", "▁friend!"}},
		{"first", false, "Hey friend!", []string{"Hey", "▁friend!"}},
		{"never", true, " Hey", []string{"▁Hey"}},
	} {
		t.Run(c.scheme+"/"+c.in, func(t *testing.T) {
			pre, err := newPreTokenizer(&component{Type: "Metaspace", Replacement: "▁", PrependScheme: c.scheme})
			if err != nil {
				t.Fatal(err)
			}
			if got := pre([]string{c.in}, c.first); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
