package serve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mirage-rl/mirage/verify"
	vmath "github.com/mirage-rl/mirage/verify/math"
)

// job is one verification: a task, a response and the reward to score it with.
type job struct {
	task     verify.Task
	response string
	reward   reward
	// group is the key of the response's group (the responses of one prompt) for the RL
	// rewards; with alone set the job is a group of its own.
	group string
	alone bool
}

// grade is the result of one job.
type grade struct {
	verify.Outcome
	Score float64
}

// States of a job in a batch.
const (
	pending  = iota
	finished // graded by a runner
	givenUp  // over the time budget: scored by the request
)

// batch is one request's jobs being graded.
type batch struct {
	h     *Handler
	jobs  []job
	out   []grade
	state []atomic.Uint32
	next  atomic.Int64 // the next job a runner takes
	done  chan int     // a finished job's index, sent once each
}

// current is the job a runner is grading and when it started.
type current struct {
	i     int
	start time.Time
}

// gradeAll grades the jobs and returns their grades in order. Runners (at most
// Options.Workers per request) take the jobs one by one, each verification holding a slot
// of the handler's semaphore; the request's goroutine watches the time each runner has
// spent on its job and, past Options.Budget, scores that job as over budget and starts a
// replacement runner. It returns early only when ctx ends.
func (h *Handler) gradeAll(ctx context.Context, jobs []job) ([]grade, error) {
	b := &batch{h: h, jobs: jobs, out: make([]grade, len(jobs)), state: make([]atomic.Uint32, len(jobs)),
		done: make(chan int, len(jobs))}
	var runners []*atomic.Pointer[current]
	spawn := func() {
		cur := new(atomic.Pointer[current])
		runners = append(runners, cur)
		go b.run(ctx, cur)
	}
	for range min(h.opts.Workers, len(jobs)) {
		spawn()
	}
	budget := h.opts.Budget
	timer := time.NewTimer(budget)
	defer timer.Stop()
	for left := len(jobs); left > 0; {
		select {
		case <-b.done:
			left--
		case <-ctx.Done():
			return nil, ctx.Err()
		case now := <-timer.C:
			next := budget
			for _, cur := range runners {
				c := cur.Load()
				if c == nil {
					continue
				}
				if over := now.Sub(c.start); over < budget {
					next = min(next, budget-over)
				} else if b.state[c.i].CompareAndSwap(pending, givenUp) {
					b.out[c.i] = scored(b.jobs[c.i], verify.Outcome{OverBudget: true,
						Reason: fmt.Sprintf("verification over the %v time budget", budget)})
					left--
					spawn() // the stuck runner keeps its semaphore slot until the verifier returns
				}
			}
			timer.Reset(next)
		}
	}
	return b.out, h.rewardAll(jobs, b.out)
}

// slice is how long a runner keeps its semaphore slot across jobs before it lets the
// runners of other requests take a turn: handing the slot over for every job would cost
// more scheduling than a short math verification takes.
const slice = 2 * time.Millisecond

// run grades jobs until none is left or ctx ends, publishing the one under way in cur.
func (b *batch) run(ctx context.Context, cur *atomic.Pointer[current]) {
	for {
		select {
		case b.h.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		for held := time.Now(); time.Since(held) < slice; {
			i := int(b.next.Add(1) - 1)
			if i >= len(b.jobs) {
				<-b.h.sem
				return
			}
			cur.Store(&current{i, time.Now()})
			g := gradeJob(b.jobs[i])
			cur.Store(nil)
			if b.state[i].CompareAndSwap(pending, finished) {
				b.out[i] = g
				b.done <- i
			}
		}
		<-b.h.sem
	}
}

// gradeJob prepares the task and grades the response; a verifier's panic is a wrong answer
// with the panic as the reason.
func gradeJob(j job) (g grade) {
	defer func() {
		if p := recover(); p != nil {
			g = scored(j, verify.Outcome{Reason: fmt.Sprintf("verifier panic: %v", p)})
		}
	}()
	return scored(j, verify.Prepare(j.task, j.reward.opts).Grade(j.response))
}

// scored turns an outcome into the job's grade, without its score yet (see rewardAll).
// Outcomes made here (budget, panic) are wrong answers that still get the format check and
// the wrong answer's reward.
func scored(j job, o verify.Outcome) grade {
	if o.Grader == "" {
		o.FormatOK = vmath.ThinkAnswerFormat(j.response)
		o.Reward = verify.Reward(false, o.FormatOK, j.reward.opts.FormatPenalty)
	}
	return grade{Outcome: o}
}

// rewardGroup scores the jobs idx, one group asking for the RL reward kind.
func (h *Handler) rewardGroup(kind verify.RewardKind, idx []int, jobs []job, grades []grade, rng *rand.Rand) error {
	group := make([]verify.Graded, len(idx))
	for n, i := range idx {
		group[n] = verify.Graded{Text: jobs[i].response, Outcome: grades[i].Outcome}
	}
	r, err := verify.GroupRewards(group, verify.RewardOptions{Kind: kind, P: h.opts.RandomP, FormatStrict: h.opts.FormatStrict}, rng)
	if err != nil {
		return err
	}
	for n, i := range idx {
		grades[i].Score = r[n]
	}
	return nil
}

// rewardAll sets each grade's Score. A grader's reward is the outcome's own; an RL reward is
// verify.GroupRewards over the jobs of one group that ask for it, in request order. Random
// rewards draw from sources seeded afresh for each request.
func (h *Handler) rewardAll(jobs []job, grades []grade) error {
	type key struct {
		kind  verify.RewardKind
		group string
		item  int // the job's index when it is alone, else -1
	}
	groups := map[key][]int{}
	var order []key
	for i, j := range jobs {
		if j.reward.kind == "" {
			grades[i].Score = grades[i].Reward
			continue
		}
		k := key{j.reward.kind, j.group, -1}
		if j.alone {
			k.item = i
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	// Groups are scored on the workers too (the format regex over long responses is not
	// cheap), each random group from its own stream of a seed drawn for the request.
	seed := rand.Uint64()
	errs := make([]error, len(order))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(h.opts.Workers, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := int(next.Add(1) - 1); g < len(order); g = int(next.Add(1) - 1) {
				h.sem <- struct{}{}
				errs[g] = h.rewardGroup(order[g].kind, groups[order[g]], jobs, grades, rand.New(rand.NewPCG(seed, uint64(g))))
				<-h.sem
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
