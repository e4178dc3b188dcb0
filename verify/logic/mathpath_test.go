package logic

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// floatEval evaluates an expression of single digits, + - * / %, and parentheses the way
// Python evaluates floats: true division, floored modulo. intDiv also demands that every
// division be exact, as the upstream generator does when it builds an equation. It is the
// test's own evaluator (floats, not the verifier's exact rationals).
func floatEval(s string, intDiv bool) (float64, error) {
	s = strings.ReplaceAll(s, " ", "")
	pos := 0
	var expr, term, factor func() (float64, error)
	factor = func() (float64, error) {
		if pos >= len(s) {
			return 0, errors.New("end")
		}
		switch c := s[pos]; {
		case c == '(':
			pos++
			v, err := expr()
			if err != nil || pos >= len(s) || s[pos] != ')' {
				return 0, errors.New("paren")
			}
			pos++
			return v, nil
		case c == '-':
			pos++
			v, err := factor()
			return -v, err
		case c >= '0' && c <= '9':
			v := 0.0
			for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
				v = v*10 + float64(s[pos]-'0')
				pos++
			}
			return v, nil
		}
		return 0, fmt.Errorf("unexpected %q", s[pos])
	}
	term = func() (float64, error) {
		v, err := factor()
		for err == nil && pos < len(s) && strings.IndexByte("*/%", s[pos]) >= 0 {
			op := s[pos]
			pos++
			var r float64
			if r, err = factor(); err != nil {
				break
			}
			switch {
			case op == '*':
				v *= r
			case r == 0:
				err = errors.New("zero divisor")
			case op == '/':
				if intDiv && math.Mod(v, r) != 0 {
					err = errors.New("inexact division")
				}
				v /= r
			default:
				v -= r * math.Floor(v/r)
			}
		}
		return v, err
	}
	expr = func() (float64, error) {
		v, err := term()
		for err == nil && pos < len(s) && (s[pos] == '+' || s[pos] == '-') {
			op := s[pos]
			pos++
			var r float64
			if r, err = term(); err == nil {
				if op == '+' {
					v += r
				} else {
					v -= r
				}
			}
		}
		return v, err
	}
	v, err := expr()
	if err == nil && pos != len(s) {
		err = errors.New("trailing input")
	}
	return v, err
}

// mathPathUpstream builds an instance the way the upstream math_path generator does: four
// random digits joined by operators from + - * / %, up to two pairs of parentheses around a
// "digit op digit", kept only when it evaluates with exact integer division; the query
// hides digits of the left side behind '?' (spaces removed), the gold answer and ref_expr
// are "expr = value", and the prompt asks for the filled equation inside [[ ]].
func mathPathUpstream(t testing.TB, seed uint64) GameData {
	rng := rand.New(rand.NewPCG(seed, 7))
	for {
		toks := []string{fmt.Sprint(rng.IntN(10))}
		for range 3 {
			toks = append(toks, string("+-*/%"[rng.IntN(5)]), fmt.Sprint(rng.IntN(10)))
		}
		for range rng.IntN(3) {
			var ops []int
			for i := 1; i+1 < len(toks); i++ {
				if strings.Contains("+-*/%", toks[i]) && len(toks[i-1]) == 1 && len(toks[i+1]) == 1 {
					ops = append(ops, i)
				}
			}
			if len(ops) > 0 {
				i := ops[rng.IntN(len(ops))]
				toks = append(toks[:i-1], append([]string{"(" + toks[i-1], toks[i], toks[i+1] + ")"}, toks[i+2:]...)...)
			}
		}
		expr := strings.Join(toks, " ")
		v, err := floatEval(expr, true)
		if err != nil {
			continue
		}
		var query strings.Builder
		blanks := 0
		for _, c := range strings.ReplaceAll(expr, " ", "") {
			if c >= '0' && c <= '9' && rng.IntN(2) == 0 {
				query.WriteByte('?')
				blanks++
			} else {
				query.WriteRune(c)
			}
		}
		if blanks == 0 || blanks > 4 {
			continue
		}
		ref := fmt.Sprintf("%s = %d", expr, int(v))
		q := fmt.Sprintf("%s = %d", query.String(), int(v))
		m, err := json.Marshal(map[string]any{"trace_id": "t", "ref_expr": ref, "query_expr": q, "n": 3, "x_prob": 50})
		if err != nil {
			t.Fatal(err)
		}
		question := "In an operation expression " + q + ", there are several numbers ... Please place the completed arithmetic expression at the end of the answer, enclosed between [[ and ]], with no additional content. For example:\n[[2 + 4 * 3 - 4 = 10]]"
		return GameData{Question: question, Answer: ref, Metadata: m}
	}
}

// mathPathFills returns every filling of the query's blanks with the (float) value of its
// left side, or an error where Python would raise (a zero divisor).
func mathPathFills(query string) (fills []string, values []float64, errs []error) {
	lhs, _, _ := strings.Cut(query, "=")
	blanks := strings.Count(lhs, "?")
	for x := range int(math.Pow10(blanks)) {
		f, k := []byte(query), x
		for i := range f {
			if f[i] == '?' {
				f[i] = byte('0' + k%10)
				k /= 10
			}
		}
		l, _, _ := strings.Cut(string(f), "=")
		v, err := floatEval(l, false)
		fills, values, errs = append(fills, string(f)), append(values, v), append(errs, err)
	}
	return fills, values, errs
}

func TestMathPathUpstream(t *testing.T) {
	var instances []GameData
	hasMod := false
	for seed := range uint64(12) {
		g := mathPathUpstream(t, seed)
		instances = append(instances, g)
		hasMod = hasMod || strings.Contains(g.Answer, "%")
	}
	if !hasMod {
		t.Fatal("no instance uses %; the generator is not exercising it")
	}
	query := func(t *testing.T, g GameData) (string, float64) {
		var m struct {
			Query string `json:"query_expr"`
		}
		if err := json.Unmarshal(g.Metadata, &m); err != nil {
			t.Fatal(err)
		}
		_, rhs, _ := strings.Cut(m.Query, "=")
		want, err := floatEval(rhs, false)
		if err != nil {
			t.Fatal(err)
		}
		return m.Query, want
	}
	sampleSuite{
		task:      "math_path",
		instances: instances,
		good: func(t *testing.T, g GameData) []string {
			out := []string{"[[" + g.Answer + "]]", "Checking...\n[[" + strings.ReplaceAll(g.Answer, " ", "") + "]]"}
			q, want := query(t, g)
			fills, values, errs := mathPathFills(q)
			for i := range fills {
				if errs[i] == nil && math.Abs(values[i]-want) < 1e-9 && len(out) < 20 {
					out = append(out, "[["+fills[i]+"]]")
				}
			}
			return out
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			q, want := query(t, g)
			bad := map[string]string{
				"no brackets": g.Answer,
				"later wrong": "[[" + g.Answer + "]]\nor rather [[" + strings.Replace(g.Answer, "=", "+ 1 =", 1) + "]]",
			}
			fills, values, errs := mathPathFills(q)
			for i := range fills {
				switch {
				case errs[i] != nil && len(bad) < 4:
					bad["raises "+errs[i].Error()] = "[[" + fills[i] + "]]"
				case errs[i] == nil && math.Abs(values[i]-want) > 1e-6 && len(bad) < 6:
					bad["false equation "+fills[i]] = "[[" + fills[i] + "]]"
				}
			}
			if strings.Contains(q, "(") {
				bad["parentheses dropped"] = "[[" + strings.NewReplacer("(", "", ")", "").Replace(g.Answer) + "]]"
			}
			return bad
		},
	}.run(t)
}

func TestEvalArithMod(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want float64
	}{
		{"7 % 3", 1}, {"-7 % 3", 2}, {"7 % -3", -2}, {"7/2 % 2", 1.5}, {"2 + 9 % 4 * 3", 5}, {"(2 + 9) % 4", 3},
	} {
		got, err := evalArithMod(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if f, _ := got.value.Float64(); f != tc.want {
			t.Errorf("%s = %v, want %v (Python)", tc.expr, f, tc.want)
		}
		if ref, _ := floatEval(tc.expr, false); ref != tc.want {
			t.Errorf("test evaluator: %s = %v, want %v", tc.expr, ref, tc.want)
		}
	}
	if _, err := evalArithMod("3 % 0"); err == nil {
		t.Error("3 % 0 evaluated")
	}
	if _, err := evalArith("7 % 3"); err == nil {
		t.Error("evalArith accepts %, which game_of_24 must not")
	}
}
