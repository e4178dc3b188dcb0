package logic

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Limits for arithmetic expressions in answers: long enough for any honest answer, short
// enough that exact big-rational evaluation stays cheap.
const (
	maxExprBytes  = 4096
	maxExprDepth  = 64
	maxLiteralLen = 40
	// maxLiterals bounds the operand count: no SynLogic equation has more than a handful,
	// and long sums of fractions are what would make exact arithmetic slow.
	maxLiterals = 64
)

// arith is a parsed and exactly evaluated arithmetic expression over integer literals with
// + - * / and parentheses, as Python would evaluate it with true division (but exact).
type arith struct {
	value   *big.Rat
	numbers []*big.Int // integer literals in order of appearance
	ops     string     // binary operators in order of appearance
	unary   string     // unary operators in order of appearance
}

// errDivZero is returned for a division by zero anywhere in the expression.
var errDivZero = errors.New("division by zero")

// evalArith parses src as an arithmetic expression and evaluates it with exact rationals.
// It never calls any evaluator: only integer literals, + - * /, unary +/- and parentheses are
// accepted; anything else (names, **, //, floats, calls) is an error.
func evalArith(src string) (arith, error) {
	return evalArithOps(src, false)
}

// evalArithMod is evalArith that also accepts Python's % (math_path templates use it), with
// Python's floored semantics: a % b = a - b*floor(a/b), so the result takes b's sign.
func evalArithMod(src string) (arith, error) {
	return evalArithOps(src, true)
}

func evalArithOps(src string, mod bool) (arith, error) {
	if len(src) > maxExprBytes {
		return arith{}, fmt.Errorf("expression too long (%d bytes, limit %d)", len(src), maxExprBytes)
	}
	p := arithParser{src: src, mod: mod}
	v, err := p.expr(0)
	if err != nil {
		return arith{}, err
	}
	p.space()
	if p.pos != len(p.src) {
		return arith{}, fmt.Errorf("unexpected %q at byte %d", p.src[p.pos:min(p.pos+8, len(p.src))], p.pos)
	}
	p.out.value = v
	return p.out, nil
}

type arithParser struct {
	src string
	pos int
	mod bool // '%' allowed
	out arith
}

func (p *arithParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *arithParser) peek() byte {
	p.space()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

// doubled reports whether the operator at p.pos is doubled ("**" or "//"), which Python
// reads as power or floor division — operators no SynLogic arithmetic task allows.
func (p *arithParser) doubled() bool {
	return p.pos+1 < len(p.src) && p.src[p.pos+1] == p.src[p.pos]
}

func (p *arithParser) expr(depth int) (*big.Rat, error) {
	if depth > maxExprDepth {
		return nil, errors.New("expression nested too deeply")
	}
	acc, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if op != '+' && op != '-' {
			return acc, nil
		}
		p.pos++
		p.out.ops += string(op)
		rhs, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		if op == '+' {
			acc.Add(acc, rhs)
		} else {
			acc.Sub(acc, rhs)
		}
	}
}

func (p *arithParser) term(depth int) (*big.Rat, error) {
	acc, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if op != '*' && op != '/' && (op != '%' || !p.mod) {
			return acc, nil
		}
		if p.doubled() {
			return nil, fmt.Errorf("operator %q is not allowed", p.src[p.pos:p.pos+2])
		}
		p.pos++
		p.out.ops += string(op)
		rhs, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		switch {
		case op == '*':
			acc.Mul(acc, rhs)
		case rhs.Sign() == 0:
			return nil, errDivZero
		case op == '/':
			acc.Quo(acc, rhs)
		default:
			q := new(big.Rat).Quo(acc, rhs)
			floor := new(big.Int).Div(q.Num(), q.Denom()) // Euclidean = floored: Denom > 0
			acc.Sub(acc, rhs.Mul(rhs, new(big.Rat).SetInt(floor)))
		}
	}
}

func (p *arithParser) factor(depth int) (*big.Rat, error) {
	if depth > maxExprDepth {
		return nil, errors.New("expression nested too deeply")
	}
	switch c := p.peek(); {
	case c == '+' || c == '-':
		p.pos++
		p.out.unary += string(c)
		v, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		if c == '-' {
			v.Neg(v)
		}
		return v, nil
	case c == '(':
		p.pos++
		v, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ')' at byte %d", p.pos)
		}
		p.pos++
		return v, nil
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		lit := p.src[start:p.pos]
		if len(lit) > maxLiteralLen {
			return nil, fmt.Errorf("number too long at byte %d", start)
		}
		if p.pos < len(p.src) && (p.src[p.pos] == '.' || p.src[p.pos] == '_' || isIdentByte(p.src[p.pos])) {
			return nil, fmt.Errorf("only integer literals are allowed (byte %d)", start)
		}
		if len(lit) > 1 && lit[0] == '0' {
			// Python 3 rejects 09 and would not evaluate the answer.
			return nil, fmt.Errorf("leading zero in %q", lit)
		}
		if len(p.out.numbers) == maxLiterals {
			return nil, fmt.Errorf("more than %d numbers", maxLiterals)
		}
		n, _ := new(big.Int).SetString(lit, 10)
		p.out.numbers = append(p.out.numbers, n)
		return new(big.Rat).SetInt(n), nil
	case c == 0:
		return nil, errors.New("unexpected end of expression")
	default:
		return nil, fmt.Errorf("unexpected %q at byte %d", p.src[p.pos:min(p.pos+8, len(p.src))], p.pos)
	}
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normaliseOps maps the typographic operators models like to use onto ASCII ones.
var normaliseOps = strings.NewReplacer("×", "*", "÷", "/", "−", "-", "–", "-", "\\times", "*", "\\div", "/", "\\cdot", "*")
