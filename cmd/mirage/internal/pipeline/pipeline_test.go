package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/verify"
)

// Every pipeline refuses options outside their ranges before it loads or writes anything, with
// the same words as the flags' checks, and Align checks the later steps' options before it
// samples (sampling can take hours).
func TestOptionsRefusedBeforeAnythingRuns(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	okRun := sampler.RunOptions{N: 1, BatchSize: 1, Choice: sampler.Choice{TopP: 1}}
	sample := SampleOptions{Command: "sample", Model: tinyLlamaDir, Data: math500Sample, Out: out, Run: okRun}
	badRun := okRun
	badRun.N = 0
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"sample: n", func() error { o := sample; o.Run = badRun; _, err := SampleFile(context.Background(), o); return err }, "--n 0; want at least 1"},
		{"sample: limit", func() error { o := sample; o.Limit = -1; _, err := SampleFile(context.Background(), o); return err }, "sample: --limit -1"},
		{"sample: threads", func() error {
			o := sample
			o.Load.Threads = -1
			_, err := SampleFile(context.Background(), o)
			return err
		}, "--threads -1"},
		{"sample: out is data (a hard link)", func() error {
			// With --overwrite the problems were replaced by their samples.
			o := sample
			o.Mode = datasets.Overwrite
			o.Data, o.Out = linkedCopy(t, math500Sample)
			_, err := SampleFile(context.Background(), o)
			return err
		}, "is the --data file"},
		{"contamination: out is data", func() error {
			data, link := linkedCopy(t, math500Sample)
			_, err := Contamination(context.Background(), ContaminationOptions{Model: tinyLlamaDir, Data: data, Out: link, Ratios: []float64{0.5}, Mode: datasets.Overwrite})
			return err
		}, "is the --data file"},
		{"verify: workers", func() error {
			_, err := VerifyFile(context.Background(), VerifyOptions{In: math500Sample, Out: out, Verify: verify.Options{Workers: -1}})
			return err
		}, "--workers -1"},
		{"verify: out is in", func() error {
			_, err := VerifyFile(context.Background(), VerifyOptions{In: math500Sample, Out: math500Sample})
			return err
		}, "is the --in file"},
		{"align: rule before sampling", func() error {
			_, err := Align(context.Background(), AlignOptions{Sample: sample, Dir: dir, PassK: passk.Options{Confidence: 0.95}, Rule: passk.Rule{MinPass: 1.5}})
			return err
		}, "--min-pass 1.5"},
		{"align: confidence", func() error {
			_, err := Align(context.Background(), AlignOptions{Sample: sample, Dir: dir, PassK: passk.Options{Confidence: 1}, Rule: passk.Rule{MinPass: 0.5}})
			return err
		}, "--confidence 1"},
		{"contamination: ratio", func() error {
			_, err := Contamination(context.Background(), ContaminationOptions{Model: tinyLlamaDir, Data: math500Sample, Ratios: []float64{0.5, 1}})
			return err
		}, "ratio 1; want values strictly between 0 and 1"},
		{"contamination: resume without out", func() error {
			_, err := Contamination(context.Background(), ContaminationOptions{Model: tinyLlamaDir, Data: math500Sample, Ratios: []float64{0.5}, Mode: datasets.Resume})
			return err
		}, "--resume needs --out"},
		{"passk: labels", func() error {
			_, err := PassK(PassKOptions{Files: []string{"a", "b"}, Labels: []string{"one"}})
			return err
		}, "1 --label for 2 --in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v; want one saying %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("the refused run wrote %s", entries[0].Name())
			}
		})
	}
}

// linkedCopy copies file into a new folder and returns the copy and a hard link to it.
func linkedCopy(t *testing.T, file string) (string, string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copied, link := filepath.Join(dir, filepath.Base(file)), filepath.Join(dir, "link-"+filepath.Base(file))
	if err := os.WriteFile(copied, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(copied, link); err != nil {
		t.Fatal(err)
	}
	return copied, link
}
