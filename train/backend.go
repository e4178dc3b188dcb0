package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/gomlxfix"
)

// Backend names for SFTOptions.Backend and --backend.
const (
	BackendGo  = "go"
	BackendXLA = "xla"
)

// NewBackend returns the GoMLX backend by name: "go" (or "") is the pure-Go simplego backend,
// configured by gomlxfix so its worker pool cannot deadlock; "xla" needs a binary built with
// -tags xla (see backend_xla.go).
func NewBackend(name string) (backends.Backend, error) {
	switch name {
	case "", BackendGo:
		return gomlxfix.NewGoBackend()
	case BackendXLA:
		return newXLABackend()
	}
	return nil, fmt.Errorf("train: backend %q: want %q or %q", name, BackendGo, BackendXLA)
}

// dataOptions loads the tokenizer (and, for the chat template, the chat template) of dir when it
// has one (pre-tokenized data needs none) and picks the EOS id appended to text responses: the
// tokenizer's eos_token, else the config's first eos_token_id.
func dataOptions(dir, template string, cfg arch.Config) (DataOptions, error) {
	opts := DataOptions{EOS: -1, VocabSize: cfg.VocabSize, Template: template}
	if len(cfg.EOSTokenID) > 0 {
		opts.EOS = cfg.EOSTokenID[0]
	}
	if dir == "" {
		return opts, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); errors.Is(err, os.ErrNotExist) {
		return opts, nil
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return opts, fmt.Errorf("train: %w", err)
	}
	opts.Tokenizer = tok
	if template == TemplateChat {
		tpl, err := chat.Load(dir)
		if err != nil && !errors.Is(err, chat.ErrNoTemplate) {
			return opts, fmt.Errorf("train: %w", err)
		}
		if tpl != nil {
			opts.ChatTemplate = func(msgs []datasets.Message) (string, error) {
				return tpl.Render(msgs, chat.Options{AddGenerationPrompt: true})
			}
		}
	}
	if eos := tok.Special().EOS; eos != nil {
		opts.EOS = eos.ID // what the chat template closes a turn with (Llama-3: <|eot_id|>)
	}
	return opts, nil
}
