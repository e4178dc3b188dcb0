package math

import (
	"errors"
	"math/big"
	"math/cmplx"
	"slices"
)

// This file is the comparison half of the math-verify–compatible mode (Options.MathVerify):
// the rules of Hugging Face math-verify's verify (src/math_verify/grader.py, sympy_expr_eq and
// the functions it calls) where they differ from the default, symmetric rules.

// approxRel is the relation token of "\approx" under MathVerify (otherwise it reads as "=").
const approxRel = "~"

// decimalName marks a number node written as a decimal (0.5, 1.5e3): math-verify's Float.
const decimalName = "decimal"

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// onlySymbols reports what latex2sympy calls an expression of only symbols, the left side
// of an assignment ("x = 5", "f(x) = x^2", "(p, q) = (3, 2)", "\frac{NO}{BO} = …"): a
// variable, or sums, products, tuples and function applications of such, divided by such.
func onlySymbols(n *node) bool {
	switch n.op {
	case opVar:
		return true
	case opPow:
		return n.kids[1] == minusOne && onlySymbols(n.kids[0])
	case opAdd, opMul, opTuple, opFunc:
		for _, k := range n.kids {
			if !onlySymbols(k) {
				return false
			}
		}
		return len(n.kids) > 0
	}
	return false
}

// isSymbolic: a variable or a function application f(x), what may stand between the bounds of
// an inequality read as an interval.
func isSymbolic(n *node) bool {
	return n.op == opVar || n.op == opMul && len(n.kids) == 2 && n.kids[0].op == opVar && n.kids[1].op == opVar
}

func isEquation(n *node) bool { return n.op == opRel && n.name == "=" }

// isAssignment: an equation (or chain of them) whose first side is only symbols.
func isAssignment(n *node) bool { return isEquation(n) && onlySymbols(n.kids[0]) }

// isSetLike: what sympy makes a Set of: intervals, unions, finite sets and lists.
func isSetLike(n *node) bool {
	switch n.op {
	case opSet, opList, opUnion:
		return true
	case opTuple:
		return len(n.kids) == 2
	}
	return false
}

// mvPrepare applies math-verify's normalisations before a comparison, with a the gold answer
// and b the prediction: matrix arithmetic evaluated; an assignment chain x = 5+5+1 = 11
// shortened to x = 11; a predicted equation for a gold that is not one replaced by its last
// right side; a gold assignment for a prediction that is not an equation replaced by its
// value; a gold relation in one variable turned into its interval when the prediction is a
// set or interval (not the reverse).
func mvPrepare(a, b *node) (*node, *node) {
	a, b = foldMatrix(a, maxFold), foldMatrix(b, maxFold)
	if isAssignment(a) && len(a.kids) > 2 {
		a = &node{op: opRel, name: "=", kids: []*node{a.kids[0], a.kids[len(a.kids)-1]}}
	}
	if isAssignment(b) && len(b.kids) > 2 {
		b = &node{op: opRel, name: "=", kids: []*node{b.kids[0], b.kids[len(b.kids)-1]}}
	}
	switch {
	case isEquation(b) && !isEquation(a):
		b = b.kids[len(b.kids)-1]
	case isAssignment(a) && !isEquation(b):
		a = a.kids[len(a.kids)-1]
	}
	if a.op == opRel && isSetLike(b) {
		if iv := relIntervalOf(a, isSymbolic); iv != nil {
			a = iv
		}
	}
	return a, b
}

// inequalityEqual compares two inequalities of two sides each as math-verify's solve does for
// linear ones: equal when their strictness matches and lhs−rhs of one is a positive multiple of
// the other's (same direction) or a negative one (opposite directions): x < 1, 2x < 2,
// -x > -1 and 1 > x are one inequality.
func (c *comparer) inequalityEqual(a, b *node) (bool, error) {
	strict := func(rel string) bool { return rel == "<" || rel == ">" }
	if strict(a.name) != strict(b.name) {
		return false, nil
	}
	diff := func(n *node) *node {
		return &node{op: opAdd, kids: []*node{n.kids[0], {op: opNeg, kids: []*node{n.kids[1]}}}}
	}
	k, ok, err := c.ratio(diff(a), diff(b))
	if err != nil || !ok || stdAbs(imag(k)) > 1e-9*cmplx.Abs(k) {
		return false, err
	}
	if direction(a.name) == direction(b.name) {
		return real(k) > 0, nil
	}
	return real(k) < 0, nil
}

func stdAbs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// isDecimal reports a number written as a decimal, or its negation.
func isDecimal(n *node) bool {
	if n.op == opNeg {
		n = n.kids[0]
	}
	return n.op == opNum && n.name == decimalName
}

// roundedEqual compares two constants after rounding both to c.round decimals, as math-verify
// does when one side is a decimal: 1/3 = 0.333333 and √17 = 4.1231056, but 1/3 ≠ 0.3333.
// An expression with variables is not a number and never equals a decimal.
func (c *comparer) roundedEqual(a, b *node) (bool, error) {
	reA, imA, ok, err := c.constValue(a)
	if !ok || err != nil {
		return false, err
	}
	reB, imB, ok, err := c.constValue(b)
	if !ok || err != nil {
		return false, err
	}
	return roundRat(reA, c.round).Cmp(roundRat(reB, c.round)) == 0 &&
		roundRat(imA, c.round).Cmp(roundRat(imB, c.round)) == 0, nil
}

// constValue returns the real and imaginary parts of a constant expression, exactly when it is
// rational; ok is false when it has variables or no finite value.
func (c *comparer) constValue(n *node) (re, im *big.Rat, ok bool, err error) {
	r, exact, err := c.lim.exact(n)
	switch {
	case err != nil && !errors.Is(err, errUndefined):
		return nil, nil, false, err
	case exact:
		return r, new(big.Rat), true, nil
	case len(collectVars(n, nil)) > 0:
		return nil, nil, false, nil
	}
	v, err := c.lim.eval(n, &env{})
	if err != nil {
		if errors.Is(err, errUndefined) {
			err = nil
		}
		return nil, nil, false, err
	}
	re, im = new(big.Rat).SetFloat64(real(v)), new(big.Rat).SetFloat64(imag(v))
	return re, im, re != nil && im != nil, nil
}

// roundRat rounds r to d decimals, half away from zero, and returns r·10^d as an integer.
func roundRat(r *big.Rat, d int) *big.Int {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(scale))
	num, den := new(big.Int).Abs(x.Num()), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if m.Lsh(m, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// maxFold bounds the cell terms foldMatrix creates: repeated products grow them fast.
const maxFold = 4096

// foldMatrix evaluates sums, products and negations of matrices into one matrix of cell
// expressions (math-verify lets sympy do it): [[1,2],[3,4]] + [[5,6],[7,8]] is [[6,8],[10,12]].
// Anything else — shapes that do not fit, more than budget new cell terms — is returned
// unchanged.
func foldMatrix(n *node, budget int) *node {
	if !hasMatrix(n) {
		return n
	}
	f, _ := fold(n, budget)
	return f
}

func hasMatrix(n *node) bool {
	if n.op == opMatrix {
		return true
	}
	for _, k := range n.kids {
		if hasMatrix(k) {
			return true
		}
	}
	return false
}

// fold is foldMatrix with the budget left returned; a negative budget means give up.
func fold(n *node, budget int) (*node, int) {
	if budget < 0 {
		return n, budget
	}
	switch n.op {
	case opNeg:
		m, left := fold(n.kids[0], budget)
		if m.op == opMatrix && left >= 0 {
			return mapCells(m, func(x *node) *node { return &node{op: opNeg, kids: []*node{x}} }), left - len(m.kids)
		}
	case opAdd:
		var acc *node
		for _, k := range n.kids {
			m, left := fold(k, budget)
			budget = left
			switch {
			case m.op != opMatrix || budget < 0:
				return n, budget
			case acc == nil:
				acc = m
			case acc.rows != m.rows || acc.cols != m.cols:
				return n, budget
			default:
				cells := make([]*node, len(acc.kids))
				for i := range cells {
					cells[i] = &node{op: opAdd, kids: []*node{acc.kids[i], m.kids[i]}}
				}
				acc = &node{op: opMatrix, kids: cells, rows: acc.rows, cols: acc.cols}
				budget -= len(cells)
			}
		}
		return acc, budget
	case opMul:
		var acc *node // the product so far, a matrix or a scalar factor
		matrix := false
		for _, k := range n.kids {
			m, left := fold(k, budget)
			budget = left
			if budget < 0 {
				return n, budget
			}
			matrix = matrix || m.op == opMatrix
			switch {
			case acc == nil:
				acc = m
			case acc.op == opMatrix && m.op == opMatrix:
				if acc.cols != m.rows {
					return n, budget
				}
				budget -= acc.rows * m.cols * acc.cols
				if budget < 0 {
					return n, budget
				}
				acc = matMul(acc, m)
			case acc.op == opMatrix:
				acc = mapCells(acc, func(x *node) *node { return &node{op: opMul, kids: []*node{x, m}} })
				budget -= len(acc.kids)
			case m.op == opMatrix:
				s := acc
				acc = mapCells(m, func(x *node) *node { return &node{op: opMul, kids: []*node{s, x}} })
				budget -= len(acc.kids)
			default:
				acc = &node{op: opMul, kids: []*node{acc, m}}
			}
		}
		if matrix {
			return acc, budget
		}
	}
	return n, budget
}

func mapCells(m *node, f func(*node) *node) *node {
	cells := make([]*node, len(m.kids))
	for i, x := range m.kids {
		cells[i] = f(x)
	}
	return &node{op: opMatrix, kids: cells, rows: m.rows, cols: m.cols}
}

func matMul(a, b *node) *node {
	cells := make([]*node, 0, a.rows*b.cols)
	for i := 0; i < a.rows; i++ {
		for j := 0; j < b.cols; j++ {
			sum := &node{op: opAdd}
			for k := 0; k < a.cols; k++ {
				sum.kids = append(sum.kids, &node{op: opMul, kids: []*node{a.kids[i*a.cols+k], b.kids[k*b.cols+j]}})
			}
			cells = append(cells, sum)
		}
	}
	return &node{op: opMatrix, kids: cells, rows: a.rows, cols: b.cols}
}

// openIntervalSetEqual compares a pair (x, y) with a set under MathVerify, where (x, y) is the
// open interval: equal to the set {x, y} written in any order only when x < y ((3, 1) is
// empty, so not {1, 3}). Sets of non-constants compare as sets.
func (c *comparer) openIntervalSetEqual(a, b *node) (bool, error) {
	t, u := a, b
	if t.op != opTuple {
		t, u = b, a
	}
	vals := make([]float64, 0, 4)
	for _, n := range append(slices.Clip(t.kids), u.kids...) {
		re, im, ok, err := c.constValue(n)
		if err != nil {
			return false, err
		}
		if !ok || im.Sign() != 0 {
			return c.setEqual(a.kids, b.kids)
		}
		f, _ := re.Float64()
		vals = append(vals, f)
	}
	if len(u.kids) != 2 || vals[0] >= vals[1] {
		return false, nil
	}
	set := slices.Clone(u.kids)
	if vals[2] > vals[3] {
		set[0], set[1] = set[1], set[0]
	}
	if t == a {
		return c.seqEqual(t.kids, set)
	}
	return c.seqEqual(set, t.kids)
}
