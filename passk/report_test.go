package passk

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

func ExampleEstimate() {
	// Three problems, 4 samples each: 0, 1 and 4 of them correct.
	recs := []Record{
		{ID: "p1", N: 4, C: 0},
		{ID: "p2", N: 4, C: 1},
		{ID: "p3", N: 4, C: 4},
	}
	rep, err := Estimate(recs, Options{Resamples: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range rep.PassAtK {
		fmt.Printf("pass@%d = %.4f\n", p.K, p.Value)
	}
	fmt.Printf("mean = %.4f\n", rep.Mean.Value)
	// Output:
	// pass@1 = 0.4167
	// pass@2 = 0.5000
	// pass@4 = 0.6667
	// mean = 0.4167
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFile(t *testing.T) {
	const scored = `{"id":"a","prompt":"1+1?","ground_truth":"2","data_source":"math","completions":[` +
		`{"text":"2","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":true,"answer":"2"},` +
		`{"text":"3","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0,"correct":false,"answer":"3"},` +
		`{"text":"?","finish_reason":"length","num_tokens":1,"cumulative_logprob":0,"correct":false}]}

{"id":"b","n":8,"c":3,"data_source":"aime"}
`
	recs, err := ReadFile(writeFile(t, "s.jsonl", scored))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2: %+v", len(recs), recs)
	}
	a, b := recs[0], recs[1]
	if a.ID != "a" || a.N != 3 || a.C != 1 || a.Abstain != 1 || a.Wrong["3"] != 1 || !a.HasVotes || a.DataSource != "math" {
		t.Errorf("record a = %+v; want n=3 c=1, one abstention, one vote for 3, source math", a)
	}
	if b.ID != "b" || b.N != 8 || b.C != 3 || b.HasVotes {
		t.Errorf("record b = %+v; want n=8 c=3 without votes", b)
	}
	samples, err := datasets.ReadSamples(writeFile(t, "first.jsonl", strings.SplitN(scored, "\n", 2)[0]+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := FromSample(samples[0]); err != nil || r.N != 3 || r.C != 1 || r.Abstain != 1 || r.Wrong["3"] != 1 || !r.HasVotes {
		t.Errorf("FromSample = %+v, %v; want n=3 c=1, one abstention, one vote for 3", r, err)
	}
	samples[0].Completions[1].Correct = nil
	if _, err := FromSample(samples[0]); err == nil {
		t.Error("FromSample of an unscored completion: no error")
	}

	for _, c := range []struct {
		name, body, field string
		line              int
	}{
		{"not json", "{\"id\":\"a\",\"n\":2,\"c\":1}\nnot json\n", "", 2},
		{"no id", `{"n":2,"c":1}`, "id", 1},
		{"unscored", `{"id":"a","completions":[{"text":"x"}]}`, "completions[0].correct", 1},
		{"c > n", `{"id":"a","n":2,"c":3}`, "c", 1},
		{"no c", `{"id":"a","n":2}`, "c", 1},
		{"n disagrees", `{"id":"a","n":3,"completions":[{"correct":true}]}`, "n", 1},
		// A file holding a problem twice (shards concatenated, one of them twice) would add n
		// and c of the same completions.
		{"repeated id", "{\"id\":\"a\",\"n\":2,\"c\":1}\n\n{\"id\":\"a\",\"n\":2,\"c\":1}\n", "id", 3},
		{"repeated sample", `{"id":"a","completions":[{"correct":true}]}` + "\n" + `{"id":"a","completions":[{"correct":true}]}`, "id", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, "bad.jsonl", c.body)
			_, err := ReadFile(path)
			var de *datasets.DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *datasets.DataError", err)
			}
			if de.File != path || de.Line != c.line || de.Field != c.field {
				t.Errorf("error at %s:%d field %q, want line %d field %q (%v)", de.File, de.Line, de.Field, c.line, c.field, err)
			}
		})
	}
}

func TestMergeShards(t *testing.T) {
	s1 := []Record{{ID: "x", N: 2, C: 1, HasVotes: true, Wrong: map[string]int{"5": 1}}, {ID: "y", N: 2, C: 0, HasVotes: true, Wrong: map[string]int{}, Abstain: 2}}
	s2 := []Record{{ID: "y", N: 3, C: 3, HasVotes: true, Wrong: map[string]int{}}, {ID: "x", N: 1, C: 0}}
	got, err := Merge(s1, s2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "x" || got[0].N != 3 || got[0].C != 1 || got[0].HasVotes ||
		got[1].N != 5 || got[1].C != 3 || got[1].Abstain != 2 || !got[1].HasVotes {
		t.Errorf("Merge = %+v", got)
	}
	if s1[0].Wrong["5"] != 1 || len(s1) != 2 {
		t.Error("Merge modified its input")
	}
	if _, err := Merge([]Record{{ID: "x", DataSource: "a"}}, []Record{{ID: "x", DataSource: "b"}}); err == nil {
		t.Error("conflicting data sources: no error")
	}
}

func TestEstimate(t *testing.T) {
	var recs []Record
	for i := range 60 {
		src := "math"
		if i%3 == 0 {
			src = "logic"
		}
		n := 16
		if i == 0 {
			n = 4 // fewer samples than the larger ks
		}
		c := i % (n + 1)
		recs = append(recs, Record{ID: fmt.Sprint(i), DataSource: src, N: n, C: c, HasVotes: true,
			Wrong: map[string]int{"w": n - c}})
	}
	opts := Options{Ks: []int{1, 4, 8, 16}, Resamples: 500, Seed: 42, Label: "base"}
	rep, err := Estimate(recs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("values are the mean of per-problem estimates", func(t *testing.T) {
		for _, pt := range rep.PassAtK {
			var sum float64
			var m int
			for _, r := range recs {
				if r.N >= pt.K {
					v, _ := PassAtK(r.N, r.C, pt.K)
					sum += v
					m++
				}
			}
			if pt.Problems != m || math.Abs(pt.Value-sum/float64(m)) > 1e-12 {
				t.Errorf("pass@%d = %g over %d problems, want %g over %d", pt.K, pt.Value, pt.Problems, sum/float64(m), m)
			}
			if pt.Lo > pt.Value || pt.Hi < pt.Value || pt.Hi-pt.Lo <= 0 {
				t.Errorf("pass@%d interval [%g, %g] around %g", pt.K, pt.Lo, pt.Hi, pt.Value)
			}
		}
	})
	t.Run("n < k excluded with a warning", func(t *testing.T) {
		if rep.PassAtK[2].Excluded != 1 || rep.PassAtK[2].Problems != 59 {
			t.Errorf("pass@8: %+v, want 1 excluded, 59 problems", rep.PassAtK[2])
		}
		if !strings.Contains(strings.Join(rep.Warnings, "\n"), "k=8: 1 of 60 problems have fewer than 8 samples") {
			t.Errorf("warnings %q lack the exclusion", rep.Warnings)
		}
	})
	t.Run("breakdown per source", func(t *testing.T) {
		if len(rep.BySource) != 2 || rep.BySource[0].Source != "logic" || rep.BySource[0].Problems != 20 || rep.BySource[1].Problems != 40 {
			t.Fatalf("BySource = %+v", rep.BySource)
		}
	})
	t.Run("same seed same intervals, other seed other intervals", func(t *testing.T) {
		again, _ := Estimate(recs, opts)
		opts2 := opts
		opts2.Seed = 43
		other, _ := Estimate(recs, opts2)
		if again.PassAtK[0] != rep.PassAtK[0] {
			t.Errorf("same seed: %+v vs %+v", again.PassAtK[0], rep.PassAtK[0])
		}
		if other.PassAtK[0].Lo == rep.PassAtK[0].Lo && other.PassAtK[0].Hi == rep.PassAtK[0].Hi {
			t.Error("another seed gave the same interval")
		}
	})
	t.Run("interval covers the population mean at the stated rate", func(t *testing.T) {
		// Problems whose per-problem value is Bernoulli(0.3): the 95% interval of the mean of
		// 100 of them should hold 0.3 in about 95% of 200 trials (binomial sd 1.5%; accept ≥ 88%).
		hits := 0
		for trial := range 200 {
			var rs []Record
			for i := range 100 {
				c := 0
				if (trial*7919+i*104729)%1000 < 300 {
					c = 1
				}
				rs = append(rs, Record{ID: fmt.Sprint(i), N: 1, C: c})
			}
			r, err := Estimate(rs, Options{Ks: []int{1}, Resamples: 400, Seed: uint64(trial)})
			if err != nil {
				t.Fatal(err)
			}
			if p := r.PassAtK[0]; p.Lo <= 0.3 && 0.3 <= p.Hi {
				hits++
			}
		}
		if hits < 176 {
			t.Errorf("interval held the true mean in %d of 200 trials, want ≥ 176", hits)
		}
	})
	t.Run("outputs", func(t *testing.T) {
		var tbl, csvBuf bytes.Buffer
		if err := WriteTable(&tbl, []*Report{rep}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(tbl.String(), "500 resamples, seed 42") || !strings.Contains(tbl.String(), "logic") {
			t.Errorf("table:\n%s", tbl.String())
		}
		if err := WriteCSV(&csvBuf, []*Report{rep}); err != nil {
			t.Fatal(err)
		}
		// header + (4 pass + 4 maj + mean) × (overall + 2 sources)
		if lines := strings.Count(csvBuf.String(), "\n"); lines != 1+9*3 {
			t.Errorf("csv has %d lines, want %d:\n%s", lines, 1+9*3, csvBuf.String())
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var back Report
		if err := json.Unmarshal(b, &back); err != nil || back.PassAtK[3] != rep.PassAtK[3] {
			t.Errorf("JSON round trip: %v, %+v", err, back.PassAtK)
		}
	})
}

// Without a bootstrap the table and CSV show no interval rather than a zero-width one.
func TestOutputsWithoutBootstrap(t *testing.T) {
	rep, err := Estimate([]Record{{ID: "a", N: 4, C: 1}, {ID: "b", N: 4, C: 3}}, Options{Ks: []int{1, 2}, Resamples: -1})
	if err != nil {
		t.Fatal(err)
	}
	var tbl, csvBuf bytes.Buffer
	if err := WriteTable(&tbl, []*Report{rep}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tbl.String(), "[") || strings.Contains(tbl.String(), "resamples") {
		t.Errorf("table without bootstrap shows intervals:\n%s", tbl.String())
	}
	if err := WriteCSV(&csvBuf, []*Report{rep}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csvBuf.String(), ",pass,1,0.5,,,2,0") {
		t.Errorf("csv without bootstrap:\n%s", csvBuf.String())
	}
	// The alignment report and the contamination table do not show one either.
	a, err := Align(rep, Rule{})
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := a.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	probes := []Probe{{ID: "a", Ratio: 0.5, RougeL: 0.25}, {ID: "b", Ratio: 0.5, RougeL: 0.75, Exact: true}}
	if err := WriteContaminationMarkdown(&md, SummariseContamination(probes, Options{Resamples: -1}), Options{Resamples: -1}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "[") || strings.Contains(md.String(), "resamples") {
		t.Errorf("markdown without bootstrap shows intervals:\n%s", md.String())
	}
	if !strings.Contains(md.String(), "| 50% | - | 2 | 0.5000 | - | 50.00% | - |") {
		t.Errorf("contamination row without bootstrap:\n%s", md.String())
	}
	// JSON: the value, and null for the interval.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		PassAtK []struct {
			Value, Lo, Hi *float64
		} `json:"pass_at_k"`
		Mean struct{ Value, Lo, Hi *float64 }
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i, p := range append(back.PassAtK, back.Mean) {
		if p.Value == nil || p.Lo != nil || p.Hi != nil {
			t.Errorf("point %d in JSON %s: want a value and null lo, hi", i, b)
		}
	}
	if *back.PassAtK[0].Value != 0.5 {
		t.Errorf("pass@1 in JSON = %v, want 0.5", *back.PassAtK[0].Value)
	}
}

func TestEstimateNaNPointIsNullInJSON(t *testing.T) {
	rep, err := Estimate([]Record{{ID: "a", N: 2, C: 1}}, Options{Ks: []int{1, 4}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		PassAtK []struct {
			K        int
			Value    *float64
			Lo, Hi   *float64
			Excluded int
		} `json:"pass_at_k"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if p := back.PassAtK[1]; p.K != 4 || p.Value != nil || p.Lo != nil || p.Hi != nil || p.Excluded != 1 {
		t.Errorf("JSON %s: want pass@4 with null value and interval, 1 excluded", b)
	}
	if _, err := Estimate([]Record{{ID: "a", N: 2, C: 1}}, Options{Ks: []int{4}}); err == nil {
		t.Error("no problem with enough samples: no error")
	}
}

func TestAUC(t *testing.T) {
	pts := func(vs ...float64) []Point {
		var out []Point
		for i, v := range vs {
			out = append(out, Point{K: 1 << i, Value: v})
		}
		return out
	}
	for _, c := range []struct {
		name string
		pts  []Point
		want float64
	}{
		{"flat", pts(0.4, 0.4, 0.4), 0.4},
		{"linear in log k", pts(0, 0.5, 1), 0.5},
		// Trapezoids over [0,1] and [1,2]: (0+1)/2 + (1+1)/2 = 1.5, over span 2.
		{"jump then flat", pts(0, 1, 1), 0.75},
		{"single k", pts(0.3), 0.3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := AUC(c.pts); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("AUC = %g, want %g", got, c.want)
			}
		})
	}
}

func TestAlign(t *testing.T) {
	rep := &Report{Problems: 10, Confidence: 0.95, Resamples: 100, AUC: 0.4, PassAtK: []Point{
		{K: 1, Value: 0.1, Lo: 0.05, Hi: 0.15}, {K: 16, Value: 0.55, Lo: 0.45, Hi: 0.65}}}
	for _, c := range []struct {
		name      string
		rule      Rule
		verdict   string
		confident bool
	}{
		{"default rule: pass@16 0.55 ≥ 0.5", Rule{}, Strong, false},
		{"higher bar", Rule{MinPass: 0.6}, Weak, false},
		{"low bar, interval clear of it", Rule{MinPass: 0.3}, Strong, true},
		{"at k=1", Rule{K: 1}, Weak, true},
		{"AUC also required", Rule{MinAUC: 0.5}, Weak, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Align(rep, c.rule)
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != c.verdict || a.Confident != c.confident {
				t.Errorf("verdict %s (confident %v), want %s (%v); %s", a.Verdict, a.Confident, c.verdict, c.confident, a.Summary())
			}
			var md bytes.Buffer
			if err := a.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(md.String(), "Rule: "+a.RuleText) || !strings.Contains(md.String(), "**Verdict: "+c.verdict) {
				t.Errorf("markdown lacks the verdict or rule:\n%s", md.String())
			}
		})
	}
	if _, err := Align(rep, Rule{K: 8}); err == nil {
		t.Error("rule at a k the report lacks: no error")
	}
}

// Fixed bugs (issue 17): without a bootstrap the interval is no interval, so the verdict is not
// confident (a zero-width [v, v] read as certainty); when most completions have no extractable
// answer, the verdict says it measures the format; the completions' stats are counted.
func TestAlignWhatWasMeasured(t *testing.T) {
	yes, no := true, false
	var recs []Record
	for i := range 10 {
		r := Record{ID: fmt.Sprint(i), HasVotes: true, Wrong: map[string]int{}}
		for j := range 20 {
			c := scoredCompletion{Correct: &no, FormatOK: &no}
			switch {
			case j == 0 && i < 5: // 5 correct of 200
				c.Correct, c.Answer, c.FormatOK = &yes, "1", &yes
			case j == 1: // 10 wrong answers; the other 185 have none
				c.Answer = "2"
			}
			if j >= 10 { // 100 of 200 hit the token budget
				c.FinishReason = "length"
			}
			r.add(c)
		}
		recs = append(recs, r)
	}
	for _, resamples := range []int{-1, 200} {
		rep, err := Estimate(recs, Options{Resamples: resamples, Ks: []int{1, 16}})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Completions
		if s == nil || s.Completions != 200 || s.Truncated != 100 || s.NoAnswer != 185 || s.FormatRate == nil || *s.FormatRate != 5.0/200 {
			t.Fatalf("completion stats %+v; want 200 completions, 100 truncated, 185 without an answer, format rate 0.025", s)
		}
		a, err := Align(rep, Rule{MinPass: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		// pass@16 = 0.5 (half the problems have one correct of 20: 16/20 each), far below 0.9.
		if wantConfident := resamples > 0; a.Confident != wantConfident {
			t.Errorf("resamples %d: confident %v, want %v (%s)", resamples, a.Confident, wantConfident, a.Summary())
		}
		if !a.FormatFailure || !strings.Contains(a.Summary(), "with 92.50% of completions without an extractable answer: a format failure, not a capability measurement") {
			t.Errorf("summary %q; want the format failure named", a.Summary())
		}
		var md bytes.Buffer
		rep.Sampling = map[string]string{"temperature": "0.6", "n": "20"}
		if err := a.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"## What was measured", "200 completions: 50.00% truncated (finish_reason length), 92.50% without an extractable answer, 2.50% in the think/answer format",
			"  - temperature: `0.6`", "Not a capability measurement"} {
			if !strings.Contains(md.String(), want) {
				t.Errorf("report.md lacks %q:\n%s", want, md.String())
			}
		}
	}
}

func TestPlot(t *testing.T) {
	base := &Report{Label: "base", PassAtK: []Point{{K: 1, Value: 0.2, Lo: 0.1, Hi: 0.3}, {K: 4, Value: 0.5, Lo: 0.4, Hi: 0.6}, {K: 16, Value: 0.7, Lo: 0.6, Hi: 0.8}},
		MajAtK: []Point{{K: 1, Value: 0.2, Lo: 0.1, Hi: 0.3}, {K: 4, Value: 0.3, Lo: 0.2, Hi: 0.4}, {K: 16, Value: 0.35, Lo: 0.3, Hi: 0.4}}}
	rl := &Report{Label: "rl", PassAtK: []Point{{K: 1, Value: 0.4, Lo: 0.3, Hi: 0.5}, {K: 4, Value: 0.55, Lo: 0.45, Hi: 0.65}, {K: 16, Value: 0.65, Lo: 0.55, Hi: 0.75}}}
	dir := t.TempDir()
	t.Run("png of the stated size", func(t *testing.T) {
		path := filepath.Join(dir, "c.png")
		if err := Plot(path, []*Report{base, rl}, PlotOptions{Maj: true}); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg, err := png.DecodeConfig(f)
		if err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
		// 6×4 inches at 96 dpi.
		if cfg.Width != 576 || cfg.Height != 384 {
			t.Errorf("PNG is %d×%d, want 576×384", cfg.Width, cfg.Height)
		}
	})
	t.Run("svg of the stated size with labels and legend", func(t *testing.T) {
		path := filepath.Join(dir, "c.svg")
		if err := Plot(path, []*Report{base, rl}, PlotOptions{Title: "MATH-500"}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var svg struct {
			XMLName xml.Name `xml:"svg"`
			Width   string   `xml:"width,attr"`
			Height  string   `xml:"height,attr"`
		}
		if err := xml.Unmarshal(b, &svg); err != nil {
			t.Fatalf("not XML/SVG: %v", err)
		}
		if svg.Width != "432pt" || svg.Height != "288pt" {
			t.Errorf("SVG is %s×%s, want 432pt×288pt (6×4 in)", svg.Width, svg.Height)
		}
		for _, want := range []string{"MATH-500", "pass@k", "k (log2 scale)", "base", "rl", ">16<"} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("SVG lacks %q", want)
			}
		}
	})
	t.Run("unknown extension", func(t *testing.T) {
		if err := Plot(filepath.Join(dir, "c.txt"), []*Report{base}, PlotOptions{}); err == nil {
			t.Error("no error")
		}
	})
}

func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"id":"a","n":3,"c":1}` + "\n" + `{"id":"a","completions":[{"correct":true,"answer":"1"}]}`))
	f.Add([]byte(`{"id":"b","completions":[{"correct":false}]}`))
	f.Add([]byte(`{"id":"c","n":-1,"c":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := readRecords("fuzz.jsonl", bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range recs {
			if r.N < 0 || r.C < 0 || r.C > r.N {
				t.Fatalf("accepted invalid counts %+v", r)
			}
			if r.HasVotes && r.Votes().N() != r.N {
				t.Fatalf("votes %+v do not add up to n=%d", r.Votes(), r.N)
			}
		}
	})
}

// BenchmarkEstimate is a MATH-500-sized run: 500 problems × 256 scored samples, k = 1…256,
// pass@k and exact maj@k with 1000 bootstrap resamples.
func BenchmarkEstimate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	var recs []Record
	for i := range 500 {
		p := rng.Float64()
		r := Record{ID: fmt.Sprint(i), HasVotes: true, Wrong: map[string]int{}}
		for range 256 {
			u := rng.Float64()
			right, wrong := true, false
			switch {
			case u < p:
				r.add(scoredCompletion{Correct: &right, Answer: "right"})
			case u < p+(1-p)/2:
				r.add(scoredCompletion{Correct: &wrong, Answer: "common wrong"})
			case u < p+(1-p)*0.8:
				r.add(scoredCompletion{Correct: &wrong, Answer: fmt.Sprint("tail ", rng.IntN(20))})
			default:
				r.add(scoredCompletion{Correct: &wrong})
			}
		}
		recs = append(recs, r)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Estimate(recs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
