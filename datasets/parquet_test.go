package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

const sharedParquet = "testdata/verl/aime-2024.parquet"

// hyparquet reads a parquet file with the independent JavaScript reader; it skips the test
// when MIRAGE_NODE_MODULES is unset and fails when it is set but does not work.
func hyparquet(t *testing.T, path string) (schema []map[string]any, groups int, rows []record) {
	t.Helper()
	d := hyparquetFiles(t, path)[0]
	return d.schema, d.groups, d.rows
}

// hyparquetDump is what hyparquet reads in one file.
type hyparquetDump struct {
	schema []map[string]any
	groups int
	rows   []record
}

// hyparquetFiles reads several parquet files in one run of node (each run costs a start-up).
func hyparquetFiles(t *testing.T, paths ...string) []hyparquetDump {
	t.Helper()
	mods := os.Getenv("MIRAGE_NODE_MODULES")
	if mods == "" {
		t.Skip("MIRAGE_NODE_MODULES is unset: run `make node-deps` (make test sets it) to compare with hyparquet")
	}
	cmd := exec.Command("node", append([]string{"testdata/parquet_dump.mjs", mods}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hyparquet under node (MIRAGE_NODE_MODULES=%s): %v\n%s", mods, err, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	dumps := make([]hyparquetDump, len(paths))
	for i := range paths {
		var doc struct {
			Schema    []map[string]any
			RowGroups int `json:"row_groups"`
			Rows      []any
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("hyparquet output for %s: %v", paths[i], err)
		}
		dumps[i] = hyparquetDump{schema: doc.Schema, groups: doc.RowGroups}
		for _, r := range doc.Rows {
			dumps[i].rows = append(dumps[i].rows, fromHyparquet(r).(map[string]any))
		}
	}
	return dumps
}

// fromHyparquet maps the node script's JSON to record types: {"$int64": s} is an int64,
// every other number a double (hyparquet has no other numeric types in our files).
func fromHyparquet(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromHyparquet(x[i])
		}
	case map[string]any:
		if s, ok := x["$int64"].(string); ok && len(x) == 1 {
			var n int64
			fmt.Sscan(s, &n)
			return n
		}
		for k := range x {
			x[k] = fromHyparquet(x[k])
		}
	}
	return v
}

// dropNulls removes null object fields: parquet cannot tell a null struct field from a
// missing one, and readers differ in which they report.
func dropNulls(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = dropNulls(x[i])
		}
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(e)
			}
		}
	}
	return v
}

// ourRows reads a parquet file's rows with our reader, as records.
func ourRows(t *testing.T, path string) []record {
	t.Helper()
	var out []record
	if err := scanRecords(path, func(r record, _ position) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReadSharedPyarrowFile(t *testing.T) {
	ps, err := ReadProblems(sharedParquet)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 30 {
		t.Fatalf("read %d rows, the file has 30", len(ps))
	}
	// Values as pyarrow wrote them (also what hyparquet reports, checked below).
	for i, p := range ps {
		if p.DataSource != "AIME-2024" || p.Ability != "math" || p.ID != fmt.Sprintf("AIME-2024/%d", i) ||
			p.Extra["index"] != int64(i) || p.Extra["split"] != "test" || p.Extra["reward_model.style"] != "rule" ||
			len(p.Prompt.Messages) != 1 || p.Prompt.Messages[0].Role != "user" ||
			!strings.HasSuffix(p.Prompt.Messages[0].Content, "Let's think step by step and output the final answer within \\boxed{}.") {
			t.Fatalf("row %d: %+v", i, p)
		}
	}
	if !ps[1].GroundTruth.Equal(Answer("025")) || !strings.HasPrefix(ps[1].Prompt.String(), "There exist real numbers $x$ and $y$") {
		t.Errorf("row 1: %+v", ps[1])
	}

	t.Run("hyparquet agrees", func(t *testing.T) {
		_, _, want := hyparquet(t, sharedParquet)
		got := ourRows(t, sharedParquet)
		if !reflect.DeepEqual(dropNulls(any(got)), dropNulls(any(want))) {
			t.Errorf("our reader and hyparquet differ:\nours %v\nhyp  %v", got[0], want[0])
		}
	})
}

// generatedProblems exercises every kind of value verl files carry.
func generatedProblems(n int) []Problem {
	ps := make([]Problem, n)
	for i := range ps {
		p := Problem{
			ID:          fmt.Sprintf("gen-%d", i),
			Prompt:      Prompt{Messages: []Message{{Role: "system", Content: "sys ✓"}, {Role: "user", Content: fmt.Sprintf("What is %d+%d?\n", i, i)}}},
			GroundTruth: Answer(fmt.Sprint(2 * i)),
			DataSource:  []string{"deepscaler", "arrow_maze", "gsm8k"}[i%3],
			Ability:     "math",
			Extra: map[string]any{
				"index":              int64(i),
				"split":              "train",
				"reward_model.style": "rule",
				"difficulty":         float64(i) / 4,
				"game_data_str":      fmt.Sprintf(`{"question": "q%d", "metadata": {"n": %d}}`, i, i),
				"tags":               []any{"a", fmt.Sprint(i)},
				"meta":               map[string]any{"ok": i%2 == 0, "sizes": []any{int64(i), int64(i + 1)}, "nested": map[string]any{"x": "y"}},
				"column.level":       int64(i % 5),
			},
		}
		switch i % 4 {
		case 1:
			p.Prompt = Prompt{Text: "plain text"}
			delete(p.Extra, "tags")
			p.Extra["meta"] = nil
		case 2:
			p.Extra["tags"] = []any{}
			p.Extra["difficulty"] = int64(3) // mixed with doubles: stored as double
			var w any                        // a struct field that is null in some rows only
			if i%8 == 6 {
				w = "z"
			}
			p.Extra["opt"] = []any{map[string]any{"k": "v", "w": w}, nil}
		case 3:
			p.ID = fmt.Sprintf("%s/%d", p.DataSource, i) // derivable: no extra_info.id
			p.Extra["reward_model.hint"] = "h"
		}
		ps[i] = p
	}
	return ps
}

// widen is what a problem looks like after a parquet round trip: integers in a double
// column read back as doubles, null object fields as absent, text prompts as one user
// message.
func widen(ps []Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		p.Extra = cloneExtra(p.Extra)
		if d, ok := p.Extra["difficulty"].(int64); ok {
			p.Extra["difficulty"] = float64(d)
		}
		// Null struct fields read as absent.
		dropNulls(p.Extra)
		// verl prompts are chat messages.
		if !p.Prompt.IsChat() {
			p.Prompt = Prompt{Messages: []Message{{Role: "user", Content: p.Prompt.Text}}}
		}
		out[i] = p
	}
	return out
}

func TestParquetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts WriteOptions
	}{
		{"snappy, one group", WriteOptions{}},
		{"zstd, groups of 7", WriteOptions{Compression: "zstd", RowGroupRows: 7}},
		{"uncompressed, groups of 1", WriteOptions{Compression: "none", RowGroupRows: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := generatedProblems(30)
			// JSON → records: the input goes through our JSON reader first.
			jsonPath := filepath.Join(dir, "in.jsonl")
			var b bytes.Buffer
			for _, p := range want {
				line, _ := json.Marshal(p)
				b.Write(append(line, '\n'))
			}
			os.WriteFile(jsonPath, b.Bytes(), 0o644)
			fromJSON, err := ReadProblems(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			// JSON decoding makes 0.0 an integer; the parquet column type decides.
			pq1 := filepath.Join(dir, "a.parquet")
			if err := WriteProblems(pq1, fromJSON, tc.opts); err != nil {
				t.Fatal(err)
			}
			back, err := ReadProblems(pq1)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, widen(want)) {
				for i := range back {
					if !reflect.DeepEqual(back[i], widen(want)[i]) {
						t.Fatalf("row %d changed:\ngot  %#v\nwant %#v", i, back[i], widen(want)[i])
					}
				}
				t.Fatalf("problems changed")
			}
			pq2 := filepath.Join(dir, "b.parquet")
			if err := WriteProblems(pq2, back, tc.opts); err != nil {
				t.Fatal(err)
			}
			if r1, r2 := ourRows(t, pq1), ourRows(t, pq2); !reflect.DeepEqual(r1, r2) {
				t.Errorf("second write differs from the first")
			}
			a, _ := os.ReadFile(pq1)
			c, _ := os.ReadFile(pq2)
			if !bytes.Equal(a, c) {
				t.Errorf("second write is not byte-identical to the first")
			}
		})
	}
}

func TestParquetIndependentReaderAgrees(t *testing.T) {
	dir := t.TempDir()
	synTrain, _, err := ConvertSynLogic([]string{"testdata/synlogic/generated"}, SynLogicOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ConvertDeepScaleR("testdata/deepscaler/train_aime_sample.json", DeepScaleROptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		ps     []Problem
		opts   WriteOptions
		groups int
	}{
		{"generated, every value type", generatedProblems(50), WriteOptions{Compression: "zstd", RowGroupRows: 16}, 4},
		{"synlogic", synTrain, WriteOptions{Compression: "gzip"}, 1},
		{"deepscaler", ds, WriteOptions{RowGroupRows: 64}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "out.parquet")
			if err := WriteProblems(path, tc.ps, tc.opts); err != nil {
				t.Fatal(err)
			}
			_, groups, want := hyparquet(t, path)
			if groups != tc.groups {
				t.Errorf("hyparquet sees %d row groups, want %d", groups, tc.groups)
			}
			got := ourRows(t, path)
			if len(got) != len(want) || len(got) != len(tc.ps) {
				t.Fatalf("we read %d rows, hyparquet %d, of %d written", len(got), len(want), len(tc.ps))
			}
			for i := range got {
				if !reflect.DeepEqual(dropNulls(any(got[i])), dropNulls(any(want[i]))) {
					t.Fatalf("row %d differs:\nours %v\nhyp  %v", i, got[i], want[i])
				}
			}
			// And what hyparquet reads is what we meant to write (after the documented
			// widening of mixed numbers and text prompts).
			for i, p := range widen(tc.ps) {
				if w := dropNulls(any(recordOf(p))); !reflect.DeepEqual(w, dropNulls(any(want[i]))) {
					t.Fatalf("row %d: hyparquet reads\n%v\nwe wrote\n%v", i, want[i], w)
				}
			}
		})
	}

	// The verl columns have exactly the layout pyarrow wrote in the shared file.
	t.Run("schema matches pyarrow's", func(t *testing.T) {
		verlOnly := filepath.Join(dir, "verl.parquet")
		ps := generatedProblems(3)
		for i := range ps {
			ps[i].Extra = map[string]any{"index": int64(i), "split": "test"}
			ps[i].ID = fmt.Sprintf("%s/%d", ps[i].DataSource, i)
		}
		if err := WriteProblems(verlOnly, ps, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		ours, _, _ := hyparquet(t, verlOnly)
		theirs, _, _ := hyparquet(t, sharedParquet)
		// parquet-go leaves the root's repetition unset, as the format allows; pyarrow says
		// REQUIRED. Readers ignore it.
		delete(ours[0], "repetition_type")
		delete(theirs[0], "repetition_type")
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("schema differs from pyarrow's:\nours   %v\npyarrow %v", ours, theirs)
		}
	})
}

func TestParquetErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("mixed types name row and field", func(t *testing.T) {
		ps := generatedProblems(4)
		ps[2].Extra["meta"] = map[string]any{"ok": "yes"}
		err := WriteProblems(filepath.Join(dir, "x.parquet"), ps, WriteOptions{})
		var de *DataError
		if !errors.As(err, &de) || de.Line != 3 || de.Field != "extra_info.meta.ok" {
			t.Fatalf("want a DataError at row 3, field extra_info.meta.ok; got %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.parquet")); !os.IsNotExist(err) {
			t.Errorf("a failed write left a file")
		}
	})
	t.Run("conflicts as JSON text", func(t *testing.T) {
		ps := generatedProblems(4)
		ps[2].Extra["meta"] = map[string]any{"ok": "yes"}
		path := filepath.Join(dir, "json.parquet")
		if err := WriteProblems(path, ps, WriteOptions{ConflictsAsJSON: true}); err != nil {
			t.Fatal(err)
		}
		back, err := ReadProblems(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for _, p := range back {
			m, _ := p.Extra["meta"].(map[string]any)
			got = append(got, m["ok"])
		}
		if want := []any{"true", nil, `"yes"`, "false"}; !reflect.DeepEqual(got, want) {
			t.Errorf("meta.ok read back as %q, want %q", got, want)
		}
		if ps[2].Extra["meta"].(map[string]any)["ok"] != "yes" {
			t.Error("the caller's problems were modified")
		}
	})
	t.Run("truncated file", func(t *testing.T) {
		b, _ := os.ReadFile(sharedParquet)
		path := filepath.Join(dir, "cut.parquet")
		os.WriteFile(path, b[:len(b)/2], 0o644)
		_, err := ReadProblems(path)
		var de *DataError
		if !errors.As(err, &de) || de.File != path {
			t.Fatalf("want a DataError naming %s, got %v", path, err)
		}
	})
	t.Run("row without a prompt names group and row", func(t *testing.T) {
		ps := generatedProblems(10)
		path := filepath.Join(dir, "noprompt.parquet")
		recs := make([]record, len(ps))
		for i, p := range ps {
			recs[i] = recordOf(p)
		}
		recs[6]["prompt"] = nil
		if err := writeRecords(path, recs, WriteOptions{RowGroupRows: 4}); err != nil {
			t.Fatal(err)
		}
		_, err := ReadProblems(path)
		want := path + ": row group 1, row 7: field \"prompt|problem|question\""
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want an error containing %q, got %v", want, err)
		}
	})
}

// FuzzReadParquet feeds damaged copies of real files to the parquet reader: it must never
// panic, and must fail with a *DataError naming the file or return rows.
func FuzzReadParquet(f *testing.F) {
	good, err := os.ReadFile(sharedParquet)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, at := range []int{8, 200, len(good) / 3, len(good) - 10} {
		bad := append([]byte(nil), good...)
		bad[at] ^= 0xff
		f.Add(bad)
	}
	f.Add(good[:len(good)/2])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "f.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadProblems(path)
		var de *DataError
		if err != nil && (!errors.As(err, &de) || de.File != path) {
			t.Fatalf("error is not a *DataError naming the file: %v", err)
		}
	})
}

// TestReadDamagedParquet is a seeded stand-in for long fuzzing runs: hundreds of damaged copies
// of the pyarrow file (overwritten varints, cut tails, inserted bytes) must each read or fail
// with a *DataError. Damaged files that made parquet-go v0.32 panic (index out of range in its
// dictionary decoder) are kept as FuzzReadParquet seeds in testdata/fuzz/FuzzReadParquet.
func TestReadDamagedParquet(t *testing.T) {
	good, err := os.ReadFile(sharedParquet)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(t.TempDir(), "damaged.parquet")
	for i := 0; i < 250; i++ {
		data := append([]byte(nil), good...)
		for k := 0; k < 1+r.IntN(3); k++ {
			big := []byte{0xff, 0xff, 0xff, 0x7f}
			if r.IntN(2) == 0 {
				big = []byte{0xfe, 0xff, 0xff, 0xff}
			}
			copy(data[r.IntN(len(data)-4):], big)
		}
		switch r.IntN(3) {
		case 0:
			data = data[:r.IntN(len(data))]
		case 1:
			j := r.IntN(len(data))
			data = append(data[:j:j], append(make([]byte, r.IntN(50)), data[j:]...)...)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadProblems(path)
		var de *DataError
		if err != nil && (!errors.As(err, &de) || de.File != path) {
			t.Fatalf("case %d: error is not a *DataError naming the file: %v", i, err)
		}
	}
}

// TestReadOtherLayouts reads shapes our writer never produces but other writers do: MAP
// columns, legacy repeated fields (no LIST annotation), required columns and 32-bit and
// floating-point types, written by parquet-go's own reflection writer.
func TestReadOtherLayouts(t *testing.T) {
	type inner struct {
		A string  `parquet:"a"`
		B float32 `parquet:"b"`
	}
	type row struct {
		Question string           `parquet:"question"`
		Scores   map[string]int64 `parquet:"scores"`
		Tags     []int32          `parquet:"tags"`
		Parts    []inner          `parquet:"parts,list"`
		Flag     bool             `parquet:"flag"`
		Maybe    *string          `parquet:"maybe,optional"`
	}
	s := "here"
	rows := []row{
		{Question: "q0", Scores: map[string]int64{"x": 1, "y": -2}, Tags: []int32{3, 4}, Parts: []inner{{"p", 0.5}}, Flag: true, Maybe: &s},
		{Question: "q1", Scores: map[string]int64{}, Tags: nil, Parts: []inner{}, Flag: false},
	}
	path := filepath.Join(t.TempDir(), "other.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	got := ourRows(t, path)
	want := []record{
		{"question": "q0", "scores": map[string]any{"x": int64(1), "y": int64(-2)}, "tags": []any{int64(3), int64(4)},
			"parts": []any{map[string]any{"a": "p", "b": 0.5}}, "flag": true, "maybe": "here"},
		{"question": "q1", "scores": map[string]any{}, "tags": []any{}, "parts": []any{}, "flag": false, "maybe": nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	ps, err := ReadProblems(path)
	if err != nil || len(ps) != 2 || ps[0].Prompt.Text != "q0" || ps[0].ID != "other-0" {
		t.Errorf("as problems: %+v, %v", ps, err)
	}
}
