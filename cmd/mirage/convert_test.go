package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

func TestConvertCommands(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "ds.json")
	writeText(t, in, `[{"problem":"What is 1+1?","answer":"2","solution":"s"},{"problem":"what is  1+1?","answer":"2"},{"problem":"p3","answer":3},{"problem":"p4","answer":["4"]},{"problem":"p5","answer":"5"}]`)
	train, test := filepath.Join(dir, "train.parquet"), filepath.Join(dir, "test.parquet")

	t.Run("deepscaler with dedupe and split", func(t *testing.T) {
		out, err := mirageOutput(t, "", "convert", "deepscaler", "--in", in, "--out", train, "--dedupe", "--test-size", "1", "--test-out", test, "--template", "boxed")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "3 rows (read 5, 1 duplicates dropped)") {
			t.Errorf("output %q", out)
		}
		tr, err := datasets.ReadProblems(train)
		if err != nil {
			t.Fatal(err)
		}
		te, err := datasets.ReadProblems(test)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 3 || len(te) != 1 || !te[0].GroundTruth.Equal(datasets.Answer("5")) || te[0].Extra["split"] != "test" || !tr[2].GroundTruth.Equal(datasets.Answers("4")) ||
			!strings.HasSuffix(tr[0].Prompt.String(), `\boxed{}.`) || tr[0].ID != "ds/0" || te[0].ID != "ds/4" {
			t.Errorf("train %+v\ntest %+v", tr, te)
		}
	})

	t.Run("stats", func(t *testing.T) {
		out, err := mirageOutput(t, "", "convert", "stats", "--json", train)
		if err != nil {
			t.Fatal(err)
		}
		var st datasets.Stats
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatal(err)
		}
		if st.Rows != 3 || st.BySource["ds"] != 3 || len(st.Fields) != 8 {
			t.Errorf("stats %+v", st)
		}
	})

	t.Run("oneshot by variance", func(t *testing.T) {
		hist := filepath.Join(dir, "hist.jsonl")
		writeText(t, hist, `{"id":"ds/2","accuracy":[0.5,0.5,0.5]}`+"\n"+`{"index":2,"accuracy":[0,1]}`+"\n"+
			`{"id":"other/7","accuracy":[0,1,1]}`+"\n")
		one := filepath.Join(dir, "one.jsonl")
		out, err := mirageOutput(t, "", "convert", "oneshot", "--in", train, "--select", "variance", "--history", hist, "--repeat", "16", "--out", one)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := datasets.ReadProblems(one)
		if err != nil {
			t.Fatal(err)
		}
		// Row 2 of train is ds/3 (the duplicate at 1 was dropped): variance 0.25 beats 0.
		// other/7 is not a row of train: ignored, with a warning.
		if !strings.Contains(out, "warning: 1 of the 3 ids in the history are not in") {
			t.Errorf("no warning about the unknown id:\n%s", out)
		}
		if len(ps) != 16 || ps[0].ID != "ds/3" || ps[15].ID != "ds/3#16" || !strings.Contains(out, "variance 0.25000") {
			t.Errorf("output %q, %d rows, first %q last %q", out, len(ps), ps[0].ID, ps[len(ps)-1].ID)
		}
	})

	t.Run("generic jsonl with gsm8k answers", func(t *testing.T) {
		gsm := filepath.Join(dir, "gsm8k.jsonl")
		writeText(t, gsm, `{"question":"Tom has 3 apples...","answer":"3 + 4 = 7\n#### 7"}`+"\n"+`{"question":"q2","answer":"#### 1,000"}`+"\n")
		out := filepath.Join(dir, "gsm8k.parquet")
		if _, err := mirageOutput(t, "", "convert", "jsonl", "--in", gsm, "--data-source", "openai/gsm8k", "--ability", "math", "--answer-format", "gsm8k", "--out", out); err != nil {
			t.Fatal(err)
		}
		ps, err := datasets.ReadProblems(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || !ps[0].GroundTruth.Equal(datasets.Answer("7")) || !ps[1].GroundTruth.Equal(datasets.Answer("1000")) || ps[0].DataSource != "openai/gsm8k" || ps[1].ID != "gsm8k-1" {
			t.Errorf("%+v", ps)
		}
	})

	t.Run("split flags", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--test-out", test}, "--test-out " + test + " needs --test-fraction or --test-size"},
			{[]string{"--test-fraction", "0.2"}, "need --test-out FILE"},
			{[]string{"--test-size", "3"}, "need --test-out FILE"},
		} {
			args := append([]string{"convert", "deepscaler", "--in", in, "--out", filepath.Join(dir, "z.parquet")}, c.args...)
			if _, err := mirageOutput(t, "", args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: err = %v, want one containing %q", c.args, err, c.want)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"convert", "deepscaler", "--in", in, "--out", filepath.Join(dir, "x.parquet"), "--test-out", test},
			{"convert", "oneshot", "--in", train, "--out", filepath.Join(dir, "y.parquet")},
			{"convert", "oneshot", "--in", train, "--index", "9", "--out", filepath.Join(dir, "y.parquet")},
			{"convert", "deepscaler", "--in", in, "--out", filepath.Join(dir, "x.csv")},
		} {
			if _, err := mirageOutput(t, "", args...); err == nil {
				t.Errorf("%v: want an error", args)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "y.parquet")); !os.IsNotExist(err) {
			t.Errorf("a failed oneshot left its output")
		}
	})
}
