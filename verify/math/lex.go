package math

import (
	"strings"
)

// tokKind classifies a token of an answer, LaTeX or plain text alike.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tNum            // a number literal: digits, '.', an optional e±exponent, '~' before repeating digits
	tIdent          // a variable: a letter, a Greek letter name, or either with a subscript
	tWord           // a word of two letters or more that is not a function, constant or keyword
	tConst          // pi, e, i, inf
	tFunc           // sin, cos, log, ... (text = canonical name)
	tCmd            // frac, sqrt, binom
	tOp             // one punctuation character in text[0]: + - * / ^ ( ) [ ] { } , ! | = &
	tRel            // < <= > >= !=
	tPM             // \pm (text "pm") or \mp (text "mp")
	tLSet           // \{
	tRSet           // \}
	tRowSep         // \\ inside a matrix
	tBegin          // \begin{pmatrix} and friends
	tEnd            // \end{...}
	tCup            // \cup
	tIn             // \in
	tEmpty          // \emptyset
)

type token struct {
	kind tokKind
	text string
}

// preclean removes notation that never changes an answer's value: math delimiters, spacing,
// degrees, percent and dollar signs, LaTeX thousands separators. One pass, no regexps: this
// runs on every comparison.
var preclean = strings.NewReplacer(
	"\\\\", "\\\\", // a row break stays, before "\\ " below could eat half of it
	"^{\\circ}", "", "^\\circ", "", "^{\\circ }", "", "\\circ", "", "°", "", "\\degree", "",
	"{,}", ",", "\\!", "", "\\,", "", "\\;", " ", "\\:", " ", "\\ ", " ", "~", " ",
	"\\%", "", "%", "", "\\$", "", "$", "", "\\displaystyle", "", "\\textstyle", "",
	"\\[", "", "\\]", "", "\\(", "", "\\)", "", "\n", " ", "\t", " ", "\r", " ",
	"**", "^", "−", "-", "×", "*", "·", "*", "÷", "/", "π", "\\pi", "∞", "\\infty", "√", "\\sqrt",
	"≤", "\\le", "≥", "\\ge", "≠", "\\ne", "±", "\\pm",
)

// Commands that only wrap text or change its font: their braced argument is kept, inline.
var wrapperCmds = map[string]bool{
	"text": true, "textbf": true, "textit": true, "textrm": true, "textnormal": true, "texttt": true,
	"mathrm": true, "mathbf": true, "mathit": true, "mathsf": true, "mathtt": true, "mathnormal": true,
	"mbox": true, "hbox": true, "operatorname": true, "boldsymbol": true, "bm": true, "emph": true,
	"boxed": true, "fbox": true, "underline": true, "textsf": true,
}

// Wrappers whose content is text: every letter run in it is a word (units, names), never a
// product of variables, so "5\text{ m/s}" is 5 with a unit.
var textCmds = map[string]bool{
	"text": true, "textbf": true, "textit": true, "textrm": true, "textnormal": true, "texttt": true,
	"textsf": true, "mbox": true, "hbox": true, "emph": true, "mathrm": true, "operatorname": true,
}

// mathLetter are the \mathrm contents that are constants or differentials, not words.
var mathLetter = map[string]bool{"e": true, "i": true, "d": true}

// Commands dropped without a trace (sizing and spacing).
var skipCmds = map[string]bool{
	"left": true, "right": true, "big": true, "Big": true, "bigg": true, "Bigg": true,
	"bigl": true, "bigr": true, "Bigl": true, "Bigr": true, "biggl": true, "biggr": true,
	"quad": true, "qquad": true, "limits": true, "nolimits": true, "middle": true,
}

var greek = map[string]bool{
	"alpha": true, "beta": true, "gamma": true, "delta": true, "epsilon": true, "varepsilon": true,
	"zeta": true, "eta": true, "theta": true, "vartheta": true, "iota": true, "kappa": true,
	"lambda": true, "mu": true, "nu": true, "xi": true, "rho": true, "sigma": true, "tau": true,
	"upsilon": true, "phi": true, "varphi": true, "chi": true, "psi": true, "omega": true,
	"Gamma": true, "Delta": true, "Theta": true, "Lambda": true, "Xi": true, "Sigma": true,
	"Phi": true, "Psi": true, "Omega": true,
}

var funcNames = map[string]string{
	"sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc",
	"arcsin": "asin", "arccos": "acos", "arctan": "atan", "asin": "asin", "acos": "acos", "atan": "atan",
	"sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "log": "log", "ln": "ln", "lg": "log10", "exp": "exp",
	"abs": "abs",
}

// Words of plain-text math.
var plainWords = map[string]token{
	"sqrt": {tCmd, "sqrt"}, "pi": {tConst, "pi"}, "inf": {tConst, "inf"}, "infty": {tConst, "inf"},
	"infinity": {tConst, "inf"}, "oo": {tConst, "inf"}, "or": {tOp, ","}, "and": {tOp, ","},
	"cup": {tCup, ""}, "frac": {tCmd, "frac"},
}

// Commands with a fixed meaning.
var cmdTokens = map[string]token{
	"frac": {tCmd, "frac"}, "dfrac": {tCmd, "frac"}, "tfrac": {tCmd, "frac"}, "cfrac": {tCmd, "frac"},
	"sqrt": {tCmd, "sqrt"}, "binom": {tCmd, "binom"}, "dbinom": {tCmd, "binom"}, "tbinom": {tCmd, "binom"},
	"pi": {tConst, "pi"}, "infty": {tConst, "inf"}, "infin": {tConst, "inf"}, "imath": {tConst, "i"},
	"cdot": {tOp, "*"}, "times": {tOp, "*"}, "ast": {tOp, "*"}, "div": {tOp, "/"},
	"pm": {tPM, "pm"}, "mp": {tPM, "mp"},
	"le": {tRel, "<="}, "leq": {tRel, "<="}, "leqslant": {tRel, "<="}, "ge": {tRel, ">="},
	"geq": {tRel, ">="}, "geqslant": {tRel, ">="}, "ne": {tRel, "!="}, "neq": {tRel, "!="},
	"lt": {tRel, "<"}, "gt": {tRel, ">"}, "approx": {tOp, "="}, "equiv": {tOp, "="},
	"cup": {tCup, ""}, "in": {tIn, ""}, "emptyset": {tEmpty, ""}, "varnothing": {tEmpty, ""},
	"lbrace": {tLSet, ""}, "rbrace": {tRSet, ""}, "langle": {tOp, "("}, "rangle": {tOp, ")"},
	"vert": {tOp, "|"}, "lvert": {tOp, "|"}, "rvert": {tOp, "|"}, "mid": {tOp, "|"},
	"colon": {tOp, ":"},
}

// Unit words stripped after a number ("5 cm", "\$42 dollars"); two-letter ones are listed here
// because other two-letter runs are products of variables ("xy").
var shortUnits = map[string]bool{
	"cm": true, "mm": true, "km": true, "ft": true, "in": true, "kg": true, "mi": true, "hr": true,
	"yd": true, "lb": true, "oz": true, "ml": true, "mL": true, "cc": true, "pm": true, "am": true,
	"st": true, "nd": true, "rd": true, "th": true,
}

// Two-letter English words that are answers ("no"), not products of two variables.
var shortWords = map[string]bool{"no": true, "ok": true, "on": true, "up": true, "is": true, "it": true}

// lexer turns an answer into tokens. Errors are kept in err; the first one wins.
type lexer struct {
	toks     []token
	textMode bool // inside \text{}: letter runs are words
	err      error
	depth    int
	lim      *limits
}

func lex(s string, lim *limits) ([]token, error) {
	lx := &lexer{lim: lim, toks: make([]token, 0, len(s)/2+2)}
	lx.run(preclean.Replace(s))
	return lx.toks, lx.err
}

func (lx *lexer) emit(k tokKind, text string) { lx.toks = append(lx.toks, token{k, text}) }

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// braced returns the content of the brace group starting at s[i] == '{' and the index after it.
func braced(s string, i int) (string, int, bool) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++ // skip an escaped character such as \{ or \}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[i+1 : j], j + 1, true
			}
		}
	}
	return "", len(s), false
}

func (lx *lexer) run(s string) {
	lx.depth++
	defer func() { lx.depth-- }()
	if lx.depth > lx.lim.maxDepth {
		lx.err = errDeep
		return
	}
	for i := 0; i < len(s) && lx.err == nil; {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case isDigit(c) || c == '.' && i+1 < len(s) && isDigit(s[i+1]):
			i = lx.number(s, i)
		case isLetter(c):
			i = lx.word(s, i)
		case c == '\\':
			i = lx.command(s, i)
		case c == '<' || c == '>' || c == '!' && i+1 < len(s) && s[i+1] == '=':
			op := string(c)
			if i+1 < len(s) && s[i+1] == '=' {
				op += "="
				i++
			}
			lx.emit(tRel, op)
			i++
		case c == '\'':
			i++ // primes (f'(x)) carry no value we compare
		case c == ';':
			lx.emit(tOp, ",")
			i++
		case c == '{' || c == '}' || c == '(' || c == ')' || c == '[' || c == ']' || c == '+' ||
			c == '-' || c == '*' || c == '/' || c == '^' || c == ',' || c == '!' || c == '|' ||
			c == '=' || c == '&' || c == '_' || c == ':':
			lx.emit(tOp, s[i:i+1])
			i++
		default:
			if c >= 0x80 {
				// Other Unicode: keep it as a word so the answer compares as text.
				j := i + 1
				for j < len(s) && s[j] >= 0x80 {
					j++
				}
				lx.emit(tWord, s[i:j])
				i = j
				continue
			}
			lx.emit(tWord, s[i:i+1])
			i++
		}
	}
}

// number reads a decimal literal with optional thousands separators ("1,000", "12,345,678";
// groups of exactly three digits after the first group of one to three), a fraction part,
// a scientific exponent ("1.5e-3"), and drops a base subscript ("52_8", "2516_{8}"): the
// digits are compared as written, so 52_8 equals 52_{8} and 52 but not 42.
func (lx *lexer) number(s string, i int) int {
	start := i
	var b strings.Builder
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	b.WriteString(s[start:i])
	if n := i - start; n >= 1 && n <= 3 {
		for i+4 <= len(s) && s[i] == ',' && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) &&
			(i+4 == len(s) || !isDigit(s[i+4])) {
			b.WriteString(s[i+1 : i+4])
			i += 4
		}
	}
	if i < len(s) && s[i] == '.' && !(i+1 < len(s) && s[i+1] == '.') && (i > start || i+1 < len(s) && isDigit(s[i+1])) {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		b.WriteString(s[i:j]) // "5." is 5
		i = j
		// A repeating decimal: 0.\overline{3}, 0.1\overline{6}; the repeating digits go after '~'.
		if rep, end, ok := overline(s, i); ok {
			b.WriteString("~" + rep)
			i = end
		}
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if s[j] == '+' || s[j] == '-' {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			b.WriteString("e")
			b.WriteString(s[i+1 : k])
			i = k
		}
	}
	lx.emit(tNum, b.String())
	if i < len(s) && s[i] == '_' {
		i = skipSubscript(s, i+1)
	}
	return i
}

// overline reads "\overline{digits}" at s[i:].
func overline(s string, i int) (string, int, bool) {
	const cmd = "\\overline"
	if !strings.HasPrefix(s[i:], cmd) {
		return "", i, false
	}
	j := i + len(cmd)
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) || s[j] != '{' {
		return "", i, false
	}
	inner, end, ok := braced(s, j)
	inner = strings.TrimSpace(inner)
	if !ok || inner == "" || strings.Trim(inner, "0123456789") != "" {
		return "", i, false
	}
	return inner, end, true
}

// skipSubscript returns the index after a subscript starting at s[i].
func skipSubscript(s string, i int) int {
	if i >= len(s) {
		return i
	}
	if s[i] == '{' {
		if _, j, ok := braced(s, i); ok {
			return j
		}
		return len(s)
	}
	j := i
	for j < len(s) && (isDigit(s[j]) || isLetter(s[j])) {
		j++
	}
	if j == i {
		j++
	}
	return j
}

// subscript reads "_1", "_{n+1}" after a letter and returns it as written plus the next index.
func subscript(s string, i int) (string, int) {
	if i >= len(s) || s[i] != '_' {
		return "", i
	}
	j := skipSubscript(s, i+1)
	sub := strings.Trim(s[i+1:j], "{}")
	return "_" + strings.ReplaceAll(sub, " ", ""), j
}

func (lx *lexer) word(s string, i int) int {
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	w := s[i:j]
	if lx.textMode {
		if t, ok := plainWords[strings.ToLower(w)]; ok && t.kind == tOp {
			lx.toks = append(lx.toks, t) // "or", "and"
		} else {
			lx.emit(tWord, w)
		}
		return j
	}
	if len(w) == 1 {
		lx.letter(w)
		if j < len(s) && s[j] == '_' {
			sub, k := subscript(s, j)
			lx.toks[len(lx.toks)-1].text += sub
			return k
		}
		return j
	}
	lw := strings.ToLower(w)
	if f, ok := funcNames[lw]; ok {
		lx.emit(tFunc, f)
		return j
	}
	if t, ok := plainWords[lw]; ok {
		lx.toks = append(lx.toks, t)
		return j
	}
	if len(w) == 2 && !shortUnits[w] && !shortWords[lw] {
		lx.letter(w[:1])
		lx.letter(w[1:])
		return j
	}
	lx.emit(tWord, w)
	return j
}

// letter emits one letter: e and i are constants, others variables.
func (lx *lexer) letter(w string) {
	switch w {
	case "e":
		lx.emit(tConst, "e")
	case "i":
		lx.emit(tConst, "i")
	default:
		lx.emit(tIdent, w)
	}
}

func (lx *lexer) command(s string, i int) int {
	j := i + 1
	if j >= len(s) {
		return j
	}
	if !isLetter(s[j]) {
		switch s[j] {
		case '{':
			lx.emit(tLSet, "")
		case '}':
			lx.emit(tRSet, "")
		case '\\':
			lx.emit(tRowSep, "")
		case '|':
			lx.emit(tOp, "|")
		}
		return j + 1
	}
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	name := s[i+1 : j]
	switch {
	case skipCmds[name]:
		if (name == "left" || name == "right") && j < len(s) && s[j] == '.' {
			j++
		}
		return j
	case wrapperCmds[name]:
		k := j
		for k < len(s) && s[k] == ' ' {
			k++
		}
		if k < len(s) && s[k] == '{' {
			inner, end, ok := braced(s, k)
			if !ok {
				lx.err = errSyntax
				return len(s)
			}
			if lx.lim.mv && textCmds[name] && isDigits(strings.TrimSpace(inner)) {
				lx.emit(tWord, inner) // math-verify: \text{13} is a name, not the number 13
				return end
			}
			if textCmds[name] && !mathLetter[strings.TrimSpace(inner)] {
				was := lx.textMode
				lx.textMode = true
				lx.run(" " + inner + " ")
				lx.textMode = was
			} else {
				lx.run(" " + inner + " ")
			}
			return end
		}
		return j
	case name == "begin" || name == "end":
		k := j
		if k < len(s) && s[k] == '{' {
			env, end, ok := braced(s, k)
			if !ok {
				lx.err = errSyntax
				return len(s)
			}
			k = end
			if name == "begin" && env == "array" && k < len(s) && s[k] == '{' {
				_, k, _ = braced(s, k) // column spec
			}
			if strings.HasSuffix(env, "matrix") || env == "array" {
				if name == "begin" {
					lx.emit(tBegin, env)
				} else {
					lx.emit(tEnd, env)
				}
				return k
			}
			// Other environments (cases, aligned) compare as text.
			lx.emit(tWord, "\\"+name+"{"+env+"}")
			return k
		}
		lx.emit(tWord, "\\"+name)
		return k
	case greek[name]:
		w := name
		if j < len(s) && s[j] == '_' {
			sub, k := subscript(s, j)
			w += sub
			j = k
		}
		lx.emit(tIdent, w)
		return j
	}
	if f, ok := funcNames[name]; ok {
		lx.emit(tFunc, f)
		return j
	}
	if t, ok := cmdTokens[name]; ok {
		if name == "approx" && lx.lim.mv {
			t = token{tRel, approxRel}
		}
		lx.toks = append(lx.toks, t)
		return j
	}
	if lx.lim.mv {
		// "\quadx": latex2sympy reads the spacing command, then x.
		for _, sp := range []string{"qquad", "quad"} {
			if rest := strings.TrimPrefix(name, sp); rest != name && rest != "" {
				return lx.word(s, i+1+len(sp))
			}
		}
	}
	lx.emit(tWord, "\\"+name)
	return j
}
