package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
	if err == nil || !strings.Contains(err.Error(), "2 of its problems have 1 completions, but --n is 2") {
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
