package logic

import (
	"fmt"
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

// verifyMinesweeper compares the set of mine coordinates in the answer — a list of (row, col)
// pairs in the last ```python block or in [[...]] — with the gold set, in the same
// coordinate convention. Order does not matter; a repeated, missing or extra cell is wrong.
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
		v, err := parsePyLiteral(strings.TrimSpace(g.Answer))
		if err == nil {
			want, err = coordList(v)
		}
		if err != nil {
			return badInstance("no mines in metadata and the gold answer is not a list of cells")
		}
	}
	wantSet := map[[2]int]bool{}
	for _, c := range want {
		wantSet[c] = true
	}
	got, text, err := coordAnswer(region)
	if err != nil {
		return incorrect(text, "%v", err)
	}
	seen := map[[2]int]bool{}
	for _, c := range got {
		if seen[c] {
			return incorrect(text, "cell %v is listed twice", c)
		}
		seen[c] = true
		if !wantSet[c] {
			return incorrect(text, "cell %v is not a certain mine", c)
		}
	}
	if len(seen) != len(wantSet) {
		return incorrect(text, "%d mines listed, want %d", len(seen), len(wantSet))
	}
	return Result{Correct: true, Extracted: text}
}

// coordAnswer reads a list of (row, col) pairs: the last bracketed literal when it is one (the
// prompt asks for a bare "[(0, 1), (2, 3)]"), else the later of the last ```python block and
// the last [[...]].
func coordAnswer(region string) ([][2]int, string, error) {
	if lit, _, ok := lastListLiteral(region); ok {
		if v, err := parsePyLiteral(lit); err == nil {
			if cells, err := coordList(v); err == nil {
				return cells, lit, nil
			}
		}
	}
	text, brackets, found := blockOrBrackets(region)
	if !found {
		return nil, "", fmt.Errorf("no ```python list and no [[...]] answer")
	}
	if brackets {
		text = "[[" + text + "]]"
	}
	v, err := parsePyLiteral(text)
	if err != nil {
		return nil, text, fmt.Errorf("answer is not a literal: %w", err)
	}
	cells, err := coordList(v)
	return cells, text, err
}

// coordList reads [(r, c), ...] or [[(r, c), ...]] as pairs.
func coordList(v pyValue) ([][2]int, error) {
	if !v.isSeq() {
		return nil, fmt.Errorf("want a list of (row, col) pairs")
	}
	if len(v.items) == 1 && v.items[0].isSeq() && len(v.items[0].items) > 0 && v.items[0].items[0].isSeq() {
		v = v.items[0]
	}
	out := make([][2]int, 0, len(v.items))
	for _, p := range v.items {
		if !p.isSeq() || len(p.items) != 2 {
			return nil, fmt.Errorf("want (row, col) pairs")
		}
		r, ok1 := p.items[0].intValue()
		c, ok2 := p.items[1].intValue()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("coordinates must be integers")
		}
		out = append(out, [2]int{r, c})
	}
	return out, nil
}
