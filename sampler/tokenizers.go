package sampler

import (
	"errors"
	"fmt"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// fillTokenizer completes opts with what the model folder holds: its tokenizer (with its
// streaming decoder and EOS token) and, for the chat template, tokenizer_config.json's
// chat_template. A folder without a chat template is an error only when a prompt needs it.
func fillTokenizer(m *Model, o *RunOptions) error {
	if o.Tokenizer == nil {
		tok, err := tokenizer.Load(m.info.Dir)
		if err != nil {
			return fmt.Errorf("sampler: %w", err)
		}
		o.Tokenizer = tok
		if o.NewStream == nil {
			o.NewStream = func() TextStream { return tok.NewStream() }
		}
		if eos := tok.Special().EOS; eos != nil && o.EOS == nil {
			o.EOS = []int{eos.ID}
		}
	}
	if o.ChatTemplate == nil && (o.Template == "" || o.Template == TemplateChat) {
		tpl, err := chat.Load(m.info.Dir)
		if errors.Is(err, chat.ErrNoTemplate) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sampler: %w", err)
		}
		o.ChatTemplate = func(msgs []datasets.Message) (string, error) {
			return tpl.Render(msgs, chat.Options{AddGenerationPrompt: true})
		}
	}
	return nil
}
