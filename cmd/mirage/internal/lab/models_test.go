package lab

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mirage-rl/mirage/passk"
	"github.com/mirage-rl/mirage/sampler"
)

// shippedModels is where `make models` puts the built-in models.
var shippedModels = envOr("MIRAGE_LAB_MODELS", "../../../../testdata/lab-models")

func needRuntime(t *testing.T) {
	t.Helper()
	if _, err := sampler.InitRuntime(); err != nil {
		t.Skipf("no ONNX Runtime (run `make ort`): %v", err)
	}
}

func passAt(a *passk.Alignment, k int) float64 {
	for _, p := range a.Report.PassAtK {
		if p.K == k {
			return p.Value
		}
	}
	return -1
}

// TestShippedModelsAlignmentGap measures each shipped model on its two tasks (64 evaluation
// problems × 64 samples each, the main job's setting) and asserts the gap the study rests on:
// strongly aligned with one task (pass@64 ≥ 0.8 and pass@1 at least 0.2 below it, so sampling
// more finds answers one sample misses) and weakly with the other (pass@64 ≤ 0.2). A rebuild of
// the models that loses the gap fails here.
func TestShippedModelsAlignmentGap(t *testing.T) {
	needRuntime(t)
	for _, spec := range Models {
		dir := filepath.Join(shippedModels, spec.Name)
		t.Run(spec.Name, func(t *testing.T) {
			strong, err := Measure(context.Background(), dir, spec.Strong, MeasureOptions{Resamples: -1}, "")
			if err != nil {
				t.Fatal(err)
			}
			weak, err := Measure(context.Background(), dir, spec.Weak, MeasureOptions{Resamples: -1}, "")
			if err != nil {
				t.Fatal(err)
			}
			s1, s64, w1, w64 := passAt(strong, 1), passAt(strong, 64), passAt(weak, 1), passAt(weak, 64)
			t.Logf("%s: pass@1 %.3f pass@64 %.3f (%s); %s: pass@1 %.3f pass@64 %.3f (%s)",
				spec.Strong, s1, s64, strong.Verdict, spec.Weak, w1, w64, weak.Verdict)
			if strong.Verdict != passk.Strong || s64 < 0.8 || s1 > s64-0.2 {
				t.Errorf("%s: want strong alignment with pass@64 ≥ 0.8 and pass@1 ≤ pass@64 − 0.2", spec.Strong)
			}
			if weak.Verdict != passk.Weak || w64 > 0.2 {
				t.Errorf("%s: want weak alignment with pass@64 ≤ 0.2", spec.Weak)
			}
		})
	}
}

// envOr lets a test run on models built elsewhere (MIRAGE_LAB_MODELS=/tmp/models) before they
// are shipped.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
