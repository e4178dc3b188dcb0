package datasets

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// rawObjects decodes a JSON array with the standard library alone, as the independent view of
// what the reader should have seen.
func rawObjects(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadProblemsDeepScaleR(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		extra      []string // fields that must land in Extra unchanged
	}{
		{"math500", "testdata/deepscaler/math500_sample.json", []string{"difficulty", "unique_id"}},
		{"aime-train", "testdata/deepscaler/train_aime_sample.json", []string{"solution", "year", "aime_number", "problem_number", "difficulty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := rawObjects(t, tc.file)
			got, err := ReadProblems(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(raw) {
				t.Fatalf("read %d problems, the file has %d", len(got), len(raw))
			}
			ids := map[string]bool{}
			for i, p := range got {
				r := raw[i]
				if p.Prompt.IsChat() || p.Prompt.Text != r["problem"] {
					t.Fatalf("row %d prompt = %+v, want text %q", i, p.Prompt, r["problem"])
				}
				if !p.GroundTruth.Equal(Answer(r["answer"].(string))) {
					t.Fatalf("row %d ground truth = %q, want %q", i, p.GroundTruth, r["answer"])
				}
				for _, k := range tc.extra {
					a, _ := json.Marshal(p.Extra[k])
					b, _ := json.Marshal(r[k])
					if string(a) != string(b) {
						t.Fatalf("row %d extra %s = %s, want %s", i, k, a, b)
					}
				}
				if ids[p.ID] {
					t.Fatalf("row %d: id %q repeats", i, p.ID)
				}
				ids[p.ID] = true
				if u, ok := r["unique_id"]; ok && p.ID != u {
					t.Fatalf("row %d id = %q, want unique_id %q", i, p.ID, u)
				}
			}
			if _, ok := raw[0]["unique_id"]; !ok && got[3].ID != fileStem(tc.file)+"-3" {
				t.Errorf("file-derived id of row 3 = %q", got[3].ID)
			}
		})
	}
}

func TestReadProblemsFormats(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		mapping       Mapping
		want          []Problem
	}{
		{
			name:    "gsm8k jsonl",
			content: "{\"question\": \"Natalia sold 48 clips...\", \"answer\": \"She sold 48/2 = 24.\\n#### 1,072\"}\n\n{\"question\": \"q2\", \"answer\": \"#### -3\"}\n",
			want: []Problem{
				{ID: "in-0", Prompt: Prompt{Text: "Natalia sold 48 clips..."}, GroundTruth: Answer("1072"), Extra: map[string]any{"answer": "She sold 48/2 = 24.\n#### 1,072"}},
				{ID: "in-1", Prompt: Prompt{Text: "q2"}, GroundTruth: Answer("-3"), Extra: map[string]any{"answer": "#### -3"}},
			},
		},
		{
			name:    "verl rows as json",
			content: `[{"data_source":"aime","prompt":[{"role":"user","content":"Find x."}],"ability":"math","reward_model":{"style":"rule","ground_truth":"7"},"extra_info":{"index":4,"split":"test"}}]`,
			want: []Problem{{ID: "aime/4", Prompt: Prompt{Messages: []Message{{Role: "user", Content: "Find x."}}}, GroundTruth: Answer("7"), DataSource: "aime", Ability: "math",
				Extra: map[string]any{"reward_model.style": "rule", "index": int64(4), "split": "test"}}},
		},
		{
			name:    "mapped fields",
			mapping: Mapping{ID: "uid", Prompt: "q", Answer: "sol", AnswerFormat: "gsm8k", DataSource: "mine", Ability: "math"},
			content: `{"uid":"u1","q":"2+2?","sol":"2+2=4 #### 4","problem":"ignored","data_source":"theirs"}`,
			want: []Problem{{ID: "u1", Prompt: Prompt{Text: "2+2?"}, GroundTruth: Answer("4"), DataSource: "mine", Ability: "math",
				Extra: map[string]any{"sol": "2+2=4 #### 4", "problem": "ignored"}}},
		},
		{
			name:    "own records, answers as numbers and lists, repeated ids",
			content: `{"id":"a","prompt":"p","ground_truth":"1"}` + "\n" + `{"id":"a","problem":"p2","answer":2.5}` + "\n" + `{"id":7,"problem":"p3","answer":["1","x=2"],"extra":{"k":[1,"s",null]}}`,
			want: []Problem{
				{ID: "a", Prompt: Prompt{Text: "p"}, GroundTruth: Answer("1")},
				{ID: "a#2", Prompt: Prompt{Text: "p2"}, GroundTruth: GroundTruth{v: 2.5}},
				{ID: "7", Prompt: Prompt{Text: "p3"}, GroundTruth: Answers("1", "x=2"), Extra: map[string]any{"k": []any{int64(1), "s", nil}}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "in.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadProblemsMapped(path, tc.mapping)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestReadProblemsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		line          int
		field, msg    string
	}{
		{"torn jsonl line", "{\"problem\":\"a\",\"answer\":\"1\"}\n{\"problem\":\"b\",\"ans", 2, "", "want one JSON object per line"},
		{"no prompt", "{\"problem\":\"a\"}\n{\"answer\":\"1\"}\n", 2, "prompt|problem|question", "missing"},
		{"prompt of wrong type", `[{"problem":"a"},{"problem":"b"},{"prompt":[{"role":"user","content":3}]}]`, 3, "prompt", "want a string content"},
		{"answer object", `[{"problem":"a","answer":{"x":1}}]`, 1, "answer", "want a string, number or list"},
		{"array of non-objects", `[{"problem":"a"}, 3]`, 2, "", "want a JSON object"},
		{"bad data_source", `{"problem":"a","data_source":5}`, 1, "data_source", "want a string"},
		{"empty problem", "{\"problem\":\"a\"}\n{\"problem\":\"  \"}\n", 2, "problem", "empty"},
		{"chat prompt without text", `[{"problem":"a"},{"prompt":[{"role":"system","content":""},{"role":"user","content":" "}]}]`, 2, "prompt", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.jsonl")
			os.WriteFile(path, []byte(tc.content), 0o644)
			_, err := ReadProblems(path)
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("want a *DataError, got %v", err)
			}
			if de.File != path || de.Line != tc.line || de.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %+v (%v); want line %d field %q containing %q", de, err, tc.line, tc.field, tc.msg)
			}
		})
	}
}

// FuzzReadJSON requires that the JSON/JSONL reader never panics, and that whatever it accepts
// survives a trip through our own record format unchanged.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{
		`[{"problem":"a","answer":1}]`,
		"{\"question\":\"q\",\"answer\":\"x #### 5\"}\n",
		`{"data_source":"d","prompt":[{"role":"user","content":"c"}],"reward_model":{"ground_truth":"g","style":"rule"},"extra_info":{"index":1,"m":{"a":[1.5,null]}}}`,
		`{"id":"x","prompt":"p","extra":{"k":true}}` + "\n" + `{"id":"x","prompt":"p"}`,
		"[]", "", "\ufeff[{\"problem\":\"\"}]", `[{"problem":"a"}] x`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ps, err := ReadProblems(path)
		if err != nil {
			var de *DataError
			if !errors.As(err, &de) || de.File != path {
				t.Fatalf("error is not a *DataError naming the file: %v", err)
			}
			return
		}
		// Written as our own records and read again, every problem comes back equal.
		var b strings.Builder
		for _, p := range ps {
			line, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		again := filepath.Join(dir, "again.jsonl")
		os.WriteFile(again, []byte(b.String()), 0o644)
		ps2, err := ReadProblems(again)
		if err != nil {
			t.Fatalf("re-reading our own output: %v\n%s", err, b.String())
		}
		if len(ps2) != len(ps) {
			t.Fatalf("%d problems, then %d", len(ps), len(ps2))
		}
		for i := range ps {
			a, _ := json.Marshal(ps[i])
			c, _ := json.Marshal(ps2[i])
			if string(a) != string(c) {
				t.Fatalf("problem %d changed:\n%s\n%s", i, a, c)
			}
		}
	})
}

func TestReadProblemsLeadingSpaceAndBOM(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		line          int // of the error, 0 for none
	}{
		{"jsonl after blank lines", "\n\n  \n{\"problem\":\"a\"}\n{bad\n", 5},
		{"array after a BOM and space", "\ufeff \n [{\"problem\":\"a\"}]", 0},
		{"jsonl after a BOM", "\ufeff{\"problem\":\"a\"}\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "f.jsonl")
			os.WriteFile(path, []byte(tc.content), 0o644)
			ps, err := ReadProblems(path)
			var de *DataError
			switch {
			case tc.line == 0 && (err != nil || len(ps) != 1 || ps[0].Prompt.Text != "a"):
				t.Errorf("got %v, %v", ps, err)
			case tc.line != 0 && (!errors.As(err, &de) || de.Line != tc.line):
				t.Errorf("want an error at line %d, got %v", tc.line, err)
			}
		})
	}
}
