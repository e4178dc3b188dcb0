package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/verify"
)

func contaminationCommand() *cli.Command {
	return &cli.Command{
		Name:      "contamination",
		Usage:     "partial-prompt memorisation test (Wu et al. 2025): does the model complete the benchmark's problems verbatim?",
		ArgsUsage: " ",
		Description: `The test of "Reasoning or Memorization?" (Wu et al., arXiv 2507.10532): each problem is cut
after 40%, 60% and 80% of its tokens (--ratios), and the model continues the cut text greedily,
with no chat template (the tokenizer's BOS only). The first as many tokens as the rest of the
problem has are scored against that rest with ROUGE-L F1 (over lowercased words and single
symbols) and exact match (verbatim up to white space); the whole continuation, up to
--max-new-tokens, is graded like mirage verify for the final answer. A model that reproduces the
problems and answers them from a 40–60% prefix has seen the benchmark; a model that is merely
well aligned with the task does not complete the text verbatim.

Prints a table per ratio (with a breakdown per data_source when there are several); --out
writes every probe as JSONL as soon as it is scored, and --resume continues a killed run from
the probes --out holds; --json prints the table as JSON.

Examples:
  mirage contamination --model testdata/models/tiny-llama --data testdata/data/math500_sample.json --limit 20
  mirage contamination --model qwen2.5-math-7b --data math500.parquet --ratios 0.4,0.6,0.8 --out probes.jsonl`,
		Flags: slices.Concat([]cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model folder", Required: true},
			&cli.StringFlag{Name: "data", Usage: "problems: verl parquet, .jsonl or .json", Required: true},
			&cli.Float64SliceFlag{Name: "ratios", Usage: "fractions of each problem's tokens kept as the prompt", Value: cli.NewFloat64Slice(0.4, 0.6, 0.8)},
			&cli.IntFlag{Name: "max-new-tokens", Usage: "tokens per continuation, for the answer (at least the rest of the problem is generated)", Value: 512},
			&cli.IntFlag{Name: "batch-size", Usage: "sequences decoded together", Value: 32},
			&cli.StringFlag{Name: "device", Usage: "cpu or cuda", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "ONNX Runtime threads on the CPU (0: one per core)"},
			&cli.IntFlag{Name: "limit", Usage: "use only the first N problems (0: all)"},
			&cli.StringFlag{Name: "out", Usage: "write every probe (id, ratio, ROUGE-L, exact match, answer) to this JSONL file"},
			&cli.BoolFlag{Name: "json", Usage: "print the table as JSON instead of Markdown"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
			&cli.BoolFlag{Name: "resume", Usage: "keep the probes --out already holds and generate only the others"},
			&cli.BoolFlag{Name: "overwrite", Usage: "start --out afresh even if it holds probes (they are lost)"},
		}, flagsWithout(verifyFlags(), "in", "out", "json", "quiet", "format-penalty", "workers"), bootstrapFlags()),
		Action: runContamination,
	}
}

// probeInput is one cut problem ready to generate from.
type probeInput struct {
	problem int
	ratio   float64
	prompt  []int  // BOS + the kept tokens
	restLen int    // tokens of the problem after the cut
	rest    string // their text
}

func runContamination(c *cli.Context) error {
	ratios := c.Float64Slice("ratios")
	for _, r := range ratios {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("contamination: ratio %g; want values strictly between 0 and 1", r)
		}
	}
	// The probes depend on the model, the greedy continuation's length and the grading; the
	// ratios and --limit may change on --resume (probes not asked for stay out of the table).
	ri, err := runInfo(c, map[string]string{"max-new-tokens": strconv.Itoa(c.Int("max-new-tokens")),
		"grader": c.String("grader"), "format": c.String("format"), "last-number": strconv.FormatBool(c.Bool("last-number"))})
	if err != nil {
		return err
	}
	mode := outputMode(c)
	if path := c.String("out"); path != "" {
		if err := checkResults(c, path, "probes", mode, ri); err != nil {
			return err
		}
	} else if mode == datasets.Resume {
		return errors.New("contamination: --resume needs --out, where the probes of the first run are")
	}
	problems, err := datasets.ReadProblems(c.String("data"))
	if err != nil {
		return err
	}
	if n := c.Int("limit"); n > 0 && n < len(problems) {
		problems = problems[:n]
	}
	tok, err := tokenizer.Load(c.String("model"))
	if err != nil {
		return err
	}
	inputs, err := cutProblems(tok, problems, ratios)
	if err != nil {
		return err
	}
	vopts, err := verifyOptionsFromFlags(c)
	if err != nil {
		return err
	}
	m, err := sampler.Open(c.Context, c.String("model"), sampler.ModelOptions{Device: c.String("device"), Threads: c.Int("threads")})
	if err != nil {
		return err
	}
	defer m.Close()

	// --out is written probe by probe, so a killed run keeps what it scored; --resume reads it back.
	var probes []passk.Probe
	var probeOut *datasets.ResultsFile
	if path := c.String("out"); path != "" {
		probeOut, err = datasets.OpenResults(path, "probes", mode, ri, func(line int, b []byte) error {
			var p passk.Probe
			if err := json.Unmarshal(b, &p); err != nil || p.ID == "" {
				return fmt.Errorf("contamination: cannot resume from %s:%d: want a probe line {id, ratio, ...} (%v)", path, line, err)
			}
			probes = append(probes, p)
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Probes of the file that this run does not ask for (another --limit or --ratios) stay in
	// the file but out of the table.
	wanted := map[string]bool{}
	for _, in := range inputs {
		wanted[probeKey(problems[in.problem].ID, in.ratio)] = true
	}
	probes = slices.DeleteFunc(probes, func(p passk.Probe) bool { return !wanted[probeKey(p.ID, p.Ratio)] })
	done := map[string]bool{}
	for _, p := range probes {
		done[probeKey(p.ID, p.Ratio)] = true
	}
	inputs = slices.DeleteFunc(inputs, func(in probeInput) bool { return done[probeKey(problems[in.problem].ID, in.ratio)] })

	prompts := make([][]int, len(inputs))
	longest := 0
	for i, in := range inputs {
		prompts[i] = in.prompt
		longest = max(longest, in.restLen)
	}
	var eos []int
	if e := tok.Special().EOS; e != nil {
		eos = []int{e.ID}
	}
	bar := newSampleBar(c.Bool("quiet"))
	total := len(inputs) + len(probes)
	graders := map[int]*verify.Problem{}
	if len(prompts) > 0 {
		_, err = m.Generate(c.Context, prompts, sampler.GenerateOptions{
			// Greedy (the zero Choice); enough tokens for the longest rest and for an answer.
			MaxNewTokens: max(c.Int("max-new-tokens"), longest),
			BatchSize:    c.Int("batch-size"),
			StopTokens:   eos,
			OnPrompt: func(i int, outs []sampler.Output) error {
				in := inputs[i]
				p := problems[in.problem]
				g, ok := graders[in.problem]
				if !ok {
					g = verify.Prepare(verify.TaskOf(p), vopts)
					graders[in.problem] = g
				}
				probe := scoreProbe(tok, p, in, outs[0].Tokens, g)
				probes = append(probes, probe)
				if probeOut != nil {
					if err := probeOut.Encode(probe); err != nil {
						return err
					}
				}
				bar.update(sampler.Progress{Done: len(probes), Total: total})
				return nil
			},
		})
	}
	bar.finish()
	if probeOut != nil {
		if err != nil {
			probeOut.Abandon()
		} else {
			err = probeOut.Close()
		}
	}
	if err != nil {
		if pe, ok := errors.AsType[*sampler.PromptError](err); ok {
			in := inputs[pe.Prompt]
			err = fmt.Errorf("problem %d (id %q) cut at %g: %s", in.problem, problems[in.problem].ID, in.ratio, pe.Reason)
		}
		return fmt.Errorf("contamination: %w (%d of %d probes done)", err, len(probes), total)
	}

	opts := bootstrapOptions(c)
	rows := passk.SummariseContamination(probes, opts)
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return passk.WriteContaminationMarkdown(c.App.Writer, rows, opts)
}

func probeKey(id string, ratio float64) string { return fmt.Sprint(id, "\x00", ratio) }

// cutProblems tokenizes every problem's text (no special tokens) and cuts it after each ratio
// of its tokens, keeping at least one token on each side. The prompt gets whatever special
// tokens the tokenizer puts before a text (BOS) and nothing else: no chat template.
func cutProblems(tok *tokenizer.Tokenizer, problems []datasets.Problem, ratios []float64) ([]probeInput, error) {
	var inputs []probeInput
	short := 0
	for i, p := range problems {
		text := p.Prompt.String()
		ids, err := tok.Encode(text, false)
		if err != nil {
			return nil, fmt.Errorf("contamination: problem %q: %w", p.ID, err)
		}
		withSpecial, err := tok.Encode(text, true)
		if err != nil {
			return nil, fmt.Errorf("contamination: problem %q: %w", p.ID, err)
		}
		var lead []int
		if n := len(withSpecial) - len(ids); n > 0 && slices.Equal(withSpecial[n:], ids) {
			lead = withSpecial[:n]
		}
		if len(ids) < 2 {
			short++
			continue
		}
		for _, r := range ratios {
			cut := min(max(int(math.Round(r*float64(len(ids)))), 1), len(ids)-1)
			inputs = append(inputs, probeInput{
				problem: i,
				ratio:   r,
				prompt:  slices.Concat(lead, ids[:cut]),
				restLen: len(ids) - cut,
				rest:    tok.Decode(ids[cut:], true),
			})
		}
	}
	if len(inputs) == 0 {
		return nil, errors.New("contamination: no problem has text of two tokens or more")
	}
	if short > 0 {
		fmt.Fprintf(os.Stderr, "contamination: %d problem(s) shorter than two tokens skipped\n", short)
	}
	return inputs, nil
}

// scoreProbe compares the continuation's first restLen tokens with the rest of the problem,
// and grades the whole continuation's final answer.
func scoreProbe(tok *tokenizer.Tokenizer, p datasets.Problem, in probeInput, out []int, g *verify.Problem) passk.Probe {
	head := tok.Decode(out[:min(len(out), in.restLen)], true)
	_, _, f1 := passk.RougeL(passk.Tokens(head), passk.Tokens(in.rest))
	probe := passk.Probe{ID: p.ID, DataSource: p.DataSource, Ratio: in.ratio, RougeL: f1, Exact: passk.ExactMatch(head, in.rest)}
	if !p.GroundTruth.Blank() {
		if o := g.Grade(tok.Decode(out, true)); !o.NoAnswer {
			probe.AnswerCorrect = &o.Correct
		}
	}
	return probe
}
