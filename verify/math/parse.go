package math

import (
	"errors"
	"math/big"
	"slices"
	"strings"
)

// op is the kind of an expression node.
type op uint8

const (
	opNum    op = iota // num
	opVar              // name
	opConst            // name: pi, e, i, inf
	opAdd              // kids summed
	opMul              // kids multiplied (division is a power -1)
	opPow              // kids[0] ^ kids[1]
	opNeg              // -kids[0]
	opFunc             // name(kids[0]); log with a base has kids[1] = base
	opRoot             // kids[0]-th root of kids[1]
	opFact             // kids[0]!
	opBinom            // C(kids[0], kids[1])
	opPM               // kids[0] ± kids[1] (mp: kids[0] ∓ kids[1], same set)
	opRel              // kids[0] name kids[1] (name "=", "<", "<=", ...), possibly chained
	opList             // a top-level comma list: unordered
	opSet              // \{...\}: unordered
	opTuple            // (a, b, ...) or [a, b]: ordered; open/close hold the brackets
	opUnion            // kids are intervals or sets
	opMatrix           // rows x cols cells in kids, row-major
)

// node is an expression tree node. Trees are built once per answer and never mutated after
// parsing, so a parsed gold answer can be compared with many predictions concurrently.
type node struct {
	op          op
	name        string
	num         *big.Rat
	kids        []*node
	open, close byte // brackets of a tuple or interval
	rows, cols  int
}

var (
	errSyntax = errors.New("cannot parse as math")
	errDeep   = errors.New("too deeply nested")
	errText   = errors.New("text answer")
)

// parser is a recursive-descent parser over tokens. Precedence, loosest first: comma lists and
// unions, relations (= < \le ...), sums (+ - \pm), products (* / and implicit
// multiplication), unary signs, powers and factorials, atoms.
type parser struct {
	toks  []token
	i     int
	depth int
	lim   *limits
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{}
}

func (p *parser) isOp(c string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == c
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.lim.maxDepth {
		return errDeep
	}
	return nil
}

// parseAnswer parses a whole answer. Words that are not math make it a text answer (errText),
// except unit words after a number, which are dropped.
func parseAnswer(toks []token, lim *limits) (*node, error) {
	// "x \in [1, 2]" (or plain "x in [1, 2]") is the interval.
	if len(toks) > 2 && toks[0].kind == tIdent && (toks[1].kind == tIn || toks[1].kind == tWord && toks[1].text == "in") {
		toks = toks[2:]
	}
	toks = dropUnits(toks)
	for _, t := range toks {
		if t.kind == tWord {
			return nil, errText
		}
	}
	p := &parser{toks: toks, lim: lim}
	n, err := p.parseList()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, errSyntax
	}
	return n, nil
}

// dropUnits removes units after a value when the answer begins with math: a word after a
// number, constant, variable or closing bracket, and the rest of its unit expression
// ("5 cm", "10\text{ inches}", "12\text{ cm}^2", "3\text{ m/s}^{2}", "42 dollars").
func dropUnits(toks []token) []token {
	if len(toks) == 0 || toks[0].kind == tWord || !slices.ContainsFunc(toks, func(t token) bool { return t.kind == tWord }) {
		return toks
	}
	out := make([]token, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tWord && len(out) > 0 && endsValue(out[len(out)-1]) {
			for i+1 < len(toks) && unitTail(toks, i+1) {
				i++
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func endsValue(t token) bool {
	return t.kind == tNum || t.kind == tConst || t.kind == tIdent || t.kind == tOp && (t.text == ")" || t.text == "}")
}

// unitTail reports whether toks[j] continues a unit: more words, '/', '*', powers and
// their braces.
func unitTail(toks []token, j int) bool {
	t, prev := toks[j], toks[j-1]
	afterPow := prev.kind == tOp && (prev.text == "^" || prev.text == "{" || prev.text == "-")
	switch t.kind {
	case tWord:
		return true
	case tNum:
		return afterPow
	case tOp:
		switch t.text {
		case "/", "*", "^", "{", "}":
			return true
		case "-":
			return afterPow
		}
	}
	return false
}

// parseList parses comma-separated items up to a closing token (not consumed). A single item
// is returned as is; several make an opList.
func (p *parser) parseList() (*node, error) {
	items, err := p.parseItems()
	if err != nil {
		return nil, err
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &node{op: opList, kids: items}, nil
}

func (p *parser) parseItems() ([]*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var items []*node
	for {
		n, err := p.parseUnion()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
		if len(items) > p.lim.maxItems {
			return nil, errBudget("too many items")
		}
		if !p.isOp(",") {
			return items, nil
		}
		p.i++
	}
}

func (p *parser) parseUnion() (*node, error) {
	n, err := p.parseRel()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tCup {
		return n, nil
	}
	u := &node{op: opUnion, kids: []*node{n}}
	for p.peek().kind == tCup {
		p.i++
		m, err := p.parseRel()
		if err != nil {
			return nil, err
		}
		u.kids = append(u.kids, m)
	}
	return u, nil
}

func (p *parser) parseRel() (*node, error) {
	n, err := p.parseSum()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var rel string
		switch {
		case t.kind == tRel:
			rel = t.text
		case t.kind == tOp && t.text == "=":
			rel = "="
		default:
			return n, nil
		}
		p.i++
		m, err := p.parseSum()
		if err != nil {
			return nil, err
		}
		if rel == approxRel {
			// math-verify: "x \approx 11" is 11, "1/3 \approx 0.33" (or x = 1/3 \approx 0.33) keeps
			// the exact left side.
			if onlySymbols(n) {
				n = m
			}
			continue
		}
		switch {
		case n.op == opRel && n.name == rel:
			n.kids = append(n.kids, m) // a = b = c, 1 < x < 2
		case n.op == opRel && len(n.kids) == 2 && direction(n.name) != 0 && direction(n.name) == direction(rel):
			n.name += " " + rel // -2 <= x < 7: the operators in order
			n.kids = append(n.kids, m)
		default:
			n = &node{op: opRel, name: rel, kids: []*node{n, m}}
		}
	}
}

// direction is -1 for < and <=, 1 for > and >=, 0 otherwise.
func direction(rel string) int {
	switch rel {
	case "<", "<=":
		return -1
	case ">", ">=":
		return 1
	}
	return 0
}

func (p *parser) parseSum() (*node, error) {
	n, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.text == "+" || t.text == "-"):
			p.i++
			m, err := p.parseTerm()
			if err != nil {
				return nil, err
			}
			if t.text == "-" {
				m = &node{op: opNeg, kids: []*node{m}}
			}
			if n.op == opAdd {
				n.kids = append(n.kids, m)
			} else {
				n = &node{op: opAdd, kids: []*node{n, m}}
			}
		case t.kind == tPM:
			p.i++
			m, err := p.parseTerm()
			if err != nil {
				return nil, err
			}
			n = &node{op: opPM, kids: []*node{n, m}}
		default:
			return n, nil
		}
	}
}

// startsFactor reports whether the next token can begin an implicitly multiplied factor.
func (p *parser) startsFactor() bool {
	t := p.peek()
	switch t.kind {
	case tNum, tIdent, tConst, tFunc, tCmd, tBegin:
		return true
	case tOp:
		return t.text == "(" || t.text == "{"
	}
	return false
}

func (p *parser) parseTerm() (*node, error) {
	n, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var div bool
		switch {
		case t.kind == tOp && (t.text == "*" || t.text == "/" || t.text == ":" && p.lim.mv):
			div = t.text != "*" // math-verify reads a ratio 7:32 as 7/32
			p.i++
		case p.startsFactor():
		default:
			return n, nil
		}
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if div {
			m = &node{op: opPow, kids: []*node{m, minusOne}}
		}
		if n.op == opMul {
			n.kids = append(n.kids, m)
		} else {
			n = &node{op: opMul, kids: []*node{n, m}}
		}
	}
}

var minusOne = &node{op: opNum, num: big.NewRat(-1, 1)}

func (p *parser) parseUnary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch {
	case t.kind == tOp && t.text == "-":
		p.i++
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &node{op: opNeg, kids: []*node{m}}, nil
	case t.kind == tOp && t.text == "+":
		p.i++
		return p.parseUnary()
	case t.kind == tPM:
		p.i++
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &node{op: opPM, kids: []*node{zero, m}}, nil
	}
	return p.parsePower()
}

var zero = &node{op: opNum, num: new(big.Rat)}

func (p *parser) parsePower() (*node, error) {
	n, err := p.parseAtom()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("!"):
			p.i++
			n = &node{op: opFact, kids: []*node{n}}
		case p.isOp("^"):
			p.i++
			e, err := p.parseExponent()
			if err != nil {
				return nil, err
			}
			n = &node{op: opPow, kids: []*node{n, e}}
		default:
			return n, nil
		}
	}
}

// parseExponent reads what follows '^': a brace group, or a signed power ("x^-1", "2^3^2").
func (p *parser) parseExponent() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.isOp("-") {
		p.i++
		e, err := p.parseExponent()
		if err != nil {
			return nil, err
		}
		return &node{op: opNeg, kids: []*node{e}}, nil
	}
	if p.isOp("+") {
		p.i++
	}
	return p.parsePower()
}

// parseArg reads one LaTeX macro argument: a brace group, a single digit of a number
// ("\frac12"), or one atom.
func (p *parser) parseArg() (*node, error) {
	t := p.peek()
	if t.kind == tNum && len(t.text) > 1 {
		// Split the first digit off in place.
		p.toks[p.i].text = t.text[1:]
		return numNode(t.text[:1], p.lim)
	}
	if t.kind == tOp && t.text == "{" {
		return p.parseGroup("}")
	}
	return p.parseAtom()
}

// parseGroup parses a group whose opening bracket is the current token, up to close, and
// returns its single item or list.
func (p *parser) parseGroup(close string) (*node, error) {
	p.i++
	n, err := p.parseList()
	if err != nil {
		return nil, err
	}
	if !p.isOp(close) {
		return nil, errSyntax
	}
	p.i++
	return n, nil
}

func numNode(text string, lim *limits) (*node, error) {
	if i := strings.IndexAny(text, "eE"); i >= 0 {
		// Bound the exponent before big.Rat expands it into digits.
		e := text[i+1:]
		e = strings.TrimLeft(e, "+-")
		if len(e) > 4 || len(e) == 4 && e > "2000" {
			return nil, errBudget("exponent too large in " + text)
		}
	}
	text, rep, _ := strings.Cut(text, "~")
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, errSyntax
	}
	name := ""
	if rep == "" && strings.ContainsAny(text, ".eE") {
		name = decimalName // written as a decimal: math-verify's Float
	}
	if rep != "" {
		// 0.1\overline{6} = 0.1 + 6 / (10^1 · (10^1 − 1)).
		if len(rep) > 50 {
			return nil, errBudget("repeating block too long")
		}
		frac := 0
		if _, f, ok := strings.Cut(text, "."); ok {
			frac = len(f)
		}
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(rep))), nil)
		den.Sub(den, big.NewInt(1))
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(frac)), nil))
		num, _ := new(big.Int).SetString(rep, 10)
		r.Add(r, new(big.Rat).SetFrac(num, den))
	}
	return &node{op: opNum, num: r, name: name}, nil
}

func (p *parser) parseAtom() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch t.kind {
	case tNum:
		p.i++
		n, err := numNode(t.text, p.lim)
		if err == nil && n.num.IsInt() {
			if frac := p.mixedFraction(); frac != nil {
				return &node{op: opAdd, kids: []*node{n, frac}}, nil
			}
		}
		return n, err
	case tIdent:
		p.i++
		return &node{op: opVar, name: t.text}, nil
	case tConst:
		p.i++
		return &node{op: opConst, name: t.text}, nil
	case tEmpty:
		p.i++
		return &node{op: opSet}, nil
	case tLSet:
		p.i++
		n, err := p.parseItems()
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tRSet {
			return nil, errSyntax
		}
		p.i++
		return &node{op: opSet, kids: n}, nil
	case tBegin:
		return p.parseMatrix()
	case tFunc:
		return p.parseFunc()
	case tCmd:
		p.i++
		switch t.text {
		case "frac", "binom":
			a, err := p.parseArg()
			if err != nil {
				return nil, err
			}
			b, err := p.parseArg()
			if err != nil {
				return nil, err
			}
			if t.text == "binom" {
				return &node{op: opBinom, kids: []*node{a, b}}, nil
			}
			return &node{op: opMul, kids: []*node{a, {op: opPow, kids: []*node{b, minusOne}}}}, nil
		case "sqrt":
			index := &node{op: opNum, num: big.NewRat(2, 1)}
			if p.isOp("[") {
				var err error
				if index, err = p.parseGroup("]"); err != nil {
					return nil, err
				}
			}
			a, err := p.parseArg()
			if err != nil {
				return nil, err
			}
			return &node{op: opRoot, kids: []*node{index, a}}, nil
		}
		return nil, errSyntax
	case tOp:
		switch t.text {
		case "(", "[":
			return p.parseBracket()
		case "{":
			n, err := p.parseGroup("}")
			if err != nil {
				return nil, err
			}
			if n.op == opList {
				n.op = opSet // plain-text {1, 2}
			}
			return n, nil
		case "|":
			p.i++
			n, err := p.parseSum()
			if err != nil {
				return nil, err
			}
			if !p.isOp("|") {
				return nil, errSyntax
			}
			p.i++
			return &node{op: opFunc, name: "abs", kids: []*node{n}}, nil
		}
	}
	return nil, errSyntax
}

// parseBracket parses ( ... ), [ ... ], and mixed intervals ( ... ] and [ ... ).
func (p *parser) parseBracket() (*node, error) {
	open := p.peek().text[0]
	p.i++
	items, err := p.parseItems()
	if err != nil {
		return nil, err
	}
	if !p.isOp(")") && !p.isOp("]") {
		return nil, errSyntax
	}
	close := p.peek().text[0]
	p.i++
	if len(items) == 1 && (open == '(' && close == ')' || open == '[' && close == ']') {
		return items[0], nil
	}
	if len(items) == 1 {
		return nil, errSyntax
	}
	return &node{op: opTuple, kids: items, open: open, close: close}, nil
}

func (p *parser) parseFunc() (*node, error) {
	name := p.peek().text
	p.i++
	var pow, base *node
	var err error
	for {
		switch {
		case p.isOp("^") && pow == nil:
			p.i++
			if pow, err = p.parseArg(); err != nil {
				return nil, err
			}
			continue
		case p.isOp("_") && base == nil:
			p.i++
			if base, err = p.parseArg(); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	arg, err := p.parseFuncArg()
	if err != nil {
		return nil, err
	}
	// \sin^{-1} x is arcsin x.
	if pow != nil && pow.op == opNeg && isOne(pow.kids[0]) || pow != nil && pow.op == opNum && pow.num.Cmp(minusOne.num) == 0 {
		if inv, ok := inverseTrig[name]; ok {
			name, pow = inv, nil
		}
	}
	f := &node{op: opFunc, name: name, kids: []*node{arg}}
	if base != nil {
		f.kids = append(f.kids, base)
	}
	if pow != nil {
		return &node{op: opPow, kids: []*node{f, pow}}, nil
	}
	return f, nil
}

var inverseTrig = map[string]string{"sin": "asin", "cos": "acos", "tan": "atan"}

func isOne(n *node) bool {
	return n.op == opNum && n.num.IsInt() && n.num.Num().IsInt64() && n.num.Num().Int64() == 1
}

// parseFuncArg reads a function's argument: a bracketed group, or the implicit product of the
// factors that follow ("\sin 2x" is sin(2x); "\sin x \cos x" is sin(x)·cos(x)).
func (p *parser) parseFuncArg() (*node, error) {
	if p.isOp("(") || p.isOp("{") || p.isOp("[") {
		return p.parseAtom()
	}
	n, err := p.parsePower()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tNum && t.kind != tIdent && t.kind != tConst {
			return n, nil
		}
		m, err := p.parsePower()
		if err != nil {
			return nil, err
		}
		if n.op == opMul {
			n.kids = append(n.kids, m)
		} else {
			n = &node{op: opMul, kids: []*node{n, m}}
		}
	}
}

func (p *parser) parseMatrix() (*node, error) {
	p.i++
	m := &node{op: opMatrix}
	row := 0
	for {
		cell, err := p.parseRel()
		if err != nil {
			return nil, err
		}
		m.kids = append(m.kids, cell)
		row++
		if len(m.kids) > p.lim.maxItems {
			return nil, errBudget("too many items")
		}
		t := p.peek()
		switch {
		case t.kind == tOp && t.text == "&":
			p.i++
		case t.kind == tRowSep:
			p.i++
			if err := m.endRow(row); err != nil {
				return nil, err
			}
			row = 0
			if p.peek().kind == tEnd { // trailing \\ before \end
				p.i++
				return m, nil
			}
		case t.kind == tEnd:
			p.i++
			if err := m.endRow(row); err != nil {
				return nil, err
			}
			return m, nil
		default:
			return nil, errSyntax
		}
	}
}

func (m *node) endRow(n int) error {
	if m.rows == 0 {
		m.cols = n
	} else if n != m.cols {
		return errSyntax
	}
	m.rows++
	return nil
}

// mixedFraction parses the fraction of a mixed number, 2\frac{1}{2} = 5/2, as MATH writes
// them: an integer directly followed by \frac of two integer literals.
func (p *parser) mixedFraction() *node {
	toks := p.toks[p.i:]
	isNum := func(t token) bool { return t.kind == tNum && !strings.ContainsAny(t.text, ".eE~") }
	isOp := func(t token, c string) bool { return t.kind == tOp && t.text == c }
	if len(toks) < 2 || toks[0].kind != tCmd || toks[0].text != "frac" {
		return nil
	}
	var a, b string
	switch {
	case len(toks) >= 7 && isOp(toks[1], "{") && isNum(toks[2]) && isOp(toks[3], "}") &&
		isOp(toks[4], "{") && isNum(toks[5]) && isOp(toks[6], "}"):
		a, b = toks[2].text, toks[5].text
		p.i += 7
	case isNum(toks[1]) && len(toks[1].text) == 2:
		a, b = toks[1].text[:1], toks[1].text[1:]
		p.i += 2
	default:
		return nil
	}
	na, _ := numNode(a, p.lim)
	nb, _ := numNode(b, p.lim)
	return &node{op: opMul, kids: []*node{na, {op: opPow, kids: []*node{nb, minusOne}}}}
}
