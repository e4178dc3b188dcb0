package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
)

// VerifyOptions says what VerifyFile grades and where it writes.
type VerifyOptions struct {
	// In is the samples file to grade, Out the scored copy to write (not In).
	In, Out string
	// Verify are the grading settings (verify.Options.Validate).
	Verify verify.Options
	// OnProgress, if set, receives the number of problems graded so far.
	OnProgress func(done int)
}

// VerifyFile grades every completion of o.In and writes the scored samples (verify.Scored.Graded)
// to o.Out in input order. The summary covers the lines written.
func VerifyFile(ctx context.Context, o VerifyOptions) (verify.Summary, error) {
	if err := o.Verify.Validate(); err != nil {
		return verify.Summary{}, err
	}
	if datasets.SameFile(o.In, o.Out) {
		return verify.Summary{}, fmt.Errorf("verify: --out %s is the --in file; write the scores to another file", o.Out)
	}
	// Check the input opens before truncating the output.
	f, err := os.Open(o.In)
	if err != nil {
		return verify.Summary{}, fmt.Errorf("verify: %w", err)
	}
	f.Close()
	w, err := datasets.CreateSamples(o.Out)
	if err != nil {
		return verify.Summary{}, err
	}
	done := 0
	sum, err := verify.Score(ctx, o.Verify, datasets.Samples(o.In), func(sc verify.Scored) error {
		if err := w.Write(sc.Graded()); err != nil {
			return err
		}
		done++
		if o.OnProgress != nil {
			o.OnProgress(done)
		}
		return nil
	})
	if err == nil {
		// The scored file holds the same samples: it keeps their sidecar (model, flags, seed,
		// shard), which mirage merge and passk --repeats check.
		if ri, rerr := datasets.ReadRunInfo(o.In); rerr == nil {
			err = datasets.WriteRunInfo(o.Out, ri)
		}
	}
	return sum, errors.Join(err, w.Close())
}
