package math

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// expr is a random arithmetic expression with its value computed by math/big alone: the
// independent reference for the parser's precedence and the exact evaluator.
type expr struct {
	latex, plain string
	val          *big.Rat
	sum          bool // top-level + or -: needs brackets as a factor
}

func randExpr(r *rand.Rand, depth int) expr {
	if depth == 0 || r.IntN(4) == 0 {
		n := int64(r.IntN(20) + 1)
		s := fmt.Sprint(n)
		return expr{s, s, big.NewRat(n, 1), false}
	}
	a, b := randExpr(r, depth-1), randExpr(r, depth-1)
	switch r.IntN(6) {
	case 0:
		return expr{a.latex + " + " + b.latex, a.plain + "+" + b.plain, new(big.Rat).Add(a.val, b.val), true}
	case 1:
		bl, bp := wrap(b, "\\left(", "\\right)"), wrap(b, "(", ")")
		return expr{a.latex + " - " + bl, a.plain + "-" + bp, new(big.Rat).Sub(a.val, b.val), true}
	case 2:
		mul := []string{" \\cdot ", " \\times ", " "}[r.IntN(3)]
		al, bl := wrap(a, "(", ")"), wrap(b, "(", ")")
		if mul == " " && (bl[0] >= '0' && bl[0] <= '9' || strings.HasPrefix(bl, "\\") && isDigit(al[len(al)-1])) {
			// "2 3" is no product, and "2 \frac{1}{2}" is the mixed number 5/2.
			mul = " \\cdot "
		}
		return expr{al + mul + bl, "(" + a.plain + ")*(" + b.plain + ")", new(big.Rat).Mul(a.val, b.val), false}
	case 3, 4:
		if b.val.Sign() == 0 {
			return a
		}
		q := new(big.Rat).Quo(a.val, b.val)
		plain := "(" + a.plain + ")/(" + b.plain + ")"
		if r.IntN(2) == 0 {
			return expr{"\\dfrac{" + a.latex + "}{" + b.latex + "}", plain, q, false}
		}
		return expr{"\\frac{" + a.latex + "}{" + b.latex + "}", plain, q, false}
	default:
		k := r.IntN(4)
		if a.val.Sign() == 0 && k == 0 {
			k = 1
		}
		v := new(big.Rat).SetInt64(1)
		for range k {
			v.Mul(v, a.val)
		}
		return expr{"\\left(" + a.latex + "\\right)^{" + fmt.Sprint(k) + "}", "(" + a.plain + ")^" + fmt.Sprint(k), v, false}
	}
}

func wrap(e expr, open, close string) string {
	if e.sum {
		return open + e.latex + close
	}
	return e.latex
}

func TestRandomArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		e := randExpr(r, 4)
		want := e.val.RatString()
		off := new(big.Rat).Add(e.val, big.NewRat(1, 7)).RatString()
		for _, form := range []string{e.latex, e.plain} {
			if res := Check(form, want, Options{}); !res.Equal {
				t.Errorf("#%d: %s vs its value %s: not equal (%s)", i, form, want, res.Reason)
			}
			if Equal(form, off) {
				t.Errorf("#%d: %s equals %s, its value plus 1/7", i, form, off)
			}
		}
		if !Equal(e.latex, e.plain) {
			t.Errorf("#%d: LaTeX %s and plain %s differ", i, e.latex, e.plain)
		}
	}
}

// polyString renders Σ c_k x^k (coefficients low to high) the way answers write it.
func polyString(c []int64) string {
	var b strings.Builder
	for k := len(c) - 1; k >= 0; k-- {
		v := c[k]
		if v == 0 {
			continue
		}
		switch {
		case v < 0:
			b.WriteString(" - ")
			v = -v
		case b.Len() > 0:
			b.WriteString(" + ")
		}
		if v != 1 || k == 0 {
			fmt.Fprint(&b, v)
		}
		switch {
		case k == 1:
			b.WriteString("x")
		case k > 1:
			fmt.Fprintf(&b, "x^{%d}", k)
		}
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// Random polynomials written factored, a(x - r1)(x - r2)..., equal their expansion (computed
// here by integer convolution) and differ from it with one coefficient changed.
func TestRandomPolynomials(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		lead := int64(r.IntN(5) + 1)
		coef := []int64{lead}
		factored := fmt.Sprint(lead)
		if lead == 1 {
			factored = ""
		}
		for range r.IntN(4) + 1 {
			root := int64(r.IntN(11) - 5)
			// (x - root) times coef.
			next := make([]int64, len(coef)+1)
			for k, c := range coef {
				next[k+1] += c
				next[k] -= root * c
			}
			coef = next
			factored += "(" + polyString([]int64{-root, 1}) + ")"
		}
		expanded := polyString(coef)
		if res := Check(factored, expanded, Options{}); !res.Equal {
			t.Errorf("#%d: %s vs %s: not equal (%s)", i, factored, expanded, res.Reason)
		}
		k := r.IntN(len(coef))
		coef[k]++
		if miss := polyString(coef); Equal(factored, miss) {
			t.Errorf("#%d: %s equals %s (coefficient %d changed)", i, factored, miss, k)
		}
	}
}
