package datasets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFormatByContent (issue 17): empty inputs are errors, not 0 problems; formats are told
// apart by content, and a file that is not what its name says (a text file named .parquet)
// gets an error saying what it looks like, not a JSON parse error.
func TestFormatByContent(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"problem":"a","answer":"1"}` + "\n"))
	zw.Close()
	jsonl := []byte(`{"problem":"a","answer":"1"}` + "\n")
	pq := filepath.Join(t.TempDir(), "real.parquet")
	if err := WriteProblems(pq, []Problem{{Prompt: Prompt{Text: "a"}, GroundTruth: Answer("1")}}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	parquetBytes, _ := os.ReadFile(pq)
	for _, tc := range []struct {
		name, file string
		content    []byte
		want       string // "" reads one problem
	}{
		{"empty parquet", "x.parquet", nil, "an empty file (0 bytes)"},
		{"empty json", "x.json", nil, "an empty file (0 bytes): want verl parquet, JSONL or a JSON array of problems"},
		{"empty jsonl", "x.jsonl", nil, "an empty file (0 bytes): want verl parquet, JSONL or a JSON array of problems"},
		{"blank jsonl", "x.jsonl", []byte(" \n\n\t\n"), "white space only: want verl parquet"},
		{"empty array", "x.json", []byte(" [ ] "), "holds no problems"},
		{"text named parquet", "x.parquet", []byte("hello, this is not data\nat all\n"), `named .parquet but not a parquet file (it does not start with the magic PAR1): it looks like text starting "hello, this is not data"`},
		{"jsonl named parquet", "x.parquet", jsonl, "named .parquet but not a parquet file (it does not start with the magic PAR1): it looks like JSON lines"},
		{"text named jsonl", "x.jsonl", []byte("problem: a\nanswer: 1\n"), `not verl parquet, JSONL or a JSON array: it looks like text starting "problem: a"`},
		{"gzip named jsonl", "x.jsonl", gz.Bytes(), "it looks like gzip-compressed data"},
		{"binary", "x.json", []byte{0xff, 0xfe, 0, 1, 2}, "it looks like binary data"},
		{"parquet named jsonl", "x.jsonl", parquetBytes, ""},
		{"jsonl named json", "x.json", jsonl, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(path, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			ps, err := ReadProblems(path)
			if tc.want == "" {
				if err != nil || len(ps) != 1 {
					t.Fatalf("got %d problems, %v; want 1", len(ps), err)
				}
				return
			}
			var de *DataError
			if !errors.As(err, &de) || de.File != path || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *DataError naming %s and saying %q", err, path, tc.want)
			}
			if _, err := ConvertDeepScaleR(path, DeepScaleROptions{}); err == nil {
				t.Errorf("ConvertDeepScaleR accepts it")
			}
		})
	}
}
