package passk

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the reports as aligned text: one row per k, with pass@k and maj@k and their
// intervals, then the per-source breakdowns and any warnings.
func WriteTable(w io.Writer, reps []*Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	var rows []*Report
	for _, r := range reps {
		rows = append(rows, r)
		rows = append(rows, r.BySource...)
	}
	fmt.Fprintln(tw, "curve\tsource\tproblems\tk\tpass@k\tinterval\tmaj@k\tinterval\t")
	for _, r := range rows {
		for i, pt := range r.PassAtK {
			maj, majCI := "-", "-"
			if i < len(r.MajAtK) {
				maj, majCI = pct(r.MajAtK[i].Value), interval(r.MajAtK[i])
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", orDash(r.Label), orDash(r.Source), pt.Problems, pt.K, pct(pt.Value), interval(pt), maj, majCI)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("passk: %w", err)
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%smean@k (accuracy of one sample) %s %s; AUC of pass@k over log2 k %.4f; %d problems, %d samples\n",
			labelPrefix(r), pct(r.Mean.Value), interval(r.Mean), r.AUC, r.Problems, r.Samples)
	}
	for _, r := range reps {
		if r.Completions != nil {
			fmt.Fprintf(w, "%s%s\n", labelPrefix(r), r.Completions)
		}
		if len(r.Sampling) > 0 {
			fmt.Fprintf(w, "%ssampled with %s\n", labelPrefix(r), samplingLine(r.Sampling))
		}
	}
	if len(reps) > 0 && reps[0].Resamples > 0 {
		fmt.Fprintf(w, "intervals: %.0f%% bootstrap percentile over problems, %d resamples, seed %d\n", 100*reps[0].Confidence, reps[0].Resamples, reps[0].Seed)
	}
	for _, r := range rows {
		for _, msg := range r.Warnings {
			if _, err := fmt.Fprintf(w, "warning: %s%s\n", labelPrefix(r), msg); err != nil {
				return fmt.Errorf("passk: %w", err)
			}
		}
	}
	return nil
}

func labelPrefix(r *Report) string {
	s := strings.TrimSpace(r.Label + " " + r.Source)
	if s == "" {
		return ""
	}
	return s + ": "
}

// WriteCSV writes one row per report, source, metric and k: label, source, metric (pass, maj,
// mean), k, value, lo, hi, problems, excluded. Values are fractions; a missing value is empty.
func WriteCSV(w io.Writer, reps []*Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"label", "source", "metric", "k", "value", "lo", "hi", "problems", "excluded"}); err != nil {
		return fmt.Errorf("passk: %w", err)
	}
	row := func(r *Report, metric string, pt Point) error {
		lo, hi := num(pt.Lo), num(pt.Hi)
		if r.Resamples == 0 {
			lo, hi = "", "" // no bootstrap: no interval
		}
		return cw.Write([]string{r.Label, r.Source, metric, strconv.Itoa(pt.K), num(pt.Value), lo, hi,
			strconv.Itoa(pt.Problems), strconv.Itoa(pt.Excluded)})
	}
	var all []*Report
	for _, r := range reps {
		all = append(all, r)
		all = append(all, r.BySource...)
	}
	for _, r := range all {
		for _, pt := range r.PassAtK {
			if err := row(r, "pass", pt); err != nil {
				return fmt.Errorf("passk: %w", err)
			}
		}
		for _, pt := range r.MajAtK {
			if err := row(r, "maj", pt); err != nil {
				return fmt.Errorf("passk: %w", err)
			}
		}
		if err := row(r, "mean", r.Mean); err != nil {
			return fmt.Errorf("passk: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("passk: %w", err)
	}
	return nil
}

func num(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 10, 64)
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}

// interval is the point's interval in percent, or "-" without a value or without a bootstrap
// (--resamples -1: lo = hi = value would read as a zero-width interval).
func interval(p Point) string {
	if math.IsNaN(p.Value) || p.noInterval {
		return "-"
	}
	return fmt.Sprintf("[%.2f, %.2f]", 100*p.Lo, 100*p.Hi)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// samplingKeys are the sampling settings the table prints (--json and report.md have them all,
// the model's fingerprint included).
var samplingKeys = []string{"n", "temperature", "top-p", "top-k", "min-p", "max-new-tokens", "seed", "template", "model"}

// samplingLine is "n=16 temperature=0.6 ..." over the samplingKeys present.
func samplingLine(settings map[string]string) string {
	var parts []string
	for _, k := range samplingKeys {
		if v, ok := settings[k]; ok {
			parts = append(parts, k+"="+strconv.Quote(v))
		}
	}
	return strings.Join(parts, " ")
}
