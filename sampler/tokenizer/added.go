package tokenizer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddedToken is a token declared in tokenizer.json's "added_tokens": chat markers, BOS/EOS and
// the like. They are matched in the raw text before any normalization or pre-tokenization, so
// "<|im_start|>" typed inside a prompt becomes its single id.
type AddedToken struct {
	ID      int
	Content string
	// Special tokens are dropped by Decode(ids, true).
	Special bool

	lstrip, rstrip, singleWord, normalized bool
}

// matcher finds added tokens in text, leftmost first and longest among those starting at the
// same place (what Hugging Face's Aho-Corasick split does).
type matcher struct {
	byFirst [256][]*AddedToken // candidates by first byte, longest first
}

func newMatcher(toks []*AddedToken) *matcher {
	m := &matcher{}
	for _, t := range toks {
		if t.Content == "" {
			continue
		}
		c := t.Content[0]
		m.byFirst[c] = append(m.byFirst[c], t)
	}
	for i := range m.byFirst {
		l := m.byFirst[i]
		sort.SliceStable(l, func(a, b int) bool { return len(l[a].Content) > len(l[b].Content) })
	}
	return m
}

// segment is a piece of the input: either plain text (tok == nil) or one added token.
type segment struct {
	text string
	tok  *AddedToken
}

// split cuts s into plain text and added tokens. lstrip/rstrip tokens swallow the whitespace
// beside them; single_word tokens only match between non-word characters.
func (m *matcher) split(s string, out []segment) []segment {
	if m == nil {
		return append(out, segment{text: s})
	}
	plainStart := 0
	for i := 0; i < len(s); i++ {
		cands := m.byFirst[s[i]]
		if len(cands) == 0 {
			continue
		}
		for _, t := range cands {
			if !strings.HasPrefix(s[i:], t.Content) {
				continue
			}
			start, end := i, i+len(t.Content)
			if t.singleWord && (isWordBefore(s, start) || isWordAfter(s, end)) {
				continue
			}
			if t.lstrip {
				for start > plainStart {
					r, size := utf8.DecodeLastRuneInString(s[plainStart:start])
					if !unicode.IsSpace(r) {
						break
					}
					start -= size
				}
			}
			if t.rstrip {
				for end < len(s) {
					r, size := utf8.DecodeRuneInString(s[end:])
					if !unicode.IsSpace(r) {
						break
					}
					end += size
				}
			}
			if start > plainStart {
				out = append(out, segment{text: s[plainStart:start]})
			}
			out = append(out, segment{text: s[start:end], tok: t})
			plainStart = end
			i = end - 1
			break
		}
	}
	if plainStart < len(s) {
		out = append(out, segment{text: s[plainStart:]})
	}
	return out
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func isWordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

func isWordAfter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}
