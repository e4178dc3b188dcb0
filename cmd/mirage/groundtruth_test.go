package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// TestListGroundTruthsEndToEnd (issue 14): DeepScaleR's Minerva answers are lists of
// alternatives. Through mirage convert deepscaler → parquet → (read, sample file) → mirage
// verify, a completion giving any one alternative is graded correct and one giving none of
// them wrong — before the fix convert joined the list into one string ("6630.65\n, 6630\n")
// that neither answer matched.
func TestListGroundTruthsEndToEnd(t *testing.T) {
	src := "../../datasets/testdata/deepscaler/minerva_sample.json"
	var raw []struct {
		Answer []string `json:"answer"`
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pq := filepath.Join(dir, "minerva.parquet")
	if _, err := mirageOutput(t, "", "convert", "deepscaler", "--in", src, "--out", pq); err != nil {
		t.Fatal(err)
	}
	ps, err := datasets.ReadProblems(pq)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != len(raw) {
		t.Fatalf("%d problems from %d items", len(ps), len(raw))
	}

	// One completion per alternative, then one with none of them.
	samples := filepath.Join(dir, "samples.jsonl")
	w, err := datasets.CreateSamples(samples)
	if err != nil {
		t.Fatal(err)
	}
	several := 0
	for i, p := range ps {
		alts := p.GroundTruth.Alternatives()
		if strings.Join(alts, "\x00") != strings.Join(raw[i].Answer, "\x00") {
			t.Fatalf("row %d: alternatives %q, the source has %q", i, alts, raw[i].Answer)
		}
		if len(alts) > 1 {
			several++
		}
		s := datasets.Sample{Problem: p}
		for _, a := range append(alts, `\text{none of these}`) {
			s.Completions = append(s.Completions, datasets.Completion{Text: "<think>…</think> <answer>" + strings.TrimSpace(a) + "</answer>", FinishReason: datasets.FinishStop})
		}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if several < 3 {
		t.Fatalf("only %d rows with several alternatives: the fixture changed", several)
	}

	scored := filepath.Join(dir, "scored.jsonl")
	if _, stderr, err := runVerify(t, "--in", samples, "--out", scored); err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	got, err := datasets.ReadSamples(scored)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if !s.GroundTruth.Equal(ps[i].GroundTruth) {
			t.Errorf("row %d: scored file's ground truth %v, want %v", i, s.GroundTruth, ps[i].GroundTruth)
		}
		for j, c := range s.Completions {
			want := j < len(s.Completions)-1
			if c.Correct == nil || *c.Correct != want {
				t.Errorf("row %d (%s): completion %d %q graded %v, want %v (%s)", i, s.GroundTruth, j, c.Text, fmt.Sprint(c.Correct != nil && *c.Correct), want, c.Reason)
			}
		}
	}
}
