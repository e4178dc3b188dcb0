package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/datasetstest"
)

// TestSampleHelperProcess is not a test: TestSampleKillResume runs the test binary with only
// this function selected to get a `mirage sample` process it can kill.
func TestSampleHelperProcess(t *testing.T) {
	args := os.Getenv("MIRAGE_SAMPLE_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process for TestSampleKillResume")
	}
	var a []string
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		t.Fatal(err)
	}
	if err := newApp().Run(append([]string{"mirage"}, a...)); err != nil {
		t.Fatal(err)
	}
}

// A `mirage sample` process killed with SIGKILL mid-run, then continued with --resume (and
// another batch size), must leave the samples an uninterrupted run writes: every problem once,
// in order, with the same completions.
func TestSampleKillResume(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	args := func(out string, extra ...string) []string {
		return append([]string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "24", "--n", "2",
			"--max-new-tokens", "24", "--temperature", "1", "--top-p", "0.9", "--seed", "9", "--template", "raw",
			"--quiet", "--out", out}, extra...)
	}
	ref := filepath.Join(dir, "ref.jsonl")
	if _, err := mirageOutput(t, "", args(ref, "--batch-size", "4")...); err != nil {
		t.Fatal(err)
	}

	killed := filepath.Join(dir, "killed.jsonl")
	a, _ := json.Marshal(args(killed, "--batch-size", "1", "--threads", "1"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestSampleHelperProcess$")
	cmd.Env = append(os.Environ(), "MIRAGE_SAMPLE_HELPER_ARGS="+string(a))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
wait:
	for {
		select {
		case err := <-exited:
			t.Fatalf("the run ended (%v) before it could be killed", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("no sample written within 60 s")
		case <-time.After(5 * time.Millisecond):
			if b, _ := os.ReadFile(killed); strings.Count(string(b), "\n") >= 2 {
				break wait
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	before, _ := os.ReadFile(killed)
	if n := strings.Count(string(before), "\n"); n >= 24 {
		t.Fatalf("the killed run had already written all %d problems", n)
	} else {
		t.Logf("killed after %d of 24 problems (%d bytes)", n, len(before))
	}
	if _, err := mirageOutput(t, "", args(killed, "--batch-size", "5", "--resume")...); err != nil {
		t.Fatal(err)
	}

	datasetstest.SameSamples(t, killed, ref, 1e-3)
}

// Running `mirage sample` again on an --out that holds samples, without --resume, must fail
// and leave the file as it was (a forgotten --resume used to truncate it); --overwrite starts
// afresh.
func TestSampleKeepsExistingOut(t *testing.T) {
	needRuntime(t)
	out := filepath.Join(t.TempDir(), "s.jsonl")
	args := []string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--limit", "2", "--n", "1",
		"--max-new-tokens", "4", "--quiet", "--out", out}
	if _, err := mirageOutput(t, "", args...); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(out)
	if err != nil || strings.Count(string(first), "\n") != 2 {
		t.Fatalf("first run wrote %q, %v; want 2 lines", first, err)
	}

	_, err = mirageOutput(t, "", append(args, "--limit", "1")...)
	if err == nil || !strings.Contains(err.Error(), out) || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("rerun without --resume: err = %v; want an error naming %s and --resume", err, out)
	}
	if again, _ := os.ReadFile(out); string(again) != string(first) {
		t.Errorf("rerun without --resume changed %s:\n%s\nwant\n%s", out, again, first)
	}

	// Resuming with another --n would mix sample sizes in one file.
	_, err = mirageOutput(t, "", append(args, "--limit", "3", "--n", "2", "--resume")...)
	if err == nil || !strings.Contains(err.Error(), `n: "1" → "2"`) {
		t.Errorf("resume with another --n: err = %v", err)
	}
	if again, _ := os.ReadFile(out); string(again) != string(first) {
		t.Errorf("refused resume changed %s:\n%s\nwant\n%s", out, again, first)
	}

	if _, err := mirageOutput(t, "", append(args, "--limit", "1", "--overwrite")...); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); strings.Count(string(b), "\n") != 1 {
		t.Errorf("--overwrite left %d lines, want 1", strings.Count(string(b), "\n"))
	}
}

// Sampling flags outside their ranges are errors naming the flag, raised before anything is
// loaded or written (RunOptions reads 0 as "default", so they used to run quietly).
func TestSampleFlagRanges(t *testing.T) {
	for _, bad := range [][]string{
		{"--n", "0"}, {"--n", "-2"}, {"--temperature", "-0.5"}, {"--temperature", "NaN"}, {"--top-p", "0"},
		{"--top-p", "1.5"}, {"--top-k", "-1"}, {"--min-p", "-0.1"}, {"--min-p", "2"}, {"--max-new-tokens", "-5"},
		{"--batch-size", "0"}, {"--threads", "-1"}, {"--limit", "-1"},
	} {
		t.Run(strings.Join(bad, "="), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "s.jsonl")
			_, err := mirageOutput(t, "", append([]string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--out", out}, bad...)...)
			if err == nil || !strings.Contains(err.Error(), bad[0]+" "+bad[1]) || !strings.Contains(err.Error(), "want") {
				t.Errorf("err = %v; want an error naming %s %s and the range", err, bad[0], bad[1])
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
}

// mirageStderr runs mirage like mirageOutput and returns what it wrote to stderr.
func mirageStderr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	app.ExitErrHandler = func(*cli.Context, error) {}
	err := app.Run(append([]string{"mirage"}, args...))
	return errOut.String(), err
}

// --resume continues a samples file only with the settings of the run that wrote it (recorded
// in samples.jsonl.run.json), naming each one that differs; batch size and threads may change;
// a file without the sidecar (an older mirage) resumes with a warning.
func TestSampleResumeSettings(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.CopyFS(model, os.DirFS(tinyLlamaDir)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.jsonl")
	args := func(extra ...string) []string {
		return append([]string{"sample", "--model", model, "--data", math500Sample, "--n", "1",
			"--max-new-tokens", "4", "--quiet", "--out", out}, extra...)
	}
	if _, err := mirageOutput(t, "", args("--limit", "1")...); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	side := datasets.RunInfoPath(out)
	if ri, err := datasets.ReadRunInfo(out); err != nil || ri.Settings["seed"] != "0" || ri.Settings["temperature"] != "0.6" || ri.Info["batch-size"] != "32" {
		t.Fatalf("sidecar %s: %+v, %v", side, ri, err)
	}

	for _, tc := range []struct {
		name  string
		extra []string
		want  []string
	}{
		{"seed and temperature", []string{"--seed", "5", "--temperature", "1"}, []string{`seed: "0" → "5"`, `temperature: "0.6" → "1"`}},
		{"sampling cuts", []string{"--top-p", "0.5", "--top-k", "3", "--min-p", "0.1", "--max-new-tokens", "5"},
			[]string{`top-p: "0.95" → "0.5"`, `top-k: "0" → "3"`, `min-p: "0" → "0.1"`, `max-new-tokens: "4" → "5"`}},
		{"prompt", []string{"--template", "raw", "--system", "be brief", "--stop", `\n`, "--stop", "</answer>"},
			[]string{`template: "chat" → "raw"`, `system: "" → "be brief"`, `stop: "[]" → "[\"\\n\",\"</answer>\"]"`}},
		{"another model folder", []string{"--model", tinyLlamaDir}, []string{`model: "` + model + `" → `, `model file model.onnx: "`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mirageOutput(t, "", args(append([]string{"--limit", "2", "--resume"}, tc.extra...)...)...)
			if err == nil {
				t.Fatal("resumed with other settings")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not name %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "batch-size:") {
				t.Errorf("error %q names a setting that did not change", err)
			}
			if again, _ := os.ReadFile(out); string(again) != string(first) {
				t.Errorf("refused resume changed %s", out)
			}
		})
	}

	// The model's files changed in place (same folder): refused too.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(model, "model.onnx"), later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := mirageOutput(t, "", args("--limit", "2", "--resume")...); err == nil || !strings.Contains(err.Error(), "model file model.onnx") {
		t.Errorf("resume after model.onnx changed: %v", err)
	}
	os.WriteFile(side, []byte(`{"command":"sample","settings":{}}`), 0o644) // as old as any: the check reads what is there
	if _, err := mirageOutput(t, "", args("--limit", "2", "--resume")...); err == nil || !strings.Contains(err.Error(), `seed: (none) → "0"`) {
		t.Errorf("resume against a sidecar without settings: %v", err)
	}

	// Without the sidecar: --n is still checked against the file's completions; other settings
	// only get a warning, then the run goes on and records them.
	os.Remove(side)
	if _, err := mirageOutput(t, "", args("--limit", "2", "--resume", "--n", "2")...); err == nil || !strings.Contains(err.Error(), "1 of its problems have 1 completions, but --n is 2") {
		t.Errorf("resume without sidecar, another --n: %v", err)
	}
	stderr, err := mirageStderr(t, args("--limit", "2", "--resume", "--batch-size", "3")...)
	if err != nil || !strings.Contains(stderr, "warning") || !strings.Contains(stderr, side) {
		t.Fatalf("resume without sidecar: %v, stderr %q; want a warning naming %s", err, stderr, side)
	}
	// Batch size and threads may differ.
	if _, err := mirageOutput(t, "", args("--limit", "3", "--resume", "--batch-size", "2", "--threads", "1")...); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), string(first)) || strings.Count(string(b), "\n") != 3 {
		t.Errorf("resumed file:\n%s\nwant the first line then 2 more", b)
	}
	if ri, err := datasets.ReadRunInfo(out); err != nil || ri.Info["batch-size"] != "2" || ri.Info["threads"] != "1" {
		t.Errorf("sidecar after resume: %+v, %v", ri, err)
	}
}

// A run that fails before writing a result (here: a prompt longer than the context, found once
// the model is loaded) leaves no empty --out and no sidecar behind; a resumed file that holds
// samples is kept whatever happens.
func TestSampleFailedRunLeavesNoFile(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	long := filepath.Join(dir, "long.jsonl")
	line, _ := json.Marshal(map[string]string{"id": "long", "prompt": strings.Repeat("word ", 3000), "ground_truth": "1"})
	if err := os.WriteFile(long, append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.jsonl")
	probes := filepath.Join(dir, "probes.jsonl")
	for _, args := range [][]string{
		{"sample", "--model", tinyLlamaDir, "--data", long, "--quiet", "--out", out},
		{"contamination", "--model", tinyLlamaDir, "--data", long, "--quiet", "--out", probes},
	} {
		if _, err := mirageOutput(t, "", args...); err == nil || !strings.Contains(err.Error(), "context") || !strings.Contains(err.Error(), `id "long"`) {
			t.Fatalf("%s with a prompt longer than the context: %v", args[0], err)
		}
	}
	for _, p := range []string{out, datasets.RunInfoPath(out), probes, datasets.RunInfoPath(probes)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the failed run left %s behind (%v)", p, err)
		}
	}

	args := []string{"sample", "--model", tinyLlamaDir, "--n", "1", "--max-new-tokens", "2", "--quiet", "--out", out}
	if _, err := mirageOutput(t, "", append(args, "--data", math500Sample, "--limit", "1")...); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	if _, err := mirageOutput(t, "", append(args, "--data", long, "--resume")...); err == nil {
		t.Fatal("resume with a prompt longer than the context: no error")
	}
	if again, _ := os.ReadFile(out); len(first) == 0 || string(again) != string(first) {
		t.Errorf("the failed resume changed %s:\n%s\nwant\n%s", out, again, first)
	}
}

// A second mirage sample on an --out that a run is writing is refused before it loads anything,
// with --overwrite and --resume too, and leaves that run's file alone (issue 17).
func TestSampleRefusesAnOutInUse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.jsonl")
	running, err := datasets.OpenSamples(out, datasets.SamplesRun{Info: datasets.RunInfo{Command: "sample", Settings: map[string]string{}}})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	for _, extra := range [][]string{nil, {"--overwrite"}, {"--resume"}} {
		_, err := mirageOutput(t, "", append([]string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--out", out, "--quiet"}, extra...)...)
		if err == nil || !strings.Contains(err.Error(), out+" is being written by another run") {
			t.Errorf("sample %v on an --out in use: %v; want a refusal naming it", extra, err)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() != 0 {
		t.Errorf("the refused runs touched %s: %v", out, err)
	}
}

// --resume with another data file, whose problems have the ids of those already sampled but
// other prompts, is refused naming them (issue 17: it mixed two data sets under one set of
// ids); the same data with a larger --limit resumes.
func TestSampleResumeOtherData(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "s.jsonl")
	args := func(data string, extra ...string) []string {
		return append([]string{"sample", "--model", tinyLlamaDir, "--data", data, "--n", "1", "--max-new-tokens", "2", "--quiet", "--out", out}, extra...)
	}
	if _, err := mirageOutput(t, "", args(math500Sample, "--limit", "1")...); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(out)
	sampled, err := datasets.ReadSamples(out)
	if err != nil || len(sampled) != 1 {
		t.Fatalf("%d samples, %v", len(sampled), err)
	}
	other := filepath.Join(dir, "other.jsonl")
	line, _ := json.Marshal(map[string]string{"id": sampled[0].ID, "prompt": "What is 2 + 2?", "ground_truth": "4"})
	if err := os.WriteFile(other, append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = mirageOutput(t, "", args(other, "--resume")...)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("problem %q: the data gives it another prompt", sampled[0].ID)) {
		t.Errorf("resume with another data file: %v; want a refusal naming problem %s", err, sampled[0].ID)
	}
	if again, _ := os.ReadFile(out); string(again) != string(first) {
		t.Errorf("the refused resume changed %s", out)
	}
	if _, err := mirageOutput(t, "", args(math500Sample, "--limit", "2", "--resume")...); err != nil {
		t.Errorf("resume with the same data and a larger --limit: %v", err)
	}
	if ri, err := datasets.ReadRunInfo(out); err != nil || !strings.HasPrefix(ri.Info["problems"], "2 problems, sha256 ") || ri.Info["data"] == "" {
		t.Errorf("sidecar info %v, %v; want the data file and a fingerprint of its 2 problems", ri.Info, err)
	}
}
