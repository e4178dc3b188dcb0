package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// fileJSON is the part of a Hugging Face tokenizer.json that mirage reads.
type fileJSON struct {
	AddedTokens   []AddedTokenJSON `json:"added_tokens"`
	Normalizer    *component       `json:"normalizer"`
	PreTokenizer  *component       `json:"pre_tokenizer"`
	PostProcessor *component       `json:"post_processor"`
	Decoder       *component       `json:"decoder"`
	Model         modelJSON        `json:"model"`
}

// AddedTokenJSON is one entry of tokenizer.json's "added_tokens", as Hugging Face tokenizers
// writes it; mirage reads it here and writes it for the tokenizers it trains itself.
type AddedTokenJSON struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type modelJSON struct {
	Type                    string         `json:"type"`
	Vocab                   map[string]int `json:"vocab"`
	Merges                  []mergeJSON    `json:"merges"`
	UnkToken                *string        `json:"unk_token"`
	FuseUnk                 bool           `json:"fuse_unk"`
	ByteFallback            bool           `json:"byte_fallback"`
	IgnoreMerges            bool           `json:"ignore_merges"`
	Dropout                 *float64       `json:"dropout"`
	ContinuingSubwordPrefix *string        `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string        `json:"end_of_word_suffix"`
}

// mergeJSON is one merge rule, written either "a b" (older files) or ["a", "b"] (newer ones).
type mergeJSON [2]string

func (m *mergeJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		i := bytes.IndexByte([]byte(s), ' ')
		if i < 0 {
			return fmt.Errorf("merge %q: want two tokens separated by a space", s)
		}
		m[0], m[1] = s[:i], s[i+1:]
		return nil
	}
	var pair []string
	if err := json.Unmarshal(b, &pair); err != nil {
		return fmt.Errorf("merge %s: want \"a b\" or [\"a\", \"b\"]", b)
	}
	if len(pair) != 2 {
		return fmt.Errorf("merge %s: want exactly two tokens", b)
	}
	m[0], m[1] = pair[0], pair[1]
	return nil
}

// component is any normalizer, pre-tokenizer, post-processor or decoder object; which fields
// matter depends on Type.
type component struct {
	Type          string      `json:"type"`
	Normalizers   []component `json:"normalizers"`
	Pretokenizers []component `json:"pretokenizers"`
	Processors    []component `json:"processors"`
	Decoders      []component `json:"decoders"`

	Prepend  string       `json:"prepend"`
	Pattern  *patternJSON `json:"pattern"`
	Content  string       `json:"content"`
	Behavior string       `json:"behavior"`
	Invert   bool         `json:"invert"`

	AddPrefixSpace   *bool  `json:"add_prefix_space"`
	UseRegex         *bool  `json:"use_regex"`
	Replacement      string `json:"replacement"`
	PrependScheme    string `json:"prepend_scheme"`
	Split            *bool  `json:"split"`
	IndividualDigits bool   `json:"individual_digits"`
	Start            int    `json:"start"`
	Stop             int    `json:"stop"`
	StripLeft        bool   `json:"strip_left"`
	StripRight       bool   `json:"strip_right"`

	Single        []templateItem                `json:"single"`
	SpecialTokens map[string]templateSpecialTok `json:"special_tokens"`
}

type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type templateItem struct {
	SpecialToken *struct {
		ID string `json:"id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID string `json:"id"`
	} `json:"Sequence"`
}

type templateSpecialTok struct {
	ID  string `json:"id"`
	IDs []int  `json:"ids"`
}

// configJSON is the part of tokenizer_config.json / special_tokens_map.json read here. Special
// token entries are either a string or an object with "content".
type configJSON struct {
	BOS json.RawMessage `json:"bos_token"`
	EOS json.RawMessage `json:"eos_token"`
	PAD json.RawMessage `json:"pad_token"`
	UNK json.RawMessage `json:"unk_token"`
}

// tokenText extracts the text of a special-token entry; "" when absent or null.
func tokenText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("want a string or {\"content\": ...}, got %s", raw)
	}
	return obj.Content, nil
}
