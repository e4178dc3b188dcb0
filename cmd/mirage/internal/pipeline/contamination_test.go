package pipeline

import (
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
// sample with the tiny Llama's tokenizer and simulated continuations: a model that has
// memorised the problems (it continues with exactly the rest, then answers) must score
// ROUGE-L 1, exact match and a correct answer at every ratio; a model that continues with
// another problem's text must not.
func TestContaminationScoring(t *testing.T) {
	tok, err := tokenizer.Load(tinyLlamaDir)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := datasets.ReadProblems(math500Sample)
	if err != nil {
		t.Fatal(err)
	}
	problems = problems[:20]
	ratios := []float64{0.4, 0.6, 0.8}
	inputs, err := cutProblems(tok, problems, ratios, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) != len(problems)*len(ratios) {
		t.Fatalf("%d probes, want %d", len(inputs), len(problems)*len(ratios))
	}
	eos := tok.Special().EOS.ID
	var memorised, unrelated []passk.Probe
	for i, in := range inputs {
		p := problems[in.problem]
		ids, err := tok.Encode(p.Prompt.String(), false)
		if err != nil {
			t.Fatal(err)
		}
		// The prompt is BOS + a prefix of the problem's tokens, cut near the ratio.
		bos := tok.Special().BOS.ID
		cut := len(ids) - in.restLen
		if in.prompt[0] != bos || !slices.Equal(in.prompt[1:], ids[:cut]) {
			t.Fatalf("probe %d: prompt is not BOS + the first %d tokens", i, cut)
		}
		if got := float64(cut) / float64(len(ids)); got < in.ratio-1.0/float64(len(ids)) || got > in.ratio+1.0/float64(len(ids)) {
			t.Errorf("probe %d: cut at %.3f of the tokens, want %.1f", i, got, in.ratio)
		}
		// The rest is the problem's remaining text (up to white space at the cut).
		noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if got, want := noSpace(tok.Decode(ids[:cut], true)+in.rest), noSpace(p.Prompt.String()); got != want {
			t.Fatalf("probe %d: prefix + rest = %q, want the problem %q", i, got, want)
		}
		answer, err := tok.Encode(` The answer is $\boxed{`+p.GroundTruth.Text()+`}$.`, false)
		if err != nil {
			t.Fatal(err)
		}
		g := verify.Prepare(verify.TaskOf(p), verify.Options{})
		memorised = append(memorised, scoreProbe(tok, p, in, slices.Concat(ids[cut:], answer, []int{eos}), g))

		other := problems[(in.problem+1)%len(problems)]
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
	}
	rows := passk.SummariseContamination(unrelated, passk.Options{Resamples: -1})
	for _, r := range rows {
		if r.ExactMatch.Value != 0 || r.RougeL.Value > 0.5 {
			t.Errorf("unrelated continuations at %.1f: ROUGE-L %.3f, exact %.2f; want low and 0", r.Ratio, r.RougeL.Value, r.ExactMatch.Value)
		}
	}
}
