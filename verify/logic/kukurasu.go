package logic

import "strings"

func init() { register("kukurasu", verifyKukurasu) }

// kukurasuMeta is kukurasu's metadata as the upstream generator writes it: the row and column
// targets under "row_sums"/"col_sums" (the gold answer is empty; "solution" holds one
// solution, but any grid meeting the targets is right). "row_constraints"/"col_constraints"
// are accepted as other spellings.
type kukurasuMeta struct {
	RowSums []int `json:"row_sums"`
	ColSums []int `json:"col_sums"`
	RowCons []int `json:"row_constraints"`
	ColCons []int `json:"col_constraints"`
}

// verifyKukurasu checks a black/white grid (the bare Python list of rows the prompt asks for,
// [["X", "1"], ["1", "X"]], or a ```python block or [[1 X X, ...]]; black is 1,
// "1", "B", "■" or "#", white is 0, "0", "X", "W", "□", "." or "-") against the rules: in each
// row the 1-based column numbers of the black cells sum to the row's target, and in each
// column the 1-based row numbers sum to the column's. Without targets in the metadata it
// compares with the gold answer.
func verifyKukurasu(g GameData, region string) Result {
	var m kukurasuMeta
	_ = decodeMeta(g, &m)
	rows, cols := m.RowSums, m.ColSums
	if rows == nil {
		rows, cols = m.RowCons, m.ColCons
	}
	grid, text, err := listGridAnswer(region)
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if rows == nil || cols == nil {
		return compareWithGold(g, grid, text)
	}
	if len(rows) == 0 || len(cols) == 0 || len(rows) > 100 || len(cols) > 100 {
		return badInstance("%d row and %d column targets", len(rows), len(cols))
	}
	if err := gridShape(grid, len(rows), len(cols)); err != nil {
		return incorrect(text, "%v", err)
	}
	rowSum, colSum := make([]int, len(rows)), make([]int, len(cols))
	for i, r := range grid {
		for j, c := range r {
			black, ok := kukurasuCell(c)
			if !ok {
				return incorrect(text, "cell (%d,%d) is %q, want black (1) or white (0/X)", i+1, j+1, c)
			}
			if black {
				rowSum[i] += j + 1
				colSum[j] += i + 1
			}
		}
	}
	for i := range rows {
		if rowSum[i] != rows[i] {
			return incorrect(text, "row %d sums to %d, want %d", i+1, rowSum[i], rows[i])
		}
	}
	for j := range cols {
		if colSum[j] != cols[j] {
			return incorrect(text, "column %d sums to %d, want %d", j+1, colSum[j], cols[j])
		}
	}
	return Result{Correct: true, Extracted: text}
}

func kukurasuCell(c string) (black, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(c)) {
	case "1", "B", "■", "#", "TRUE":
		return true, true
	case "0", "X", "W", "□", ".", "-", "FALSE":
		return false, true
	}
	return false, false
}
