package datasets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// deepscalerParquet converts a DeepScaleR test-set sample to verl parquet in dir, as
// DeepScaleR's own preprocessing (scripts/data/deepscaler_dataset.py) does: the answer
// stored as it is, so Minerva's lists stay lists and AMC's doubles stay doubles.
func deepscalerParquet(t *testing.T, dir, name string) string {
	t.Helper()
	ps, err := ConvertDeepScaleR("testdata/deepscaler/"+name+"_sample.json", DeepScaleROptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".parquet")
	if err := WriteProblems(out, ps, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestListGroundTruthsInParquet: a list answer is written as a parquet LIST of strings and a
// float answer as a DOUBLE, as hyparquet (an independent reader) sees them, with the values of
// the source JSON; reading the file back gives the same ground truths.
func TestListGroundTruthsInParquet(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		// the schema elements under reward_model.ground_truth, as "name type repetition"
		want []string
	}{
		{"minerva", []string{"ground_truth <nil> OPTIONAL", "list <nil> REPEATED", "element BYTE_ARRAY OPTIONAL"}},
		{"olympiad_bench", []string{"ground_truth <nil> OPTIONAL", "list <nil> REPEATED", "element BYTE_ARRAY OPTIONAL"}},
		{"amc", []string{"ground_truth DOUBLE OPTIONAL"}},
	}
	var paths []string
	for _, tc := range cases {
		paths = append(paths, deepscalerParquet(t, dir, tc.name))
	}
	dumps := hyparquetFiles(t, paths...)
	for k, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schema, rows := dumps[k].schema, dumps[k].rows
			var got []string
			for i, e := range schema {
				if e["name"] == "ground_truth" {
					for _, f := range schema[i : i+len(tc.want)] {
						got = append(got, strings.Join([]string{f["name"].(string), stringOr(f["type"]), stringOr(f["repetition_type"])}, " "))
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ground_truth schema %q, want %q", got, tc.want)
			}
			raw := rawObjects(t, "testdata/deepscaler/"+tc.name+"_sample.json")
			ps, err := ReadProblems(paths[k])
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				gt := r["reward_model"].(map[string]any)["ground_truth"]
				if !reflect.DeepEqual(gt, raw[i]["answer"]) {
					t.Fatalf("row %d: hyparquet reads ground_truth %#v, the source has %#v", i, gt, raw[i]["answer"])
				}
				if !reflect.DeepEqual(ps[i].GroundTruth.Value(), gt) {
					t.Fatalf("row %d: ReadProblems gives %#v, the file holds %#v", i, ps[i].GroundTruth.Value(), gt)
				}
			}
		})
	}
}

func stringOr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return "<nil>"
}

// TestRoundTripsKeepTypes (issue 17): parquet → JSONL of mirage records or JSON of verl rows
// (--verl-json) → parquet, and parquet → parquet, give a file whose schema and rows are the source's, as
// hyparquet reads both. Before the fix, list ground truths came back joined into one string
// and AMC's DOUBLE ground truths (and every integral double: difficulty 2.0) as strings or
// integers.
func TestRoundTripsKeepTypes(t *testing.T) {
	dir := t.TempDir()
	sources := []string{sharedParquet} // written by pyarrow
	for _, name := range []string{"minerva", "amc"} {
		sources = append(sources, deepscalerParquet(t, dir, name))
	}
	routes := []struct {
		name, ext string
		opts      WriteOptions
	}{
		{"parquet", "", WriteOptions{}},
		{"jsonl", ".jsonl", WriteOptions{}},
		{"verl json", ".json", WriteOptions{VerlJSON: true}},
	}
	// Every trip first, then one run of the independent reader over sources and results.
	type trip struct{ name, src, out string }
	var trips []trip
	for _, src := range sources {
		for _, route := range routes {
			ps, err := ReadProblems(src)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(src) + " via " + route.name
			if route.ext != "" {
				mid := filepath.Join(t.TempDir(), "mid"+route.ext)
				if err := WriteFile(mid, ps, route.opts); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if ps, err = ReadProblems(mid); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			out := filepath.Join(t.TempDir(), "out.parquet")
			if err := WriteProblems(out, ps, WriteOptions{}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			trips = append(trips, trip{name, src, out})
		}
	}
	paths := append([]string(nil), sources...)
	for _, tr := range trips {
		paths = append(paths, tr.out)
	}
	dumps := hyparquetFiles(t, paths...)
	bySource := map[string]hyparquetDump{}
	for i, src := range sources {
		bySource[src] = dumps[i]
	}
	for i, tr := range trips {
		t.Run(tr.name, func(t *testing.T) {
			want, got := bySource[tr.src], dumps[len(sources)+i]
			// The root's repetition: pyarrow says REQUIRED, parquet-go leaves it unset (the
			// format ignores it).
			got.schema[0]["repetition_type"] = want.schema[0]["repetition_type"]
			if !reflect.DeepEqual(got.schema, want.schema) {
				g, _ := json.Marshal(got.schema)
				w, _ := json.Marshal(want.schema)
				t.Errorf("schema changed:\ngot  %s\nwant %s", g, w)
			}
			if !reflect.DeepEqual(dropNulls(any(got.rows)), dropNulls(any(want.rows))) {
				for i := range got.rows {
					if !reflect.DeepEqual(got.rows[i], want.rows[i]) {
						t.Fatalf("row %d changed:\ngot  %#v\nwant %#v", i, got.rows[i], want.rows[i])
					}
				}
				t.Fatalf("rows changed")
			}
		})
	}
}

// TestJSONKeepsNumberTypes: a double that holds an integer is written 2.0, not 2, so reading
// the JSON back gives a double again; integers stay integers.
func TestJSONKeepsNumberTypes(t *testing.T) {
	p := Problem{ID: "x", Prompt: Prompt{Text: "q"}, GroundTruth: GroundTruth{v: 142.0},
		Extra: map[string]any{"difficulty": 2.0, "year": int64(2022), "list": []any{1.0, int64(1)}, "obj": map[string]any{"f": 0.0}}}
	path := filepath.Join(t.TempDir(), "p.jsonl")
	if err := WriteFile(path, []Problem{p}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{`"ground_truth":142.0`, `"difficulty":2.0`, `"year":2022`, `"list":[1.0,1]`, `"f":0.0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not hold %s", b, want)
		}
	}
	back, err := ReadProblems(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, []Problem{p}) {
		t.Errorf("read back %#v\nwant %#v", back, p)
	}
	if p.Extra["difficulty"] != 2.0 {
		t.Errorf("writing changed the caller's problem: %v", p.Extra)
	}
}
