package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/chat"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
)

func tokenizeCommand() *cli.Command {
	return &cli.Command{
		Name:      "tokenize",
		Usage:     "show the token ids of a text (or the text of ids) with a model's tokenizer",
		ArgsUsage: "[TEXT | IDS]",
		Description: `Encodes TEXT (or standard input) with the model folder's tokenizer.json, exactly as sampling
does: special tokens written in the text ("<|im_start|>", "<|eot_id|>") become their ids, and no
BOS/EOS is added unless --add-special. --chat first renders the chat template around TEXT as a
user message (with the generation prompt) and prints the rendered prompt and its ids. --decode
reads ids (a JSON array, or numbers separated by spaces or commas) and prints their text.
--in FILE tokenizes the prompt of every problem in FILE (JSONL, JSON or verl parquet) and prints
length statistics, to choose --max-new-tokens and --batch-size.

Examples:
   mirage tokenize --model testdata/models/tiny-llama "Hello world"
   mirage tokenize --model DIR --chat --system "Reason step by step." "What is 2+2?"
   mirage tokenize --model DIR --decode "[9707, 1879]"
   echo "151644 872 198" | mirage tokenize --model DIR --decode
   mirage tokenize --model DIR --chat --in problems.jsonl --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model folder with tokenizer.json (and tokenizer_config.json)", Required: true},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.BoolFlag{Name: "decode", Usage: "read token ids, print their text"},
			&cli.BoolFlag{Name: "skip-special", Usage: "with --decode: drop special tokens"},
			&cli.BoolFlag{Name: "chat", Usage: "render the chat template around the text (a user message) first"},
			&cli.StringFlag{Name: "system", Usage: "with --chat: a system message before the user's"},
			&cli.BoolFlag{Name: "add-special", Usage: "add the tokenizer's BOS/EOS (not with --chat: the template has them)"},
			&cli.StringFlag{Name: "in", Usage: "problems `FILE` (.jsonl, .json, .parquet): print prompt length statistics"},
		},
		Action: tokenizeAction,
	}
}

func tokenizeAction(c *cli.Context) error {
	if c.Bool("chat") && c.Bool("add-special") {
		return errors.New("tokenize: --add-special cannot be used with --chat: the chat template already writes the special tokens")
	}
	dir := c.String("model")
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return err
	}
	// The prompt is built as mirage sample builds it: --chat is its chat template, otherwise
	// the text alone (--template none) or with the tokenizer's BOS (--template raw).
	opts := sampler.RunOptions{Tokenizer: tok, Template: sampler.TemplateNone}
	if c.Bool("add-special") {
		opts.Template = sampler.TemplateRaw
	}
	var tpl *chat.Template
	if c.Bool("chat") {
		if tpl, err = chat.Load(dir); err != nil {
			return err
		}
		opts.Template, opts.System = sampler.TemplateChat, c.String("system")
		opts.ChatTemplate = func(msgs []datasets.Message) (string, error) {
			return tpl.Render(msgs, chat.Options{AddGenerationPrompt: true})
		}
	}
	if in := c.String("in"); in != "" {
		if c.Args().Present() {
			return errors.New("tokenize: give either TEXT or --in FILE, not both")
		}
		return tokenizeFile(c, opts, in)
	}
	text := strings.Join(c.Args().Slice(), " ")
	if !c.Args().Present() {
		b, err := io.ReadAll(c.App.Reader)
		if err != nil {
			return fmt.Errorf("tokenize: reading standard input: %w", err)
		}
		text = strings.TrimSuffix(string(b), "\n")
	}
	if c.Bool("decode") {
		return decodeIDs(c, tok, text)
	}
	prompt, ids, err := sampler.EncodePrompt(datasets.Problem{Prompt: datasets.Prompt{Text: text}}, opts)
	if err != nil {
		return err
	}
	// Vocabulary strings, as Hugging Face's tokenize() shows them ("▁the", "Ġthe", "<0x0A>").
	vocab := make([]string, len(ids))
	for i, id := range ids {
		vocab[i], _ = tok.Token(id)
	}
	pieces := textPieces(tok, ids, vocab)
	if c.Bool("json") {
		out := map[string]any{"text": text, "ids": ids, "tokens": vocab, "pieces": pieces, "count": len(ids)}
		if tpl != nil {
			out["prompt"] = prompt
		}
		return emitJSON(c.App.Writer, out)
	}
	w := c.App.Writer
	if tpl != nil {
		fmt.Fprintf(w, "prompt (%s):\n%s\n", tpl.Origin(), prompt)
	}
	fmt.Fprintf(w, "%d tokens\nids: %s\ntokens:", len(ids), intsJSON(ids))
	for _, s := range pieces {
		fmt.Fprintf(w, " %q", s)
	}
	fmt.Fprintln(w)
	return nil
}

// textPieces is the text each token adds, decoded with a few tokens of context so a leading
// space survives decoders that strip one at the start; a token that ends inside a character
// shows its vocabulary string instead.
func textPieces(tok *tokenizer.Tokenizer, ids []int, vocab []string) []string {
	const context = 4
	out := make([]string, len(ids))
	for i := range ids {
		from := max(0, i-context)
		before, after := tok.Decode(ids[from:i], false), tok.Decode(ids[from:i+1], false)
		piece, ok := strings.CutPrefix(after, before)
		if !ok || strings.ContainsRune(piece, '\uFFFD') {
			piece = vocab[i]
		}
		out[i] = piece
	}
	return out
}

// decodeIDs parses ids written as a JSON array or separated by spaces/commas and prints their text.
func decodeIDs(c *cli.Context, tok *tokenizer.Tokenizer, s string) error {
	var ids []int
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") {
		if err := json.Unmarshal([]byte(t), &ids); err != nil {
			return fmt.Errorf("tokenize: --decode: want a JSON array of integers: %w", err)
		}
	} else {
		for i, f := range strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
			id, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("tokenize: --decode: item %d %q is not an integer id", i+1, f)
			}
			ids = append(ids, id)
		}
	}
	for i, id := range ids {
		if id < 0 || id >= tok.VocabSize() {
			return fmt.Errorf("tokenize: --decode: id %d (item %d) is outside the vocabulary [0, %d)", id, i+1, tok.VocabSize())
		}
	}
	text := tok.Decode(ids, c.Bool("skip-special"))
	if c.Bool("json") {
		return emitJSON(c.App.Writer, map[string]any{"ids": ids, "text": text})
	}
	fmt.Fprintln(c.App.Writer, text)
	return nil
}

// lengthStats summarises prompt lengths in tokens (percentiles by nearest rank).
type lengthStats struct {
	Problems int     `json:"problems"`
	Min      int     `json:"min"`
	Median   int     `json:"median"`
	P95      int     `json:"p95"`
	Max      int     `json:"max"`
	Mean     float64 `json:"mean"`
	Total    int     `json:"total"`
	Longest  string  `json:"longest_id"`
}

func tokenizeFile(c *cli.Context, opts sampler.RunOptions, path string) error {
	problems, err := datasets.ReadProblems(path)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		return fmt.Errorf("tokenize: %s holds no problems", path)
	}
	lens := make([]int, len(problems))
	st := lengthStats{Problems: len(problems)}
	for i, pr := range problems {
		_, ids, err := sampler.EncodePrompt(pr, opts)
		if err != nil {
			return fmt.Errorf("tokenize: %s: problem %d (id %q): %w", path, i+1, pr.ID, err)
		}
		lens[i] = len(ids)
		st.Total += len(ids)
		if len(ids) > st.Max || i == 0 {
			st.Max, st.Longest = len(ids), pr.ID
		}
	}
	sorted := slices.Sorted(slices.Values(lens))
	rank := func(q float64) int { return sorted[max(0, int(math.Ceil(q*float64(len(sorted))))-1)] }
	st.Min, st.Median, st.P95 = sorted[0], rank(0.5), rank(0.95)
	st.Mean = float64(st.Total) / float64(len(lens))
	if c.Bool("json") {
		return emitJSON(c.App.Writer, st)
	}
	fmt.Fprintf(c.App.Writer, "%d prompts, tokens: min %d  median %d  p95 %d  max %d (id %s)  mean %.1f  total %d\n",
		st.Problems, st.Min, st.Median, st.P95, st.Max, st.Longest, st.Mean, st.Total)
	return nil
}

func intsJSON(ids []int) string {
	b, _ := json.Marshal(ids) // []int always marshals
	return string(b)
}

func emitJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
