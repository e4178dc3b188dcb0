package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
)

// writeScored writes a scored samples file: problem i gets n completions, the first c[i]
// correct (answer "42"), the rest wrong with answer "7".
func writeScored(t *testing.T, path string, n int, cs []int) {
	t.Helper()
	var b strings.Builder
	for i, c := range cs {
		var comps []string
		for j := range n {
			ok, ans := j < c, "7"
			if ok {
				ans = "42"
			}
			comps = append(comps, fmt.Sprintf(`{"text":"x","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":%v,"reward":0,"answer":%q}`, ok, ans))
		}
		fmt.Fprintf(&b, `{"id":"p%d","prompt":"q","ground_truth":"42","completions":[%s]}`+"\n", i, strings.Join(comps, ","))
	}
	writeText(t, path, b.String())
}

func writeText(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func passkJSON(t *testing.T, args ...string) []passk.Report {
	t.Helper()
	out, err := mirageOutput(t, "", append([]string{"passk", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	var reps []passk.Report
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("passk --json printed %q: %v", out, err)
	}
	return reps
}

func TestPasskCommand(t *testing.T) {
	dir := t.TempDir()
	shard1, shard2, whole := filepath.Join(dir, "s1.jsonl"), filepath.Join(dir, "s2.jsonl"), filepath.Join(dir, "all.jsonl")
	// Shards of 4 completions each; the whole file has all 8 (first 4 from shard 1's counts,
	// next 4 from shard 2's): correct counts add per problem.
	writeScored(t, shard1, 4, []int{0, 1, 4})
	writeScored(t, shard2, 4, []int{2, 0, 4})
	writeScored(t, whole, 8, []int{2, 1, 8})
	// Repeated runs of the same problems, told apart by their seeds.
	for i, f := range []string{shard1, shard2, whole} {
		if err := datasets.WriteRunInfo(f, datasets.RunInfo{Command: "sample", Settings: map[string]string{"seed": fmt.Sprint(i + 1)}}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("repeated runs merge per id", func(t *testing.T) {
		merged := passkJSON(t, "--in", shard1, "--in", shard2, "--resamples", "-1", "--repeats")
		single := passkJSON(t, "--in", whole, "--resamples", "-1")
		if len(merged) != 1 || len(merged[0].PassAtK) != 4 { // k = 1, 2, 4, 8
			t.Fatalf("merged report %+v", merged)
		}
		for i, p := range merged[0].PassAtK {
			if q := single[0].PassAtK[i]; math.Abs(p.Value-q.Value) > 1e-12 || p.Problems != 3 {
				t.Errorf("pass@%d: shards %g, whole file %g", p.K, p.Value, q.Value)
			}
		}
		// Problem p2 has 8/8 correct, p0 2/8, p1 1/8: pass@1 = (2+1+8)/24.
		if v := merged[0].PassAtK[0].Value; math.Abs(v-11.0/24) > 1e-12 {
			t.Errorf("pass@1 = %g, want 11/24", v)
		}
	})
	t.Run("labels make curves, plot and csv written", func(t *testing.T) {
		plot, csvPath := filepath.Join(dir, "c.svg"), filepath.Join(dir, "c.csv")
		reps := passkJSON(t, "--in", shard1, "--label", "base", "--in", shard2, "--label", "rl", "--in", whole, "--label", "base",
			"--k", "1,4", "--plot", plot, "--csv", csvPath, "--repeats")
		if len(reps) != 2 || reps[0].Label != "base" || reps[1].Label != "rl" || reps[0].Samples != 36 || reps[1].Samples != 12 {
			t.Fatalf("reports: %+v", reps)
		}
		for _, p := range []string{plot, csvPath} {
			if st, err := os.Stat(p); err != nil || st.Size() == 0 {
				t.Errorf("%s not written: %v", p, err)
			}
		}
	})
	t.Run("the same problems twice: refused without --repeats and with equal seeds", func(t *testing.T) {
		_, err := mirageOutput(t, "", "passk", "--in", shard1, "--in", shard2)
		if err == nil || !strings.Contains(err.Error(), `3 problems held more than once`) || !strings.Contains(err.Error(), `"p0" in `+shard1+" and "+shard2) {
			t.Errorf("two files of the same problems: %v, want the duplicated ids named", err)
		}
		_, err = mirageOutput(t, "", "passk", "--in", shard1, "--in", shard1, "--repeats")
		if err == nil || !strings.Contains(err.Error(), "seeds are equal or unknown") {
			t.Errorf("one file given twice with --repeats: %v, want the equal seeds refused", err)
		}
	})
	t.Run("--data names the missing problems", func(t *testing.T) {
		data := filepath.Join(dir, "data.jsonl")
		writeText(t, data, `{"id":"p0","prompt":"q","ground_truth":"42"}`+"\n"+`{"id":"p1","prompt":"q","ground_truth":"42"}`+"\n"+
			`{"id":"p2","prompt":"q","ground_truth":"42"}`+"\n"+`{"id":"p3","prompt":"q","ground_truth":"42"}`+"\n")
		_, err := mirageOutput(t, "", "passk", "--in", shard1, "--data", data)
		if err == nil || !strings.Contains(err.Error(), `1 problems missing`) || !strings.Contains(err.Error(), `"p3"`) {
			t.Errorf("a problem of --data in no file: %v, want it named", err)
		}
		if _, err := mirageOutput(t, "", "passk", "--in", shard1, "--data", data, "--limit", "3"); err != nil {
			t.Errorf("--limit 3 covers the file: %v", err)
		}
	})
	t.Run("counts-only lines", func(t *testing.T) {
		counts := filepath.Join(dir, "counts.jsonl")
		writeText(t, counts, `{"id":"a","n":4,"c":1}`+"\n"+`{"id":"b","n":4,"c":0}`+"\n")
		reps := passkJSON(t, "--in", counts, "--resamples", "-1")
		// pass@4 of a = 1, of b = 0.
		if last := reps[0].PassAtK[len(reps[0].PassAtK)-1]; last.K != 4 || last.Value != 0.5 || len(reps[0].MajAtK) != 0 {
			t.Errorf("report %+v", reps[0])
		}
	})
	t.Run("an output that is an input is refused", func(t *testing.T) {
		// --csv or --plot on the scored file (or a link to it) replaced it with a table.
		link := filepath.Join(dir, "link.jsonl")
		if err := os.Link(shard2, link); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(shard2)
		for _, args := range [][]string{{"--csv", shard2}, {"--plot", link}, {"--in", shard1, "--csv", link}} {
			args = append([]string{"passk", "--in", shard2}, args...)
			_, err := mirageOutput(t, "", args...)
			if err == nil || !strings.Contains(err.Error(), "is the input file") {
				t.Errorf("%v: %v; want the output refused as an input", args, err)
			}
		}
		if after, _ := os.ReadFile(shard2); string(after) != string(before) {
			t.Errorf("%s changed", shard2)
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := mirageOutput(t, "", "passk", "--in", shard1, "--in", shard2, "--label", "one"); err == nil || !strings.Contains(err.Error(), "--label") {
			t.Errorf("label count mismatch: %v", err)
		}
		bad := filepath.Join(dir, "bad.jsonl")
		writeText(t, bad, `{"id":"a","n":4,"c":1}`+"\n"+`{"id":"b","n":4,"c":9}`+"\n")
		if _, err := mirageOutput(t, "", "passk", "--in", bad); err == nil || !strings.Contains(err.Error(), bad+":2") || !strings.Contains(err.Error(), `"c"`) {
			t.Errorf("bad line: %v; want the file, line 2 and field c", err)
		}
		// An unlabelled curve is not named as curve "" in errors.
		if _, err := mirageOutput(t, "", "passk", "--in", shard1, "-k", "0"); err == nil || strings.Contains(err.Error(), `curve ""`) {
			t.Errorf("k = 0: %v; want an error not naming an empty curve", err)
		}
		if _, err := mirageOutput(t, "", "passk", "--in", shard1, "--csv", filepath.Join(dir, "none", "x.csv")); err == nil || !strings.HasPrefix(err.Error(), "passk: --csv") {
			t.Errorf("unwritable --csv: %v; want a passk: --csv error", err)
		}
	})
}
