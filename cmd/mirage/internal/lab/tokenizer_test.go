package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets/synth"
	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

func labTexts(t *testing.T) []string {
	t.Helper()
	var texts []string
	for _, task := range synth.Tasks() {
		items, err := synth.Generate(task, 3, 200, 9)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			texts = append(texts, TokUser+it.Question+TokAssistant+it.Response()+TokEOS)
		}
	}
	return texts
}

// TestTokenizer checks the trained tokenizer.json through mirage's native tokenizer (the one
// the sampler and trainer use): it loads, is deterministic, round-trips every text, keeps the
// format tags and chat markers as single ids, spells numbers digit by digit, and the merges
// it learned shorten the texts. (sampler/tokenizer's reference test compares the shipped
// models' tokenizer with transformers.js id for id.)
func TestTokenizer(t *testing.T) {
	texts := labTexts(t)
	dir := t.TempDir()
	if err := WriteTokenizer(dir, texts, 120); err != nil {
		t.Fatal(err)
	}
	again, err := TrainTokenizer(texts, 120)
	if err != nil {
		t.Fatal(err)
	}
	first, err := TrainTokenizer(texts, 120)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("two trainings on the same texts gave different tokenizer.json")
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := VocabSize(first); tok.VocabSize() != n || n != len(addedTokens)+256+120 {
		t.Fatalf("vocab %d (file %d), want %d added + 256 bytes + 120 merges", tok.VocabSize(), n, len(addedTokens))
	}
	if eos := tok.Special().EOS; eos == nil || eos.Text != TokEOS || eos.ID != 1 {
		t.Fatalf("EOS %+v, want %s at id 1 (config.json's eos_token_id)", eos, TokEOS)
	}
	bytesTotal, idsTotal := 0, 0
	for _, text := range texts {
		ids, err := tok.Encode(text, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Decode(ids, false); got != text {
			t.Fatalf("round trip of %q gave %q", text, got)
		}
		bytesTotal, idsTotal = bytesTotal+len(text), idsTotal+len(ids)
	}
	if ratio := float64(bytesTotal) / float64(idsTotal); ratio < 2 {
		t.Errorf("%.2f bytes per token: the merges barely compress the lab texts", ratio)
	}
	for _, c := range []struct {
		text string
		want int
	}{
		{"<think>", 1}, {"</answer>", 1}, {`\boxed{`, 1}, {TokAssistant, 1},
		{"1234", 4}, {"-17=8", 5}, // digits are never merged
	} {
		ids, err := tok.Encode(c.text, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != c.want {
			t.Errorf("%q is %d tokens %v, want %d", c.text, len(ids), ids, c.want)
		}
	}
	tpl, err := chat.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render([]chat.Message{{Role: "user", Content: "What is 1+2?"}}, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := TokUser + "What is 1+2?" + TokAssistant; got != want {
		t.Fatalf("chat template rendered %q, want %q", got, want)
	}
	if strings.Contains(string(first), `\u003c`) {
		t.Error("tokenizer.json escapes < as \\u003c")
	}
}
