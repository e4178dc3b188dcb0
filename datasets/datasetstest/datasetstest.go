// Package datasetstest holds test helpers for samples files, shared by the tests of the
// packages that write them (sampler, cmd/mirage).
package datasetstest

import (
	"math"
	"reflect"
	"testing"

	"github.com/mirage-rl/mirage/datasets"
)

// SameSamples fails t unless the samples files got and want hold the same lines in the same
// order. Completions' cumulative log-probs may differ by up to tol: the batch around a problem
// changes the order of floating-point sums in the last digits.
func SameSamples(t testing.TB, got, want string, tol float64) {
	t.Helper()
	g, err := datasets.ReadSamples(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := datasets.ReadSamples(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != len(w) {
		t.Fatalf("%s has %d lines, %s %d", got, len(g), want, len(w))
	}
	for i := range g {
		if len(g[i].Completions) == len(w[i].Completions) {
			for j := range g[i].Completions {
				gc, wc := &g[i].Completions[j], &w[i].Completions[j]
				if math.Abs(gc.CumulativeLogprob-wc.CumulativeLogprob) > tol {
					t.Errorf("line %d completion %d: logprob %v, want %v (±%g)", i+1, j, gc.CumulativeLogprob, wc.CumulativeLogprob, tol)
				}
				gc.CumulativeLogprob = wc.CumulativeLogprob
			}
		}
		if !reflect.DeepEqual(g[i], w[i]) {
			t.Errorf("line %d:\n got %+v\nwant %+v", i+1, g[i], w[i])
		}
	}
}
