package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/verify"
)

// ContaminationOptions says what Contamination probes and where it writes.
type ContaminationOptions struct {
	// Model is the model folder, Data the problems file.
	Model, Data string
	// Out, if set, receives every probe as a JSON line as soon as it is scored; Mode says what
	// to do with an Out that already holds probes (Resume generates only the missing ones).
	Out  string
	Mode datasets.Mode
	// Ratios are the fractions of each problem's tokens kept as the prompt, each in (0, 1).
	Ratios []float64
	// MaxNewTokens bounds each continuation, for the answer (at least the rest of the problem
	// is generated); BatchSize is the rows decoded together (0: 32).
	MaxNewTokens, BatchSize int
	// Limit keeps the first Limit problems (0: all).
	Limit int
	// Load says how the model is opened; Verify how the continuations' answers are graded.
	Load   sampler.ModelOptions
	Verify verify.Options
	// PassK is the bootstrap of the table's intervals.
	PassK passk.Options
	// OnProgress and Warn as in SampleOptions.
	OnProgress func(sampler.Progress)
	Warn       func(string)
}

// Validate reports the first option outside its range, before anything is loaded or written.
func (o ContaminationOptions) Validate() error {
	for _, r := range o.Ratios {
		if !(r > 0 && r < 1) {
			return fmt.Errorf("contamination: ratio %g; want values strictly between 0 and 1", r)
		}
	}
	switch {
	case o.MaxNewTokens < 0:
		return fmt.Errorf("contamination: --max-new-tokens %d; want 0 or more", o.MaxNewTokens)
	case o.BatchSize < 0:
		return fmt.Errorf("contamination: --batch-size %d; want at least 1", o.BatchSize)
	case o.Limit < 0:
		return fmt.Errorf("contamination: --limit %d; want 0 (all) or more", o.Limit)
	case o.Mode == datasets.Resume && o.Out == "":
		return errors.New("contamination: --resume needs --out, where the probes of the first run are")
	case o.Out != "" && datasets.SameFile(o.Data, o.Out):
		return fmt.Errorf("contamination: --out %s is the --data file; write the probes to another file", o.Out)
	}
	if err := o.Verify.Validate(); err != nil {
		return err
	}
	return o.Load.Validate()
}

// probeInput is one cut problem ready to generate from.
type probeInput struct {
	problem     int
	ratio       float64
	instruction string // datasets.Statement.Instruction
	prompt      []int  // BOS + the instruction before the statement + the kept statement tokens
	restLen     int    // tokens of the statement after the cut
	rest        string // their text
}

// Contamination runs the partial-prompt memorisation test of "Reasoning or Memorization?" (Wu
// et al., arXiv 2507.10532): every problem statement (the prompt without its template's
// instruction, see cutProblems) is cut after each ratio of its tokens, the model continues the
// instruction + cut statement greedily with no chat template, and the continuation is scored
// against the rest of the statement (ROUGE-L, exact match) and graded for the final answer. It returns
// one row per ratio (passk.SummariseContamination) over the probes this run asks for, those
// already in a resumed Out included.
func Contamination(ctx context.Context, o ContaminationOptions) ([]passk.ContaminationRow, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	// The probes depend on the model, the greedy continuation's length and the grading; the
	// ratios and the limit may change on resume (probes not asked for stay out of the table).
	vo := o.Verify
	ri, err := runInfo("contamination", o.Model, map[string]string{"max-new-tokens": strconv.Itoa(o.MaxNewTokens),
		"grader": string(vo.Grader), "format": string(vo.Format), "last-number": strconv.FormatBool(vo.LastNumber)}, o.BatchSize, o.Load)
	if err != nil {
		return nil, err
	}
	if o.Out != "" {
		if err := checkResults(o.Out, "probes", o.Mode, ri, o.Warn); err != nil {
			return nil, err
		}
	}
	all, problems, err := readProblems(o.Data, o.Limit)
	if err != nil {
		return nil, err
	}
	if data, err := filepath.Abs(o.Data); err == nil {
		ri.Info["data"] = data
	}
	ri.Info["problems"] = datasets.ProblemsFingerprint(problems)
	// A resumed probe must be of a problem of the data with the prompt it was cut from: another
	// data file would mix its probes under the same ids.
	dataPrompts := make(map[string]string, len(all))
	for _, p := range all {
		dataPrompts[p.ID] = datasets.PromptFingerprint(p.Prompt)
	}
	tok, err := tokenizer.Load(o.Model)
	if err != nil {
		return nil, err
	}
	inputs, err := cutProblems(tok, problems, o.Ratios, o.Warn)
	if err != nil {
		return nil, err
	}
	m, err := sampler.Open(ctx, o.Model, o.Load)
	if err != nil {
		return nil, err
	}
	defer m.Close()

	// Out is written probe by probe, so a killed run keeps what it scored; Resume reads it back.
	var probes []passk.Probe
	var probeOut *datasets.ResultsFile
	if o.Out != "" {
		probeOut, err = datasets.OpenResults(o.Out, "probes", o.Mode, ri, func(line int, b []byte) error {
			var p passk.Probe
			if err := json.Unmarshal(b, &p); err != nil || p.ID == "" {
				return fmt.Errorf("contamination: cannot resume from %s:%d: want a probe line {id, ratio, ...} (%v)", o.Out, line, err)
			}
			why := ""
			switch h, ok := dataPrompts[p.ID]; {
			case p.Prompt == "":
				why = "it has no prompt_sha256: written by a mirage that cut the whole prompt, instruction included"
			case !ok:
				why = "not in the data"
			case h != p.Prompt:
				why = "the data gives it another prompt"
			}
			if why != "" {
				return fmt.Errorf("contamination: cannot resume from %s:%d, problem %q: %s (another data file?); resume with the data of the run that wrote it, or start afresh with --overwrite", o.Out, line, p.ID, why)
			}
			probes = append(probes, p)
			return nil
		})
		if err != nil {
			return nil, err
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
	total := len(inputs) + len(probes)
	graders := map[int]*verify.Problem{}
	if len(prompts) > 0 {
		_, err = m.Generate(ctx, prompts, sampler.GenerateOptions{
			// Greedy (the zero Choice); enough tokens for the longest rest and for an answer.
			MaxNewTokens: max(o.MaxNewTokens, longest),
			BatchSize:    o.BatchSize,
			StopTokens:   eos,
			OnPrompt: func(i int, outs []sampler.Output) error {
				in := inputs[i]
				p := problems[in.problem]
				g, ok := graders[in.problem]
				if !ok {
					g = verify.Prepare(verify.TaskOf(p), vo)
					graders[in.problem] = g
				}
				probe := scoreProbe(tok, p, in, outs[0].Tokens, g)
				probes = append(probes, probe)
				if probeOut != nil {
					if err := probeOut.Encode(probe); err != nil {
						return err
					}
				}
				if o.OnProgress != nil {
					o.OnProgress(sampler.Progress{Done: len(probes), Total: total})
				}
				return nil
			},
		})
	}
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
		return nil, fmt.Errorf("contamination: %w (%d of %d probes done)", err, len(probes), total)
	}

	return passk.SummariseContamination(probes, o.PassK), nil
}

func probeKey(id string, ratio float64) string { return fmt.Sprint(id, "\x00", ratio) }

// cutProblems cuts every problem's statement (datasets.SplitStatement: the problem text
// without the instruction a template puts around it) after each ratio of the statement's
// tokens, keeping at least one token on each side. The prompt is whatever special tokens the
// tokenizer puts before a text (BOS), the instruction before the statement (the
// think-answer template's; tokens of the instruction + statement text, so tokenization at the
// seam is the prompt's own), and the kept statement tokens: no chat template, and the
// instruction after the statement (the boxed template's "Let's think step by step...") is
// left out, since the model is to continue the statement. The rest is the statement's
// remaining text. Problems whose statement is shorter than two tokens are skipped, and warn
// (if set) is told how many.
func cutProblems(tok *tokenizer.Tokenizer, problems []datasets.Problem, ratios []float64, warn func(string)) ([]probeInput, error) {
	var inputs []probeInput
	short := 0
	for i, p := range problems {
		st := datasets.SplitStatement(p)
		var err error
		encode := func(text string, special bool) []int {
			if err == nil {
				var ids []int
				ids, err = tok.Encode(text, special)
				return ids
			}
			return nil
		}
		before, all, withSpecial := encode(st.Before, false), encode(st.Before+st.Text, false), encode(st.Before+st.Text, true)
		if err != nil {
			return nil, fmt.Errorf("contamination: problem %q: %w", p.ID, err)
		}
		var lead []int
		if n := len(withSpecial) - len(all); n > 0 && slices.Equal(withSpecial[n:], all) {
			lead = withSpecial[:n]
		}
		// The instruction's tokens are those it shares with the instruction + statement
		// encoding; a token merged across the seam counts as the statement's.
		k := 0
		for k < min(len(before), len(all)) && before[k] == all[k] {
			k++
		}
		ids := all[k:]
		if len(ids) < 2 {
			short++
			continue
		}
		for _, r := range ratios {
			cut := min(max(int(math.Round(r*float64(len(ids)))), 1), len(ids)-1)
			inputs = append(inputs, probeInput{
				problem:     i,
				ratio:       r,
				instruction: st.Instruction,
				prompt:      slices.Concat(lead, all[:k+cut]),
				restLen:     len(ids) - cut,
				rest:        tok.Decode(ids[cut:], true),
			})
		}
	}
	if len(inputs) == 0 {
		return nil, errors.New("contamination: no problem has a statement of two tokens or more")
	}
	if short > 0 && warn != nil {
		warn(fmt.Sprintf("%d problem(s) with a statement shorter than two tokens skipped", short))
	}
	return inputs, nil
}

// orNone names the absent instruction.
func orNone(instruction string) string {
	if instruction == "" {
		return passk.NoInstruction
	}
	return instruction
}

// scoreProbe compares the continuation's first restLen tokens with the rest of the statement,
// and grades the whole continuation's final answer.
func scoreProbe(tok *tokenizer.Tokenizer, p datasets.Problem, in probeInput, out []int, g *verify.Problem) passk.Probe {
	head := tok.Decode(out[:min(len(out), in.restLen)], true)
	_, _, f1 := passk.RougeL(passk.Tokens(head), passk.Tokens(in.rest))
	probe := passk.Probe{ID: p.ID, DataSource: p.DataSource, Ratio: in.ratio, Instruction: orNone(in.instruction),
		Prompt: datasets.PromptFingerprint(p.Prompt), RougeL: f1, Exact: passk.ExactMatch(head, in.rest)}
	if !p.GroundTruth.Blank() {
		if o := g.Grade(tok.Decode(out, true)); !o.NoAnswer {
			probe.AnswerCorrect = &o.Correct
		}
	}
	return probe
}
