package pipeline

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/verify"
)

const (
	tinyLlamaDir  = "../../../../testdata/models/tiny-llama"
	math500Sample = "../../../../testdata/data/math500_sample.json"
)

// TestContaminationScoring runs the cut-and-score half of mirage contamination on the MATH-500
// sample with the tiny Llama's tokenizer and simulated continuations, for the raw problems and
// for the prompts of mirage convert deepscaler's two templates: the statement is cut, not the
// instruction (issue 17: with the think-answer instruction, the 40% and 60% prefixes were pure
// instruction), the instruction before it is kept and the one after it left out. A model that
// has memorised the problems (it continues with exactly the rest, then answers) must score
// ROUGE-L 1, exact match and a correct answer at every ratio; a model that continues with
// another problem's text must not.
func TestContaminationScoring(t *testing.T) {
	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := datasets.ReadProblems(math500Sample)
	if err != nil {
		t.Fatal(err)
	}
	raw = raw[:20]
	for _, tc := range []struct{ template, instruction, before string }{
		{"", "", ""},
		{datasets.TemplateThinkAnswer, datasets.TemplateThinkAnswer, strings.TrimSuffix(mustTemplate(t, datasets.TemplateThinkAnswer, "x"), "x")},
		{datasets.TemplateBoxed, datasets.TemplateBoxed, ""},
	} {
		t.Run(orNone(tc.template), func(t *testing.T) {
			problems := raw
			if tc.template != "" {
				if problems, err = datasets.ApplyTemplateAll(raw, tc.template); err != nil {
					t.Fatal(err)
				}
			}
			testContaminationScoring(t, tok, raw, problems, tc.instruction, tc.before)
		})
	}
}

func mustTemplate(t *testing.T, template, problem string) string {
	s, err := datasets.ApplyTemplate(template, problem)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testContaminationScoring checks the probes of problems, whose statements are raw's prompts
// rendered after the instruction text before.
func testContaminationScoring(t *testing.T, tok *tokenizer.Tokenizer, raw, problems []datasets.Problem, instruction, before string) {
	ratios := []float64{0.4, 0.6, 0.8}
	inputs, err := cutProblems(tok, problems, ratios, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) != len(problems)*len(ratios) {
		t.Fatalf("%d probes, want %d", len(inputs), len(problems)*len(ratios))
	}
	eos, bos := tok.Special().EOS.ID, tok.Special().BOS.ID
	noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
	var memorised, unrelated []passk.Probe
	for i, in := range inputs {
		p, statement := problems[in.problem], raw[in.problem].Prompt.String()
		if in.instruction != instruction {
			t.Errorf("probe %d: instruction %q, want %q", i, in.instruction, instruction)
		}
		// The prompt is BOS + the tokens of the instruction and statement text, cut near the
		// ratio of the statement's own tokens (measured on the statement encoded alone; the
		// seam may shift it by a token).
		full, err := tok.Encode(before+statement, false)
		if err != nil {
			t.Fatal(err)
		}
		alone, err := tok.Encode(statement, false)
		if err != nil {
			t.Fatal(err)
		}
		if in.prompt[0] != bos || !slices.Equal(in.prompt[1:], full[:len(in.prompt)-1]) {
			t.Fatalf("probe %d: prompt is not BOS + a prefix of the instruction and statement's tokens", i)
		}
		if want := (1 - in.ratio) * float64(len(alone)); math.Abs(float64(in.restLen)-want) > 2 {
			t.Errorf("probe %d: %d statement tokens left after the cut at %.1f, want about %.1f of the statement's %d", i, in.restLen, in.ratio, want, len(alone))
		}
		// The kept text is the instruction + the statement's start; the rest is the statement's
		// end (up to white space at the cut), never the instruction after it.
		kept := tok.Decode(in.prompt, true)
		if !strings.HasPrefix(noSpace(kept), noSpace(before)) || len(noSpace(kept)) <= len(noSpace(before)) {
			t.Fatalf("probe %d: prompt %q is not the instruction + part of the statement", i, kept)
		}
		if got, want := noSpace(kept+in.rest), noSpace(before+statement); got != want {
			t.Fatalf("probe %d: prompt + rest = %q, want the instruction + statement %q", i, got, want)
		}
		answer, err := tok.Encode(` The answer is $\boxed{`+p.GroundTruth.Text()+`}$.`, false)
		if err != nil {
			t.Fatal(err)
		}
		g := verify.Prepare(verify.TaskOf(p), verify.Options{})
		memorised = append(memorised, scoreProbe(tok, p, in, slices.Concat(full[len(in.prompt)-1:], answer, []int{eos}), g))

		other := raw[(in.problem+1)%len(raw)]
		otherIDs, err := tok.Encode(other.Prompt.String(), false)
		if err != nil {
			t.Fatal(err)
		}
		unrelated = append(unrelated, scoreProbe(tok, p, in, otherIDs, g))
	}
	for i, pr := range memorised {
		if pr.RougeL != 1 || !pr.Exact || pr.AnswerCorrect == nil || !*pr.AnswerCorrect {
			t.Errorf("memorised probe %d (%s at %.1f): %+v; want ROUGE-L 1, exact, correct answer", i, pr.ID, pr.Ratio, pr)
		}
		if want := orNone(instruction); pr.Instruction != want || pr.Prompt != datasets.PromptFingerprint(problems[inputs[i].problem].Prompt) {
			t.Errorf("memorised probe %d: instruction %q, prompt %q; want %q and the problem's fingerprint", i, pr.Instruction, pr.Prompt, want)
		}
	}
	rows := passk.SummariseContamination(unrelated, passk.Options{Resamples: -1})
	for _, r := range rows {
		if r.ExactMatch.Value != 0 || r.RougeL.Value > 0.5 {
			t.Errorf("unrelated continuations at %.1f: ROUGE-L %.3f, exact %.2f; want low and 0", r.Ratio, r.RougeL.Value, r.ExactMatch.Value)
		}
	}
}
