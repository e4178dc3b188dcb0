package datasets

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// A shape is one node of a parquet schema prepared for record assembly: which leaf columns
// it spans and at which definition and repetition levels it exists.
type shape struct {
	name     string
	path     string // dotted path, for error messages
	leaf     bool
	optional bool
	repeated bool
	maxDef   int // definition level at which this node is present
	maxRep   int // repetition level of this node's repetitions
	first    int // first leaf column under the node
	last     int // one past the last leaf column
	kind     shapeKind
	fields   []*shape
	node     parquet.Node
}

type shapeKind int

const (
	kindStruct shapeKind = iota
	kindList             // LIST-annotated group: value is []any
	kindMap              // MAP-annotated group: value is map[string]any
	kindLeaf
)

// buildShape walks a schema node; col is the index of its first leaf column.
func buildShape(name, path string, n parquet.Node, def, rep, col int) *shape {
	s := &shape{name: name, path: path, node: n, optional: n.Optional(), repeated: n.Repeated(), first: col}
	if s.optional || s.repeated {
		def++
	}
	if s.repeated {
		rep++
	}
	s.maxDef, s.maxRep = def, rep
	if n.Leaf() {
		s.leaf, s.kind, s.last = true, kindLeaf, col+1
		return s
	}
	if lt := n.Type().LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.ListType:
			s.kind = kindList
		case *format.MapType:
			s.kind = kindMap
		}
	}
	for _, f := range n.Fields() {
		p := f.Name()
		if path != "" {
			p = path + "." + p
		}
		c := buildShape(f.Name(), p, f, def, rep, col)
		col = c.last
		s.fields = append(s.fields, c)
	}
	s.last = col
	return s
}

// assembler rebuilds nested values from the leaf columns of one row.
type assembler struct {
	cols [][]parquet.Value // per leaf column, this row's values
	pos  []int             // per leaf column, the next value to read
}

func (a *assembler) peek(col int) (parquet.Value, bool) {
	if a.pos[col] >= len(a.cols[col]) {
		return parquet.Value{}, false
	}
	return a.cols[col][a.pos[col]], true
}

// skip consumes the single placeholder value each leaf column under s holds when s (or an
// ancestor) is null or an empty list.
func (a *assembler) skip(s *shape) {
	for c := s.first; c < s.last; c++ {
		a.pos[c]++
	}
}

// read assembles one instance of s, which may be a repeated node (then the result is the
// list of its repetitions).
func (a *assembler) read(s *shape) (any, error) {
	if s.repeated {
		v, ok := a.peek(s.first)
		if !ok {
			return nil, fmt.Errorf("column chunk ends early")
		}
		if v.DefinitionLevel() < s.maxDef {
			a.skip(s)
			return []any{}, nil
		}
		var out []any
		for {
			e, err := a.readOne(s)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			next, ok := a.peek(s.first)
			if !ok || next.RepetitionLevel() != s.maxRep {
				return out, nil
			}
		}
	}
	if s.optional {
		v, ok := a.peek(s.first)
		if !ok {
			return nil, fmt.Errorf("column chunk ends early")
		}
		if v.DefinitionLevel() < s.maxDef {
			a.skip(s)
			return nil, nil
		}
	}
	return a.readOne(s)
}

// readOne assembles one present, non-repeated instance of s.
func (a *assembler) readOne(s *shape) (any, error) {
	if s.leaf {
		v, _ := a.peek(s.first)
		a.pos[s.first]++
		if v.IsNull() {
			// A required leaf under a present parent is never null; an optional one was
			// handled by read. This is a null element inside a repeated leaf.
			return nil, nil
		}
		return leafValue(s.node, v)
	}
	switch s.kind {
	case kindList, kindMap:
		if len(s.fields) != 1 || !s.fields[0].repeated {
			return nil, fmt.Errorf("%s: want a %s group with one repeated field", s.path, map[shapeKind]string{kindList: "LIST", kindMap: "MAP"}[s.kind])
		}
		inner := s.fields[0]
		v, err := a.read(inner)
		if err != nil {
			return nil, err
		}
		items := v.([]any)
		if s.kind == kindMap {
			return mapOf(s, inner, items)
		}
		// Three-level lists wrap each element in a one-field group; the legacy two-level
		// forms ("array", "<name>_tuple", several fields) are the elements themselves.
		if !inner.leaf && len(inner.fields) == 1 && inner.name != "array" && inner.name != s.name+"_tuple" {
			for i, it := range items {
				items[i] = it.(map[string]any)[inner.fields[0].name]
			}
		}
		return items, nil
	}
	m := make(map[string]any, len(s.fields))
	for _, f := range s.fields {
		v, err := a.read(f)
		if err != nil {
			return nil, err
		}
		// Parquet cannot tell a null struct field from a missing one; files that gather
		// objects of different shapes (SynLogic metadata) have many, and they read as absent.
		if v != nil {
			m[f.name] = v
		}
	}
	return m, nil
}

// mapOf turns MAP key_value groups into a map keyed by the keys' text.
func mapOf(s, inner *shape, items []any) (map[string]any, error) {
	if inner.leaf || len(inner.fields) < 1 {
		return nil, fmt.Errorf("%s: want MAP entries {key, value}", s.path)
	}
	key := inner.fields[0].name
	val := ""
	if len(inner.fields) > 1 {
		val = inner.fields[1].name
	}
	out := make(map[string]any, len(items))
	for _, it := range items {
		kv := it.(map[string]any)
		var k string
		switch x := kv[key].(type) {
		case string:
			k = x
		default:
			k = fmt.Sprint(x)
		}
		if val != "" {
			out[k] = kv[val]
		} else {
			out[k] = nil
		}
	}
	return out, nil
}

// leafValue converts a parquet value to a record value: strings for byte arrays, int64 for
// integers, float64 for floating point.
func leafValue(n parquet.Node, v parquet.Value) (any, error) {
	unsigned := false
	if lt := n.Type().LogicalType(); lt != nil {
		if it, ok := lt.Value.(*format.IntType); ok {
			unsigned = !it.IsSigned
		}
	}
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean(), nil
	case parquet.Int32:
		if unsigned {
			return int64(v.Uint32()), nil
		}
		return int64(v.Int32()), nil
	case parquet.Int64:
		if unsigned && v.Uint64() > 1<<63-1 {
			return float64(v.Uint64()), nil
		}
		return v.Int64(), nil
	case parquet.Float:
		return float64(v.Float()), nil
	case parquet.Double:
		return v.Double(), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray()), nil
	case parquet.Int96:
		return v.Int96().String(), nil
	}
	return nil, fmt.Errorf("unsupported parquet value kind %v", v.Kind())
}

// rowsPerRead is how many rows scanParquet decodes at a time: enough to amortise the calls,
// small enough to keep memory flat on big files.
const rowsPerRead = 256

// scanParquet calls fn for each row of a parquet file, row group by row group. Rows are
// numbered from 1 over the whole file in errors.
func scanParquet(path string, f *os.File, fn func(record, position) error) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	var pf *parquet.File
	err = guard(func() (err error) {
		pf, err = parquet.OpenFile(f, st.Size())
		return err
	})
	if err != nil {
		return &DataError{File: path, Group: -1, Err: fmt.Errorf("not a readable parquet file: %w", err)}
	}
	root := buildShape("", "", pf.Schema(), 0, 0, 0)
	ncols := root.last
	a := &assembler{cols: make([][]parquet.Value, ncols), pos: make([]int, ncols)}
	buf := make([]parquet.Row, rowsPerRead)
	index := 0
	for g, rg := range pf.RowGroups() {
		err := func() error {
			var rows parquet.Rows
			if err := guard(func() error { rows = rg.Rows(); return nil }); err != nil {
				return &DataError{File: path, Line: index + 1, Group: g, Err: err}
			}
			defer rows.Close()
			for {
				var n int
				rerr := guard(func() (err error) {
					n, err = rows.ReadRows(buf)
					return err
				})
				for i := 0; i < n; i++ {
					pos := position{index: index, line: index + 1, group: g}
					rec, err := assembleRow(a, root, buf[i])
					if err != nil {
						return pos.err(path, "", err)
					}
					if err := fn(rec, pos); err != nil {
						return err
					}
					index++
				}
				if errors.Is(rerr, io.EOF) {
					return nil
				}
				if rerr != nil {
					return &DataError{File: path, Line: index + 1, Group: g, Err: fmt.Errorf("decode: %w", rerr)}
				}
			}
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// guard runs a parquet-go call and turns a panic into an error: parquet-go v0.32 indexes
// out of range on some corrupt pages instead of failing, and a damaged file must give a
// DataError, not a crash.
func guard(call func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt data (the parquet decoder panicked: %v)", r)
		}
	}()
	return call()
}

// assembleRow rebuilds one row's top-level columns.
func assembleRow(a *assembler, root *shape, row parquet.Row) (record, error) {
	for c := range a.cols {
		a.cols[c] = a.cols[c][:0]
		a.pos[c] = 0
	}
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(a.cols) {
			return nil, fmt.Errorf("value for column %d of %d", c, len(a.cols))
		}
		a.cols[c] = append(a.cols[c], v)
	}
	rec := make(record, len(root.fields))
	for _, f := range root.fields {
		v, err := a.read(f)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.path, err)
		}
		rec[f.name] = v
	}
	return rec, nil
}
