package math

import (
	"strings"
)

// articles are dropped from text answers ("the east" is "East").
var articles = map[string]bool{"a": true, "an": true, "the": true}

// normText normalises a text answer: LaTeX wrappers and commands' backslashes removed,
// lowercase, punctuation to spaces, articles dropped, single spaces.
func normText(s string) string {
	s = preclean.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			j := i + 1
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			if name := s[i+1 : j]; !wrapperCmds[name] && !skipCmds[name] {
				b.WriteString(" " + name + " ")
			}
			i = j - 1
			continue
		}
		switch {
		case isLetter(c) || isDigit(c) || c >= 0x80:
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
		case c == '+' || c == '-' || c == '=' || c == '<' || c == '>' || c == '^' || c == '*' || c == '/':
			b.WriteByte(c) // keep operators: "x > 2" is not "x 2"
		default:
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	out := words[:0]
	for _, w := range words {
		if !articles[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// choiceLetter returns the multiple-choice letter of an answer such as "C", "(C)", "C)",
// "\text{(C)}" or "\textbf{(C) } 42"; 0 if it is not one. A bare letter counts only in
// upper case A–E, since a lowercase letter is a variable.
func choiceLetter(s string) byte {
	s = strings.TrimSpace(unwrapText(s))
	switch {
	case len(s) == 1 && s[0] >= 'A' && s[0] <= 'E':
		return s[0]
	case len(s) >= 3 && s[0] == '(' && s[2] == ')' && isChoice(s[1]):
		return upper(s[1])
	case len(s) == 2 && s[1] == ')' && s[0] >= 'A' && s[0] <= 'E':
		return s[0]
	}
	return 0
}

func isChoice(c byte) bool { return c >= 'A' && c <= 'E' || c >= 'a' && c <= 'e' }

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// unwrapText removes \text{...}-style wrappers (keeping their content) and math delimiters.
func unwrapText(s string) string {
	if !strings.ContainsAny(s, "\\$") {
		return s
	}
	s = preclean.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			j := i + 1
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			if wrapperCmds[s[i+1:j]] {
				for j < len(s) && s[j] == ' ' {
					j++
				}
				if j < len(s) && s[j] == '{' {
					if inner, end, ok := braced(s, j); ok {
						b.WriteString(unwrapText(inner))
						i = end - 1
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
