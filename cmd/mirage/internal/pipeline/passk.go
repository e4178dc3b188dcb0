package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
)

// PassKOptions says which files make which pass@k curves.
type PassKOptions struct {
	// Files are scored samples files (mirage verify) or JSONL lines of id, n and c.
	Files []string
	// Labels name the curve of the file at the same position; the files of one label are
	// merged per problem id (shards, repeated runs). Empty: one unlabelled curve of all files.
	Labels []string
	// Want, if set, are the ids every curve must hold, each once (datasets.CheckCoverage).
	Want []string
	// Repeats lets a curve hold a problem in several files if their seeds (from the files'
	// sidecars) differ: n and c add.
	Repeats bool
	// PassK are the values of k and the bootstrap; each curve gets its label.
	PassK passk.Options
}

// PassK estimates pass@k, maj@k and their intervals for each curve of o, in the order the
// labels first appear.
func PassK(o PassKOptions) ([]*passk.Report, error) {
	labels := o.Labels
	if len(labels) > 0 && len(labels) != len(o.Files) {
		return nil, fmt.Errorf("passk: %d --label for %d --in; give one label per file (files with the same label are merged)", len(labels), len(o.Files))
	}
	if len(labels) == 0 {
		labels = make([]string, len(o.Files))
	}
	var order []string
	parts := map[string][][]passk.Record{}
	filesOf := map[string][]string{}
	found := map[string][]datasets.Located{}
	for i, f := range o.Files {
		recs, err := passk.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if _, ok := parts[labels[i]]; !ok {
			order = append(order, labels[i])
		}
		parts[labels[i]] = append(parts[labels[i]], recs)
		filesOf[labels[i]] = append(filesOf[labels[i]], f)
		seed := ""
		if ri, err := datasets.ReadRunInfo(f); err == nil {
			seed = ri.Settings["seed"]
		}
		for _, r := range recs {
			found[labels[i]] = append(found[labels[i]], datasets.Located{ID: r.ID, File: f, Seed: seed})
		}
	}
	for _, label := range order {
		if err := datasets.CheckCoverage(o.Want, found[label], o.Repeats); err != nil {
			if label != "" {
				return nil, fmt.Errorf("passk: curve %q: %w", label, err)
			}
			return nil, fmt.Errorf("passk: %w", err)
		}
	}
	var reps []*passk.Report
	for _, label := range order {
		recs, err := passk.Merge(parts[label]...)
		if err != nil {
			return nil, err
		}
		po := o.PassK
		po.Label = label
		rep, err := passk.Estimate(recs, po)
		if err != nil && label != "" {
			return nil, fmt.Errorf("%w (curve %q)", err, label)
		}
		if err != nil {
			return nil, err
		}
		rep.Sampling = sampling(filesOf[label])
		reps = append(reps, rep)
	}
	return reps, nil
}

// sampling is what a report was sampled with: the settings of the files' sidecars
// (datasets.RunInfo.Settings). A setting the files give different values (repeated runs'
// seeds) lists the values, comma-separated, in file order; files without a sidecar add
// nothing, and nil means no file had one.
func sampling(files []string) map[string]string {
	var out map[string]string
	for _, f := range files {
		ri, err := datasets.ReadRunInfo(f)
		if err != nil {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		for k, v := range ri.Settings {
			switch old, ok := out[k]; {
			case !ok:
				out[k] = v
			case !slices.Contains(strings.Split(old, ", "), v):
				out[k] = old + ", " + v
			}
		}
	}
	return out
}
