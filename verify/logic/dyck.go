package logic

import (
	"regexp"
	"strconv"
	"strings"
)

func init() {
	register("dyck_language", verifyDyckLanguage)
	register("dyck_language_errors", verifyDyckLanguageErrors)
}

const openers, closers = "([{<", ")]}>"

type dyckMeta struct {
	FullSequence string `json:"full_sequence"`
}

// verifyDyckLanguage compares the completed bracket sequence the model outputs (its last
// non-empty line, code fences and decoration removed, spaces ignored) with the gold
// completion. The gold is the unique shortest closing of the given prefix, so exact
// comparison is the rule check.
func verifyDyckLanguage(g GameData, region string) Result {
	var m dyckMeta
	_ = decodeMeta(g, &m)
	want := m.FullSequence
	if want == "" {
		want = strings.TrimSpace(g.Answer)
	}
	if want == "" {
		return badInstance("no full_sequence in metadata and no gold answer")
	}
	got, ok := bracketAnswer(region)
	if !ok {
		return incorrect(got, "last line is not a bracket sequence")
	}
	if got != want {
		return incorrect(got, "sequence differs from the completed sequence %s", want)
	}
	return Result{Correct: true, Extracted: got}
}

// bracketAnswer reads a bracket sequence from the end of a response: the last ``` block if
// the response ends with one, else the last non-empty line, after any "answer:"-style label.
func bracketAnswer(region string) (string, bool) {
	text := strings.TrimSpace(region)
	if strings.HasSuffix(text, "```") {
		if body, ok := lastFenced(text, "", "text", "plaintext", "python"); ok {
			text = body
		}
	}
	line := lastNonEmptyLine(text)
	if i := strings.LastIndexAny(line, ":："); i >= 0 {
		line = line[i+1:]
	}
	line = stripDecoration(line)
	if b, ok := lastBoxed(line); ok {
		line = b
	}
	var b strings.Builder
	for _, r := range line {
		switch {
		case r == ' ' || r == '\t':
		case strings.ContainsRune(openers+closers, r):
			b.WriteRune(r)
		default:
			return line, false
		}
	}
	return b.String(), b.Len() > 0
}

type dyckErrorsMeta struct {
	FirstErrorPos *int `json:"first_error_pos"`
	IsValid       bool `json:"is_valid"`
}

var answerInt = regexp.MustCompile(`-?\d{1,9}`)

// verifyDyckLanguageErrors compares the position the model names (in the last \boxed{}, after
// the last "answer is"/"答案", or as the whole last line) with the gold first-error position
// (-1 for a valid sequence).
func verifyDyckLanguageErrors(g GameData, region string) Result {
	var m dyckErrorsMeta
	want, err := strconv.Atoi(strings.TrimSpace(g.Answer))
	if err != nil {
		if decodeMeta(g, &m) != nil || (m.FirstErrorPos == nil && !m.IsValid) {
			return badInstance("no gold position in answer or metadata")
		}
		want = -1
		if !m.IsValid {
			want = *m.FirstErrorPos
		}
	}
	got, text, ok := intAnswer(region)
	if !ok {
		return incorrect(text, "no position found in the answer")
	}
	if got != want {
		return incorrect(text, "position %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: text}
}

// intAnswer reads a single integer answer: the latest of the last \boxed{}, the text after the
// last "answer is"/"答案" label, and the last line that holds only the number (with
// decoration). Text around the number is not allowed, so "position 15 of 20" is not read as 20.
func intAnswer(region string) (int, string, bool) {
	var first string
	for i, cand := range finalAnswerCandidates(region) {
		cand = stripDecoration(strings.TrimLeft(stripDecoration(cand), ":：是为 "))
		if i == 0 {
			first = cand
		}
		if len(cand) > 64 {
			continue
		}
		if loc := answerInt.FindStringIndex(cand); loc != nil && loc[0] == 0 && loc[1] == len(cand) {
			if n, err := strconv.Atoi(cand); err == nil {
				return n, cand, true
			}
		}
	}
	if len(first) > 64 {
		first = first[:64]
	}
	return 0, first, false
}
