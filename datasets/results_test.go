package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The results-file protocol of mirage sample, align and contamination: what each Mode does with
// a file that holds results, the sidecar check on resume, and that a refusal changes nothing.
func TestOpenSamples(t *testing.T) {
	ri := RunInfo{Command: "sample", Settings: map[string]string{"n": "2", "seed": "0"}}
	two := []Completion{{Text: "a", FinishReason: FinishStop}, {Text: "b", FinishReason: FinishLength}}
	// start writes a file holding problems p1 and p2 (two completions each) with ri's sidecar.
	start := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "s.jsonl")
		w, err := OpenSamples(path, SamplesRun{Mode: Keep, Info: ri, N: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"p1", "p2"} {
			if err := w.Write(Sample{Problem: Problem{ID: id, Prompt: Prompt{Text: "q " + id}}, Completions: two}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	other := RunInfo{Command: "sample", Settings: map[string]string{"n": "2", "seed": "7"}}
	for _, tc := range []struct {
		name    string
		mode    Mode
		ri      RunInfo
		n       int
		prepare func(path string) // changes the file before it is opened again
		wantErr []string          // the refusal names these; nil: opens
		done    []string          // ids Done after opening
		data    []Problem         // SamplesRun.Problems
	}{
		{"keep refuses", Keep, ri, 2, nil, []string{"already holds samples", "--resume", "--overwrite"}, nil, nil},
		{"overwrite starts afresh", Overwrite, other, 2, nil, nil, nil, nil},
		{"resume continues", Resume, ri, 2, nil, nil, []string{"p1", "p2"}, nil},
		{"resume with other settings", Resume, other, 2, nil, []string{`seed: "0" → "7"`}, nil, nil},
		{"resume with another n, no sidecar", Resume, ri, 3, func(p string) { os.Remove(RunInfoPath(p)) }, []string{"2 of its problems have 2 completions, but --n is 3"}, nil, nil},
		{"resume without sidecar", Resume, other, 2, func(p string) { os.Remove(RunInfoPath(p)) }, nil, []string{"p1", "p2"}, nil},
		{"resume cuts a torn line", Resume, ri, 2, func(p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(`{"id":"p3","compl`)
			f.Close()
		}, nil, []string{"p1", "p2"}, nil},
		// Issue 17: resuming with another data set mixed its prompts under the same ids.
		{"resume with the same data, more of it", Resume, ri, 2, nil, nil, []string{"p1", "p2"},
			[]Problem{{ID: "p1", Prompt: Prompt{Text: "q p1"}}, {ID: "p2", Prompt: Prompt{Text: "q p2"}}, {ID: "p3", Prompt: Prompt{Text: "q p3"}}}},
		{"resume with another data set", Resume, ri, 2, nil,
			[]string{"2 of the problems it holds are not those of the data", `line 1, problem "p1": the data gives it another prompt`, `line 2, problem "p2": not in the data`, "--overwrite"}, nil,
			[]Problem{{ID: "p1", Prompt: Prompt{Messages: []Message{{Role: "user", Content: "q p1"}}}}, {ID: "p3", Prompt: Prompt{Text: "q p2"}}}},
		// The line's own ground truth grades it: relabelled data would mix two labellings.
		{"resume with other ground truths", Resume, ri, 2, nil,
			[]string{`line 1, problem "p1": the data gives it another ground truth ("4", sampled with null)`}, nil,
			[]Problem{{ID: "p1", Prompt: Prompt{Text: "q p1"}, GroundTruth: Answer("4")}, {ID: "p2", Prompt: Prompt{Text: "q p2"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := start(t)
			if tc.prepare != nil {
				tc.prepare(path)
			}
			before, _ := os.ReadFile(path)
			beforeSide, _ := os.ReadFile(RunInfoPath(path))
			w, err := OpenSamples(path, SamplesRun{Mode: tc.mode, Info: tc.ri, N: tc.n, Problems: tc.data})
			if tc.wantErr != nil {
				if err == nil {
					w.Close()
					t.Fatal("opened")
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				after, _ := os.ReadFile(path)
				afterSide, _ := os.ReadFile(RunInfoPath(path))
				if string(after) != string(before) || string(afterSide) != string(beforeSide) {
					t.Errorf("the refusal changed the file or its sidecar")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"p1", "p2", "p3"} {
				if want := strings.Contains(strings.Join(tc.done, " "), id); w.Done(id) != want {
					t.Errorf("Done(%s) = %v, want %v", id, !want, want)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got, err := ReadRunInfo(path); err != nil || len(got.Diff(tc.ri)) > 0 {
				t.Errorf("sidecar %+v, %v; want this run's settings", got, err)
			}
			samples, err := ReadSamples(path)
			if err != nil || len(samples) != len(tc.done) {
				t.Errorf("file holds %d samples (%v), want %d", len(samples), err, len(tc.done))
			}
		})
	}
}

// A run that fails before writing a result leaves neither the file nor its sidecar; one that
// fails after (or a resumed file with results) keeps both.
func TestResultsAbandon(t *testing.T) {
	dir := t.TempDir()
	ri := RunInfo{Command: "contamination", Settings: map[string]string{}}
	empty := filepath.Join(dir, "empty.jsonl")
	r, err := OpenResults(empty, "probes", Keep, ri, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Abandon(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{empty, RunInfoPath(empty)} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", p, err)
		}
	}
	full := filepath.Join(dir, "full.jsonl")
	if r, err = OpenResults(full, "probes", Keep, ri, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Encode(map[string]string{"id": "a"}); err != nil {
		t.Fatal(err)
	}
	r.Abandon()
	var lines []string
	if r, err = OpenResults(full, "probes", Resume, ri, func(line int, b []byte) error {
		lines = append(lines, string(b))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(lines) != 1 || lines[0] != `{"id":"a"}` {
		t.Errorf("resumed lines %q, want the one written before the abandon", lines)
	}
}

// One run at a time writes a results file (issue 17: two mirage sample runs on one --out both
// exited 0 and left interleaved, invalid lines): while a writer holds it, every other open and
// every check is refused, saying so, and changes nothing; once it is closed the file is free.
func TestResultsLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl")
	ri := RunInfo{Command: "sample", Settings: map[string]string{"seed": "0"}}
	first, err := OpenSamples(path, SamplesRun{Mode: Keep, Info: ri, N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Write(Sample{Problem: Problem{ID: "a"}, Completions: []Completion{{Text: "x"}}}); err != nil {
		t.Fatal(err)
	}
	held, _ := os.ReadFile(path)
	for _, mode := range []Mode{Keep, Overwrite, Resume} {
		if w, err := OpenSamples(path, SamplesRun{Mode: mode, Info: ri, N: 1}); err == nil || !strings.Contains(err.Error(), "being written by another run") {
			if err == nil {
				w.Close()
			}
			t.Errorf("mode %d: second OpenSamples: %v; want a refusal naming the other run", mode, err)
		}
		if _, err := CheckResults(path, "samples", mode, ri); err == nil || !strings.Contains(err.Error(), "being written by another run") {
			t.Errorf("mode %d: CheckResults: %v; want a refusal naming the other run", mode, err)
		}
	}
	if now, _ := os.ReadFile(path); string(now) != string(held) {
		t.Errorf("the refused runs changed the file:\n%s\nwant\n%s", now, held)
	}
	if _, err := os.Stat(RunInfoPath(path)); err != nil {
		t.Errorf("the refused runs removed the sidecar: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenSamples(path, SamplesRun{Mode: Resume, Info: ri, N: 1})
	if err != nil {
		t.Fatalf("after the first run closed: %v", err)
	}
	again.Close()
}
