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
	if i := strings.Index(line, "**"); i >= 0 {
		if j := strings.Index(line[i+2:], "**"); j >= 0 {
			line = line[i+2 : i+2+j]
		}
	}
	got, ok := yesNoList(line)
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
