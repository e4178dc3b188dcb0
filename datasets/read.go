package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReadProblems reads problems from verl parquet (.parquet), JSONL (one object per line) or a
// JSON array, detected from the file's content. It understands verl rows, mirage's own
// Problem records, DeepScaleR's problem/answer and GSM8K's question/answer ("#### N"). Ids are
// stable: an id field, else extra_info.id, unique_id or "<data_source>/<extra_info.index>",
// else "<file stem>-<row>" with the 0-based row; an id seen before in the same file gets
// "#2", "#3"... appended, so every problem of a file has its own id. Errors are *DataError
// values; parquet rows count from 1 over the whole file.
func ReadProblems(path string) ([]Problem, error) {
	return ReadProblemsMapped(path, Mapping{})
}

// ReadProblemsMapped is ReadProblems with explicit field names for JSON inputs whose fields
// the defaults do not find.
func ReadProblemsMapped(path string, m Mapping) ([]Problem, error) {
	var out []Problem
	err := scanRecords(path, func(rec record, pos position) error {
		p, err := problemOf(rec, m, fileStem(path), pos.index, func(field string, err error) error {
			return pos.err(path, field, err)
		})
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	uniqueIDs(out)
	if err == nil && len(out) == 0 {
		// An empty array or a parquet file without rows: sampling or training on it would
		// report success on nothing.
		return nil, &DataError{File: path, Group: -1, Err: errors.New("holds no problems: want at least one")}
	}
	return out, err
}

// uniqueIDs suffixes repeated ids ("x", "x#2", "x#3") in order of appearance.
func uniqueIDs(ps []Problem) {
	seen := make(map[string]int, len(ps))
	for i := range ps {
		id := ps[i].ID
		seen[id]++
		if n := seen[id]; n > 1 {
			for {
				alt := id + "#" + strconv.Itoa(n)
				if seen[alt] == 0 {
					ps[i].ID = alt
					seen[alt] = 1
					break
				}
				n++
			}
		}
	}
}

// position locates a record: its 0-based index in the file and where an error should point.
type position struct {
	index int // 0-based record number in the file
	line  int // 1-based line (JSONL) or element (JSON array) or row in its group (parquet)
	group int // parquet row group, -1 otherwise
}

func (p position) err(path, field string, err error) error {
	return &DataError{File: path, Line: p.line, Group: p.group, Field: field, Err: err}
}

// scanRecords calls fn for each record of a parquet, JSONL or JSON-array file, told apart by
// their content: parquet starts with the magic "PAR1", JSON with '{' or '['. An empty file, a
// file named .parquet that is not parquet and one that is neither are errors saying what the
// file looks like.
func scanRecords(path string, fn func(record, position) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	const sniff = 4096
	head := make([]byte, sniff)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	bad := func(format string, args ...any) error {
		return &DataError{File: path, Group: -1, Err: fmt.Errorf(format, args...)}
	}
	looks := describeContent(head)
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")):
		return scanParquet(path, f, fn)
	case strings.EqualFold(filepath.Ext(path), ".parquet"):
		return bad("named .parquet but not a parquet file (it does not start with the magic PAR1): it looks like %s", looks)
	case firstByte(head) == 0 && n < sniff: // the whole file is blank
		return bad("%s: want verl parquet, JSONL or a JSON array of problems", looks)
	}
	if first := firstByte(head); first != '{' && first != '[' {
		return bad("not verl parquet, JSONL or a JSON array: it looks like %s", looks)
	}
	return scanJSON(path, f, fn)
}

// firstByte is the first byte of head after a UTF-8 byte order mark and white space, 0 if none.
func firstByte(head []byte) byte {
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	if i := bytes.IndexFunc(head, func(r rune) bool { return !unicode.IsSpace(r) }); i >= 0 {
		return head[i]
	}
	return 0
}

// describeContent says what a file whose first bytes are head looks like, for errors.
func describeContent(head []byte) string {
	switch {
	case len(head) == 0:
		return "an empty file (0 bytes)"
	case bytes.HasPrefix(head, []byte("PAR1")):
		return "parquet"
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "gzip-compressed data (decompress it first)"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a zip archive"
	case bytes.IndexByte(head, 0) >= 0 || !validText(head):
		return "binary data"
	}
	switch firstByte(head) {
	case 0:
		return "white space only"
	case '{':
		return "JSON lines"
	case '[':
		return "a JSON array"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(string(head), "\ufeff")), "\n")
	if r := []rune(line); len(r) > 40 {
		line = string(r[:40]) + "…"
	}
	return fmt.Sprintf("text starting %q", line)
}

// validText reports whether b is UTF-8 but for a rune cut off at its end (b is a file's first
// bytes).
func validText(b []byte) bool {
	for cut := 0; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return cut == 0 || !utf8.FullRune(b[len(b)-cut:])
		}
	}
	return false
}

// scanJSON reads a JSON array of objects or JSONL, whichever the first non-space byte says,
// streaming: the file is never held whole.
func scanJSON(path string, r io.Reader, fn func(record, position) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3) // a UTF-8 byte order mark, as some Windows tools write
	}
	// Look ahead without consuming, so JSONL line numbers stay right.
	head, _ := br.Peek(4096)
	first := byte(0)
	if i := bytes.IndexFunc(head, func(r rune) bool { return !unicode.IsSpace(r) }); i >= 0 {
		first = head[i]
	}
	if first == '[' {
		return decodeJSONArray(path, &utf8Reader{r: br}, fn)
	}
	index := 0
	return scanJSONL(path, br, func(line int, b []byte) error {
		if err := checkUTF8(b); err != nil {
			return &DataError{File: path, Line: line, Group: -1, Err: err}
		}
		v, err := decodeValue(json.NewDecoder(bytes.NewReader(b)), true)
		if err != nil {
			return &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("want one JSON object per line: %w", err)}
		}
		rec, ok := v.(map[string]any)
		if !ok {
			return &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("want a JSON object, got %s", typeName(v))}
		}
		pos := position{index: index, line: line, group: -1}
		index++
		return fn(rec, pos)
	})
}

// utf8Reader passes r through and fails at the first byte that is not UTF-8, which
// encoding/json would otherwise replace with U+FFFD unseen.
type utf8Reader struct {
	r     io.Reader
	carry []byte // the start of a rune cut by the previous read
	off   int64  // bytes passed before carry
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	b := append(u.carry, p[:n]...)
	i := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !utf8.FullRune(b[i:]) && err == nil {
			break // wait for the rest of the rune
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return 0, fmt.Errorf("invalid UTF-8 at byte %d of the file (0x%02x): want UTF-8 text", u.off+int64(i)+1, b[i])
		}
		i += size
	}
	u.off += int64(i)
	u.carry = append(u.carry[:0:0], b[i:]...)
	return n, err
}

// decodeJSONArray streams the elements of a top-level array; errors name the element
// (1-based) as the line.
func decodeJSONArray(path string, r io.Reader, fn func(record, position) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return &DataError{File: path, Group: -1, Err: err}
	}
	for i := 0; dec.More(); i++ {
		v, err := decodeValue(dec, false)
		if err != nil {
			return &DataError{File: path, Line: i + 1, Group: -1, Err: fmt.Errorf("array element: %w", err)}
		}
		rec, ok := v.(map[string]any)
		if !ok {
			return &DataError{File: path, Line: i + 1, Group: -1, Err: fmt.Errorf("want a JSON object, got %s", typeName(v))}
		}
		if err := fn(rec, position{index: i, line: i + 1, group: -1}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return &DataError{File: path, Group: -1, Err: fmt.Errorf("want the end of the array: %w", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &DataError{File: path, Group: -1, Err: errors.New("trailing data after the array")}
	}
	return nil
}

// decodeValue decodes one JSON value into record types (int64 for integer literals that fit,
// float64 for other numbers). whole requires that nothing follows the value.
func decodeValue(dec *json.Decoder, whole bool) (any, error) {
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if whole {
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("trailing data after the value")
		}
	}
	return normalize(v)
}

// normalize converts json.Number values to int64 or float64, in place.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", s, err)
		}
		return f, nil
	case []any:
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	case map[string]any:
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	}
	return v, nil
}
