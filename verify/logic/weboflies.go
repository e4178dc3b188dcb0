package logic

import (
	"slices"
	"strings"
)

func init() { register("web_of_lies", verifyWebOfLies) }

// verifyWebOfLies compares the yes/no list after the last "The answer is" (or "答案是"),
// taken from its bold part when there is one, with the gold list, item by item.
func verifyWebOfLies(g GameData, region string) Result {
	want, ok := yesNoList(g.Answer)
	if !ok || len(want) == 0 {
		return badInstance("gold answer %q is not a yes/no list", g.Answer)
	}
	line, found := afterLastMarker(region, "answer is", "答案是", "答案为")
	if !found {
		return incorrect("", `no "The answer is **...**" line`)
	}
	// The list is the first bold span ("**yes, no**"), or, when each word is bolded on its
	// own ("**yes**, **no**"), the line up to its full stop.
	cands := []string{}
	if i := strings.Index(line, "**"); i >= 0 && strings.Count(line, "**") == 2 {
		if j := strings.Index(line[i+2:], "**"); j >= 0 {
			cands = append(cands, line[i+2:i+2+j])
		}
	}
	whole := line
	if k := strings.IndexAny(whole, ".。"); k >= 0 {
		whole = whole[:k]
	}
	cands = append(cands, whole)
	var got []bool
	ok = false
	for _, c := range cands {
		if got, ok = yesNoList(c); ok {
			line = c
			break
		}
	}
	if !ok {
		return incorrect(line, "answer is not a list of yes/no")
	}
	if !slices.Equal(got, want) {
		return incorrect(line, "answers %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: line}
}

// yesNoList reads "yes, no, Yes" or "是,否" as booleans; ok is false if any item is neither.
func yesNoList(s string) ([]bool, bool) {
	s = strings.NewReplacer("，", ",", "、", ",", ";", ",", "*", " ").Replace(stripDecoration(s))
	var out []bool
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		switch strings.ToLower(stripDecoration(f)) {
		case "yes", "是":
			out = append(out, true)
		case "no", "否":
			out = append(out, false)
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}
