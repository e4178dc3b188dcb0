package logic

import (
	"fmt"
	"strings"
	"testing"
)

type goodsTestMeta struct {
	Names      []string          `json:"names"`
	OwnsBefore map[string]string `json:"owns_before"`
	Operations []string          `json:"operations"`
	OwnsAfter  string            `json:"owns_after"`
}

func pairsLiteral(names []string, owns map[string]string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("(%q, %q)", n, owns[n])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func TestGoodsExchangeSamples(t *testing.T) {
	sampleSuite{
		task: "goods_exchange",
		good: func(t *testing.T, g GameData) []string {
			m := meta[goodsTestMeta](t, g)
			if m.OwnsAfter != g.Answer {
				t.Fatalf("owns_after differs from the answer")
			}
			v, err := parsePyLiteral(g.Answer)
			if err != nil {
				t.Fatal(err)
			}
			final, err := ownership(v)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]string{}
			for _, n := range m.Names {
				byName[n] = final[normName(n)]
			}
			reversed := make([]string, len(m.Names))
			for i, n := range m.Names {
				reversed[len(m.Names)-1-i] = n
			}
			entries := make([]string, len(m.Names))
			for i, n := range m.Names {
				entries[i] = fmt.Sprintf("%q: %q", n, byName[n])
			}
			dict := "{" + strings.Join(entries, ",\n") + "}"
			return []string{pyBlock(g.Answer), pyBlock(pairsLiteral(reversed, byName)), pyBlock(strings.ToUpper(g.Answer)), pyBlock(dict)}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[goodsTestMeta](t, g)
			v, _ := parsePyLiteral(g.Answer)
			final, _ := ownership(v)
			byName := map[string]string{}
			for _, n := range m.Names {
				byName[n] = final[normName(n)]
			}
			swapped := map[string]string{}
			for k, v := range byName {
				swapped[k] = v
			}
			a, b := m.Names[0], m.Names[1]
			swapped[a], swapped[b] = swapped[b], swapped[a]
			return map[string]string{
				"two items swapped": pyBlock(pairsLiteral(m.Names, swapped)),
				"initial ownership": pyBlock(pairsLiteral(m.Names, m.OwnsBefore)),
				"missing person":    pyBlock(pairsLiteral(m.Names[1:], byName)),
				"person twice":      pyBlock(pairsLiteral(append([]string{m.Names[0]}, m.Names...), byName)),
				"no code block":     "Final: " + g.Answer,
				"not pairs":         pyBlock(fmt.Sprintf("%q", m.Names)),
			}
		},
	}.run(t)
}
