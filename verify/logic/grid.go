package logic

import (
	"fmt"
	"strings"
)

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

// errorAt describes a bad metadata entry.
func errorAt(what string, index int, want string) error {
	return fmt.Errorf("%s %d: %s", what, index+1, want)
}
