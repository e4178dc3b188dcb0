package logic

import (
	"encoding/json"
	"slices"
	"strings"
)

func init() {
	register("space_reasoning", verifySpaceReasoning)
	register("space_reasoning_tree", verifySpaceReasoningTree)
	register("time_sequence", verifyTimeSequence)
}

// verifySpaceReasoning compares the item named in the last \boxed{} with the gold item,
// ignoring case, as upstream does. The prompt asks for the item's exact name, or "unknown"
// when the position holds none (the generator's gold is then "unknown" too).
func verifySpaceReasoning(g GameData, region string) Result {
	want := strings.TrimSpace(g.Answer)
	if want == "" {
		return badInstance("empty gold answer")
	}
	text, ok := boxedAnswer(region)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if !strings.EqualFold(text, want) {
		return incorrect(text, "answer %q, want %q", text, want)
	}
	return Result{Correct: true, Extracted: text}
}

// verifySpaceReasoningTree compares the set of items in the last \boxed{} (comma-separated,
// spaces ignored) with the gold set ("apple, pear", written by the generator as ", ".join).
// Upstream compares case-sensitively; we ignore case. An empty gold set (no such items) is
// matched by "unknown", which is what the prompt asks for then, or by an empty box; upstream
// would accept only the empty box.
func verifySpaceReasoningTree(g GameData, region string) Result {
	text, ok := boxedAnswer(region)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	itemSet := func(s string) []string {
		s = strings.ToLower(strings.NewReplacer(" ", "", "，", ",").Replace(s))
		var out []string
		for _, f := range strings.Split(s, ",") {
			if f != "" && f != "unknown" {
				out = append(out, f)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	got, want := itemSet(text), itemSet(g.Answer)
	if !slices.Equal(got, want) {
		return incorrect(text, "items %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// timeSequenceMeta is the part of time_sequence's metadata that holds the answers: the longest
// meeting that can be scheduled (minutes) and the number of options of that length. The gold
// answer is the same pair as a list, [45, 3].
type timeSequenceMeta struct {
	Records struct {
		Answers struct {
			MaxLen *int `json:"answer_maxLen"`
			Nums   *int `json:"answer_nums"`
		} `json:"answers"`
	} `json:"records"`
}

// verifyTimeSequence compares the last bracketed list of the response, "[45, 3]" as the
// prompt asks, with the longest duration and the number of options.
func verifyTimeSequence(g GameData, region string) Result {
	var m timeSequenceMeta
	var want []int
	if decodeMeta(g, &m) == nil && m.Records.Answers.MaxLen != nil && m.Records.Answers.Nums != nil {
		want = []int{*m.Records.Answers.MaxLen, *m.Records.Answers.Nums}
	} else if json.Unmarshal([]byte(g.Answer), &want) != nil || len(want) != 2 {
		return badInstance("no answers in metadata.records and the gold answer is not [duration, count]")
	}
	lit, _, ok := lastListLiteral(strings.ReplaceAll(region, "，", ","))
	if !ok {
		return incorrect("", "no [duration, count] list in the answer")
	}
	v, err := parsePyLiteral(lit)
	if err != nil || !v.isSeq() || len(v.items) != 2 {
		return incorrect(lit, "want [duration, count]")
	}
	for i, it := range v.items {
		n, ok := it.intValue()
		if !ok || it.kind != pyInt { // upstream json-decodes: "45" is not 45
			return incorrect(lit, "item %d is not an integer", i+1)
		}
		if n != want[i] {
			return incorrect(lit, "answer %s, want [%d, %d]", lit, want[0], want[1])
		}
	}
	return Result{Correct: true, Extracted: lit}
}
