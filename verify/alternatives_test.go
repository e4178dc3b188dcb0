package verify

import "testing"

// TestAlternatives: a list ground truth means "any of these", as DeepScaleR's math reward
// (rllm RewardMathFn: every element of a list ground truth is tried, the first match wins)
// grades it. The cases are DeepScaleR Minerva rows (test/minerva.json rows 17, 38, 19) and
// the reference's own example; each alternative alone must be graded right, a value matching
// none wrong, and the order of the alternatives must not matter.
func TestAlternatives(t *testing.T) {
	cases := []struct {
		name   string
		alts   []string
		right  []string // completions' answers that match one alternative
		wrong  []string
		grader Grader
	}{
		{"minerva 17: two roundings", []string{"6630.65\n", "6630\n"}, []string{"6630.65", "6630"}, []string{"6630.6", "6631"}, GraderMath},
		{"minerva 38: 1e-3 written two ways", []string{"1 \\times 10^{-3}", "10^{-3}\n"}, []string{"10^{-3}", "1 \\times 10^{-3}", "0.001"}, []string{"10^{-2}"}, GraderMath},
		{"minerva 19: exact and rounded", []string{"\\arcsin{\\frac{1}{1.3}}", "\\arcsin{\\frac{10}{13}}\n"}, []string{"\\arcsin{\\frac{10}{13}}"}, []string{"\\arcsin{\\frac{1}{13}}"}, GraderMath},
		{"rllm example: a number or a polynomial", []string{"10", "$x^{4}-2 x^{3}-13 x^{2}+14 x+24$"}, []string{"10", "x^4-2x^3-13x^2+14x+24"}, []string{"11", "x^4"}, GraderMath},
		{"math-strict: byte-equal to one alternative", []string{"6630.65", "6630"}, []string{"6630.65", "6630"}, []string{"6630.650", " 6630"}, GraderMathStrict},
	}
	for _, c := range cases {
		for _, order := range []string{"as listed", "reversed"} {
			alts := append([]string(nil), c.alts...)
			if order == "reversed" {
				for i, j := 0, len(alts)-1; i < j; i, j = i+1, j-1 {
					alts[i], alts[j] = alts[j], alts[i]
				}
			}
			p := Prepare(Task{GroundTruth: alts[0], Alternatives: alts[1:]}, Options{Grader: c.grader})
			for _, want := range []bool{true, false} {
				answers := c.right
				if !want {
					answers = c.wrong
				}
				for _, a := range answers {
					o := p.Grade("<think>…</think> <answer>" + a + "</answer>")
					if o.Correct != want {
						t.Errorf("%s (%s): answer %q graded %v, want %v (%s)", c.name, order, a, o.Correct, want, o.Reason)
					}
				}
			}
		}
	}

	t.Run("blank alternatives are no ground truth", func(t *testing.T) {
		p := Prepare(Task{GroundTruth: " ", Alternatives: []string{"", "\n"}}, Options{})
		if !p.NoGroundTruth() {
			t.Errorf("a ground truth of blank alternatives is graded as if it had an answer")
		}
		if p := Prepare(Task{GroundTruth: "", Alternatives: []string{"7"}}, Options{}); p.NoGroundTruth() || !p.Grade("<answer>7</answer>").Correct {
			t.Errorf("an empty first alternative hides the second")
		}
	})
}
