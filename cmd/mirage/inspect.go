package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what mirage makes of a model folder (format, graph, sizes, tokens, template)",
		ArgsUsage: " ",
		Description: `Loads the model folder with the same code as 'mirage sample' and prints the detected format
and the ONNX file's producer ("mirage 1" for models mirage wrote), the graph's inputs and outputs, layers, heads, key/value heads, head size, dtypes, context
length, the vocabulary sizes of the tokenizer and of the logits, special tokens and chat markers,
generation defaults, where the chat template comes from, the execution providers of the loaded
ONNX Runtime, and the parameter count and weight bytes. Disagreements between the folder's files
that change what sampling does are printed as warnings.

Examples:
   mirage inspect --model testdata/models/tiny-llama
   mirage inspect --model DIR --json | jq .model.context_length`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model folder", Required: true},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.StringFlag{Name: "device", Usage: "cpu or cuda, as for sample", Value: "cpu"},
		},
		Action: inspectAction,
	}
}

func inspectAction(c *cli.Context) error {
	ins, err := sampler.Inspect(c.Context, c.String("model"), sampler.ModelOptions{Device: c.String("device"), Threads: 1})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return emitJSON(c.App.Writer, ins)
	}
	m := ins.Model
	w := c.App.Writer
	row := func(k, format string, args ...any) { fmt.Fprintf(w, "%-15s %s\n", k, fmt.Sprintf(format, args...)) }
	row("folder", "%s", m.Dir)
	row("format", "%s (%s; producer %s)", m.Format, m.File, orNone(ins.Producer))
	for i, in := range m.Inputs {
		row(map[bool]string{true: "inputs", false: ""}[i == 0], "%s", in)
	}
	for i, out := range m.Outputs {
		row(map[bool]string{true: "outputs", false: ""}[i == 0], "%s", out)
	}
	row("architecture", "%d layers, %d heads, %d key/value heads, head size %d, hidden %d", m.Layers, m.Heads, m.KVHeads, m.HeadSize, m.Hidden)
	row("dtype", "KV cache %s, logits %s%s", m.CacheType, m.LogitsType,
		map[bool]string{true: "; block-quantised weights (MatMulNBits)", false: ""}[m.QuantizedWeights])
	row("positions", "%s", map[bool]string{true: "position_ids input", false: "derived from attention_mask"}[m.PositionIDs]+
		map[bool]string{true: "; right padding (GroupQueryAttention)", false: ""}[m.RightPadding]+
		map[bool]string{true: "; shared KV cache (in place)", false: ""}[m.SharedKVCache])
	row("context", "%d tokens", m.ContextLength)
	row("vocabulary", "tokenizer %d, logits %d", ins.TokenizerVocab, m.Vocab)
	row("special", "%s", specialSummary(ins.Special))
	row("config ids", "BOS %s, EOS %v, pad %s", optionalID(m.BOS), m.EOS, optionalID(m.Pad))
	row("chat markers", "%s", strings.Join(ins.ChatMarkers, " "))
	row("chat template", "%s", orNone(ins.ChatTemplate))
	if len(ins.Generation) == 0 {
		row("generation", "none (no generation_config.json)")
	}
	for i, k := range slices.Sorted(maps.Keys(ins.Generation)) {
		label := ""
		if i == 0 {
			label = "generation"
		}
		row(label, "%s = %v   (%s)", k, ins.Generation[k], ins.GenerationSource)
	}
	row("runtime", "ONNX Runtime %s (%s)", ins.Runtime.Version, ins.Runtime.Library)
	row("providers", "%s", strings.Join(ins.Runtime.Providers, ", "))
	row("parameters", "%s (%s of weights)", humanCount(m.Params), humanBytes(m.WeightBytes))
	for _, warning := range ins.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	return nil
}

func specialSummary(s tokenizer.SpecialTokens) string {
	var parts []string
	for _, t := range []struct {
		name string
		tok  *tokenizer.SpecialToken
	}{{"BOS", s.BOS}, {"EOS", s.EOS}, {"pad", s.PAD}, {"unk", s.UNK}} {
		if t.tok != nil {
			parts = append(parts, fmt.Sprintf("%s %q (%d)", t.name, t.tok.Text, t.tok.ID))
		}
	}
	return orNone(strings.Join(parts, ", "))
}

func optionalID(id int) string {
	if id < 0 {
		return "-"
	}
	return fmt.Sprint(id)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
