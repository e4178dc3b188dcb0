package logic

import (
	"strconv"
	"strings"
)

func init() {
	register("dyck_language", verifyDyckLanguage)
	registerOpts("dyck_language_errors", verifyDyckLanguageErrors)
}

type dyckMeta struct {
	FullSequence string `json:"full_sequence"`
}

// verifyDyckLanguage compares the whole answer region — the response is the sequence, as
// upstream's verifier reads it — with the gold completion after upstream's clean-up: all
// white space and the escapes \n, \t, \r written out as text are removed, \\ becomes \, and one
// pair of enclosing quotes is dropped. Reasoning or a label before the sequence fails. The
// gold is the unique shortest closing of the given prefix, so exact comparison is the rule
// check.
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
	if len(region) > maxAnswerBytes {
		return incorrect(region[:64], "answer too long")
	}
	got := strings.Join(strings.Fields(region), "")
	got = strings.NewReplacer(`\n`, "", `\t`, "", `\r`, "").Replace(got)
	got = strings.ReplaceAll(got, `\\`, `\`)
	if len(got) >= 2 && (got[0] == '"' && got[len(got)-1] == '"' || got[0] == '\'' && got[len(got)-1] == '\'') {
		got = got[1 : len(got)-1]
	}
	if got != want {
		return incorrect(got, "answer is not the completed sequence %s", want)
	}
	return Result{Correct: true, Extracted: got}
}

type dyckErrorsMeta struct {
	FirstErrorPos *int  `json:"first_error_pos"`
	IsValid       *bool `json:"is_valid"`
}

// verifyDyckLanguageErrors compares the position the response names with the gold first-error
// position (-1 for a valid sequence; metadata is_valid / first_error_pos, else the answer).
// As upstream: a response that says the sequence is valid ("valid", "correct", "合法", any case)
// means -1; otherwise the whole response must be the number. Upstream matches those words as
// substrings, so "invalid", "incorrect" and "不合法" also mean -1 there; we do not count them
// (o.Upstream does).
func verifyDyckLanguageErrors(g GameData, region string, o Options) Result {
	var m dyckErrorsMeta
	want := 0
	switch err := decodeMeta(g, &m); {
	case err == nil && m.IsValid != nil && *m.IsValid:
		want = -1
	case err == nil && m.IsValid != nil && m.FirstErrorPos != nil:
		want = *m.FirstErrorPos
	default:
		n, err := strconv.Atoi(strings.TrimSpace(g.Answer))
		if err != nil {
			return badInstance("no gold position in metadata or answer")
		}
		want = n
	}
	text := strings.TrimSpace(region)
	got, ok := 0, false
	if saysValid(text, o.Upstream) {
		got, ok = -1, true
	} else if len(text) <= 64 {
		got, ok = pythonInt(text)
	}
	if !ok {
		return incorrect(clip(text, 64), "the answer is neither a number nor says the sequence is valid")
	}
	if got != want {
		return incorrect(clip(text, 64), "position %d, want %d", got, want)
	}
	return Result{Correct: true, Extracted: clip(text, 64)}
}

// saysValid reports whether text calls the sequence valid: it holds "valid", "correct" (any
// case) or "合法". Unless substrings, the negations "invalid", "incorrect" and "不合法" are
// removed first, so "invalid at 5" is not read as valid.
func saysValid(text string, substrings bool) bool {
	t := strings.ToLower(text)
	if !substrings {
		t = strings.NewReplacer("invalid", "", "incorrect", "", "不合法", "").Replace(t)
	}
	return strings.Contains(t, "valid") || strings.Contains(t, "correct") || strings.Contains(t, "合法")
}

// pythonInt parses s as Python's int() does for the answers models write: optional sign, ASCII
// digits, single underscores between digits.
func pythonInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || body[0] == '_' || body[len(body)-1] == '_' || strings.Contains(body, "__") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	return n, err == nil
}

// clip cuts s to at most n bytes for a Result's Extracted text.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
