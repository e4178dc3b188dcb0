package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
	"github.com/mirage-rl/mirage/datasets"
)

// BenchmarkVerifyFile256 is mirage verify's own rate (pipeline.VerifyFile) (read samples.jsonl, grade, write the
// scored file) on the responses verify/serve's BenchmarkServe256 posts to the reward
// service: 64 MATH-500 problems × 4 responses of about 1.5 KB (right and wrong, in and out
// of the think/answer format), 256 verifications per iteration.
func BenchmarkVerifyFile256(b *testing.B) {
	raw, err := os.ReadFile("../../verify/math/testdata/math500_sample.json")
	if err != nil {
		b.Fatal(err)
	}
	var probs []struct {
		Problem string `json:"problem"`
		Answer  string `json:"answer"`
	}
	if err := json.Unmarshal(raw, &probs); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	in, out := filepath.Join(dir, "samples.jsonl"), filepath.Join(dir, "scored.jsonl")
	w, err := datasets.CreateSamples(in)
	if err != nil {
		b.Fatal(err)
	}
	for i, p := range probs[:64] {
		think := strings.Repeat(p.Problem+"\n", 8) + "Step by step."
		s := datasets.Sample{Problem: datasets.Problem{ID: fmt.Sprint(i), GroundTruth: datasets.Answer(p.Answer)}}
		for _, r := range []string{
			"<think>" + think + "</think>\n<answer>" + p.Answer + "</answer>",
			"<think>" + think + "</think>\n<answer>" + fmt.Sprint(i+1000) + "</answer>",
			think + ` So the answer is $\boxed{` + p.Answer + `}$.`,
			think + " I am not sure.",
		} {
			s.Completions = append(s.Completions, datasets.Completion{Text: r, FinishReason: "stop"})
		}
		if err := w.Write(s); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if sum, err := pipeline.VerifyFile(context.Background(), pipeline.VerifyOptions{In: in, Out: out}); err != nil || sum.Completions != 256 || sum.Correct < 64 {
		b.Fatalf("setup: %+v %v", sum, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		if _, err := pipeline.VerifyFile(context.Background(), pipeline.VerifyOptions{In: in, Out: out}); err != nil {
			b.Fatal(err)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(float64(b.N*256)/b.Elapsed().Seconds(), "verifications/s")
	b.ReportMetric(float64(b.N*256)/cpu.Seconds(), "verifications/cpu-s")
}
