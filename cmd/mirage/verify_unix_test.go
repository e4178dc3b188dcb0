//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// TestVerifyHelperProcess is not a test: runFullDisk runs the test binary with only this
// function selected, as a mirage process (TestVerifyFullDisk: verify, TestPasskCSVFullDisk:
// passk) whose files may not grow past $MIRAGE_VERIFY_HELPER_FSIZE bytes (RLIMIT_FSIZE: writes
// beyond it fail as on a full disk).
func TestVerifyHelperProcess(t *testing.T) {
	args, size := os.Getenv("MIRAGE_VERIFY_HELPER_ARGS"), os.Getenv("MIRAGE_VERIFY_HELPER_FSIZE")
	if args == "" {
		t.Skip("helper process for TestVerifyFullDisk")
	}
	var a []string
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(size, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		t.Fatal(err)
	}
	if err := newApp().Run(append([]string{"mirage"}, a...)); err != nil {
		t.Fatal(err)
	}
}

// A disk that fills while mirage verify writes --out (issue 17) fails the run and leaves the
// --out of the earlier run whole, with no temporary file beside it; it used to leave a torn one.
func TestVerifyFullDisk(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "samples.jsonl"), filepath.Join(dir, "scored.jsonl")
	var lines []string
	for i := range 40 {
		b, _ := json.Marshal(datasets.Sample{Problem: datasets.Problem{ID: fmt.Sprint(i), Prompt: datasets.Prompt{Text: strings.Repeat("q", 200)}, GroundTruth: datasets.Answer(fmt.Sprint(i))},
			Completions: []datasets.Completion{{Text: `\boxed{` + fmt.Sprint(i) + `}`, FinishReason: datasets.FinishStop}, {Text: "no", FinishReason: datasets.FinishLength}}})
		lines = append(lines, string(b))
	}
	writeSamples(t, in, lines...)
	if _, _, err := runVerify(t, "--in", in, "--out", out); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	runFullDisk(t, out, whole, "verify", "--quiet", "--in", in, "--out", out, "--workers", "1")
}

// runFullDisk runs mirage with args in a helper process whose files may grow to half of whole
// (the bytes out holds from an earlier run), requires the run to fail for the file size, and
// out to still hold whole, with no temporary file left in its folder.
func runFullDisk(t *testing.T, out string, whole []byte, args ...string) {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestVerifyHelperProcess$")
	cmd.Env = append(os.Environ(), "MIRAGE_VERIFY_HELPER_ARGS="+string(a), fmt.Sprint("MIRAGE_VERIFY_HELPER_FSIZE=", len(whole)/2))
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "file too large") {
		t.Fatalf("%s with room for half of %s: %v\n%s\nwant a failure saying the file is too large", args[0], out, err, b)
	}
	if now, _ := os.ReadFile(out); string(now) != string(whole) {
		t.Errorf("the failed run left %s torn: %d bytes, want the earlier run's %d", out, len(now), len(whole))
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %q", tmp)
	}
}

// A disk that fills while mirage passk writes --csv (issue 17) fails the run and keeps the
// earlier CSV whole; os.Create used to truncate it first.
func TestPasskCSVFullDisk(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "scored.jsonl"), filepath.Join(dir, "out", "passk.csv")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	writeScored(t, in, 64, []int{0, 3, 17, 64, 40, 9})
	if _, err := mirageOutput(t, "", "passk", "--in", in, "--csv", out, "--resamples", "-1"); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	runFullDisk(t, out, whole, "passk", "--in", in, "--csv", out, "--resamples", "-1")
}
