package logic

import (
	"fmt"
	"strings"
)

// equationAnswer reads a filled-in equation ("9567 + 1085 = 10652") from a response: the last
// [[...]], else the last \boxed{}, else the last ```python block, else the text after the last
// "answer is"/"答案", else the last line holding '='.
func equationAnswer(region string) (string, bool) {
	if s, ok := lastDoubleBracket(region); ok {
		return s, true
	}
	if s, ok := lastBoxed(region); ok {
		return s, true
	}
	if s, ok := lastPythonBlock(region); ok {
		return s, true
	}
	if s, ok := afterLastMarker(region, "answer is", "答案是", "答案为", "answer:", "答案："); ok && strings.Contains(s, "=") {
		return s, true
	}
	text := strings.TrimRight(region, " \t\r\n")
	for len(text) > 0 {
		line := lastNonEmptyLine(text)
		if strings.Contains(line, "=") {
			return line, true
		}
		i := strings.LastIndexByte(strings.TrimRight(text, " \t\r\n"), '\n')
		if i < 0 {
			break
		}
		text = text[:i]
	}
	return "", false
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

// checkEquation evaluates "lhs=rhs" exactly and reports whether both sides are equal.
func checkEquation(eq string) error {
	lhs, rhs, ok := strings.Cut(eq, "=")
	if !ok || strings.Contains(rhs, "=") {
		return fmt.Errorf("want exactly one '=' in %q", eq)
	}
	l, err := evalArith(lhs)
	if err != nil {
		return fmt.Errorf("left side: %w", err)
	}
	r, err := evalArith(rhs)
	if err != nil {
		return fmt.Errorf("right side: %w", err)
	}
	if l.value.Cmp(r.value) != 0 {
		return fmt.Errorf("%s ≠ %s", l.value.RatString(), r.value.RatString())
	}
	return nil
}
