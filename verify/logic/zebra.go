package logic

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

func init() { register("zebra_puzzle", verifyZebra) }

// verifyZebra compares the answer with the gold answer the way upstream's zebra_puzzle
// verifier does: the answer is the text after the last "```json" up to the next fence (or,
// without one, the response up to its first fence);
// when the gold is a JSON object the answer must be the same object — same keys, list order,
// and values of the same type (1 and 1.0, or true and 1, differ) — read as JSON or, failing
// that, as a Python literal; any other gold must equal the answer text exactly (both trimmed).
func verifyZebra(g GameData, region string) Result {
	ans := afterLastTag(region, "```json")
	if ans == "" {
		return incorrect("", "no answer")
	}
	gold, err := decodeJSONValue(g.Answer)
	if _, isObj := gold.(map[string]any); err != nil || !isObj {
		if strings.TrimSpace(g.Answer) == "" {
			return badInstance("no gold answer")
		}
		if ans != strings.TrimSpace(g.Answer) {
			return incorrect(ans, "answer differs from the gold answer %q", strings.TrimSpace(g.Answer))
		}
		return Result{Correct: true, Extracted: ans}
	}
	got, err := decodeJSONValue(ans)
	if err != nil {
		py, perr := parsePyLiteral(ans)
		if perr != nil {
			return incorrect(ans, "answer is neither JSON (%v) nor a Python literal (%v)", err, perr)
		}
		if got, err = pyToJSON(py); err != nil {
			return incorrect(ans, "%v", err)
		}
	}
	if path := jsonDiff(gold, got, "answer"); path != "" {
		return incorrect(ans, "%s differs from the gold answer", path)
	}
	return Result{Correct: true, Extracted: ans}
}

// decodeJSONValue decodes exactly one JSON value, keeping numbers as json.Number so that
// integers and floats stay distinguishable (upstream compares Python types).
func decodeJSONValue(s string) (any, error) {
	if len(s) > maxAnswerBytes {
		return nil, fmt.Errorf("answer too long (%d bytes, limit %d)", len(s), maxAnswerBytes)
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
}

// pyToJSON maps a Python literal to decodeJSONValue's types. A tuple or a non-string dict key
// has no JSON counterpart equal to it under upstream's type-strict comparison, so it is an
// error.
func pyToJSON(v pyValue) (any, error) {
	switch v.kind {
	case pyInt:
		return json.Number(strconv.FormatInt(v.i, 10)), nil
	case pyStr:
		return v.s, nil
	case pyBool:
		return v.i != 0, nil
	case pyNone:
		return nil, nil
	case pyList:
		out := make([]any, len(v.items))
		for i, it := range v.items {
			var err error
			if out[i], err = pyToJSON(it); err != nil {
				return nil, err
			}
		}
		return out, nil
	case pyDict:
		out := make(map[string]any, len(v.items))
		for i, k := range v.keys {
			if k.kind != pyStr {
				return nil, errors.New("dict key is not a string")
			}
			var err error
			if out[k.s], err = pyToJSON(v.items[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, errors.New("a tuple is not a JSON list")
}

// jsonDiff returns the path of the first place where got differs from want ("" when equal).
// Numbers are equal when both are integers of equal value or both are non-integers of equal
// float value, as Python's == on int and float with a type check first.
func jsonDiff(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		gm, ok := got.(map[string]any)
		if !ok || len(gm) != len(w) {
			return path
		}
		for k, wv := range w {
			gv, ok := gm[k]
			if !ok {
				return path + "." + k
			}
			if d := jsonDiff(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
	case []any:
		gl, ok := got.([]any)
		if !ok || len(gl) != len(w) {
			return path
		}
		for i := range w {
			if d := jsonDiff(w[i], gl[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case json.Number:
		gn, ok := got.(json.Number)
		if !ok || !sameNumber(w, gn) {
			return path
		}
	default: // string, bool, nil
		if want != got {
			return path
		}
	}
	return ""
}

func sameNumber(a, b json.Number) bool {
	isInt := func(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }
	if isInt(a) != isInt(b) {
		return false
	}
	if isInt(a) {
		x, okx := new(big.Int).SetString(string(a), 10)
		y, oky := new(big.Int).SetString(string(b), 10)
		return okx && oky && x.Cmp(y) == 0
	}
	x, errx := a.Float64()
	y, erry := b.Float64()
	return errx == nil && erry == nil && x == y
}
