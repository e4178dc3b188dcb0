package sampler

import (
	"fmt"

	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

// fillTokenizer completes opts with what the model folder holds: its tokenizer (and streaming
// decoder, and EOS token) and its chat template.
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
	return nil
}
