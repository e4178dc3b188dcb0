package train

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

const tinyLlama = "../testdata/models/tiny-llama"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadExamples(t *testing.T) {
	tok, err := tokenizer.Load(tinyLlama)
	if err != nil {
		t.Fatal(err)
	}
	eos := tok.Special().EOS.ID
	opts := DataOptions{Tokenizer: tok, EOS: eos}
	enc := func(s string, special bool) []int {
		ids, err := tok.Encode(s, special)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	cases := []struct {
		name, file, content string
		want                []Example
	}{
		{"token ids", "a.jsonl", "{\"prompt_ids\": [1, 5], \"response_ids\": [7, 2]}\n\n{\"prompt_ids\": [], \"response_ids\": [3]}\n",
			[]Example{{[]int{1, 5}, []int{7, 2}}, {[]int{}, []int{3}}}},
		{"text pairs", "b.jsonl", `{"prompt": "What is 2+2?", "response": " 4"}`,
			[]Example{{enc("What is 2+2?", true), append(enc(" 4", false), eos)}}},
		{"chat prompt under raw: contents joined", "d.jsonl", `{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], "response": "x"}`,
			[]Example{{enc("Be brief.\n\nhi", true), append(enc("x", false), eos)}}},
		{"problems: ground_truth is the response", "c.jsonl", `{"id": "p1", "prompt": "Add 1 and 1.", "ground_truth": "2"}`,
			[]Example{{enc("Add 1 and 1.", true), append(enc("2", false), eos)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadExamples(writeFile(t, tc.file, tc.content), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d examples, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !slices.Equal(got[i].Prompt, tc.want[i].Prompt) || !slices.Equal(got[i].Response, tc.want[i].Response) {
					t.Errorf("example %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
			if tc.name == "text pairs" && got[0].Prompt[0] != tok.Special().BOS.ID {
				t.Errorf("prompt does not start with BOS: %v", got[0].Prompt)
			}
		})
	}

	errCases := []struct {
		name, content string
		opts          DataOptions
		line          int
		want          string
	}{
		{"bad json on line 2", "{\"prompt_ids\": [1], \"response_ids\": [2]}\n{\"prompt_ids\": [1], \n", opts, 2, "prompt_ids"},
		{"unknown field", "{\"prompt_ids\": [1], \"response_ids\": [2], \"x\": 1}\n", opts, 1, "unknown field"},
		{"id outside vocabulary", "{\"prompt_ids\": [1], \"response_ids\": [2, 99]}\n", DataOptions{EOS: -1, VocabSize: 50}, 1, "99"},
		{"negative id", "{\"prompt_ids\": [-3], \"response_ids\": [2]}\n", opts, 1, "-3"},
		{"empty response ids", "{\"prompt_ids\": [1], \"response_ids\": []}\n", opts, 1, "non-empty"},
		{"missing response", "{\"response\": \"x\"}\n{\"prompt\": \"y\"}\n", opts, 1, "both prompt and response"},
		{"chat template missing", `{"prompt": [{"role": "user", "content": "hi"}], "response": "x"}`,
			DataOptions{Tokenizer: tok, EOS: eos, Template: TemplateChat}, 1, "chat template"},
		{"text without tokenizer", `{"prompt": "a", "response": "b"}`, DataOptions{EOS: -1}, 1, "tokenizer"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "bad.jsonl", tc.content)
			_, err := ReadExamples(path, tc.opts)
			var de *datasets.DataError
			if !errors.As(err, &de) || de.Line != tc.line || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v; want a DataError for %s line %d mentioning %q", err, path, tc.line, tc.want)
			}
		})
	}
}

func TestMakeBatch(t *testing.T) {
	examples := []Example{
		{Prompt: []int{1, 2, 3}, Response: []int{4, 5}},
		{Prompt: []int{6}, Response: []int{7, 8, 9, 10}},
	}
	b, tokens := makeBatch(examples, 100)
	if tokens != 6 {
		t.Errorf("%d scored tokens, want 6 (all response tokens)", tokens)
	}
	wantIDs := [][]int{{1, 2, 3, 4}, {6, 7, 8, 9}}
	wantTargets := [][]int{{2, 3, 4, 5}, {7, 8, 9, 10}}
	wantMask := [][]float32{{0, 0, 1, 1}, {1, 1, 1, 1}}
	for i := range examples {
		if len(b.IDs[i]) != padBucket {
			t.Fatalf("row %d has %d positions, want padding to %d", i, len(b.IDs[i]), padBucket)
		}
		if !slices.Equal(b.IDs[i][:4], wantIDs[i]) || !slices.Equal(b.Targets[i][:4], wantTargets[i]) || !slices.Equal(b.Mask[i][:4], wantMask[i]) {
			t.Errorf("row %d: ids %v targets %v mask %v", i, b.IDs[i][:4], b.Targets[i][:4], b.Mask[i][:4])
		}
		if slices.ContainsFunc(b.Mask[i][4:], func(m float32) bool { return m != 0 }) {
			t.Errorf("row %d: padding is scored", i)
		}
	}
	// Fixed bug: padding appended in place overwrote the last target (the response's EOS) with
	// the pad id whenever the row's spare capacity held the padding, so SFT taught the model to
	// emit the pad token instead of EOS (prompt 8 + response 7 tokens: 14 inputs, padded to 16).
	long := Example{Prompt: []int{1, 2, 3, 4, 5, 6, 7, 8}, Response: []int{9, 10, 11, 12, 13, 14, 15}}
	b, _ = makeBatch([]Example{long}, 100)
	if got := b.Targets[0][:14]; !slices.Equal(got, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) {
		t.Errorf("targets %v, want 2 … 15 (the last response token kept)", got)
	}
	// Truncation keeps the first maxLen inputs.
	b, tokens = makeBatch(examples[1:], 2)
	if !slices.Equal(b.IDs[0], []int{6, 7}) || !slices.Equal(b.Targets[0], []int{7, 8}) || tokens != 2 {
		t.Errorf("truncated: ids %v targets %v tokens %d", b.IDs[0], b.Targets[0], tokens)
	}
}

// TestChatTemplate: with the chat template, a text prompt is one user turn rendered with the
// generation prompt, without the tokenizer's own special tokens added again.
func TestChatTemplate(t *testing.T) {
	tok, err := tokenizer.Load(tinyLlama)
	if err != nil {
		t.Fatal(err)
	}
	var rendered []datasets.Message
	opts := DataOptions{Tokenizer: tok, EOS: -1, Template: TemplateChat, ChatTemplate: func(m []datasets.Message) (string, error) {
		rendered = m
		return "[user] " + m[0].Content + " [assistant]", nil
	}}
	got, err := ReadExamples(writeFile(t, "c.jsonl", `{"prompt": "2+2?", "response": "4"}`), opts)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tok.Encode("[user] 2+2? [assistant]", false)
	if len(rendered) != 1 || rendered[0].Role != "user" || !slices.Equal(got[0].Prompt, want) {
		t.Errorf("rendered %v, prompt ids %v, want %v", rendered, got[0].Prompt, want)
	}
}

func FuzzReadExamples(f *testing.F) {
	f.Add("{\"prompt_ids\": [1, 5], \"response_ids\": [7, 2]}\n")
	f.Add("{\"prompt\": \"a\", \"response\": \"b\"}\n")
	f.Add("{\"id\": \"x\", \"prompt\": \"a\", \"ground_truth\": \"b\"}\n")
	f.Add("{\"prompt_ids\": [1e99], \"response_ids\": [-1]}")
	f.Fuzz(func(t *testing.T, content string) {
		path := filepath.Join(t.TempDir(), "f.jsonl")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		examples, err := ReadExamples(path, DataOptions{EOS: -1})
		if err == nil && len(examples) == 0 {
			t.Error("no error and no examples")
		}
	})
}

// TestDataOrder: each epoch visits every example once, epochs are shuffled differently, and
// micro-batches straddle epoch boundaries without loss.
func TestDataOrder(t *testing.T) {
	examples := make([]Example, 10)
	for i := range examples {
		examples[i] = Example{Response: []int{i}}
	}
	o := &dataOrder{n: len(examples), seed: 1}
	var seen []int
	for k := range 5 { // 5 micro-batches of 4 = 2 epochs
		for _, ex := range o.microBatch(examples, 4, k) {
			seen = append(seen, ex.Response[0])
		}
	}
	first, second := slices.Clone(seen[:10]), slices.Clone(seen[10:])
	if slices.Equal(first, second) {
		t.Errorf("two epochs in the same order %v", first)
	}
	slices.Sort(first)
	slices.Sort(second)
	for i := range 10 {
		if first[i] != i || second[i] != i {
			t.Fatalf("an epoch is not a permutation: %v / %v", seen[:10], seen[10:])
		}
	}
	// A fresh order (a resumed run) reproduces micro-batch 3 on its own.
	again := (&dataOrder{n: len(examples), seed: 1}).microBatch(examples, 4, 3)
	for i, ex := range again {
		if ex.Response[0] != seen[12+i] {
			t.Fatalf("micro-batch 3 differs when computed afresh")
		}
	}
}
