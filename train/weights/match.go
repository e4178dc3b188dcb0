package weights

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/train/arch"
)

// MismatchError lists every way a set of weights differs from what a config needs.
type MismatchError struct {
	Source    string   // where the weights came from
	Missing   []string // needed but absent, "name [shape]"
	Extra     []string // present but not part of the config
	Misshapen []string // "name: want [..], got [..]"
	ModelType string
}

func (e *MismatchError) Error() string {
	var parts []string
	add := func(what string, items []string) {
		if len(items) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (%s)", len(items), what, strings.Join(items, "; ")))
		}
	}
	add("missing", e.Missing)
	add("unexpected", e.Extra)
	add("mis-shaped", e.Misshapen)
	return fmt.Sprintf("weights: %s does not fit the %s config: %s", e.Source, e.ModelType, strings.Join(parts, ", "))
}

// Match checks w against cfg. HF checkpoints with tied embeddings sometimes still carry
// lm_head.weight; a copy equal to the embeddings is dropped, a different one is an error.
// Rotary inverse-frequency buffers (…rotary_emb.inv_freq), which some checkpoints save, are
// derived from the config and dropped. The returned map is w without the dropped entries.
func Match(cfg arch.Config, w Weights, source string) (Weights, error) {
	cfg = cfg.Defaults()
	want := arch.ParamShapes(cfg)
	out := make(Weights, len(w))
	e := &MismatchError{Source: source, ModelType: cfg.ModelType}
	for _, name := range arch.SortedNames(w) {
		t := w[name]
		shape, ok := want[name]
		switch {
		case strings.HasSuffix(name, "rotary_emb.inv_freq"):
			continue
		case !ok && name == arch.LMHead && cfg.TieWordEmbeddings && w[arch.EmbedName] != nil &&
			slices.Equal(t.Data, w[arch.EmbedName].Data):
			continue
		case !ok:
			e.Extra = append(e.Extra, fmt.Sprintf("%s %v", name, t.Shape))
		case !slices.Equal(shape, t.Shape):
			e.Misshapen = append(e.Misshapen, fmt.Sprintf("%s: want %v, got %v", name, shape, t.Shape))
		}
		out[name] = t
	}
	for _, name := range arch.SortedNames(want) {
		if w[name] == nil {
			e.Missing = append(e.Missing, fmt.Sprintf("%s %v", name, want[name]))
		}
	}
	if len(e.Missing)+len(e.Extra)+len(e.Misshapen) > 0 {
		return nil, e
	}
	return out, nil
}
