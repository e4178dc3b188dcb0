package sampler_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/datasetstest"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/train/onnx"
)

// pieceTokenizer is a test tokenizer: byte b is id b+3, ids 0-2 are special (pad, bos, eos),
// and decoding id i gives "<i>", so texts and stop strings are easy to reason about.
type pieceTokenizer struct{ vocab int }

func (p pieceTokenizer) Encode(text string, addSpecial bool) ([]int, error) {
	var ids []int
	if addSpecial {
		ids = append(ids, 1)
	}
	for _, b := range []byte(text) {
		ids = append(ids, int(b)+3)
	}
	return ids, nil
}

func (p pieceTokenizer) VocabSize() int { return p.vocab }

type pieceStream struct{}

func (pieceStream) Add(id int) string { return fmt.Sprintf("<%d>", id) }
func (pieceStream) Flush() string     { return "" }

func pieceOptions() sampler.RunOptions {
	return sampler.RunOptions{Template: sampler.TemplateNone, Tokenizer: pieceTokenizer{vocab: 259},
		NewStream: func() sampler.TextStream { return pieceStream{} }}
}

func testProblems(n int) []datasets.Problem {
	var ps []datasets.Problem
	for i := range n {
		ps = append(ps, datasets.Problem{ID: fmt.Sprintf("p%d", i), Prompt: datasets.Prompt{Text: strings.Repeat("ab", i%4) + fmt.Sprint("question ", i)}, GroundTruth: datasets.Answer(fmt.Sprint(i))})
	}
	return ps
}

// optimumModel returns the fp32 optimum-layout test model.
func optimumModel(t *testing.T) *sampler.Model {
	for _, tm := range allModels(t) {
		if tm.name == "optimum-fp32" {
			return open(t, tm.dir)
		}
	}
	t.Fatal("no optimum-fp32 test model")
	return nil
}

// A run killed after some problems, its last line torn, then resumed, must end with exactly
// the file an uninterrupted run writes: nothing lost, nothing repeated, same draws.
func TestRunResume(t *testing.T) {
	m := optimumModel(t)
	ps := testProblems(7)
	opts := pieceOptions()
	opts.Choice = sampler.Choice{Temperature: 1, TopP: 0.9}
	opts.N, opts.Seed, opts.MaxNewTokens, opts.BatchSize = 2, 5, 8, 3
	dir := t.TempDir()

	ref := filepath.Join(dir, "ref.jsonl")
	w, err := datasets.CreateSamples(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(context.Background(), m, ps, opts, w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(dir, "killed.jsonl")
	w, err = datasets.CreateSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = sampler.Run(ctx, m, ps, opts, w, func(p sampler.Progress) {
		if p.Done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: got %v, want context.Canceled", err)
	}
	w.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"p3","prompt":"ab`) // killed while writing a line
	f.Close()

	w, err = datasets.ResumeSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if !w.Done("p2") || w.Done("p3") {
		t.Fatalf("resume: p2 done %v (want true), p3 done %v (want false)", w.Done("p2"), w.Done("p3"))
	}
	if err := sampler.Run(context.Background(), m, ps, opts, w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	datasetstest.SameSamples(t, path, ref, 1e-4)
	samples, err := datasets.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range samples {
		if s.ID != ps[i].ID || len(s.Completions) != 2 {
			t.Errorf("line %d: id %s with %d completions, want %s with 2", i+1, s.ID, len(s.Completions), ps[i].ID)
		}
		for _, c := range s.Completions {
			if c.NumTokens < 1 || c.NumTokens > 8 || c.CumulativeLogprob >= 0 || (c.FinishReason != "stop" && c.FinishReason != "length") {
				t.Errorf("%s: implausible completion %+v", s.ID, c)
			}
		}
	}
}

// The progress a run reports counts every token the completions hold: the first one, drawn
// from the prefill's logits, included.
func TestRunProgressTokens(t *testing.T) {
	m := optimumModel(t)
	opts := pieceOptions()
	opts.Choice = sampler.Choice{Temperature: 1}
	opts.N, opts.Seed, opts.MaxNewTokens, opts.BatchSize = 3, 2, 6, 4
	path := filepath.Join(t.TempDir(), "s.jsonl")
	w, err := datasets.CreateSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	var last sampler.Progress
	if err := sampler.Run(context.Background(), m, testProblems(5), opts, w, func(p sampler.Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	samples, err := datasets.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, s := range samples {
		for _, c := range s.Completions {
			want += int64(c.NumTokens)
		}
	}
	if last.Tokens != want || last.Done != 5 {
		t.Errorf("last progress: %d tokens, %d problems done; the file holds %d tokens in 5 problems", last.Tokens, last.Done, want)
	}
}

// Stop strings cut the text before the match, also across token boundaries; stop tokens end
// the completion on the token.
func TestStops(t *testing.T) {
	m := optimumModel(t)
	prompt := [][]int{{5, 9, 13, 21}}
	stream := func() sampler.TextStream { return pieceStream{} }
	base := sampler.GenerateOptions{MaxNewTokens: 12, IgnoreEOS: true, NewStream: stream}
	out, err := m.Generate(context.Background(), prompt, base)
	if err != nil {
		t.Fatal(err)
	}
	full := out[0][0]
	var pieces []string
	for _, id := range full.Tokens {
		pieces = append(pieces, fmt.Sprintf("<%d>", id))
	}
	if full.Text != strings.Join(pieces, "") || full.FinishReason != "length" {
		t.Fatalf("no stops: text %q finish %q, want %q length", full.Text, full.FinishReason, strings.Join(pieces, ""))
	}
	cases := []struct {
		name     string
		stop     string
		wantText string
	}{
		{"whole piece", pieces[4], strings.Join(pieces[:4], "")},
		{"across pieces", pieces[5][2:] + pieces[6][:2], strings.Join(pieces[:5], "") + pieces[5][:2]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if i := strings.Index(full.Text, c.stop); i != len(c.wantText) {
				t.Skipf("stop string %q occurs earlier in %q", c.stop, full.Text)
			}
			o := base
			o.StopStrings = []string{"never", c.stop}
			out, err := m.Generate(context.Background(), prompt, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := out[0][0]; got.Text != c.wantText || got.FinishReason != "stop" {
				t.Errorf("text %q finish %q, want %q stop", got.Text, got.FinishReason, c.wantText)
			}
		})
	}
	t.Run("stop token", func(t *testing.T) {
		o := base
		o.IgnoreEOS = false
		o.StopTokens = []int{full.Tokens[3]}
		out, err := m.Generate(context.Background(), prompt, o)
		if err != nil {
			t.Fatal(err)
		}
		want := 1 + indexOf(full.Tokens, full.Tokens[3])
		if got := out[0][0]; len(got.Tokens) != want || got.FinishReason != "stop" || got.Text != strings.Join(pieces[:want-1], "") {
			t.Errorf("got %d tokens, %q, text %q; want %d tokens ending in the stop token, stop", len(got.Tokens), got.FinishReason, got.Text, want)
		}
	})
}

func indexOf(s []int, x int) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func TestBadFolders(t *testing.T) {
	allModels(t)
	good := filepath.Join(modelsDir, "optimum-fp32")
	corrupt := t.TempDir()
	copyFile(t, filepath.Join(good, "config.json"), filepath.Join(corrupt, "config.json"))
	os.WriteFile(filepath.Join(corrupt, "model.onnx"), []byte("\x08\x07\x12\x04garbage that is not protobuf\xff\xff\xff"), 0o644)
	truncated := t.TempDir()
	for _, f := range []string{"config.json", onnx.ModelFile} {
		copyFile(t, filepath.Join(good, f), filepath.Join(truncated, f))
	}
	data, _ := os.ReadFile(filepath.Join(good, onnx.DataFile))
	os.WriteFile(filepath.Join(truncated, onnx.DataFile), data[:len(data)/2], 0o644)
	badGenAI := t.TempDir()
	for _, f := range []string{"config.json", onnx.ModelFile, onnx.DataFile} {
		copyFile(t, filepath.Join(good, f), filepath.Join(badGenAI, f))
	}
	os.WriteFile(filepath.Join(badGenAI, "genai_config.json"), []byte(`{"model": {"decoder": {"filename": "model.onnx", "inputs": {"past_key_names": "cache_%d_k", "past_value_names": "cache_%d_v"}}}}`), 0o644)
	notDecoder := t.TempDir()
	os.WriteFile(filepath.Join(notDecoder, "config.json"), []byte(`{"model_type":"bert"}`), 0o644)
	os.WriteFile(filepath.Join(notDecoder, "model.onnx"), []byte{}, 0o644)

	cases := []struct {
		name    string
		dir     string
		want    []string
		runtime bool // ONNX Runtime refused it: errors.As finds the *RuntimeError (issue 11)
	}{
		{"missing", filepath.Join(t.TempDir(), "nope"), []string{"no such file"}, false},
		{"empty folder", t.TempDir(), []string{"no model file", "found nothing"}, false},
		{"corrupt model.onnx", corrupt, []string{"not a valid ONNX model", "config.json"}, false},
		// Issue 17: ONNX Runtime's bare "out of bounds" named no file.
		{"truncated weights", truncated, []string{fmt.Sprintf("%s is %d bytes, but model.onnx stores weights up to byte %d in it: the file is truncated",
			filepath.Join(truncated, onnx.DataFile), len(data)/2, len(data)), "found: "}, false},
		{"genai_config naming no cache input", badGenAI, []string{"unsupported model layout: no KV-cache inputs named by genai_config.json; mirage runs decoder-only graphs", "\nfound: "}, false},
		{"empty graph", notDecoder, []string{"no graph", "found: config.json"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := sampler.Open(context.Background(), c.dir, sampler.ModelOptions{})
			if err == nil {
				m.Close()
				t.Fatalf("opened %s", c.dir)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, ok := errors.AsType[*sampler.RuntimeError](err); ok != c.runtime {
				t.Errorf("errors.As(%q, *RuntimeError) = %v, want %v", err, ok, c.runtime)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadPrompts(t *testing.T) {
	m := optimumModel(t) // context 96, vocab 300
	long := make([]int, 96)
	for i := range long {
		long[i] = 7
	}
	cases := []struct {
		name   string
		prompt []int
		want   string
	}{
		{"longer than context", long, "context is 96 tokens"},
		{"empty", []int{}, "empty"},
		{"id outside vocabulary", []int{5, 300}, "outside the model's vocabulary of 300"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := m.Generate(context.Background(), [][]int{{5, 6}, c.prompt}, sampler.GenerateOptions{MaxNewTokens: 3})
			var pe *sampler.PromptError
			if !errors.As(err, &pe) || pe.Prompt != 1 || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a PromptError for prompt 1 saying %q", err, c.want)
			}
			if len(out) != 0 {
				t.Errorf("generated %d prompts before rejecting the input", len(out))
			}
		})
	}
	t.Run("context fills up", func(t *testing.T) {
		out, err := m.Generate(context.Background(), [][]int{long[:90]}, sampler.GenerateOptions{MaxNewTokens: 50, IgnoreEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		if c := out[0][0]; len(c.Tokens) != 6 || c.FinishReason != "length" {
			t.Errorf("90-token prompt in a 96-token context: %d tokens, %q; want 6, length", len(c.Tokens), c.FinishReason)
		}
	})
	t.Run("run names the problem", func(t *testing.T) {
		ps := testProblems(3)
		ps[1].Prompt.Text = strings.Repeat("x", 200)
		w, err := datasets.CreateSamples(filepath.Join(t.TempDir(), "s.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		err = sampler.Run(context.Background(), m, ps, pieceOptions(), w, nil)
		if err == nil || !strings.Contains(err.Error(), `problem 1 (id "p1")`) || !strings.Contains(err.Error(), "context") {
			t.Errorf("got %v, want an error naming problem 1 and the context", err)
		}
	})
	t.Run("tokenizer larger than the logits", func(t *testing.T) {
		w, err := datasets.CreateSamples(filepath.Join(t.TempDir(), "s.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		opts := pieceOptions()
		opts.Tokenizer = pieceTokenizer{vocab: 301}
		err = sampler.Run(context.Background(), m, testProblems(2), opts, w, nil)
		if err == nil || !strings.Contains(err.Error(), "301 ids but the model's logits cover 300") {
			t.Errorf("got %v, want the vocabulary mismatch", err)
		}
	})
}

// Cancelling stops Generate between steps (or stops the runtime call in flight) and leaves the
// model usable: the next call gives what an undisturbed call gives.
func TestCancelThenReuse(t *testing.T) {
	m := optimumModel(t)
	ps := prompts()
	opts := sampler.GenerateOptions{MaxNewTokens: 40, IgnoreEOS: true, BatchSize: 2}
	want, err := m.Generate(context.Background(), ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{0, 1, 5} {
		ctx, cancel := context.WithCancel(context.Background())
		steps := 0
		o := opts
		o.OnStep = func(int) {
			if steps++; steps > after {
				cancel()
			}
		}
		if after == 0 {
			cancel()
		}
		got, err := m.Generate(ctx, ps, o)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancel after %d steps: got %v, want context.Canceled", after, err)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("cancel after %d steps: prompt %d was handed back different from an undisturbed run", after, i)
			}
		}
	}
	got, err := m.Generate(context.Background(), ps, opts)
	if err != nil {
		t.Fatalf("after cancellations: %v", err)
	}
	if !reflect.DeepEqual(tokens(got), tokens(want)) {
		t.Errorf("after cancellations the model decodes differently")
	}
}

// A transformers.js folder (config.json + onnx/model_fp16.onnx) opens; a folder whose only
// ONNX file has another name is refused with the files listed.
func TestTransformersJSLayout(t *testing.T) {
	allModels(t)
	good := filepath.Join(modelsDir, "optimum-fp16")
	tjs := t.TempDir()
	copyFile(t, filepath.Join(good, "config.json"), filepath.Join(tjs, "config.json"))
	os.Mkdir(filepath.Join(tjs, "onnx"), 0o755)
	copyFile(t, filepath.Join(good, onnx.ModelFile), filepath.Join(tjs, "onnx", "model_fp16.onnx"))
	copyFile(t, filepath.Join(good, onnx.DataFile), filepath.Join(tjs, "onnx", onnx.DataFile))
	m := open(t, tjs)
	if info := m.Info(); info.File != filepath.Join("onnx", "model_fp16.onnx") || info.CacheType != "float16" {
		t.Errorf("opened %s with a %s cache", info.File, info.CacheType)
	}
	odd := t.TempDir()
	copyFile(t, filepath.Join(good, onnx.ModelFile), filepath.Join(odd, "weird.onnx"))
	_, err := sampler.Open(context.Background(), odd, sampler.ModelOptions{})
	if err == nil || !strings.Contains(err.Error(), "no model file") || !strings.Contains(err.Error(), "weird.onnx") {
		t.Errorf("got %v, want no model file, listing weird.onnx", err)
	}
}

// TestEncodePrompt checks each template's text against the one written out by hand.
func TestEncodePrompt(t *testing.T) {
	chatPrompt := datasets.Prompt{Messages: []datasets.Message{{Role: "user", Content: "2+2?"}, {Role: "assistant", Content: "4"}, {Role: "user", Content: "3+3?"}}}
	// A toy template: "role:content|" per message, then the generation prompt.
	render := func(msgs []datasets.Message) (string, error) {
		var b strings.Builder
		for _, m := range msgs {
			fmt.Fprintf(&b, "%s:%s|", m.Role, m.Content)
		}
		return b.String() + "assistant:", nil
	}
	cases := []struct {
		name     string
		prompt   datasets.Prompt
		template string
		system   string
		want     string
		bos      bool
		err      string
	}{
		{"chat text", datasets.Prompt{Text: "hi"}, sampler.TemplateChat, "", "user:hi|assistant:", false, ""},
		{"chat default with system", datasets.Prompt{Text: "hi"}, "", "S", "system:S|user:hi|assistant:", false, ""},
		{"chat messages", chatPrompt, sampler.TemplateChat, "", "user:2+2?|assistant:4|user:3+3?|assistant:", false, ""},
		{"raw joins contents", chatPrompt, sampler.TemplateRaw, "", "2+2?\n\n4\n\n3+3?", true, ""},
		{"none with system", datasets.Prompt{Text: "hi"}, sampler.TemplateNone, "S", "S\n\nhi", false, ""},
		{"unknown template", datasets.Prompt{Text: "hi"}, "jinja", "", "", false, `unknown template "jinja"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := sampler.RunOptions{Tokenizer: pieceTokenizer{vocab: 259}, ChatTemplate: render, Template: c.template, System: c.system}
			text, ids, err := sampler.EncodePrompt(datasets.Problem{Prompt: c.prompt}, opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || text != c.want {
				t.Fatalf("text %q, %v; want %q", text, err, c.want)
			}
			want, _ := pieceTokenizer{}.Encode(c.want, c.bos)
			if !slices.Equal(ids, want) {
				t.Errorf("ids %v, want %v", ids, want)
			}
		})
	}
}
