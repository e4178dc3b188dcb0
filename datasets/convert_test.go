package datasets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestConvertDeepScaleR(t *testing.T) {
	for _, tc := range []struct {
		name, file, template, instruction string
	}{
		{"aime train, paper prompt", "testdata/deepscaler/train_aime_sample.json", "", "<answer> </answer>"},
		{"math500, boxed", "testdata/deepscaler/math500_sample.json", TemplateBoxed, `\boxed{}`},
		{"custom template", "testdata/deepscaler/math500_sample.json", "Q: {problem}\nA:", "\nA:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := rawObjects(t, tc.file)
			ps, err := ConvertDeepScaleR(tc.file, DeepScaleROptions{Template: tc.template})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != len(raw) {
				t.Fatalf("%d rows from %d items", len(ps), len(raw))
			}
			for i, p := range ps {
				msg := p.Prompt.Messages
				if len(msg) != 1 || msg[0].Role != "user" || !strings.Contains(msg[0].Content, raw[i]["problem"].(string)) || !strings.Contains(msg[0].Content, tc.instruction) {
					t.Fatalf("row %d prompt: %+v", i, p.Prompt)
				}
				if tc.template == "" && !strings.Contains(msg[0].Content, "<think> </think>") {
					t.Fatalf("row %d: the paper's prompt asks for <think> </think>: %q", i, msg[0].Content)
				}
				// Every field of the item but problem and answer is kept (MATH-500's unique_id
				// and difficulty, AIME's solution and year...).
				want := map[string]any{"index": int64(i), "split": "train", "reward_model.style": "rule"}
				for k, v := range raw[i] {
					if k != "problem" && k != "answer" {
						want[k] = v
					}
				}
				gotJSON, _ := json.Marshal(p.Extra)
				wantJSON, _ := json.Marshal(want)
				stem := strings.TrimSuffix(filepath.Base(tc.file), ".json")
				id := fmt.Sprintf("%s/%d", stem, i)
				if u, ok := raw[i]["unique_id"].(string); ok {
					id = u
				}
				if !p.GroundTruth.Equal(Answer(raw[i]["answer"].(string))) || p.DataSource != stem || p.Ability != "math" || string(gotJSON) != string(wantJSON) || p.ID != id {
					t.Fatalf("row %d: %+v\nextra %s\nwant  %s", i, p, gotJSON, wantJSON)
				}
			}
		})
	}
	t.Run("answers as numbers and lists", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "olympiad.json")
		os.WriteFile(path, []byte(`[{"problem":"a","answer":42},{"problem":"b","answer":0.5},{"problem":"c","answer":["$x=1$","$y=2$"]},{"problem":"d","answer":["7"]}]`), 0o644)
		ps, err := ConvertDeepScaleR(path, DeepScaleROptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for _, p := range ps {
			got = append(got, p.GroundTruth.Value())
		}
		// Types as the file has them: numbers stay numbers, lists stay lists of alternatives.
		if want := []any{int64(42), 0.5, []any{"$x=1$", "$y=2$"}, []any{"7"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("ground truths %#v, want %#v", got, want)
		}
	})
	t.Run("errors", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(path, []byte(`[{"problem":"a","answer":"1"},{"problem":"b"}]`), 0o644)
		if _, err := ConvertDeepScaleR(path, DeepScaleROptions{}); err == nil || !strings.Contains(err.Error(), `bad.json:2: field "answer"`) {
			t.Errorf("missing answer: got %v", err)
		}
		if _, err := ConvertDeepScaleR(path, DeepScaleROptions{Template: "no placeholder"}); err == nil || !strings.Contains(err.Error(), "{problem}") {
			t.Errorf("bad template: got %v", err)
		}
		os.WriteFile(path, []byte(`[{"problem":"a","answer":"1"},{"problem":"","answer":"2"}]`), 0o644)
		if _, err := ConvertDeepScaleR(path, DeepScaleROptions{}); err == nil || !strings.Contains(err.Error(), `bad.json:2: field "problem": empty`) {
			t.Errorf("empty problem: got %v", err)
		}
		for _, answer := range []string{`null`, `""`, `" "`, `[]`} {
			os.WriteFile(path, []byte(`[{"problem":"a","answer":"1"},{"problem":"b","answer":`+answer+`}]`), 0o644)
			if _, err := ConvertDeepScaleR(path, DeepScaleROptions{}); err == nil || !strings.Contains(err.Error(), `bad.json:2: field "answer": empty`) {
				t.Errorf("answer %s: got %v, want an error naming row 2's empty answer", answer, err)
			}
		}
	})
}

// schemaElements lists a parquet file's schema as written, root repetition aside (parquet-go
// leaves it unset, pyarrow says REQUIRED; the format makes it optional).
func schemaElements(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, e := range pf.Metadata().Schema {
		if i == 0 {
			e.RepetitionType.Valid = false
		}
		out = append(out, fmt.Sprintf("%s type=%v/%v len=%v rep=%v/%v children=%v conv=%v/%v logical=%s",
			e.Name, e.Type.V, e.Type.Valid, e.TypeLength, e.RepetitionType.V, e.RepetitionType.Valid, e.NumChildren, e.ConvertedType.V, e.ConvertedType.Valid, e.LogicalType.String()))
	}
	return out
}

func TestDeepScaleRSchemaIsPyarrows(t *testing.T) {
	ps, err := ConvertDeepScaleR("testdata/deepscaler/math500_sample.json", DeepScaleROptions{Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		// The shared file's extra_info has index and split only (and so no id to keep).
		delete(ps[i].Extra, "difficulty")
		delete(ps[i].Extra, "unique_id")
		ps[i].ID = ""
	}
	out := filepath.Join(t.TempDir(), "math500.parquet")
	if err := WriteProblems(out, ps, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, want := schemaElements(t, out), schemaElements(t, sharedParquet)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("schema elements differ from pyarrow's:\nours    %s\npyarrow %s", strings.Join(got, "\n        "), strings.Join(want, "\n        "))
	}
}

// jsonLines returns the non-blank lines of a JSONL file.
func jsonLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestConvertSynLogicGenerated(t *testing.T) {
	dir := "testdata/synlogic/generated"
	train, test, err := ConvertSynLogic([]string{dir}, SynLogicOptions{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	byTask := map[string][]Problem{}
	for _, p := range append(append([]Problem{}, train...), test...) {
		byTask[p.DataSource] = append(byTask[p.DataSource], p)
	}
	if len(byTask) != len(files) {
		t.Fatalf("%d tasks, %d files", len(byTask), len(files))
	}
	for _, f := range files {
		task := fileStem(f)
		lines := jsonLines(t, f)
		ps := byTask[task]
		if len(ps) != len(lines) {
			t.Fatalf("%s: %d rows from %d lines", task, len(ps), len(lines))
		}
		nTest := 0
		for _, p := range ps {
			i := int(p.Extra["index"].(int64))
			var obj map[string]any
			json.Unmarshal([]byte(lines[i]), &obj)
			if p.Extra["game_data_str"] != lines[i] {
				t.Fatalf("%s row %d: game_data_str is not the generator line", task, i)
			}
			if p.Prompt.String() != obj["question"] || len(p.Prompt.Messages) != 1 || !p.GroundTruth.Equal(Answer(obj["answer"].(string))) || p.Ability != "logic" || p.ID != fmt.Sprintf("%s/%d", task, i) {
				t.Fatalf("%s row %d: %+v", task, i, p)
			}
			if p.Extra["split"] == "test" {
				nTest++
			}
		}
		if want := int(math.Max(1, math.Round(float64(len(lines))/10))); nTest != want {
			t.Errorf("%s: %d test rows of %d, want %d", task, nTest, len(lines), want)
		}
	}
	// The held-out picks depend on the seed only.
	train2, _, _ := ConvertSynLogic([]string{dir}, SynLogicOptions{Seed: 3})
	train3, _, _ := ConvertSynLogic([]string{dir}, SynLogicOptions{Seed: 4})
	if !reflect.DeepEqual(train, train2) || reflect.DeepEqual(train, train3) {
		t.Errorf("held-out picks: same seed must repeat, another seed must differ")
	}
	// Fixed bug: a negative --test-per-task panicked (slice bounds out of range [:-1]).
	if _, _, err := ConvertSynLogic([]string{dir}, SynLogicOptions{TestPerTask: -1}); err == nil || !strings.Contains(err.Error(), "-1 test problems per task") {
		t.Errorf("TestPerTask -1: err %v", err)
	}
}

// TestConvertSynLogicHub builds hub-style parquet files from generator output — the hub's
// original_question/original_answer/metadata columns with game_data_str null in some rows —
// and checks the rebuilt game data equals the generator's object.
func TestConvertSynLogicHub(t *testing.T) {
	// Only the path below the folder given decides the split: "test_runs" above it must not
	// make every file test data.
	root := filepath.Join(t.TempDir(), "test_runs")
	lines := jsonLines(t, "testdata/synlogic/generated/dyck_language.jsonl")
	write := func(rel, dataSource string, nullGameData bool) {
		path := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(path), 0o755)
		recs := make([]record, len(lines))
		for i, l := range lines {
			var obj map[string]any
			json.Unmarshal([]byte(l), &obj)
			md, _ := json.Marshal(obj["metadata"])
			extra := map[string]any{"index": int64(i), "original_question": obj["question"], "original_answer": obj["answer"],
				"metadata": string(md), "difficulty": int64(obj["difficulty"].(float64)), "source_file": "dyck_language.jsonl"}
			if !nullGameData || i%2 == 0 {
				extra["game_data_str"] = l
			} else {
				extra["game_data_str"] = nil
			}
			recs[i] = record{
				"data_source": dataSource, "ability": "logic",
				"prompt":       []any{map[string]any{"role": "user", "content": obj["question"]}},
				"reward_model": map[string]any{"ground_truth": "", "style": "rule"},
				"extra_info":   extra,
			}
		}
		if err := writeRecords(path, recs, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	write("easy/dyck_language/train-00000-of-00001.parquet", "dyck_language", true)
	write("easy/dyck_language/validation-00000-of-00001.parquet", "val/dyck_language", false)
	write("hard/dyck_language/train-00000-of-00001.parquet", "dyck_language", false)

	train, test, err := ConvertSynLogic([]string{root}, SynLogicOptions{Subset: "easy"})
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != len(lines) || len(test) != len(lines) {
		t.Fatalf("train %d, test %d rows; want %d each (the hard file skipped)", len(train), len(test), len(lines))
	}
	for _, p := range append(append([]Problem{}, train...), test...) {
		i := int(p.Extra["index"].(int64))
		if p.DataSource != "dyck_language" {
			t.Fatalf("data_source %q", p.DataSource)
		}
		var got, want map[string]any
		if err := json.Unmarshal([]byte(p.Extra["game_data_str"].(string)), &got); err != nil {
			t.Fatalf("row %d: game_data_str: %v", i, err)
		}
		json.Unmarshal([]byte(lines[i]), &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: rebuilt game data\n%v\nwant\n%v", i, got, want)
		}
	}

	t.Run("struct metadata of different shapes per task", func(t *testing.T) {
		dir := t.TempDir()
		for task, size := range map[string]any{"maze": int64(5), "grid": "5x5"} {
			rec := record{"data_source": task, "prompt": []any{map[string]any{"role": "user", "content": "q " + task}},
				"reward_model": map[string]any{"ground_truth": "a", "style": "rule"},
				"extra_info": map[string]any{"index": int64(0), "game_data_str": nil, "original_question": "q " + task,
					"original_answer": "a", "metadata": map[string]any{"size": size}}}
			if err := writeRecords(filepath.Join(dir, task+".parquet"), []record{rec}, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		train, _, err := ConvertSynLogic([]string{dir}, SynLogicOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteProblems(filepath.Join(dir, "out.parquet"), train, WriteOptions{}); err != nil {
			t.Fatalf("tasks with differently shaped metadata must share one file: %v", err)
		}
		var gd map[string]any
		json.Unmarshal([]byte(train[0].Extra["game_data_str"].(string)), &gd)
		if train[0].Extra["metadata"] != `{"size":"5x5"}` || !reflect.DeepEqual(gd["metadata"], map[string]any{"size": "5x5"}) {
			t.Errorf("grid row: metadata %v, game data %v", train[0].Extra["metadata"], gd)
		}
	})

	t.Run("missing original_question", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "train.parquet")
		rec := record{"data_source": "sudoku", "prompt": []any{map[string]any{"role": "user", "content": "q"}},
			"reward_model": map[string]any{"ground_truth": "", "style": "rule"},
			"extra_info":   map[string]any{"index": int64(0), "game_data_str": nil}}
		writeRecords(path, []record{rec, rec}, WriteOptions{})
		_, _, err := ConvertSynLogic([]string{path}, SynLogicOptions{})
		if err == nil || !strings.Contains(err.Error(), `row group 0, row 1: field "extra_info.game_data_str"`) {
			t.Errorf("got %v", err)
		}
	})
}

func TestSelect(t *testing.T) {
	ps := []Problem{
		{ID: "a", Prompt: Prompt{Text: "What is 2+2?"}},
		{ID: "b", Prompt: Prompt{Messages: []Message{{Role: "system", Content: "x"}, {Role: "user", Content: "what   is\n2+2"}}}},
		{ID: "c", Prompt: Prompt{Text: "What is 3+3?"}},
		{ID: "d", Prompt: Prompt{Text: "WHAT IS 2+2 ?"}}, // case and end punctuation do not count
	}
	for i := 4; i < 20; i++ {
		ps = append(ps, Problem{ID: fmt.Sprint(i), Prompt: Prompt{Text: fmt.Sprint("q", i)}})
	}
	t.Run("dedupe", func(t *testing.T) {
		got, dropped := Dedupe(ps)
		if dropped != 2 || got[0].ID != "a" || got[1].ID != "c" || got[2].ID != "4" {
			t.Errorf("dropped %d, kept %v...", dropped, got[:3])
		}
	})
	t.Run("shuffle is a seeded permutation", func(t *testing.T) {
		a, b, c := Shuffle(ps, 7), Shuffle(ps, 7), Shuffle(ps, 8)
		if !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, c) || reflect.DeepEqual(a, ps) {
			t.Fatal("same seed must repeat, other seeds and the input must differ")
		}
		ids := func(x []Problem) []string {
			var s []string
			for _, p := range x {
				s = append(s, p.ID)
			}
			sort.Strings(s)
			return s
		}
		if !reflect.DeepEqual(ids(a), ids(ps)) {
			t.Error("not a permutation")
		}
	})
	t.Run("select", func(t *testing.T) {
		train, test, rep, err := Select(ps, SelectOptions{Dedupe: true, Shuffle: true, Seed: 1, Limit: 10, TestFraction: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		if rep != (SelectReport{In: 20, Duplicates: 2, Train: 7, Test: 3}) || len(train) != 7 || len(test) != 3 {
			t.Fatalf("report %+v", rep)
		}
		for _, p := range train {
			if p.Extra["split"] != "train" {
				t.Fatalf("train row %s has split %v", p.ID, p.Extra["split"])
			}
		}
		if test[0].Extra["split"] != "test" || ps[0].Extra != nil {
			t.Errorf("split labels: test %v; the input must be left alone (%v)", test[0].Extra, ps[0].Extra)
		}
		if _, _, _, err := Select(ps, SelectOptions{TestSize: 21}); err == nil {
			t.Error("a test split larger than the data must fail")
		}
	})
}

func TestOneShotVariance(t *testing.T) {
	ps := []Problem{{ID: "p0"}, {ID: "p1"}, {ID: "p2"}, {ID: "p3"}, {ID: "p4"}}
	dir := t.TempDir()
	epoch1 := filepath.Join(dir, "acc.jsonl")
	os.WriteFile(epoch1, []byte(strings.Join([]string{
		`{"id":"p0","accuracy":[0, 1]}`,
		`{"id":"p1","accuracy":0.5}`,
		`{"index":1,"accuracy":0.5}`,
		`{"id":"p2","accuracy":[0, 0.5, 1]}`,
		`{"id":"p3","accuracy":1}`,
		`{"id":"gone","accuracy":[0, 1]}`,
	}, "\n")), 0o644)
	// A scored samples file adds one more epoch: p3 gets 1 of 4 right.
	scored := filepath.Join(dir, "scored.jsonl")
	os.WriteFile(scored, []byte(`{"id":"p3","prompt":"q","ground_truth":"","completions":[{"text":"","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":true},{"text":"","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":false},{"text":"","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":false},{"text":"","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":false}]}`+"\n"), 0o644)
	h, err := ReadAccuracyHistory([]string{epoch1, scored}, ps)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h["p3"], []float64{1, 0.25}) || !reflect.DeepEqual(h["p1"], []float64{0.5, 0.5}) {
		t.Fatalf("history %v", h)
	}
	// Population variances: p0 {0,1} 0.25; p1 {.5,.5} 0; p2 {0,.5,1} 1/6; p3 {1,.25} 0.140625;
	// p4 none.
	got := RankByVariance(ps, h)
	want := []VarianceScore{{0, "p0", 2, 0.25}, {2, "p2", 3, 1.0 / 6}, {3, "p3", 2, 0.140625}, {1, "p1", 2, 0}}
	if len(got) != len(want) {
		t.Fatalf("ranking %v", got)
	}
	for i := range got {
		if got[i].ID != want[i].ID || got[i].Index != want[i].Index || got[i].Epochs != want[i].Epochs || math.Abs(got[i].Variance-want[i].Variance) > 1e-12 {
			t.Fatalf("rank %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if r := Repeat(ps[got[0].Index], 128); len(r) != 128 || r[127].ID != "p0" {
		t.Errorf("repeat: %d rows", len(r))
	}

	// PickOneShot: the three ways, and what each refuses.
	hist := []string{epoch1, scored}
	for _, tc := range []struct {
		name string
		o    OneShot
		want int    // index picked
		err  string // "" when it picks
	}{
		{"by index", OneShot{By: "index", Index: 4}, 4, ""},
		{"by id", OneShot{By: "id", ID: "p3"}, 3, ""},
		{"highest variance", OneShot{By: "variance", History: hist}, 0, ""},
		{"second highest", OneShot{By: "variance", History: hist, Rank: 2}, 2, ""},
		{"index past the end", OneShot{By: "index", Index: 5}, 0, "index 5, but the data has 5 rows"},
		{"unknown id", OneShot{By: "id", ID: "p9"}, 0, `no problem has id "p9"`},
		{"rank past the ranked", OneShot{By: "variance", History: hist, Rank: 5}, 0, "rank 5, but 4 examples have 2 or more epochs"},
		{"no history", OneShot{By: "variance"}, 0, "needs an accuracy history"},
		{"unknown way", OneShot{By: "best"}, 0, `by "best"`},
	} {
		pick, err := PickOneShot(ps, tc.o)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || pick.Index != tc.want {
			t.Errorf("%s: picked %d (%v), want %d", tc.name, pick.Index, err, tc.want)
		}
		if tc.o.By == "variance" && (len(pick.Ranking) != len(want) || pick.HistoryIDs != 5 || pick.Unknown != 1) {
			t.Errorf("%s: ranking of %d, %d history ids, %d unknown; want 4, 5, 1 (gone)", tc.name, len(pick.Ranking), pick.HistoryIDs, pick.Unknown)
		}
	}

	for _, tc := range []struct{ name, line, want string }{
		{"accuracy out of range", `{"id":"p0","accuracy":1.5}`, `bad.jsonl:1: field "accuracy": 1.5 is outside [0, 1]`},
		{"unscored samples", `{"id":"p0","completions":[{"text":"x"}]}`, `field "completions": completion 0 is not scored`},
		{"index past the end", `{"index":5,"accuracy":1}`, `field "index": 5 is not a row`},
		{"no id", `{"accuracy":1}`, `field "id": missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, "bad.jsonl")
			os.WriteFile(bad, []byte(tc.line+"\n"), 0o644)
			if _, err := ReadAccuracyHistory([]string{bad}, ps); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFileStats(t *testing.T) {
	ps := generatedProblems(30)
	path := filepath.Join(t.TempDir(), "gen.parquet")
	if err := WriteProblems(path, ps, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := FileStats(path)
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]int{}
	tags := 0
	for _, p := range ps {
		bySource[p.DataSource]++
		if l, ok := p.Extra["tags"].([]any); ok && len(l) > 0 {
			tags++
		}
	}
	if st.Rows != 30 || !reflect.DeepEqual(st.BySource, bySource) {
		t.Fatalf("rows %d, by source %v; want 30, %v", st.Rows, st.BySource, bySource)
	}
	cov := map[string]int{}
	for _, f := range st.Fields {
		cov[f.Field] = f.Rows
	}
	if cov["extra_info.tags"] != tags || cov["prompt"] != 30 || cov["extra_info.id"] != 30-30/4 || cov["reward_model.hint"] != 30/4 || cov["level"] != 30 {
		t.Errorf("coverage %v", cov)
	}
	if st.Fields[0].Field != "data_source" || st.Fields[1].Field != "prompt" {
		t.Errorf("verl columns come first: %v", st.Fields[:2])
	}
}

func TestApplyTemplateAll(t *testing.T) {
	ps := []Problem{
		{ID: "text", Prompt: Prompt{Text: "2+2?"}},
		{ID: "chat", Prompt: Prompt{Messages: []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "old"}, {Role: "assistant", Content: "a"}, {Role: "user", Content: "3+3?"}}}},
		{ID: "no user", Prompt: Prompt{Messages: []Message{{Role: "system", Content: "s"}}}},
	}
	got, err := ApplyTemplateAll(ps, "Q: {problem} A:")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Message{
		{{Role: "user", Content: "Q: 2+2? A:"}},
		{{Role: "system", Content: "be brief"}, {Role: "user", Content: "old"}, {Role: "assistant", Content: "a"}, {Role: "user", Content: "Q: 3+3? A:"}},
		{{Role: "system", Content: "s"}, {Role: "user", Content: "Q:  A:"}},
	}
	for i := range got {
		if !reflect.DeepEqual(got[i].Prompt.Messages, want[i]) {
			t.Errorf("%s: %+v, want %+v", ps[i].ID, got[i].Prompt.Messages, want[i])
		}
	}
	if ps[1].Prompt.Messages[3].Content != "3+3?" {
		t.Error("the input was modified")
	}
	if _, err := ApplyTemplateAll(ps, "no placeholder"); err == nil {
		t.Error("a template without {problem} must fail")
	}
}

// The paper's released math_data_process.py puts its instruction before the problem; the
// math-strict grader and the format reward expect the tags it names.
func TestThinkAnswerTemplateFollowsPaper(t *testing.T) {
	got, err := ApplyTemplate("", "What is 1+1?")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<think> </think>", "<answer> </answer>", "<think> reasoning process here </think> <answer> answer here</answer>"} {
		if !strings.Contains(got, want) {
			t.Errorf("template lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasPrefix(got, "Solve the following problem step by step.") || !strings.HasSuffix(got, ".\n\nWhat is 1+1?") {
		t.Errorf("want the instruction first and the problem last after a blank line, got:\n%s", got)
	}
}
