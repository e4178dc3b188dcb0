package logic

import (
	"fmt"
	"strings"
)

func init() { register("goods_exchange", verifyGoodsExchange) }

// verifyGoodsExchange compares the (person, item) tuples in the last ```python block with the
// gold final ownership, as a mapping: order does not matter, case and spacing inside names do
// not matter, and every person must appear exactly once.
func verifyGoodsExchange(g GameData, region string) Result {
	gold, err := parsePyLiteral(g.Answer)
	if err != nil {
		return badInstance("gold answer is not a literal: %v", err)
	}
	want, err := ownership(gold)
	if err != nil {
		return badInstance("gold answer: %v", err)
	}
	v, block, err := parsePythonAnswer(region)
	if err != nil {
		return incorrect(block, "%v", err)
	}
	got, err := ownership(v)
	if err != nil {
		return incorrect(block, "%v", err)
	}
	for person, item := range want {
		gi, ok := got[person]
		if !ok {
			return incorrect(block, "%s is missing", person)
		}
		if gi != item {
			return incorrect(block, "%s owns %q, want %q", person, gi, item)
		}
	}
	if len(got) != len(want) {
		return incorrect(block, "answer lists %d people, want %d", len(got), len(want))
	}
	return Result{Correct: true, Extracted: block}
}

// ownership reads a sequence of (person, item) pairs (or a dict person→item) into a map of
// normalised names; a person listed twice is an error.
func ownership(v pyValue) (map[string]string, error) {
	out := map[string]string{}
	add := func(k, val pyValue) error {
		ks, ok1 := k.text()
		vs, ok2 := val.text()
		if !ok1 || !ok2 {
			return fmt.Errorf("pairs must be two strings")
		}
		ks, vs = normName(ks), normName(vs)
		if _, dup := out[ks]; dup {
			return fmt.Errorf("%s is listed twice", ks)
		}
		out[ks] = vs
		return nil
	}
	switch {
	case v.kind == pyDict:
		for i := range v.keys {
			if err := add(v.keys[i], v.items[i]); err != nil {
				return nil, err
			}
		}
	case v.isSeq():
		for _, p := range v.items {
			if !p.isSeq() || len(p.items) != 2 {
				return nil, fmt.Errorf("want (person, item) pairs")
			}
			if err := add(p.items[0], p.items[1]); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("want a tuple of (person, item) pairs")
	}
	return out, nil
}

// normName lowercases and collapses spaces.
func normName(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
