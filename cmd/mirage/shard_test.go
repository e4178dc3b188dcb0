package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// completionsByID reads a samples file as id → its completions (text, tokens, log-prob).
func completionsByID(t *testing.T, path string) map[string][]datasets.Completion {
	t.Helper()
	ss, err := datasets.ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]datasets.Completion{}
	for _, s := range ss {
		if _, dup := out[s.ID]; dup {
			t.Fatalf("%s holds %q twice", path, s.ID)
		}
		out[s.ID] = s.Completions
	}
	return out
}

// TestShardUnion: the shards of a shuffled copy of the data, merged, equal one run over the
// original file with the same seed, for 1, 2 and 3 shards, greedy and sampled; the shard comes
// from --shard, from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, or from a Slurm array's
// variables. mirage merge refuses a missing and a duplicated shard, and --resume another shard.
func TestShardUnion(t *testing.T) {
	needRuntime(t)
	dir := t.TempDir()
	raw, err := os.ReadFile(math500Sample)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	rows = rows[:9]
	data, shuffled := filepath.Join(dir, "data.json"), filepath.Join(dir, "shuffled.json")
	writeJSON := func(path string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		writeText(t, path, string(b))
	}
	writeJSON(data, rows)
	perm := rand.New(rand.NewPCG(3, 4)).Perm(len(rows))
	mixed := make([]map[string]any, len(rows))
	for i, j := range perm {
		mixed[i] = rows[j]
	}
	writeJSON(shuffled, mixed)

	modes := []struct {
		name  string
		flags []string
	}{
		{"greedy", []string{"--temperature", "0", "--n", "1"}},
		{"sampled", []string{"--temperature", "1", "--top-p", "0.9", "--n", "3", "--seed", "11"}},
	}
	for _, m := range modes {
		sample := func(data, out string, extra ...string) error {
			args := append([]string{"sample", "--model", tinyLlamaDir, "--data", data, "--max-new-tokens", "6", "--template", "raw",
				"--batch-size", "4", "--quiet", "--out", out}, m.flags...)
			_, err := mirageOutput(t, "", append(args, extra...)...)
			return err
		}
		ref := filepath.Join(dir, m.name+"-ref.jsonl")
		if err := sample(data, ref); err != nil {
			t.Fatal(err)
		}
		want := completionsByID(t, ref)
		for n := 1; n <= 3; n++ {
			t.Run(fmt.Sprintf("%s/%d shards", m.name, n), func(t *testing.T) {
				var parts []string
				for i := range n {
					part := filepath.Join(dir, fmt.Sprintf("%s-%d-of-%d.jsonl", m.name, i, n))
					var err error
					switch n {
					case 2: // a Kubernetes Indexed Job's pod
						t.Setenv(datasets.EnvJobIndex, fmt.Sprint(i))
						err = sample(shuffled, part, "--shards", "2")
						os.Unsetenv(datasets.EnvJobIndex)
					case 3: // a Slurm array job, --array 4-6
						for k, v := range map[string]int{datasets.EnvSlurmTaskID: 4 + i, datasets.EnvSlurmTaskMin: 4, datasets.EnvSlurmTaskMax: 6, datasets.EnvSlurmTaskCount: 3} {
							t.Setenv(k, fmt.Sprint(v))
						}
						err = sample(shuffled, part)
						for _, k := range []string{datasets.EnvSlurmTaskID, datasets.EnvSlurmTaskMin, datasets.EnvSlurmTaskMax, datasets.EnvSlurmTaskCount} {
							os.Unsetenv(k)
						}
					default:
						err = sample(shuffled, part, "--shard", fmt.Sprintf("%d/%d", i, n))
					}
					if err != nil {
						t.Fatal(err)
					}
					ri, err := datasets.ReadRunInfo(part)
					if wantShard := fmt.Sprintf("%d/%d", i, n); err != nil || (n > 1 && ri.Settings["shard"] != wantShard) || ri.Settings["streams"] == "" {
						t.Errorf("%s sidecar: %+v %v, want shard %q and the stream scheme", part, ri.Settings, err, wantShard)
					}
					parts = append(parts, part)
				}
				merged := filepath.Join(dir, fmt.Sprintf("%s-merged-%d.jsonl", m.name, n))
				if _, err := mirageOutput(t, "", append([]string{"merge", "--data", data, "--out", merged}, parts...)...); err != nil {
					t.Fatal(err)
				}
				if got := completionsByID(t, merged); !reflect.DeepEqual(got, want) {
					t.Errorf("merged shards differ from the single run:\n got %v\nwant %v", got, want)
				}
				ss, _ := datasets.ReadSamples(merged)
				for i, s := range ss {
					if s.ID != rows[i]["unique_id"] {
						t.Errorf("merged line %d is %q, want the data file's order (%q)", i, s.ID, rows[i]["unique_id"])
					}
				}
				if ri, err := datasets.ReadRunInfo(merged); err != nil || ri.Settings["shard"] != "" || ri.Settings["seed"] == "" {
					t.Errorf("merged sidecar %+v %v: want the run's settings without the shard", ri.Settings, err)
				}
				if n < 3 {
					return
				}
				out := filepath.Join(dir, m.name+"-bad.jsonl")
				_, err := mirageOutput(t, "", "merge", "--data", data, "--out", out, parts[0], parts[2])
				if err == nil || !strings.Contains(err.Error(), "3 problems missing") {
					t.Errorf("merge without shard 1/3: %v, want its 3 problems missing", err)
				}
				_, err = mirageOutput(t, "", "merge", "--data", data, "--out", out, parts[0], parts[1], parts[2], parts[1])
				if err == nil || !strings.Contains(err.Error(), "3 problems held more than once") || !strings.Contains(err.Error(), parts[1]+" and "+parts[1]) {
					t.Errorf("merge with shard 1/3 twice: %v, want its 3 problems named as duplicated", err)
				}
				_, err = mirageOutput(t, "", "merge", "--data", data, "--out", out, "--repeats", parts[0], parts[1], parts[2], parts[1])
				if err == nil || !strings.Contains(err.Error(), "seeds are equal or unknown") {
					t.Errorf("merge --repeats with shard 1/3 twice: %v, want the equal seeds refused", err)
				}
				if _, err := os.Stat(out); err == nil {
					t.Errorf("a refused merge left %s", out)
				}
				if err := sample(shuffled, parts[1], "--shard", "2/3", "--resume"); err == nil || !strings.Contains(err.Error(), `shard: "1/3" → "2/3"`) {
					t.Errorf("--resume of shard 1/3's file as shard 2/3: %v, want the shard change refused", err)
				}
			})
		}
	}

	// Repeated runs with different seeds add samples: --repeats concatenates them.
	a, b := filepath.Join(dir, "seed1.jsonl"), filepath.Join(dir, "seed2.jsonl")
	for i, out := range []string{a, b} {
		if _, err := mirageOutput(t, "", "sample", "--model", tinyLlamaDir, "--data", data, "--max-new-tokens", "4", "--template", "raw",
			"--n", "2", "--temperature", "1", "--seed", fmt.Sprint(i+1), "--quiet", "--out", out); err != nil {
			t.Fatal(err)
		}
	}
	more := filepath.Join(dir, "more.jsonl")
	if _, err := mirageOutput(t, "", "merge", "--data", data, "--out", more, "--repeats", a, b); err != nil {
		t.Fatal(err)
	}
	ca, cb, cm := completionsByID(t, a), completionsByID(t, b), completionsByID(t, more)
	for id, c := range cm {
		if !reflect.DeepEqual(c, append(append([]datasets.Completion(nil), ca[id]...), cb[id]...)) {
			t.Errorf("%q: --repeats gave %d completions, want seed 1's then seed 2's", id, len(c))
		}
	}
	if ri, err := datasets.ReadRunInfo(more); err != nil || ri.Settings["seed"] != "1,2" {
		t.Errorf("--repeats sidecar %+v %v, want seed 1,2", ri.Settings, err)
	}
}

func TestShardFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--shard", "3/3"}, nil, "index 3 of 3 shards"},
		{[]string{"--shard", "one/two"}, nil, "want I/N"},
		{nil, map[string]string{datasets.EnvJobIndex: "1"}, "--shards N"},
		{[]string{"--shards", "4"}, nil, "without a task index"},
		{nil, map[string]string{datasets.EnvSlurmTaskID: "2", datasets.EnvSlurmTaskMin: "0", datasets.EnvSlurmTaskMax: "8", datasets.EnvSlurmTaskCount: "5", datasets.EnvSlurmTaskStep: "2"}, "step"},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		_, err := mirageOutput(t, "", append([]string{"sample", "--model", tinyLlamaDir, "--data", math500Sample, "--out", filepath.Join(t.TempDir(), "s.jsonl")}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v, want an error with %q", c.args, c.env, err, c.want)
		}
		for k := range c.env {
			os.Unsetenv(k)
		}
	}
}

// mirage merge --out that is --data (or a link to it) is refused, with --overwrite too: it
// replaced the problems file with the merged samples.
func TestMergeOutIsData(t *testing.T) {
	dir := t.TempDir()
	data, link := filepath.Join(dir, "problems.jsonl"), filepath.Join(dir, "link.jsonl")
	const problems = `{"id": "a", "prompt": "2+2=", "ground_truth": "4"}` + "\n"
	writeText(t, data, problems)
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Join(dir, "shard.jsonl")
	writeText(t, shard, `{"id": "a", "prompt": "2+2=", "ground_truth": "4", "completions": [{"text": "4", "finish_reason": "stop", "num_tokens": 1}]}`+"\n")
	for _, out := range []string{data, link} {
		_, err := mirageOutput(t, "", "merge", shard, "--data", data, "--out", out, "--overwrite")
		if err == nil || !strings.Contains(err.Error(), "is the --data file") {
			t.Errorf("--out %s: %v; want it refused as the --data file", out, err)
		}
	}
	if b, _ := os.ReadFile(data); string(b) != problems {
		t.Errorf("the data file now holds %q", b)
	}
}
