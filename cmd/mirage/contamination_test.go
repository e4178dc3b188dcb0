package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler/tokenizer"
	"github.com/mirage-rl/mirage/verify"
)

const math500Sample = "../../testdata/data/math500_sample.json"

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
	inputs, err := cutProblems(tok, problems, ratios)
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

// TestContaminationCommand runs mirage contamination end to end on the tiny random Llama: the
// table has a row per ratio and --out a probe per problem and ratio.
func TestContaminationCommand(t *testing.T) {
	needRuntime(t)
	out := filepath.Join(t.TempDir(), "probes.jsonl")
	stdout, err := mirageOutput(t, "", "contamination", "--model", tinyLlamaDir, "--data", math500Sample,
		"--limit", "3", "--max-new-tokens", "8", "--ratios", "0.5,0.8", "--out", out, "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	var rows []passk.ContaminationRow
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if len(rows) != 2 || rows[0].Ratio != 0.5 || rows[1].Ratio != 0.8 || rows[0].RougeL.Problems != 3 {
		t.Errorf("rows %+v", rows)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 6 {
		t.Errorf("--out has %d probes, want 6", n)
	}
	if _, err := mirageOutput(t, "", "contamination", "--model", tinyLlamaDir, "--data", math500Sample, "--ratios", "1.2"); err == nil {
		t.Error("ratio 1.2: no error")
	}
}

// --out is written probe by probe; a run cut short (here: its first three probes and a torn
// fourth) continued with --resume ends with the probes and the table of an uninterrupted run.
func TestContaminationResume(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	args := func(out string, extra ...string) []string {
		return append([]string{"contamination", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "3",
			"--max-new-tokens", "8", "--ratios", "0.5,0.8", "--json", "--quiet", "--out", out}, extra...)
	}
	full := filepath.Join(dir, "full.jsonl")
	want, err := mirageOutput(t, "", args(full)...)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := os.ReadFile(full)
	lines := strings.SplitAfter(string(all), "\n")
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, []byte(strings.Join(lines[:3], "")+lines[3][:10]), 0o644)

	got, err := mirageOutput(t, "", args(cut, "--resume")...)
	if err != nil {
		t.Fatal(err)
	}
	if resumed, _ := os.ReadFile(cut); string(resumed) != string(all) {
		t.Errorf("resumed probes:\n%s\nwant\n%s", resumed, all)
	}
	if got != want {
		t.Errorf("resumed table:\n%s\nwant\n%s", got, want)
	}
	// A rerun without --resume does not truncate the probes; --overwrite does.
	if _, err := mirageOutput(t, "", args(cut)...); err == nil || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("rerun without --resume: %v; want a refusal naming --resume and --overwrite", err)
	}
	if resumed, _ := os.ReadFile(cut); string(resumed) != string(all) {
		t.Errorf("the refused rerun changed %s", cut)
	}
	// Resuming with fewer ratios reports only those, from the probes already there.
	one, err := mirageOutput(t, "", "contamination", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "3",
		"--max-new-tokens", "8", "--ratios", "0.5", "--json", "--quiet", "--out", cut, "--resume")
	var rows []passk.ContaminationRow
	if err != nil || json.Unmarshal([]byte(one), &rows) != nil || len(rows) != 1 || rows[0].Ratio != 0.5 || rows[0].RougeL.Problems != 3 {
		t.Errorf("resume with --ratios 0.5: %v, %s", err, one)
	}
	// Resuming with another continuation length or grading would mix two kinds of probes.
	_, err = mirageOutput(t, "", args(cut, "--resume", "--max-new-tokens", "9", "--grader", "math-strict")...)
	if err == nil || !strings.Contains(err.Error(), `max-new-tokens: "8" → "9"`) || !strings.Contains(err.Error(), `grader: "auto" → "math-strict"`) {
		t.Errorf("resume with other --max-new-tokens and --grader: %v; want both named", err)
	}
	if resumed, _ := os.ReadFile(cut); string(resumed) != string(all) {
		t.Errorf("the refused resume changed %s", cut)
	}
	if again, err := mirageOutput(t, "", args(cut, "--overwrite")...); err != nil || again != want {
		t.Errorf("--overwrite: %v\n%s\nwant\n%s", err, again, want)
	}
	if _, err := mirageOutput(t, "", "contamination", "--model", tinyLlamaDir, "--data", math500Sample, "--resume"); err == nil {
		t.Error("--resume without --out: no error")
	}
}
