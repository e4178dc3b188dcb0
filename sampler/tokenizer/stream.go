package tokenizer

import "strings"

// Stream decodes ids one at a time for streaming output and stop-string checks. The text it
// returns, concatenated and followed by Flush, equals Decode(ids, true) of all ids added (after
// SetContext: what they add to the context's decode).
// A Stream is not safe for concurrent use; make one per sequence with NewStream.
type Stream struct {
	t      *Tokenizer
	ids    []int  // decode window: context ids (already emitted) followed by pending ones
	ctx    int    // number of context ids at the start of ids
	prefix string // Decode of the context ids
}

// NewStream starts an incremental decoder. It skips special tokens, as sampled text does.
func (t *Tokenizer) NewStream() *Stream { return &Stream{t: t} }

// contextIDs is how many trailing ids of a context SetContext keeps: enough to put the first
// new id mid-text for every decoder (as vLLM's detokenizer does with its prefix offset).
const contextIDs = 8

// SetContext restarts the stream to decode text that continues ids (a completion after its
// prompt): the text it then returns is what decoding ids plus the added ids adds to decoding ids
// alone. A first token's leading space is therefore kept ("▁Ф" gives " Ф", where a Llama-2
// Metaspace decoder strips it at the start of a text), so prompt text + completion text is the
// decode of prompt ids + completion ids. Context ids that end inside a character are dropped,
// so a prompt cut mid-character cannot hold back the completion.
func (s *Stream) SetContext(ids []int) {
	ids = ids[len(ids)-min(len(ids), contextIDs):]
	for ; len(ids) > 0; ids = ids[:len(ids)-1] {
		if prefix := s.t.Decode(ids, true); !strings.HasSuffix(prefix, "\uFFFD") {
			*s = Stream{t: s.t, ids: append([]int(nil), ids...), ctx: len(ids), prefix: prefix}
			return
		}
	}
	*s = Stream{t: s.t}
}

// Add appends id and returns the text it completes, which may be "" — held back while the
// ids so far end inside a UTF-8 character (byte-level or "<0xXX>" pieces) or decode to nothing.
//
// The window is decoded with the previously emitted ids as context, so decoders that strip a
// leading space from the first token (Llama-2's Strip, Metaspace) do not strip it mid-text.
func (s *Stream) Add(id int) string {
	s.ids = append(s.ids, id)
	text := s.t.Decode(s.ids, true)
	if len(text) <= len(s.prefix) || strings.HasSuffix(text, "\uFFFD") || !strings.HasPrefix(text, s.prefix) {
		return ""
	}
	out := text[len(s.prefix):]
	s.ids = s.ids[s.ctx:]
	s.ctx = len(s.ids)
	s.prefix = s.t.Decode(s.ids, true)
	return out
}

// Flush returns the held-back text (an incomplete character becomes U+FFFD, as in Decode) and
// resets the stream to start a new text.
func (s *Stream) Flush() string {
	text := s.t.Decode(s.ids, true)
	out := ""
	if len(text) > len(s.prefix) && strings.HasPrefix(text, s.prefix) {
		out = text[len(s.prefix):]
	}
	*s = Stream{t: s.t}
	return out
}
