package logic

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	vmath "github.com/mirage-rl/mirage/verify/math"
)

// Tasks graded by comparing a short final answer with the gold one, read as upstream's
// verifiers read it: the last \boxed{} for all but dyck_language_reasoning_errors (the whole
// response) and time_sequence (the last [...]).
func init() {
	register("boolean_expressions", verifyBooleanExpressions)
	register("object_properties", verifyGoldInt)
	register("object_counting", verifyGoldInt)
	register("word_sorting", verifyWordSorting)
	register("word_sorting_mistake", verifyWordSortingMistake)
	register("dyck_language_reasoning_errors", verifyStepList)
	register("operation", verifyOperation)
	register("space_reasoning", verifySpaceReasoning)
	register("space_reasoning_tree", verifySpaceReasoningTree)
	register("time_sequence", verifyTimeSequence)
}

// upstreamBoxed returns the content, trimmed, of the last "\boxed{" of text, as upstream finds
// it (rfind): with balanced, up to its matching "}" (none when it is not closed, even if an
// earlier \boxed{} is); otherwise up to the first "}" after it (\boxed\{([^}]*)\}), so
// \boxed{\text{7}} reads as "\text{7".
func upstreamBoxed(text string, balanced bool) (string, bool) {
	const marker = `\boxed{`
	i := strings.LastIndex(text, marker)
	if i < 0 {
		return "", false
	}
	body := text[i+len(marker):]
	if !balanced {
		j := strings.IndexByte(body, '}')
		if j < 0 {
			return "", false
		}
		return strings.TrimSpace(body[:j]), true
	}
	depth := 1
	for j := 0; j < len(body); j++ {
		switch body[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return strings.TrimSpace(body[:j]), true
			}
		}
	}
	return "", false
}

// verifyBooleanExpressions compares the set of letters in the last \boxed{} ("C,E", "E, C",
// "CE") with the gold set, case ignored, as upstream does: only the letters count, so a
// repeated label changes nothing.
func verifyBooleanExpressions(g GameData, region string) Result {
	want := letterSet(g.Answer)
	if len(want) == 0 {
		return badInstance("gold answer %q has no option letters", g.Answer)
	}
	box, found := upstreamBoxed(region, true)
	if !found {
		return incorrect("", `no \boxed{} answer`)
	}
	if got := letterSet(box); !slices.Equal(got, want) {
		return incorrect(clip(box, 64), "letters %s, want %s", string(got), string(want))
	}
	return Result{Correct: true, Extracted: box}
}

// letterSet returns the distinct ASCII letters of s, lower-cased and sorted.
func letterSet(s string) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if c := lowerByte(s[i]); c >= 'a' && c <= 'z' {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// verifyGoldInt compares the integer in the last \boxed{…} (up to its first "}") with the
// integer gold answer (object_properties stores a string, object_counting a number). The box
// must hold only the number, as Python's int() reads it.
func verifyGoldInt(g GameData, region string) Result {
	want, ok := pythonInt(g.Answer)
	if !ok {
		return badInstance("gold answer %q is not an integer", g.Answer)
	}
	text, ok := upstreamBoxed(region, false)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	got, ok := pythonInt(text)
	if !ok {
		return incorrect(clip(text, 64), "boxed answer is not an integer")
	}
	if got != want {
		return incorrect(text, "answer %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// verifyWordSorting compares the word list in the last \boxed{…} with the gold list as
// upstream does: all spaces removed, split on commas, word by word, case-sensitive.
func verifyWordSorting(g GameData, region string) Result {
	split := func(s string) []string {
		return strings.Split(strings.NewReplacer("，", ",", " ", "").Replace(s), ",")
	}
	want := split(g.Answer)
	text, ok := upstreamBoxed(region, false)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if len(text) > maxAnswerBytes {
		return incorrect(text[:64], "answer too long")
	}
	if got := split(text); !slices.Equal(got, want) {
		return incorrect(clip(text, 64), "words %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// verifyWordSortingMistake compares the last \boxed{…} with the gold step of the first mistake
// as upstream does: digits are compared as integers, anything else as text without case; a
// gold of None (no mistake; "" here) means "No".
func verifyWordSortingMistake(g GameData, region string) Result {
	want := strings.TrimSpace(g.Answer)
	if want == "" {
		want = "No"
	}
	text, ok := upstreamBoxed(region, false)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if isDigits(text) {
		w, err1 := strconv.Atoi(want)
		n, err2 := strconv.Atoi(text)
		if err1 != nil || err2 != nil || n != w {
			return incorrect(text, "answer %s, want %s", text, want)
		}
		return Result{Correct: true, Extracted: text}
	}
	if !strings.EqualFold(text, want) {
		return incorrect(clip(text, 64), "answer %q, want %q", text, want)
	}
	return Result{Correct: true, Extracted: text}
}

type stepListMeta struct {
	ErrorIndices []int `json:"error_indices"`
}

// noErrorAnswers are the whole responses upstream reads as "no erroneous step".
var noErrorAnswers = []string{"无问题", "no", "无错误", "no error", "no errors", "no mistakes", "all correct"}

// verifyStepList compares the step numbers in the whole response with the gold set
// (metadata error_indices, else the answer "3,20") as upstream does: a response saying it is
// unsure (不确定, 不知道, unclear) fails; otherwise every character but digits and commas is
// dropped ("Thought 3 and 20" reads as 320, "3, 20" as {3, 20}), and a response left with no
// numbers means no step (so does "no errors" and the like).
func verifyStepList(g GameData, region string) Result {
	var m stepListMeta
	var want []int
	if decodeMeta(g, &m) == nil && m.ErrorIndices != nil {
		want = m.ErrorIndices
	} else {
		want = commaInts(g.Answer)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	text := region
	if len(text) > maxAnswerBytes {
		return incorrect(text[:64], "answer too long")
	}
	if strings.Contains(text, "不确定") || strings.Contains(text, "不知道") || strings.Contains(strings.ToLower(text), "unclear") {
		return incorrect(clip(text, 64), "the answer says it is unsure")
	}
	cleaned := ""
	if !slices.Contains(noErrorAnswers, strings.ToLower(text)) {
		cleaned = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == ',' {
				return r
			}
			if r == '，' {
				return ','
			}
			return -1
		}, text)
	}
	got := commaInts(cleaned)
	if !slices.Equal(got, want) {
		return incorrect(clip(cleaned, 64), "steps %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: cleaned}
}

// commaInts reads the comma-separated runs of digits of s as a sorted set (other pieces are
// skipped).
func commaInts(s string) []int {
	out := []int{}
	for _, f := range strings.Split(strings.ReplaceAll(s, "，", ","), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && isDigits(strings.TrimSpace(f)) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// verifySpaceReasoning compares the last \boxed{} with the gold item, case ignored, as
// upstream does (the gold is "unknown" when the position holds no item, as the prompt says).
func verifySpaceReasoning(g GameData, region string) Result {
	if g.Answer == "" {
		return badInstance("empty gold answer")
	}
	text, ok := upstreamBoxed(region, true)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if strings.ToLower(text) != strings.ToLower(g.Answer) {
		return incorrect(clip(text, 64), "answer %q, want %q", text, g.Answer)
	}
	return Result{Correct: true, Extracted: text}
}

// verifySpaceReasoningTree compares the set of items in the last \boxed{} (comma-separated,
// spaces removed) with the gold set ("apple, pear"), case-sensitively, as upstream does.
func verifySpaceReasoningTree(g GameData, region string) Result {
	text, ok := upstreamBoxed(region, true)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	itemSet := func(s string) []string {
		out := strings.Split(strings.NewReplacer(" ", "", "，", ",").Replace(s), ",")
		slices.Sort(out)
		return slices.Compact(out)
	}
	if got, want := itemSet(text), itemSet(g.Answer); !slices.Equal(got, want) {
		return incorrect(clip(text, 64), "items %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// timeSequenceMeta is the part of time_sequence's metadata that holds the answers: the longest
// meeting that can be scheduled (minutes) and the number of options of that length. The gold
// answer is the same pair as a list, [45, 3].
type timeSequenceMeta struct {
	Records struct {
		Answers struct {
			MaxLen *float64 `json:"answer_maxLen"`
			Nums   *float64 `json:"answer_nums"`
		} `json:"answers"`
	} `json:"records"`
}

// verifyTimeSequence reads the last "[...]" of the response (from a "[" to the first "]"
// after it, as upstream's \[.*?\]) as a JSON list and compares its first two items, by value,
// with the longest duration and the number of options: "[45, 3]" as the prompt asks
// ("[45.0, 3]" too; items after the second are not looked at, as upstream).
func verifyTimeSequence(g GameData, region string) Result {
	var m timeSequenceMeta
	var want []float64
	if decodeMeta(g, &m) == nil && m.Records.Answers.MaxLen != nil && m.Records.Answers.Nums != nil {
		want = []float64{*m.Records.Answers.MaxLen, *m.Records.Answers.Nums}
	} else if json.Unmarshal([]byte(g.Answer), &want) != nil || len(want) != 2 {
		return badInstance("no answers in metadata.records and the gold answer is not [duration, count]")
	}
	lit := ""
	for pos := 0; ; {
		i := strings.IndexByte(region[pos:], '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(region[pos+i:], ']')
		if j < 0 {
			break
		}
		lit = region[pos+i : pos+i+j+1]
		pos += i + j + 1
	}
	if lit == "" {
		return incorrect("", "no [duration, count] list in the answer")
	}
	var got []any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(lit, "，", ",")), &got); err != nil || len(got) < 2 {
		return incorrect(clip(lit, 64), "want a JSON list [duration, count]")
	}
	for i := range 2 {
		if n, ok := got[i].(float64); !ok || n != want[i] {
			return incorrect(clip(lit, 64), "answer %s, want [%g, %g]", lit, want[0], want[1])
		}
	}
	return Result{Correct: true, Extracted: lit}
}

// verifyOperation grades as upstream does: math_verify's parse of the whole response, verified
// against math_verify's parse of the gold (the generator's str() of a Python result: "12",
// "0.3333333333333333"), with upstream's argument order (the response's answer as verify's
// gold). verify/math's math-verify mode stands in for math_verify; where that mode knowingly
// differs from math_verify is listed in docs/verify.md.
func verifyOperation(g GameData, region string) Result {
	if strings.TrimSpace(g.Answer) == "" {
		return badInstance("empty gold answer")
	}
	opts := vmath.Options{MathVerify: true}
	want, _, ok := vmath.ExtractMathVerify(g.Answer, opts)
	if !ok {
		return badInstance("gold answer %q does not parse", g.Answer)
	}
	got, ex, ok := vmath.ExtractMathVerify(region, opts)
	if !ok {
		return incorrect("", "no answer math_verify would parse")
	}
	if r := vmath.Compare(got, want, opts); !r.Equal {
		return incorrect(clip(ex.Answer, 64), "answer %s differs from %s%s", clip(ex.Answer, 64), g.Answer, strings.TrimSpace(" "+r.Reason))
	}
	return Result{Correct: true, Extracted: ex.Answer}
}
