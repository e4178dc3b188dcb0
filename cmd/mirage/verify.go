package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify"
	"github.com/mirage-rl/mirage/verify/logic"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "grade every completion of a samples.jsonl file: fills correct, reward and answer",
		ArgsUsage: " ",
		Description: `Reads samples.jsonl (from mirage sample), grades each completion against its problem's
ground_truth, and writes the same lines to --out with "correct", "reward" and "answer" (the
normalised extracted answer, used for maj@k) set in every completion, plus "rule" (the extraction
rule that found the answer) and "reason" (why it could not be graded correct: no answer found,
over budget, ...) when there is one. Grading runs on all cores;
lines keep their order. Counts (problems, completions, correct, extraction failures, format
errors, comparisons over budget, unknown SynLogic tasks by name) go to stderr, and with --json
to stdout as one JSON object.

Graders: auto (SynLogic verifier when data_source names a known SynLogic task, else math), math
(answer equivalence: LaTeX/plain-text parsing, exact rationals, symbolic comparison), math-strict
(exact string compare of the <answer> content, as the paper's released code), synlogic.
Reward: 1 correct, 0 wrong; --format-penalty P gives -P to completions not in the
"<think> … </think> <answer> … </answer>" format.

Examples:
   mirage verify --in samples.jsonl --out scored.jsonl
   mirage verify --in samples.jsonl --out scored.jsonl --grader math --format boxed --json
   mirage verify --in samples.jsonl --out strict.jsonl --grader math-strict --format-penalty 1
   mirage verify --in synlogic_samples.jsonl --out scored.jsonl --grader synlogic
   mirage verify --in synlogic_samples.jsonl --out upstream.jsonl --synlogic-upstream`,
		Flags: verifyFlags(),
		Action: func(c *cli.Context) error {
			opts, err := verifyOptionsFromFlags(c)
			if err != nil {
				return err
			}
			bar := newVerifyBar(c.Bool("quiet"))
			sum, err := verifyFile(c.Context, c.String("in"), c.String("out"), opts, bar.update)
			bar.finish()
			if err == nil || sum.Problems > 0 {
				printVerifySummary(c.App.ErrWriter, sum)
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(sum)
			}
			return nil
		},
	}
}

// verifyFlags are mirage verify's flags; --in and --out are required here only.
func verifyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "in", Usage: "samples.jsonl to grade", Required: true},
		&cli.StringFlag{Name: "out", Usage: "scored samples.jsonl to write (not the --in file)", Required: true},
		&cli.StringFlag{Name: "grader", Usage: "auto, math, math-strict or synlogic", Value: "auto"},
		&cli.StringFlag{Name: "format", Usage: "where math answers are looked for: any, think-answer or boxed", Value: "any"},
		&cli.BoolFlag{Name: "last-number", Usage: "math: fall back to the last number of a completion without a marked answer"},
		&cli.Float64Flag{Name: "format-penalty", Usage: "reward of completions not in the think/answer format is minus this (0: no penalty)"},
		&cli.BoolFlag{Name: "synlogic-upstream", Usage: "SynLogic: grade as upstream SynLogic's verifiers do where mirage deliberately differs (docs/synlogic.md), bugs included"},
		&cli.IntFlag{Name: "workers", Usage: "grading goroutines (0: one per core)"},
		&cli.BoolFlag{Name: "json", Usage: "print the counts as JSON on stdout"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
	}
}

// verifyOptionsFromFlags reads the grading flags (also used by commands that score) and
// checks them (verify.Options.Validate).
func verifyOptionsFromFlags(c *cli.Context) (verify.Options, error) {
	opts := verify.Options{
		Grader:        verify.Grader(c.String("grader")),
		Format:        vmath.Format(c.String("format")),
		LastNumber:    c.Bool("last-number"),
		FormatPenalty: c.Float64("format-penalty"),
		Workers:       c.Int("workers"),
		SynLogic:      logic.Options{Upstream: c.Bool("synlogic-upstream")},
	}
	return opts, opts.Validate()
}

// verifyFile grades the samples file in and writes the scored copy to out, calling
// onProgress with the number of problems done. The summary covers the lines written.
func verifyFile(ctx context.Context, in, out string, opts verify.Options, onProgress func(done int)) (verify.Summary, error) {
	if sameFile(in, out) {
		return verify.Summary{}, fmt.Errorf("verify: --out %s is the --in file; write the scores to another file", out)
	}
	// Check the input opens before truncating the output.
	f, err := os.Open(in)
	if err != nil {
		return verify.Summary{}, fmt.Errorf("verify: %w", err)
	}
	f.Close()
	w, err := datasets.CreateSamples(out)
	if err != nil {
		return verify.Summary{}, err
	}

	// ScanSamples pushes lines; Score pulls them: a goroutine bridges the two.
	lines := make(chan datasets.Sample)
	stop := make(chan struct{})
	scanErr := make(chan error, 1)
	go func() {
		defer close(lines)
		scanErr <- datasets.ScanSamples(in, func(s datasets.Sample) error {
			select {
			case lines <- s:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	next := func() (verify.Item, error) {
		s, ok := <-lines
		if !ok {
			if err := <-scanErr; err != nil {
				return verify.Item{}, err
			}
			return verify.Item{}, io.EOF
		}
		it := verify.Item{
			Task: verify.TaskOf(s.Problem),
			Ref:  s,
		}
		for _, c := range s.Completions {
			it.Completions = append(it.Completions, c.Text)
		}
		return it, nil
	}
	done := 0
	emit := func(sc verify.Scored) error {
		s := sc.Ref.(datasets.Sample)
		for i, o := range sc.Outcomes {
			c := &s.Completions[i]
			correct, reward := o.Correct, o.Reward
			c.Correct, c.Reward, c.Answer, c.Rule, c.Reason = &correct, &reward, o.Answer, "", o.Reason
			if !o.NoAnswer {
				c.Rule = o.Rule
			}
		}
		if err := w.Write(s); err != nil {
			return err
		}
		done++
		if onProgress != nil {
			onProgress(done)
		}
		return nil
	}
	sum, err := verify.Score(ctx, opts, next, emit)
	close(stop)
	for range lines { // let the scanner return
	}
	if errors.Is(err, errStopped) {
		err = nil
	}
	return sum, errors.Join(err, w.Close())
}

var errStopped = errors.New("verify: stopped")

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}

// printVerifySummary writes the counts in one paragraph for people.
func printVerifySummary(w io.Writer, s verify.Summary) {
	pct := 0.0
	if s.Completions > 0 {
		pct = 100 * float64(s.Correct) / float64(s.Completions)
	}
	fmt.Fprintf(w, "verify: %d problems, %d completions scored, %d correct (%.1f%%), %d extraction failures, %d format errors, %d over budget\n",
		s.Problems, s.Completions, s.Correct, pct, s.NoAnswer, s.FormatErrors, s.OverBudget)
	if len(s.ByGrader) > 0 {
		fmt.Fprintf(w, "verify: graders: %s\n", countList(s.ByGrader))
	}
	if len(s.ByRule) > 0 {
		fmt.Fprintf(w, "verify: answers found by: %s\n", countList(s.ByRule))
	}
	if len(s.UnknownTasks) > 0 {
		fmt.Fprintf(w, "verify: unknown SynLogic tasks (problems, all graded incorrect): %s\n", countList(s.UnknownTasks))
	}
	if s.NoGroundTruth > 0 {
		fmt.Fprintf(w, "verify: warning: %d problems have no ground_truth (all their completions graded incorrect)\n", s.NoGroundTruth)
	}
}

func countList[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	return strings.Join(parts, ", ")
}

// verifyBar draws the number of problems graded (the total is not known ahead).
type verifyBar struct{ stderrBar }

func newVerifyBar(quiet bool) *verifyBar {
	return &verifyBar{newStderrBar(quiet, progressbar.OptionShowIts(), progressbar.OptionSetItsString("problems"),
		progressbar.OptionSetDescription("verifying"))}
}

func (b *verifyBar) update(done int) { b.set(done, -1, "") }
