//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run stopped by Ctrl-C exits 130, as shells expect, even when the command then stops
// cleanly (issue 17: serve-reward exited 0, sample 1); SIGTERM that cuts a command short exits
// 143 (TestServeRewardSIGTERM: a graceful shutdown exits 0); an error without a signal exits 1.
func TestSignalExitStatus(t *testing.T) {
	needRuntime(t)
	out := filepath.Join(t.TempDir(), "s.jsonl")
	sample := []string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--n", "64", "--max-new-tokens", "256",
		"--quiet", "--out", out}
	for _, tc := range []struct {
		name  string
		args  []string
		ready string // the stderr text after which to signal ("": wait a moment)
		sig   syscall.Signal
		want  int
	}{
		{"serve-reward SIGINT", []string{"serve-reward", "--addr", "127.0.0.1:0"}, "listening on", syscall.SIGINT, 130},
		{"sample SIGINT", sample, "", syscall.SIGINT, 130},
		{"sample SIGTERM", sample, "", syscall.SIGTERM, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, lines := startMirage(t, tc.args...)
			if tc.ready != "" {
				for lines.Scan() && !strings.Contains(lines.Text(), tc.ready) {
				}
			} else {
				time.Sleep(time.Second) // loading the model or sampling
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			var said strings.Builder
			for lines.Scan() {
				said.WriteString(lines.Text() + "\n")
			}
			if tc.args[0] == "sample" {
				// The message must match what is on disk: a stop before the first problem is
				// written leaves no file (issue 17: it said the samples were kept, for --resume).
				_, serr := os.Stat(out)
				kept := strings.Contains(said.String(), "are kept, continue with --resume")
				if exists := serr == nil; kept != exists {
					t.Errorf("%s exists: %v, but the run said:\n%s", out, exists, said.String())
				}
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("%s still running 30 s after %v", tc.args[0], tc.sig)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.want {
				t.Errorf("%s stopped by %v: %v; want exit status %d", tc.args[0], tc.sig, err, tc.want)
			}
		})
	}
	if code := run([]string{"mirage", "passk", "--in", "/nonexistent/scored.jsonl"}); code != 1 {
		t.Errorf("passk on a missing file: exit status %d; want 1", code)
	}
}
