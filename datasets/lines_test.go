package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadLinesAreNamed (issue 17): a samples line whose completion has no text, a line
// without completions, bytes that are not UTF-8 and a message role no template knows are
// errors naming the file and line — before, each was read silently (an empty answer graded
// wrong, nothing graded, U+FFFD in the text, a message the template drops).
func TestBadLinesAreNamed(t *testing.T) {
	good := `{"id":"a","prompt":"p","ground_truth":"1","completions":[{"text":"x","finish_reason":"stop"}]}`
	for _, tc := range []struct {
		name, content string
		samples       bool // read as samples.jsonl, else as problems
		line          int
		want          string
	}{
		{"completion without text", good + "\n" + `{"id":"b","prompt":"p","completions":[{"text":"y"},{"finish_reason":"stop"}]}`, true, 2, `completions[1]: missing "text"`},
		{"completion with text null", good + "\n" + `{"id":"b","prompt":"p","completions":[{"text":"y"},{"text":null}]}`, true, 2, `completions[1]: missing "text"`},
		{"line without completions", good + "\n" + `{"id":"b","prompt":"p","ground_truth":"1"}`, true, 2, `no "completions" list`},
		{"null completions", `{"id":"b","prompt":"p","completions":null}`, true, 1, `no "completions" list`},
		{"invalid UTF-8 in a sample", good + "\n" + `{"id":"b","prompt":"caf` + "\xe9" + `","completions":[]}`, true, 2, "invalid UTF-8 at byte 24 of the line (0xe9)"},
		{"unknown role in a sample", `{"id":"b","prompt":[{"role":"wizard","content":"hi"}],"completions":[]}`, true, 1, `message 0: role "wizard": want system, user, assistant or tool`},
		{"invalid UTF-8 in a problem line", `{"problem":"a","answer":"1"}` + "\n" + `{"problem":"` + "\xff" + `","answer":"1"}`, false, 2, "invalid UTF-8 at byte 13 of the line (0xff)"},
		{"invalid UTF-8 in a JSON array", `[{"problem":"a","answer":"1"}, {"problem":"b` + "\xc3" + `","answer":"1"}]`, false, 0, "invalid UTF-8 at byte 45 of the file (0xc3)"},
		{"unknown role in a problem", `{"prompt":[{"role":"user","content":"a"},{"role":"wizard","content":"b"}],"ground_truth":"1"}`, false, 1, `field "prompt": message 1: role "wizard"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.jsonl")
			if strings.HasPrefix(tc.content, "[") {
				path = filepath.Join(t.TempDir(), "f.json")
			}
			if err := os.WriteFile(path, []byte(tc.content+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.samples {
				_, err = ReadSamples(path)
			} else {
				_, err = ReadProblems(path)
			}
			var de *DataError
			if !errors.As(err, &de) || de.File != path || de.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *DataError at %s line %d saying %q", err, path, tc.line, tc.want)
			}
		})
	}

	t.Run("accepted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ok.jsonl")
		lines := good + "\n" + `{"id":"b","prompt":[{"role":"system","content":"s"},{"role":"user","content":"é ✓ 𝄞"},{"role":"tool","content":""}],"completions":[],"extra":{"s":"\ufffd"}}` + "\n" +
			`{"id":"c","prompt":"p","completions":[{"text":""}]}` + "\n"
		os.WriteFile(path, []byte(lines), 0o644)
		ss, err := ReadSamples(path)
		if err != nil || len(ss) != 3 || ss[2].Completions[0].Text != "" {
			t.Fatalf("%d samples, %v", len(ss), err)
		}
	})
}
