package passk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
)

// Options control Estimate. The zero value gives pass@k and maj@k at k = 1, 2, 4, … up to the
// smallest n, with 95% bootstrap intervals from 1000 resamples seeded with 0.
type Options struct {
	// Ks are the values of k. Default: the powers of two up to the smallest number of samples
	// of any problem. Problems with fewer samples than a given k are excluded from that k, with
	// a warning in the report.
	Ks []int
	// Resamples is the number of bootstrap resamples of the problems. Default 1000; negative
	// disables the intervals (Lo = Hi = Value; null in JSON).
	Resamples int
	// Seed seeds the bootstrap (PCG). The same seed gives the same intervals.
	Seed uint64
	// Confidence is the interval's coverage. Default 0.95.
	Confidence float64
	// Label names the curve in tables, legends and JSON.
	Label string
}

// Defaults of Options.
const (
	DefaultResamples  = 1000
	DefaultConfidence = 0.95
)

// errNoEstimate: the records give no value at any k.
var errNoEstimate = errors.New("passk: nothing to estimate")

// Point is one estimate with its bootstrap percentile interval.
type Point struct {
	K     int     `json:"k"`
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	// Problems is the number of problems averaged; Excluded those left out for n < k.
	Problems int `json:"problems"`
	Excluded int `json:"excluded,omitempty"`

	// noInterval: no bootstrap ran (Options.Resamples < 0), so Lo = Hi = Value is no interval.
	noInterval bool
}

// hasInterval reports whether p has a bootstrap interval.
func (p Point) hasInterval() bool {
	return !p.noInterval && !math.IsNaN(p.Lo) && !math.IsNaN(p.Hi)
}

// MarshalJSON writes null for an estimate without problems (NaN), which JSON cannot hold, and
// null lo and hi when no bootstrap ran: a zero-width interval would read as certainty.
func (p Point) MarshalJSON() ([]byte, error) {
	type plain Point
	if math.IsNaN(p.Value) || p.noInterval {
		var v *float64
		if !math.IsNaN(p.Value) {
			v = &p.Value
		}
		return json.Marshal(struct {
			plain
			Value *float64 `json:"value"`
			Lo    *float64 `json:"lo"`
			Hi    *float64 `json:"hi"`
		}{plain: plain(p), Value: v})
	}
	return json.Marshal(plain(p))
}

// Report holds the curves of one set of problems.
type Report struct {
	Label string `json:"label,omitempty"`
	// Source is the data source of a per-source breakdown; empty for the whole set.
	Source   string `json:"source,omitempty"`
	Problems int    `json:"problems"`
	Samples  int    `json:"samples"`
	// PassAtK is the unbiased pass@k, averaged over problems.
	PassAtK []Point `json:"pass_at_k"`
	// MajAtK is the exact maj@k (see MajAtK); empty when some problem has only n and c.
	MajAtK []Point `json:"maj_at_k,omitempty"`
	// Mean is mean@k, the expected accuracy of a single sample, c/n averaged over problems: its
	// unbiased estimate is the same for every k, so it is given once (K = 1).
	Mean Point `json:"mean"`
	// AUC is the area under pass@k against log2 k, divided by the log2 span of the ks, so it lies
	// in [0, 1]; with a single k it is that pass@k.
	AUC float64 `json:"auc"`

	Resamples  int     `json:"bootstrap_resamples"`
	Seed       uint64  `json:"bootstrap_seed"`
	Confidence float64 `json:"confidence"`

	// Completions says what the completions were like besides correct: how many hit the token
	// budget, had no extractable answer, followed the think/answer format. Nil when no
	// problem's completions were read (lines of id, n and c only).
	Completions *CompletionStats `json:"completions,omitempty"`
	// Sampling are the settings the samples were drawn with (n, temperature, top-p, top-k,
	// min-p, max-new-tokens, seed, template, the model's fingerprint...), from the results
	// files' sidecars (datasets.RunInfo.Settings), set by the caller; a setting that differs
	// between the files of one curve lists their values, comma-separated.
	Sampling map[string]string `json:"sampling,omitempty"`

	Warnings []string `json:"warnings,omitempty"`
	// BySource breaks the report down per data_source when the problems have more than one.
	BySource []*Report `json:"by_source,omitempty"`
}

// CompletionStats counts the completions of a report by how they ended and what the grader
// found, with the rates over Completions (over FormatKnown for FormatRate).
type CompletionStats struct {
	Completions int `json:"completions"`
	// Truncated stopped at the token budget (finish_reason "length").
	Truncated      int     `json:"truncated"`
	TruncationRate float64 `json:"truncation_rate"`
	// NoAnswer are incorrect completions from which the grader extracted no answer.
	NoAnswer     int     `json:"no_answer"`
	NoAnswerRate float64 `json:"no_answer_rate"`
	// Formatted follow the think/answer format, of the FormatKnown completions whose scored
	// line records format_ok; FormatRate is nil when none does.
	Formatted   int      `json:"formatted"`
	FormatKnown int      `json:"format_known"`
	FormatRate  *float64 `json:"format_rate"`
}

// completionStats sums the records whose completions were read; nil if none was.
func completionStats(recs []Record) *CompletionStats {
	var s CompletionStats
	for _, r := range recs {
		if r.HasVotes {
			s.Completions += r.N
			s.Truncated += r.Truncated
			s.NoAnswer += r.Abstain
			s.Formatted += r.Formatted
			s.FormatKnown += r.FormatKnown
		}
	}
	if s.Completions == 0 {
		return nil
	}
	s.TruncationRate = float64(s.Truncated) / float64(s.Completions)
	s.NoAnswerRate = float64(s.NoAnswer) / float64(s.Completions)
	if s.FormatKnown > 0 {
		f := float64(s.Formatted) / float64(s.FormatKnown)
		s.FormatRate = &f
	}
	return &s
}

// String is the stats in one line, e.g. "64 completions: 12.50% truncated (finish_reason
// length), 95.31% without an extractable answer, 0.00% in the think/answer format".
func (s *CompletionStats) String() string {
	format := "think/answer format not recorded"
	if s.FormatRate != nil {
		format = pct(*s.FormatRate) + " in the think/answer format"
	}
	return fmt.Sprintf("%d completions: %s truncated (finish_reason length), %s without an extractable answer, %s",
		s.Completions, pct(s.TruncationRate), pct(s.NoAnswerRate), format)
}

// Estimate computes pass@k, maj@k and mean@k over the records, with bootstrap intervals and,
// when the records come from several data sources, a report per source.
func Estimate(recs []Record, opts Options) (*Report, error) {
	if len(recs) == 0 {
		return nil, errors.New("passk: no problems")
	}
	opts = opts.withDefaults(recs)
	rep, err := estimate(recs, opts)
	if err != nil {
		return nil, err
	}
	var sources []string
	bySource := map[string][]Record{}
	for _, r := range recs {
		if _, ok := bySource[r.DataSource]; !ok {
			sources = append(sources, r.DataSource)
		}
		bySource[r.DataSource] = append(bySource[r.DataSource], r)
	}
	if len(sources) > 1 {
		sort.Strings(sources)
		for _, s := range sources {
			name := s
			if s == "" {
				name = "(none)"
			}
			sub, err := estimate(bySource[s], opts)
			if errors.Is(err, errNoEstimate) {
				rep.Warnings = append(rep.Warnings, fmt.Sprintf("data source %s: %v", name, err))
				continue
			}
			if err != nil {
				return nil, err
			}
			sub.Source = name
			rep.BySource = append(rep.BySource, sub)
		}
	}
	return rep, nil
}

func (o Options) withDefaults(recs []Record) Options {
	o = o.bootstrapDefaults()
	if len(o.Ks) == 0 {
		o.Ks = DefaultKs(recs)
	}
	return o
}

// Validate reports an option outside its range, naming it by the mirage flag that sets it: a
// Confidence outside (0, 1) and a k below 1. Estimate checks it once the defaults are filled
// in; a caller with user input checks it first, where a Confidence of 0 is a value given, not
// the default.
func (o Options) Validate() error {
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return fmt.Errorf("passk: --confidence %g; want a value in (0, 1)", o.Confidence)
	}
	for _, k := range o.Ks {
		if k < 1 {
			return fmt.Errorf("passk: --k %d; want values of 1 or more", k)
		}
	}
	return nil
}

// bootstrapDefaults fills in the default number of resamples and confidence.
func (o Options) bootstrapDefaults() Options {
	if o.Resamples == 0 {
		o.Resamples = DefaultResamples
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	return o
}

// DefaultKs are the powers of two up to the smallest positive number of samples of any problem.
func DefaultKs(recs []Record) []int {
	minN := 0
	for _, r := range recs {
		if r.N > 0 && (minN == 0 || r.N < minN) {
			minN = r.N
		}
	}
	ks := []int{1}
	for k := 2; k <= minN; k *= 2 {
		ks = append(ks, k)
	}
	return ks
}

func estimate(recs []Record, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ks := slices.Clone(o.Ks)
	slices.Sort(ks)
	ks = slices.Compact(ks)
	rep := &Report{Label: o.Label, Problems: len(recs), Resamples: max(o.Resamples, 0), Seed: o.Seed, Confidence: o.Confidence,
		Completions: completionStats(recs)}
	majOK := true
	var empty, wrong, abstain int
	for _, r := range recs {
		rep.Samples += r.N
		if r.N == 0 {
			empty++
		}
		majOK = majOK && r.HasVotes
		wrong += len(r.Wrong)
		abstain += r.Abstain
	}
	if empty > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d problem(s) have no samples and are excluded from every estimate", empty))
	}
	if !majOK {
		rep.Warnings = append(rep.Warnings, "maj@k not computed: some problems have only n and c, not their completions' answers")
	} else if wrong == 0 && abstain > 0 {
		rep.Warnings = append(rep.Warnings, "no incorrect completion has an extracted answer, so none of them votes: maj@k equals pass@k here")
	}

	vals := make([]float64, len(recs))
	// Mean accuracy: every problem with a sample counts.
	for i, r := range recs {
		vals[i] = math.NaN()
		if r.N > 0 {
			vals[i] = float64(r.C) / float64(r.N)
		}
	}
	rep.Mean = summarise(1, vals, o)

	for _, k := range ks {
		excluded, minN := 0, math.MaxInt
		for i, r := range recs {
			vals[i] = math.NaN()
			if r.N == 0 {
				continue
			}
			if r.N < k {
				excluded++
				minN = min(minN, r.N)
				continue
			}
			p, err := PassAtK(r.N, r.C, k)
			if err != nil {
				return nil, fmt.Errorf("passk: problem %q: %w", r.ID, err)
			}
			vals[i] = p
		}
		if excluded > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("k=%d: %d of %d problems have fewer than %d samples (smallest n=%d) and are excluded from pass@%d and maj@%d", k, excluded, len(recs), k, minN, k, k))
		}
		pt := summarise(k, vals, o)
		pt.Excluded = excluded
		rep.PassAtK = append(rep.PassAtK, pt)
		if !majOK {
			continue
		}
		parallel(len(recs), func(i int) {
			if !math.IsNaN(vals[i]) {
				vals[i] = newHypergeom(recs[i].N).majAtK(recs[i].Votes(), k)
			}
		})
		pt = summarise(k, vals, o)
		pt.Excluded = excluded
		rep.MajAtK = append(rep.MajAtK, pt)
	}
	rep.AUC = AUC(rep.PassAtK)
	if math.IsNaN(rep.AUC) {
		return nil, fmt.Errorf("%w: no problem has at least k samples for any k in %v", errNoEstimate, ks)
	}
	return rep, nil
}

// parallel calls fn(0), …, fn(n−1) on GOMAXPROCS goroutines: maj@k costs milliseconds per
// problem at n = 256.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// summarise averages the non-NaN values and bootstraps the interval of the mean. Every call
// with the same options draws the same resamples of problem indices, so the intervals of
// different k come from the same resampled problem sets.
func summarise(k int, vals []float64, o Options) Point {
	pt := Point{K: k, Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	var sum float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			sum += v
			pt.Problems++
		}
	}
	if pt.Problems == 0 {
		return pt
	}
	pt.Value = sum / float64(pt.Problems)
	pt.Lo, pt.Hi = pt.Value, pt.Value
	if o.Resamples <= 0 {
		pt.noInterval = true
		return pt
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	means := make([]float64, 0, o.Resamples)
	for range o.Resamples {
		var s float64
		var m int
		for range vals {
			if v := vals[rng.IntN(len(vals))]; !math.IsNaN(v) {
				s += v
				m++
			}
		}
		if m > 0 {
			means = append(means, s/float64(m))
		}
	}
	slices.Sort(means)
	alpha := (1 - o.Confidence) / 2
	pt.Lo, pt.Hi = quantile(means, alpha), quantile(means, 1-alpha)
	return pt
}

// quantile interpolates linearly between order statistics of sorted xs (type 7 of Hyndman
// and Fan, the default of R and NumPy).
func quantile(xs []float64, q float64) float64 {
	h := q * float64(len(xs)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo])
}

// AUC is the area under the curve of the points' values against log2 k (trapezoids), divided
// by the log2 span of the ks so that it lies in [0, 1]. With one point it is that point's
// value; points without a value (NaN) are skipped.
func AUC(pts []Point) float64 {
	var xs, ys []float64
	for _, p := range pts {
		if !math.IsNaN(p.Value) {
			xs = append(xs, math.Log2(float64(p.K)))
			ys = append(ys, p.Value)
		}
	}
	switch len(xs) {
	case 0:
		return math.NaN()
	case 1:
		return ys[0]
	}
	var area float64
	for i := 1; i < len(xs); i++ {
		area += (xs[i] - xs[i-1]) * (ys[i] + ys[i-1]) / 2
	}
	return area / (xs[len(xs)-1] - xs[0])
}
