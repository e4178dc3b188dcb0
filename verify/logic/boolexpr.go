package logic

import (
	"slices"
	"strings"
)

func init() { register("boolean_expressions", verifyBooleanExpressions) }

// verifyBooleanExpressions compares the set of option labels in the last \boxed{} ("C,E",
// "C, E", "E,C") with the gold set; a duplicated, missing or extra label is wrong.
func verifyBooleanExpressions(g GameData, region string) Result {
	want, ok := optionLabels(g.Answer)
	if !ok {
		return badInstance("gold answer %q is not a list of option labels", g.Answer)
	}
	box, found := lastBoxed(region)
	if !found {
		return incorrect("", `no \boxed{} answer`)
	}
	got, ok := optionLabels(box)
	if !ok {
		return incorrect(box, "boxed answer is not a list of option labels")
	}
	if !slices.Equal(got, want) {
		return incorrect(box, "options %s, want %s", strings.Join(got, ","), strings.Join(want, ","))
	}
	return Result{Correct: true, Extracted: box}
}

// optionLabels reads "A, C,E" (also wrapped in \text{} or with "and") as sorted upper-case
// labels; ok is false for anything that is not single letters or repeats one.
func optionLabels(s string) ([]string, bool) {
	s = strings.NewReplacer(`\text{`, " ", `\mathrm{`, " ", "{", " ", "}", " ", "$", " ", "，", ",", "、", ",", ";", ",").Replace(s)
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if strings.EqualFold(part, "and") || part == "和" {
			continue
		}
		if len(part) != 1 || !(part[0] >= 'A' && part[0] <= 'Z' || part[0] >= 'a' && part[0] <= 'z') {
			return nil, false
		}
		out = append(out, strings.ToUpper(part))
	}
	slices.Sort(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		return nil, false
	}
	return out, true
}
