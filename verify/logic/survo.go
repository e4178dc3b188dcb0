package logic

import (
	"slices"
)

func init() { register("survo", verifySurvo) }

// survoMeta is survo's metadata as the upstream generator writes it: the n×n matrix with 0
// for each blank under "original_matrix" (the last column holds the row sums, the last row
// the column sums), the numbers to place under "candidate_numbers", and n. The gold answer is
// the filled matrix, str() of a Python list.
type survoMeta struct {
	Original   [][]int `json:"original_matrix"`
	Candidates []int   `json:"candidate_numbers"`
	N          int     `json:"n"`
}

// verifySurvo checks the matrix of ints in the answer (the last ```python block the prompt asks
// for, else the last ``` block, else the last bare [[…]] list, as upstream reads it) against
// the rules, as upstream does:
// givens kept, the blanks hold exactly the candidate numbers (as a multiset), and each of the
// first n-1 rows and columns sums to its last cell. Any valid filling passes.
func verifySurvo(g GameData, region string) Result {
	var m survoMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := len(m.Original)
	if n < 2 || n > 30 || (m.N != 0 && m.N != n) {
		return badInstance("original_matrix has %d rows (n=%d)", n, m.N)
	}
	text, ok := last(pythonFences(region, false))
	if !ok {
		text, ok = last(allFences(region))
	}
	if !ok {
		text, _ = last(bareGrids(region, false))
	}
	cells, err := pyGrid(mustLiteral(text))
	if err != nil {
		return incorrect(text, "no matrix in the answer: %v", err)
	}
	if len(cells) != n {
		return incorrect(text, "matrix has %d rows, want %d", len(cells), n)
	}
	vals := make([][]int, n)
	var filled []int
	for i := range n {
		if len(m.Original[i]) != n {
			return badInstance("original_matrix row %d has %d cells, want %d", i+1, len(m.Original[i]), n)
		}
		vals[i] = make([]int, n)
		for j := range n {
			if len(cells[i]) != n || cells[i][j].kind != pyInt || cells[i][j].i > 1<<31 || cells[i][j].i < -1<<31 {
				return incorrect(text, "row %d is not %d integers", i+1, n)
			}
			v := int(cells[i][j].i)
			switch given := m.Original[i][j]; {
			case given == 0:
				filled = append(filled, v)
			case given != v:
				return incorrect(text, "cell (%d,%d) is %d but the puzzle gives %d", i+1, j+1, v, given)
			}
			vals[i][j] = v
		}
	}
	want := slices.Sorted(slices.Values(m.Candidates))
	if slices.Sort(filled); !slices.Equal(filled, want) {
		return incorrect(text, "blanks hold %v, want the numbers %v", filled, want)
	}
	for k := range n - 1 {
		row, col := 0, 0
		for l := range n - 1 {
			row += vals[k][l]
			col += vals[l][k]
		}
		if row != vals[k][n-1] {
			return incorrect(text, "row %d sums to %d, not %d", k+1, row, vals[k][n-1])
		}
		if col != vals[n-1][k] {
			return incorrect(text, "column %d sums to %d, not %d", k+1, col, vals[n-1][k])
		}
	}
	return Result{Correct: true, Extracted: text}
}
