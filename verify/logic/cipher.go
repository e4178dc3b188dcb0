package logic

import "strings"

func init() { registerOpts("cipher", verifyCipher) }

// verifyCipher compares with the gold answer the way upstream's cipher verifier does: the text
// after the last "```python" up to the next fence (without one, the response up to its first
// fence) must be the literal
// [["TEXT"]] — a list holding one list holding one string — with TEXT exactly the gold
// answer inside its [[ ]]. The snapshot we learned from has no cipher generator or prompt, so
// this is the verifier's format only. Upstream cuts two characters off each end of the gold
// whether or not they are brackets; we strip [[ ]] only when present, so a bare gold is
// compared whole (o.Upstream cuts as upstream does).
func verifyCipher(g GameData, region string, o Options) Result {
	gold := strings.TrimSpace(g.Answer)
	if inner, ok := strings.CutPrefix(gold, "[["); ok {
		if inner, ok = strings.CutSuffix(inner, "]]"); ok {
			gold = inner
		}
	}
	if o.Upstream {
		gold = ""
		if r := []rune(g.Answer); len(r) > 4 {
			gold = string(r[2 : len(r)-2])
		}
	}
	if gold == "" {
		return badInstance("no gold answer")
	}
	ans := afterLastTag(region, "```python")
	v, err := parsePyLiteral(ans)
	if err != nil {
		return incorrect(ans, "answer is not a Python literal: %v", err)
	}
	if v.kind != pyList || len(v.items) != 1 || v.items[0].kind != pyList || len(v.items[0].items) != 1 || v.items[0].items[0].kind != pyStr {
		return incorrect(ans, `answer is not of the form [["TEXT"]]`)
	}
	if got := v.items[0].items[0].s; got != gold {
		return incorrect(ans, "answer %q differs from the gold answer %q", got, gold)
	}
	return Result{Correct: true, Extracted: ans}
}
