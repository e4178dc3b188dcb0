package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
)

func runVerify(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{Name: "mirage", Commands: []*cli.Command{verifyCommand()}, Writer: &out, ErrWriter: &errOut}
	err = app.Run(append([]string{"mirage", "verify", "--quiet"}, args...))
	return out.String(), errOut.String(), err
}

const game24Data = `{"question": "24 from [2, 6, 7, 9]", "answer": "", "difficulty": 1, "metadata": {"numbers": [2, 6, 7, 9], "operators": ["+", "-", "*", "/"], "result": 24}, "gpt_response": ""}`

func writeSamples(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "samples.jsonl"), filepath.Join(dir, "scored.jsonl")
	mathLine, _ := json.Marshal(datasets.Sample{
		Problem: datasets.Problem{ID: "m1", Prompt: datasets.Prompt{Text: "1/2?"}, GroundTruth: datasets.Answer(`\frac{1}{2}`), DataSource: "math500"},
		Completions: []datasets.Completion{
			{Text: "<think>x</think> <answer>0.5</answer>", FinishReason: "stop"},
			{Text: `so \boxed{1/3}`, FinishReason: "stop"},
			{Text: "I give up", FinishReason: "length"},
		},
	})
	logicLine, _ := json.Marshal(datasets.Sample{
		Problem: datasets.Problem{ID: "l1", DataSource: "game_of_24", Extra: map[string]any{"game_data_str": game24Data}},
		Completions: []datasets.Completion{
			{Text: "```python\n(9-7+2)*6\n```"},
			{Text: "```python\n9*7+6+2\n```"},
		},
	})
	unknownLine, _ := json.Marshal(datasets.Sample{
		Problem:     datasets.Problem{ID: "u1", DataSource: "val/maze_of_doom", Ability: "logic"},
		Completions: []datasets.Completion{{Text: "x"}},
	})
	writeSamples(t, in, string(mathLine), string(logicLine), string(unknownLine))

	stdout, stderr, err := runVerify(t, "--in", in, "--out", out, "--json")
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, stderr)
	}
	var sum verify.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json output %q: %v", stdout, err)
	}
	if sum.Problems != 3 || sum.Completions != 6 || sum.Correct != 2 || sum.NoAnswer < 1 || sum.UnknownTasks["val/maze_of_doom"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(stderr, "6 completions scored, 2 correct") || !strings.Contains(stderr, "val/maze_of_doom 1") {
		t.Errorf("stderr report:\n%s", stderr)
	}

	got, err := datasets.ReadSamples(out)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]bool{{true, false, false}, {true, false}, {false}}
	if len(got) != len(want) {
		t.Fatalf("%d lines written, want %d", len(got), len(want))
	}
	for i, s := range got {
		for j, c := range s.Completions {
			if c.Correct == nil || c.Reward == nil {
				t.Fatalf("line %d completion %d: correct/reward not set", i+1, j)
			}
			wantReward := 0.0
			if want[i][j] {
				wantReward = 1
			}
			if *c.Correct != want[i][j] || *c.Reward != wantReward {
				t.Errorf("line %d completion %d: correct %v reward %v, want %v", i+1, j, *c.Correct, *c.Reward, want[i][j])
			}
		}
	}
	if a := got[0].Completions[0].Answer; a != "1/2" {
		t.Errorf("normalised answer %q, want 1/2", a)
	}
	// Each completion says which rule found its answer, or why none was found.
	for j, want := range []struct{ rule, reason string }{{"answer-tag", ""}, {"boxed", ""}, {"", "no answer found"}} {
		c := got[0].Completions[j]
		if c.Rule != want.rule || !strings.Contains(c.Reason, want.reason) || (want.reason == "") != (c.Reason == "") {
			t.Errorf("completion %d: rule %q reason %q, want rule %q reason containing %q", j, c.Rule, c.Reason, want.rule, want.reason)
		}
	}
	if got[0].Completions[2].FinishReason != "length" || got[0].Prompt.Text != "1/2?" {
		t.Errorf("other fields not kept: %+v", got[0])
	}
}

func TestVerifyCommandErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "samples.jsonl")
	good := `{"id": "a", "prompt": "p", "ground_truth": "1", "completions": [{"text": "\\boxed{1}"}]}`
	writeSamples(t, in, good, good, `{"id": "c", "completions": [}`)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad line names file and line", []string{"--in", in, "--out", filepath.Join(dir, "o.jsonl")}, "samples.jsonl:3"},
		{"same file", []string{"--in", in, "--out", in}, "is the --in file"},
		{"missing input", []string{"--in", filepath.Join(dir, "none.jsonl"), "--out", filepath.Join(dir, "o2.jsonl")}, "no such file"},
		{"bad grader", []string{"--in", in, "--out", filepath.Join(dir, "o3.jsonl"), "--grader", "sympy"}, "unknown grader"},
		{"bad format", []string{"--in", in, "--out", filepath.Join(dir, "o4.jsonl"), "--format", "xml"}, "unknown answer format"},
		{"negative penalty", []string{"--in", in, "--out", filepath.Join(dir, "o5.jsonl"), "--format-penalty", "-1"}, "--format-penalty -1; want"},
		{"negative workers", []string{"--in", in, "--out", filepath.Join(dir, "o6.jsonl"), "--workers", "-2"}, "--workers -2; want"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runVerify(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	// --out is written atomically (issue 17): a run that fails on a bad line leaves no output
	// (it used to leave the lines before it), and an output of an earlier run stays whole.
	if _, err := os.Stat(filepath.Join(dir, "o.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed verify left --out behind: %v", err)
	}
	earlier := filepath.Join(dir, "earlier.jsonl")
	writeSamples(t, earlier, good)
	if _, _, err := runVerify(t, "--in", in, "--out", earlier); err == nil {
		t.Fatal("bad line: no error")
	}
	if b, _ := os.ReadFile(earlier); string(b) != good+"\n" {
		t.Errorf("a failed verify changed the earlier --out to %q", b)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %q", tmp)
	}
	// The input is untouched by the same-file refusal.
	if b, _ := os.ReadFile(in); !strings.HasPrefix(string(b), good) {
		t.Errorf("input was modified")
	}
}
