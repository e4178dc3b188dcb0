package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
