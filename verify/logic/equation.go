package logic

import (
	"fmt"
	"strings"
)

// equationOrGold bounds and normalises the equation ans read from a response. When the
// instance has no puzzle (puzzle == "", so cryptarithm or math_path cannot check the rules) it
// grades got against the gold answer, with or without its [[ ]], and done is the final Result;
// missing names what was not found.
func equationOrGold(g GameData, ans, puzzle, missing string) (got string, done *Result) {
	finish := func(r Result) (string, *Result) { return "", &r }
	if len(ans) > maxExprBytes {
		return finish(incorrect(ans[:64], "answer too long"))
	}
	got = normaliseEquation(ans)
	if puzzle != "" {
		return got, nil
	}
	want := normaliseEquation(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(g.Answer), "[["), "]]"))
	if want == "" {
		return finish(badInstance("no %s in metadata or question, and no gold answer", missing))
	}
	if got != want {
		return finish(incorrect(ans, "equation differs from the gold answer %s", want))
	}
	return finish(Result{Correct: true, Extracted: ans})
}

// normaliseEquation maps typographic operators to ASCII, drops spaces, LaTeX wrappers and a
// trailing full stop.
func normaliseEquation(s string) string {
	s = normaliseOps.Replace(stripDecoration(s))
	s = strings.NewReplacer(`\(`, "", `\)`, "", " ", "", "\t", "", "\n", "", "＝", "=", "＋", "+").Replace(s)
	return strings.TrimSuffix(s, ".")
}

// eqTokens splits an equation into alternating operands (runs of letters, digits or '?') and
// single operator or parenthesis characters.
func eqTokens(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '?' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
		out = append(out, s[i:i+1])
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// checkEquation evaluates "lhs=rhs" exactly and reports whether both sides are equal; mod
// allows Python's % operator.
func checkEquation(eq string, mod bool) error {
	lhs, rhs, ok := strings.Cut(eq, "=")
	if !ok || strings.Contains(rhs, "=") {
		return fmt.Errorf("want exactly one '=' in %q", eq)
	}
	eval := evalArith
	if mod {
		eval = evalArithMod
	}
	l, err := eval(lhs)
	if err != nil {
		return fmt.Errorf("left side: %w", err)
	}
	r, err := eval(rhs)
	if err != nil {
		return fmt.Errorf("right side: %w", err)
	}
	if l.value.Cmp(r.value) != 0 {
		return fmt.Errorf("%s ≠ %s", l.value.RatString(), r.value.RatString())
	}
	return nil
}
