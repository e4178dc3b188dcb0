package logic

import (
	"slices"
	"strconv"
	"strings"
)

func init() {
	register("word_sorting", verifyWordSorting)
	register("object_counting", verifyObjectCounting)
}

// verifyWordSorting compares the word list in the answer (the later of the last \boxed{} and
// the text after the last "answer is"/"答案", else the last line) with the gold sorted list,
// word by word, ignoring case and separators (spaces, commas).
func verifyWordSorting(g GameData, region string) Result {
	want := words(g.Answer)
	if len(want) == 0 {
		return badInstance("empty gold answer")
	}
	box, boxAt, boxOK := lastBoxedAt(region)
	text, at, ok := afterLastMarkerAt(region, answerMarkers...)
	switch {
	case boxOK && (!ok || boxAt > at):
		text = box
	case !ok:
		text = lastNonEmptyLine(region)
	}
	if len(text) > maxAnswerBytes {
		return incorrect(text[:64], "answer too long")
	}
	got := words(stripDecoration(text))
	if !slices.Equal(got, want) {
		return incorrect(text, "words %v, want %v", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// words splits a list of words on spaces, commas and the like, lower-cased, with quotes and
// LaTeX \text{} wrappers removed.
func words(s string) []string {
	s = strings.NewReplacer(`\text{`, " ", "{", " ", "}", " ", "，", ",", "、", ",", "'", " ", `"`, " ", "`", " ", "*", " ").Replace(s)
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == ';' || r == '[' || r == ']'
	})
	return f
}

// numberWords reads the spelled-out counts object counting answers use.
var numberWords = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
	"nineteen": 19, "twenty": 20,
}

// verifyObjectCounting compares the integer answer (last \boxed{}, "answer is N", or a last
// line holding only the number, digits or a spelled-out number up to twenty) with the gold.
func verifyObjectCounting(g GameData, region string) Result {
	want, err := strconv.Atoi(strings.TrimSpace(g.Answer))
	if err != nil {
		return badInstance("gold answer %q is not an integer", g.Answer)
	}
	got, text, ok := intAnswer(region)
	if !ok {
		if n, known := numberWords[strings.ToLower(text)]; known {
			got, ok = n, true
		}
	}
	if !ok {
		return incorrect(text, "no count found in the answer")
	}
	if got != want {
		return incorrect(text, "count %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: text}
}
