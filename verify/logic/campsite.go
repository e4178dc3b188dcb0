package logic

func init() { register("campsite", verifyCampsite) }

// campsiteMeta is campsite's metadata as the upstream generator writes it: the puzzle grid
// ('T' trees, 'X' empty) under "grid", the number of tents per row and column under
// "row_constraints"/"col_constraints", and one solution (the gold answer is empty).
type campsiteMeta struct {
	Grid    [][]string `json:"grid"`
	RowCons []int      `json:"row_constraints"`
	ColCons []int      `json:"col_constraints"`
}

// verifyCampsite checks the grid in the answer (the bare Python list of rows the prompt asks
// for, or a ```python block) against the rules, as upstream does: trees exactly where the
// puzzle has them, 'C' tents counted per row and column, no two tents touching (diagonals
// included), and tents matched one-to-one with orthogonally adjacent trees (as many tents as
// trees). Any other cell symbol counts as empty. The grid is the first bare [[…]] list of the
// response, as upstream reads it.
func verifyCampsite(g GameData, region string) Result {
	var m campsiteMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	rows := len(m.Grid)
	if rows == 0 || rows > 50 || len(m.Grid[0]) == 0 || len(m.Grid[0]) > 50 || len(m.RowCons) != rows {
		return badInstance("grid is %d rows with %d row constraints", rows, len(m.RowCons))
	}
	cols := len(m.Grid[0])
	if len(m.ColCons) != cols {
		return badInstance("%d column constraints for %d columns", len(m.ColCons), cols)
	}
	text, ok := first(bareGrids(region, false))
	if !ok {
		return incorrect("", "no [[…]] grid in the answer")
	}
	grid, err := gridCells(mustLiteral(text))
	if err != nil {
		return incorrect(text, "%v", err)
	}
	if err := gridShape(grid, rows, cols); err != nil {
		return incorrect(text, "%v", err)
	}
	tent := func(i, j int) bool {
		return i >= 0 && i < rows && j >= 0 && j < cols && grid[i][j] == "C"
	}
	tree := func(i, j int) bool {
		return i >= 0 && i < rows && j >= 0 && j < cols && grid[i][j] == "T"
	}
	rowN, colN := make([]int, rows), make([]int, cols)
	var tents, trees [][2]int
	for i := range rows {
		if len(m.Grid[i]) != cols {
			return badInstance("grid row %d has %d cells, want %d", i+1, len(m.Grid[i]), cols)
		}
		for j := range cols {
			if tree(i, j) != (m.Grid[i][j] == "T") {
				return incorrect(text, "cell (%d,%d) is %q, the puzzle has %q", i+1, j+1, grid[i][j], m.Grid[i][j])
			}
			if tree(i, j) {
				trees = append(trees, [2]int{i, j})
			}
			if tent(i, j) {
				tents = append(tents, [2]int{i, j})
				rowN[i]++
				colN[j]++
				for _, d := range [][2]int{{0, 1}, {1, -1}, {1, 0}, {1, 1}} {
					if tent(i+d[0], j+d[1]) {
						return incorrect(text, "tents at (%d,%d) and (%d,%d) touch", i+1, j+1, i+d[0]+1, j+d[1]+1)
					}
				}
			}
		}
	}
	for i := range rows {
		if rowN[i] != m.RowCons[i] {
			return incorrect(text, "row %d has %d tents, want %d", i+1, rowN[i], m.RowCons[i])
		}
	}
	for j := range cols {
		if colN[j] != m.ColCons[j] {
			return incorrect(text, "column %d has %d tents, want %d", j+1, colN[j], m.ColCons[j])
		}
	}
	if len(tents) != len(trees) {
		return incorrect(text, "%d tents for %d trees", len(tents), len(trees))
	}
	// Bipartite matching, tents to adjacent trees (augmenting paths; grids are small).
	treeIndex := map[[2]int]int{}
	for k, t := range trees {
		treeIndex[t] = k
	}
	owner := make([]int, len(trees)) // tent matched to each tree, -1 if none
	for k := range owner {
		owner[k] = -1
	}
	var augment func(tn int, seen []bool) bool
	augment = func(tn int, seen []bool) bool {
		for _, d := range [][2]int{{0, 1}, {1, 0}, {0, -1}, {-1, 0}} {
			k, ok := treeIndex[[2]int{tents[tn][0] + d[0], tents[tn][1] + d[1]}]
			if !ok || seen[k] {
				continue
			}
			seen[k] = true
			if owner[k] < 0 || augment(owner[k], seen) {
				owner[k] = tn
				return true
			}
		}
		return false
	}
	for tn := range tents {
		if !augment(tn, make([]bool, len(trees))) {
			return incorrect(text, "tent at (%d,%d) has no tree of its own", tents[tn][0]+1, tents[tn][1]+1)
		}
	}
	return Result{Correct: true, Extracted: text}
}
