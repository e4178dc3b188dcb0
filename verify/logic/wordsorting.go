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

// verifyWordSorting compares the word list in the last \boxed{} (the prompt asks for
// \boxed{word1,word2,word3}, and upstream reads nothing else) with the gold list, word by
// word. Upstream drops all spaces and splits on commas, case-sensitively; we split on commas
// and spaces and ignore case, so "\boxed{Apple, banana}" and "\boxed{apple banana}" match
// the gold "apple, banana" here but not upstream.
func verifyWordSorting(g GameData, region string) Result {
	want := words(g.Answer)
	if len(want) == 0 {
		return badInstance("empty gold answer")
	}
	text, ok := boxedAnswer(region)
	if !ok {
		return incorrect("", "no \\boxed{} answer")
	}
	if len(text) > maxAnswerBytes {
		return incorrect(text[:64], "answer too long")
	}
	got := words(text)
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

// verifyObjectCounting compares the integer in the last \boxed{} with the gold count
// (upstream stores it as a JSON number). As upstream does, a response that is nothing but
// an integer counts as that integer; spelled-out numbers do not.
func verifyObjectCounting(g GameData, region string) Result {
	if _, ok := lastBoxed(region); !ok {
		if n, err := strconv.Atoi(strings.TrimSpace(region)); err == nil {
			region = `\boxed{` + strconv.Itoa(n) + `}`
		}
	}
	return verifyGoldInt(g, region)
}
