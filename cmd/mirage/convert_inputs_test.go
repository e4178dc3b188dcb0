package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertRefusesItsInput (issue 17): an output that is the input — by the same name,
// another spelling, a symlink or a hard link — is refused before anything is written, and
// the input is left byte for byte as it was. Before, convert rewrote its input with the
// converted rows.
func TestConvertRefusesItsInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "ds.json")
	const content = `[{"problem":"p1","answer":"1"},{"problem":"p2","answer":"2"},{"problem":"p3","answer":"3"}]`
	writeText(t, in, content)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.json")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.jsonl")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"same path", []string{"convert", "deepscaler", "--in", in, "--out", in}, "--out " + in + " is the same file as --in"},
		{"another spelling", []string{"convert", "jsonl", "--in", in, "--out", filepath.Join(dir, ".", "x", "..", "ds.json")}, "is the same file as --in"},
		{"symlink", []string{"convert", "parquet", "--in", in, "--out", link}, "--out " + link + " is the same file as --in"},
		{"hard link", []string{"convert", "deepscaler", "--in", hard, "--out", in}, "is the same file as --in " + hard},
		{"test split onto the input", []string{"convert", "deepscaler", "--in", in, "--out", other, "--test-size", "1", "--test-out", link}, "--test-out " + link + " is the same file as --in"},
		{"both outputs one file", []string{"convert", "deepscaler", "--in", in, "--out", other, "--test-size", "1", "--test-out", other}, "--test-out " + other + " is the same file as --out"},
		{"oneshot", []string{"convert", "oneshot", "--in", in, "--index", "0", "--out", hard}, "--out " + hard + " is the same file as --in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mirageOutput(t, "", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
			if b, _ := os.ReadFile(in); !bytes.Equal(b, []byte(content)) {
				t.Fatalf("the input was rewritten:\n%s", b)
			}
			if _, err := os.Stat(other); err == nil {
				t.Errorf("%s was written although the command was refused", other)
			}
		})
	}
	// A different file is fine.
	if _, err := mirageOutput(t, "", "convert", "deepscaler", "--in", link, "--out", other); err != nil {
		t.Errorf("a distinct output: %v", err)
	}
}
