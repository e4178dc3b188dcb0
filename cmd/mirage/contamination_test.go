package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/passk"
)

const math500Sample = "../../testdata/data/math500_sample.json"

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
	// Resuming with another data file that reuses the ids (issue 17) would mix its probes
	// with the first data's; so would a file of probes cut by a mirage that cut the whole
	// prompt, instruction included (no prompt_sha256).
	var items []map[string]any
	if b, err := os.ReadFile(math500Sample); err != nil || json.Unmarshal(b, &items) != nil {
		t.Fatal(err)
	}
	items[0]["problem"] = "Another problem under the same id."
	other := filepath.Join(dir, "other.json")
	b, _ := json.Marshal(items[:3])
	os.WriteFile(other, b, 0o644)
	_, err = mirageOutput(t, "", "contamination", "--model", tinyLlamaDir, "--data", other, "--limit", "3",
		"--max-new-tokens", "8", "--ratios", "0.5,0.8", "--json", "--quiet", "--out", cut, "--resume")
	if id := items[0]["unique_id"].(string); err == nil || !strings.Contains(err.Error(), cut+":1, problem "+strconv.Quote(id)+": the data gives it another prompt") {
		t.Errorf("resume with another data file: %v; want a refusal naming line 1, problem %q and another prompt", err, id)
	}
	old := filepath.Join(dir, "old.jsonl")
	os.WriteFile(old, []byte(strings.Replace(string(all), `"prompt_sha256":`, `"x":`, 1)), 0o644)
	if _, err := mirageOutput(t, "", args(old, "--resume")...); err == nil || !strings.Contains(err.Error(), "no prompt_sha256") {
		t.Errorf("resume of probes without prompt_sha256: %v; want a refusal saying so", err)
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
