package datasets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLine bounds one JSONL line: a problem with hundreds of long completions is large, but a
// line beyond this is a corrupt file, not data.
const maxLine = 1 << 30

// Samples reads a samples.jsonl file: each line's Sample in order, or one error that ends the
// sequence — the file does not open, or a line does not parse (a *DataError naming the file
// and line; a last line without its newline, from a run killed mid-write, says so). Blank lines
// are skipped. The file is read as the loop runs and closed when it ends or stops early, so a
// file of any size is read in bounded memory; verify.Score consumes it directly.
func Samples(path string) iter.Seq2[Sample, error] {
	return func(yield func(Sample, error) bool) {
		f, err := os.Open(path)
		if err != nil {
			yield(Sample{}, fmt.Errorf("datasets: %w", err))
			return
		}
		defer f.Close()
		err = scanJSONL(path, f, func(line int, b []byte) error {
			s, err := sampleLine(path, line, b)
			if err != nil {
				return err
			}
			if !yield(s, nil) {
				return errStopped
			}
			return nil
		})
		if err != nil && err != errStopped {
			yield(Sample{}, err)
		}
	}
}

// sampleLine decodes line number line of the samples file path (the line without its newline).
func sampleLine(path string, line int, b []byte) (Sample, error) {
	s, err := decodeSample(b)
	if err != nil {
		return s, &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("want a JSON object with id, prompt and completions: %w", err)}
	}
	if err := foldExtraInfo(&s.Problem, b); err != nil {
		return s, &DataError{File: path, Line: line, Group: -1, Field: "extra_info", Err: err}
	}
	return s, nil
}

// errStopped ends a scan whose consumer stopped reading.
var errStopped = errors.New("datasets: stopped")

// foldExtraInfo adds the fields of a top-level extra_info object (as verl's rollout dumps
// write a row: SynLogic's game_data_str is there) to p.Extra, as ReadProblems maps a row's
// extra_info; keys already in p.Extra win.
func foldExtraInfo(p *Problem, line []byte) error {
	if !bytes.Contains(line, []byte(`"extra_info"`)) {
		return nil
	}
	var row struct {
		ExtraInfo json.RawMessage `json:"extra_info"`
	}
	if err := json.Unmarshal(line, &row); err != nil || len(row.ExtraInfo) == 0 || string(row.ExtraInfo) == "null" {
		return nil
	}
	v, err := decodeValue(json.NewDecoder(bytes.NewReader(row.ExtraInfo)), true) // numbers keep their type
	info, ok := v.(map[string]any)
	if err != nil || !ok {
		return fmt.Errorf("want an object, got %.40s", row.ExtraInfo)
	}
	if p.Extra == nil {
		p.Extra = map[string]any{}
	}
	for k, v := range info {
		if _, ok := p.Extra[k]; !ok {
			p.Extra[k] = v
		}
	}
	return nil
}

// decodeSample decodes one samples line. Numbers in extra keep their type: integers read as
// int64 and other numbers as float64, as ReadProblems reads them, so a line written again
// says 3 where it said 3 and 2.0 where it said 2.0.
//
// A line must be UTF-8 (encoding/json would replace bad bytes with U+FFFD unseen), hold a
// completions list (a line without one is a problem, not a sample: nothing would be graded)
// and give every completion its text.
func decodeSample(b []byte) (Sample, error) {
	var s Sample
	if err := checkUTF8(b); err != nil {
		return s, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, errNoText) {
			var raw struct{ Completions []map[string]json.RawMessage }
			json.Unmarshal(b, &raw)
			for i, c := range raw.Completions {
				if t, ok := c["text"]; !ok || string(t) == "null" {
					return s, fmt.Errorf("completions[%d]: %w", i, err)
				}
			}
		}
		return s, err
	}
	if s.Completions == nil {
		return s, errors.New(`no "completions" list: want the sampled completions (is this a problem file? sample it with mirage sample first)`)
	}
	if s.Extra != nil {
		if _, err := normalize(s.Extra); err != nil {
			return s, fmt.Errorf("extra: %w", err)
		}
	}
	return s, nil
}

// checkUTF8 reports the first byte of b that is not UTF-8.
func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("invalid UTF-8 at byte %d of the line (0x%02x): want UTF-8 text", i+1, b[i])
		}
		i += n
	}
	return nil
}

// ReadSamples reads a whole samples.jsonl file.
func ReadSamples(path string) ([]Sample, error) {
	var out []Sample
	for s, err := range Samples(path) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

// scanJSONL calls fn with each non-blank line and its 1-based number.
func scanJSONL(path string, r io.Reader, fn func(line int, b []byte) error) error {
	return scanJSONLRaw(path, r, func(line int, _ int64, b []byte) error { return fn(line, b) })
}

// scanJSONLRaw is scanJSONL that also gives the byte offset in r where each (trimmed) line
// starts.
func scanJSONLRaw(path string, r io.Reader, fn func(line int, start int64, b []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var pos int64 // bytes before the current line
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Long line: collect it whole.
			buf := append([]byte(nil), b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(buf) > maxLine {
					return &DataError{File: path, Line: line, Group: -1, Err: fmt.Errorf("line longer than %d bytes", maxLine)}
				}
				b, err = br.ReadSlice('\n')
				buf = append(buf, b...)
			}
			b = buf
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("datasets: %s:%d: %w", path, line, err)
		}
		if line == 1 && bytes.HasPrefix(b, []byte("PAR1")) {
			// A verl parquet file passed where JSON lines belong (mirage verify --in data.parquet):
			// say so rather than "invalid character 'P'".
			return &DataError{File: path, Line: line, Group: -1, Err: errors.New("this is a parquet file; want JSON lines here")}
		}
		start := pos + int64(len(b)-len(bytes.TrimLeftFunc(b, unicode.IsSpace)))
		pos += int64(len(b))
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if ferr := fn(line, start, t); ferr != nil {
				var de *DataError
				if err == io.EOF && errors.As(ferr, &de) && de.Line == line {
					// A bad last line without its newline is most likely a file cut off mid-write.
					de.Err = fmt.Errorf("%w (the last line has no newline: was the file cut off while being written?)", de.Err)
				}
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// SampleWriter appends samples to a samples.jsonl file, one line per problem, flushed to the
// file as each is written: a killed run keeps every complete line it wrote.
type SampleWriter struct {
	*ResultsFile
	done map[string]bool
}

// CreateSamples starts a new samples file, truncating any file at path. It writes no sidecar:
// a run that may be resumed opens its file with OpenSamples.
func CreateSamples(path string) (*SampleWriter, error) {
	return openSamples(path, SamplesRun{Mode: Overwrite})
}

// ResumeSamples opens path for appending after the problems it already holds. A torn last line
// (the run was killed while writing it) is cut off, so that problem is sampled again; every
// complete line is kept. A missing file is created. It neither checks nor writes the sidecar
// (OpenSamples does).
func ResumeSamples(path string) (*SampleWriter, error) {
	return openSamples(path, SamplesRun{Mode: Resume})
}

// SamplesRun is what a run that writes a samples file asks for: OpenSamples records it and
// checks a file it resumes against it.
type SamplesRun struct {
	// Mode says what to do with a file that already holds samples.
	Mode Mode
	// Info is recorded in the sidecar; on Resume its Settings (model fingerprint, sampling and
	// prompt settings: template, system prompt) must equal the recorded ones.
	Info RunInfo
	// N is the number of completions per problem; on Resume every line must have N (0: not
	// checked). The sidecar compares it too, but a file from before sidecars has none, and
	// pass@k's default k would silently shrink.
	N int
	// Problems are the problems of the data file, all of them (before any limit). On Resume,
	// every problem the file holds must be among them with the same prompt: resuming with
	// another data set would otherwise mix its prompts under the same ids. Checked problem by
	// problem against the prompts the file's lines hold, so the limit may change and a file
	// from before sidecars is checked too. Nil: not checked.
	Problems []Problem
}

// OpenSamples opens the samples file of a run (the protocol of mirage sample and align): it
// refuses what CheckResults refuses, then starts the file (Keep, Overwrite) or continues it
// (Resume, as ResumeSamples) after checking its lines against run.N and run.Problems, and
// records run.Info in the sidecar. A refusal names every difference (up to a few) and changes
// nothing; the file stays locked until Close or Abandon (see OpenResults). A run that fails
// closes the writer with Abandon, which removes an output still empty.
func OpenSamples(path string, run SamplesRun) (*SampleWriter, error) {
	if _, err := CheckResults(path, "samples", run.Mode, run.Info); err != nil {
		return nil, err
	}
	w, err := openSamples(path, run)
	if err != nil {
		return nil, err
	}
	if err := WriteRunInfo(path, run.Info); err != nil {
		return nil, errors.Join(err, w.Abandon())
	}
	return w, nil
}

// maxListed bounds the differences a refusal to resume lists.
const maxListed = 5

func openSamples(path string, run SamplesRun) (*SampleWriter, error) {
	w := &SampleWriter{done: map[string]bool{}}
	sizes := map[int]int{} // completions per problem → problems, of the lines kept
	var prompts map[string][sha256.Size]byte
	truths := map[string][]byte{} // the data's ground truths as JSON, as the lines hold them
	if run.Problems != nil {
		prompts = make(map[string][sha256.Size]byte, len(run.Problems))
		for _, p := range run.Problems {
			prompts[p.ID] = promptHash(p.Prompt)
			truths[p.ID], _ = json.Marshal(p.GroundTruth)
		}
	}
	var foreign []string // problems of the file that the data does not have
	nForeign := 0
	each := func(line int, b []byte) error {
		var s struct {
			ID          *string           `json:"id"`
			Prompt      Prompt            `json:"prompt"`
			GroundTruth GroundTruth       `json:"ground_truth"`
			Completions []json.RawMessage `json:"completions"`
		}
		if err := json.Unmarshal(b, &s); err != nil || s.ID == nil {
			return &DataError{File: path, Line: line, Group: -1, Field: "id", Err: fmt.Errorf("cannot resume: want a complete sample line with an id (%v)", err)}
		}
		w.done[*s.ID] = true
		sizes[len(s.Completions)]++
		if prompts != nil {
			why := ""
			if h, ok := prompts[*s.ID]; !ok {
				why = "not in the data"
			} else if h != promptHash(s.Prompt) {
				why = "the data gives it another prompt"
			} else if gt, _ := json.Marshal(s.GroundTruth); !bytes.Equal(gt, truths[*s.ID]) {
				// Graded later by the line's own ground truth: one file would mix two labellings.
				why = fmt.Sprintf("the data gives it another ground truth (%s, sampled with %s)", truths[*s.ID], gt)
			}
			if why != "" {
				if nForeign++; len(foreign) < maxListed {
					foreign = append(foreign, fmt.Sprintf("line %d, problem %q: %s", line, *s.ID, why))
				}
			}
		}
		return nil
	}
	ready := func() error {
		for have, problems := range sizes {
			if run.N > 0 && have != run.N {
				return fmt.Errorf("datasets: cannot resume %s: %d of its problems have %d completions, but --n is %d; resume with the first run's flags", path, problems, have, run.N)
			}
		}
		if nForeign > 0 {
			more := ""
			if nForeign > len(foreign) {
				more = fmt.Sprintf("\n  ... and %d more", nForeign-len(foreign))
			}
			return fmt.Errorf("datasets: cannot resume %s: %d of the problems it holds are not those of the data (another data file?), and one file would mix two data sets under the same ids:\n  %s%s\nresume with the data of the run that wrote it, or start afresh with --overwrite",
				path, nForeign, strings.Join(foreign, "\n  "), more)
		}
		return nil
	}
	r, err := openResults(path, run.Mode, each, ready)
	if err != nil {
		return nil, err
	}
	w.ResultsFile = r
	return w, nil
}

// promptHash identifies a prompt by its JSON form (text, or the role and content of every
// message).
func promptHash(p Prompt) [sha256.Size]byte {
	b, _ := json.Marshal(p) // strings only: cannot fail
	return sha256.Sum256(b)
}

// PromptFingerprint is the hex SHA-256 of the prompt's JSON form: results files that do not
// hold their prompts (mirage contamination's probes) record it, so a resume can tell that the
// data still gives each problem the same prompt.
func PromptFingerprint(p Prompt) string {
	h := promptHash(p)
	return hex.EncodeToString(h[:])
}

// ProblemsFingerprint is "N problems, sha256 X" over the ids and prompts of ps in order: the
// sidecar records it with the data file's path, so a reader can tell which problems a file was
// sampled from (a resume checks problem by problem, see SamplesRun.Problems).
func ProblemsFingerprint(ps []Problem) string {
	h := sha256.New()
	for _, p := range ps {
		ph := promptHash(p.Prompt)
		fmt.Fprintf(h, "%q %x\n", p.ID, ph)
	}
	return fmt.Sprintf("%d problems, sha256 %x", len(ps), h.Sum(nil)[:8])
}

// Done reports whether the file already holds the problem with this id.
func (w *SampleWriter) Done(id string) bool { return w.done[id] }

// Write appends one sample as a single line, written with one system call.
func (w *SampleWriter) Write(s Sample) error {
	b, err := EncodeSample(s)
	if err != nil {
		return err
	}
	if _, err := w.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("datasets: write sample %q: %w", s.ID, err)
	}
	w.done[s.ID] = true
	return nil
}

// EncodeSample is s as one line of samples.jsonl, without the newline: what SampleWriter
// writes, for writers of a whole file at once (mirage verify's atomically replaced --out).
func EncodeSample(s Sample) ([]byte, error) {
	s.Problem = withTypedNumbers(s.Problem)
	if s.Completions == nil {
		s.Completions = []Completion{} // a list, never null: readers require one
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("datasets: encode sample %q: %w", s.ID, err)
	}
	return b, nil
}
