package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
