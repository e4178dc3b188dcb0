package logic

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

// kukurasuGrid is upstream's answer pattern: the first list of rows whose cells are all "1"
// (black) or "X" (white) in double quotes.
var kukurasuGrid = newOpenPattern(`\[\s*\[(?:\s*"[X1]"\s*,\s*)*\s*"[X1]"\s*\]\s*(?:,\s*\[(?:\s*"[X1]"\s*,\s*)*\s*"[X1]"\s*\]\s*)*\]`,
	"[[", func(c byte) bool { return c == '"' })

// verifyKukurasu checks the black/white grid of the answer — the first list of rows of "1"
// (black) and "X" (white) cells in double quotes, [["X", "1"], ["1", "X"]] as the prompt
// asks and as upstream reads it (1, '1' or "B" are not cells there) — against the rules: in each
// row the 1-based column numbers of the black cells sum to the row's target, and in each
// column the 1-based row numbers sum to the column's.
func verifyKukurasu(g GameData, region string) Result {
	var m kukurasuMeta
	_ = decodeMeta(g, &m)
	rows, cols := m.RowSums, m.ColSums
	if rows == nil {
		rows, cols = m.RowCons, m.ColCons
	}
	text, ok := first(kukurasuGrid.matches(region, 1))
	if !ok {
		return incorrect("", `no [["X", "1"], ...] grid of "1" and "X" cells`)
	}
	grid, err := gridCells(mustLiteral(text))
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if rows == nil || cols == nil {
		return badInstance("no row_sums and col_sums in metadata")
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
	return c == "1", c == "1" || c == "X"
}
