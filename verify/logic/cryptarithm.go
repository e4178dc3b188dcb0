package logic

import (
	"regexp"
	"strings"
)

func init() { registerOpts("cryptarithm", verifyCryptarithm) }

// cryptarithmMeta is cryptarithm's metadata: the upstream generator writes the words under
// "letter_words" (operands, then the result) and the operators (+ - *) under "operators",
// and the digit equation as the gold answer ("9567 + 1085 = 10652"). A whole letter equation
// under "equation", "puzzle" or "expression" is accepted too; without any, the equation is
// taken from the question.
type cryptarithmMeta struct {
	LetterWords []string `json:"letter_words"`
	Operators   []string `json:"operators"`
	Equation    string   `json:"equation"`
	Puzzle      string   `json:"puzzle"`
	Expression  string   `json:"expression"`
}

// letterPuzzle joins upstream's words and operators into "SEND + MORE = MONEY"; "" when they
// do not fit together.
func (m cryptarithmMeta) letterPuzzle() string {
	if len(m.LetterWords) < 2 || len(m.LetterWords) != len(m.Operators)+2 {
		return ""
	}
	var b strings.Builder
	b.WriteString(m.LetterWords[0])
	for i, op := range m.Operators {
		b.WriteString(" " + op + " " + m.LetterWords[i+1])
	}
	b.WriteString(" = " + m.LetterWords[len(m.LetterWords)-1])
	return b.String()
}

// letterEquation finds "SEND + MORE = MONEY" in a question (RE2: linear time).
var letterEquation = regexp.MustCompile(`[A-Z]+(?:\s*[-+*×]\s*[A-Z]+)+\s*=\s*[A-Z]+`)

// digitEquation is upstream's first equation pattern: digits, one or more "+ - *" operands,
// "=", a result.
var digitEquation = regexp.MustCompile(`\d+(?:\s*[+\-*]\s*\d+)+\s*=\s*-?\d+`)

// verifyCryptarithm checks the last digit equation of the answer ("9567 + 1085 = 10652"
// anywhere, as upstream's first pattern finds it) against the rules: it has the puzzle's
// shape (same operators, each number as long as its word), equal letters get equal digits and
// different letters different digits, no multi-digit number starts with 0, and the arithmetic
// holds exactly. Any valid assignment is accepted; upstream compares with the gold string
// (spaces removed), so it rejects another valid assignment, and o.Upstream does too. Without a
// recognisable puzzle it compares with the gold answer.
func verifyCryptarithm(g GameData, region string, o Options) Result {
	var m cryptarithmMeta
	_ = decodeMeta(g, &m)
	puzzle := firstNonEmpty(m.letterPuzzle(), m.Equation, m.Puzzle, m.Expression)
	if puzzle == "" {
		puzzle = letterEquation.FindString(g.Question)
	}
	ans := lastMatchInRuns(region, digitEquation, '=', func(c byte) bool {
		return c >= '0' && c <= '9' || c == '+' || c == '-' || c == '*' || c == '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
	})
	if ans == "" {
		return incorrect("", "no equation in the answer")
	}
	ans = strings.TrimSpace(ans)
	if o.Upstream {
		puzzle = ""
	}
	got, done := equationOrGold(g, ans, puzzle, "puzzle equation")
	if done != nil {
		return *done
	}
	pt, at := eqTokens(normaliseEquation(puzzle)), eqTokens(got)
	if len(pt) != len(at) {
		return incorrect(ans, "equation does not have the puzzle's shape %s", puzzle)
	}
	letterDigit, digitLetter := map[byte]byte{}, map[byte]byte{}
	for i := range pt {
		p, a := pt[i], at[i]
		if !isOperand(p) {
			if p != a {
				return incorrect(ans, "operator %q where the puzzle has %q", a, p)
			}
			continue
		}
		if len(p) != len(a) {
			return incorrect(ans, "%s has %d digits, want %d for %s", a, len(a), len(p), p)
		}
		if len(a) > 1 && a[0] == '0' {
			return incorrect(ans, "%s starts with 0", a)
		}
		for k := 0; k < len(p); k++ {
			l, d := p[k], a[k]
			if d < '0' || d > '9' {
				return incorrect(ans, "%s is not a number", a)
			}
			if l >= '0' && l <= '9' {
				if l != d {
					return incorrect(ans, "digit %c of the puzzle changed to %c", l, d)
				}
				continue
			}
			if prev, seen := letterDigit[l]; seen && prev != d {
				return incorrect(ans, "letter %c is both %c and %c", l, prev, d)
			}
			if prev, seen := digitLetter[d]; seen && prev != l {
				return incorrect(ans, "letters %c and %c are both %c", prev, l, d)
			}
			letterDigit[l], digitLetter[d] = d, l
		}
	}
	if err := checkEquation(got, false); err != nil {
		return incorrect(ans, "%v", err)
	}
	return Result{Correct: true, Extracted: ans}
}

func isOperand(tok string) bool {
	c := tok[0]
	return c == '?' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
