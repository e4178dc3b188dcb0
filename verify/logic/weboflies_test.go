package logic

import (
	"strings"
	"testing"
)

func TestWebOfLiesSamples(t *testing.T) {
	flip := func(s string) string {
		return strings.NewReplacer("yes", "no", "no", "yes", "是", "否", "否", "是").Replace(s)
	}
	sampleSuite{
		task: "web_of_lies",
		good: func(t *testing.T, g GameData) []string {
			zh := strings.Contains(g.Answer, "是") || strings.Contains(g.Answer, "否")
			if zh {
				return []string{
					"逐步分析……\n答案是 **" + g.Answer + "**。",
					"答案是 **" + strings.ReplaceAll(g.Answer, " ", "") + "**",
				}
			}
			return []string{
				"Step by step...\nThe answer is **" + g.Answer + "**.",
				"The answer is **" + strings.ToUpper(g.Answer) + "**",
				"the answer is " + g.Answer + ".",
				"The answer is maybe **no**.\nThe answer is **" + g.Answer + "**.",
				"The answer is: **" + g.Answer + "**",
				"**" + g.Answer + "**",           // the last line's bold part
				"I conclude: " + g.Answer + "\n", // the last run of yes/no words
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			items := strings.Split(g.Answer, ", ")
			one := append([]string{flip(items[0])}, items[1:]...)
			marker := "The answer is "
			if strings.ContainsAny(g.Answer, "是否") {
				marker = "答案是 "
			}
			return map[string]string{
				"one flipped":   marker + "**" + strings.Join(one, ", ") + "**.",
				"missing item":  marker + "**" + strings.Join(items[1:], ", ") + "**.",
				"extra item":    marker + "**" + g.Answer + ", " + items[0] + "**.",
				"bold per word": "The answer is **" + strings.ReplaceAll(g.Answer, ", ", "**, **") + "**.", // upstream reads the first bold
				"not yes or no": marker + "**" + strings.ReplaceAll(g.Answer, items[0], "maybe") + "**",
				"later answer":  marker + "**" + g.Answer + "**.\n" + marker + "**" + strings.Join(one, ", ") + "**.",
			}
		},
	}.run(t)
}
