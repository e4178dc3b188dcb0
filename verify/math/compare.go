package math

import (
	"errors"
	"fmt"
	stdmath "math"
	"math/cmplx"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Options tune comparisons. The zero value uses the documented defaults.
type Options struct {
	// RelTol is the relative tolerance of numeric comparisons (when a side is not an exact
	// rational: π, √2, variables). Default 1e-9: float64 rounding, not approximate answers.
	RelTol float64
	// MaxLen bounds an answer's length in bytes; longer answers compare as not equal. Default 1000.
	MaxLen int
	// MaxDepth bounds the parser's recursion (about four levels per nested bracket or
	// macro argument). Default 256, about 60 nested brackets.
	MaxDepth int
	// Timeout bounds one comparison's work after parsing. Default 100ms.
	Timeout time.Duration
	// MathVerify parses and compares as Hugging Face math-verify's verify does, where it
	// differs from the default rules (see mvcompare.go): a decimal on either side compares
	// after rounding both to FloatRounding decimals (1/3 = 0.333333), an equation chain
	// x = 5+5+1 = 11 is its first and last sides, an equation predicted for a plain gold
	// answer is its last right side (asymmetric: gold "0" accepts "a + 3z = 0", not the
	// reverse), inequalities are equal up to a positive factor and flipped sides (-x > -1 is
	// x < 1), a relation in the gold equals an interval only in the prediction, matrix sums
	// and products are evaluated, "a \approx b" is b after a variable and a otherwise, and
	// \text{13} is text, not 13.
	MathVerify bool
	// FloatRounding is the number of decimals of the MathVerify rounding. Default 6
	// (math-verify's float_rounding).
	FloatRounding int
}

func (o Options) limits() *limits {
	l := &limits{maxLen: 1000, maxDepth: 256, maxItems: 200, maxBits: 16384, maxSteps: 1 << 20}
	if o.MaxLen > 0 {
		l.maxLen = o.MaxLen
	}
	if o.MaxDepth > 0 {
		l.maxDepth = o.MaxDepth
	}
	l.mv = o.MathVerify
	return l
}

func (o Options) floatRounding() int {
	if o.FloatRounding > 0 {
		return o.FloatRounding
	}
	return 6
}

func (o Options) relTol() float64 {
	if o.RelTol > 0 {
		return o.RelTol
	}
	return 1e-9
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 100 * time.Millisecond
}

// Answer is a parsed answer, ready to compare. Parse a gold answer once and compare it with
// many predictions; an Answer is safe for concurrent use.
type Answer struct {
	raw    string
	n      *node  // nil for text answers and answers over budget
	text   string // normalised text, for text answers
	choice byte   // multiple-choice letter A–E, 0 if none
	err    error  // a *BudgetError when the answer is too large to handle
	syntax bool   // a text answer because it is malformed math, not because it holds words
}

// Parse parses an answer (LaTeX or plain text). It never fails: what is not math becomes a
// text answer, and what is over budget compares as not equal with the reason.
func Parse(s string, opts Options) *Answer {
	lim := opts.limits()
	a := &Answer{raw: s}
	s = strings.TrimSpace(s)
	if len(s) > lim.maxLen {
		a.err = errBudget(fmt.Sprintf("answer longer than %d bytes", lim.maxLen))
		return a
	}
	a.choice = choiceLetter(s)
	toks, err := lex(s, lim)
	if err == nil {
		a.n, err = parseAnswer(toks, lim)
	}
	switch {
	case errors.Is(err, errDeep):
		a.err = errBudget(err.Error())
	case errors.As(err, new(*BudgetError)):
		a.err = err
	case err != nil:
		a.text = normText(s)
		a.syntax = errors.Is(err, errSyntax)
	}
	return a
}

// String returns the answer as given.
func (a *Answer) String() string { return a.raw }

// IsText reports whether the answer is compared as text (a name, a word, prose).
func (a *Answer) IsText() bool { return a.n == nil && a.err == nil }

// Result is the outcome of a comparison.
type Result struct {
	Equal bool
	// Reason says why a pair is not equal when it is not a plain mismatch (over budget,
	// empty answer); "" otherwise.
	Reason string
	// OverBudget is set when the answers were too large, deep or slow to compare.
	OverBudget bool
}

// Equal reports whether two answers are mathematically equivalent, with default options.
// It is symmetric.
func Equal(gold, pred string) bool { return Check(gold, pred, Options{}).Equal }

// Check compares two answer strings.
func Check(gold, pred string, opts Options) Result {
	return Compare(Parse(gold, opts), Parse(pred, opts), opts)
}

// Compare compares two parsed answers: numbers exactly as rationals where possible, other
// expressions numerically (variables at several fixed pseudo-random points), lists and sets
// without order, tuples, intervals and matrices elementwise, text after normalisation. Under
// opts.MathVerify the roles matter: gold is math-verify's gold, pred its prediction.
func Compare(gold, pred *Answer, opts Options) Result {
	for _, a := range []*Answer{gold, pred} {
		if a.err != nil {
			return Result{Reason: a.err.Error(), OverBudget: true}
		}
	}
	if gold.choice != 0 && pred.choice != 0 {
		return Result{Equal: gold.choice == pred.choice}
	}
	if gold.n == nil || pred.n == nil {
		if gold.IsText() && gold.text == "" || pred.IsText() && pred.text == "" {
			return Result{Reason: "empty answer"}
		}
		if gold.n == nil && pred.n == nil && gold.text == pred.text {
			return Result{Equal: true}
		}
		for _, a := range []*Answer{pred, gold} {
			if a.syntax {
				// Say so: "\boxed{2" is not the number 2 and should not fail silently.
				return Result{Reason: fmt.Sprintf("%q is not well-formed math (unbalanced brackets or a dangling operator); compared as text", strings.TrimSpace(a.raw))}
			}
		}
		return Result{}
	}
	lim := opts.limits()
	lim.deadline = time.Now().Add(opts.timeout())
	c := &comparer{lim: lim, tol: opts.relTol(), mv: opts.MathVerify, round: opts.floatRounding()}
	eq, err := c.equal(gold.n, pred.n)
	if err != nil {
		return Result{Reason: err.Error(), OverBudget: true}
	}
	return Result{Equal: eq}
}

// sameTree reports whether a and b are the same parse tree.
func sameTree(a, b *node) bool {
	if a.op != b.op || a.name != b.name || a.open != b.open || a.close != b.close ||
		a.rows != b.rows || a.cols != b.cols || len(a.kids) != len(b.kids) ||
		(a.num == nil) != (b.num == nil) || a.num != nil && a.num.Cmp(b.num) != 0 {
		return false
	}
	for i := range a.kids {
		if !sameTree(a.kids[i], b.kids[i]) {
			return false
		}
	}
	return true
}

type comparer struct {
	lim   *limits
	tol   float64
	mv    bool // Options.MathVerify: a is the gold answer, b the prediction
	round int  // Options.FloatRounding
}

// varValue returns v for "x = v" (or "f(x) = v"), nil otherwise.
func varValue(n *node) *node {
	if n.op != opRel || n.name != "=" || len(n.kids) != 2 {
		return nil
	}
	l := n.kids[0]
	if l.op == opVar || l.op == opMul && len(l.kids) == 2 && l.kids[0].op == opVar && l.kids[1].op == opVar {
		return n.kids[1]
	}
	return nil
}

func isUnordered(n *node) bool { return n.op == opList || n.op == opSet }

func (c *comparer) equal(a, b *node) (bool, error) {
	if err := c.lim.step(); err != nil {
		return false, err
	}
	// The same tree is the same value, even one too large to evaluate (x^{99999} against
	// itself used to be "over budget", so wrong).
	if sameTree(a, b) {
		return true, nil
	}
	if c.mv {
		a, b = mvPrepare(a, b)
	} else {
		a, b = relationValues(a, b)
	}
	// a ± b is the set {a + b, a - b}.
	if va, err := c.expandPM(a); err != nil {
		return false, err
	} else if len(va) > 1 {
		a = &node{op: opSet, kids: va}
	}
	if vb, err := c.expandPM(b); err != nil {
		return false, err
	} else if len(vb) > 1 {
		b = &node{op: opSet, kids: vb}
	}
	switch {
	case a.op == opRel && b.op == opRel:
		return c.relEqual(a, b)
	case isUnordered(a) && isUnordered(b), a.op == opUnion && b.op == opUnion,
		a.op == opUnion && b.op == opList, a.op == opList && b.op == opUnion:
		// "x < -1 or x > 2" lists the intervals of a union.
		return c.setEqual(a.kids, b.kids)
	case isUnordered(a) && b.op == opTuple, isUnordered(b) && a.op == opTuple:
		t := a
		if t.op != opTuple {
			t = b
		}
		switch {
		case a.op == opList || b.op == opList:
			return c.seqEqual(a.kids, b.kids) // "1, 2" is the tuple (1, 2) written without brackets
		case len(t.kids) == 2 && (t.open != '(' || t.close != ')'):
			return false, nil // an interval is not a two-element set
		case c.mv && len(t.kids) == 2:
			return c.openIntervalSetEqual(a, b)
		}
		return c.setEqual(a.kids, b.kids)
	case isUnordered(a) || isUnordered(b):
		// A one-element list or set is its element.
		if isUnordered(a) && len(a.kids) == 1 && !isUnordered(b) {
			return c.equal(a.kids[0], b)
		}
		if isUnordered(b) && len(b.kids) == 1 && !isUnordered(a) {
			return c.equal(a, b.kids[0])
		}
		return false, nil
	case a.op == opTuple && b.op == opTuple:
		if len(a.kids) == 2 && len(b.kids) == 2 && (a.open != b.open || a.close != b.close) {
			return false, nil // intervals with different ends
		}
		return c.seqEqual(a.kids, b.kids)
	case a.op == opMatrix && b.op == opMatrix:
		if a.rows != b.rows || a.cols != b.cols {
			return false, nil
		}
		return c.seqEqual(a.kids, b.kids)
	case a.op == opMatrix && b.op == opTuple && (a.rows == 1 || a.cols == 1):
		return c.seqEqual(a.kids, b.kids)
	case b.op == opMatrix && a.op == opTuple && (b.rows == 1 || b.cols == 1):
		return c.seqEqual(a.kids, b.kids)
	case isScalar(a) && isScalar(b):
		return c.scalarEqual(a, b)
	}
	return false, nil
}

// relationValues turns a relation compared with a non-relation into its value: "x = 5" into
// 5, "x > 3" into the interval (3, ∞). Symmetric.
func relationValues(a, b *node) (*node, *node) {
	conv := func(n *node) *node {
		if v := varValue(n); v != nil {
			return v
		} else if iv := relInterval(n); iv != nil {
			return iv
		}
		return n
	}
	if a.op == opRel && b.op != opRel {
		a = conv(a)
	}
	if b.op == opRel && a.op != opRel {
		b = conv(b)
	}
	return a, b
}

func isScalar(n *node) bool {
	switch n.op {
	case opList, opSet, opTuple, opUnion, opMatrix, opRel:
		return false
	}
	return true
}

func (c *comparer) seqEqual(a, b []*node) (bool, error) {
	if len(a) != len(b) {
		return false, nil
	}
	for i := range a {
		if eq, err := c.equal(a[i], b[i]); !eq || err != nil {
			return false, err
		}
	}
	return true, nil
}

// setEqual compares as sets: every element of each side equals some element of the other.
// Repeats do not count ("1, 1, 2" lists the roots 1 and 2).
func (c *comparer) setEqual(a, b []*node) (bool, error) {
	// Elements of a stay on the left (the gold side, which matters under MathVerify).
	covered := func(xs, ys []*node, left bool) (bool, error) {
		for _, x := range xs {
			found := false
			for _, y := range ys {
				l, r := x, y
				if !left {
					l, r = y, x
				}
				eq, err := c.equal(l, r)
				if err != nil {
					return false, err
				}
				if eq {
					found = true
					break
				}
			}
			if !found {
				return false, nil
			}
		}
		return true, nil
	}
	if ok, err := covered(a, b, true); !ok || err != nil {
		return false, err
	}
	return covered(b, a, false)
}

// maxPM bounds the ± signs expanded in one scalar (2^maxPM variants).
const maxPM = 4

// expandPM returns the variants of a scalar with ± signs, or nil when it has none.
func (c *comparer) expandPM(n *node) ([]*node, error) {
	if !isScalar(n) || !hasPM(n) {
		return nil, nil
	}
	if countPM(n) > maxPM {
		return nil, errBudget("too many ± signs")
	}
	return variants(n), nil
}

func hasPM(n *node) bool {
	if n.op == opPM {
		return true
	}
	for _, k := range n.kids {
		if hasPM(k) {
			return true
		}
	}
	return false
}

func countPM(n *node) int {
	c := 0
	if n.op == opPM {
		c = 1
	}
	for _, k := range n.kids {
		c += countPM(k)
	}
	return c
}

func variants(n *node) []*node {
	if !hasPM(n) {
		return []*node{n}
	}
	if n.op == opPM {
		var out []*node
		for _, a := range variants(n.kids[0]) {
			for _, b := range variants(n.kids[1]) {
				out = append(out,
					&node{op: opAdd, kids: []*node{a, b}},
					&node{op: opAdd, kids: []*node{a, {op: opNeg, kids: []*node{b}}}})
			}
		}
		return out
	}
	// Cartesian product over the children's variants.
	out := []*node{{op: n.op, name: n.name, num: n.num, open: n.open, close: n.close}}
	for _, k := range n.kids {
		vk := variants(k)
		next := make([]*node, 0, len(out)*len(vk))
		for _, o := range out {
			for _, v := range vk {
				cp := *o
				cp.kids = append(slices.Clip(o.kids), v)
				next = append(next, &cp)
			}
		}
		out = next
	}
	return out
}

var mirrored = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}

func (c *comparer) relEqual(a, b *node) (bool, error) {
	if ia, ib := relInterval(a), relInterval(b); ia != nil && ib != nil {
		return c.equal(ia, ib) // -2 <= x < 7 is 7 > x >= -2
	}
	if c.mv && len(a.kids) == 2 && len(b.kids) == 2 && direction(a.name) != 0 && direction(b.name) != 0 {
		return c.inequalityEqual(a, b)
	}
	if len(a.kids) != 2 || len(b.kids) != 2 {
		if a.name != b.name {
			return false, nil
		}
		return c.seqEqual(a.kids, b.kids) // chains such as 1 < x < 2
	}
	if a.name == "=" && b.name == "=" {
		// Same variable on the left: compare the right sides (they may be lists or tuples).
		if a.kids[0].op == opVar && b.kids[0].op == opVar && a.kids[0].name == b.kids[0].name {
			return c.equal(a.kids[1], b.kids[1])
		}
		if isScalar(a.kids[0]) && isScalar(a.kids[1]) && isScalar(b.kids[0]) && isScalar(b.kids[1]) {
			return c.proportional(
				&node{op: opAdd, kids: []*node{a.kids[0], {op: opNeg, kids: []*node{a.kids[1]}}}},
				&node{op: opAdd, kids: []*node{b.kids[0], {op: opNeg, kids: []*node{b.kids[1]}}}})
		}
	}
	if a.name == b.name {
		l, err := c.equal(a.kids[0], b.kids[0])
		if err != nil || !l {
			return false, err
		}
		return c.equal(a.kids[1], b.kids[1])
	}
	if mirrored[a.name] == b.name {
		l, err := c.equal(a.kids[0], b.kids[1])
		if err != nil || !l {
			return false, err
		}
		return c.equal(a.kids[1], b.kids[0])
	}
	return false, nil
}

// relInterval returns the interval an inequality in one variable describes (x > 3 is
// (3, ∞), 3 >= x is (-∞, 3], -2 <= x < 7 is [-2, 7)), or nil.
func relInterval(n *node) *node { return relIntervalOf(n, isVarNode) }

func isVarNode(n *node) bool { return n.op == opVar }

// relIntervalOf is relInterval with isVar deciding what the one variable may be.
func relIntervalOf(n *node, isVar func(*node) bool) *node {
	if n.op != opRel {
		return nil
	}
	inf := &node{op: opConst, name: "inf"}
	interval := func(lo, hi *node, loClosed, hiClosed bool) *node {
		iv := &node{op: opTuple, kids: []*node{lo, hi}, open: '(', close: ')'}
		if loClosed {
			iv.open = '['
		}
		if hiClosed {
			iv.close = ']'
		}
		return iv
	}
	ops := strings.Fields(n.name)
	switch {
	case len(n.kids) == 2 && len(ops) == 1 && direction(ops[0]) != 0:
		x, bound, op := n.kids[0], n.kids[1], ops[0]
		if !isVar(x) {
			x, bound, op = bound, x, mirrored[op]
		}
		if !isVar(x) {
			return nil
		}
		if direction(op) < 0 {
			return interval(&node{op: opNeg, kids: []*node{inf}}, bound, false, op == "<=")
		}
		return interval(bound, inf, op == ">=", false)
	case len(n.kids) == 3 && isVar(n.kids[1]) && direction(ops[0]) != 0:
		first, last := ops[0], ops[len(ops)-1]
		if direction(first) < 0 {
			return interval(n.kids[0], n.kids[2], first == "<=", last == "<=")
		}
		return interval(n.kids[2], n.kids[0], last == ">=", first == ">=")
	}
	return nil
}

// Points at which expressions with variables are compared: fixed, so results are
// reproducible, and irrational-looking, so that different expressions rarely agree by chance.
var samplePoints = [][]float64{
	{0.7390851, 1.3247180, 0.5671433, 1.6180340, 2.2360680, 0.4142136, 1.1892071, 0.9159656},
	{1.4142136, 0.6931472, 1.7320508, 0.5772157, 1.2020569, 2.6651441, 0.8862269, 1.3035772},
	{2.7182818, 1.9021161, 0.3183099, 1.4655712, 0.7071068, 1.0986123, 2.5029079, 0.6434543},
	{0.5493061, 2.0794415, 1.2599210, 0.8414710, 1.5707963, 0.3678794, 1.8392868, 2.2931662},
}

func pointEnv(names []string, p int) *env {
	e := &env{names: names, vals: make([]complex128, len(names))}
	row := samplePoints[p]
	for i := range names {
		// More variables than columns: shift to another row's values.
		v := row[i%len(row)] + float64(i/len(row))*0.37
		e.vals[i] = complex(v, 0)
	}
	return e
}

// sortedVars returns the variables of a and b in a fixed order, so that Compare(a, b) and
// Compare(b, a) evaluate at the same points.
func sortedVars(a, b *node) []string {
	names := collectVars(b, collectVars(a, nil))
	slices.Sort(names)
	return names
}

// points returns how many sample points to use for expressions over these variables.
func points(names []string) int {
	if len(names) == 0 {
		return 1
	}
	return len(samplePoints)
}

func (c *comparer) scalarEqual(a, b *node) (bool, error) {
	if c.mv && (isDecimal(a) || isDecimal(b)) {
		return c.roundedEqual(a, b)
	}
	ra, oka, err := c.lim.exact(a)
	if err != nil && !errors.Is(err, errUndefined) {
		return false, err
	}
	rb, okb, err := c.lim.exact(b)
	if err != nil && !errors.Is(err, errUndefined) {
		return false, err
	}
	if oka && okb {
		return ra.Cmp(rb) == 0, nil
	}
	names := sortedVars(a, b)
	compared := 0
	for p := 0; p < points(names); p++ {
		va, vb, okA, okB, err := c.evalAt(a, b, names, p)
		switch {
		case err != nil:
			return false, err
		case okA != okB && len(names) == 0:
			return false, nil // defined on one side only
		case !okA || !okB:
			continue
		case !c.close(va, vb):
			return false, nil
		}
		compared++
	}
	if compared == 0 {
		// Undefined everywhere on both sides (1/0): only the same expression is equal.
		return key(a) == key(b), nil
	}
	return true, nil
}

// evalAt evaluates a and b at sample point p. okA and okB report whether each is defined
// there; err is a budget overrun, including a non-finite value no explicit ∞ accounts for.
func (c *comparer) evalAt(a, b *node, names []string, p int) (va, vb complex128, okA, okB bool, err error) {
	e := pointEnv(names, p)
	va, errA := c.lim.eval(a, e)
	vb, errB := c.lim.eval(b, e)
	for _, x := range [...]struct {
		err error
		v   complex128
		n   *node
	}{{errA, va, a}, {errB, vb, b}} {
		if errors.As(x.err, new(*BudgetError)) {
			return 0, 0, false, false, x.err
		}
		if x.err == nil {
			if err := overflow(x.v, hasInf(x.n)); err != nil {
				return 0, 0, false, false, err
			}
		}
	}
	return va, vb, errA == nil, errB == nil, nil
}

// overflow reports a non-finite value that no explicit ∞ accounts for (10^{10^{10}}).
func overflow(v complex128, explicitInf bool) error {
	if cmplx.IsNaN(v) || cmplx.IsInf(v) {
		if !explicitInf {
			return errBudget("number too large to compare")
		}
	}
	return nil
}

func (c *comparer) close(a, b complex128) bool {
	if cmplx.IsInf(a) || cmplx.IsInf(b) {
		return real(a) == real(b) && imag(a) == imag(b) // same infinity, both finite parts equal
	}
	if cmplx.IsNaN(a) || cmplx.IsNaN(b) {
		return false
	}
	d := cmplx.Abs(a - b)
	return d <= c.tol*stdmath.Max(cmplx.Abs(a), cmplx.Abs(b)) || d <= 1e-12
}

// proportional reports whether f = k·g for a constant k ≠ 0 (equations f = 0 and g = 0 are
// the same equation).
func (c *comparer) proportional(f, g *node) (bool, error) {
	_, ok, err := c.ratio(f, g)
	return ok, err
}

// ratio returns the constant k ≠ 0 with f = k·g, if there is one. f and g that are zero
// wherever both are defined have k = 1 when they are the same expression.
func (c *comparer) ratio(f, g *node) (complex128, bool, error) {
	names := sortedVars(f, g)
	var k complex128
	seen := false
	for p := 0; p < points(names); p++ {
		vf, vg, okF, okG, err := c.evalAt(f, g, names, p)
		if err != nil {
			return 0, false, err
		}
		if !okF || !okG {
			continue
		}
		zf, zg := cmplx.Abs(vf) <= 1e-12, cmplx.Abs(vg) <= 1e-12
		switch {
		case zf && zg:
			continue
		case zf != zg:
			return 0, false, nil
		}
		r := vf / vg
		if !seen {
			k, seen = r, true
		} else if !c.close(k, r) {
			return 0, false, nil
		}
	}
	if !seen {
		return 1, key(f) == key(g), nil
	}
	return k, true, nil
}

// key is a canonical string of n, used for majority voting: exact rationals as p/q, other
// scalars as their values rounded to 10 significant digits (at the sample points when they
// have variables, so x+1 and 1+x share a key), lists and sets sorted. Rounding can split or
// merge values that differ in the tenth digit; Compare is the judge of equality.
func key(n *node) string {
	var b strings.Builder
	writeKey(&b, n)
	return b.String()
}

func writeKey(b *strings.Builder, n *node) {
	switch n.op {
	case opList, opSet, opUnion:
		ks := make([]string, len(n.kids))
		for i, k := range n.kids {
			ks[i] = key(k)
		}
		slices.Sort(ks)
		ks = slices.Compact(ks)
		b.WriteString("{" + strings.Join(ks, ",") + "}")
		return
	case opTuple, opMatrix:
		open, close := "(", ")"
		if n.op == opTuple && len(n.kids) == 2 {
			open, close = string(n.open), string(n.close)
		}
		if n.op == opMatrix {
			open = fmt.Sprintf("[%dx%d:", n.rows, n.cols)
			close = "]"
		}
		b.WriteString(open)
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, k)
		}
		b.WriteString(close)
		return
	case opRel:
		if v := varValue(n); v != nil {
			writeKey(b, v)
			return
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(n.name)
			}
			writeKey(b, k)
		}
		return
	}
	if hasPM(n) && countPM(n) <= maxPM {
		writeKey(b, &node{op: opSet, kids: variants(n)})
		return
	}
	lim := Options{}.limits()
	if r, ok, err := lim.exact(n); ok && err == nil {
		b.WriteString(r.RatString())
		return
	}
	// Other scalars by their values (at the sample points, when there are variables), so
	// that x+1 and 1+x vote together.
	names := sortedVars(n, n)
	vals := make([]string, points(names))
	for p := range vals {
		v, err := lim.eval(n, pointEnv(names, p))
		if err != nil || cmplx.IsNaN(v) || cmplx.IsInf(v) {
			writeTree(b, n)
			return
		}
		vals[p] = formatComplex(v)
	}
	if len(names) > 0 {
		b.WriteString("[" + strings.Join(names, ",") + "]→")
	}
	b.WriteString(strings.Join(vals, ";"))
}

func formatComplex(v complex128) string {
	re := strconv.FormatFloat(real(v), 'g', 10, 64)
	if stdmath.Abs(imag(v)) <= 1e-12*stdmath.Max(1, stdmath.Abs(real(v))) {
		return re
	}
	return re + "+" + strconv.FormatFloat(imag(v), 'g', 10, 64) + "i"
}

// writeTree prints n in prefix form.
func writeTree(b *strings.Builder, n *node) {
	switch n.op {
	case opNum:
		b.WriteString(n.num.RatString())
		return
	case opVar, opConst:
		b.WriteString(n.name)
		return
	}
	names := [...]string{opAdd: "+", opMul: "*", opPow: "^", opNeg: "neg", opRoot: "root",
		opFact: "fact", opBinom: "binom", opPM: "pm"}
	name := n.name
	if int(n.op) < len(names) && names[n.op] != "" {
		name = names[n.op]
	}
	b.WriteString(name + "(")
	for i, k := range n.kids {
		if i > 0 {
			b.WriteByte(',')
		}
		writeTree(b, k)
	}
	b.WriteByte(')')
}

// Normalized returns a canonical form of the answer for majority voting: exact numbers as
// p/q ("\frac{1}{2}" and "0.5" give "1/2"), other constants rounded to 10 digits, lists and
// sets sorted, text lowercased without articles and punctuation.
func (a *Answer) Normalized() string {
	switch {
	case a.err != nil:
		return strings.TrimSpace(a.raw)
	case a.choice != 0:
		return string(a.choice)
	case a.n == nil:
		return a.text
	}
	return key(a.n)
}
