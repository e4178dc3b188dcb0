package logic

import (
	"encoding/json"
	"strings"
)

func init() { register("goods_exchange", verifyGoodsExchange) }

type goodsMeta struct {
	OwnsAfter string `json:"owns_after"`
}

// verifyGoodsExchange compares the final ownership in the last ```python block with the gold
// (metadata owns_after, else the answer) as upstream does: the block must be a tuple "(…)"; it
// is read as a tuple of (person, item) string pairs, or, when it is not a Python literal
// (unquoted or CJK names: "((Alice, book), (孔亮, 绿色地图))"), split by hand; people and items
// are compared without case, order does not matter, and a person listed twice keeps the last
// item.
func verifyGoodsExchange(g GameData, region string) Result {
	var m goodsMeta
	_ = json.Unmarshal(g.Metadata, &m)
	gold := m.OwnsAfter
	if gold == "" {
		gold = g.Answer
	}
	want := parseOwnership(gold)
	if len(want) == 0 {
		return badInstance("no (person, item) pairs in owns_after or the answer")
	}
	block, ok := last(pythonFences(region, true))
	if !ok {
		return incorrect("", "no ```python block in the answer")
	}
	if !strings.HasPrefix(block, "(") || !strings.HasSuffix(block, ")") {
		return incorrect(block, "python block is not a tuple (…)")
	}
	got := parseOwnership(block)
	if len(got) != len(want) {
		return incorrect(block, "answer lists %d people, want %d", len(got), len(want))
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
	return Result{Correct: true, Extracted: block}
}

// parseOwnership reads "(('A', 'x'), ('B', 'y'))" into lower-cased person → item. A Python
// literal is read as a tuple of 2-string tuples (other items are skipped; a literal that is
// not a tuple gives no pairs); any other text goes through splitPairs.
func parseOwnership(s string) map[string]string {
	s = strings.TrimSpace(s)
	out := map[string]string{}
	add := func(person, item string) {
		out[strings.ToLower(strings.TrimSpace(person))] = strings.ToLower(strings.TrimSpace(item))
	}
	if v, err := parsePyLiteral(s); err == nil {
		if v.kind == pyTuple {
			for _, p := range v.items {
				if p.kind == pyTuple && len(p.items) == 2 && p.items[0].kind == pyStr && p.items[1].kind == pyStr {
					add(p.items[0].s, p.items[1].s)
				}
			}
		}
		return out
	}
	for _, p := range splitPairs(s) {
		add(p[0], p[1])
	}
	return out
}

// splitPairs is upstream's hand splitter for answers that are not literals: without one outer
// "(" and ")", the text is cut into top-level "(…)" groups; inside each, commas outside
// quotes separate fields, and the first two fields, unquoted, are the person and the item.
func splitPairs(s string) [][2]string {
	s = strings.TrimPrefix(s, "(")
	s = strings.TrimSuffix(s, ")")
	var groups []string
	var cur strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
			cur.WriteRune(r)
		case r == ')':
			depth--
			cur.WriteRune(r)
			if depth == 0 {
				groups = append(groups, cur.String())
				cur.Reset()
			}
		case r == ',' && depth == 0:
		default:
			cur.WriteRune(r)
		}
	}
	var out [][2]string
	for _, grp := range groups {
		grp = strings.TrimSpace(grp)
		grp = strings.TrimPrefix(grp, "(")
		grp = strings.TrimSuffix(grp, ")")
		var fields []string
		var f strings.Builder
		quoted := false
		prev := rune(0)
		for _, r := range grp {
			if (r == '"' || r == '\'') && (f.Len() == 0 || prev != '\\') {
				quoted = !quoted
			}
			if r == ',' && !quoted {
				fields = append(fields, strings.TrimSpace(f.String()))
				f.Reset()
			} else {
				f.WriteRune(r)
			}
			prev = r
		}
		if f.Len() > 0 {
			fields = append(fields, strings.TrimSpace(f.String()))
		}
		if len(fields) >= 2 {
			out = append(out, [2]string{strings.Trim(fields[0], `'"`), strings.Trim(fields[1], `'"`)})
		}
	}
	return out
}
