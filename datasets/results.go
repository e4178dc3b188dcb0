package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Mode says what a run does with an output file that already holds results (the --resume and
// --overwrite flags of mirage sample, align and contamination).
type Mode int

const (
	// Keep refuses an output that already holds results: a rerun that forgot --resume must
	// not wipe hours of work. An empty or missing output is started.
	Keep Mode = iota
	// Overwrite starts the output afresh; what it held is lost.
	Overwrite
	// Resume continues the output after the results it holds, if its sidecar (RunInfo)
	// records this run's settings.
	Resume
)

// CheckResults refuses an output file that a run with settings ri must not touch, before the run
// loads anything (a model can take minutes to load): with Keep, one that already holds what
// (e.g. "samples"); with Resume, one whose sidecar records other settings than ri, each named
// (old → new), since one file would then mix two distributions; in any mode, one that another
// run is writing (it holds the file's lock; see OpenResults). It writes nothing. A resumed
// file without a sidecar (written before mirage recorded run settings) is allowed with a
// warning for the user, returned as text.
//
// OpenSamples and OpenResults check again (without the warning), so a caller that skips
// CheckResults is still protected; it only learns later.
func CheckResults(path, what string, mode Mode, ri RunInfo) (warning string, err error) {
	if err := probeLock(path); err != nil {
		return "", err
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() == 0 {
		return "", nil // nothing to keep or continue: a fresh start
	}
	switch mode {
	case Keep:
		return "", fmt.Errorf("datasets: %s already holds %s (%d bytes); continue it with --resume, or start afresh with --overwrite", path, what, fi.Size())
	case Overwrite:
		return "", nil
	}
	side := RunInfoPath(path)
	old, err := ReadRunInfo(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Sprintf("%s has no %s (written before mirage recorded run settings): cannot check that this run's flags and model are those of the run that wrote it", path, side), nil
	}
	if err != nil {
		return "", fmt.Errorf("datasets: cannot resume %s: %w (delete it to resume without the check)", path, err)
	}
	if d := old.Diff(ri); len(d) > 0 {
		return "", fmt.Errorf("datasets: cannot resume %s: these settings differ from the run that wrote it (%s), and one file would mix two distributions:\n  %s\nresume with that run's flags and model, or start afresh with --overwrite (--batch-size, --threads and --device may differ: they change the speed, not the output; if only the model folder moved, delete %s)",
			path, side, strings.Join(d, "\n  "), side)
	}
	return "", nil
}

// probeLock fails if another run holds the lock of the results file at path (a missing file is
// free): the refusal comes before this run loads anything.
func probeLock(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close() // releases the lock taken here
	return lockFile(f)
}

// ResultsFile is an output of JSON lines that a run appends to, one result a line, each written
// with one system call and kept by a kill; OpenResults opens it. It is not safe for concurrent
// use.
type ResultsFile struct {
	f    *os.File
	path string
}

// OpenResults opens the results file path (what names its lines, e.g. "probes") for a run with
// settings ri, after the checks of CheckResults: Keep and Overwrite start it empty; Resume keeps
// its complete lines, calling each with every one (1-based line number and the line without its
// newline) so the caller can take them back, and cuts a torn last line (a kill mid-write). The
// sidecar then records ri. On error nothing the file held is lost.
//
// The file stays locked (flock, exclusive) until Close or Abandon: a second run on the same
// file, which would interleave its lines with this one's, is refused with an error saying so,
// and so is any CheckResults of it. The sidecar is only written under that lock.
func OpenResults(path, what string, mode Mode, ri RunInfo, each func(line int, b []byte) error) (*ResultsFile, error) {
	if _, err := CheckResults(path, what, mode, ri); err != nil {
		return nil, err
	}
	r, err := openResults(path, mode, each, nil)
	if err != nil {
		return nil, err
	}
	if err := WriteRunInfo(path, ri); err != nil {
		return nil, errors.Join(err, r.Abandon())
	}
	return r, nil
}

// openResults opens path to append: emptied unless mode is Resume, which keeps its complete
// lines (each sees them, then ready, if set, may still refuse them) and cuts a torn last one.
// The file is changed only once each and ready accepted it.
func openResults(path string, mode Mode, each func(line int, b []byte) error, ready func() error) (*ResultsFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	r := &ResultsFile{f: f, path: path}
	if err := lockFile(f); err != nil {
		// Another run holds it: leave the file (and its sidecar) alone, even if still empty.
		f.Close()
		return nil, err
	}
	keep := int64(0)
	if mode == Resume {
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("datasets: %w", err), r.Abandon())
		}
		keep = int64(bytes.LastIndexByte(data, '\n') + 1) // 0 when there is no newline at all
		if each != nil {
			err = scanJSONL(path, bytes.NewReader(data[:keep]), each)
		}
		if err == nil && ready != nil {
			err = ready()
		}
		if err != nil {
			return nil, errors.Join(err, r.Abandon())
		}
	}
	if err := f.Truncate(keep); err != nil {
		return nil, errors.Join(fmt.Errorf("datasets: cut %s after its last complete line: %w", path, err), r.Abandon())
	}
	if _, err := f.Seek(keep, io.SeekStart); err != nil {
		return nil, errors.Join(fmt.Errorf("datasets: %w", err), r.Abandon())
	}
	return r, nil
}

// WriteLine appends b and a newline with one system call.
func (r *ResultsFile) WriteLine(b []byte) error {
	if _, err := r.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("datasets: write %s: %w", r.path, err)
	}
	return nil
}

// Encode appends v as one JSON line, as json.Marshal writes it.
func (r *ResultsFile) Encode(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("datasets: encode a line of %s: %w", r.path, err)
	}
	return r.WriteLine(b)
}

// Close syncs and closes the file.
func (r *ResultsFile) Close() error {
	return errors.Join(r.f.Sync(), r.f.Close())
}

// Abandon closes the file after a failed run: a file that holds no result is removed with its
// sidecar, so nothing is left behind that looks like one; a file with results is kept for
// --resume.
func (r *ResultsFile) Abandon() error {
	err := r.f.Close()
	if fi, serr := os.Stat(r.path); serr == nil && fi.Size() == 0 {
		os.Remove(r.path)
		os.Remove(RunInfoPath(r.path))
	}
	return err
}

// SameFile reports whether a and b name one file (hard and symbolic links included) or, when
// one of them does not exist yet, one path: an output that is its input must be refused before
// it is truncated.
func SameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}
