package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestShardSelect(t *testing.T) {
	var ps []Problem
	for i := range 10 {
		ps = append(ps, Problem{ID: fmt.Sprint(i)})
	}
	for n := 1; n <= 4; n++ {
		var union []string
		sizes := map[int]bool{}
		for i := range n {
			part := Shard{i, n}.Select(ps)
			sizes[len(part)] = true
			for j, p := range part {
				if p.ID != fmt.Sprint(i+j*n) {
					t.Errorf("shard %d/%d item %d is %s, want %d", i, n, j, p.ID, i+j*n)
				}
				union = append(union, p.ID)
			}
		}
		slices.Sort(union)
		if len(union) != 10 || len(slices.Compact(union)) != 10 {
			t.Errorf("%d shards: union %v, want the 10 problems once each", n, union)
		}
		if len(sizes) > 2 {
			t.Errorf("%d shards: sizes %v differ by more than one", n, sizes)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		err  string
	}{
		{"", Shard{}, ""}, {"0/1", Shard{0, 1}, ""}, {"2/3", Shard{2, 3}, ""}, {" 1 / 4 ", Shard{1, 4}, ""},
		{"3/3", Shard{}, "index 3 of 3"}, {"-1/2", Shard{}, "index -1"}, {"1/0", Shard{}, "of 0 shards"},
		{"1", Shard{}, "want I/N"}, {"a/b", Shard{}, "want I/N"},
	} {
		got, err := ParseShard(c.in)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, %q", c.in, got, err, c.want, c.err)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	slurm := func(id, lo, hi, n string) map[string]string {
		return map[string]string{EnvSlurmTaskID: id, EnvSlurmTaskMin: lo, EnvSlurmTaskMax: hi, EnvSlurmTaskCount: n}
	}
	for _, c := range []struct {
		name  string
		env   map[string]string
		count int
		want  Shard
		err   string
	}{
		{"nothing", nil, 0, Shard{}, ""},
		{"count 1 alone", nil, 1, Shard{}, ""},
		{"k8s", map[string]string{EnvJobIndex: "3"}, 4, Shard{3, 4}, ""},
		{"k8s without count", map[string]string{EnvJobIndex: "3"}, 0, Shard{}, "--shards N"},
		{"k8s index too large", map[string]string{EnvJobIndex: "4"}, 4, Shard{}, "index 4 of 4"},
		{"slurm 0-based", slurm("2", "0", "4", "5"), 0, Shard{2, 5}, ""},
		{"slurm 1-based", slurm("1", "1", "3", "3"), 0, Shard{0, 3}, ""},
		{"slurm count flag agrees", slurm("1", "1", "3", "3"), 3, Shard{0, 3}, ""},
		{"slurm count flag disagrees", slurm("1", "1", "3", "3"), 4, Shard{}, "--shards 4 but the Slurm array has 3"},
		{"slurm gaps", slurm("5", "1", "7", "3"), 0, Shard{}, "gaps"},
		{"slurm not a number", slurm("x", "0", "1", "2"), 0, Shard{}, "want a number"},
		{"count without index", nil, 4, Shard{}, "without a task index"},
	} {
		got, err := ShardFromEnv(func(k string) string { return c.env[k] }, c.count)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %v, %v; want %v, %q", c.name, got, err, c.want, c.err)
		}
	}
}

func TestCheckCoverage(t *testing.T) {
	want := []string{"a", "b", "c"}
	loc := func(id, file, seed string) Located { return Located{ID: id, File: file, Seed: seed} }
	var ce *CoverageError
	if err := CheckCoverage(want, []Located{loc("c", "1", "0"), loc("a", "0", "0"), loc("b", "0", "0")}, false); err != nil {
		t.Errorf("complete shards: %v", err)
	}
	err := CheckCoverage(want, []Located{loc("a", "0", "0"), loc("a", "1", "0"), loc("z", "1", "0")}, false)
	if !errors.As(err, &ce) || !slices.Equal(ce.Missing, []string{"b", "c"}) || len(ce.Duplicated) != 1 ||
		!slices.Equal(ce.Duplicated[0].Files, []string{"0", "1"}) || len(ce.Unknown) != 1 || ce.Unknown[0].ID != "z" {
		t.Errorf("missing, duplicated, unknown: %#v", err)
	}
	if err := CheckCoverage(nil, []Located{loc("a", "0", "1"), loc("a", "1", "2")}, true); err != nil {
		t.Errorf("repeats with seeds 1 and 2: %v", err)
	}
	for _, got := range [][]Located{{loc("a", "0", "1"), loc("a", "1", "1")}, {loc("a", "0", ""), loc("a", "1", "2")}} {
		if err := CheckCoverage(nil, got, true); !errors.As(err, &ce) || !ce.Repeats || !strings.Contains(err.Error(), "equal or unknown") {
			t.Errorf("repeats %v: %v, want refused", got, err)
		}
	}
	// The message is cut after ten ids.
	var many []Located
	for i := range 15 {
		many = append(many, loc(fmt.Sprint(i), "0", ""), loc(fmt.Sprint(i), "1", ""))
	}
	if err := CheckCoverage(nil, many, false); err == nil || !strings.Contains(err.Error(), "15 problems held more than once") || !strings.Contains(err.Error(), "… 5 more") {
		t.Errorf("15 duplicates: %v", err)
	}
}

// TestMergeSamplesSettings: shards from runs with other settings are refused, naming them; a
// shard without its sidecar is merged with a warning.
func TestMergeSamplesSettings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, id string, settings map[string]string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(`{"id":"`+id+`","prompt":"q","completions":[{"text":"x","finish_reason":"stop","num_tokens":1,"cumulative_logprob":0}]}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if settings != nil {
			if err := WriteRunInfo(path, RunInfo{Command: "sample", Settings: settings}); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	a := write("a.jsonl", "p0", map[string]string{"seed": "0", "n": "1", "shard": "0/2"})
	b := write("b.jsonl", "p1", map[string]string{"seed": "0", "n": "2", "shard": "1/2"})
	c := write("c.jsonl", "p1", nil)
	out := filepath.Join(dir, "out.jsonl")
	if _, err := MergeSamples([]string{"p0", "p1"}, []string{a, b}, out, MergeOptions{}); err == nil || !strings.Contains(err.Error(), `n: "1" → "2"`) {
		t.Errorf("shards with other --n: %v, want the difference named", err)
	}
	rep, err := MergeSamples([]string{"p0", "p1"}, []string{a, c}, out, MergeOptions{})
	if err != nil || rep.Problems != 2 || rep.Completions != 2 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "no sidecar") {
		t.Errorf("a shard without a sidecar: %+v %v, want merged with a warning", rep, err)
	}
	if _, err := MergeSamples([]string{"p0", "p1"}, []string{a, c}, out, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "already holds samples") {
		t.Errorf("an existing output: %v, want it kept", err)
	}
	if _, err := MergeSamples([]string{"p0"}, []string{a, out}, out, MergeOptions{Mode: Overwrite}); err == nil || !strings.Contains(err.Error(), "one of the inputs") {
		t.Errorf("the output among the inputs: %v", err)
	}
}
