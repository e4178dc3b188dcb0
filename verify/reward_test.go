package verify

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestRLFormat(t *testing.T) {
	cases := []struct {
		name        string
		text        string
		lax, strict bool
	}{
		{"one line", "<think>a</think><answer>5</answer>", true, true},
		{"space and newline between", "<think>a</think>\n <answer>5</answer>\n", true, true},
		{"newline inside think", "<think>a\nb</think><answer>5</answer>", true, false},
		{"newline inside answer", "<think>a</think><answer>5\n</answer>", true, false},
		{"leading white space trimmed", "  \n<think>a</think><answer>5</answer>", true, true},
		{"no think", "<answer>5</answer>", false, false},
		{"no opening think", "a</think><answer>5</answer>", false, false},
		{"text after answer", "<think>a</think><answer>5</answer> done", false, false},
		{"text between", "<think>a</think> so <answer>5</answer>", false, false},
		{"answer first", "<answer>5</answer><think>a</think>", false, false},
		{"empty", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RLFormat(c.text, false); got != c.lax {
				t.Errorf("RLFormat(%q, false) = %v, want %v", c.text, got, c.lax)
			}
			if got := RLFormat(c.text, true); got != c.strict {
				t.Errorf("RLFormat(%q, true) = %v, want %v", c.text, got, c.strict)
			}
		})
	}
}

// group builds graded completions: each entry is "F" (formatted) or "-" then the answer and
// whether it is correct ("+"/"-"), e.g. "F5+".
func group(specs ...string) []Graded {
	var g []Graded
	for _, s := range specs {
		formatted, answer, correct := s[0] == 'F', s[1:len(s)-1], s[len(s)-1] == '+'
		text := "<think>x</think><answer>" + answer + "</answer>"
		if !formatted {
			text = "answer " + answer
		}
		g = append(g, Graded{Text: text, Outcome: Outcome{Correct: correct, Answer: answer}})
	}
	return g
}

func TestGroupRewards(t *testing.T) {
	cases := []struct {
		name  string
		kind  RewardKind
		group []Graded
		want  []float64
	}{
		{"ground truth all correct", RewardGroundTruth, group("F5+", "F5+", "F5+"), []float64{1, 1, 1}},
		{"ground truth all wrong", RewardGroundTruth, group("F4-", "F3-"), []float64{0, 0}},
		{"ground truth needs format", RewardGroundTruth, group("F5+", "-5+", "F4-", "-4-"), []float64{1, 0, 0, 0}},
		{"incorrect", RewardIncorrect, group("F5+", "-5+", "F4-", "-4-"), []float64{0, 0, 1, 0}},
		{"format", RewardFormat, group("F5+", "-5+", "F4-", "-4-"), []float64{1, 0, 1, 0}},
		{"majority mixed", RewardMajority, group("F5+", "F4-", "F4-", "-3-"), []float64{0, 1, 1, 0}},
		{"majority ignores format", RewardMajority, group("-4-", "-4-", "F5+"), []float64{1, 1, 0}},
		// Tie 2–2: the answer seen first wins, though "4" reaches two votes first.
		{"majority tie goes to first seen", RewardMajority, group("F7-", "F4-", "F4-", "F7-"), []float64{1, 0, 0, 1}},
		{"majority all different", RewardMajority, group("F1-", "F2-", "F3+"), []float64{1, 0, 0}},
		{"majority no answers", RewardMajority, group("F-", "F-"), []float64{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := GroupRewards(c.group, RewardOptions{Kind: c.kind}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s rewards = %v, want %v", c.kind, got, c.want)
			}
		})
	}
}

// TestMajorityWithoutGroundTruth: the majority reward is label-free, so it votes on the
// answers of a problem that has no ground truth (before, Grade extracted nothing there and
// every reward was 0), while every grader still calls them incorrect.
func TestMajorityWithoutGroundTruth(t *testing.T) {
	texts := []string{"<think>a</think> <answer>0.5</answer>", "<think>b</think> <answer>\\frac{1}{2}</answer>", "<think>c</think> <answer>3</answer>", "no answer"}
	p := Prepare(Task{}, Options{})
	var group []Graded
	for _, s := range texts {
		o := p.Grade(s)
		if o.Correct || o.Reward != 0 || o.Reason != "no ground_truth" {
			t.Errorf("Grade(%q) = %+v; want incorrect, reason no ground_truth", s, o)
		}
		group = append(group, Graded{Text: s, Outcome: o})
	}
	got, err := GroupRewards(group, RewardOptions{Kind: RewardMajority}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("majority rewards %v, want %v (0.5 and 1/2 are one answer)", got, want)
	}
}

func TestGroupRewardsEntropy(t *testing.T) {
	g := []Graded{
		{TokenLogprobs: []float32{-1, -2, -3}},
		{TokenLogprobs: []float32{-0.5}},
		{}, // no tokens: reward 0
	}
	got, err := GroupRewards(g, RewardOptions{Kind: RewardEntropy}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-2, -0.5, 0}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("entropy reward %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestGroupRewardsRandom(t *testing.T) {
	// The rewards are format × (u < p) with one draw per completion: replay the stream.
	specs := make([]string, 4000)
	for i := range specs {
		specs[i] = "F5+"
		if i%4 == 0 {
			specs[i] = "-5+"
		}
	}
	g := group(specs...)
	for _, p := range []float64{0, 0.2, 0.9} {
		got, err := GroupRewards(g, RewardOptions{Kind: RewardRandom, P: p}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		replay := rand.New(rand.NewPCG(1, 2))
		want := p
		if want == 0 {
			want = 0.5
		}
		var ones, formatted float64
		for i, r := range got {
			u := replay.Float64()
			exp := 0.0
			if i%4 != 0 && u < want {
				exp = 1
			}
			if r != exp {
				t.Fatalf("p=%v: reward %d = %v, want %v", p, i, r, exp)
			}
			if i%4 != 0 {
				formatted++
				ones += r
			}
		}
		// Bernoulli mean within 4 standard errors.
		if se := math.Sqrt(want * (1 - want) / formatted); math.Abs(ones/formatted-want) > 4*se {
			t.Errorf("p=%v: rate %v among formatted completions", p, ones/formatted)
		}
	}
	if _, err := GroupRewards(g, RewardOptions{Kind: RewardRandom}, nil); err == nil {
		t.Error("random reward without a source: no error")
	}
	if _, err := GroupRewards(g, RewardOptions{Kind: RewardRandom, P: 1.5}, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error("random reward with p 1.5: no error")
	}
}

func TestParseRewardKind(t *testing.T) {
	for _, k := range RewardKinds {
		if got, err := ParseRewardKind(string(k)); err != nil || got != k {
			t.Errorf("ParseRewardKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseRewardKind("maj_vote"); err == nil || !strings.Contains(err.Error(), "majority") {
		t.Errorf("ParseRewardKind(maj_vote) = %v, want an error listing the rewards", err)
	}
}
