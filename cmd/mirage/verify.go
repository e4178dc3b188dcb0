package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
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
lines keep their order. --out appears whole when grading ends (a temporary file renamed over
it): a failed, killed or out-of-disk run leaves the old --out, never a torn one. Counts (problems, completions, correct, extraction failures, format
errors, comparisons over budget, unknown SynLogic tasks by name) go to stderr, and with --json
to stdout as one JSON object.

Graders: auto (SynLogic verifier when data_source names a known SynLogic task, else math), math
(answer equivalence: LaTeX/plain-text parsing, exact rationals, symbolic comparison), math-strict
(exact string compare of the <answer> content, as the paper's released code), math-verify
(Hugging Face math-verify's extraction from free text and its verdicts, as lm-eval, open-r1
and TRL grade; --format does not apply), synlogic.
Reward: 1 correct, 0 wrong; --format-penalty P gives -P to completions not in the
"<think> … </think> <answer> … </answer>" format.

Examples:
   mirage verify --in samples.jsonl --out scored.jsonl
   mirage verify --in samples.jsonl --out scored.jsonl --grader math --format boxed --json
   mirage verify --in samples.jsonl --out strict.jsonl --grader math-strict --format-penalty 1
   mirage verify --in samples.jsonl --out mv.jsonl --grader math-verify
   mirage verify --in synlogic_samples.jsonl --out scored.jsonl --grader synlogic
   mirage verify --in synlogic_samples.jsonl --out upstream.jsonl --synlogic-upstream`,
		Flags: verifyFlags(),
		Action: func(c *cli.Context) error {
			bar := newVerifyBar(c.Bool("quiet"))
			sum, err := pipeline.VerifyFile(c.Context, pipeline.VerifyOptions{In: c.String("in"), Out: c.String("out"), Verify: verifyOptions(c), OnProgress: bar.update})
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
		&cli.StringFlag{Name: "grader", Usage: "auto, math, math-strict, math-verify or synlogic", Value: "auto"},
		&cli.StringFlag{Name: "format", Usage: "where math answers are looked for: any, think-answer or boxed", Value: "any"},
		&cli.BoolFlag{Name: "last-number", Usage: "math: fall back to the last number of a completion without a marked answer"},
		&cli.Float64Flag{Name: "format-penalty", Usage: "reward of completions not in the think/answer format is minus this (0: no penalty)"},
		&cli.BoolFlag{Name: "synlogic-upstream", Usage: "SynLogic: grade as upstream SynLogic's verifiers do where mirage deliberately differs (docs/synlogic.md), bugs included"},
		&cli.IntFlag{Name: "workers", Usage: "grading goroutines (0: one per core)"},
		&cli.BoolFlag{Name: "json", Usage: "print the counts as JSON on stdout"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
	}
}

// verifyOptions reads the grading flags (also used by the commands that score).
func verifyOptions(c *cli.Context) verify.Options {
	return verify.Options{
		Grader:        verify.Grader(c.String("grader")),
		Format:        vmath.Format(c.String("format")),
		LastNumber:    c.Bool("last-number"),
		FormatPenalty: c.Float64("format-penalty"),
		Workers:       c.Int("workers"),
		SynLogic:      logic.Options{Upstream: c.Bool("synlogic-upstream")},
	}
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
