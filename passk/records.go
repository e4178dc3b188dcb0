package passk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"

	"github.com/mirage-rl/mirage/datasets"
)

// Record is what the estimators need of one problem.
type Record struct {
	ID         string `json:"id"`
	DataSource string `json:"data_source,omitempty"`
	// N is the number of samples, C the number of correct ones.
	N int `json:"n"`
	C int `json:"c"`
	// HasVotes says whether the completions were seen, so that maj@k can be computed; false
	// for lines that hold only n and c.
	HasVotes bool `json:"-"`
	// Wrong counts incorrect completions per extracted answer (the Completion.Answer field).
	Wrong map[string]int `json:"-"`
	// Abstain counts incorrect completions without an extracted answer.
	Abstain int `json:"-"`
	// Truncated counts completions stopped by the token budget (finish_reason "length");
	// Formatted those in the think/answer format, of the FormatKnown that record format_ok.
	Truncated, Formatted, FormatKnown int `json:"-"`
}

// scoredCompletion is what passk reads of a scored completion.
type scoredCompletion struct {
	Correct      *bool  `json:"correct"`
	Answer       string `json:"answer"`
	FinishReason string `json:"finish_reason"`
	FormatOK     *bool  `json:"format_ok"`
}

// Votes groups the record's completions for majority voting.
func (r Record) Votes() Votes {
	v := Votes{Correct: r.C, Abstain: r.Abstain}
	for _, m := range r.Wrong {
		v.Wrong = append(v.Wrong, m)
	}
	return v
}

// FromSample makes the record of one scored sample. Every completion must carry `correct`.
func FromSample(s datasets.Sample) (Record, error) {
	r := Record{ID: s.ID, DataSource: s.DataSource, HasVotes: true, Wrong: map[string]int{}}
	for i, c := range s.Completions {
		if c.Correct == nil {
			return r, fmt.Errorf("passk: problem %q: completion %d has no \"correct\" field (score the samples with mirage verify first)", s.ID, i)
		}
		r.add(scoredCompletion{Correct: c.Correct, Answer: c.Answer, FinishReason: c.FinishReason, FormatOK: c.FormatOK})
	}
	return r, nil
}

// add counts one completion, whose Correct is set.
func (r *Record) add(c scoredCompletion) {
	r.N++
	switch {
	case *c.Correct:
		r.C++
	case c.Answer == "":
		r.Abstain++
	default:
		r.Wrong[c.Answer]++
	}
	if c.FinishReason == datasets.FinishLength {
		r.Truncated++
	}
	if c.FormatOK != nil {
		r.FormatKnown++
		if *c.FormatOK {
			r.Formatted++
		}
	}
}

// line is a samples.jsonl line as far as passk reads it: a scored sample, or id, n and c alone.
type line struct {
	ID          *string            `json:"id"`
	DataSource  string             `json:"data_source"`
	N           *int               `json:"n"`
	C           *int               `json:"c"`
	Completions []scoredCompletion `json:"completions"`
}

// ReadFile reads the records of a JSONL file: scored samples.jsonl lines (see datasets.Sample;
// every completion must carry `correct`, and `answer` feeds maj@k), or lines holding only
// "id", "n" and "c" (and optionally "data_source"). Lines of both kinds may be mixed; a line
// with completions and n/c must have them agree. An id may appear on one line only: a file
// holding a problem twice (shards or runs concatenated into one file, one of them twice) would
// add n and c of the same completions, so it is an error naming both lines; join shards or
// repeated runs as separate files (Merge, mirage merge). Errors are *datasets.DataError values
// naming the file, line and field.
func ReadFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("passk: %w", err)
	}
	defer f.Close()
	return readRecords(path, f)
}

func readRecords(path string, r io.Reader) ([]Record, error) {
	var recs []Record
	lineOf := map[string]int{}
	bad := func(n int, field string, err error) error {
		return &datasets.DataError{File: path, Line: n, Group: -1, Field: field, Err: err}
	}
	br := bufio.NewReaderSize(r, 1<<20)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("passk: %s:%d: %w", path, n, err)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			rec, ferr := parseLine(t)
			if ferr != nil {
				return nil, bad(n, ferr.field, ferr.err)
			}
			if first, ok := lineOf[rec.ID]; ok {
				return nil, bad(n, "id", fmt.Errorf("problem %q is already on line %d; one line per problem (give shards or repeated runs as separate files)", rec.ID, first))
			}
			lineOf[rec.ID] = n
			recs = append(recs, rec)
		}
		if err != nil {
			break
		}
	}
	return Merge(recs)
}

type fieldError struct {
	field string
	err   error
}

func parseLine(b []byte) (Record, *fieldError) {
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return Record{}, &fieldError{"", fmt.Errorf("want a JSON object with id and completions, or id, n and c: %w", err)}
	}
	if l.ID == nil {
		return Record{}, &fieldError{"id", errors.New("missing; want the problem id (a string)")}
	}
	rec := Record{ID: *l.ID, DataSource: l.DataSource}
	if l.Completions != nil {
		rec.HasVotes = true
		rec.Wrong = map[string]int{}
		for i, c := range l.Completions {
			if c.Correct == nil {
				return rec, &fieldError{fmt.Sprintf("completions[%d].correct", i), errors.New("missing; want true or false (score the samples with mirage verify first)")}
			}
			rec.add(c)
		}
		if l.N != nil && *l.N != rec.N {
			return rec, &fieldError{"n", fmt.Errorf("%d, but the line has %d completions", *l.N, rec.N)}
		}
		if l.C != nil && *l.C != rec.C {
			return rec, &fieldError{"c", fmt.Errorf("%d, but %d completions are correct", *l.C, rec.C)}
		}
		return rec, nil
	}
	switch {
	case l.N == nil:
		return rec, &fieldError{"n", errors.New("missing; want completions, or the number of samples n with the number correct c")}
	case l.C == nil:
		return rec, &fieldError{"c", errors.New("missing; want the number of correct samples")}
	case *l.N < 0:
		return rec, &fieldError{"n", fmt.Errorf("%d; want n ≥ 0", *l.N)}
	case *l.C < 0 || *l.C > *l.N:
		return rec, &fieldError{"c", fmt.Errorf("%d; want 0 ≤ c ≤ n = %d", *l.C, *l.N)}
	}
	rec.N, rec.C = *l.N, *l.C
	return rec, nil
}

// Merge combines records with the same id — shards of one run, or repeated runs — by summing
// their samples: n and c add, votes add per answer. The result keeps the order in which ids
// first appear. A problem is eligible for maj@k only if every part had its completions.
// Parts that name different data sources are an error.
func Merge(lists ...[]Record) ([]Record, error) {
	var out []Record
	at := map[string]int{}
	for _, list := range lists {
		for _, r := range list {
			i, seen := at[r.ID]
			if !seen {
				at[r.ID] = len(out)
				r.Wrong = maps.Clone(r.Wrong)
				if r.Wrong == nil {
					r.Wrong = map[string]int{}
				}
				out = append(out, r)
				continue
			}
			m := &out[i]
			if m.DataSource != r.DataSource && m.DataSource != "" && r.DataSource != "" {
				return nil, fmt.Errorf("passk: problem %q has data_source %q in one part and %q in another", r.ID, m.DataSource, r.DataSource)
			}
			if m.DataSource == "" {
				m.DataSource = r.DataSource
			}
			m.N += r.N
			m.C += r.C
			m.Abstain += r.Abstain
			m.Truncated += r.Truncated
			m.Formatted += r.Formatted
			m.FormatKnown += r.FormatKnown
			m.HasVotes = m.HasVotes && r.HasVotes
			for a, k := range r.Wrong {
				m.Wrong[a] += k
			}
		}
	}
	return out, nil
}
