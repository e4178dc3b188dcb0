package datasets

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// MergeOptions configure MergeSamples.
type MergeOptions struct {
	// Repeats allows a problem in several files when they come from runs with different seeds
	// (more samples of the same problems): its completions are concatenated. Without it, the
	// files must be disjoint shards.
	Repeats bool
	// Mode says what to do with an output that already holds samples (Keep refuses it).
	Mode Mode
}

// MergeReport says what MergeSamples wrote.
type MergeReport struct {
	Problems    int `json:"problems"`
	Completions int `json:"completions"`
	Files       int `json:"files"`
	// Warnings are things the caller should tell the user (inputs without a sidecar).
	Warnings []string `json:"warnings,omitempty"`
}

// shardSetting and seedSetting are the sidecar settings of a sharded run that differ between
// files merged together.
const (
	shardSetting = "shard"
	seedSetting  = "seed"
)

// lineAt is where a sample line sits in an input file.
type lineAt struct {
	file     int
	line     int
	off, len int64
}

// MergeSamples combines samples files (the shards of a run, and with opts.Repeats runs with
// other seeds) into one samples file at out, in the order of want (the data file's ids). Every
// problem of want must be held exactly once over all files (with Repeats: once per seed);
// otherwise it fails with a *CoverageError listing the missing, duplicated and unknown ids,
// before writing anything. The inputs' sidecars must record the same settings but the shard
// (and with Repeats the seed): files from different models or flags are refused, naming the
// differences. Lines of problems held once are copied byte for byte. out gets a sidecar with
// the common settings (shard dropped; with Repeats the seeds joined).
func MergeSamples(want []string, files []string, out string, opts MergeOptions) (MergeReport, error) {
	rep := MergeReport{Files: len(files)}
	if len(files) == 0 {
		return rep, errors.New("datasets: merge: no samples files given")
	}
	for _, f := range files {
		if SameFile(f, out) {
			return rep, fmt.Errorf("datasets: merge: the output %s is one of the inputs", out)
		}
	}
	ri, seeds, warnings, err := mergeRunInfo(files, opts.Repeats)
	if err != nil {
		return rep, err
	}
	rep.Warnings = warnings

	// Pass 1: where each problem's lines are.
	at := map[string][]lineAt{}
	var got []Located
	for fi, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return rep, fmt.Errorf("datasets: merge: %w", err)
		}
		err = scanJSONLRaw(path, f, func(line int, start int64, b []byte) error {
			var s struct {
				ID *string `json:"id"`
			}
			if err := json.Unmarshal(b, &s); err != nil || s.ID == nil {
				return &DataError{File: path, Line: line, Group: -1, Field: "id", Err: fmt.Errorf("want a sample line with an id (%v)", err)}
			}
			at[*s.ID] = append(at[*s.ID], lineAt{fi, line, start, int64(len(b))})
			got = append(got, Located{ID: *s.ID, File: path, Seed: seeds[fi]})
			return nil
		})
		f.Close()
		if err != nil {
			return rep, err
		}
	}
	if err := CheckCoverage(want, got, opts.Repeats); err != nil {
		return rep, err
	}

	// Pass 2: write in data order.
	inputs := make([]*os.File, len(files))
	defer func() {
		for _, f := range inputs {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, path := range files {
		if inputs[i], err = os.Open(path); err != nil {
			return rep, fmt.Errorf("datasets: merge: %w", err)
		}
	}
	w, err := OpenResults(out, "samples", opts.Mode, ri, nil)
	if err != nil {
		return rep, err
	}
	read := func(l lineAt) ([]byte, error) {
		b := make([]byte, l.len)
		if _, err := inputs[l.file].ReadAt(b, l.off); err != nil {
			return nil, fmt.Errorf("datasets: merge: %s:%d: %w", files[l.file], l.line, err)
		}
		return b, nil
	}
	for _, id := range want {
		var s Sample
		for k, l := range at[id] {
			b, err := read(l)
			if err != nil {
				return rep, errors.Join(err, w.Abandon())
			}
			if len(at[id]) == 1 {
				var c struct {
					Completions []json.RawMessage `json:"completions"`
				}
				if err := json.Unmarshal(b, &c); err != nil {
					return rep, errors.Join(&DataError{File: files[l.file], Line: l.line, Group: -1, Field: "completions", Err: err}, w.Abandon())
				}
				rep.Completions += len(c.Completions)
				if err := w.WriteLine(b); err != nil {
					return rep, errors.Join(err, w.Abandon())
				}
				break
			}
			part, err := sampleLine(files[l.file], l.line, b)
			if err != nil {
				return rep, errors.Join(err, w.Abandon())
			}
			if k == 0 {
				s = part
			} else {
				s.Completions = append(s.Completions, part.Completions...)
			}
		}
		if len(at[id]) > 1 {
			rep.Completions += len(s.Completions)
			if err := w.Encode(s); err != nil {
				return rep, errors.Join(err, w.Abandon())
			}
		}
		rep.Problems++
	}
	return rep, w.Close()
}

// mergeRunInfo reads the inputs' sidecars: it checks that they agree on every setting but the
// shard (and the seed with repeats) and returns the output's sidecar and each input's seed
// ("" without a sidecar).
func mergeRunInfo(files []string, repeats bool) (RunInfo, []string, []string, error) {
	seeds := make([]string, len(files))
	var warnings []string
	var first *RunInfo
	firstFile := ""
	var allSeeds []string
	for i, path := range files {
		ri, err := ReadRunInfo(path)
		if errors.Is(err, os.ErrNotExist) {
			warnings = append(warnings, fmt.Sprintf("%s has no sidecar (%s): cannot check that its model and flags are those of the other files", path, RunInfoPath(path)))
			continue
		}
		if err != nil {
			return RunInfo{}, nil, nil, fmt.Errorf("datasets: merge: %w", err)
		}
		seeds[i] = ri.Settings[seedSetting]
		if !slices.Contains(allSeeds, seeds[i]) {
			allSeeds = append(allSeeds, seeds[i])
		}
		cmp := maps.Clone(ri.Settings)
		delete(cmp, shardSetting)
		if repeats {
			delete(cmp, seedSetting)
		}
		ri.Settings = cmp
		if first == nil {
			first, firstFile = &ri, path
			continue
		}
		if d := first.Diff(ri); len(d) > 0 {
			return RunInfo{}, nil, nil, fmt.Errorf("datasets: merge: %s and %s come from runs with other settings, and one file would mix two distributions:\n  %s", firstFile, path, strings.Join(d, "\n  "))
		}
	}
	out := RunInfo{Command: "merge", Settings: map[string]string{}, Info: map[string]string{"merged": strings.Join(files, " ")}}
	if first != nil {
		out.Settings = first.Settings
		if repeats {
			out.Settings[seedSetting] = strings.Join(allSeeds, ",")
		}
	}
	return out, seeds, warnings, nil
}
