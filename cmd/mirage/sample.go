package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
)

func sampleCommand() *cli.Command {
	return &cli.Command{
		Name:      "sample",
		Usage:     "sample completions from an ONNX model through ONNX Runtime into samples.jsonl",
		ArgsUsage: " ",
		Description: `Reads problems (verl parquet, JSONL or a JSON array), renders each prompt (chat template by
default), and samples --n completions per problem with a KV-cached, continuously batched decoder.
samples.jsonl gets one line per problem, written and flushed as each finishes; --resume continues
a killed run without repeating or losing a problem. The run's model and sampling flags are
recorded beside it (samples.jsonl.run.json), and --resume refuses other ones (--batch-size,
--threads and --device may change). An --out that already holds samples is never
overwritten without --overwrite. The same --seed gives the same completions
whatever --batch-size.

Examples:
   mirage sample --model testdata/models/tiny-llama --data testdata/data/math500_sample.json --out samples.jsonl
   mirage sample --model qwen2.5-0.5b-instruct-onnx --data aime.parquet --out s.jsonl --n 64 --temperature 1 --top-p 1
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --template raw --stop "</answer>" --stop "\n\n\n"
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --resume          # after a kill or Ctrl-C
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --overwrite       # discard s.jsonl, start again
   MIRAGE_ORT_LIB=/opt/ort-gpu/lib/libonnxruntime.so mirage sample --device cuda --model DIR --data d.json --out s.jsonl

The ONNX Runtime library is $MIRAGE_ORT_LIB, else the one ` + "`make ort`" + ` fetched.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "model folder (model.onnx + tokenizer.json + config.json or genai_config.json)", Required: true},
			&cli.StringFlag{Name: "data", Usage: "problems: verl `FILE`.parquet, .jsonl or .json", Required: true},
			&cli.StringFlag{Name: "out", Usage: "samples.jsonl to write", Value: "samples.jsonl"},
			&cli.IntFlag{Name: "n", Usage: "completions per problem", Value: 16},
			&cli.Float64Flag{Name: "temperature", Usage: "sampling temperature; 0 is greedy", Value: 0.6},
			&cli.Float64Flag{Name: "top-p", Usage: "nucleus sampling mass (1: off)", Value: 0.95},
			&cli.IntFlag{Name: "top-k", Usage: "keep the k most likely tokens (0: off)"},
			&cli.Float64Flag{Name: "min-p", Usage: "drop tokens less likely than min-p × the most likely (0: off)"},
			&cli.IntFlag{Name: "max-new-tokens", Usage: "tokens per completion at most (0: until the context is full)", Value: 4096},
			&cli.Uint64Flag{Name: "seed", Usage: "random seed (same seed, model and flags: same output)"},
			&cli.StringSliceFlag{Name: "stop", Usage: `stop string (repeatable; \n, \t, \\ and \" are unescaped); the text is cut before it`},
			&cli.IntFlag{Name: "batch-size", Usage: "sequences decoded together", Value: 32},
			&cli.StringFlag{Name: "template", Usage: "chat (the model's chat template), raw (text + BOS) or none (text only)", Value: "chat"},
			&cli.StringFlag{Name: "system", Usage: "system prompt to prepend"},
			&cli.StringFlag{Name: "device", Usage: "cpu or cuda (needs a CUDA build of ONNX Runtime in $MIRAGE_ORT_LIB)", Value: "cpu"},
			&cli.IntFlag{Name: "threads", Usage: "ONNX Runtime threads on the CPU (0: one per core)"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the samples file (mirage align: OUT-DIR/samples.jsonl), skipping problems it already holds"},
			&cli.BoolFlag{Name: "overwrite", Usage: "start the samples file afresh even if it holds samples (they are lost)"},
			&cli.IntFlag{Name: "limit", Usage: "use only the first N problems (0: all)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		},
		Action: sampleAction,
	}
}

func sampleAction(c *cli.Context) error {
	p, err := sampleFile(c, c.String("out"))
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "wrote %d problems × %d completions to %s: %d tokens in %s (%.0f tokens/s)\n",
			p.Done, c.Int("n"), c.String("out"), p.Tokens, p.Elapsed.Round(time.Millisecond), float64(p.Tokens)/max(p.Elapsed.Seconds(), 1e-9))
	}
	return nil
}

// sampleFile does what mirage sample's flags ask, writing (or with --resume, continuing) the
// samples file path; mirage align samples through it too. It returns Run's last progress.
func sampleFile(c *cli.Context, path string) (sampler.Progress, error) {
	opts, err := runOptionsFromFlags(c)
	if err != nil {
		return sampler.Progress{}, err
	}
	if err := keepExisting(c, path, "samples"); err != nil {
		return sampler.Progress{}, err
	}
	ri, err := runInfo(c, map[string]string{
		"n": strconv.Itoa(opts.N), "temperature": fmtFloat(opts.Temperature), "top-p": fmtFloat(opts.TopP),
		"top-k": strconv.Itoa(opts.TopK), "min-p": fmtFloat(opts.MinP), "max-new-tokens": strconv.Itoa(opts.MaxNewTokens),
		"seed": strconv.FormatUint(opts.Seed, 10), "stop": jsonText(opts.StopStrings), "template": opts.Template, "system": opts.System,
	})
	if err != nil {
		return sampler.Progress{}, err
	}
	if err := sameSettings(c, path, ri); err != nil {
		return sampler.Progress{}, err
	}
	problems, err := datasets.ReadProblems(c.String("data"))
	if err != nil {
		return sampler.Progress{}, err
	}
	if n := c.Int("limit"); n > 0 && n < len(problems) {
		problems = problems[:n]
	}
	m, err := sampler.Open(c.Context, c.String("model"), sampler.ModelOptions{Device: c.String("device"), Threads: c.Int("threads")})
	if err != nil {
		return sampler.Progress{}, err
	}
	defer m.Close()
	var out *datasets.SampleWriter
	if c.Bool("resume") {
		out, err = datasets.ResumeSamples(path)
		if err == nil {
			err = sameN(c.Command.Name, path, out.CompletionCounts(), opts.N)
			if err != nil {
				out.Close()
			}
		}
	} else {
		out, err = datasets.CreateSamples(path)
	}
	if err == nil {
		if err = datasets.WriteRunInfo(path, ri); err != nil {
			out.Close()
			dropEmpty(path)
		}
	}
	if err != nil {
		return sampler.Progress{}, err
	}
	bar := newSampleBar(c.Bool("quiet"))
	runErr := sampler.Run(c.Context, m, problems, opts, out, bar.update)
	bar.finish()
	if err := errors.Join(runErr, out.Close()); err != nil {
		dropEmpty(path)
		if c.Context.Err() != nil {
			return bar.last, fmt.Errorf("%s: interrupted; the samples written to %s are kept, continue with --resume: %w", c.Command.Name, path, err)
		}
		return bar.last, err
	}
	return bar.last, nil
}

// keepExisting refuses an output file that already holds results (what) unless --resume or
// --overwrite says what to do with it: a rerun that forgot --resume must not wipe hours of work,
// and it is checked before anything is loaded.
func keepExisting(c *cli.Context, path, what string) error {
	if c.Bool("resume") || c.Bool("overwrite") {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return fmt.Errorf("%s: %s already holds %s (%d bytes); continue it with --resume, or start afresh with --overwrite", c.Command.Name, path, what, fi.Size())
	}
	return nil
}

// runInfo is the sidecar of a results file written by c's command: the model (folder and a
// fingerprint of its files) and the given settings, which must match on --resume, and the flags
// the output does not depend on (batch size, threads, device: speed only) and the mirage build,
// which are recorded but may change.
func runInfo(c *cli.Context, settings map[string]string) (datasets.RunInfo, error) {
	ri := datasets.RunInfo{Command: c.Command.Name, Settings: settings, Info: map[string]string{
		"batch-size": strconv.Itoa(c.Int("batch-size")), "threads": strconv.Itoa(c.Int("threads")), "device": c.String("device"),
		"mirage": mirageBuild(),
	}}
	dir, err := filepath.Abs(c.String("model"))
	if err != nil {
		return ri, fmt.Errorf("%s: %w", c.Command.Name, err)
	}
	settings["model"] = dir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ri, fmt.Errorf("%s: --model: %w", c.Command.Name, err)
	}
	// The files that decide the model's output: graph, weights, tokenizer, configs. Size and
	// time of change, not a hash: model.onnx.data can be gigabytes.
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !(strings.Contains(name, ".onnx") || strings.HasSuffix(name, ".data") ||
			slices.Contains([]string{"tokenizer.json", "tokenizer_config.json", "config.json", "genai_config.json", "generation_config.json"}, name)) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return ri, fmt.Errorf("%s: --model: %w", c.Command.Name, err)
		}
		settings["model file "+name] = fmt.Sprintf("%d bytes, changed %s", fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano))
	}
	return ri, nil
}

// sameSettings, on --resume of a file that holds results, refuses to continue it when the
// settings its sidecar recorded differ from this run's (ri): the file would mix two
// distributions. A file without a sidecar (written by an older mirage) resumes with a warning.
func sameSettings(c *cli.Context, path string, ri datasets.RunInfo) error {
	if !c.Bool("resume") {
		return nil
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil // nothing to continue: a fresh start
	}
	side := datasets.RunInfoPath(path)
	old, err := datasets.ReadRunInfo(path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(c.App.ErrWriter, "%s: warning: %s has no %s (written before mirage recorded run settings): cannot check that this run's flags and model are those of the run that wrote it\n", c.Command.Name, path, side)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: cannot resume %s: %w (delete it to resume without the check)", c.Command.Name, path, err)
	}
	if d := old.Diff(ri); len(d) > 0 {
		return fmt.Errorf("%s: cannot resume %s: these settings differ from the run that wrote it (%s), and one file would mix two distributions:\n  %s\nresume with that run's flags and model, or start afresh with --overwrite (--batch-size, --threads and --device may differ: they change the speed, not the output; if only the model folder moved, delete %s)",
			c.Command.Name, path, side, strings.Join(d, "\n  "), side)
	}
	return nil
}

// mirageBuild names the mirage build (module version and VCS revision) for the sidecar.
func mirageBuild() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || (s.Key == "vcs.modified" && s.Value == "true") {
			v += " " + s.Key + "=" + s.Value
		}
	}
	return v
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// jsonText is v as JSON, for settings that are lists; < > & stay as they are (a stop string
// like </answer> reads as itself in the sidecar and in errors).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // strings only: cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

// dropEmpty removes the results file at path and its sidecar if the file is empty: a run that
// failed before writing a result leaves nothing behind that looks like one.
func dropEmpty(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		os.Remove(path)
		os.Remove(datasets.RunInfoPath(path))
	}
}

// sameN refuses to resume a samples file whose problems have another number of completions
// than --n asks for: the file would mix sample sizes, and pass@k's default k would silently shrink.
func sameN(cmd, path string, counts map[int]int, n int) error {
	for have, problems := range counts {
		if have != n {
			return fmt.Errorf("%s: cannot resume %s: %d of its problems have %d completions, but --n is %d; resume with the first run's flags", cmd, path, problems, have, n)
		}
	}
	return nil
}

// runOptionsFromFlags reads the sampling flags of mirage sample and rejects values outside
// their ranges (as vLLM's SamplingParams does) instead of quietly sampling something else:
// sampler.RunOptions reads 0 as "default", so --n 0 or --batch-size -1 would otherwise run.
func runOptionsFromFlags(c *cli.Context) (sampler.RunOptions, error) {
	for _, r := range []struct {
		flag string
		ok   bool
		want string
	}{
		{"n", c.Int("n") >= 1, "at least 1"},
		{"temperature", c.Float64("temperature") >= 0 && !math.IsInf(c.Float64("temperature"), 1), "0 (greedy) or more"},
		{"top-p", c.Float64("top-p") > 0 && c.Float64("top-p") <= 1, "0 < top-p ≤ 1 (1: off)"},
		{"top-k", c.Int("top-k") >= 0, "0 (off) or a positive k"},
		{"min-p", c.Float64("min-p") >= 0 && c.Float64("min-p") <= 1, "0 ≤ min-p ≤ 1 (0: off)"},
		{"max-new-tokens", c.Int("max-new-tokens") >= 0, "0 (until the context is full) or more"},
		{"batch-size", c.Int("batch-size") >= 1, "at least 1"},
		{"threads", c.Int("threads") >= 0, "0 (one per core) or more"},
		{"limit", c.Int("limit") >= 0, "0 (all) or more"},
	} {
		if !r.ok {
			return sampler.RunOptions{}, fmt.Errorf("%s: --%s %v; want %s", c.Command.Name, r.flag, c.Value(r.flag), r.want)
		}
	}
	return sampler.RunOptions{
		Choice:       sampler.Choice{Temperature: c.Float64("temperature"), TopP: c.Float64("top-p"), TopK: c.Int("top-k"), MinP: c.Float64("min-p")},
		N:            c.Int("n"),
		MaxNewTokens: c.Int("max-new-tokens"),
		Seed:         c.Uint64("seed"),
		BatchSize:    c.Int("batch-size"),
		StopStrings:  unescapeAll(c.StringSlice("stop")),
		Template:     c.String("template"),
		System:       c.String("system"),
	}, nil
}

// unescapeAll turns the escapes a shell leaves alone (\n, \t, \\, \", \uXXXX) into their
// characters, so --stop "\n\n" means two newlines; a string that is not a valid Go string body
// is taken as is.
func unescapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s
		if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
			out[i] = u
		}
	}
	return out
}

// sampleBar draws Run's progress and keeps the last report.
type sampleBar struct {
	stderrBar
	last sampler.Progress
}

func newSampleBar(quiet bool) *sampleBar {
	return &sampleBar{stderrBar: newStderrBar(quiet, progressbar.OptionShowIts(), progressbar.OptionSetItsString("problems"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetDescription("sampling"))}
}

func (b *sampleBar) update(p sampler.Progress) {
	b.last = p
	desc := ""
	if s := p.Elapsed.Seconds(); s > 0 {
		desc = fmt.Sprintf("%.0f tokens/s", float64(p.Tokens)/s)
	}
	b.set(p.Done, p.Total, desc)
}
