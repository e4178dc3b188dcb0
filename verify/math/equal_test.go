package math

import (
	"strings"
	"testing"
)

type pair struct{ gold, pred string }

// equalCases must compare equal, in both orders.
var equalCases = map[string][]pair{
	"integers": {
		{"9", "9"}, {"42", "42.0"}, {"-50", "-50"}, {"2220", "2,220"}, {"13535", "13,535"},
		{"1000000", "1,000,000"}, {"1000", "1{,}000"}, {"1000", "1\\,000"}, {"0", "-0"},
		{"5", "+5"}, {"720", "6!"}, {"10", "\\binom{5}{2}"}, {"7", "07"}, {"3", "3."},
	},
	"fractions": {
		{"\\frac{14}{3}", "14/3"}, {"\\frac{3}{56}", "\\dfrac{3}{56}"}, {"\\frac{3}{2}", "1.5"},
		{"\\frac{3}{2}", "\\tfrac32"}, {"\\frac12", "0.5"}, {"\\frac{6}{4}", "\\frac{3}{2}"},
		{"-\\frac{1}{2}", "\\frac{-1}{2}"}, {"-\\frac{1}{2}", "\\frac{1}{-2}"},
		{"\\frac{243}{625}", "0.3888"}, {"\\frac{448}{15625}", "0.028672"},
		{"\\frac{35}{64}", "35/64"}, {"\\frac{11}{36}", "\\frac{22}{72}"}, {"\\frac{1}{3}", "1/3"},
		{"2\\frac{1}{2}", "5/2"}, {"-2\\frac12", "-2.5"}, // mixed numbers
	},
	"decimals and scientific": {
		{"1.25", "\\frac{5}{4}"}, {"0.15", ".15"}, {"0.15", "0.150"}, {"1500", "1.5e3"},
		{"0.0015", "1.5E-3"}, {"1500", "1.5\\times10^3"}, {"1500", "1.5 \\cdot 10^{3}"},
	},
	"roots": {
		{"3\\sqrt{13}", "\\sqrt{117}"}, {"\\sqrt{51}", "\\sqrt{51}"}, {"11\\sqrt2", "11\\sqrt{2}"},
		{"70 \\sqrt{2}", "70\\sqrt2"}, {"\\frac{3\\sqrt{3}}{4}", "\\frac{3}{4}\\sqrt{3}"},
		{"\\sqrt{5}", "5^{1/2}"}, {"\\sqrt{2}/2", "\\frac{1}{\\sqrt{2}}"}, {"sqrt(2)/2", "\\frac{\\sqrt2}{2}"},
		{"2", "\\sqrt[3]{8}"}, {"-2", "\\sqrt[3]{-8}"}, {"3", "\\sqrt{9}"}, {"\\frac{3}{2}", "\\sqrt{\\frac{9}{4}}"},
		{"2\\sqrt{2}", "\\sqrt{8}"}, {"4", "(-8)^{2/3}"},
	},
	"pi and constants": {
		{"\\pi", "\\pi"}, {"-\\frac{\\pi}{6}", "-\\pi/6"}, {"\\frac{\\pi}{2}", "\\frac{1}{2}\\pi"},
		{"2\\pi", "2pi"}, {"\\pi r^2", "r^2\\pi"}, {"e^2", "\\exp(2)"}, {"\\ln 8", "3\\ln 2"},
		{"\\log_2 8", "3"}, {"\\log_{3}(9)", "2"},
	},
	"complex": {
		{"6 - 5i", "6-5i"}, {"6+9i", "9i+6"}, {"-2 + 7i", "7i - 2"}, {"i", "\\sqrt{-1}"},
		{"2i", "(1+i)^2"}, {"-1", "i^2"},
	},
	"expressions": {
		{"p - q", "-q+p"}, {"x^5 - x^4 + x^3 - x^2 + x - 1", "(x-1)(x^4+x^2+1)"},
		{"x^3+3x-6", "3x + x^3 - 6"}, {"2k+2", "2(k+1)"}, {"\\cot x", "\\frac{\\cos x}{\\sin x}"},
		{"\\frac{x+1}{x-1}", "(x+1)/(x-1)"}, {"a^2-b^2", "(a-b)(a+b)"}, {"\\sin^2 x", "1-\\cos^2x"},
		{"2\\sin x\\cos x", "\\sin 2x"}, {"x^{-1}", "1/x"}, {"x_1 + x_2", "x_2+x_1"},
		{"\\frac{1}{\\alpha}", "\\alpha^{-1}"}, {"xy", "yx"}, {"x**2", "x^2"}, {"|x|", "|x|"},
		{"\\left( x+1 \\right)^2", "x^2+2x+1"}, {"\\arcsin x", "\\sin^{-1} x"},
	},
	"equations": {
		{"x=5", "5"}, {"5", "x = 5"}, {"y = 2x+3", "2x+3"}, {"y=2x+3", "y = 3 + 2x"},
		{"y = 2x + 3", "2x - y + 3 = 0"}, {"x=5", "2x=10"}, {"f(x) = x^2", "x^2"},
		{"x + y = 1", "y + x = 1"}, {"x \\le 3", "3 \\ge x"}, {"x > 2", "x>2"},
	},
	"tuples and points": {
		{"\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\pi/2)"}, {"(6,31,-1)", "(6, 31, -1)"},
		{"(-2,1)", "\\left(-2, 1\\right)"}, {"(1,2,3)", "1,2,3"}, {"(0.5, 1)", "(\\frac12, 1)"},
	},
	"intervals": {
		{"[1, 2)", "[1,2)"}, {"(-\\infty, 3]", "(-\\infty,3]"}, {"(-\\infty, 0) \\cup (1, \\infty)", "(1,\\infty)\\cup(-\\infty,0)"},
		{"[-2, 7)", "-2 \\le x < 7"}, {"[-2, 7)", "7 > x \\geq -2"}, {"(3, \\infty)", "x > 3"}, {"[3,\\infty)", "3 \\le x"},
		{"(-\\infty, 5]", "x \\leq 5"}, {"(-\\infty,-1)\\cup(2,\\infty)", "x < -1 \\text{ or } x > 2"},
		{"1 < x < 2", "2 > x > 1"}, {"x \\ge 3", "[3, \\infty)"},
		{"[2, 5]", "x \\in [2,5]"}, {"[2, 5]", "x in [2, 5]"}, {"(0, \\infty)", "(0, inf)"}, {"[-1, \\frac{1}{2}]", "[-1, 0.5]"},
	},
	"sets and lists": {
		{"1,-2", "-2, 1"}, {"3, 5, 7", "7,5,3"}, {"\\{1, 2\\}", "\\{2,1\\}"}, {"1, 2", "\\{1, 2\\}"},
		{"1,-2", "x=1, x=-2"}, {"1,-2", "1 \\text{ or } -2"}, {"1, 2", "1 and 2"}, {"\\{3\\}", "3"},
		{"\\emptyset", "\\varnothing"},
	},
	"plus-minus": {
		{"1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}"}, {"\\pm 2", "2,-2"}, {"x = \\pm 3", "-3, 3"},
		{"1 \\pm \\sqrt{19}", "1 \\mp \\sqrt{19}"}, {"\\frac{1 \\pm \\sqrt{5}}{2}", "\\frac{1-\\sqrt5}{2},\\frac{1+\\sqrt5}{2}"},
	},
	"matrices": {
		{"\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", "\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}"},
		{"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}"},
		{"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)"},
		{"\\begin{pmatrix} 0.5 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix} \\frac12 & 0 \\\\ 0 & 1 \\\\ \\end{pmatrix}"},
	},
	"multiple choice": {
		{"C", "(C)"}, {"\\text{(C)}", "C"}, {"(B)", "\\textbf{(B)}"}, {"D", "(d)"}, {"E", "E)"},
	},
	"text": {
		{"\\text{Evelyn}", "Evelyn"}, {"\\text{east}", "East"}, {"\\text{east}", "the east"},
		{"\\text{Evelyn}", "\\textbf{evelyn}"}, {"yes", "Yes."}, {"\\text{odd}", "\\mathrm{odd}"},
		{"no", "No"}, {"\\text{no}", "NO."},
	},
	"units, percent, degrees, money": {
		{"90^\\circ", "90"}, {"90^\\circ", "90^{\\circ}"}, {"90", "90°"}, {"30", "30\\%"}, {"42", "\\$42"},
		{"10", "10 \\text{ cm}"}, {"10", "10 inches"}, {"25", "25 \\text{ square units}"},
		{"12", "12\\text{ cm}^2"}, {"5", "5 \\mbox{ apples}"}, {"42", "42 dollars"}, {"2000", "\\$2,000"},
		{"18.90", "\\$18.90"},
	},
	"bases": {
		{"52_8", "52_{8}"}, {"40_9", "40_{9}"}, {"2516_8", "2516"},
	},
	"delimiters and spacing": {
		{"5", "$5$"}, {"5", "\\(5\\)"}, {"5", "\\[5\\]"}, {"\\frac{1}{2}", "\\left(\\frac{1}{2}\\right)"},
		{"5", " 5 "}, {"5", "\\boxed{5}"}, {"\\frac{1}{2}", "\\displaystyle\\frac{1}{2}"},
	},
	"infinity": {
		{"\\infty", "\\infty"}, {"-\\infty", "-inf"}, {"\\infty", "infinity"},
	},
	"repeating decimals": {
		{"0.\\overline{3}", "\\frac13"}, {"0.1\\overline{6}", "\\frac{1}{6}"}, {"1.\\overline{142857}", "\\frac{8}{7}"},
		{"0.\\overline{9}", "1"},
	},
	"aime and amc": {
		{"070", "70"}, {"007", "7"}, {"\\textbf{(D) }12", "D"}, {"\\mathrm{(E)}", "E"}, {"(A)", "\\text{A}"},
		{"248", "\\boxed{248}"}, {"33", "033"},
	},
	"minerva physics units": {
		{"3 \\times 10^{8}", "3e8"}, {"3 \\times 10^{8}", "3 \\times 10^{8} \\text{ m/s}"},
		{"9.8", "9.8 \\mathrm{~m} / \\mathrm{s}^{2}"}, {"4.5", "4.5\\,\\text{kg}"}, {"1.5 \\times 10^{-3}", "0.0015 \\text{ J}"},
		{"300", "300 \\mathrm{K}"}, {"6.63e-34", "6.63\\times10^{-34}"},
	},
	"olympiad forms": {
		{"\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"}, {"\\frac{1+\\sqrt{5}}{2}", "\\frac{\\sqrt5+1}{2}"},
		{"2^{10}", "1024"}, {"e^{i\\pi}", "-1"}, {"\\sqrt{2}+\\sqrt{3}", "\\sqrt{3}+\\sqrt{2}"},
		{"y = -\\frac{3}{4}x + 2", "-0.75x+2"}, {"(1,2)\\cup(3,4)", "(3,4)\\cup(1,2)"},
		{"n(n+1)/2", "\\frac{n^2+n}{2}"}, {"\\binom{n}{2}", "\\frac{n(n-1)}{2}"},
		{"(a+b)^3", "a^3+3a^2b+3ab^2+b^3"}, {"\\tan\\theta", "\\frac{\\sin\\theta}{\\cos\\theta}"},
		{"x \\in (-\\infty, 2)", "(-\\infty,2)"}, {"\\{-1, 1\\}", "x=\\pm1"}, {"\\frac{1}{2}x", "x/2"},
		{"\\dfrac{\\sqrt{6}}{2}", "\\sqrt{1.5}"}, {"\\ln(e^3)", "3"}, {"\\sin\\frac{\\pi}{6}", "\\frac12"},
		{"\\cos^2 x+\\sin^2 x", "1"}, {"4!", "24"}, {"\\sqrt[4]{16}", "2"}, {"|{-3}|", "3"},
	},
}

// notEqualCases must compare not equal, in both orders.
var notEqualCases = map[string][]pair{
	"integers":    {{"9", "8"}, {"42", "-42"}, {"2220", "2221"}, {"1000", "100"}, {"0", "1"}, {"720", "6"}},
	"fractions":   {{"\\frac{14}{3}", "\\frac{3}{14}"}, {"\\frac{3}{2}", "1.55"}, {"\\frac{1}{3}", "0.333"}, {"\\frac{448}{15625}", "0.028673"}, {"-\\frac12", "\\frac12"}, {"2\\frac{1}{2}", "1"}, {"2\\frac{x}{2}", "2+x/2"}},
	"decimals":    {{"0.15", "0.015"}, {"1500", "1.5e4"}, {"1.25", "1.26"}},
	"roots":       {{"3\\sqrt{13}", "\\sqrt{39}"}, {"11\\sqrt2", "11\\sqrt3"}, {"\\sqrt{2}", "1.414"}, {"-2", "\\sqrt[3]{8}"}, {"\\sqrt{5}", "5"}},
	"pi":          {{"\\pi", "3.14"}, {"-\\frac{\\pi}{6}", "\\frac{\\pi}{6}"}, {"\\frac{\\pi}{2}", "90"}, {"2\\pi", "\\pi^2"}},
	"complex":     {{"6 - 5i", "6+5i"}, {"6+9i", "6"}, {"i", "1"}, {"-2+7i", "2-7i"}},
	"expressions": {{"p - q", "q - p"}, {"x^3+3x-6", "x^3+3x+6"}, {"2k+2", "2k+1"}, {"\\cot x", "\\tan x"}, {"a^2-b^2", "(a-b)^2"}, {"xy", "x+y"}, {"x", "y"}, {"x^2", "x^3"}, {"p-q", "5"}},
	"equations":   {{"x=5", "6"}, {"x=5", "x=6"}, {"y=2x+3", "y=3x+2"}, {"x + y = 5", "5"}, {"x < 3", "x \\le 3"}, {"x>2", "x<2"}},
	"tuples":      {{"(3, \\frac{\\pi}{2})", "(\\frac{\\pi}{2}, 3)"}, {"(6,31,-1)", "(6,31,1)"}, {"(1,2,3)", "(1,2)"}, {"(-2,1)", "(1,-2)"}},
	"intervals":   {{"[-2,7)", "-2 < x < 7"}, {"(3,\\infty)", "x \\ge 3"}, {"x > 3", "x < 3"}, {"(-\\infty,-1)\\cup(2,\\infty)", "x < -1"}, {"1 < x < 2", "1 < x \\le 2"}, {"[1,2)", "(1,2]"}, {"[1,2]", "(1,2)"}, {"(-\\infty, 3]", "(-\\infty, 3)"}, {"(-\\infty,0)\\cup(1,\\infty)", "(-\\infty,0)"}, {"[2,5]", "[2,6]"}},
	"sets":        {{"1,-2", "1,2"}, {"3,5,7", "3,5"}, {"3, 5, 7", "3,5,7,9"}, {"\\{1,2\\}", "\\{1,3\\}"}, {"1,2", "3"}, {"\\emptyset", "0"}, {"\\{1,2\\}", "[1,2]"}, {"\\{1,2\\}", "(1,2]"}},
	"plus-minus":  {{"1 \\pm \\sqrt{19}", "1+\\sqrt{19}"}, {"\\pm 2", "2"}, {"1\\pm\\sqrt{19}", "1\\pm\\sqrt{17}"}},
	"matrices": {
		{"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}"},
		{"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 & 3 & 4 \\end{pmatrix}"},
		{"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(2, 1)"},
	},
	"multiple choice": {{"C", "D"}, {"(C)", "\\text{(B)}"}, {"A", "12"}},
	"text":            {{"no", "yes"}, {"\\text{Evelyn}", "Evelin"}, {"\\text{east}", "west"}, {"yes", "no"}, {"\\text{Evelyn}", "5"}},
	"units":           {{"90^\\circ", "45^\\circ"}, {"10", "10.5 cm"}, {"30", "30.1\\%"}, {"42", "\\$43"}},
	"bases":           {{"52_8", "42"}, {"40_9", "36"}},
	"infinity":        {{"\\infty", "-\\infty"}, {"\\infty", "10^{100}"}},
	"repeating":       {{"0.\\overline{3}", "0.3"}, {"0.1\\overline{6}", "0.16"}, {"0.\\overline{3}", "0.33"}},
	"aime and amc":    {{"070", "7"}, {"\\textbf{(D) }12", "C"}, {"248", "249"}, {"33", "3"}},
	"minerva":         {{"3 \\times 10^{8}", "3 \\times 10^{9}"}, {"9.8", "9.8 \\cdot 2 \\text{ m}"}, {"6.63e-34", "6.63\\times10^{34}"}, {"300", "310 \\mathrm{K}"}},
	"olympiad": {
		{"\\frac{\\sqrt{3}}{3}", "\\sqrt{3}"}, {"\\frac{1+\\sqrt{5}}{2}", "\\frac{1-\\sqrt{5}}{2}"}, {"2^{10}", "1023"},
		{"(a+b)^3", "a^3+b^3"}, {"n(n+1)/2", "n^2/2"}, {"\\binom{n}{2}", "n^2"}, {"(1,2)\\cup(3,4)", "(1,2)\\cup(3,5)"},
		{"\\sin x", "\\cos x"}, {"\\ln x", "\\log_2 x"}, {"e^x", "x^e"}, {"x^2+1", "x^2+1.000001"},
	},
}

func TestEqual(t *testing.T) {
	for cat, pairs := range equalCases {
		t.Run(cat, func(t *testing.T) {
			for _, p := range pairs {
				for _, q := range []pair{p, {p.pred, p.gold}} {
					if r := Check(q.gold, q.pred, Options{}); !r.Equal {
						t.Errorf("Check(%q, %q) = not equal (%s), want equal", q.gold, q.pred, r.Reason)
					}
				}
			}
		})
	}
}

func TestNotEqual(t *testing.T) {
	for cat, pairs := range notEqualCases {
		t.Run(cat, func(t *testing.T) {
			for _, p := range pairs {
				for _, q := range []pair{p, {p.pred, p.gold}} {
					if r := Check(q.gold, q.pred, Options{}); r.Equal {
						t.Errorf("Check(%q, %q) = equal, want not equal", q.gold, q.pred)
					}
				}
			}
		})
	}
}

// Every answer equals itself, and its normalised form is stable.
func TestReflexive(t *testing.T) {
	for _, pairs := range [](map[string][]pair){equalCases, notEqualCases} {
		for _, ps := range pairs {
			for _, p := range ps {
				for _, s := range []string{p.gold, p.pred} {
					if r := Check(s, s, Options{}); !r.Equal {
						t.Errorf("Check(%q, itself) = not equal (%s)", s, r.Reason)
					}
				}
			}
		}
	}
}

// Answers too large to evaluate still equal themselves, written the same or not.
func TestHugeEqualsItself(t *testing.T) {
	for _, c := range []pair{
		{"10^{10^{10}}", "10^{10^{10}}"}, {"x^{99999}", "x^{99999}"}, {"x^{99999}", "(x)^{99999}"},
		{"(x^{99999}, 2)", "\\left(x^{99999},2\\right)"}, {"\\{x^{99999}, 1\\}", "\\{1, x^{99999}\\}"},
	} {
		if r := Check(c.gold, c.pred, Options{}); !r.Equal {
			t.Errorf("Check(%q, %q) = %+v, want equal", c.gold, c.pred, r)
		}
	}
	// ...but not a different huge answer.
	if r := Check("x^{99999}", "x^{99998}", Options{}); r.Equal {
		t.Errorf("x^{99999} = x^{99998}")
	}
}

func TestBudget(t *testing.T) {
	cases := []struct {
		name, gold, pred string
		reason           string
	}{
		{"tower of powers", "10^{10^{10}}", "10^{10^{10}}+1", "too large"},
		{"huge power vs number", "10^{10^{10}}", "5", "too large"},
		{"long", strings.Repeat("1+", 2500) + "1", "2501", "longer than"},
		{"deep braces", strings.Repeat("{", 300) + "1" + strings.Repeat("}", 300), "1", "nested"},
		{"deep parens", strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "1", "nested"},
		{"huge exponent literal", "1e99999999", "1", "exponent"},
		{"factorial", "100000!", "1", "factorial"},
		{"many plus-minus", "\\pm1\\pm1\\pm1\\pm1\\pm1\\pm1", "0", "±"},
		{"many items", strings.Repeat("1,", 300) + "1", "1", "too many items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Check(c.gold, c.pred, Options{})
			if r.Equal || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("Check(%.40q, %q) = %+v, want not equal with a reason containing %q", c.gold, c.pred, r, c.reason)
			}
		})
	}
}

func TestNormalized(t *testing.T) {
	groups := [][]string{
		{"\\frac{1}{2}", "0.5", "1/2", "\\dfrac12", "x = 0.5"},
		{"1 \\pm \\sqrt{19}", "1-\\sqrt{19}, 1+\\sqrt{19}", "1+\\sqrt{19},1-\\sqrt{19}"},
		{"3\\sqrt{13}", "\\sqrt{117}"},
		{"\\text{Evelyn}", "evelyn", "The Evelyn"},
		{"1,000", "1000", "1000.0"},
		{"x+1", "1+x", "y = x + 1", "\\frac{2x+2}{2}"},
		{"(x-1)(x+1)", "x^2-1"},
	}
	for _, g := range groups {
		want := Parse(g[0], Options{}).Normalized()
		for _, s := range g[1:] {
			if got := Parse(s, Options{}).Normalized(); got != want {
				t.Errorf("Normalized(%q) = %q, want %q (as for %q)", s, got, want, g[0])
			}
		}
	}
	for _, p := range [][2]string{{"1/2", "1/3"}, {"x+1", "t+1"}, {"x+1", "x+2"}, {"\\sqrt2", "1.414"}} {
		if a, b := Parse(p[0], Options{}).Normalized(), Parse(p[1], Options{}).Normalized(); a == b {
			t.Errorf("Normalized: %q and %q both give %q", p[0], p[1], a)
		}
	}
}
