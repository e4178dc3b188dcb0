package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
)

// RunInfo is the sidecar of a results file that a run appends to (samples.jsonl →
// samples.jsonl.run.json): the settings that decide what the file holds, so that a resumed run
// can refuse to continue it with other ones and mix two distributions in one file. The results
// file's own format is unchanged; a file without a sidecar (written before it existed) can still
// be resumed, just not checked.
type RunInfo struct {
	// Command is the mirage command that wrote the file (sample, align, contamination).
	Command string `json:"command"`
	// Settings must be equal for a resumed run to continue the file: every value is compared
	// as text, so callers format numbers exactly (strconv 'g', -1).
	Settings map[string]string `json:"settings"`
	// Info is recorded for the reader and never compared: settings the output does not depend
	// on (batch size, threads) and the mirage build.
	Info map[string]string `json:"info,omitempty"`
}

// RunInfoPath is the sidecar of the results file at path: path + ".run.json".
func RunInfoPath(path string) string { return path + ".run.json" }

// WriteRunInfo writes ri as the sidecar of the results file at path, replacing any old one
// atomically: a kill mid-write leaves the old sidecar or the new one, never a torn one.
func WriteRunInfo(path string, ri RunInfo) error {
	if err := atomicfile.Write(RunInfoPath(path), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // stop strings like </answer> stay readable
		return enc.Encode(ri)
	}); err != nil {
		return fmt.Errorf("datasets: %w", err)
	}
	return nil
}

// ReadRunInfo reads the sidecar of the results file at path. A missing sidecar is an error
// that matches os.ErrNotExist.
func ReadRunInfo(path string) (RunInfo, error) {
	side := RunInfoPath(path)
	b, err := os.ReadFile(side)
	if err != nil {
		return RunInfo{}, fmt.Errorf("datasets: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var ri RunInfo
	if err := dec.Decode(&ri); err != nil || ri.Settings == nil {
		if err == nil {
			err = errors.New(`no "settings" object`)
		}
		return RunInfo{}, &DataError{File: side, Group: -1, Err: fmt.Errorf("want the run settings mirage writes beside a results file: %w", err)}
	}
	return ri, nil
}

// Diff lists, sorted by name, every setting whose value differs between ri and now as
// "name: old → new"; a setting only one side has shows as "(none)" on the other.
func (ri RunInfo) Diff(now RunInfo) []string {
	var names []string
	for k := range ri.Settings {
		names = append(names, k)
	}
	for k := range now.Settings {
		if _, ok := ri.Settings[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var out []string
	for _, k := range names {
		old, okOld := ri.Settings[k]
		cur, okCur := now.Settings[k]
		if okOld && okCur && old == cur {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s → %s", k, shown(old, okOld), shown(cur, okCur)))
	}
	return out
}

// shown quotes a setting's value so that empty strings and spaces are visible.
func shown(v string, ok bool) string {
	if !ok {
		return "(none)"
	}
	return fmt.Sprintf("%q", v)
}
