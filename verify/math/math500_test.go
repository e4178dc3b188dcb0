package math

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func loadMATH500(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/math500_sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var items []struct {
		Answer string `json:"answer"`
	}
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatalf("testdata/math500_sample.json: %v", err)
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Answer
	}
	return out
}

// A rewrite turns an answer into an equivalent one by plain string surgery (regexps, strconv
// and math/big on literals), independent of the parser under test.
type rewrite struct {
	name string
	fn   func(string) (string, bool)
}

var (
	reInt       = regexp.MustCompile(`^-?\d+$`)
	reDecimal   = regexp.MustCompile(`^-?\d*\.\d+$`)
	reFrac      = regexp.MustCompile(`^(-?)\\frac\{(\d+)\}\{(\d+)\}$`)
	reCoefSqrt  = regexp.MustCompile(`^(\d+) ?\\sqrt\{?(\d+)\}?$`)
	reSqrt      = regexp.MustCompile(`\\sqrt\{(\d+)\}`)
	reBase      = regexp.MustCompile(`^(\d+)_(\d+)$`)
	reComplex   = regexp.MustCompile(`^(-?\d+) ?([+-]) ?(\d*)i$`)
	reFracPi    = regexp.MustCompile(`\\frac\{\\pi\}\{(\d+)\}`)
	reTextOnly  = regexp.MustCompile(`^\\text\{([A-Za-z ]+)\}$`)
	reVarEquals = regexp.MustCompile(`^[a-z] ?= ?(.+)$`)
	reDegrees   = regexp.MustCompile(`^(\d+)\^\\circ$`)
)

// splitTop splits s at top-level occurrences of sep (outside braces and brackets).
func splitTop(s string, seps string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			depth--
		case depth == 0 && strings.IndexByte(seps, c) >= 0 && i > 0:
			parts = append(parts, s[start:i])
			start = i
		}
	}
	return append(parts, s[start:])
}

var rewrites = []rewrite{
	{"integer as decimal and fraction", func(s string) (string, bool) {
		if !reInt.MatchString(s) {
			return "", false
		}
		n, _ := strconv.Atoi(s)
		return fmt.Sprintf("\\frac{%d}{2}", 2*n), true
	}},
	{"integer with thousands separator", func(s string) (string, bool) {
		if !reInt.MatchString(s) || len(strings.TrimPrefix(s, "-")) < 4 {
			return "", false
		}
		d := strings.TrimPrefix(s, "-")
		var b strings.Builder
		for i := range d {
			if i > 0 && (len(d)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteByte(d[i])
		}
		return strings.TrimSuffix(s, d) + b.String(), true
	}},
	{"integer with unit", func(s string) (string, bool) {
		return s + "\\text{ units}", reInt.MatchString(s)
	}},
	{"decimal as fraction", func(s string) (string, bool) {
		if !reDecimal.MatchString(s) {
			return "", false
		}
		r, _ := new(big.Rat).SetString(s)
		return fmt.Sprintf("\\frac{%s}{%s}", r.Num(), r.Denom()), true
	}},
	{"fraction as decimal or slash", func(s string) (string, bool) {
		m := reFrac.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		r, _ := new(big.Rat).SetString(m[1] + m[2] + "/" + m[3])
		if d := new(big.Int).Set(r.Denom()); isTerminating(d) {
			return r.FloatString(12), true
		}
		return m[1] + m[2] + "/" + m[3], true
	}},
	{"fraction unreduced", func(s string) (string, bool) {
		m := reFrac.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		return fmt.Sprintf("%s\\dfrac{%d}{%d}", m[1], 3*a, 3*b), true
	}},
	{"coefficient into the root", func(s string) (string, bool) {
		m := reCoefSqrt.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		k, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("\\sqrt{%d}", k*k*n), true
	}},
	{"root as power", func(s string) (string, bool) {
		if !reSqrt.MatchString(s) {
			return "", false
		}
		return reSqrt.ReplaceAllString(s, "{($1)^{1/2}}"), true
	}},
	{"base subscript braced", func(s string) (string, bool) {
		m := reBase.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return m[1] + "_{" + m[2] + "}", true
	}},
	{"complex parts swapped", func(s string) (string, bool) {
		m := reComplex.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return m[2] + m[3] + "i+" + m[1], true
	}},
	{"pi fraction as slash", func(s string) (string, bool) {
		if !reFracPi.MatchString(s) {
			return "", false
		}
		return reFracPi.ReplaceAllString(s, "(\\pi/$1)"), true
	}},
	{"text unwrapped", func(s string) (string, bool) {
		m := reTextOnly.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return "The " + strings.ToUpper(m[1][:1]) + m[1][1:], true
	}},
	{"equation to value", func(s string) (string, bool) {
		m := reVarEquals.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return m[1], true
	}},
	{"degrees spelled", func(s string) (string, bool) {
		m := reDegrees.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return m[1] + " degrees", true
	}},
	{"list reversed", func(s string) (string, bool) {
		if strings.ContainsAny(s, "()[]\\") || !strings.Contains(s, ",") {
			return "", false
		}
		items := strings.Split(s, ",")
		slices.Reverse(items)
		return strings.Join(items, ", "), true
	}},
	{"plus-minus spelled out", func(s string) (string, bool) {
		a, b, ok := strings.Cut(s, "\\pm")
		if !ok {
			return "", false
		}
		return a + "-" + b + ", " + a + "+" + b, true
	}},
	{"terms reversed", func(s string) (string, bool) {
		if strings.Contains(s, "\\begin") || strings.Contains(s, ",") {
			return "", false
		}
		terms := splitTop(strings.ReplaceAll(s, " ", ""), "+-")
		if len(terms) < 2 {
			return "", false
		}
		slices.Reverse(terms)
		for i, t := range terms {
			if t[0] != '-' && t[0] != '+' {
				terms[i] = "+" + t
			}
		}
		return strings.Join(terms, ""), true
	}},
	{"left-right dropped", func(s string) (string, bool) {
		if !strings.Contains(s, "\\left") {
			return "", false
		}
		return strings.NewReplacer("\\left", "", "\\right", "").Replace(s), true
	}},
	{"pmatrix as bmatrix with dfrac", func(s string) (string, bool) {
		if !strings.Contains(s, "pmatrix") {
			return "", false
		}
		r := regexp.MustCompile(`(-?\d+)/(\d+)`).ReplaceAllString(s, "\\dfrac{$1}{$2}")
		return strings.ReplaceAll(r, "pmatrix", "bmatrix"), true
	}},
}

// Hand-written rewrites for answers no rule above covers.
var handRewrites = map[string]string{
	"p - q":                 "-(q-p)",
	"\\pi":                  "\\frac{2\\pi}{2}",
	"-\\frac{\\pi}{6}":      "-30\\pi/180",
	"\\cot x":               "\\frac{\\cos x}{\\sin x}",
	"\\frac{3\\sqrt{3}}{4}": "\\frac{\\sqrt{27}}{4}",
	"2k+2":                  "2(k+1)",
	"(6,31,-1)":             "(6, 31, -1)",
	"(-2,1)":                "\\left(-2, 1\\right)",
	"x^3+3x-6":              "x(x^2+3)-6",
	"1,-2":                  "x = -2 \\text{ or } x = 1",
}

// Hand-written near misses for answers without digits.
var handMisses = map[string]string{
	"p - q":          "p + q",
	"\\text{Evelyn}": "Evelin",
	"\\pi":           "\\pi^2",
	"\\cot x":        "\\tan x",
	"\\text{east}":   "\\text{west}",
}

func isTerminating(d *big.Int) bool {
	for _, p := range []int64{2, 5} {
		bp := big.NewInt(p)
		m := new(big.Int)
		for d.Cmp(big.NewInt(1)) != 0 {
			if new(big.Int).DivMod(d, bp, m); m.Sign() != 0 {
				break
			}
			d.Div(d, bp)
		}
	}
	return d.Cmp(big.NewInt(1)) == 0
}

// nearMiss bumps the first digit of s (5 → 6, 9 → 0): a different value in every answer form
// of the sample, including base subscripts (52_8 → 62_8).
func nearMiss(s string) (string, bool) {
	if m, ok := handMisses[s]; ok {
		return m, true
	}
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return "", false
	}
	return s[:i] + string('0'+(s[i]-'0'+1)%10) + s[i+1:], true
}

func TestMATH500Rewrites(t *testing.T) {
	for i, gold := range loadMATH500(t) {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			golds := Parse(gold, Options{})
			if r := Compare(golds, golds, Options{}); !r.Equal {
				t.Errorf("%q not equal to itself (%s)", gold, r.Reason)
			}
			var equiv []string
			for _, rw := range rewrites {
				if s, ok := rw.fn(gold); ok {
					equiv = append(equiv, s)
				}
			}
			if s, ok := handRewrites[gold]; ok {
				equiv = append(equiv, s)
			}
			if len(equiv) == 0 {
				t.Fatalf("no rewrite applies to %q: add one", gold)
			}
			equiv = append(equiv, "$"+gold+"$", "\\boxed{"+gold+"}")
			for _, s := range equiv {
				if r := Compare(golds, Parse(s, Options{}), Options{}); !r.Equal {
					t.Errorf("gold %q vs rewrite %q: not equal (%s)", gold, s, r.Reason)
				}
			}
			miss, ok := nearMiss(gold)
			if !ok {
				t.Fatalf("no near miss for %q: add one", gold)
			}
			if r := Compare(golds, Parse(miss, Options{}), Options{}); r.Equal {
				t.Errorf("gold %q vs near miss %q: equal", gold, miss)
			}
		})
	}
}
