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
			byName := finalOwnership(t, g, m.Names)
			reversed := make([]string, len(m.Names))
			for i, n := range m.Names {
				reversed[len(m.Names)-1-i] = n
			}
			unquoted := make([]string, len(m.Names))
			for i, n := range m.Names {
				unquoted[i] = fmt.Sprintf("(%s, %s)", n, byName[n])
			}
			return []string{
				pyBlock(g.Answer), pyBlock(pairsLiteral(reversed, byName)), pyBlock(strings.ToUpper(g.Answer)),
				// Upstream's hand splitter: names without quotes (CJK ones too).
				pyBlock("(" + strings.Join(unquoted, ", ") + ")"),
				// A dict keeps the last item of a person listed twice.
				pyBlock(pairsLiteral(append([]string{m.Names[0]}, m.Names...), byName)),
			}
		},
		bad: func(t *testing.T, g GameData) map[string]string {
			m := meta[goodsTestMeta](t, g)
			byName := finalOwnership(t, g, m.Names)
			entries := make([]string, len(m.Names))
			for i, n := range m.Names {
				entries[i] = fmt.Sprintf("%q: %q", n, byName[n])
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
				"list of pairs":     pyBlock("[" + strings.TrimSuffix(strings.TrimPrefix(g.Answer, "("), ")") + "]"),
				"dict":              pyBlock("{" + strings.Join(entries, ",\n") + "}"),
				"one-line block":    "```python " + g.Answer + "```",
				"no code block":     "Final: " + g.Answer,
				"not pairs":         pyBlock(fmt.Sprintf("%q", m.Names)),
			}
		},
	}.run(t)
}

// finalOwnership reads the gold final ownership of a sample by person, through the splitter
// independent of the verifier: the generator writes ('name','item') pairs with no quotes
// inside names.
func finalOwnership(t *testing.T, g GameData, names []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range strings.Split(strings.Trim(g.Answer, "()"), "),(") {
		f := strings.Split(p, "','")
		if len(f) != 2 {
			t.Fatalf("gold pair %q", p)
		}
		out[strings.Trim(f[0], "'")] = strings.Trim(f[1], "'")
	}
	if len(out) != len(names) {
		t.Fatalf("gold has %d people, names %d", len(out), len(names))
	}
	return out
}
