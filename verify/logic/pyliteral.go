package logic

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyKind is the type of a parsed Python literal.
type pyKind uint8

const (
	pyInt pyKind = iota
	pyStr
	pyList
	pyTuple
	pyDict
	pyBool
	pyNone
)

// pyValue is a Python literal as ast.literal_eval would accept it, restricted to what SynLogic
// answers use: ints, strings, bools, None, lists, tuples and dicts (no floats, sets, bytes).
type pyValue struct {
	kind  pyKind
	i     int64     // pyInt; pyBool as 0/1
	s     string    // pyStr
	items []pyValue // pyList, pyTuple; dict values
	keys  []pyValue // pyDict keys, parallel to items
}

const (
	maxPyDepth = 32
	maxPyNodes = 100_000
)

// parsePyLiteral parses exactly one Python literal (surrounding space and # comments allowed).
// Input longer than maxAnswerBytes, nesting deeper than maxPyDepth or more than maxPyNodes
// values are errors, so the cost is linear and bounded.
func parsePyLiteral(src string) (pyValue, error) {
	if len(src) > maxAnswerBytes {
		return pyValue{}, fmt.Errorf("literal too long (%d bytes, limit %d)", len(src), maxAnswerBytes)
	}
	if !utf8.ValidString(src) {
		return pyValue{}, errors.New("literal is not valid UTF-8") // Python would reject the source too
	}
	p := pyParser{src: src}
	v, err := p.value(0)
	if err != nil {
		return pyValue{}, err
	}
	p.space()
	if p.pos != len(p.src) {
		return pyValue{}, fmt.Errorf("unexpected %q after the literal at byte %d", p.peekRune(), p.pos)
	}
	return v, nil
}

type pyParser struct {
	src   string
	pos   int
	nodes int
}

func (p *pyParser) peekRune() string {
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return string(r)
}

// space skips whitespace, line continuations and comments.
func (p *pyParser) space() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			if strings.HasPrefix(p.src[p.pos:], "\u00a0") {
				p.pos += len("\u00a0")
				continue
			}
			return
		}
	}
}

func (p *pyParser) value(depth int) (pyValue, error) {
	if depth > maxPyDepth {
		return pyValue{}, errors.New("literal nested too deeply")
	}
	p.nodes++
	if p.nodes > maxPyNodes {
		return pyValue{}, errors.New("literal has too many values")
	}
	p.space()
	if p.pos >= len(p.src) {
		return pyValue{}, errors.New("unexpected end of literal")
	}
	switch c := p.src[p.pos]; {
	case c == '[':
		p.pos++
		items, _, err := p.seq(']', depth)
		return pyValue{kind: pyList, items: items}, err
	case c == '(':
		p.pos++
		items, comma, err := p.seq(')', depth)
		if err != nil {
			return pyValue{}, err
		}
		// (x) is x, not a tuple: only a comma (or "()") makes one.
		if len(items) == 1 && !comma {
			return items[0], nil
		}
		return pyValue{kind: pyTuple, items: items}, nil
	case c == '{':
		p.pos++
		return p.dict(depth)
	case c == '\'' || c == '"':
		s, err := p.str()
		return pyValue{kind: pyStr, s: s}, err
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.int()
	default:
		for _, kw := range []struct {
			word string
			v    pyValue
		}{{"True", pyValue{kind: pyBool, i: 1}}, {"False", pyValue{kind: pyBool}}, {"None", pyValue{kind: pyNone}}} {
			if strings.HasPrefix(p.src[p.pos:], kw.word) && !p.identAt(p.pos+len(kw.word)) {
				p.pos += len(kw.word)
				return kw.v, nil
			}
		}
		return pyValue{}, fmt.Errorf("unexpected %q at byte %d", p.peekRune(), p.pos)
	}
}

func (p *pyParser) identAt(i int) bool {
	if i >= len(p.src) {
		return false
	}
	c := p.src[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// seq parses comma-separated values up to close (the opening bracket already consumed) and
// reports whether any comma was seen.
func (p *pyParser) seq(close byte, depth int) (items []pyValue, comma bool, err error) {
	for {
		p.space()
		if p.pos >= len(p.src) {
			return nil, false, fmt.Errorf("missing %q", close)
		}
		if p.src[p.pos] == close {
			p.pos++
			return items, comma, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		p.space()
		if p.pos >= len(p.src) {
			return nil, false, fmt.Errorf("missing %q", close)
		}
		switch p.src[p.pos] {
		case ',':
			comma = true
			p.pos++
		case close:
		default:
			return nil, false, fmt.Errorf("want ',' or %q at byte %d, got %q", close, p.pos, p.peekRune())
		}
	}
}

func (p *pyParser) dict(depth int) (pyValue, error) {
	d := pyValue{kind: pyDict}
	for {
		p.space()
		if p.pos >= len(p.src) {
			return pyValue{}, errors.New("missing '}'")
		}
		if p.src[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return pyValue{}, err
		}
		if k.kind == pyList || k.kind == pyDict {
			return pyValue{}, errors.New("unhashable dict key")
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return pyValue{}, fmt.Errorf("want ':' at byte %d", p.pos)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return pyValue{}, err
		}
		d.keys = append(d.keys, k)
		d.items = append(d.items, v)
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
		} else if p.pos >= len(p.src) || p.src[p.pos] != '}' {
			return pyValue{}, fmt.Errorf("want ',' or '}' at byte %d", p.pos)
		}
	}
}

func (p *pyParser) int() (pyValue, error) {
	start := p.pos
	neg := false
	for p.pos < len(p.src) && (p.src[p.pos] == '-' || p.src[p.pos] == '+') {
		if p.src[p.pos] == '-' {
			neg = !neg
		}
		p.pos++
		p.space()
	}
	digits := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '_') {
		p.pos++
	}
	if p.pos == digits {
		return pyValue{}, fmt.Errorf("want a number at byte %d", start)
	}
	if p.pos < len(p.src) && (p.src[p.pos] == '.' || p.src[p.pos] == 'e' || p.src[p.pos] == 'E' || p.identAt(p.pos)) {
		return pyValue{}, fmt.Errorf("only integers are accepted (byte %d)", start)
	}
	lit := strings.ReplaceAll(p.src[digits:p.pos], "_", "")
	if len(lit) > 1 && lit[0] == '0' && strings.Trim(lit, "0") != "" {
		return pyValue{}, fmt.Errorf("leading zero in integer at byte %d", start)
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return pyValue{}, fmt.Errorf("integer out of range at byte %d", start)
	}
	if neg {
		n = -n
	}
	return pyValue{kind: pyInt, i: n}, nil
}

// str parses a quoted string with Python's common escapes; triple quotes and prefixes are not
// accepted (no SynLogic answer needs them).
func (p *pyParser) str() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\n':
			return "", errors.New("newline inside a string")
		case c == '\\':
			if p.pos+1 >= len(p.src) {
				return "", errors.New("unterminated escape")
			}
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				// Octal escape: up to three digits, the first already read.
				r := rune(e - '0')
				for k := 0; k < 2 && p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '7'; k++ {
					r = r*8 + rune(p.src[p.pos]-'0')
					p.pos++
				}
				b.WriteRune(r)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.pos+n > len(p.src) {
					return "", errors.New("short escape")
				}
				r, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
				if err != nil || r > utf8.MaxRune {
					return "", fmt.Errorf("bad \\%c escape", e)
				}
				b.WriteRune(rune(r))
				p.pos += n
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", errors.New("unterminated string")
}

// isSeq reports whether v is a list or tuple.
func (v pyValue) isSeq() bool { return v.kind == pyList || v.kind == pyTuple }

// text renders a scalar the way it would be written in a grid cell: strings as is, ints in
// decimal. ok is false for containers, bools and None.
func (v pyValue) text() (string, bool) {
	switch v.kind {
	case pyStr:
		return v.s, true
	case pyInt:
		return strconv.FormatInt(v.i, 10), true
	}
	return "", false
}

// intValue returns an int, accepting a string of decimal digits as SynLogic graders do
// (models often quote grid numbers).
func (v pyValue) intValue() (int, bool) {
	switch v.kind {
	case pyInt:
		if v.i < -1<<31 || v.i > 1<<31 {
			return 0, false
		}
		return int(v.i), true
	case pyStr:
		n, err := strconv.Atoi(strings.TrimSpace(v.s))
		return n, err == nil
	}
	return 0, false
}

// pyGrid reads v as a rectangular-or-ragged list of rows (lists or tuples) of cells.
func pyGrid(v pyValue) ([][]pyValue, error) {
	if !v.isSeq() {
		return nil, errors.New("answer is not a list of rows")
	}
	rows := make([][]pyValue, len(v.items))
	for i, r := range v.items {
		if !r.isSeq() {
			return nil, fmt.Errorf("row %d is not a list", i+1)
		}
		rows[i] = r.items
	}
	return rows, nil
}

// intGrid reads v as an n×m grid of integers with the given shape (rows, cols).
func intGrid(v pyValue, rows, cols int) ([][]int, error) {
	g, err := pyGrid(v)
	if err != nil {
		return nil, err
	}
	if len(g) != rows {
		return nil, fmt.Errorf("grid has %d rows, want %d", len(g), rows)
	}
	out := make([][]int, rows)
	for i, r := range g {
		if len(r) != cols {
			return nil, fmt.Errorf("row %d has %d cells, want %d", i+1, len(r), cols)
		}
		out[i] = make([]int, cols)
		for j, c := range r {
			n, ok := c.intValue()
			if !ok {
				return nil, fmt.Errorf("cell (%d,%d) is not an integer", i+1, j+1)
			}
			out[i][j] = n
		}
	}
	return out, nil
}

// mustLiteral parses text that a pattern has already matched as a literal; a failure (which
// the pattern rules out) gives the zero value, which every reader rejects.
func mustLiteral(text string) pyValue {
	v, _ := parsePyLiteral(text)
	return v
}
