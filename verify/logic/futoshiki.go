package logic

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func init() { registerOpts("futoshiki", verifyFutoshiki) }

// futoshikiMeta is futoshiki's metadata as the upstream generator writes it: "grid_size",
// the 0-based "prefilled_coords" [[row, col], ...] whose values the question's grid shows
// (and the gold answer, a list of rows, holds), and "constraints" [[[r1, c1], [r2, c2], "<"
// or ">"], ...], also 0-based. A puzzle grid (0, "X" or "" for blanks) under "grid" or
// "puzzle", "inequalities" and two-element constraints meaning "<" are accepted too.
type futoshikiMeta struct {
	GridSize    int                 `json:"grid_size"`
	Prefilled   [][2]int            `json:"prefilled_coords"`
	Grid        [][]json.RawMessage `json:"grid"`
	Puzzle      [][]json.RawMessage `json:"puzzle"`
	Constraints []json.RawMessage   `json:"constraints"`
	Inequal     []json.RawMessage   `json:"inequalities"`
}

type inequality struct{ r1, c1, r2, c2 int } // cell (r1,c1) < cell (r2,c2)

// verifyFutoshiki checks the n×n grid answer (see futoshikiGrid; [[1 2 3, ...]] as the prompt
// asks) against the rules: each row and column holds 1..n once, givens are kept, every
// inequality holds. Upstream reads the givens only from an English "Current puzzle:" block of
// the question, so on its Chinese prompts it never checks them; o.Upstream does the same.
func verifyFutoshiki(g GameData, region string, o Options) Result {
	var m futoshikiMeta
	_ = decodeMeta(g, &m)
	puzzle := m.Grid
	if puzzle == nil {
		puzzle = m.Puzzle
	}
	if puzzle == nil && m.GridSize > 0 {
		var err error
		if puzzle, err = futoshikiGivens(g, m); err != nil {
			return badInstance("%v", err)
		}
	}
	grid, text := futoshikiGrid(region)
	if grid == nil {
		return incorrect(text, "no [[1 2 3, ...]] grid in the answer")
	}
	if puzzle == nil {
		return badInstance("no grid_size or grid in metadata")
	}
	if o.Upstream && !strings.Contains(g.Question, "Current puzzle:") {
		for _, row := range puzzle {
			for j := range row {
				row[j] = json.RawMessage(`"X"`)
			}
		}
	}
	n := len(puzzle)
	if n == 0 || n > 30 {
		return badInstance("grid has %d rows", n)
	}
	ineqs, err := parseInequalities(append(m.Constraints, m.Inequal...), n)
	if err != nil {
		return badInstance("%v", err)
	}
	if err := gridShape(grid, n, n); err != nil {
		return incorrect(text, "%v", err)
	}
	vals := make([][]int, n)
	for i := range n {
		if len(puzzle[i]) != n {
			return badInstance("grid row %d has %d cells, want %d", i+1, len(puzzle[i]), n)
		}
		vals[i] = make([]int, n)
		for j := range n {
			v, err := strconv.Atoi(grid[i][j])
			if err != nil || v < 1 || v > n {
				return incorrect(text, "cell (%d,%d) is %q, want 1..%d", i+1, j+1, grid[i][j], n)
			}
			if given := givenDigit(puzzle[i][j]); given != 0 && given != v {
				return incorrect(text, "cell (%d,%d) is %d but the puzzle gives %d", i+1, j+1, v, given)
			}
			vals[i][j] = v
		}
	}
	if msg := latinViolation(vals); msg != "" {
		return incorrect(text, "%s", msg)
	}
	for _, q := range ineqs {
		if vals[q.r1][q.c1] >= vals[q.r2][q.c2] {
			return incorrect(text, "inequality (%d,%d) < (%d,%d) fails: %d vs %d", q.r1+1, q.c1+1, q.r2+1, q.c2+1, vals[q.r1][q.c1], vals[q.r2][q.c2])
		}
	}
	return Result{Correct: true, Extracted: text}
}

func parseInequalities(raws []json.RawMessage, n int) ([]inequality, error) {
	var out []inequality
	for k, raw := range raws {
		var parts []json.RawMessage
		if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 || len(parts) > 3 {
			return nil, errorAt("constraint", k, "want [[r1, c1], [r2, c2]] or with \"<\"/\">\"")
		}
		var a, b [2]int
		if json.Unmarshal(parts[0], &a) != nil || json.Unmarshal(parts[1], &b) != nil {
			return nil, errorAt("constraint", k, "cells must be [row, col]")
		}
		op := "<"
		if len(parts) == 3 && json.Unmarshal(parts[2], &op) != nil {
			return nil, errorAt("constraint", k, "operator must be a string")
		}
		for _, v := range []int{a[0], a[1], b[0], b[1]} {
			if v < 0 || v >= n {
				return nil, errorAt("constraint", k, "cell outside the grid")
			}
		}
		switch op {
		case "<":
			out = append(out, inequality{a[0], a[1], b[0], b[1]})
		case ">":
			out = append(out, inequality{b[0], b[1], a[0], a[1]})
		default:
			return nil, errorAt("constraint", k, "operator must be < or >")
		}
	}
	return out, nil
}

// futoshikiGivens builds the puzzle grid of an upstream instance: "X" everywhere but at the
// prefilled coordinates, whose values come from the gold answer or, without one, from the
// grid printed in the question. (Upstream reads them only from an English question's
// "Current puzzle:" block, so its Chinese instances never check the givens; we always do.)
func futoshikiGivens(g GameData, m futoshikiMeta) ([][]json.RawMessage, error) {
	n := m.GridSize
	if n > 30 {
		return nil, fmt.Errorf("grid_size %d", n)
	}
	var values [][]int
	if v, err := parsePyLiteral(strings.TrimSpace(g.Answer)); err == nil {
		values, _ = intGrid(v, n, n)
	}
	if values == nil {
		values = questionGrid(g.Question, n)
	}
	if values == nil && len(m.Prefilled) > 0 {
		return nil, errors.New("prefilled values are neither in the gold answer nor in the question")
	}
	puzzle := make([][]json.RawMessage, n)
	for i := range puzzle {
		puzzle[i] = make([]json.RawMessage, n)
		for j := range puzzle[i] {
			puzzle[i][j] = json.RawMessage(`"X"`)
		}
	}
	for k, rc := range m.Prefilled {
		if rc[0] < 0 || rc[0] >= n || rc[1] < 0 || rc[1] >= n {
			return nil, errorAt("prefilled coordinate", k, "cell outside the grid")
		}
		puzzle[rc[0]][rc[1]] = json.RawMessage(strconv.Itoa(values[rc[0]][rc[1]]))
	}
	return puzzle, nil
}

// questionGrid finds the first n consecutive lines of a question that each hold n cells, a
// digit or X ("X 2 X 1"), and returns them with X as 0; nil if there is none.
func questionGrid(q string, n int) [][]int {
	var run [][]int
	for line := range strings.Lines(q) {
		row := []int{}
		for _, f := range strings.Fields(line) {
			if f == "X" {
				row = append(row, 0)
			} else if d, err := strconv.Atoi(f); err == nil && d >= 1 && d <= n {
				row = append(row, d)
			} else {
				row = nil
				break
			}
		}
		if len(row) != n {
			run = nil
			continue
		}
		if run = append(run, row); len(run) == n {
			return run
		}
	}
	return nil
}

// futoshikiBrackets and futoshikiNumber are upstream's \[\[([^\]]+)\]\] and \d+.
var (
	futoshikiBrackets = regexp.MustCompile(`\[\[([^\]]+)\]\]`)
	futoshikiNumber   = regexp.MustCompile(`\d+`)
)

// futoshikiGrid reads the grid as upstream does: the last [[...]] without a "]" inside, rows
// split at commas, the numbers of each row; when that is not square, a response that is
// itself "[[1 2 3, ...]]", cells split at white space. nil when neither reads.
func futoshikiGrid(region string) ([][]string, string) {
	region = strings.TrimSpace(region)
	if all := futoshikiBrackets.FindAllStringSubmatch(region, -1); all != nil {
		body := all[len(all)-1][1]
		var grid [][]string
		for _, row := range strings.Split(body, ",") {
			grid = append(grid, futoshikiNumber.FindAllString(row, -1))
		}
		square := true
		for _, r := range grid {
			square = square && len(r) == len(grid)
		}
		if square {
			return grid, all[len(all)-1][0]
		}
	}
	if inner, ok := strings.CutPrefix(region, "[["); ok {
		if inner, ok = strings.CutSuffix(inner, "]]"); ok {
			var grid [][]string
			for _, row := range strings.Split(inner, ",") {
				grid = append(grid, strings.Fields(row))
			}
			return grid, region
		}
	}
	return nil, ""
}
