package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/datasets/atomicfile"
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
// to o.Out in input order. o.Out is replaced atomically (a temporary file renamed over it once
// complete, datasets/atomicfile): a full disk, a bad input line or a kill leaves the old o.Out
// (or none) and never a torn one. The summary covers the samples graded.
func VerifyFile(ctx context.Context, o VerifyOptions) (verify.Summary, error) {
	if err := o.Verify.Validate(); err != nil {
		return verify.Summary{}, err
	}
	if datasets.SameFile(o.In, o.Out) {
		return verify.Summary{}, fmt.Errorf("verify: --out %s is the --in file; write the scores to another file", o.Out)
	}
	// Check the input opens before anything is written.
	f, err := os.Open(o.In)
	if err != nil {
		return verify.Summary{}, fmt.Errorf("verify: %w", err)
	}
	f.Close()
	var sum verify.Summary
	err = atomicfile.Write(o.Out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		done := 0
		var err error
		sum, err = verify.Score(ctx, o.Verify, datasets.Samples(o.In), func(sc verify.Scored) error {
			b, err := datasets.EncodeSample(sc.Graded())
			if err != nil {
				return err
			}
			if _, err := bw.Write(append(b, '\n')); err != nil {
				return err
			}
			done++
			if o.OnProgress != nil {
				o.OnProgress(done)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return sum, fmt.Errorf("verify: %s not written: %w", o.Out, err)
	}
	// The scored file holds the same samples: it keeps their sidecar (model, flags, seed,
	// shard), which mirage merge and passk --repeats check.
	if ri, rerr := datasets.ReadRunInfo(o.In); rerr == nil {
		return sum, datasets.WriteRunInfo(o.Out, ri)
	}
	return sum, nil
}
