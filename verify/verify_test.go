package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify/logic"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

const game24 = `{"question": "Make 24 from [2, 6, 7, 9].", "answer": "", "difficulty": 1,
 "metadata": {"numbers": [2, 6, 7, 9], "operators": ["+", "-", "*", "/"], "result": 24}, "gpt_response": ""}`

func TestParseGrader(t *testing.T) {
	for _, s := range []string{"", "auto", "math", "math-strict", "math-verify", "synlogic"} {
		if _, err := ParseGrader(s); err != nil {
			t.Errorf("ParseGrader(%q): %v", s, err)
		}
	}
	if _, err := ParseGrader("sympy"); err == nil || !strings.Contains(err.Error(), "math-strict") {
		t.Errorf("ParseGrader(sympy) = %v, want an error listing the graders", err)
	}
}

func TestReward(t *testing.T) {
	cases := []struct {
		correct, formatOK bool
		penalty, want     float64
	}{
		{true, true, 0, 1}, {false, true, 0, 0}, {true, false, 0, 1}, {false, false, 0, 0},
		{true, true, 1, 1}, {false, true, 1, 0}, {true, false, 1, -1}, {false, false, 0.5, -0.5},
	}
	for _, c := range cases {
		if got := Reward(c.correct, c.formatOK, c.penalty); got != c.want {
			t.Errorf("Reward(%v, %v, %v) = %v, want %v", c.correct, c.formatOK, c.penalty, got, c.want)
		}
	}
}

func TestGrade(t *testing.T) {
	cases := []struct {
		name       string
		task       Task
		opts       Options
		completion string
		want       Outcome
	}{
		{"math think-answer", Task{GroundTruth: "\\frac{1}{2}"}, Options{},
			"<think>half</think> <answer>0.5</answer>",
			Outcome{Correct: true, Reward: 1, Answer: "1/2", Extracted: "0.5", Grader: GraderMath, Rule: "answer-tag", FormatOK: true}},
		{"math boxed wrong", Task{GroundTruth: "9"}, Options{},
			"so $\\boxed{8}$",
			Outcome{Answer: "8", Extracted: "8", Grader: GraderMath, Rule: "boxed"}},
		{"math no answer", Task{GroundTruth: "9"}, Options{Format: vmath.FormatThinkAnswer},
			"so $\\boxed{9}$",
			Outcome{Grader: GraderMath, NoAnswer: true, Reason: "no answer found (format think-answer)"}},
		{"math last number when asked", Task{GroundTruth: "9"}, Options{LastNumber: true},
			"it is 9",
			Outcome{Correct: true, Reward: 1, Answer: "9", Extracted: "9", Grader: GraderMath, Rule: "last-number"}},
		{"format penalty", Task{GroundTruth: "9"}, Options{FormatPenalty: 1},
			"\\boxed{9}",
			Outcome{Correct: true, Reward: -1, Answer: "9", Extracted: "9", Grader: GraderMath, Rule: "boxed"}},
		{"gsm8k gold solution", Task{GroundTruth: "She pays 2*3=6 dollars.\n#### 6"}, Options{},
			"#### 6",
			Outcome{Correct: true, Reward: 1, Answer: "6", Extracted: "6", Grader: GraderMath, Rule: "hashes"}},
		{"over budget", Task{GroundTruth: "5"}, Options{},
			"\\boxed{10^{10^{10}}}",
			Outcome{Answer: "^(10,^(10,10))", Extracted: "10^{10^{10}}", Grader: GraderMath, Rule: "boxed", OverBudget: true, Reason: "math: over budget: number too large to compare"}},
		{"strict exact", Task{GroundTruth: "42"}, Options{Grader: GraderMathStrict},
			"<think>x</think><answer>42</answer>",
			Outcome{Correct: true, Reward: 1, Answer: "42", Extracted: "42", Grader: GraderMathStrict, Rule: "answer-tag", FormatOK: true}},
		{"strict keeps spaces", Task{GroundTruth: "42"}, Options{Grader: GraderMathStrict},
			"<think>x</think><answer> 42</answer>",
			Outcome{Answer: " 42", Extracted: " 42", Grader: GraderMathStrict, Rule: "answer-tag", FormatOK: true}},
		{"strict first tag wins", Task{GroundTruth: "42"}, Options{Grader: GraderMathStrict},
			"<answer>41</answer> no, <answer>42</answer>",
			Outcome{Answer: "41", Extracted: "41", Grader: GraderMathStrict, Rule: "answer-tag"}},
		{"strict multi-line answer not seen", Task{GroundTruth: "42"}, Options{Grader: GraderMathStrict},
			"<answer>\n42\n</answer>",
			Outcome{Grader: GraderMathStrict, NoAnswer: true, Reason: "no single-line <answer>…</answer> in the completion"}},
		{"strict no tag", Task{GroundTruth: "42"}, Options{Grader: GraderMathStrict},
			"\\boxed{42}",
			Outcome{Grader: GraderMathStrict, NoAnswer: true, Reason: "no single-line <answer>…</answer> in the completion"}},
		{"auto synlogic correct", Task{DataSource: "game_of_24", Extra: map[string]any{"game_data_str": game24}}, Options{},
			"</think>\n<answer>\n```python\n(9-7+2)*6\n```\n</answer>",
			Outcome{Correct: true, Reward: 1, Answer: "(9-7+2)*6", Extracted: "(9-7+2)*6", Grader: GraderSynLogic, Rule: "synlogic:game_of_24", FormatOK: true}},
		{"auto unknown synlogic task", Task{DataSource: "val/maze_of_doom", Extra: map[string]any{"extra_info": map[string]any{"game_data_str": game24}}}, Options{},
			"x",
			Outcome{Grader: GraderSynLogic, UnknownTask: "val/maze_of_doom", Reason: `unknown SynLogic task "val/maze_of_doom"`}},
		{"synlogic rebuilt from original question", Task{DataSource: "val/game_of_24", Extra: map[string]any{"extra_info": map[string]any{
			"game_data_str": nil, "original_question": "24 from [2, 6, 7, 9]",
			"metadata": `{"numbers": [2, 6, 7, 9], "operators": ["+", "-", "*", "/"], "result": 24}`}}}, Options{},
			"```python\n6*(9-7+2)\n```",
			Outcome{Correct: true, Reward: 1, Answer: "6*(9-7+2)", Extracted: "6*(9-7+2)", Grader: GraderSynLogic, Rule: "synlogic:val/game_of_24"}},
		{"synlogic without data source", Task{GroundTruth: "5"}, Options{Grader: GraderSynLogic},
			"\\boxed{5}",
			Outcome{Grader: GraderSynLogic, UnknownTask: NoDataSource, Reason: `unknown SynLogic task ""`}},
		{"synlogic without game data", Task{DataSource: "game_of_24"}, Options{Grader: GraderSynLogic},
			"x",
			Outcome{Grader: GraderSynLogic, Reason: "no game_data_str in extra"}},
		// An empty gold is a data error, not an answer: nothing may match it. The answer is
		// still found (the majority reward votes on it).
		{"math no ground truth", Task{GroundTruth: " "}, Options{},
			"\\boxed{}",
			Outcome{Grader: GraderMath, Rule: "boxed", Reason: "no ground_truth"}},
		{"math no ground truth, an answer", Task{GroundTruth: " "}, Options{},
			"\\boxed{0.5}",
			Outcome{Grader: GraderMath, Rule: "boxed", Extracted: "0.5", Answer: "1/2", Reason: "no ground_truth"}},
		{"strict no ground truth", Task{}, Options{Grader: GraderMathStrict},
			"<think>x</think><answer></answer>",
			Outcome{Grader: GraderMathStrict, FormatOK: true, Rule: "answer-tag", Reason: "no ground_truth"}},
		{"math-verify no ground truth", Task{}, Options{Grader: GraderMathVerify},
			"The answer is 7",
			Outcome{Grader: GraderMathVerify, Rule: "mv-answer", Extracted: "7", Answer: "7", Reason: "no ground_truth"}},
		// math-verify: free text is searched; the ground truth is read whole; its verdicts.
		{"math-verify free text", Task{GroundTruth: "\\frac{1}{3}"}, Options{Grader: GraderMathVerify},
			"So the probability is 0.333333 in the end.",
			Outcome{Correct: true, Reward: 1, Answer: "333333/1000000", Extracted: "0.333333", Grader: GraderMathVerify, Rule: "mv-expr"}},
		{"math-verify boxed chain", Task{GroundTruth: "11"}, Options{Grader: GraderMathVerify},
			"Thus $x = 5+5+1 = \\boxed{11}$.",
			Outcome{Correct: true, Reward: 1, Answer: "11", Extracted: "11", Grader: GraderMathVerify, Rule: "mv-boxed"}},
		{"math-verify gsm8k gold", Task{GroundTruth: "She pays 2*3=6 dollars.\n#### 6"}, Options{Grader: GraderMathVerify},
			"The final answer is 6",
			Outcome{Correct: true, Reward: 1, Answer: "6", Extracted: "6", Grader: GraderMathVerify, Rule: "mv-final-answer"}},
		{"math-verify alternative ground truths", Task{GroundTruth: "6630.65", Alternatives: []string{"6630"}}, Options{Grader: GraderMathVerify},
			"so about 6630 dollars",
			Outcome{Correct: true, Reward: 1, Answer: "6630", Extracted: "6630", Grader: GraderMathVerify, Rule: "mv-expr"}},
		{"math-verify no answer", Task{GroundTruth: "5"}, Options{Grader: GraderMathVerify},
			"<think>x</think><answer>5</answer>",
			Outcome{Grader: GraderMathVerify, FormatOK: true, NoAnswer: true, Reason: "no answer found (math-verify extraction: no LaTeX, number or expression that parses)"}},
		{"math-verify unclosed box", Task{GroundTruth: "2"}, Options{Grader: GraderMathVerify},
			"The answer is \\boxed{2",
			Outcome{Grader: GraderMathVerify, NoAnswer: true, Reason: "no answer found (math-verify extraction: no LaTeX, number or expression that parses): the last \\boxed{ is never closed (a truncated answer)"}},
		// Issue 17: an unclosed box is no answer, with the reason; GSM8K's marker only at a line start.
		{"unclosed box", Task{GroundTruth: "2"}, Options{},
			"The answer is \\boxed{2",
			Outcome{Grader: GraderMath, NoAnswer: true, Reason: "no answer found (format any): the last \\boxed{ is never closed (a truncated answer)"}},
		{"malformed answer in a closed tag", Task{GroundTruth: "2"}, Options{},
			"<answer>\\boxed{2</answer>",
			Outcome{Answer: "2", Extracted: "\\boxed{2", Grader: GraderMath, Rule: "answer-tag", Reason: `"\\boxed{2" is not well-formed math (unbalanced brackets or a dangling operator); compared as text`}},
		{"hashes mid-word", Task{GroundTruth: "7"}, Options{},
			"the hash ab####12 then\nAnswer: 7",
			Outcome{Correct: true, Reward: 1, Answer: "7", Extracted: "7", Grader: GraderMath, Rule: "answer-line"}},
		{"auto math data source", Task{DataSource: "math500", GroundTruth: "(3, \\frac{\\pi}{2})"}, Options{},
			"\\boxed{\\left(3, \\pi/2\\right)}",
			Outcome{Correct: true, Reward: 1, Answer: "(3,1.570796327)", Extracted: "\\left(3, \\pi/2\\right)", Grader: GraderMath, Rule: "boxed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Prepare(c.task, c.opts).Grade(c.completion)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Grade(%q) =\n %+v\nwant\n %+v", c.completion, got, c.want)
			}
		})
	}
}

// The synlogic verifier runs on the decoded game data, not only on the task name: a
// wrong expression over the right numbers fails.
func TestGradeSynLogicWrong(t *testing.T) {
	p := Prepare(Task{DataSource: "game_of_24", Extra: map[string]any{"game_data_str": game24}}, Options{})
	if o := p.Grade("```python\n9*7+6+2\n```"); o.Correct || o.Reason == "" {
		t.Errorf("9*7+6+2 graded %+v, want incorrect with a reason", o)
	}
}

// math-strict reproduces the paper's exact string rule; these pairs show where it
// differs from the math grader.
func TestStrictVersusMath(t *testing.T) {
	cases := []struct {
		gold, answer string
		strict, math bool
	}{
		{"42", "42", true, true},
		{"\\frac{1}{2}", "0.5", false, true},
		{"\\frac{1}{2}", "\\dfrac{1}{2}", false, true},
		{"5", "x = 5", false, true},
		{"5", "\\boxed{5}", false, true},
		{"1,-2", "-2, 1", false, true},
		{"90^\\circ", "90", false, true},
		{"42", "43", false, false},
	}
	for _, c := range cases {
		text := "<think>…</think> <answer>" + c.answer + "</answer>"
		s := Prepare(Task{GroundTruth: c.gold}, Options{Grader: GraderMathStrict}).Grade(text)
		m := Prepare(Task{GroundTruth: c.gold}, Options{Grader: GraderMath}).Grade(text)
		if s.Correct != c.strict || m.Correct != c.math {
			t.Errorf("gold %q answer %q: strict %v math %v, want %v %v", c.gold, c.answer, s.Correct, m.Correct, c.strict, c.math)
		}
	}
}

// items makes n problems whose completions alternate right, wrong and answerless.
func items(n, per int) []datasets.Sample {
	out := make([]datasets.Sample, n)
	for i := range out {
		gold := fmt.Sprint(i)
		var texts []string
		for j := 0; j < per; j++ {
			switch j % 3 {
			case 0:
				texts = append(texts, "<think>t</think><answer>"+gold+"</answer>")
			case 1:
				texts = append(texts, "\\boxed{"+fmt.Sprint(i+1)+"}")
			default:
				texts = append(texts, "no idea")
			}
		}
		out[i] = sample(datasets.Problem{ID: gold, GroundTruth: datasets.Answer(gold)}, texts...)
	}
	return out
}

// sample is p with completions of these texts.
func sample(p datasets.Problem, texts ...string) datasets.Sample {
	s := datasets.Sample{Problem: p}
	for _, t := range texts {
		s.Completions = append(s.Completions, datasets.Completion{Text: t, FinishReason: datasets.FinishStop})
	}
	return s
}

// source yields its, or at position failAt a read error instead.
func source(its []datasets.Sample, failAt int) iter.Seq2[datasets.Sample, error] {
	return func(yield func(datasets.Sample, error) bool) {
		for i, s := range its {
			if i == failAt {
				yield(datasets.Sample{}, errors.New("samples.jsonl:7: bad line"))
				return
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

func TestScore(t *testing.T) {
	its := items(50, 70) // 70 completions: several chunks per problem
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			var got []Scored
			sum, err := Score(context.Background(), Options{Workers: workers}, source(its, -1), func(s Scored) error {
				got = append(got, s)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(its) {
				t.Fatalf("emitted %d items, want %d", len(got), len(its))
			}
			// Same grades as grading serially, in input order.
			want := newSummary()
			for i, s := range got {
				if s.Sample.ID != fmt.Sprint(i) {
					t.Fatalf("item %s emitted at position %d", s.Sample.ID, i)
				}
				p := Prepare(TaskOf(its[i].Problem), Options{})
				serial := Scored{Sample: its[i], Grader: p.Grader(), UnknownTask: p.UnknownTask(), NoGroundTruth: p.NoGroundTruth()}
				for j, c := range its[i].Completions {
					o := p.Grade(c.Text)
					serial.Outcomes = append(serial.Outcomes, o)
					if o != s.Outcomes[j] {
						t.Fatalf("item %d completion %d: %+v, serial %+v", i, j, s.Outcomes[j], o)
					}
				}
				want.add(serial)
			}
			if !reflect.DeepEqual(sum, want) {
				t.Errorf("summary %+v, want %+v", sum, want)
			}
			// 70 completions: indices 0,3,...,69 are right (24), 1,4,... wrong, 2,5,... answerless (23).
			if sum.Completions != 50*70 || sum.Correct != 50*24 || sum.NoAnswer != 50*23 || sum.FormatErrors != 50*46 || sum.NoGroundTruth != 0 {
				t.Errorf("summary counts %+v", sum)
			}
		})
	}
}

func TestScoreErrors(t *testing.T) {
	its := items(20, 5)
	t.Run("read error keeps earlier items", func(t *testing.T) {
		n := 0
		sum, err := Score(context.Background(), Options{Workers: 2}, source(its, 12), func(Scored) error { n++; return nil })
		if err == nil || !strings.Contains(err.Error(), "samples.jsonl:7") {
			t.Fatalf("err = %v, want the read error", err)
		}
		if n != 12 || sum.Problems != 12 {
			t.Errorf("emitted %d items (summary %d), want the 12 read before the error", n, sum.Problems)
		}
	})
	t.Run("emit error stops", func(t *testing.T) {
		n := 0
		_, err := Score(context.Background(), Options{Workers: 2}, source(its, -1), func(Scored) error {
			n++
			if n == 3 {
				return errors.New("disk full")
			}
			return nil
		})
		if err == nil || err.Error() != "disk full" || n != 3 {
			t.Errorf("err = %v after %d items, want disk full after 3", err, n)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Score(ctx, Options{Workers: 2}, source(items(1000, 5), -1), func(Scored) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		// A negative penalty or worker count would be ignored or read as a default: refused,
		// before the first sample is read.
		for _, o := range []Options{{FormatPenalty: -1}, {Workers: -1}, {Grader: "exact"}} {
			read := false
			_, err := Score(context.Background(), o, func(yield func(datasets.Sample, error) bool) { read = true }, func(Scored) error { return nil })
			if err == nil || read {
				t.Errorf("%+v: err = %v, samples read %v; want an error before reading", o, err, read)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		sum, err := Score(context.Background(), Options{}, source(nil, -1), func(Scored) error { return nil })
		if err != nil || sum.Problems != 0 {
			t.Errorf("Score(empty) = %+v, %v", sum, err)
		}
	})
}

// TestSummaryCanonicalTask checks that a SynLogic task written two ways is one task in the
// summary, while each outcome keeps the data_source it was given.
func TestSummaryCanonicalTask(t *testing.T) {
	var its []datasets.Sample
	for _, src := range []string{"val/game_of_24", "game_of_24", "GameOf24"} {
		its = append(its, sample(datasets.Problem{DataSource: src, Extra: map[string]any{"game_data_str": game24}},
			"```python\n(9-7+2)*6\n```", "```python\n9*7\n```", "no expression here"))
	}
	var rules []string
	sum, err := Score(context.Background(), Options{Workers: 2}, source(its, -1), func(s Scored) error {
		rules = append(rules, s.Outcomes[0].Rule)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The third completion of each problem has no answer: it is an extraction failure, not an
	// answer found by the task's rule.
	if len(sum.ByRule) != 1 || sum.ByRule["synlogic:game_of_24"] != 6 || sum.Correct != 3 || sum.NoAnswer != 3 {
		t.Errorf("summary by rule %v, correct %d, no answer %d; want synlogic:game_of_24 6, correct 3, no answer 3",
			sum.ByRule, sum.Correct, sum.NoAnswer)
	}
	if want := []string{"synlogic:val/game_of_24", "synlogic:game_of_24", "synlogic:GameOf24"}; !slices.Equal(rules, want) {
		t.Errorf("outcome rules %q, want %q", rules, want)
	}
}

func TestAutoDispatch(t *testing.T) {
	for _, name := range logic.Tasks() {
		for _, ds := range []string{name, "val/" + name} {
			if g := Prepare(Task{DataSource: ds, GroundTruth: "1"}, Options{}).Grader(); g != GraderSynLogic {
				t.Errorf("auto grader for data_source %q = %s, want synlogic", ds, g)
			}
		}
	}
	for _, ds := range []string{"", "math", "math500", "gsm8k", "aime", "deepscaler", "HuggingFaceH4/MATH-500"} {
		if g := Prepare(Task{DataSource: ds, GroundTruth: "1"}, Options{}).Grader(); g != GraderMath {
			t.Errorf("auto grader for data_source %q = %s, want math", ds, g)
		}
	}
	if g := Prepare(Task{DataSource: "puzzles", Ability: "logic"}, Options{}).Grader(); g != GraderSynLogic {
		t.Errorf("auto grader for an unknown logic task = %s, want synlogic (reported unknown)", g)
	}
}

// Problems without a ground_truth are counted in the summary, so a conversion that lost the
// answers shows up as a warning rather than as a model scoring 0%.
func TestSummaryNoGroundTruth(t *testing.T) {
	its := items(4, 3)
	its[1].GroundTruth = datasets.Answer("")
	its[3].GroundTruth = datasets.Answer("  ")
	sum, err := Score(context.Background(), Options{Workers: 2}, source(its, -1), func(Scored) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.NoGroundTruth != 2 || sum.Correct != 2 {
		t.Errorf("no ground truth %d, correct %d; want 2 and 2 (one per problem with a gold)", sum.NoGroundTruth, sum.Correct)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("zero Options: %v", err)
	}
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Grader: "llm"}, `unknown grader "llm"`},
		{Options{Format: "xml"}, `unknown answer format "xml"`},
		{Options{FormatPenalty: -1}, "--format-penalty -1"},
		{Options{FormatPenalty: math.NaN()}, "--format-penalty NaN"},
		{Options{Workers: -2}, "--workers -2"},
	} {
		if err := tc.opts.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: Validate = %v; want %q", tc.opts, err, tc.want)
		}
	}
}

// A samples line in verl's dump layout (game_data_str under a top-level extra_info) is graded
// by its SynLogic verifier through ScanSamples and TaskOf; Options.SynLogic reaches the
// verifier (upstream reads "invalid" as "valid", i.e. -1).
func TestSynLogicSamplesLine(t *testing.T) {
	gd, _ := json.Marshal(`{"question": "q", "answer": "-1", "metadata": {"is_valid": true, "first_error_pos": null}}`)
	line := `{"id": "d1", "prompt": "p", "data_source": "dyck_language_errors", "extra_info": {"game_data_str": ` + string(gd) + `}, "completions": []}`
	path := filepath.Join(t.TempDir(), "samples.jsonl")
	if err := os.WriteFile(path, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ss, err := datasets.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts     Options
		response string
		want     bool
	}{
		{Options{}, "<think>scan</think><answer>-1</answer>", true},
		{Options{}, "The sequence is valid.", true},
		{Options{}, "invalid", false},
		{Options{SynLogic: logic.Options{Upstream: true}}, "invalid", true},
		{Options{}, "3", false},
	} {
		o := Prepare(TaskOf(ss[0].Problem), tc.opts).Grade(tc.response)
		if o.Grader != GraderSynLogic || o.Correct != tc.want {
			t.Errorf("%+v %q: %+v, want synlogic correct=%v", tc.opts.SynLogic, tc.response, o, tc.want)
		}
	}
}

// Score stops reading its samples when emit fails (a full disk must not read a large file to
// its end), and Graded writes each outcome into its completion without touching the input.
func TestScoreStopsReadingAndGraded(t *testing.T) {
	its := items(1000, 3)
	read := 0
	counted := func(yield func(datasets.Sample, error) bool) {
		for s, err := range source(its, -1) {
			read++
			if !yield(s, err) {
				return
			}
		}
	}
	var first Scored
	_, err := Score(context.Background(), Options{Workers: 2}, counted, func(sc Scored) error {
		first = sc
		return errors.New("disk full")
	})
	if err == nil || read >= len(its) {
		t.Errorf("err %v after reading %d of %d samples; want disk full, reading stopped early", err, read, len(its))
	}
	g := first.Graded()
	for i, c := range g.Completions {
		o := first.Outcomes[i]
		if c.Correct == nil || *c.Correct != o.Correct || c.Reward == nil || *c.Reward != o.Reward || c.Answer != o.Answer || c.Reason != o.Reason {
			t.Errorf("completion %d: %+v; outcome %+v", i, c, o)
		}
		if want := map[bool]string{true: "", false: o.Rule}[o.NoAnswer]; c.Rule != want {
			t.Errorf("completion %d: rule %q, want %q", i, c.Rule, want)
		}
		if first.Sample.Completions[i].Correct != nil {
			t.Errorf("Graded changed the scored sample's completion %d", i)
		}
	}
	if *g.Completions[0].Correct != true || *g.Completions[1].Correct != false || g.Completions[2].Rule != "" {
		t.Errorf("graded %+v; want right, wrong, answerless", g.Completions)
	}
}
