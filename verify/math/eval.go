package math

import (
	"errors"
	stdmath "math"
	"math/big"
	"math/cmplx"
	"time"
)

// BudgetError is returned (as a Result reason) when an answer is too large, too deep or too
// slow to compare: such pairs count as not equal rather than hang a scoring run.
type BudgetError struct{ Reason string }

func (e *BudgetError) Error() string { return "math: over budget: " + e.Reason }

func errBudget(reason string) error { return &BudgetError{Reason: reason} }

// errUndefined marks a value that does not exist (division by zero, 0^-1, log 0) at one point.
var errUndefined = errors.New("undefined")

// limits carries the per-comparison budget.
type limits struct {
	maxLen, maxDepth, maxItems int
	maxBits                    int // largest exact integer kept, in bits
	steps, maxSteps            int
	deadline                   time.Time
	mv                         bool // math-verify–compatible lexing (Options.MathVerify)
}

// step charges one unit of work and checks the clock every 1024 units.
func (l *limits) step() error {
	l.steps++
	if l.steps > l.maxSteps {
		return errBudget("too much work")
	}
	if l.steps&1023 == 0 && !l.deadline.IsZero() && time.Now().After(l.deadline) {
		return errBudget("time limit")
	}
	return nil
}

// exact evaluates n as a rational number. ok is false when n is not a rational constant
// (variables, π, irrational roots, functions); err reports budget overruns and undefined values.
func (l *limits) exact(n *node) (r *big.Rat, ok bool, err error) {
	if err := l.step(); err != nil {
		return nil, false, err
	}
	switch n.op {
	case opNum:
		return n.num, true, nil
	case opNeg:
		a, ok, err := l.exact(n.kids[0])
		if !ok || err != nil {
			return nil, ok, err
		}
		return new(big.Rat).Neg(a), true, nil
	case opAdd, opMul:
		acc := new(big.Rat)
		if n.op == opMul {
			acc.SetInt64(1)
		}
		for _, k := range n.kids {
			a, ok, err := l.exact(k)
			if !ok || err != nil {
				return nil, ok, err
			}
			if n.op == opAdd {
				acc.Add(acc, a)
			} else {
				acc.Mul(acc, a)
			}
			if acc.Num().BitLen()+acc.Denom().BitLen() > 2*l.maxBits {
				return nil, false, nil
			}
		}
		return acc, true, nil
	case opPow:
		b, ok, err := l.exact(n.kids[0])
		if !ok || err != nil {
			return nil, ok, err
		}
		e, ok, err := l.exact(n.kids[1])
		if !ok || err != nil {
			return nil, ok, err
		}
		return l.ratPow(b, e)
	case opRoot:
		idx, ok, err := l.exact(n.kids[0])
		if !ok || err != nil {
			return nil, ok, err
		}
		x, ok, err := l.exact(n.kids[1])
		if !ok || err != nil {
			return nil, ok, err
		}
		if idx.Sign() == 0 {
			return nil, false, errUndefined
		}
		return l.ratPow(x, new(big.Rat).Inv(idx))
	case opFact:
		a, ok, err := l.exact(n.kids[0])
		if !ok || err != nil {
			return nil, ok, err
		}
		if !a.IsInt() || a.Sign() < 0 {
			return nil, false, errUndefined
		}
		if a.Num().Cmp(big.NewInt(500)) > 0 {
			return nil, false, errBudget("factorial too large")
		}
		return new(big.Rat).SetInt(new(big.Int).MulRange(1, a.Num().Int64())), true, nil
	case opBinom:
		a, ok, err := l.exact(n.kids[0])
		if !ok || err != nil {
			return nil, ok, err
		}
		b, ok, err := l.exact(n.kids[1])
		if !ok || err != nil {
			return nil, ok, err
		}
		if !a.IsInt() || !b.IsInt() || a.Sign() < 0 || b.Sign() < 0 || a.Cmp(b) < 0 {
			return nil, false, nil
		}
		if a.Num().Cmp(big.NewInt(5000)) > 0 {
			return nil, false, errBudget("binomial too large")
		}
		return new(big.Rat).SetInt(new(big.Int).Binomial(a.Num().Int64(), b.Num().Int64())), true, nil
	}
	return nil, false, nil
}

// ratPow raises b to a rational power exactly when the result is rational: integer
// exponents within the size budget, and roots of perfect powers (√(9/4) = 3/2).
func (l *limits) ratPow(b, e *big.Rat) (*big.Rat, bool, error) {
	if b.Sign() == 0 {
		if e.Sign() <= 0 {
			return nil, false, errUndefined
		}
		return new(big.Rat), true, nil
	}
	if !e.Denom().IsInt64() || !e.Num().IsInt64() {
		return nil, false, nil // the float path reports the overflow
	}
	p, q := e.Num().Int64(), e.Denom().Int64()
	// Size of the result in bits, estimated from the base's size.
	bits := float64(b.Num().BitLen()+b.Denom().BitLen()) * stdmath.Abs(float64(p)) / float64(q)
	if bits > float64(l.maxBits) {
		return nil, false, nil
	}
	num, den := new(big.Int).Set(b.Num()), new(big.Int).Set(b.Denom())
	neg := num.Sign() < 0
	if q != 1 {
		if q > 64 || neg && q%2 == 0 {
			return nil, false, nil
		}
		num.Abs(num)
		rn, okn := intRoot(num, q)
		rd, okd := intRoot(den, q)
		if !okn || !okd {
			return nil, false, nil
		}
		num, den = rn, rd
		if neg {
			num.Neg(num)
		}
	}
	if p < 0 {
		num, den = den, num
		p = -p
		if den.Sign() < 0 {
			num.Neg(num)
			den.Neg(den)
		}
	}
	pe := big.NewInt(p)
	num.Exp(num, pe, nil)
	den.Exp(den, pe, nil)
	return new(big.Rat).SetFrac(num, den), true, nil
}

// intRoot returns the q-th root of x >= 0 if it is an integer.
func intRoot(x *big.Int, q int64) (*big.Int, bool) {
	if q == 2 {
		r := new(big.Int).Sqrt(x)
		return r, new(big.Int).Mul(r, r).Cmp(x) == 0
	}
	f, _ := new(big.Float).SetInt(x).Float64()
	guess := stdmath.Round(stdmath.Pow(f, 1/float64(q)))
	if stdmath.IsInf(guess, 0) || guess > 1e15 {
		return nil, false
	}
	for _, g := range []float64{guess - 1, guess, guess + 1} {
		if g < 0 {
			continue
		}
		r := big.NewInt(int64(g))
		if new(big.Int).Exp(r, big.NewInt(q), nil).Cmp(x) == 0 {
			return r, true
		}
	}
	return nil, false
}

// env assigns values to variables for numeric evaluation.
type env struct {
	names []string
	vals  []complex128
}

func (e *env) get(name string) (complex128, bool) {
	for i, n := range e.names {
		if n == name {
			return e.vals[i], true
		}
	}
	return 0, false
}

// eval evaluates n numerically over the complex numbers, so that i and roots of negatives
// work; infinities only come from an explicit ∞.
func (l *limits) eval(n *node, e *env) (complex128, error) {
	if err := l.step(); err != nil {
		return 0, err
	}
	switch n.op {
	case opNum:
		f, _ := n.num.Float64()
		return complex(f, 0), nil
	case opVar:
		if v, ok := e.get(n.name); ok {
			return v, nil
		}
		return 0, errSyntax
	case opConst:
		switch n.name {
		case "pi":
			return complex(stdmath.Pi, 0), nil
		case "e":
			return complex(stdmath.E, 0), nil
		case "i":
			return 1i, nil
		case "inf":
			return complex(stdmath.Inf(1), 0), nil
		}
	case opNeg:
		a, err := l.eval(n.kids[0], e)
		// Keep a real result's imaginary part +0: -0 would put roots on the other side of
		// the branch cut (√-1 = -i).
		return complex(-real(a), 0) - complex(0, imag(a)), err
	case opAdd, opMul:
		var acc complex128
		if n.op == opMul {
			acc = 1
		}
		for _, k := range n.kids {
			a, err := l.eval(k, e)
			if err != nil {
				return 0, err
			}
			if n.op == opAdd {
				acc += a
			} else {
				acc = mulC(acc, a)
			}
		}
		return acc, nil
	case opPow:
		b, err := l.eval(n.kids[0], e)
		if err != nil {
			return 0, err
		}
		x, err := l.eval(n.kids[1], e)
		if err != nil {
			return 0, err
		}
		return powC(b, x)
	case opRoot:
		idx, err := l.eval(n.kids[0], e)
		if err != nil {
			return 0, err
		}
		x, err := l.eval(n.kids[1], e)
		if err != nil {
			return 0, err
		}
		if idx == 0 {
			return 0, errUndefined
		}
		return powC(x, 1/idx)
	case opFact:
		a, err := l.eval(n.kids[0], e)
		if err != nil {
			return 0, err
		}
		if imag(a) != 0 || real(a) < 0 || real(a) > 170 {
			return 0, errUndefined
		}
		g, _ := stdmath.Lgamma(real(a) + 1)
		return complex(stdmath.Exp(g), 0), nil
	case opBinom:
		a, err := l.eval(n.kids[0], e)
		if err != nil {
			return 0, err
		}
		b, err := l.eval(n.kids[1], e)
		if err != nil {
			return 0, err
		}
		if imag(a) != 0 || imag(b) != 0 || stdmath.Abs(real(a)) > 170 {
			return 0, errUndefined
		}
		// Γ(a+1) / (Γ(b+1) Γ(a−b+1)): the polynomial in a for integer b, so \binom{n}{2}
		// equals n(n−1)/2 at non-integer points too.
		x, y := real(a), real(b)
		g := stdmath.Gamma(x+1) / (stdmath.Gamma(y+1) * stdmath.Gamma(x-y+1))
		if stdmath.IsInf(g, 0) || stdmath.IsNaN(g) {
			return 0, errUndefined
		}
		return complex(g, 0), nil
	case opFunc:
		return l.evalFunc(n, e)
	}
	return 0, errSyntax
}

func mulC(a, b complex128) complex128 {
	if imag(a) == 0 && imag(b) == 0 {
		return complex(real(a)*real(b), 0)
	}
	return a * b
}

// powC is b^x, real where the inputs are real and the result is.
func powC(b, x complex128) (complex128, error) {
	if b == 0 && real(x) <= 0 {
		return 0, errUndefined
	}
	if imag(b) == 0 && imag(x) == 0 {
		rb, rx := real(b), real(x)
		if rb >= 0 || rx == stdmath.Trunc(rx) {
			return complex(stdmath.Pow(rb, rx), 0), nil
		}
		// A negative base to a rational power with an odd denominator stays real:
		// (-8)^(1/3) = -2, (-8)^(2/3) = 4.
		for q := 3; q <= 15; q += 2 {
			p := stdmath.Round(rx * float64(q))
			if stdmath.Abs(rx*float64(q)-p) < 1e-12 {
				v := stdmath.Pow(-rb, rx)
				if int64(p)%2 != 0 {
					v = -v
				}
				return complex(v, 0), nil
			}
		}
	}
	if imag(x) == 0 && real(x) == stdmath.Trunc(real(x)) && stdmath.Abs(real(x)) <= 64 {
		// Integer powers of complex numbers by squaring: cmplx.Pow loses exactness ((1+i)^2).
		k := int(real(x))
		inv := k < 0
		if inv {
			k = -k
		}
		r := complex(1, 0)
		for ; k > 0; k >>= 1 {
			if k&1 == 1 {
				r *= b
			}
			b *= b
		}
		if inv {
			return 1 / r, nil
		}
		return r, nil
	}
	return cmplx.Pow(b, x), nil
}

// unaryFuncs are the functions of one argument other than logarithms.
var unaryFuncs = map[string]func(complex128) complex128{
	"sin": cmplx.Sin, "cos": cmplx.Cos, "tan": cmplx.Tan,
	"cot":  func(z complex128) complex128 { return 1 / cmplx.Tan(z) },
	"sec":  func(z complex128) complex128 { return 1 / cmplx.Cos(z) },
	"csc":  func(z complex128) complex128 { return 1 / cmplx.Sin(z) },
	"asin": cmplx.Asin, "acos": cmplx.Acos, "atan": cmplx.Atan,
	"sinh": cmplx.Sinh, "cosh": cmplx.Cosh, "tanh": cmplx.Tanh, "exp": cmplx.Exp,
	"abs": func(z complex128) complex128 { return complex(cmplx.Abs(z), 0) },
}

func (l *limits) evalFunc(n *node, e *env) (complex128, error) {
	a, err := l.eval(n.kids[0], e)
	if err != nil {
		return 0, err
	}
	if f, ok := unaryFuncs[n.name]; ok {
		return f(a), nil
	}
	if n.name != "log" && n.name != "ln" && n.name != "log10" {
		return 0, errSyntax
	}
	if a == 0 {
		return 0, errUndefined
	}
	r := cmplx.Log(a)
	if imag(a) == 0 && real(a) > 0 {
		r = complex(stdmath.Log(real(a)), 0)
	}
	switch {
	case len(n.kids) > 1: // \log_b
		b, err := l.eval(n.kids[1], e)
		if err != nil {
			return 0, err
		}
		lb := cmplx.Log(b)
		if lb == 0 {
			return 0, errUndefined
		}
		r /= lb
	case n.name == "log10":
		r /= complex(stdmath.Ln10, 0)
	}
	return r, nil
}

// hasInf reports whether an explicit ∞ occurs in n: only then may a value be infinite.
func hasInf(n *node) bool {
	if n.op == opConst && n.name == "inf" {
		return true
	}
	for _, k := range n.kids {
		if hasInf(k) {
			return true
		}
	}
	return false
}

// collectVars appends the variable names of n not already in names.
func collectVars(n *node, names []string) []string {
	if n.op == opVar {
		for _, v := range names {
			if v == n.name {
				return names
			}
		}
		return append(names, n.name)
	}
	for _, k := range n.kids {
		names = collectVars(k, names)
	}
	return names
}
