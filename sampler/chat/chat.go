// Package chat renders a model's Jinja chat template around a conversation, as Hugging Face's
// apply_chat_template does, so the prompt mirage samples from is the prompt the model was
// trained on.
//
// Load reads the template from a model folder: chat_template.jinja if present, otherwise
// tokenizer_config.json's "chat_template" (a string, or a list of named templates of which
// "default" is used). Templates are rendered with github.com/nikolalohinski/gonja/v2 configured
// like transformers' sandbox: trim_blocks and lstrip_blocks on, and the variables messages,
// add_generation_prompt, tools (none) and the special tokens (bos_token, eos_token, ...).
//
// gonja renders the real Qwen2.5, Qwen3, Llama-3.x and Llama-2 templates as is; what it lacks
// is registered here rather than patched into the template text:
//   - raise_exception(msg): a global that fails Render with msg (Llama-2, Llama-3.2);
//   - strftime_now(fmt): a global with Python's strftime directives (Llama-3.2's date line);
//   - tojson: replaced, because gonja's is Go's encoding/json (HTML escaping, compact
//     separators, sorted keys); transformers uses json.dumps(ensure_ascii=False), with ", " and
//     ": " separators and an optional indent.
//
// Templates that need anything else fail Render with gonja's error, never with a silently
// different prompt. A Template is safe for concurrent use.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// Message is one turn of a conversation: Role is "system", "user", "assistant" or "tool".
type Message = datasets.Message

// Options control one rendering. The zero value renders the conversation without a
// generation prompt.
type Options struct {
	// AddGenerationPrompt appends the opening of the assistant's turn
	// ("<|im_start|>assistant\n"), what sampling wants.
	AddGenerationPrompt bool
	// Vars are extra template variables, overriding the defaults: e.g. "enable_thinking":
	// false for Qwen3, "date_string" for Llama-3.x, "tools" as decoded JSON.
	Vars map[string]any
}

// Template is a parsed chat template with the special tokens of its model.
type Template struct {
	source string
	origin string
	tokens map[string]any // bos_token, eos_token, ... as the template sees them
	tpl    *exec.Template
}

// ErrNoTemplate is returned by Load when the folder defines no chat template.
var ErrNoTemplate = errors.New("chat: no chat template")

// specialTokenNames are the tokenizer_config.json entries transformers passes to templates.
var specialTokenNames = []string{"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}

// Load reads the chat template and special tokens of a model folder.
func Load(dir string) (*Template, error) {
	cfgPath := filepath.Join(dir, "tokenizer_config.json")
	var cfg map[string]json.RawMessage
	if b, err := os.ReadFile(cfgPath); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("chat: %s: %w", cfgPath, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chat: %w", err)
	}
	tokens, err := specialTokens(cfg)
	if err != nil {
		return nil, fmt.Errorf("chat: %s: %w", cfgPath, err)
	}
	jinjaPath := filepath.Join(dir, "chat_template.jinja")
	if b, err := os.ReadFile(jinjaPath); err == nil {
		return parse(string(b), "chat_template.jinja", tokens)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chat: %w", err)
	}
	raw, ok := cfg["chat_template"]
	if !ok || string(raw) == "null" {
		return nil, fmt.Errorf("%w in %s (neither chat_template.jinja nor tokenizer_config.json's chat_template)", ErrNoTemplate, dir)
	}
	src, name, err := pickTemplate(raw)
	if err != nil {
		return nil, fmt.Errorf("chat: %s: chat_template: %w", cfgPath, err)
	}
	return parse(src, "tokenizer_config.json "+name, tokens)
}

// New parses a template source; tokens maps names such as "bos_token" to their text.
func New(source string, tokens map[string]string) (*Template, error) {
	m := make(map[string]any, len(tokens))
	for k, v := range tokens {
		m[k] = v
	}
	return parse(source, "source", m)
}

// pickTemplate accepts a string or a list of {"name", "template"}, choosing "default".
func pickTemplate(raw json.RawMessage) (src, name string, err error) {
	if err := json.Unmarshal(raw, &src); err == nil {
		return src, "chat_template", nil
	}
	var named []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &named); err != nil {
		return "", "", fmt.Errorf("want a string or a list of {name, template}")
	}
	var names []string
	for _, n := range named {
		if n.Name == "default" {
			return n.Template, `chat_template["default"]`, nil
		}
		names = append(names, n.Name)
	}
	return "", "", fmt.Errorf("no template named \"default\" among %q", names)
}

func specialTokens(cfg map[string]json.RawMessage) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range specialTokenNames {
		raw, ok := cfg[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			var obj struct {
				Content string `json:"content"`
			}
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, fmt.Errorf("%s: want a string or {\"content\": ...}", name)
			}
			s = obj.Content
		}
		out[name] = s
	}
	return out, nil
}

func parse(src, origin string, tokens map[string]any) (*Template, error) {
	cfg := config.New()
	cfg.TrimBlocks = true
	cfg.LeftStripBlocks = true
	loader, err := loaders.NewFileSystemLoader("")
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	root, err := loaders.NewShiftedLoader(origin, strings.NewReader(src), loader)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	tpl, err := exec.NewTemplate(origin, cfg, root, environment)
	if err != nil {
		return nil, fmt.Errorf("chat: parsing %s: %w", origin, shortError(err, src))
	}
	return &Template{source: src, origin: origin, tokens: tokens, tpl: tpl}, nil
}

// shortError drops the template source gonja quotes whole in its parse errors.
func shortError(err error, src string) error {
	msg := strings.ReplaceAll(err.Error(), src, "<template>")
	return errors.New(msg)
}

// Source returns the template text.
func (t *Template) Source() string { return t.source }

// Origin says where the template came from ("chat_template.jinja",
// "tokenizer_config.json chat_template", ...).
func (t *Template) Origin() string { return t.origin }

// Render applies the template to msgs.
func (t *Template) Render(msgs []Message, opts Options) (string, error) {
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	data := map[string]any{
		"messages":              list,
		"add_generation_prompt": opts.AddGenerationPrompt,
		"tools":                 nil,
		"documents":             nil,
	}
	for k, v := range t.tokens {
		data[k] = v
	}
	for k, v := range opts.Vars {
		data[k] = v
	}
	out, err := t.tpl.ExecuteToString(exec.NewContext(data))
	if err != nil {
		// gonja flattens the error of a called function into its message.
		if i := strings.LastIndex(err.Error(), raiseMarker); i >= 0 {
			return "", fmt.Errorf("chat: template raised: %s", err.Error()[i+len(raiseMarker):])
		}
		return "", fmt.Errorf("chat: rendering %s: %w", t.origin, err)
	}
	return out, nil
}
