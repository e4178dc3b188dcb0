package verify

import (
	"context"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/verify/logic"
)

// Scored is a graded sample: Outcomes[i] grades Sample.Completions[i].
type Scored struct {
	Sample datasets.Sample
	Grader Grader
	// UnknownTask names the SynLogic task without a verifier, "" otherwise.
	UnknownTask string
	// NoGroundTruth marks a math problem with an empty ground_truth (all completions wrong).
	NoGroundTruth bool
	Outcomes      []Outcome
}

// Summary counts what Score graded.
type Summary struct {
	Problems    int `json:"problems"`
	Completions int `json:"scored"`
	Correct     int `json:"correct"`
	// NoAnswer counts completions from which no answer could be extracted.
	NoAnswer int `json:"extraction_failures"`
	// FormatErrors counts completions not in the think/answer format.
	FormatErrors int `json:"format_errors"`
	// OverBudget counts comparisons stopped by the size or time budget.
	OverBudget int `json:"over_budget"`
	// ByGrader counts problems per grader that ran.
	ByGrader map[Grader]int `json:"by_grader"`
	// ByRule counts completions per extraction rule that found an answer (completions in
	// NoAnswer are not in it, so the two add up to Completions for the math graders).
	ByRule map[string]int `json:"by_rule"`
	// UnknownTasks counts problems per SynLogic task name without a verifier.
	UnknownTasks map[string]int `json:"unknown_tasks"`
	// NoGroundTruth counts math problems with an empty ground_truth.
	NoGroundTruth int `json:"no_ground_truth"`
}

// Graded is the sample with every completion's correct, reward, answer, rule, reason and format_ok set
// from its outcome (rule only when an answer was found): the line mirage verify writes. The
// Scored value is left as it is.
func (sc Scored) Graded() datasets.Sample {
	s := sc.Sample
	s.Completions = slices.Clone(s.Completions)
	for i, o := range sc.Outcomes {
		c := &s.Completions[i]
		c.Correct, c.Reward, c.Answer, c.Rule, c.Reason, c.FormatOK = &o.Correct, &o.Reward, o.Answer, "", o.Reason, &o.FormatOK
		if !o.NoAnswer {
			c.Rule = o.Rule
		}
	}
	return s
}

func newSummary() Summary {
	return Summary{ByGrader: map[Grader]int{}, ByRule: map[string]int{}, UnknownTasks: map[string]int{}}
}

func (s *Summary) add(sc Scored) {
	s.Problems++
	s.ByGrader[sc.Grader]++
	if sc.UnknownTask != "" {
		s.UnknownTasks[sc.UnknownTask]++
	}
	if sc.NoGroundTruth {
		s.NoGroundTruth++
	}
	for _, o := range sc.Outcomes {
		s.Completions++
		if o.Correct {
			s.Correct++
		}
		if o.NoAnswer {
			s.NoAnswer++
		}
		if !o.FormatOK {
			s.FormatErrors++
		}
		if o.OverBudget {
			s.OverBudget++
		}
		if o.Rule != "" && !o.NoAnswer {
			s.ByRule[summaryRule(o.Rule)]++
		}
	}
}

// summaryRule names SynLogic rules by the task's canonical name, so "synlogic:val/arrow_maze"
// and "synlogic:arrow_maze" are counted as one.
func summaryRule(rule string) string {
	if task, ok := strings.CutPrefix(rule, "synlogic:"); ok {
		if c, known := logic.Canonical(task); known {
			return "synlogic:" + c
		}
	}
	return rule
}

// chunk is how many completions one worker grades at a time: problems with hundreds of
// completions are shared among workers.
const chunk = 32

type job struct {
	it     *inflight
	lo, hi int
}

// inflight is an item being graded; ready is closed when its last chunk is graded.
type inflight struct {
	sc    Scored
	prob  *Problem
	left  atomic.Int32
	ready chan struct{}
}

// Score grades every sample of samples (datasets.Samples reads a file) on opts.Workers
// goroutines and calls emit with each graded one, in input order; at most a few per worker are
// held in memory. An error from samples stops reading: the samples read before it are still
// graded and emitted, then Score returns the error. An error from emit or the end of ctx stops
// everything (and the reading). The summary covers the samples emitted. Options outside their
// range (Options.Validate) are refused before anything is read.
func Score(ctx context.Context, opts Options, samples iter.Seq2[datasets.Sample, error], emit func(Scored) error) (Summary, error) {
	if err := opts.Validate(); err != nil {
		return Summary{}, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan job, workers*2)
	// order carries items in input order to the writer; its capacity bounds the items
	// held in memory.
	order := make(chan *inflight, workers*4)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				for i := j.lo; i < j.hi; i++ {
					j.it.sc.Outcomes[i] = j.it.prob.Grade(j.it.sc.Sample.Completions[i].Text)
				}
				if j.it.left.Add(-1) == 0 {
					close(j.it.ready)
				}
			}
		}()
	}

	var readErr error // written by the reader before it closes order
	go func() {
		defer close(jobs)
		defer close(order)
		for s, err := range samples {
			if err != nil {
				readErr = err
				return
			}
			if ctx.Err() != nil {
				return
			}
			it := &inflight{prob: Prepare(TaskOf(s.Problem), opts), ready: make(chan struct{})}
			it.sc = Scored{Sample: s, Grader: it.prob.Grader(), UnknownTask: it.prob.UnknownTask(),
				NoGroundTruth: it.prob.NoGroundTruth(),
				Outcomes:      make([]Outcome, len(s.Completions))}
			n := (len(s.Completions) + chunk - 1) / chunk
			if n == 0 {
				close(it.ready)
			}
			it.left.Store(int32(n))
			select {
			case order <- it:
			case <-ctx.Done():
				return
			}
			for lo := 0; lo < len(s.Completions); lo += chunk {
				select {
				case jobs <- job{it, lo, min(lo+chunk, len(s.Completions))}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()

	sum := newSummary()
	err := func() error {
		for it := range order {
			select {
			case <-it.ready:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := emit(it.sc); err != nil {
				return err
			}
			sum.add(it.sc)
		}
		if err := ctx.Err(); err != nil {
			return err // the reader stopped early
		}
		return readErr
	}()
	cancel()
	for range order { // unblock the reader
	}
	wg.Wait()
	return sum, err
}
