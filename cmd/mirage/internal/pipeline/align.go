package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mirage-rl/mirage/datasets/atomicfile"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/verify"
)

// AlignOptions says what Align measures and where it writes.
type AlignOptions struct {
	// Sample samples the completions; its Out is set by Align (Dir/samples.jsonl).
	Sample SampleOptions
	// Verify grades them (its OnProgress is called while grading).
	Verify VerifyOptions
	// Dir receives samples.jsonl, scored.jsonl, report.md, report.json, passk.svg and passk.png.
	Dir string
	// PassK are the values of k and the bootstrap; Label defaults to the model folder's name.
	PassK passk.Options
	// Rule is the verdict's rule.
	Rule passk.Rule
	// OnVerified, if set, receives the grading summary as soon as grading ends (also when it
	// failed), before pass@k is computed.
	OnVerified func(verify.Summary)
}

// AlignResult is what Align measured.
type AlignResult struct {
	// Report and Alignment are nil for one shard of a sharded run (Sample.Shard), whose pass@k
	// is not the benchmark's: the report waits for mirage merge and mirage passk.
	Report    *passk.Report
	Alignment *passk.Alignment
	// ReportPath is Dir/report.md ("" for a shard).
	ReportPath string
	// Scored is Dir/scored.jsonl.
	Scored string
}

// Validate reports the first option outside its range, before anything is sampled: sampling
// can take hours, so the flags of the later steps are checked first.
func (o AlignOptions) Validate() error {
	if err := o.Verify.Verify.Validate(); err != nil {
		return err
	}
	if err := o.Rule.Validate(); err != nil {
		return err
	}
	if err := o.PassK.Validate(); err != nil {
		return err
	}
	return o.Sample.Validate()
}

// Align samples, grades and estimates pass@k, then writes the alignment report (Markdown,
// JSON and the pass@k plot) to o.Dir: the model–task alignment of a model on a benchmark.
func Align(ctx context.Context, o AlignOptions) (AlignResult, error) {
	if err := o.Validate(); err != nil {
		return AlignResult{}, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return AlignResult{}, fmt.Errorf("align: %w", err)
	}
	o.Sample.Out = filepath.Join(o.Dir, "samples.jsonl")
	o.Verify.In, o.Verify.Out = o.Sample.Out, filepath.Join(o.Dir, "scored.jsonl")

	// 1. Sample.
	if _, err := SampleFile(ctx, o.Sample); err != nil {
		return AlignResult{}, err
	}
	// 2. Verify.
	sum, err := VerifyFile(ctx, o.Verify)
	if o.OnVerified != nil {
		o.OnVerified(sum)
	}
	if err != nil {
		return AlignResult{}, err
	}
	if !o.Sample.Shard.Whole() {
		return AlignResult{Scored: o.Verify.Out}, nil
	}
	// 3. pass@k and the report.
	recs, err := passk.ReadFile(o.Verify.Out)
	if err != nil {
		return AlignResult{}, err
	}
	if o.PassK.Label == "" {
		o.PassK.Label = filepath.Base(filepath.Clean(o.Sample.Model))
	}
	rep, err := passk.Estimate(recs, o.PassK)
	if err != nil {
		return AlignResult{}, err
	}
	rep.Sampling = sampling([]string{o.Verify.Out})
	a, err := passk.Align(rep, o.Rule)
	if err != nil {
		return AlignResult{}, err
	}
	a.Model, a.Data = o.Sample.Model, o.Sample.Data
	for _, name := range []string{"passk.svg", "passk.png"} {
		if err := passk.Plot(filepath.Join(o.Dir, name), []*passk.Report{rep}, passk.PlotOptions{Title: "pass@k: " + o.PassK.Label, Maj: len(rep.MajAtK) > 0}); err != nil {
			return AlignResult{}, err
		}
	}
	a.Plot = "passk.svg"
	res := AlignResult{Report: rep, Alignment: a, ReportPath: filepath.Join(o.Dir, "report.md"), Scored: o.Verify.Out}
	if err := atomicfile.Write(res.ReportPath, a.WriteMarkdown); err != nil {
		return res, fmt.Errorf("align: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(o.Dir, "report.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}); err != nil {
		return res, fmt.Errorf("align: %w", err)
	}
	return res, nil
}
