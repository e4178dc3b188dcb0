package logic

import (
	"math/big"
	"regexp"
	"strings"
)

func init() { registerOpts("buggy_tables", verifyBuggyTables) }

// twoDecimals matches a number written with exactly two decimals, the form the buggy_tables
// prompt demands ("42.00, 0.50").
var twoDecimals = regexp.MustCompile(`-?\d+\.\d{2}\b`)

// verifyBuggyTables compares the last number written with exactly two decimals anywhere in the
// response (upstream reads the whole response, not only the ```json block the prompt asks for)
// with the gold answer (the generator formats it with "%.2f"). Upstream compares the two as
// strings; we compare values, so "-0.00" equals "0.00" (an absolute difference rounded to
// zero; o.Upstream compares strings). A gold without such a number (the generator keeps a
// non-numeric result as is) must equal the whole trimmed response, as upstream.
func verifyBuggyTables(g GameData, region string, o Options) Result {
	gold := strings.TrimSpace(g.Answer)
	if gold == "" {
		return badInstance("no gold answer")
	}
	text := region
	want := lastTwoDecimal(gold)
	if want == "" {
		if got := strings.TrimSpace(region); got != gold {
			return incorrect(got, "answer differs from the gold answer %q", gold)
		}
		return Result{Correct: true, Extracted: gold}
	}
	got := lastTwoDecimal(text)
	if got == "" {
		return incorrect("", "no number with exactly two decimals in the answer")
	}
	x, _ := new(big.Rat).SetString(got)
	y, _ := new(big.Rat).SetString(want)
	if x.Cmp(y) != 0 || o.Upstream && got != want {
		return incorrect(got, "%s differs from the gold answer %s", got, want)
	}
	return Result{Correct: true, Extracted: got}
}

func lastTwoDecimal(s string) string {
	return lastMatchInRuns(s, twoDecimals, '.', func(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' })
}
