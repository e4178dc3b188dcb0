package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRunInfoDiff(t *testing.T) {
	old := RunInfo{Settings: map[string]string{"seed": "0", "system": "", "top-k": "0"}, Info: map[string]string{"batch-size": "32"}}
	for _, tc := range []struct {
		name string
		now  map[string]string
		want []string
	}{
		{"same", map[string]string{"seed": "0", "system": "", "top-k": "0"}, nil},
		{"changed, sorted by name", map[string]string{"seed": "1", "system": "be brief", "top-k": "0"}, []string{`seed: "0" → "1"`, `system: "" → "be brief"`}},
		{"added and dropped", map[string]string{"seed": "0", "system": "", "min-p": "0.1"}, []string{`min-p: (none) → "0.1"`, `top-k: "0" → (none)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Info (batch size) differs in every case and is never reported.
			got := old.Diff(RunInfo{Settings: tc.now, Info: map[string]string{"batch-size": "4"}})
			if !slices.Equal(got, tc.want) {
				t.Errorf("Diff = %q, want %q", got, tc.want)
			}
			if back := (RunInfo{Settings: tc.now}).Diff(old); len(back) != len(tc.want) {
				t.Errorf("reverse Diff = %q; want as many lines as %q", back, tc.want)
			}
		})
	}
}

func TestRunInfoFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "samples.jsonl")
	if _, err := ReadRunInfo(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no sidecar: err = %v, want os.ErrNotExist", err)
	}
	ri := RunInfo{Command: "sample", Settings: map[string]string{"stop": `["\n"]`, "temperature": "0.6"}, Info: map[string]string{"threads": "0"}}
	if err := WriteRunInfo(out, ri); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRunInfo(out)
	if err != nil || back.Command != "sample" || len(ri.Diff(back)) != 0 || back.Info["threads"] != "0" {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, ri)
	}
	for name, bad := range map[string]string{
		"torn":        `{"command":"sample","sett`,
		"no settings": `{"command":"sample"}`,
		"unknown key": `{"command":"sample","settings":{},"seeds":1}`,
	} {
		os.WriteFile(RunInfoPath(out), []byte(bad), 0o644)
		if _, err := ReadRunInfo(out); err == nil || !strings.Contains(err.Error(), RunInfoPath(out)) {
			t.Errorf("%s sidecar: err = %v; want an error naming %s", name, err, RunInfoPath(out))
		}
	}
}
