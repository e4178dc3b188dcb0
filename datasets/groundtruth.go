package datasets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// GroundTruth is a problem's reference answer as its file gives it: one value (text, or a
// number such as AMC's 142.0), or a list of alternatives, any one of which is a correct
// answer. DeepScaleR's Minerva test set gives ["6630.65", "6630"], and verl's
// reward_model.ground_truth may be such a list; DeepScaleR's math reward (rllm's
// RewardMathFn, which verl runs on these files) grades a completion correct when it matches
// any element, and so do mirage's graders (see Alternatives).
//
// A GroundTruth keeps its type through every reader and writer: a list stays a list, a
// double a double and a string a string, in parquet as in JSON. The zero value is no ground
// truth (null in files). Values are immutable: constructors copy what they are given.
// Compare them with Equal (== would panic on lists, so it does not compile).
type GroundTruth struct {
	_ [0]func() // not comparable with ==
	v any       // nil, string, int64, float64, bool, or []any of the scalar kinds
}

// Equal reports whether g and o hold the same value of the same type.
func (g GroundTruth) Equal(o GroundTruth) bool { return reflect.DeepEqual(g.v, o.v) }

// Answer is a ground truth of one text answer.
func Answer(s string) GroundTruth { return GroundTruth{v: s} }

// Answers is a ground truth of alternative answers, any of which is correct; it stays a list
// in files even with one element.
func Answers(alternatives ...string) GroundTruth {
	l := make([]any, len(alternatives))
	for i, a := range alternatives {
		l[i] = a
	}
	return GroundTruth{v: l}
}

// NewGroundTruth makes a ground truth of a decoded value: nil (none), a string, an int64, a
// float64, a bool, or a list of those (alternatives). Other values, and lists holding lists,
// objects or nulls, are an error saying what was found.
func NewGroundTruth(v any) (GroundTruth, error) {
	switch x := v.(type) {
	case nil, string, int64, float64, bool:
		return GroundTruth{v: x}, nil
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			switch e.(type) {
			case string, int64, float64, bool:
				l[i] = e
			default:
				return GroundTruth{}, fmt.Errorf("element %d: want a string or number (a list of alternative answers), got %s", i, typeName(e))
			}
		}
		return GroundTruth{v: l}, nil
	}
	return GroundTruth{}, fmt.Errorf("want a string, number or list of them (alternative answers), got %s", typeName(v))
}

// IsZero reports a missing ground truth (null or absent in the file).
func (g GroundTruth) IsZero() bool { return g.v == nil }

// IsList reports a list of alternatives (possibly of one or none).
func (g GroundTruth) IsList() bool {
	_, ok := g.v.([]any)
	return ok
}

// Value is the ground truth as a record value: nil, string, int64, float64, bool or a fresh
// []any of them. Writers store it as it is, so its type survives.
func (g GroundTruth) Value() any {
	if l, ok := g.v.([]any); ok {
		return append([]any(nil), l...)
	}
	return g.v
}

// Alternatives lists the accepted answers as text: one for a single value, one per element
// for a list, none for the zero value. Numbers are written as JSON writes them (142.0 is
// "142"); text is kept byte for byte, Minerva's trailing newlines included (the math graders
// trim them; math-strict, the paper's byte-for-byte rule, does not).
func (g GroundTruth) Alternatives() []string {
	switch x := g.v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = scalarText(e)
		}
		return out
	}
	return []string{scalarText(g.v)}
}

// Text is the first alternative ("" when there is none): the one answer to show or to train
// on (SFT targets), where a single text is needed.
func (g GroundTruth) Text() string {
	if alts := g.Alternatives(); len(alts) > 0 {
		return alts[0]
	}
	return ""
}

// Blank reports a ground truth with no alternative holding any text: nothing to grade
// against.
func (g GroundTruth) Blank() bool {
	for _, a := range g.Alternatives() {
		if strings.TrimSpace(a) != "" {
			return false
		}
	}
	return true
}

// String is the ground truth for messages: its text, or the list of alternatives in JSON.
func (g GroundTruth) String() string {
	if g.IsList() {
		b, _ := json.Marshal(g.Alternatives())
		return string(b)
	}
	return g.Text()
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return strconv.FormatFloat(x, 'g', -1, 64) // NaN, ±Inf
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// MarshalJSON writes the value as it is: a string, a number (a double keeps its decimal
// point, 142.0, so that reading it back gives a double again), a list or null.
func (g GroundTruth) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonTyped(g.v))
}

// UnmarshalJSON reads null, a string, a number (integers as int64, others as float64) or a
// list of them.
func (g *GroundTruth) UnmarshalJSON(b []byte) error {
	v, err := decodeValue(json.NewDecoder(bytes.NewReader(b)), true)
	if err != nil {
		return err
	}
	gt, err := NewGroundTruth(v)
	if err != nil {
		return fmt.Errorf("ground_truth: %w", err)
	}
	*g = gt
	return nil
}

// jsonTyped returns v ready for encoding/json with its number types kept: a float64 becomes
// a json.Number with a decimal point or exponent (encoding/json writes 2.0 as "2", which
// reads back as an integer). Maps and lists holding floats are copied; v is not modified.
// Floats JSON cannot hold (NaN, ±Inf) are left as they are, for json to refuse.
func jsonTyped(v any) any {
	switch x := v.(type) {
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return x
		}
		if !bytes.ContainsAny(b, ".eE") {
			b = append(b, ".0"...)
		}
		return json.Number(b)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonTyped(e)
		}
		return out
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonTyped(e)
		}
		return out
	}
	return v
}

// withTypedNumbers returns p with its Extra ready for encoding/json (see jsonTyped); p's own
// Extra is not modified.
func withTypedNumbers(p Problem) Problem {
	if p.Extra != nil {
		p.Extra = jsonTyped(p.Extra).(map[string]any)
	}
	return p
}
