package tokenizer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/dlclark/regexp2"
	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites the text of one segment (between added tokens) before pre-tokenization.
type normalizer func(string) string

func newNormalizer(c *component) (normalizer, error) {
	if c == nil {
		return nil, nil
	}
	switch c.Type {
	case "Sequence":
		var steps []normalizer
		for i := range c.Normalizers {
			n, err := newNormalizer(&c.Normalizers[i])
			if err != nil {
				return nil, err
			}
			if n != nil {
				steps = append(steps, n)
			}
		}
		return func(s string) string {
			for _, n := range steps {
				s = n(s)
			}
			return s
		}, nil
	case "NFC":
		return norm.NFC.String, nil
	case "NFD":
		return norm.NFD.String, nil
	case "NFKC":
		return norm.NFKC.String, nil
	case "NFKD":
		return norm.NFKD.String, nil
	case "Lowercase":
		return strings.ToLower, nil
	case "Prepend":
		p := c.Prepend
		return func(s string) string {
			if s == "" {
				return s
			}
			return p + s
		}, nil
	case "Strip":
		left, right := c.StripLeft, c.StripRight
		return func(s string) string {
			if left {
				s = strings.TrimLeftFunc(s, unicode.IsSpace)
			}
			if right {
				s = strings.TrimRightFunc(s, unicode.IsSpace)
			}
			return s
		}, nil
	case "Replace":
		return newReplace(c)
	}
	return nil, fmt.Errorf("normalizer %q is not supported", c.Type)
}

// newReplace builds the Replace step shared by normalizers and decoders.
func newReplace(c *component) (func(string) string, error) {
	if c.Pattern == nil {
		return nil, fmt.Errorf("%s: missing pattern", c.Type)
	}
	if c.Pattern.String != nil {
		old, with := *c.Pattern.String, c.Content
		return func(s string) string { return strings.ReplaceAll(s, old, with) }, nil
	}
	re, err := compileRegex(c.Pattern)
	if err != nil {
		return nil, err
	}
	// The content is literal ("$1" is not a group reference in Hugging Face's Replace).
	with := func(regexp2.Match) string { return c.Content }
	return func(s string) string {
		out, err := re.ReplaceFunc(s, with, -1, -1)
		if err != nil { // only a match timeout, which is never set
			return s
		}
		return out
	}, nil
}

// compileRegex compiles a tokenizer.json pattern with regexp2, whose backtracking semantics
// (leftmost-first alternation, look-ahead, Unicode \s and \p{..}) match the Oniguruma engine
// Hugging Face uses. Go's regexp has no look-ahead for `\s+(?!\S)`, and its \s is ASCII only.
func compileRegex(p *patternJSON) (*regexp2.Regexp, error) {
	switch {
	case p.Regex != nil:
		re, err := regexp2.Compile(*p.Regex, regexp2.Unicode)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", *p.Regex, err)
		}
		return re, nil
	case p.String != nil:
		return regexp2.MustCompile(regexp2.Escape(*p.String), regexp2.None), nil
	}
	return nil, fmt.Errorf("pattern: want String or Regex")
}

// preTokenizer splits segments into the pieces the BPE model sees. first tells whether the
// segment starts the input (Metaspace's prepend_scheme "first" only prefixes that one).
type preTokenizer func(pieces []string, first bool) []string

// gpt2Pattern is the split rule of the ByteLevel pre-tokenizer when use_regex is on.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

func newPreTokenizer(c *component) (preTokenizer, error) {
	if c == nil {
		return nil, nil
	}
	switch c.Type {
	case "Sequence":
		var steps []preTokenizer
		for i := range c.Pretokenizers {
			p, err := newPreTokenizer(&c.Pretokenizers[i])
			if err != nil {
				return nil, err
			}
			if p != nil {
				steps = append(steps, p)
			}
		}
		return func(pieces []string, first bool) []string {
			for _, p := range steps {
				pieces = p(pieces, first)
			}
			return pieces
		}, nil
	case "Split":
		if c.Pattern == nil {
			return nil, fmt.Errorf("pre-tokenizer Split: missing pattern")
		}
		re, err := compileRegex(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pre-tokenizer Split: %w", err)
		}
		behavior := c.Behavior
		switch behavior {
		case "Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous":
		default:
			return nil, fmt.Errorf("pre-tokenizer Split: behavior %q is not supported", behavior)
		}
		invert := c.Invert
		return eachPiece(func(s string, out []string) []string {
			return splitRegex(re, s, behavior, invert, out)
		}), nil
	case "ByteLevel":
		prefix := c.AddPrefixSpace != nil && *c.AddPrefixSpace
		useRegex := c.UseRegex == nil || *c.UseRegex
		re := regexp2.MustCompile(gpt2Pattern, regexp2.Unicode)
		return eachPiece(func(s string, out []string) []string {
			if prefix && !strings.HasPrefix(s, " ") {
				s = " " + s
			}
			if !useRegex {
				return append(out, byteLevel(s))
			}
			start := len(out)
			out = splitRegex(re, s, "Isolated", false, out)
			for i := start; i < len(out); i++ {
				out[i] = byteLevel(out[i])
			}
			return out
		}), nil
	case "Metaspace":
		repl := c.Replacement
		if repl == "" {
			repl = "▁"
		}
		scheme := c.PrependScheme
		if scheme == "" {
			scheme = "always"
			if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
				scheme = "never"
			}
		}
		split := c.Split == nil || *c.Split
		return func(pieces []string, first bool) []string {
			var out []string
			for i, s := range pieces {
				s = strings.ReplaceAll(s, " ", repl)
				if (scheme == "always" || scheme == "first" && first && i == 0) && !strings.HasPrefix(s, repl) {
					s = repl + s
				}
				if !split {
					out = append(out, s)
					continue
				}
				// Each word keeps its leading replacement character (MergedWithNext).
				for len(s) > 0 {
					j := strings.Index(s[1:], repl)
					if j < 0 {
						out = append(out, s)
						break
					}
					out = append(out, s[:j+1])
					s = s[j+1:]
				}
			}
			return out
		}, nil
	case "Digits":
		individual := c.IndividualDigits
		return eachPiece(func(s string, out []string) []string {
			start, prevNum := 0, false
			for i, r := range s {
				num := unicode.IsNumber(r)
				if i > 0 && (num != prevNum || individual && num) {
					out = append(out, s[start:i])
					start = i
				}
				prevNum = num
			}
			if start < len(s) {
				out = append(out, s[start:])
			}
			return out
		}), nil
	}
	return nil, fmt.Errorf("pre-tokenizer %q is not supported", c.Type)
}

// eachPiece lifts a per-piece split into a preTokenizer.
func eachPiece(f func(s string, out []string) []string) preTokenizer {
	return func(pieces []string, _ bool) []string {
		out := make([]string, 0, len(pieces)*2)
		for _, s := range pieces {
			out = f(s, out)
		}
		return out
	}
}

// splitRegex splits s around the matches of re the way the Split pre-tokenizer's behaviours do.
func splitRegex(re *regexp2.Regexp, s string, behavior string, invert bool, out []string) []string {
	type span struct {
		a, b  int
		match bool
	}
	var spans []span
	// regexp2 reports rune offsets; byteAt converts them back for slicing s.
	runes := make([]rune, 0, len(s))
	byteAt := make([]int, 0, len(s)+1)
	for i, r := range s {
		runes = append(runes, r)
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(s))
	last := 0
	m, _ := re.FindRunesMatch(runes)
	for m != nil {
		a, b := byteAt[m.Index], byteAt[m.Index+m.Length]
		if b > a {
			if a > last {
				spans = append(spans, span{last, a, invert})
			}
			spans = append(spans, span{a, b, !invert})
			last = b
		}
		m, _ = re.FindNextMatch(m)
	}
	if last < len(s) {
		spans = append(spans, span{last, len(s), invert})
	}
	switch behavior {
	case "Isolated":
		for _, sp := range spans {
			out = append(out, s[sp.a:sp.b])
		}
	case "Removed":
		for _, sp := range spans {
			if !sp.match {
				out = append(out, s[sp.a:sp.b])
			}
		}
	// As in Hugging Face: a match joins its neighbour only when that neighbour is not itself a
	// match, so in a run of matches only the first (previous) or last (next) one joins.
	case "MergedWithPrevious":
		start, prevMatch := len(out), false
		for _, sp := range spans {
			if sp.match && !prevMatch && len(out) > start {
				out[len(out)-1] += s[sp.a:sp.b]
			} else {
				out = append(out, s[sp.a:sp.b])
			}
			prevMatch = sp.match
		}
	case "MergedWithNext":
		start, nextMatch := len(out), false
		for i := len(spans) - 1; i >= 0; i-- {
			sp := spans[i]
			if sp.match && !nextMatch && len(out) > start {
				out[len(out)-1] = s[sp.a:sp.b] + out[len(out)-1]
			} else {
				out = append(out, s[sp.a:sp.b])
			}
			nextMatch = sp.match
		}
		slices.Reverse(out[start:])
	case "Contiguous":
		prevMatch := false
		start := len(out)
		for _, sp := range spans {
			if sp.match && prevMatch && len(out) > start {
				out[len(out)-1] += s[sp.a:sp.b]
			} else {
				out = append(out, s[sp.a:sp.b])
			}
			prevMatch = sp.match
		}
	}
	return out
}

// byteToRune is GPT-2's reversible map from bytes to printable characters: printable Latin-1
// bytes stand for themselves, the rest are shifted to U+0100 and up.
var byteToRune, runeToByte = func() ([256]rune, map[rune]byte) {
	var b2r [256]rune
	r2b := make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			b2r[b] = rune(b)
		} else {
			b2r[b] = rune(256 + n)
			n++
		}
		r2b[b2r[b]] = byte(b)
	}
	return b2r, r2b
}()

func byteLevel(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		sb.WriteRune(byteToRune[s[i]])
	}
	return sb.String()
}
