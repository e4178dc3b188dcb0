package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// decoder turns token strings back into text, as a chain over the token list (Hugging Face's
// decode_chain): some steps work per token, others (ByteLevel, Fuse) join them.
type decoder func(toks []string) []string

func newDecoder(c *component) (decoder, error) {
	if c == nil {
		return nil, nil
	}
	switch c.Type {
	case "Sequence":
		var steps []decoder
		for i := range c.Decoders {
			d, err := newDecoder(&c.Decoders[i])
			if err != nil {
				return nil, err
			}
			if d != nil {
				steps = append(steps, d)
			}
		}
		return func(toks []string) []string {
			for _, d := range steps {
				toks = d(toks)
			}
			return toks
		}, nil
	case "ByteLevel":
		return decodeByteLevel, nil
	case "ByteFallback":
		return decodeByteFallback, nil
	case "Fuse":
		return func(toks []string) []string { return []string{strings.Join(toks, "")} }, nil
	case "Replace":
		f, err := newReplace(c)
		if err != nil {
			return nil, fmt.Errorf("decoder %w", err)
		}
		return perToken(f), nil
	case "Strip":
		content, start, stop := c.Content, c.Start, c.Stop
		return perToken(func(s string) string {
			for i := 0; i < start && strings.HasPrefix(s, content); i++ {
				s = s[len(content):]
			}
			for i := 0; i < stop && strings.HasSuffix(s, content); i++ {
				s = s[:len(s)-len(content)]
			}
			return s
		}), nil
	case "Metaspace":
		repl := c.Replacement
		if repl == "" {
			repl = "▁"
		}
		strip := c.PrependScheme != "never" && (c.AddPrefixSpace == nil || *c.AddPrefixSpace)
		return func(toks []string) []string {
			out := make([]string, len(toks))
			for i, t := range toks {
				t = strings.ReplaceAll(t, repl, " ")
				if i == 0 && strip {
					t = strings.TrimPrefix(t, " ")
				}
				out[i] = t
			}
			return out
		}, nil
	}
	return nil, fmt.Errorf("decoder %q is not supported", c.Type)
}

func perToken(f func(string) string) decoder {
	return func(toks []string) []string {
		out := make([]string, len(toks))
		for i, t := range toks {
			out[i] = f(t)
		}
		return out
	}
}

// decodeByteLevel maps GPT-2 byte characters back to bytes. A token with a character outside
// the map (an added token such as a CJK marker) contributes its own UTF-8 bytes.
func decodeByteLevel(toks []string) []string {
	var buf []byte
	for _, t := range toks {
		start := len(buf)
		for _, r := range t {
			b, ok := runeToByte[r]
			if !ok {
				buf = append(buf[:start], t...)
				break
			}
			buf = append(buf, b)
		}
	}
	return []string{lossyUTF8(buf)}
}

// decodeByteFallback turns runs of "<0xXX>" tokens into the text of their bytes; a run that is
// not valid UTF-8 becomes one U+FFFD per byte.
func decodeByteFallback(toks []string) []string {
	out := make([]string, 0, len(toks))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			out = append(out, strings.Repeat("\uFFFD", len(pending)))
		}
		pending = pending[:0]
	}
	for _, t := range toks {
		if b, ok := parseByteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// parseByteToken recognises "<0xXX>" (upper-case hex, as SentencePiece writes it).
func parseByteToken(t string) (byte, bool) {
	if len(t) != 6 || t[:3] != "<0x" || t[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(t[3:5]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'A' && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// lossyUTF8 decodes b, replacing each maximal invalid subsequence with one U+FFFD — the WHATWG
// rule that both Rust's from_utf8_lossy and JavaScript's TextDecoder follow (Go's
// strings.ToValidUTF8 would merge adjacent invalid sequences into one).
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[i : i+size])
			i += size
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return sb.String()
}

// maximalSubpart is the length of the longest prefix of b that could start a valid UTF-8
// sequence (at least 1), i.e. how many bytes one replacement character stands for.
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}
