package logic

import (
	"errors"
	"fmt"
	"strings"
)

// gridAnswer reads a grid answer: the later of the last ```python block holding a list of
// rows and the last KOR-style [[a b c, d e f]] block (cells split by spaces, rows by commas).
// Cells come back as trimmed text; ints are written in decimal.
func gridAnswer(region string) ([][]string, string, error) {
	body, brackets, found := blockOrBrackets(region)
	if !found {
		return nil, "", errors.New("no ```python grid and no [[...]] answer")
	}
	if block := body; !brackets {
		v, err := parsePyLiteral(block)
		if err != nil {
			return nil, block, fmt.Errorf("python block is not a literal: %w", err)
		}
		out, err := gridCells(v)
		return out, block, err
	}
	g, err := korGrid(body)
	return g, body, err
}

// gridCells reads a Python list of rows as trimmed cell texts.
func gridCells(v pyValue) ([][]string, error) {
	rows, err := pyGrid(v)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			s, ok := c.text()
			if !ok {
				return nil, fmt.Errorf("cell (%d,%d) is not a string or number", i+1, j+1)
			}
			out[i][j] = strings.TrimSpace(s)
		}
	}
	return out, nil
}

// listGridAnswer is gridAnswer for tasks whose prompt asks for a bare Python list of rows
// (kukurasu, numbrix: "[\n    [1, 2],\n    [4, 3]\n]", no code fence): the last bracketed
// literal is the answer when it is a list of rows, else gridAnswer's forms are tried.
func listGridAnswer(region string) ([][]string, string, error) {
	if lit, _, ok := lastListLiteral(region); ok {
		if v, err := parsePyLiteral(lit); err == nil {
			if out, err := gridCells(v); err == nil {
				return out, lit, nil
			}
		}
	}
	return gridAnswer(region)
}

// korGrid splits "1 2 3, 4 5 6" into rows of cells.
func korGrid(body string) ([][]string, error) {
	if len(body) > maxAnswerBytes {
		return nil, errors.New("answer too long")
	}
	var out [][]string
	for _, row := range strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == '\n' || r == '，' }) {
		if cells := strings.Fields(row); len(cells) > 0 {
			out = append(out, cells)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty grid")
	}
	return out, nil
}

// gridShape checks that grid is rows×cols.
func gridShape(grid [][]string, rows, cols int) error {
	if len(grid) != rows {
		return fmt.Errorf("grid has %d rows, want %d", len(grid), rows)
	}
	for i, r := range grid {
		if len(r) != cols {
			return fmt.Errorf("row %d has %d cells, want %d", i+1, len(r), cols)
		}
	}
	return nil
}

// sameGrid compares two grids cell by cell, ignoring case; it returns a description of the
// first difference, or "".
func sameGrid(got, want [][]string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("grid has %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf("row %d has %d cells, want %d", i+1, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			if !strings.EqualFold(got[i][j], want[i][j]) {
				return fmt.Sprintf("cell (%d,%d) is %q, want %q", i+1, j+1, got[i][j], want[i][j])
			}
		}
	}
	return ""
}

// compareWithGold is the fallback for instances whose metadata lacks what the rule check
// needs: the response grid must equal the gold answer's grid.
func compareWithGold(g GameData, got [][]string, text string) Result {
	want, _, err := gridAnswer("```python\n" + g.Answer + "\n```")
	if err != nil {
		want, err = korGrid(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(g.Answer), "[["), "]]"))
	}
	if err != nil || strings.TrimSpace(g.Answer) == "" {
		return badInstance("metadata lacks the puzzle and the gold answer is not a grid")
	}
	if msg := sameGrid(got, want); msg != "" {
		return incorrect(text, "%s (compared with the gold answer)", msg)
	}
	return Result{Correct: true, Extracted: text}
}

// errorAt describes a bad metadata entry.
func errorAt(what string, index int, want string) error {
	return fmt.Errorf("%s %d: %s", what, index+1, want)
}
