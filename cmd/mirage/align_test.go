package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
)

// TestAlignCommand runs sample → verify → pass@k on the tiny random Llama and two MATH-500
// problems, and checks the report files agree with the scored samples they came from.
func TestAlignCommand(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	stdout, err := mirageOutput(t, "", "align", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "2",
		"--n", "4", "--max-new-tokens", "8", "--template", "raw", "--quiet", "--resamples", "50",
		"--min-pass", "0.25", "--out-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	var a passk.Alignment
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	recs, err := passk.ReadFile(filepath.Join(dir, "scored.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].N != 4 {
		t.Fatalf("scored.jsonl holds %+v, want 2 problems × 4 completions", recs)
	}
	want, err := passk.PassAtK(recs[0].N, recs[0].C, 4)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := passk.PassAtK(recs[1].N, recs[1].C, 4)
	want = (want + other) / 2
	if a.PassAtK.K != 4 || a.PassAtK.Value != want || a.Report.Problems != 2 || a.Report.Samples != 8 {
		t.Errorf("report: pass@%d = %g over %d problems and %d samples; want pass@4 = %g, 2, 8", a.PassAtK.K, a.PassAtK.Value, a.Report.Problems, a.Report.Samples, want)
	}
	if a.RuleText != "strong if pass@4 ≥ 0.25, else weak" || (a.Verdict == passk.Strong) != (want >= 0.25) {
		t.Errorf("verdict %s by %q for pass@4 = %g", a.Verdict, a.RuleText, want)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !strings.Contains(string(md), "**Verdict: "+a.Verdict) {
		t.Errorf("report.md: %v\n%s", err, md)
	}
	// The report says what was measured (issue 17): the sampling settings of the sidecar and
	// the completions' truncation, extraction and format counts, as scored.jsonl has them.
	for k, v := range map[string]string{"n": "4", "max-new-tokens": "8", "template": "raw", "temperature": "0.6", "seed": "0"} {
		if a.Report.Sampling[k] != v || !strings.Contains(string(md), "  - "+k+": `"+v+"`") {
			t.Errorf("sampling setting %s = %q in report.json; want %q, in report.md too", k, a.Report.Sampling[k], v)
		}
	}
	if !strings.Contains(a.Report.Sampling["model file model.onnx"], "bytes") {
		t.Errorf("report.json lacks the model's fingerprint: %v", a.Report.Sampling)
	}
	var truncated, noAnswer, formatted int
	scoredSamples, err := datasets.ReadSamples(filepath.Join(dir, "scored.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, smp := range scoredSamples {
		for _, c := range smp.Completions {
			truncated += b2i(c.FinishReason == "length")
			noAnswer += b2i(!*c.Correct && c.Answer == "")
			formatted += b2i(*c.FormatOK)
		}
	}
	if s := a.Report.Completions; s == nil || s.Completions != 8 || s.Truncated != truncated || s.NoAnswer != noAnswer || s.Formatted != formatted || s.FormatKnown != 8 {
		t.Errorf("completion stats %+v; want 8 completions, %d truncated, %d without an answer, %d formatted", s, truncated, noAnswer, formatted)
	}
	if a.FormatFailure != (noAnswer > 4) || a.FormatFailure != strings.Contains(stdout, "a format failure, not a capability measurement") {
		t.Errorf("format failure %v with %d of 8 completions without an answer; stdout:\n%s", a.FormatFailure, noAnswer, stdout)
	}
	if !strings.Contains(stdout, a.Verdict+" alignment: pass@4") {
		t.Errorf("stdout lacks the verdict:\n%s", stdout)
	}
	f, err := os.Open(filepath.Join(dir, "passk.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.DecodeConfig(f); err != nil {
		t.Errorf("passk.png: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "passk.svg")); err != nil {
		t.Error(err)
	}
	// --resume of OUT-DIR/samples.jsonl checks the sampling flags recorded beside it; the
	// verify and report flags and the batch size may change.
	samples := filepath.Join(dir, "samples.jsonl")
	before, _ := os.ReadFile(samples)
	resume := func(extra ...string) error {
		_, err := mirageOutput(t, "", append([]string{"align", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "2",
			"--n", "4", "--max-new-tokens", "8", "--template", "raw", "--quiet", "--resamples", "50", "--out-dir", dir, "--resume"}, extra...)...)
		return err
	}
	if err := resume("--seed", "3"); err == nil || !strings.Contains(err.Error(), `seed: "0" → "3"`) {
		t.Errorf("align --resume with another --seed: %v", err)
	}
	if err := resume("--batch-size", "2", "--min-pass", "0.9", "--grader", "math"); err != nil {
		t.Errorf("align --resume with the same sampling flags: %v", err)
	}
	if after, _ := os.ReadFile(samples); string(after) != string(before) {
		t.Errorf("resumes changed %s", samples)
	}
	for _, bad := range [][]string{{"--grader", "nope"}, {"--min-pass", "0"}, {"--min-pass", "1.5"}} {
		t.Run("bad flag "+strings.Join(bad, " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"align", "--model", tinyLlamaDir, "--data", math500Sample, "--out-dir", out}, bad...)
			if _, err := mirageOutput(t, "", args...); err == nil {
				t.Fatal("no error")
			}
			if _, err := os.Stat(filepath.Join(out, "samples.jsonl")); err == nil {
				t.Error("sampled before rejecting the flag")
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
