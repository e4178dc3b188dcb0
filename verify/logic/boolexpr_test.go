package logic

import (
	"strings"
	"testing"
)

func TestBooleanExpressionsSamples(t *testing.T) {
	sampleSuite{
		task: "boolean_expressions",
		good: func(t *testing.T, g GameData) []string {
			labels := strings.Split(g.Answer, ",")
			rev := make([]string, len(labels))
			for i, l := range labels {
				rev[len(labels)-1-i] = l
			}
			return []string{
				`So the true ones are these. \boxed{` + g.Answer + `}`,
				`\boxed{` + strings.Join(rev, ", ") + `}`,
				`$\boxed{` + strings.ToLower(g.Answer) + `}$`,
				// Upstream compares the set of letters: a repeated label changes nothing.
				`\boxed{` + g.Answer + "," + labels[0] + `}`,
				`\boxed{` + strings.ReplaceAll(g.Answer, ",", "") + `}`,
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			labels := strings.Split(g.Answer, ",")
			var extra string
			for _, l := range "ABCDE" {
				if !strings.Contains(g.Answer, string(l)) {
					extra = g.Answer + "," + string(l)
					break
				}
			}
			if extra == "" {
				extra = g.Answer + ",F"
			}
			bad := map[string]string{
				"extra label":     `\boxed{` + extra + `}`,
				"text wrapper":    `$\boxed{\text{` + g.Answer + `}}$`, // its letters count too
				"unclosed last":   `\boxed{` + g.Answer + `} and \boxed{` + g.Answer,
				"not boxed":       "The answer is " + g.Answer,
				"prose in box":    `\boxed{options ` + g.Answer + `}`,
				"later wrong box": `\boxed{` + g.Answer + `} or maybe \boxed{` + extra + `}`,
			}
			if len(labels) > 1 {
				bad["missing label"] = `\boxed{` + strings.Join(labels[1:], ",") + `}`
			}
			return bad
		},
	}.run(t)
}
