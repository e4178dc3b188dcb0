package datasets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shard is part Index of Count disjoint parts of a problem file, for runs split over the tasks
// of a batch job (mirage sample|align --shard I/N). Shard I takes the problems at positions
// i with i mod Count = I: the parts are as even as they can be, and problems sorted by
// difficulty are spread over all of them. The zero value (and any Count ≤ 1) is the whole
// file.
type Shard struct {
	Index, Count int
}

// Whole reports whether the shard is the whole file.
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "I/N", or "" for the whole file.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return strconv.Itoa(s.Index) + "/" + strconv.Itoa(s.Count)
}

// Select returns the problems of the shard, in file order.
func (s Shard) Select(ps []Problem) []Problem {
	if s.Whole() {
		return ps
	}
	var out []Problem
	for i := s.Index; i < len(ps); i += s.Count {
		out = append(out, ps[i])
	}
	return out
}

// ParseShard reads "I/N" (0 ≤ I < N); "" is the whole file.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("datasets: shard %q; want I/N, e.g. 0/4 (the first of four)", s)
	}
	return newShard(idx, cnt, "shard "+strconv.Quote(s))
}

func newShard(idx, cnt int, what string) (Shard, error) {
	if cnt < 1 || idx < 0 || idx >= cnt {
		return Shard{}, fmt.Errorf("datasets: %s: index %d of %d shards; want 0 ≤ index < count", what, idx, cnt)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// Batch schedulers' task variables ShardFromEnv reads.
const (
	// EnvJobIndex is the 0-based index of a Kubernetes Indexed Job's pod.
	EnvJobIndex = "JOB_COMPLETION_INDEX"
	// EnvSlurmTaskID, EnvSlurmTaskMin, EnvSlurmTaskMax and EnvSlurmTaskCount describe a Slurm
	// array job (sbatch --array MIN-MAX).
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskMax   = "SLURM_ARRAY_TASK_MAX"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
)

// ShardFromEnv finds the shard a batch-job task runs from its environment (getenv, e.g.
// os.Getenv), for runs without an explicit --shard:
//   - Kubernetes Indexed Job: JOB_COMPLETION_INDEX, with count the Job's completions (the pod
//     does not see it, so it comes from a flag; count 0 with the index set is an error);
//   - Slurm array job: SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT;
//     arrays with a step or gaps (--array 0-9:2, --array 1,5,7) are refused, since their task
//     ids are not the shard indexes 0…N−1.
//
// Without either it returns the whole file; a count above 1 without a task index is an error
// (which task is this?). Errors name the variables.
func ShardFromEnv(getenv func(string) string, count int) (Shard, error) {
	if v := getenv(EnvJobIndex); v != "" {
		idx, err := strconv.Atoi(v)
		if err != nil {
			return Shard{}, fmt.Errorf("datasets: %s=%q; want a number", EnvJobIndex, v)
		}
		if count < 1 {
			return Shard{}, fmt.Errorf("datasets: %s=%d but no shard count; pass the Job's completions as --shards N", EnvJobIndex, idx)
		}
		return newShard(idx, count, EnvJobIndex)
	}
	if v := getenv(EnvSlurmTaskID); v != "" {
		nums := map[string]int{}
		for _, name := range []string{EnvSlurmTaskID, EnvSlurmTaskMin, EnvSlurmTaskMax, EnvSlurmTaskCount} {
			n, err := strconv.Atoi(getenv(name))
			if err != nil {
				return Shard{}, fmt.Errorf("datasets: %s=%q in a Slurm array job; want a number", name, getenv(name))
			}
			nums[name] = n
		}
		if st := getenv(EnvSlurmTaskStep); st != "" && st != "1" {
			return Shard{}, fmt.Errorf("datasets: %s=%s: a Slurm array with a step has task ids that are not shard indexes; use --array 0-%d", EnvSlurmTaskStep, st, nums[EnvSlurmTaskCount]-1)
		}
		lo, hi, cnt := nums[EnvSlurmTaskMin], nums[EnvSlurmTaskMax], nums[EnvSlurmTaskCount]
		if hi-lo+1 != cnt {
			return Shard{}, fmt.Errorf("datasets: Slurm array %d-%d has %d tasks, not %d: an array with gaps has task ids that are not shard indexes; use --array 0-%d", lo, hi, cnt, hi-lo+1, cnt-1)
		}
		if count > 0 && count != cnt {
			return Shard{}, fmt.Errorf("datasets: --shards %d but the Slurm array has %d tasks", count, cnt)
		}
		return newShard(nums[EnvSlurmTaskID]-lo, cnt, EnvSlurmTaskID)
	}
	if count > 1 {
		return Shard{}, fmt.Errorf("datasets: --shards %d without a task index: set --shard I/%d, or run as a Kubernetes Indexed Job (%s) or a Slurm array job (%s)", count, count, EnvJobIndex, EnvSlurmTaskID)
	}
	return Shard{}, nil
}

// Coverage is what CheckCoverage finds wrong with a set of results files against a data file.
type Coverage struct {
	// Missing lists the data file's problems no file holds, in data order.
	Missing []string
	// Duplicated lists the problems more than one line holds, with the files holding them.
	Duplicated []Duplicate
	// Unknown lists ids that are not problems of the data file, with the file of each.
	Unknown []Located
}

// Duplicate is a problem held more than once.
type Duplicate struct {
	ID    string
	Files []string
}

// Located is a problem id as found in a results file; Seed is the file's sampling seed (from its
// sidecar; "" when unknown).
type Located struct {
	ID, File, Seed string
}

// CoverageError reports a set of results files that does not hold every problem exactly once.
type CoverageError struct {
	Coverage
	// Repeats is set when repeated runs were allowed: the duplicates listed have equal or
	// unknown seeds.
	Repeats bool
}

func (e *CoverageError) Error() string {
	var parts []string
	list := func(what string, n int, item func(int) string) {
		if n == 0 {
			return
		}
		var items []string
		for i := range min(n, 10) {
			items = append(items, item(i))
		}
		if n > 10 {
			items = append(items, fmt.Sprintf("… %d more", n-10))
		}
		parts = append(parts, fmt.Sprintf("%d %s: %s", n, what, strings.Join(items, ", ")))
	}
	list("problems missing (a shard not run, or not finished?)", len(e.Missing), func(i int) string { return strconv.Quote(e.Missing[i]) })
	dup := "problems held more than once (a shard given twice? repeated runs need --repeats and different seeds)"
	if e.Repeats {
		dup = "problems held more than once by runs whose seeds are equal or unknown (repeats must use different --seed)"
	}
	list(dup, len(e.Duplicated), func(i int) string {
		return fmt.Sprintf("%q in %s", e.Duplicated[i].ID, strings.Join(e.Duplicated[i].Files, " and "))
	})
	list("ids that are not problems of the data file", len(e.Unknown), func(i int) string {
		return fmt.Sprintf("%q in %s", e.Unknown[i].ID, e.Unknown[i].File)
	})
	return "datasets: the files do not hold each problem exactly once: " + strings.Join(parts, "; ")
}

// CheckCoverage checks that got (the problems found in a set of results files, in reading
// order) holds each of want (the data file's ids, in data order) exactly once. With want nil
// only duplicates are checked. With repeats, a problem may appear in several files if their
// seeds are known and pairwise different (repeated runs adding samples); twice in one file,
// never. It returns a *CoverageError or nil.
func CheckCoverage(want []string, got []Located, repeats bool) error {
	var c Coverage
	wanted := make(map[string]bool, len(want))
	for _, id := range want {
		wanted[id] = true
	}
	at := map[string][]Located{}
	var order []string
	for _, l := range got {
		if want != nil && !wanted[l.ID] {
			c.Unknown = append(c.Unknown, l)
			continue
		}
		if _, ok := at[l.ID]; !ok {
			order = append(order, l.ID)
		}
		at[l.ID] = append(at[l.ID], l)
	}
	for _, id := range want {
		if _, ok := at[id]; !ok {
			c.Missing = append(c.Missing, id)
		}
	}
	for _, id := range order {
		ls := at[id]
		if len(ls) == 1 || (repeats && distinctSeeds(ls)) {
			continue
		}
		d := Duplicate{ID: id}
		for _, l := range ls {
			d.Files = append(d.Files, l.File)
		}
		c.Duplicated = append(c.Duplicated, d)
	}
	if len(c.Missing)+len(c.Duplicated)+len(c.Unknown) == 0 {
		return nil
	}
	return &CoverageError{Coverage: c, Repeats: repeats}
}

// distinctSeeds reports whether every location has a known seed and no two share one (which
// also rules out two lines of one file).
func distinctSeeds(ls []Located) bool {
	var seeds []string
	for _, l := range ls {
		if l.Seed == "" || slices.Contains(seeds, l.Seed) {
			return false
		}
		seeds = append(seeds, l.Seed)
	}
	return true
}
