package logic

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

func init() { registerOpts("calcudoko", verifyCalcudoko) }

// calcudokoMeta is calcudoko's metadata as the upstream generator writes it: "grid_size" N
// and "regions", each {"cells": ["(1,1)", "(2,1)"], "target": 3, "operator": "+"} with
// 1-based cells and operators + - * ÷. The gold answer is "[[1 2 3 4,3 4 1 2,...]]".
type calcudokoMeta struct {
	GridSize int `json:"grid_size"`
	Regions  []struct {
		Cells    []string        `json:"cells"`
		Target   json.RawMessage `json:"target"`
		Operator string          `json:"operator"`
	} `json:"regions"`
}

// verifyCalcudoko checks the grid in the answer (see calcudokoGrid; [[1 2 3 4,...]] as the
// prompt asks) against the rules: every row and column holds 1..N once, no number
// repeats inside a region, and each region meets its target: the sum (+), the product (*),
// or for a two-cell region the difference (-) or quotient (÷) of the larger by the smaller.
// The generator computes a ÷ target with floor division (3 and 2 give 1), so we do too;
// upstream's verifier wants the exact quotient and so rejects the generator's own solution
// whenever such a pair does not divide evenly (o.Upstream does too, and pads short rows with
// 1s as upstream does). Any valid grid passes.
func verifyCalcudoko(g GameData, region string, o Options) Result {
	var m calcudokoMeta
	if err := decodeMeta(g, &m); err != nil {
		return badInstance("%v", err)
	}
	n := m.GridSize
	if n < 1 || n > 30 {
		return badInstance("grid_size %d", n)
	}
	grid, text := calcudokoGrid(region, n, o.Upstream)
	if err := gridShape(grid, n, n); err != nil {
		return incorrect(text, "%v", err)
	}
	vals := make([][]int, n)
	for i := range n {
		vals[i] = make([]int, n)
		for j := range n {
			v, err := strconv.Atoi(grid[i][j])
			if err != nil || v < 1 || v > n {
				return incorrect(text, "cell (%d,%d) is %q, want 1..%d", i+1, j+1, grid[i][j], n)
			}
			vals[i][j] = v
		}
	}
	if msg := latinViolation(vals); msg != "" {
		return incorrect(text, "%s", msg)
	}
	for k, r := range m.Regions {
		var target int
		if json.Unmarshal(r.Target, &target) != nil {
			return badInstance("region %d: target %s is not an integer", k+1, r.Target)
		}
		nums := make([]int, 0, len(r.Cells))
		seen := map[int]bool{}
		for _, c := range r.Cells {
			rc, ok := cellRef(c)
			if !ok || rc[0] < 1 || rc[0] > n || rc[1] < 1 || rc[1] > n {
				return badInstance("region %d: cell %q", k+1, c)
			}
			v := vals[rc[0]-1][rc[1]-1]
			if seen[v] {
				return incorrect(text, "region %d repeats %d", k+1, v)
			}
			seen[v] = true
			nums = append(nums, v)
		}
		got, ok := 0, true
		switch r.Operator {
		case "+":
			for _, v := range nums {
				got += v
			}
		case "*", "×", "x":
			got = 1
			for _, v := range nums {
				got *= v
			}
		case "-", "÷", "/":
			if len(nums) != 2 {
				ok = false
				break
			}
			hi, lo := max(nums[0], nums[1]), min(nums[0], nums[1])
			if got = hi - lo; r.Operator != "-" {
				got = hi / lo
				if o.Upstream && hi != target*lo {
					got = -1 // upstream wants the exact quotient
				}
			}
		default:
			ok = false
		}
		if !ok {
			return badInstance("region %d: operator %q over %d cells", k+1, r.Operator, len(nums))
		}
		if got != target {
			return incorrect(text, "region %d (%s) gives %d, want %d", k+1, r.Operator, got, target)
		}
	}
	return Result{Correct: true, Extracted: text}
}

// cellRef reads "(r,c)" as a pair.
func cellRef(s string) ([2]int, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return [2]int{}, false
	}
	a, b, ok := strings.Cut(s[1:len(s)-1], ",")
	r, err1 := strconv.Atoi(strings.TrimSpace(a))
	c, err2 := strconv.Atoi(strings.TrimSpace(b))
	return [2]int{r, c}, ok && err1 == nil && err2 == nil
}

// calcudokoOneLine is upstream's \[\[(.*?)\]\]: the first [[...]] on one line.
var calcudokoOneLine = regexp.MustCompile(`\[\[(.*?)\]\]`)

// calcudokoGrid reads the grid as upstream does: the first one-line [[...]] of the response,
// else the last ```python block, else the last bare ((…)) tuple, else the whole response; of
// that, only digits, brackets, commas and white space are kept, rows are split at commas and
// cells at white space. With pad (upstream's leniency), rows and the grid are cut or padded
// with 1s to n.
func calcudokoGrid(region string, n int, pad bool) ([][]string, string) {
	text := region
	if m := calcudokoOneLine.FindStringSubmatch(region); m != nil {
		text = m[1]
	} else if b, ok := last(pythonFences(region, false)); ok {
		text = b
	} else if t, ok := last(bareTuples(region)); ok {
		text = t
	}
	if len(text) > maxAnswerBytes {
		return nil, text[:64]
	}
	kept := strings.Map(func(r rune) rune {
		switch {
		case r == '，':
			return ','
		case r >= '0' && r <= '9' || r == '[' || r == ']' || r == ',' || unicode.IsSpace(r):
			return r
		}
		return -1
	}, text)
	var grid [][]string
	for _, row := range strings.Split(strings.Trim(kept, "[]"), ",") {
		cells := strings.Fields(row)
		if pad {
			for len(cells) < n {
				cells = append(cells, "1")
			}
			cells = cells[:min(len(cells), n)]
		}
		grid = append(grid, cells)
	}
	for pad && len(grid) < n {
		grid = append(grid, slices.Repeat([]string{"1"}, n))
	}
	if pad {
		grid = grid[:n]
	}
	return grid, strings.TrimSpace(text)
}
