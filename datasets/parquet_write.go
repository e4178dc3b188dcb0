package datasets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
)

// WriteOptions tunes WriteProblems. The zero value writes snappy-compressed files with row
// groups of DefaultRowGroupRows rows, as pyarrow does by default for files of this size.
type WriteOptions struct {
	// Compression is "snappy" (default), "zstd", "gzip" or "none".
	Compression string
	// RowGroupRows caps the rows per row group (default DefaultRowGroupRows).
	RowGroupRows int
	// ConflictsAsJSON stores a field whose values disagree in type across rows (an integer
	// here, an object there) as JSON text in a string column, instead of failing.
	ConflictsAsJSON bool
	// VerlJSON makes WriteFile's JSON and JSONL outputs hold verl rows (data_source, prompt,
	// ability, reward_model, extra_info) rather than Problem records.
	VerlJSON bool
}

// DefaultRowGroupRows is the row group size WriteProblems uses by default.
const DefaultRowGroupRows = 8192

// WriteProblems writes problems as verl parquet: the columns data_source (string), prompt
// (list<struct<content: string, role: string>>), ability (string), reward_model
// (struct<ground_truth: string, style: string, ...>) and extra_info (struct<index: int64,
// ...>), in that order, every field optional and struct fields in byte order — the layout
// pyarrow writes for verl's example preprocessing.
//
// A text prompt becomes one user message. reward_model.style is "rule" unless Extra has
// "reward_model.style". Extra keys become extra_info fields, except "reward_model.X" (a
// reward_model field) and "column.X" (a top-level column). A problem without
// extra_info.index gets its position in ps; one whose id the row would not give back (see
// ReadProblems) gets extra_info.id. Each field's type is inferred over all rows: integers
// are int64, other numbers double (int64 and double mixed give double), lists are lists and
// objects are structs with the union of their fields; a field whose values disagree in type
// is an error naming the row and field. Ground truths are the exception: when rows disagree
// (strings, numbers, lists of alternatives) they are all written as lists of text if any is a
// list, else as text, which keeps every answer a grader accepts. The file is written to a temporary name and renamed,
// so a failed write leaves no partial file.
func WriteProblems(path string, ps []Problem, opts WriteOptions) error {
	recs := make([]record, len(ps))
	for i, p := range ps {
		if _, ok := p.Extra["index"]; !ok {
			p.Extra = cloneExtra(p.Extra)
			p.Extra["index"] = int64(i)
		}
		recs[i] = recordOf(p)
	}
	if gts := commonGroundTruths(ps); gts != nil {
		for i, r := range recs {
			r["reward_model"].(map[string]any)["ground_truth"] = gts[i]
		}
	}
	return writeRecords(path, recs, opts)
}

// commonGroundTruths returns the ground truths of ps in one parquet type when their own types
// differ (a file gathering MATH-500's strings, AMC's doubles and Minerva's lists), nil when
// they already agree: with any list among them every one becomes a list of its alternatives'
// text, otherwise every one becomes its text. Nulls stay null. Either way the answers a
// grader accepts are unchanged.
func commonGroundTruths(ps []Problem) []any {
	t, lists := &colType{}, false
	agree := true
	for _, p := range ps {
		lists = lists || p.GroundTruth.IsList()
		if agree && t.unify(p.GroundTruth.Value(), "", false) != nil {
			agree = false
		}
	}
	if agree {
		return nil
	}
	out := make([]any, len(ps))
	for i, p := range ps {
		switch {
		case p.GroundTruth.IsZero():
		case lists:
			alts := p.GroundTruth.Alternatives()
			l := make([]any, len(alts))
			for j, a := range alts {
				l[j] = a
			}
			out[i] = l
		default:
			out[i] = p.GroundTruth.Text()
		}
	}
	return out
}

func cloneExtra(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// verlOrder is the column order of verl's preprocessing scripts.
var verlOrder = []string{"data_source", "prompt", "ability", "reward_model", "extra_info"}

// writeRecords writes rows whose schema is inferred from their values.
func writeRecords(path string, recs []record, opts WriteOptions) error {
	root := &colType{kind: kStruct, fields: map[string]*colType{}}
	for i, r := range recs {
		if err := root.unify(r, "", opts.ConflictsAsJSON); err != nil {
			return &DataError{File: path, Line: i + 1, Group: -1, Field: err.field, Err: err.err}
		}
	}
	names := columnOrder(root.fields)
	fields := make([]parquet.Field, len(names))
	for i, n := range names {
		node, err := root.fields[n].node(n)
		if err != nil {
			return &DataError{File: path, Group: -1, Field: n, Err: err}
		}
		fields[i] = namedNode{Node: parquet.Optional(node), name: n}
	}
	schema := parquet.NewSchema("schema", orderedGroup(fields))

	codec, err := codecOf(opts.Compression)
	if err != nil {
		return err
	}
	rowsPerGroup := opts.RowGroupRows
	if rowsPerGroup <= 0 {
		rowsPerGroup = DefaultRowGroupRows
	}
	err = atomicfile.Write(path, func(f io.Writer) error {
		w := parquet.NewWriter(f, schema, parquet.Compression(codec),
			parquet.MaxRowsPerRowGroup(int64(rowsPerGroup)),
			parquet.CreatedBy("mirage", "", ""))
		top := buildShape("", "", schema, 0, 0, 0)
		sh := &shredder{cols: make([][]parquet.Value, top.last)}
		batch := make([]parquet.Row, 0, rowsPerRead)
		for i, r := range recs {
			if opts.ConflictsAsJSON {
				r = root.encodeConflicts(r).(record)
			}
			row, err := sh.row(top, r)
			if err != nil {
				return &DataError{File: path, Line: i + 1, Group: i / rowsPerGroup, Err: err}
			}
			batch = append(batch, row)
			if len(batch) == cap(batch) || i == len(recs)-1 {
				if _, err := w.WriteRows(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return w.Close()
	})
	var rowErr *DataError
	if errors.As(err, &rowErr) {
		return err // it names the file and row already
	}
	if err != nil {
		return fmt.Errorf("datasets: write %s: %w", path, err)
	}
	return nil
}

func codecOf(name string) (compress.Codec, error) {
	switch strings.ToLower(name) {
	case "", "snappy":
		return &parquet.Snappy, nil
	case "zstd":
		return &parquet.Zstd, nil
	case "gzip":
		return &parquet.Gzip, nil
	case "none", "uncompressed":
		return &parquet.Uncompressed, nil
	}
	return nil, fmt.Errorf("datasets: unknown compression %q (want snappy, zstd, gzip or none)", name)
}

// colType is the inferred type of one column or nested field.
type colType struct {
	kind   valueKind
	elem   *colType            // kList
	fields map[string]*colType // kStruct
}

type valueKind int

const (
	kNull valueKind = iota // only nulls seen so far
	kBool
	kInt
	kDouble
	kString
	kList
	kStruct
	kJSON // values of several types, stored as JSON text
)

var kindNames = [...]string{"null", "boolean", "integer", "number", "string", "list", "object", "JSON text"}

type typeErr struct {
	field string
	err   error
}

// unify widens t to hold v; path names the field for errors. With asJSON a type conflict
// turns the field into JSON text instead of failing.
func (t *colType) unify(v any, path string, asJSON bool) *typeErr {
	k, ok := kindOf(v)
	if !ok {
		return &typeErr{path, fmt.Errorf("unsupported value of Go type %T", v)}
	}
	switch {
	case k == kNull || t.kind == kJSON:
		return nil
	case t.kind == kNull:
		t.kind = k
		if k == kStruct {
			t.fields = map[string]*colType{}
		}
		if k == kList {
			t.elem = &colType{}
		}
	case t.kind == kInt && k == kDouble:
		t.kind = kDouble
	case t.kind == kDouble && k == kInt:
	case t.kind != k && asJSON:
		*t = colType{kind: kJSON}
		return nil
	case t.kind != k:
		return &typeErr{path, fmt.Errorf("%s here but %s in earlier rows: a parquet column holds one type (ConflictsAsJSON, or mirage convert --json-conflicts, stores such fields as JSON text)", kindNames[k], kindNames[t.kind])}
	}
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if err := t.elem.unify(e, fmt.Sprintf("%s[%d]", path, i), asJSON); err != nil {
				return err
			}
		}
	case map[string]any:
		for name, e := range x {
			f, ok := t.fields[name]
			if !ok {
				f = &colType{}
				t.fields[name] = f
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if err := f.unify(e, p, asJSON); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodeConflicts returns v with the values of JSON-text fields encoded, copying the maps and
// lists it changes so the caller's records stay as they were.
func (t *colType) encodeConflicts(v any) any {
	switch {
	case v == nil:
		return nil
	case t.kind == kJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	case t.kind == kList:
		items := v.([]any)
		out := make([]any, len(items))
		for i, e := range items {
			out[i] = t.elem.encodeConflicts(e)
		}
		return out
	case t.kind == kStruct:
		m := v.(map[string]any)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = t.fields[k].encodeConflicts(e)
		}
		return out
	}
	return v
}

func kindOf(v any) (valueKind, bool) {
	switch v.(type) {
	case nil:
		return kNull, true
	case bool:
		return kBool, true
	case int64:
		return kInt, true
	case float64:
		return kDouble, true
	case string:
		return kString, true
	case []any:
		return kList, true
	case map[string]any:
		return kStruct, true
	}
	return 0, false
}

// node is the parquet node of t (its repetition is set by the caller). Fields that only ever
// held nulls are written as string columns.
func (t *colType) node(path string) (parquet.Node, error) {
	switch t.kind {
	case kNull, kString, kJSON:
		return parquet.String(), nil
	case kBool:
		return parquet.Leaf(parquet.BooleanType), nil
	case kInt:
		return parquet.Leaf(plainInt64{parquet.Int64Type}), nil
	case kDouble:
		return parquet.Leaf(parquet.DoubleType), nil
	case kList:
		e, err := t.elem.node(path + "[]")
		if err != nil {
			return nil, err
		}
		return parquet.List(parquet.Optional(e)), nil
	}
	if len(t.fields) == 0 {
		return nil, fmt.Errorf("%s: an object with no fields in any row cannot be a parquet struct", path)
	}
	names := sortedKeys(t.fields)
	fields := make([]parquet.Field, len(names))
	for i, n := range names {
		c, err := t.fields[n].node(path + "." + n)
		if err != nil {
			return nil, err
		}
		fields[i] = namedNode{Node: parquet.Optional(c), name: n}
	}
	return orderedGroup(fields), nil
}

// orderedGroup is a group node whose fields keep the order given; parquet.Group sorts them
// by name, which would put verl's columns out of the order pyarrow writes.
type orderedGroup []parquet.Field

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return parquet.Group(g.asMap()).String() }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return parquet.Group(g.asMap()).GoType() }
func (g orderedGroup) asMap() map[string]parquet.Node {
	m := make(map[string]parquet.Node, len(g))
	for _, f := range g {
		m[f.Name()] = f
	}
	return m
}

// plainInt64 is INT64 without the INT(64, signed) annotation and type length that
// parquet-go adds: pyarrow writes a bare INT64, and the files should match.
type plainInt64 struct{ parquet.Type }

func (plainInt64) LogicalType() *format.LogicalType { return nil }
func (plainInt64) Length() int                      { return 0 }

// namedNode gives a node its field name.
type namedNode struct {
	parquet.Node
	name string
}

func (n namedNode) Name() string { return n.name }

// Value is only used by parquet-go's reflection-based writers; we write rows.
func (n namedNode) Value(base reflect.Value) reflect.Value { return base }

// shredder turns records into parquet rows (values with repetition and definition levels).
type shredder struct {
	cols [][]parquet.Value // per leaf column, the values of the row being built
}

func (sh *shredder) row(top *shape, r record) (parquet.Row, error) {
	for c := range sh.cols {
		sh.cols[c] = sh.cols[c][:0]
	}
	for _, f := range top.fields {
		if err := sh.shred(f, r[f.name], 0, 0); err != nil {
			return nil, err
		}
	}
	n := 0
	for _, c := range sh.cols {
		n += len(c)
	}
	row := make(parquet.Row, 0, n)
	for _, c := range sh.cols {
		row = append(row, c...)
	}
	return row, nil
}

// nulls records that s is absent at definition level def.
func (sh *shredder) nulls(s *shape, rep, def int) {
	for c := s.first; c < s.last; c++ {
		sh.cols[c] = append(sh.cols[c], parquet.Value{}.Level(rep, def, c))
	}
}

// shred writes v as one instance of s; rep is the repetition level of the first value and
// def the definition level reached by s's parent.
func (sh *shredder) shred(s *shape, v any, rep, def int) error {
	if s.repeated {
		items, _ := v.([]any)
		if len(items) == 0 {
			sh.nulls(s, rep, def)
			return nil
		}
		for i, e := range items {
			r := rep
			if i > 0 {
				r = s.maxRep
			}
			if err := sh.shredOne(s, e, r, s.maxDef); err != nil {
				return err
			}
		}
		return nil
	}
	if s.optional {
		if v == nil {
			sh.nulls(s, rep, def)
			return nil
		}
		def = s.maxDef
	}
	return sh.shredOne(s, v, rep, def)
}

func (sh *shredder) shredOne(s *shape, v any, rep, def int) error {
	if s.leaf {
		pv, err := leafOf(s, v)
		if err != nil {
			return err
		}
		sh.cols[s.first] = append(sh.cols[s.first], pv.Level(rep, def, s.first))
		return nil
	}
	if s.kind == kindList {
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("field %s: want a list, got %s", s.path, typeName(v))
		}
		inner := s.fields[0]
		wrapped := make([]any, len(items))
		for i, e := range items {
			wrapped[i] = map[string]any{inner.fields[0].name: e}
		}
		return sh.shred(inner, wrapped, rep, def)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("field %s: want an object, got %s", s.path, typeName(v))
	}
	for _, f := range s.fields {
		if err := sh.shred(f, m[f.name], rep, def); err != nil {
			return err
		}
	}
	return nil
}

func leafOf(s *shape, v any) (parquet.Value, error) {
	switch s.node.Type().Kind() {
	case parquet.ByteArray:
		if x, ok := v.(string); ok {
			return parquet.ByteArrayValue([]byte(x)), nil
		}
	case parquet.Int64:
		if x, ok := v.(int64); ok {
			return parquet.Int64Value(x), nil
		}
	case parquet.Double:
		switch x := v.(type) {
		case float64:
			return parquet.DoubleValue(x), nil
		case int64:
			return parquet.DoubleValue(float64(x)), nil
		}
	case parquet.Boolean:
		if x, ok := v.(bool); ok {
			return parquet.BooleanValue(x), nil
		}
	}
	return parquet.Value{}, errors.New("field " + s.path + ": value " + typeName(v) + " does not fit the column type " + s.node.Type().String())
}
