package chat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func render(t *testing.T, src string, vars map[string]any) (string, error) {
	t.Helper()
	tpl, err := New(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tpl.Render(nil, Options{Vars: vars})
}

// TestToJSON: expected strings are what Python's json.dumps(x, ensure_ascii=False[, indent])
// prints, the function transformers registers as tojson.
func TestToJSON(t *testing.T) {
	obj := map[string]any{"b": []any{true, nil, "x\"y\n\t\\"}, "a": 1, "c": "é<>&' 🙂\x01", "d": 0.5, "e": 2.0,
		"f": map[string]any{}, "g": []any{}}
	for _, c := range []struct {
		name, src string
		vars      map[string]any
		want      string
	}{
		{"compact", `{{ x | tojson }}`, map[string]any{"x": obj},
			`{"a": 1, "b": [true, null, "x\"y\n\t\\"], "c": "é<>&' 🙂\u0001", "d": 0.5, "e": 2.0, "f": {}, "g": []}`},
		{"indent", `{{ x | tojson(indent=2) }}`, map[string]any{"x": map[string]any{"k": []any{1, "v"}, "e": map[string]any{}}},
			"{\n  \"e\": {},\n  \"k\": [\n    1,\n    \"v\"\n  ]\n}"},
		{"scalar string", `{{ "a/b" | tojson }}`, nil, `"a/b"`},
		{"template dict keeps its order", `{{ {"z": 1, "a": [2]} | tojson }}`, nil, `{"z": 1, "a": [2]}`},
		{"namespace value", `{% set ns = namespace(n=3) %}{{ [ns.n] | tojson }}`, nil, `[3]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, c.src, c.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestStrftime: expected strings are Python's datetime.strftime for 2024-07-05 09:05:03.
func TestStrftime(t *testing.T) {
	at := time.Date(2024, 7, 5, 9, 5, 3, 0, time.UTC)
	for format, want := range map[string]string{
		"%d %b %Y":          "05 Jul 2024",
		"%A, %B %e %y":      "Friday, July  5 24",
		"%j %I:%M:%S %p %%": "187 09:05:03 AM %",
		"%a %m/%d %H":       "Fri 07/05 09",
	} {
		got, err := strftime(at, format)
		if err != nil || got != want {
			t.Errorf("strftime(%q) = %q, %v; want %q", format, got, err, want)
		}
	}
	if _, err := strftime(at, "%Q"); err == nil {
		t.Error("strftime(%Q) did not fail")
	}
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return at }
	if got, err := render(t, `{{ strftime_now("%d %b %Y") }}`, nil); err != nil || got != "05 Jul 2024" {
		t.Errorf("strftime_now in a template = %q, %v", got, err)
	}
}

func TestRaiseException(t *testing.T) {
	_, err := render(t, `{% if true %}{{ raise_exception("roles must alternate") }}{% endif %}`, nil)
	if err == nil || err.Error() != "chat: template raised: roles must alternate" {
		t.Errorf("error = %v", err)
	}
}

func TestTinyLlama2Template(t *testing.T) {
	tpl, err := Load(tinyLlama)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(conv("system", "Be brief.", "user", " Hi ", "assistant", "Hello", "user", "Bye"), Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	// Llama-2's format: the system prompt inside the first [INST], BOS before every user turn,
	// EOS after every answer; strip() trims the joined system+user text, not the user part.
	want := "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi [/INST] Hello </s><s>[INST] Bye [/INST]"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestLoad(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	const msg = `{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{{ eos_token }}`
	for _, c := range []struct {
		name       string
		files      map[string]string
		want       string // rendering of one user message "hi"
		wantOrigin string
		wantErr    string
	}{
		{"string template", map[string]string{"tokenizer_config.json": `{"chat_template": "` + msg + `", "bos_token": "<s>", "eos_token": {"content": "</s>", "special": true}}`},
			"<s>[user]hi</s>", "tokenizer_config.json chat_template", ""},
		{"named templates", map[string]string{"tokenizer_config.json": `{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ messages|length }}"}]}`},
			"D1", `tokenizer_config.json chat_template["default"]`, ""},
		{"jinja file first", map[string]string{"tokenizer_config.json": `{"chat_template": "config"}`, "chat_template.jinja": "file"},
			"file", "chat_template.jinja", ""},
		{"no template", map[string]string{"tokenizer_config.json": `{"bos_token": "<s>"}`}, "", "", "no chat template"},
		{"no files", map[string]string{}, "", "", "no chat template"},
		{"no default", map[string]string{"tokenizer_config.json": `{"chat_template": [{"name": "rag", "template": "R"}]}`}, "", "", `no template named "default" among ["rag"]`},
		{"bad config", map[string]string{"tokenizer_config.json": `{"chat_template": `}, "", "", "tokenizer_config.json"},
		{"bad token", map[string]string{"tokenizer_config.json": `{"chat_template": "x", "bos_token": 3}`}, "", "", "bos_token"},
		{"bad syntax", map[string]string{"chat_template.jinja": `{% if %}`}, "", "", "chat: parsing chat_template.jinja"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Load(write(t, c.files))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Load error = %v, want one containing %q", err, c.wantErr)
				}
				if strings.Contains(c.wantErr, "no chat template") && !errors.Is(err, ErrNoTemplate) {
					t.Errorf("error %v is not ErrNoTemplate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tpl.Origin() != c.wantOrigin {
				t.Errorf("Origin = %q, want %q", tpl.Origin(), c.wantOrigin)
			}
			got, err := tpl.Render(conv("user", "hi"), Options{})
			if err != nil || got != c.want {
				t.Errorf("Render = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestConcurrentRender: one Template serves all of a run's prompts; run with -race.
func TestConcurrentRender(t *testing.T) {
	tpl, err := Load(tinyLlama)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tpl.Render(conv("user", "question 0"), Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for k := 0; k < 50; k++ {
				got, err := tpl.Render(conv("user", "question 0"), Options{AddGenerationPrompt: true})
				if err != nil || got != want {
					errs <- fmt.Errorf("render %d: %q, %v", k, got, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// FuzzRender: message content is data, never template code — whatever it holds ("{{", "{%",
// markers, invalid-looking Jinja), it comes out verbatim, and rendering never panics.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "hi", "{{ 7*7 }}", "{% if true %}x{% endif %}", "{# c #}", "<|im_end|>", "}}{{", "\x00\n\t 你好 🙂", "{%- raw -%}"} {
		f.Add(s)
	}
	tpl, err := New("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"+
		"{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}", nil)
	if err != nil {
		f.Fatal(err)
	}
	llama2, err := Load(tinyLlama)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, content string) {
		got, err := tpl.Render(conv("system", content, "user", content), Options{AddGenerationPrompt: true})
		want := "<|im_start|>system\n" + content + "<|im_end|>\n<|im_start|>user\n" + content + "<|im_end|>\n<|im_start|>assistant\n"
		if err != nil || got != want {
			t.Errorf("Render(%q) = %q, %v; want %q", content, got, err, want)
		}
		got, err = llama2.Render(conv("user", content), Options{AddGenerationPrompt: true})
		if err != nil || !strings.HasPrefix(got, "<s>[INST] ") || !strings.HasSuffix(got, " [/INST]") {
			t.Errorf("Llama-2 Render(%q) = %q, %v", content, got, err)
		}
	})
}
