package sampler_test

import (
	"math"
	"strings"
	"testing"

	"github.com/mirage-rl/mirage/sampler"
)

// Options from user input are refused outside vLLM's ranges, naming the flag and the value.
func TestOptionsValidate(t *testing.T) {
	ok := sampler.RunOptions{N: 1, BatchSize: 1, Choice: sampler.Choice{TopP: 1}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("%+v: %v", ok, err)
	}
	for _, tc := range []struct {
		change func(*sampler.RunOptions)
		want   string
	}{
		{func(o *sampler.RunOptions) { o.N = 0 }, "--n 0; want at least 1"},
		{func(o *sampler.RunOptions) { o.Temperature = math.Inf(1) }, "--temperature +Inf"},
		{func(o *sampler.RunOptions) { o.Temperature = math.NaN() }, "--temperature NaN"},
		{func(o *sampler.RunOptions) { o.TopP = 0 }, "--top-p 0"},
		{func(o *sampler.RunOptions) { o.TopK = -1 }, "--top-k -1"},
		{func(o *sampler.RunOptions) { o.MinP = 1.5 }, "--min-p 1.5"},
		{func(o *sampler.RunOptions) { o.MaxNewTokens = -1 }, "--max-new-tokens -1"},
		{func(o *sampler.RunOptions) { o.BatchSize = 0 }, "--batch-size 0"},
		{func(o *sampler.RunOptions) { o.Template = "jinja" }, `--template "jinja"`},
	} {
		o := ok
		tc.change(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate = %v; want %q", err, tc.want)
		}
	}
	for _, tc := range []struct {
		opts sampler.ModelOptions
		want string
	}{
		{sampler.ModelOptions{Device: "tpu"}, `unknown device "tpu"`},
		{sampler.ModelOptions{Threads: -1}, "--threads -1"},
		{sampler.ModelOptions{Device: "cuda", DeviceID: -1}, "device id -1"},
	} {
		if err := tc.opts.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: Validate = %v; want %q", tc.opts, err, tc.want)
		}
	}
	if err := (sampler.ModelOptions{Device: "CUDA", Threads: 4}).Validate(); err != nil {
		t.Errorf("CUDA, 4 threads: %v", err)
	}
}
