package math

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// seeds returns every answer of the tables and the MATH-500 sample.
func seeds(t testing.TB) []string {
	var out []string
	for _, m := range []map[string][]pair{equalCases, notEqualCases} {
		for _, ps := range m {
			for _, p := range ps {
				out = append(out, p.gold, p.pred)
			}
		}
	}
	return append(out, loadMATH500(t)...)
}

// slow is generous: the CPU is shared, and the point is to catch hangs, not to time.
const slow = 2 * time.Second

func FuzzCompare(f *testing.F) {
	s := seeds(f)
	for i := range s {
		f.Add(s[i], s[(i*7+3)%len(s)])
	}
	f.Add("10^{10^{10}}", "10^{10^{10}}")
	f.Add(strings.Repeat("{", 200), "}")
	f.Fuzz(func(t *testing.T, a, b string) {
		start := time.Now()
		ab := Check(a, b, Options{})
		ba := Check(b, a, Options{})
		aa := Check(a, a, Options{})
		if d := time.Since(start); d > slow {
			t.Errorf("Check(%q, %q) took %v", a, b, d)
		}
		if ab.Equal != ba.Equal {
			t.Errorf("not symmetric: Check(%q, %q) = %v, reverse %v", a, b, ab.Equal, ba.Equal)
		}
		if !aa.Equal && aa.Reason == "" {
			t.Errorf("Check(%q, itself) = not equal without a reason", a)
		}
		if n1, n2 := Parse(a, Options{}).Normalized(), Parse(a, Options{}).Normalized(); n1 != n2 {
			t.Errorf("Normalized(%q) not deterministic: %q, %q", a, n1, n2)
		}
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add("<think>x</think><answer>"+s+"</answer>", true)
		f.Add("so \\boxed{"+s+"} and Answer: "+s, false)
	}
	f.Add("#### 12\n\\boxed{\\boxed{", true)
	f.Fuzz(func(t *testing.T, text string, lastNumber bool) {
		for _, format := range []Format{FormatAny, FormatThinkAnswer, FormatBoxed} {
			ex, ok := Extract(text, ExtractOptions{Format: format, LastNumber: lastNumber})
			if ok != (ex.Rule != RuleNone) {
				t.Errorf("Extract(%q, %s) = %+v, ok %v: rule and ok disagree", text, format, ex, ok)
			}
			if ok && !strings.Contains(text, ex.Answer) {
				t.Errorf("Extract(%q, %s) = %q, not a part of the text", text, format, ex.Answer)
			}
		}
		ThinkAnswerFormat(text)
	})
}

// Symmetry over many pairs of real answers (the fuzzer only sees its seeds in go test).
func TestSymmetry(t *testing.T) {
	s := seeds(t)
	parsed := make([]*Answer, len(s))
	for i, x := range s {
		parsed[i] = Parse(x, Options{})
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		i, j := r.IntN(len(s)), r.IntN(len(s))
		ab := Compare(parsed[i], parsed[j], Options{})
		ba := Compare(parsed[j], parsed[i], Options{})
		if ab.Equal != ba.Equal {
			t.Errorf("not symmetric: %q vs %q = %v, reverse %v", s[i], s[j], ab.Equal, ba.Equal)
		}
	}
}
