package logic

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func init() { register("minesweeper", verifyMinesweeper) }

// minesweeperMeta holds the cells that are certainly mines, as 0-based [row, col] pairs: the
// upstream generator writes them under "current_mines" (its gold answer is empty); "mines"
// and "definite_mines" are accepted as other spellings. Without them the gold answer is used.
type minesweeperMeta struct {
	Mines         [][2]int `json:"mines"`
	DefiniteMines [][2]int `json:"definite_mines"`
	CurrentMines  [][2]int `json:"current_mines"`
}

// verifyMinesweeper compares the set of mine coordinates in the answer with the gold set (in
// the same 0-based convention), as upstream reads them: every list of (row, col) tuples in the
// response, pooled; without any, every list of [row, col] lists; then every run of
// "(r, c), (r, c)" pairs; and as a last resort every two numbers separated by other text.
// Order and repeats do not matter.
func verifyMinesweeper(g GameData, region string) Result {
	var m minesweeperMeta
	_ = decodeMeta(g, &m)
	var want [][2]int
	switch {
	case m.DefiniteMines != nil:
		want = m.DefiniteMines
	case m.CurrentMines != nil:
		want = m.CurrentMines
	case m.Mines != nil:
		want = m.Mines
	default:
		want = mineCoords(g.Answer)
		if want == nil {
			return badInstance("no mines in metadata and the gold answer is not a list of cells")
		}
	}
	wantSet := map[[2]int]bool{}
	for _, c := range want {
		wantSet[c] = true
	}
	got := mineCoords(region)
	text := fmt.Sprint(got)
	gotSet := map[[2]int]bool{}
	for _, c := range got {
		gotSet[c] = true
		if !wantSet[c] {
			return incorrect(text, "cell %v is not a certain mine", c)
		}
	}
	if len(gotSet) != len(wantSet) {
		return incorrect(text, "%d mines listed, want %d", len(gotSet), len(wantSet))
	}
	return Result{Correct: true, Extracted: text}
}

// The coordinate forms upstream's minesweeper verifier looks for, in order.
var (
	mineTupleLists = newOpenPattern(`\[\s*\(\s*\d+\s*,\s*\d+\s*\)(?:\s*,\s*\(\s*\d+\s*,\s*\d+\s*\))*\s*\]`, "[(", isDigitByte)
	mineListLists  = newOpenPattern(`\[\s*\[\s*\d+\s*,\s*\d+\s*\](?:\s*,\s*\[\s*\d+\s*,\s*\d+\s*\])*\s*\]`, "[[", isDigitByte)
	mineTupleRuns  = newOpenPattern(`\(\s*\d+\s*,\s*\d+\s*\)(?:\s*,\s*\(\s*\d+\s*,\s*\d+\s*\))*`, "(", isDigitByte)
	minePair       = regexp.MustCompile(`[(\[]\s*(\d+)\s*,\s*(\d+)\s*[)\]]`)
	mineNumbers    = regexp.MustCompile(`(\d+)[^\d]+(\d+)`)
)

// mineCoords pools the (row, col) pairs of the first form that occurs in text (see
// verifyMinesweeper); nil when text holds no pair at all.
func mineCoords(text string) [][2]int {
	var out [][2]int
	add := func(a, b string) {
		r, err1 := strconv.Atoi(a)
		c, err2 := strconv.Atoi(b)
		if err1 == nil && err2 == nil {
			out = append(out, [2]int{r, c})
		}
	}
	for _, form := range []openPattern{mineTupleLists, mineListLists, mineTupleRuns} {
		for _, span := range form.matches(text, 0) {
			for _, p := range minePair.FindAllStringSubmatch(span, -1) {
				add(p[1], p[2])
			}
		}
		if out != nil {
			return out
		}
	}
	if !strings.ContainsAny(text, "0123456789") {
		return nil
	}
	for _, p := range mineNumbers.FindAllStringSubmatch(text, -1) {
		add(p[1], p[2])
	}
	return out
}
