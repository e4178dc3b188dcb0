package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/mirage-rl/mirage/datasets"
)

// TestMirageHelperProcess is not a test: the deploy and signal tests run the test binary with
// only this function selected as the mirage binary (main's run, with the arguments after "--").
func TestMirageHelperProcess(t *testing.T) {
	if os.Getenv("MIRAGE_HELPER_MAIN") != "1" {
		t.Skip("helper process for the deploy tests")
	}
	args := os.Args
	if i := slices.Index(args, "--"); i >= 0 {
		args = args[i+1:]
	}
	os.Exit(run(append([]string{"mirage"}, args...)))
}

// startMirage starts this test binary as `mirage ARGS...` in its own process (through
// TestMirageHelperProcess) and returns it with a scanner over its stderr; the process is killed
// when the test ends.
func startMirage(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, append([]string{"-test.run=^TestMirageHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "MIRAGE_HELPER_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, bufio.NewScanner(stderr)
}

// mirageOnPath writes an executable "mirage" into a temporary folder that runs this test binary
// as mirage, and returns the folder.
func mirageOnPath(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nMIRAGE_HELPER_MAIN=1 exec %q -test.run='^TestMirageHelperProcess$' -- \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(dir, "mirage"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkMirageFlags checks that every --flag given to a mirage command in text (a script or a
// manifest's shell lines, continuation lines joined) is a flag of that command.
func checkMirageFlags(t *testing.T, name, text string) {
	t.Helper()
	commands := map[string]*cli.Command{}
	for _, c := range newApp().Commands {
		commands[c.Name] = c
	}
	var code []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			code = append(code, l)
		}
	}
	text = strings.ReplaceAll(strings.Join(code, "\n"), "\\\n", " ")
	calls := regexp.MustCompile(`(?m)(?:mirage|"\$MIRAGE") (\w[\w-]*)([^\n]*)`).FindAllStringSubmatch(text, -1)
	if len(calls) == 0 {
		t.Errorf("%s: no mirage command found", name)
	}
	for _, m := range calls {
		cmd, ok := commands[m[1]]
		if !ok {
			t.Errorf("%s: mirage %s is not a mirage command", name, m[1])
			continue
		}
		var flags []string
		for _, f := range cmd.Flags {
			flags = append(flags, f.Names()...)
		}
		for _, tok := range regexp.MustCompile(`--([a-z][\w-]*)`).FindAllStringSubmatch(m[2], -1) {
			if !slices.Contains(flags, tok[1]) {
				t.Errorf("%s: mirage %s has no flag --%s", name, m[1], tok[1])
			}
		}
	}
}

// k8sJob is the part of a batch/v1 Job the manifest test reads.
type k8sJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    *int   `yaml:"completions"`
		Parallelism    *int   `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				RestartPolicy  string         `yaml:"restartPolicy"`
				InitContainers []k8sContainer `yaml:"initContainers"`
				Containers     []k8sContainer `yaml:"containers"`
				Volumes        []struct {
					Name string `yaml:"name"`
					PVC  *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

// TestDeployKubernetes parses deploy/k8s-align-job.yaml: two valid batch/v1 Jobs, the first an
// Indexed Job whose --shards is its completions, the second the merge, whose wait counts as
// many shards; every container has an image and a command, every mount a volume on the shared
// claim, and every mirage flag exists.
func TestDeployKubernetes(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/k8s-align-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true) // a misspelt field is an error here, as kubectl's strict validation
	var jobs []k8sJob
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("YAML: %v", err)
		}
		b, _ := yaml.Marshal(doc)
		var j k8sJob
		if err := yaml.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d documents, want the align Job and the merge Job", len(jobs))
	}
	for _, j := range jobs {
		ps := j.Spec.Template.Spec
		if j.APIVersion != "batch/v1" || j.Kind != "Job" || j.Metadata.Name == "" {
			t.Errorf("document %q: %s %s, want a named batch/v1 Job", j.Metadata.Name, j.APIVersion, j.Kind)
		}
		if ps.RestartPolicy != "Never" && ps.RestartPolicy != "OnFailure" {
			t.Errorf("%s: restartPolicy %q; a Job needs Never or OnFailure", j.Metadata.Name, ps.RestartPolicy)
		}
		if len(ps.Containers) == 0 {
			t.Errorf("%s: no containers", j.Metadata.Name)
		}
		volumes := map[string]bool{}
		for _, v := range ps.Volumes {
			volumes[v.Name] = v.PVC != nil && v.PVC.ClaimName != ""
		}
		for _, c := range slices.Concat(ps.InitContainers, ps.Containers) {
			if c.Name == "" || c.Image == "" || len(c.Command) == 0 {
				t.Errorf("%s: container %+v lacks a name, image or command", j.Metadata.Name, c)
			}
			for _, m := range c.VolumeMounts {
				if !volumes[m.Name] || m.MountPath != "/shared" {
					t.Errorf("%s/%s: mount %q at %s is not the shared claim at /shared", j.Metadata.Name, c.Name, m.Name, m.MountPath)
				}
			}
			checkMirageFlagsIfAny(t, j.Metadata.Name+"/"+c.Name, strings.Join(c.Args, "\n"))
		}
	}
	align, merge := jobs[0], jobs[1]
	n := align.Spec.Completions
	if align.Spec.CompletionMode != "Indexed" || n == nil || align.Spec.Parallelism == nil || *align.Spec.Parallelism > *n {
		t.Fatalf("align Job: completionMode %q, completions %v, parallelism %v; want an Indexed Job", align.Spec.CompletionMode, n, align.Spec.Parallelism)
	}
	script := strings.Join(align.Spec.Template.Spec.Containers[0].Args, "\n")
	if !strings.Contains(script, fmt.Sprintf("--shards %d ", *n)) || !strings.Contains(script, "$JOB_COMPLETION_INDEX") || !strings.Contains(script, "mirage align") {
		t.Errorf("align Job's script does not run mirage align --shards %d per JOB_COMPLETION_INDEX:\n%s", *n, script)
	}
	var shards string
	for _, e := range merge.Spec.Template.Spec.InitContainers[0].Env {
		if e.Name == "SHARDS" {
			shards = e.Value
		}
	}
	if shards != fmt.Sprint(*n) {
		t.Errorf("merge Job waits for SHARDS=%q shards, want the align Job's %d completions", shards, *n)
	}
	if s := strings.Join(merge.Spec.Template.Spec.Containers[0].Args, "\n"); !strings.Contains(s, "mirage merge") || !strings.Contains(s, "mirage passk") {
		t.Errorf("merge Job does not merge and run passk:\n%s", s)
	}
}

// checkMirageFlagsIfAny checks the mirage flags of a shell snippet that runs mirage.
func checkMirageFlagsIfAny(t *testing.T, name, text string) {
	t.Helper()
	if strings.Contains(text, "mirage ") {
		checkMirageFlags(t, name, text)
	}
}

// TestDeploySlurm checks deploy/slurm-align.sh with bash -n and its mirage flags, then runs it
// as the two tasks of a Slurm array 0-1 would, on the tiny Llama: after task 0 nothing is
// merged; after task 1 OUT/scored.jsonl holds every problem once and passk has written its
// table.
func TestDeploySlurm(t *testing.T) {
	const script = "../../deploy/slurm-align.sh"
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	checkMirageFlags(t, "slurm-align.sh", string(text))
	needRuntime(t)

	dir := t.TempDir()
	problems, err := datasets.ReadProblems(math500Sample)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data.jsonl")
	var lines []string
	for _, p := range problems[:5] {
		lines = append(lines, fmt.Sprintf(`{"id": %q, "prompt": %q, "ground_truth": %q}`, p.ID, p.Prompt.String(), p.GroundTruth))
	}
	writeText(t, data, strings.Join(lines, "\n")+"\n")
	out := filepath.Join(dir, "run")
	bin := mirageOnPath(t)
	run := func(task int) {
		t.Helper()
		cmd := exec.Command(bash, script)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"MODEL="+tinyLlamaDir, "DATA="+data, "OUT="+out, "N=2", "LIMIT=4", "ALIGN_ARGS=--max-new-tokens 4 --template raw --batch-size 4",
			fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", 10+task), "SLURM_ARRAY_TASK_MIN=10", "SLURM_ARRAY_TASK_MAX=11", "SLURM_ARRAY_TASK_COUNT=2")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("task %d: %v\n%s", task, err, b)
		}
	}
	run(0)
	if _, err := os.Stat(filepath.Join(out, "scored.jsonl")); err == nil {
		t.Fatal("merged after the first of two shards")
	}
	run(1)
	merged := completionsByID(t, filepath.Join(out, "scored.jsonl"))
	// LIMIT=4 of the 5 problems: the shards, the merge and pass@k all take the first 4.
	if len(merged) != 4 {
		t.Errorf("merged %d problems, want 4", len(merged))
	}
	for i := range 2 {
		part := completionsByID(t, filepath.Join(out, fmt.Sprintf("shard-%d", i), "scored.jsonl"))
		if len(part) != 2 {
			t.Errorf("shard %d holds %d problems, want 2", i, len(part))
		}
		for id, c := range part {
			if len(c) != 2 || len(merged[id]) != 2 || c[0].Text != merged[id][0].Text {
				t.Errorf("%q: the merged file does not hold shard %d's completions", id, i)
			}
		}
	}
	for _, f := range []string{"passk.csv", "passk.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}
