package passk

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// Rule decides whether a model is strongly or weakly aligned with a task.
//
// The default follows the framing of "Mirage or Method?" (arXiv 2508.21188): alignment is
// what the model can already do, measured by pass@k at a large sampling budget. When most
// problems are solved by some sample (pass@k ≥ 0.5 at the largest k), RL mostly sharpens the
// distribution toward answers the model already finds, and one-shot, random-reward or
// negative-only training can look as good as real RL; when they are not, the task is largely
// out of reach and only genuine learning raises the curve. 0.5 is the point at which the
// solvable problems are the majority; it is a convention, not a constant of nature — change it
// with the flags and report the rule you used.
type Rule struct {
	// MinPass is the pass@k at or above which alignment is strong. Default 0.5.
	MinPass float64 `json:"min_pass"`
	// K is the k the rule reads; default (0) the largest k of the report.
	K int `json:"k"`
	// MinAUC, when positive, also requires the normalised area under the pass@k curve to reach
	// it. Default 0: not used.
	MinAUC float64 `json:"min_auc"`
}

// Validate reports a threshold outside its range, naming it by the mirage flag that sets it:
// MinPass in (0, 1], K not negative, MinAUC in [0, 1]. Align checks it once the default
// MinPass is filled in; a caller with user input checks it first, where a MinPass of 0 is a
// value given, not the default.
func (r Rule) Validate() error {
	switch {
	case !(r.MinPass > 0 && r.MinPass <= 1):
		return fmt.Errorf("passk: --min-pass %g; want a value in (0, 1]", r.MinPass)
	case r.K < 0:
		return fmt.Errorf("passk: --verdict-k %d; want 0 (the largest k) or more", r.K)
	case !(r.MinAUC >= 0 && r.MinAUC <= 1):
		return fmt.Errorf("passk: --min-auc %g; want a value in [0, 1] (0: not used)", r.MinAUC)
	}
	return nil
}

// DefaultMinPass is Rule.MinPass's default.
const DefaultMinPass = 0.5

// Verdicts.
const (
	Strong = "strong"
	Weak   = "weak"
)

// Alignment is the alignment report of one model on one benchmark.
type Alignment struct {
	Model string `json:"model,omitempty"`
	Data  string `json:"data,omitempty"`
	// PassAt1 and PassAtK (at the rule's k) with their intervals.
	PassAt1 Point `json:"pass_at_1"`
	PassAtK Point `json:"pass_at_k"`
	// AUC is the normalised area under pass@k against log2 k (Report.AUC).
	AUC float64 `json:"auc"`
	// Verdict is Strong or Weak. Confident follows from the interval of pass@k alone: true when
	// it lies wholly on one side of the threshold; false when it straddles it (the verdict could
	// flip with another draw of problems) or there is none (no bootstrap).
	Verdict   string `json:"verdict"`
	Confident bool   `json:"confident"`
	// FormatFailure is set when most completions (more than half) have no extractable answer:
	// pass@k then measures the output format, not the capability.
	FormatFailure bool `json:"format_failure"`
	// RuleText states the rule and thresholds applied.
	RuleText string `json:"rule"`
	Rule     Rule   `json:"rule_params"`
	// Plot is the path of the figure, when one was drawn (set by the caller).
	Plot   string  `json:"plot,omitempty"`
	Report *Report `json:"report"`
}

// Align applies the rule to a report.
func Align(rep *Report, rule Rule) (*Alignment, error) {
	if rep == nil || len(rep.PassAtK) == 0 {
		return nil, errors.New("passk: align: empty report")
	}
	if rule.MinPass == 0 {
		rule.MinPass = DefaultMinPass
	}
	if err := rule.Validate(); err != nil {
		return nil, err
	}
	at := func(k int) (Point, bool) {
		for _, p := range rep.PassAtK {
			if p.K == k && !math.IsNaN(p.Value) {
				return p, true
			}
		}
		return Point{}, false
	}
	if rule.K == 0 {
		for _, p := range rep.PassAtK {
			if !math.IsNaN(p.Value) {
				rule.K = max(rule.K, p.K)
			}
		}
	}
	pk, ok := at(rule.K)
	if !ok {
		return nil, fmt.Errorf("passk: align: the report has no pass@%d (it has k = %v)", rule.K, ksOf(rep.PassAtK))
	}
	a := &Alignment{PassAtK: pk, AUC: rep.AUC, Rule: rule, Report: rep}
	a.PassAt1, _ = at(1)
	if _, ok := at(1); !ok {
		a.PassAt1 = Point{K: 1, Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}

	strong := pk.Value >= rule.MinPass
	a.Confident = pk.hasInterval() && (pk.Lo >= rule.MinPass) == (pk.Hi >= rule.MinPass)
	a.FormatFailure = rep.Completions != nil && rep.Completions.NoAnswerRate > 0.5
	a.RuleText = fmt.Sprintf("strong if pass@%d ≥ %.2f", rule.K, rule.MinPass)
	if rule.MinAUC > 0 {
		strong = strong && rep.AUC >= rule.MinAUC
		a.RuleText += fmt.Sprintf(" and AUC ≥ %.2f", rule.MinAUC)
	}
	a.RuleText += ", else weak"
	a.Verdict = Weak
	if strong {
		a.Verdict = Strong
	}
	return a, nil
}

func ksOf(pts []Point) []int {
	var ks []int
	for _, p := range pts {
		ks = append(ks, p.K)
	}
	return ks
}

// Summary is the verdict in one line, e.g. "weak alignment: pass@256 = 31.20% [27.00, 35.50],
// pass@1 = 4.10%, AUC = 0.180 (rule: strong if pass@256 ≥ 0.50, else weak)".
func (a *Alignment) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s alignment: pass@%d = %s %s, pass@1 = %s, AUC = %.3f (rule: %s)",
		a.Verdict, a.PassAtK.K, pct(a.PassAtK.Value), interval(a.PassAtK), pct(a.PassAt1.Value), a.AUC, a.RuleText)
	switch {
	case !a.PassAtK.hasInterval():
		b.WriteString("; uncertain: no interval (no bootstrap)")
	case !a.Confident:
		fmt.Fprintf(&b, "; uncertain: the %.0f%% interval of pass@%d crosses %.2f", 100*a.Report.Confidence, a.PassAtK.K, a.Rule.MinPass)
	}
	if a.FormatFailure {
		fmt.Fprintf(&b, "; %s", a.formatFailure())
	}
	return b.String()
}

// formatFailure says why the verdict measures the format, e.g. "pass@256 = 0.00% with 95.00%
// of completions without an extractable answer: a format failure, not a capability
// measurement".
func (a *Alignment) formatFailure() string {
	return fmt.Sprintf("pass@%d = %s with %s of completions without an extractable answer: a format failure, not a capability measurement",
		a.PassAtK.K, pct(a.PassAtK.Value), pct(a.Report.Completions.NoAnswerRate))
}

// WriteMarkdown writes the report as a Markdown document: the verdict and its rule, the
// headline numbers, the pass@k/maj@k table, the per-source breakdown and the warnings.
func (a *Alignment) WriteMarkdown(w io.Writer) error {
	r := a.Report
	var b strings.Builder
	b.WriteString("# Model–task alignment report\n\n")
	if a.Model != "" {
		fmt.Fprintf(&b, "- model: `%s`\n", a.Model)
	}
	if a.Data != "" {
		fmt.Fprintf(&b, "- data: `%s`\n", a.Data)
	}
	fmt.Fprintf(&b, "- problems: %d, samples: %d\n", r.Problems, r.Samples)
	if r.Resamples > 0 {
		fmt.Fprintf(&b, "- intervals: %.0f%% bootstrap percentile over problems, %d resamples, seed %d\n", 100*r.Confidence, r.Resamples, r.Seed)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "**Verdict: %s alignment.** Rule: %s.", a.Verdict, a.RuleText)
	switch {
	case !a.PassAtK.hasInterval():
		b.WriteString(" Uncertain: no interval (no bootstrap).")
	case !a.Confident:
		fmt.Fprintf(&b, " Uncertain: the interval of pass@%d crosses the threshold.", a.PassAtK.K)
	}
	if a.FormatFailure {
		fmt.Fprintf(&b, " **Not a capability measurement:** %s.", a.formatFailure())
	}
	b.WriteString("\n\n## What was measured\n\n")
	writeMeasured(&b, r)
	b.WriteString("\n\n| measure | value | interval |\n| --- | ---: | ---: |\n")
	fmt.Fprintf(&b, "| pass@1 | %s | %s |\n", pct(a.PassAt1.Value), interval(a.PassAt1))
	fmt.Fprintf(&b, "| pass@%d | %s | %s |\n", a.PassAtK.K, pct(a.PassAtK.Value), interval(a.PassAtK))
	fmt.Fprintf(&b, "| mean@k (one sample) | %s | %s |\n", pct(r.Mean.Value), interval(r.Mean))
	fmt.Fprintf(&b, "| AUC (pass@k over log2 k, normalised) | %.4f | |\n\n", a.AUC)
	if a.Plot != "" {
		fmt.Fprintf(&b, "![pass@k](%s)\n\n", a.Plot)
	}
	writeCurveTable(&b, r)
	for _, s := range r.BySource {
		fmt.Fprintf(&b, "\n### %s\n\n", s.Source)
		writeCurveTable(&b, s)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n## Warnings\n\n")
		for _, msg := range r.Warnings {
			fmt.Fprintf(&b, "- %s\n", msg)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("passk: %w", err)
	}
	return nil
}

func writeCurveTable(b *strings.Builder, r *Report) {
	b.WriteString("| k | problems | pass@k | interval | maj@k | interval |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i, p := range r.PassAtK {
		maj, majCI := "-", "-"
		if i < len(r.MajAtK) {
			maj, majCI = pct(r.MajAtK[i].Value), interval(r.MajAtK[i])
		}
		fmt.Fprintf(b, "| %d | %d | %s | %s | %s | %s |\n", p.K, p.Problems, pct(p.Value), interval(p), maj, majCI)
	}
}

// writeMeasured lists what the report measured: the completions' stats and the sampling
// settings from the sidecar.
func writeMeasured(b *strings.Builder, r *Report) {
	if r.Completions != nil {
		fmt.Fprintf(b, "- %s\n", r.Completions)
	} else {
		b.WriteString("- completions not read (lines of id, n and c): truncation, extraction and format unknown\n")
	}
	if len(r.Sampling) == 0 {
		b.WriteString("- sampling settings: unknown (no sidecar)\n")
		return
	}
	b.WriteString("- sampling settings (from the run's sidecar):\n")
	for _, k := range slices.Sorted(maps.Keys(r.Sampling)) {
		fmt.Fprintf(b, "  - %s: `%s`\n", k, r.Sampling[k])
	}
}
