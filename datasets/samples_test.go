package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSamplesResumeCutsTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "samples.jsonl")
	w, err := CreateSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, id := range []string{"a", "b"} {
		s := Sample{Problem: Problem{ID: id, Prompt: Prompt{Text: "q " + id}}, Completions: []Completion{{Text: "x", FinishReason: FinishStop, Correct: &yes}}}
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A run killed in the middle of writing problem c.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"c","prompt":"q c","compl`)
	f.Close()
	if _, err := ReadSamples(path); err == nil || !strings.Contains(err.Error(), ":3") {
		t.Fatalf("reading a torn file: want an error naming line 3, got %v", err)
	}

	w, err = ResumeSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"a": true, "b": true, "c": false} {
		if w.Done(id) != want {
			t.Errorf("Done(%q) = %v, want %v", id, !want, want)
		}
	}
	if err := w.Write(Sample{Problem: Problem{ID: "c", Prompt: Prompt{Messages: []Message{{Role: "user", Content: "q c"}}}}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].ID != "c" || !got[2].Prompt.IsChat() || got[2].Prompt.String() != "q c" {
		t.Fatalf("after resume: %+v", got)
	}
	if got[0].Completions[0].Correct == nil || !*got[0].Completions[0].Correct {
		t.Errorf("correct flag lost: %+v", got[0].Completions[0])
	}
}

// A parquet file given where samples.jsonl belongs is named as such, not as a JSON syntax error.
func TestScanSamplesParquet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.parquet")
	if err := WriteProblems(path, []Problem{{ID: "a", Prompt: Prompt{Text: "1+1"}, GroundTruth: Answer("2")}}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSamples(path)
	var de *DataError
	if !errors.As(err, &de) || de.Line != 1 || !strings.Contains(err.Error(), "this is a parquet file") {
		t.Errorf("ReadSamples(parquet) = %v; want a DataError at line 1 saying it is parquet", err)
	}
}

// A torn last line (a sampling run killed mid-write, read by mirage verify) is named as such;
// a bad line that is complete is not.
func TestScanSamplesTornLastLine(t *testing.T) {
	dir := t.TempDir()
	good := `{"id":"a","prompt":"p","completions":[]}`
	for _, c := range []struct {
		name, content string
		torn          bool
	}{
		{"torn", good + "\n" + `{"id":"b","prompt":"p","compl`, true},
		{"bad but complete", good + "\n" + `{"id":"b","prompt":"p","compl` + "\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".jsonl")
			os.WriteFile(path, []byte(c.content), 0o644)
			_, err := ReadSamples(path)
			if err == nil || !strings.Contains(err.Error(), ".jsonl:2:") {
				t.Fatalf("err = %v; want one at line 2", err)
			}
			if got := strings.Contains(err.Error(), "cut off"); got != c.torn {
				t.Errorf("err = %v; mentions a cut-off file: %v, want %v", err, got, c.torn)
			}
		})
	}
}

// A samples line in verl's dump layout keeps SynLogic's instance under a top-level extra_info;
// its fields reach Extra (our own extra wins on a clash), and a non-object is an error naming
// the field.
func TestScanSamplesTopLevelExtraInfo(t *testing.T) {
	const gd = `{\"question\": \"q\", \"answer\": \"()\", \"metadata\": {}}`
	for _, tc := range []struct {
		name, line string
		want       map[string]any // Extra keys and values checked
		err        string
	}{
		{"verl dump", `{"id": "a", "prompt": "p", "data_source": "dyck_language", "extra_info": {"game_data_str": "` + gd + `", "index": 3}, "completions": []}`,
			map[string]any{"game_data_str": strings.ReplaceAll(gd, `\"`, `"`), "index": int64(3)}, ""},
		{"extra wins", `{"id": "a", "prompt": "p", "extra": {"index": 1}, "extra_info": {"index": 2, "split": "test"}, "completions": []}`,
			map[string]any{"index": int64(1), "split": "test"}, ""},
		{"null", `{"id": "a", "prompt": "p", "extra_info": null, "completions": []}`, map[string]any{}, ""},
		{"not an object", `{"id": "a", "prompt": "p", "extra_info": [1], "completions": []}`, nil, `field "extra_info": want an object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "samples.jsonl")
			if err := os.WriteFile(path, []byte(tc.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSamples(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "samples.jsonl:1") {
					t.Fatalf("err = %v, want one at samples.jsonl:1 containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got[0].Extra[k] != v {
					t.Errorf("Extra[%q] = %#v, want %#v", k, got[0].Extra[k], v)
				}
			}
		})
	}
}

// Samples yields the lines in order, ends with the error of a bad line, and stops reading (and
// closes the file) when the loop breaks.
func TestSamplesIterator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	os.WriteFile(path, []byte(`{"id":"a","prompt":"x","completions":[]}`+"\n\n"+`{"id":"b","prompt":"y","completions":[]}`+"\n"+`{"id":`+"\n"), 0o644)
	var ids []string
	var last error
	for s, err := range Samples(path) {
		if err != nil {
			last = err
			break
		}
		ids = append(ids, s.ID)
	}
	var de *DataError
	if strings.Join(ids, ",") != "a,b" || !errors.As(last, &de) || de.Line != 4 {
		t.Errorf("ids %q, error %v; want a, b then a DataError at line 4", ids, last)
	}
	n := 0
	for range Samples(path) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("the loop ran %d times after break", n)
	}
	for _, err := range Samples(filepath.Join(t.TempDir(), "missing.jsonl")) {
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: %v", err)
		}
	}
}
