package passk

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"words lowercased", "The Cat  sat", []string{"the", "cat", "sat"}},
		{"symbols kept one by one", "x^2+1=0", []string{"x", "^", "2", "+", "1", "=", "0"}},
		{"latex", `$\frac{3}{4}$`, []string{"$", `\`, "frac", "{", "3", "}", "{", "4", "}", "$"}},
		{"unicode letters", "Größe ≤ 5", []string{"größe", "≤", "5"}},
		{"empty", " \n\t", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Tokens(c.in); !slices.Equal(got, c.want) {
				t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// The expected values are worked by hand: LCS length L, P = L/|cand|, R = L/|ref|,
// F = 2PR/(P+R).
func TestRougeLHandWorked(t *testing.T) {
	for _, c := range []struct {
		name, cand, ref string
		p, r, f         float64
	}{
		// Lin (2004), section 3.1: S2 "police kill the gunman" shares 3 of 4 words in order with
		// S1, S3 "the gunman kill police" only "the gunman".
		{"Lin 2004 S2", "police kill the gunman", "police killed the gunman", 0.75, 0.75, 0.75},
		{"Lin 2004 S3", "the gunman kill police", "police killed the gunman", 0.5, 0.5, 0.5},
		// the cat on the mat: L = 5 of 6 each side.
		{"one word substituted", "the cat sat on the mat", "the cat is on the mat", 5.0 / 6, 5.0 / 6, 5.0 / 6},
		// a c is a subsequence of a b c d: P = 2/4, R = 2/2, F = 2·0.5·1/1.5.
		{"candidate longer", "a b c d", "a c", 0.5, 1, 2.0 / 3},
		// x ^ 2 [+|-] 1 = 0: L = 6 of 7 each side.
		{"math symbol differs", "x^2+1=0", "x^2 - 1 = 0", 6.0 / 7, 6.0 / 7, 6.0 / 7},
		// Order matters: b a vs a b has L = 1.
		{"reversed pair", "b a", "a b", 0.5, 0.5, 0.5},
		{"case and spacing ignored", "Find  $X$.", "find $x$ .", 1, 1, 1},
		{"no overlap", "alpha beta", "gamma", 0, 0, 0},
		{"empty candidate", "", "a b", 0, 0, 0},
		{"both empty", "", "", 1, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, r, f := RougeL(Tokens(c.cand), Tokens(c.ref))
			if math.Abs(p-c.p) > 1e-12 || math.Abs(r-c.r) > 1e-12 || math.Abs(f-c.f) > 1e-12 {
				t.Errorf("RougeL(%q, %q) = P %.4f R %.4f F %.4f, want %.4f %.4f %.4f", c.cand, c.ref, p, r, f, c.p, c.r, c.f)
			}
		})
	}
}

func TestExactMatch(t *testing.T) {
	for _, c := range []struct {
		name, completion, ref string
		want                  bool
	}{
		{"verbatim", "is 5. What is x?", "is 5. What is x?", true},
		{"runs on past the end", " is 5. What is x? The answer is 3", "is 5. What is x?", true},
		{"whitespace differs", "is  5.\nWhat is x?", "is 5. What is x?", true},
		{"one character differs", "is 6. What is x?", "is 5. What is x?", false},
		{"stops short", "is 5.", "is 5. What is x?", false},
		{"empty reference", "anything", "  ", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ExactMatch(c.completion, c.ref); got != c.want {
				t.Errorf("ExactMatch(%q, %q) = %v, want %v", c.completion, c.ref, got, c.want)
			}
		})
	}
}

func TestSummariseContamination(t *testing.T) {
	yes, no := true, false
	probes := []Probe{
		{ID: "a", DataSource: "math", Ratio: 0.4, RougeL: 1, Exact: true, AnswerCorrect: &yes},
		{ID: "b", DataSource: "math", Ratio: 0.4, RougeL: 0.5, AnswerCorrect: &no},
		{ID: "c", DataSource: "aime", Ratio: 0.4, RougeL: 0},
		{ID: "a", DataSource: "math", Ratio: 0.8, RougeL: 0.25, Exact: true},
	}
	rows := SummariseContamination(probes, Options{Resamples: 200, Seed: 1})
	// 2 ratios overall, then aime@0.4, math@0.4, math@0.8.
	if len(rows) != 5 {
		t.Fatalf("got %d rows, want 5: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Ratio != 0.4 || r.RougeL.Problems != 3 || math.Abs(r.RougeL.Value-0.5) > 1e-12 ||
		math.Abs(r.ExactMatch.Value-1.0/3) > 1e-12 || math.Abs(r.AnswerAccuracy.Value-1.0/3) > 1e-12 || r.Answered != 2 {
		t.Errorf("ratio 0.4 row = %+v; want 3 problems, ROUGE-L 0.5, EM 1/3, accuracy 1/3, 2 answered", r)
	}
	if r.RougeL.Lo > r.RougeL.Value || r.RougeL.Hi < r.RougeL.Value {
		t.Errorf("interval [%g, %g] does not hold the mean %g", r.RougeL.Lo, r.RougeL.Hi, r.RougeL.Value)
	}
	if rows[1].Ratio != 0.8 || rows[2].Source != "aime" || rows[3].Source != "math" || rows[3].RougeL.Value != 0.75 {
		t.Errorf("rows out of order: %+v", rows)
	}
	var buf bytes.Buffer
	if err := WriteContaminationMarkdown(&buf, rows, Options{Resamples: 200, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"| 40% | - | 3 | 0.5000 |", "| 80% | math | 1 | 0.2500 |", "200 resamples, seed 1"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| 80% | aime") {
		t.Errorf("markdown has a row for a source without probes at that ratio:\n%s", md)
	}
}

func FuzzRougeL(f *testing.F) {
	f.Add("the cat sat on the mat", "the cat is on the mat")
	f.Add(`$\frac{1}{2}$`, "x^2+1=0")
	f.Add("", "a")
	f.Fuzz(func(t *testing.T, a, b string) {
		ta, tb := Tokens(a), Tokens(b)
		p, r, f1 := RougeL(ta, tb)
		for _, v := range []float64{p, r, f1} {
			if v < 0 || v > 1 || math.IsNaN(v) {
				t.Fatalf("RougeL(%q, %q) out of [0, 1]: %g %g %g", a, b, p, r, f1)
			}
		}
		// Swapping the arguments swaps precision and recall and keeps F1.
		p2, r2, f2 := RougeL(tb, ta)
		if p2 != r || r2 != p || math.Abs(f2-f1) > 1e-15 {
			t.Fatalf("RougeL not symmetric on %q, %q", a, b)
		}
		if _, _, self := RougeL(ta, ta); self != 1 {
			t.Fatalf("RougeL(x, x) = %g for %q", self, a)
		}
	})
}
