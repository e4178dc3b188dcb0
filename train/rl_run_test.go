package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
	"github.com/mirage-rl/mirage/verify"
)

// TestRunRLChecksOptionsFirst checks that RunRL refuses bad options before it reads anything:
// the model folder does not exist, so an error about the option (not the folder) proves the
// check came first, and the output folder stays untouched.
func TestRunRLChecksOptionsFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rl")
	base := RLOptions{ModelDir: filepath.Join(t.TempDir(), "missing"), Data: "missing.jsonl", OutDir: out}
	for _, c := range []struct {
		edit func(*RLOptions)
		want string
	}{
		{func(o *RLOptions) { o.Config.N = -1 }, "--n -1"},
		{func(o *RLOptions) { o.Verify = verify.Options{FormatPenalty: -1} }, "--format-penalty"},
		{func(o *RLOptions) { o.Verify = verify.Options{Grader: "exact"} }, `grader "exact"`},
		{func(o *RLOptions) { o.Sampler = sampler.ModelOptions{Device: "tpu"} }, `device "tpu"`},
		{func(o *RLOptions) { o.Sampler = sampler.ModelOptions{Threads: -2} }, "--threads -2"},
		{func(o *RLOptions) { o.Template = "jinja" }, `--template "jinja"`},
		{func(o *RLOptions) { o.PolicyLayout = "genai" }, `--policy-layout "genai"`},
	} {
		o := base
		c.edit(&o)
		if _, err := RunRL(context.Background(), o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one naming %s", err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused run left %s (%v)", out, err)
	}
	// With good options the first error is the missing model folder.
	if _, err := RunRL(context.Background(), base); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing model folder: err = %v", err)
	}
}

// The policy layout is a run setting --resume compares (it changes the sampler's last bits), but
// the default adds nothing, so runs from before the option resume.
func TestRunSettingsPolicyLayout(t *testing.T) {
	settings := func(layout string) datasets.RunInfo {
		ri, err := runSettings(RLOptions{PolicyLayout: layout}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ri
	}
	if d := settings("").Diff(settings(LayoutStandard)); len(d) != 0 {
		t.Errorf("default vs standard: %v, want no difference", d)
	}
	if d := settings(LayoutStandard).Diff(settings(LayoutORT)); len(d) != 1 || !strings.Contains(d[0], "policy layout") {
		t.Errorf("standard vs ort: %v, want the policy layout named", d)
	}
}
