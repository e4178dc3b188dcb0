// Package verify grades completions and turns grades into RL rewards. It picks a grader per
// problem, runs it, and scores whole samples files in parallel.
//
// Graders (Grader):
//   - math: extracts the final answer (verify/math.Extract, by Options.Format) and compares
//     it with the ground truth for mathematical equivalence (verify/math.Compare). A task
//     with Alternatives (a list ground truth) is right when any of its answers matches.
//   - math-strict: the released paper code's rule (hkust-nlp/model-task-align-rl,
//     src/syn_logic_reward.py, compute_math_score_wo_think_format — its math validation
//     accuracy), kept so its numbers can be reproduced: the FIRST <answer>…</answer> whose
//     content holds no newline (Python's re.findall without DOTALL) must equal the ground
//     truth string (or one of the Alternatives) byte for byte, nothing stripped.
//     "\frac{1}{2}" vs "0.5", "x=5" vs "5", " 5" vs "5" or an answer spread over two lines all
//     fail here and pass under math.
//   - math-verify: Hugging Face math-verify's rules (what lm-evaluation-harness, open-r1 and
//     TRL grade with), re-implemented: the answer is found in free text as math-verify's
//     parse finds it (verify/math.ExtractMathVerify: "final answer is …", \boxed{}, "answer: …",
//     else the last LaTeX or plain number; Options.Format does not apply), the ground truth is
//     read whole as verl's math_verify reward does (verify/math.ParseMathVerify), and they are
//     compared as its verify does (verify/math.Options.MathVerify: decimals rounded to 6
//     places, gold-led equation unwrapping, so not symmetric).
//   - synlogic: the SynLogic task verifier named by data_source (verify/logic), given the
//     instance in extra.game_data_str.
//   - auto (default): synlogic when data_source names a known SynLogic task; a problem that
//     carries SynLogic game data or ability "logic" under an unknown task name is reported
//     as an unknown task (not silently graded as math); everything else is math.
//
// Rewards (Reward): 1 for a correct completion, 0 for a wrong one. With
// Options.FormatPenalty > 0 a completion that does not follow the
// "<think> … </think> <answer> … </answer>" format (math.ThinkAnswerFormat) gets
// −FormatPenalty instead, whether or not its answer is right, as R1-style reward code does
// to teach the format.
//
// A Problem is prepared once (its gold answer parsed once) and grades any number of
// completions; it is safe for concurrent use. Score grades a stream of problems over all
// cores and returns them in input order. Grading never fails: a completion without an
// answer, an over-budget answer or a malformed SynLogic instance is incorrect with a Reason,
// and counted in the Summary.
package verify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify/logic"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// paperAnswerTag is the released paper code's answer pattern, r'<answer>(.*?)</answer>'
// without DOTALL: Go's '.' likewise stops at '\n', and the leftmost match is Python's
// findall(...)[0].
var paperAnswerTag = regexp.MustCompile(`<answer>(.*?)</answer>`)

// Grader names a grading rule.
type Grader string

// The graders; the package doc says what each does.
const (
	GraderAuto       Grader = "auto"        // synlogic for known SynLogic tasks, else math
	GraderMath       Grader = "math"        // extract the answer and compare it mathematically
	GraderMathStrict Grader = "math-strict" // the released paper code's <answer> string match
	GraderMathVerify Grader = "math-verify" // Hugging Face math-verify's extraction and comparison
	GraderSynLogic   Grader = "synlogic"    // the task's SynLogic verifier
)

// ParseGrader checks a grader name; "" means GraderAuto.
func ParseGrader(s string) (Grader, error) {
	switch g := Grader(s); g {
	case "":
		return GraderAuto, nil
	case GraderAuto, GraderMath, GraderMathStrict, GraderMathVerify, GraderSynLogic:
		return g, nil
	}
	return "", fmt.Errorf("verify: unknown grader %q (want auto, math, math-strict, math-verify or synlogic)", s)
}

// Options configure grading. The zero value grades with auto, extracts answers in any
// format without the last-number fallback, and gives no format penalty.
type Options struct {
	// Grader selects the grading rule; "" is GraderAuto.
	Grader Grader
	// Format selects where the math grader looks for the answer; "" is math.FormatAny.
	Format vmath.Format
	// LastNumber lets the math grader fall back to the last number of the completion.
	LastNumber bool
	// FormatPenalty, when > 0, is subtracted as the reward of completions not in the
	// think/answer format (reward −FormatPenalty instead of 0 or 1).
	FormatPenalty float64
	// Math tunes the math comparisons (tolerance, budgets).
	Math vmath.Options
	// SynLogic tunes the SynLogic verifiers (Upstream: upstream SynLogic's verdicts where
	// mirage deliberately differs, docs/synlogic.md).
	SynLogic logic.Options
	// Workers is the number of grading goroutines of Score; 0 means GOMAXPROCS.
	Workers int
}

// Validate reports the first option outside its range, naming it by the mirage flag that sets
// it (--grader, --format, --format-penalty, --workers): a negative penalty would be ignored by
// Reward and a negative worker count read as "one per core", so they are refused instead of
// grading with something the caller did not ask for.
func (o Options) Validate() error {
	if _, err := ParseGrader(string(o.Grader)); err != nil {
		return err
	}
	if _, err := vmath.ParseFormat(string(o.Format)); err != nil {
		return err
	}
	if !(o.FormatPenalty >= 0) {
		return fmt.Errorf("verify: --format-penalty %v; want 0 (none) or more (the reward of a badly formatted completion is minus it)", o.FormatPenalty)
	}
	if o.Workers < 0 {
		return fmt.Errorf("verify: --workers %d; want 0 (one per core) or more", o.Workers)
	}
	return nil
}

// Task is the part of a problem graders need.
type Task struct {
	ID         string
	DataSource string
	Ability    string
	// GroundTruth is the reference answer, and Alternatives further accepted ones: a list
	// ground truth (DeepScaleR's Minerva ["6630.65", "6630"], a verl
	// reward_model.ground_truth list) means any of these, as DeepScaleR's math reward grades
	// it, so a math completion is correct when it matches GroundTruth or any alternative.
	// The SynLogic grader reads the instance in Extra and ignores both.
	GroundTruth  string
	Alternatives []string
	// Extra holds SynLogic's game_data_str (at the top level or under extra_info), as a
	// JSON string or an already decoded object.
	Extra map[string]any
}

// TaskOf is the grading part of a problem: the one conversion from the data layer's records,
// used by mirage verify, contamination and the RL rewards alike. A list ground truth gives
// its first answer as GroundTruth and the others as Alternatives.
func TaskOf(p datasets.Problem) Task {
	t := Task{ID: p.ID, DataSource: p.DataSource, Ability: p.Ability, Extra: p.Extra}
	if alts := p.GroundTruth.Alternatives(); len(alts) > 0 {
		t.GroundTruth, t.Alternatives = alts[0], alts[1:]
	}
	return t
}

// Outcome is the grade of one completion.
type Outcome struct {
	Correct bool
	Reward  float64
	// Answer is the normalised extracted answer, for majority voting ("" when none).
	Answer string
	// Extracted is the answer text as found in the completion.
	Extracted string
	// Grader is the grader that ran (never auto).
	Grader Grader
	// Rule is the extraction rule (math graders) or "synlogic:<task>".
	Rule string
	// FormatOK reports whether the completion follows the think/answer format.
	FormatOK bool
	// NoAnswer is set when no answer could be extracted.
	NoAnswer bool
	// OverBudget is set when the comparison hit the math size or time budget.
	OverBudget bool
	// UnknownTask is the data_source of a SynLogic problem whose task has no verifier.
	UnknownTask string
	// Reason says why the completion is incorrect, when there is more to say than a mismatch.
	Reason string
}

// Reward is the RL reward of a graded completion: 1 correct, 0 wrong, and −formatPenalty
// for a completion not in the think/answer format when formatPenalty > 0.
func Reward(correct, formatOK bool, formatPenalty float64) float64 {
	switch {
	case formatPenalty > 0 && !formatOK:
		return -formatPenalty
	case correct:
		return 1
	}
	return 0
}

// Problem is a task prepared for grading: its grader chosen and its gold answer parsed.
type Problem struct {
	opts     Options
	grader   Grader
	gold     []*vmath.Answer // math: one per accepted answer
	strict   []string        // math-strict: the accepted answers
	verifier logic.Verifier
	game     logic.GameData
	task     string // SynLogic task (data_source) name
	bad      string // why every completion fails (unknown task, bad game data, no gold)
	noGold   bool   // a math problem without a ground_truth
}

// Prepare chooses the grader for a task and parses its ground truth.
func Prepare(t Task, opts Options) *Problem {
	p := &Problem{opts: opts, grader: opts.Grader, task: t.DataSource}
	if p.grader == "" || p.grader == GraderAuto {
		p.grader = autoGrader(t)
	}
	var golds []string
	for _, g := range append([]string{t.GroundTruth}, t.Alternatives...) {
		if strings.TrimSpace(g) != "" {
			golds = append(golds, g)
		}
	}
	if p.grader != GraderSynLogic && len(golds) == 0 {
		// An empty gold would only ever grade as wrong; say so instead of reporting 0% as a
		// result. The answer is still extracted: the majority reward votes on it.
		p.noGold = true
	}
	switch p.grader {
	case GraderMath:
		for _, g := range golds {
			p.gold = append(p.gold, vmath.Parse(goldAnswer(g), opts.Math))
		}
	case GraderMathStrict:
		p.strict = golds
	case GraderMathVerify:
		for _, g := range golds {
			p.gold = append(p.gold, vmath.ParseMathVerify(goldAnswer(g), opts.Math))
		}
	case GraderSynLogic:
		v, ok := logic.LookupWith(t.DataSource, opts.SynLogic)
		if !ok {
			p.bad = "unknown SynLogic task " + fmt.Sprintf("%q", t.DataSource)
			return p
		}
		p.verifier = v
		s, ok := gameDataString(t)
		if !ok {
			p.bad = "no game_data_str in extra"
			return p
		}
		g, err := logic.ParseGameData(s)
		if err != nil {
			p.bad = err.Error()
			return p
		}
		p.game = g
	}
	return p
}

// NoGroundTruth reports a math problem with an empty ground_truth: all its completions are
// graded incorrect (their answers are still extracted, for the majority reward).
func (p *Problem) NoGroundTruth() bool { return p.noGold }

// Grader returns the grader chosen for the problem.
func (p *Problem) Grader() Grader { return p.grader }

// UnknownTask returns the task name when the problem is a SynLogic problem without a
// verifier, "" otherwise.
func (p *Problem) UnknownTask() string {
	if p.grader == GraderSynLogic && p.verifier == nil {
		if p.task == "" {
			// --grader synlogic on rows without a task name (math data, say) must not pass
			// unreported as 0%.
			return NoDataSource
		}
		return p.task
	}
	return ""
}

// NoDataSource is the task name UnknownTask reports for a SynLogic problem without a
// data_source.
const NoDataSource = "(no data_source)"

func autoGrader(t Task) Grader {
	if _, ok := logic.Lookup(t.DataSource); ok {
		return GraderSynLogic
	}
	if _, ok := gameDataString(t); ok || strings.EqualFold(t.Ability, "logic") {
		return GraderSynLogic // reported as an unknown task by name
	}
	return GraderMath
}

// goldAnswer takes the final answer of a GSM8K-style solution ("… #### 42").
func goldAnswer(s string) string {
	if i := strings.LastIndex(s, "####"); i >= 0 {
		return strings.TrimSpace(s[i+4:])
	}
	return s
}

// gameDataString finds SynLogic's game_data_str in a task's extra fields (top level or
// under extra_info). Rows where it is null carry original_question / original_answer and
// metadata instead; the game data is rebuilt from those, with the ground truth as the answer
// when original_answer is missing.
func gameDataString(t Task) (string, bool) {
	for _, m := range []map[string]any{t.Extra, asMap(t.Extra["extra_info"])} {
		switch v := m["game_data_str"].(type) {
		case string:
			if strings.TrimSpace(v) != "" {
				return v, true
			}
		case map[string]any:
			if b, err := json.Marshal(v); err == nil {
				return string(b), true
			}
		}
		if q, ok := m["original_question"].(string); ok {
			answer, ok := m["original_answer"].(string)
			if !ok {
				answer = t.GroundTruth
			}
			meta := m["metadata"]
			if s, ok := meta.(string); ok {
				// Metadata stored as a JSON string: decode it so the verifier sees an object.
				var v any
				if json.Unmarshal([]byte(s), &v) == nil {
					meta = v
				}
			}
			b, err := json.Marshal(map[string]any{"question": q, "answer": answer, "metadata": meta})
			if err == nil {
				return string(b), true
			}
		}
	}
	return "", false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// Grade grades one completion.
func (p *Problem) Grade(completion string) Outcome {
	o := Outcome{Grader: p.grader, FormatOK: vmath.ThinkAnswerFormat(completion)}
	switch {
	case p.bad != "":
		o.Reason = p.bad
		o.UnknownTask = p.UnknownTask()
	case p.grader == GraderSynLogic:
		r := p.verifier.Verify(p.game, completion)
		o.Correct, o.Reason, o.Extracted, o.Answer = r.Correct, r.Reason, r.Extracted, r.Extracted
		o.Rule = "synlogic:" + p.task
		o.NoAnswer = r.Extracted == "" && !r.Correct
	case p.grader == GraderMathStrict:
		m := paperAnswerTag.FindStringSubmatch(completion)
		if m == nil {
			o.NoAnswer, o.Reason = true, "no single-line <answer>…</answer> in the completion"
			break
		}
		o.Rule = string(vmath.RuleAnswerTag)
		o.Extracted, o.Answer = m[1], m[1]
		o.Correct = slices.Contains(p.strict, m[1])
	case p.grader == GraderMathVerify:
		mo := p.opts.Math
		mo.MathVerify = true
		pred, ex, ok := vmath.ExtractMathVerify(completion, mo)
		if !ok {
			o.NoAnswer, o.Reason = true, "no answer found (math-verify extraction: no LaTeX, number or expression that parses)"
			if ex.Reason != "" {
				o.Reason += ": " + ex.Reason
			}
			break
		}
		p.compare(&o, ex, pred, mo)
	default:
		ex, ok := vmath.Extract(completion, vmath.ExtractOptions{Format: p.opts.Format, LastNumber: p.opts.LastNumber})
		if !ok {
			o.NoAnswer, o.Reason = true, "no answer found (format "+string(formatName(p.opts.Format))+")"
			if ex.Reason != "" {
				o.Reason += ": " + ex.Reason
			}
			break
		}
		p.compare(&o, ex, vmath.Parse(ex.Answer, p.opts.Math), p.opts.Math)
	}
	if p.noGold {
		o.Correct, o.Reason, o.OverBudget = false, "no ground_truth", false
	}
	o.Reward = Reward(o.Correct, o.FormatOK, p.opts.FormatPenalty)
	return o
}

// compare fills in the outcome of a math grader: the extraction, the normalised answer and
// the verdict against the accepted answers — correct at the first that matches, otherwise the
// first one's verdict, or the first over-budget one's.
func (p *Problem) compare(o *Outcome, ex vmath.Extraction, pred *vmath.Answer, opts vmath.Options) {
	o.Rule, o.Extracted = string(ex.Rule), ex.Answer
	o.Answer = pred.Normalized()
	for i, gold := range p.gold {
		r := vmath.Compare(gold, pred, opts)
		if i == 0 || r.Equal || r.OverBudget && !o.OverBudget {
			o.Correct, o.Reason, o.OverBudget = r.Equal, r.Reason, r.OverBudget
		}
		if r.Equal {
			break
		}
	}
}

func formatName(f vmath.Format) vmath.Format {
	if f == "" {
		return vmath.FormatAny
	}
	return f
}
