package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
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
	opts, mopts, err := runOptionsFromFlags(c)
	if err != nil {
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
	mode := outputMode(c)
	if err := checkResults(c, path, "samples", mode, ri); err != nil {
		return sampler.Progress{}, err
	}
	problems, err := datasets.ReadProblems(c.String("data"))
	if err != nil {
		return sampler.Progress{}, err
	}
	if n := c.Int("limit"); n > 0 && n < len(problems) {
		problems = problems[:n]
	}
	m, err := sampler.Open(c.Context, c.String("model"), mopts)
	if err != nil {
		return sampler.Progress{}, err
	}
	defer m.Close()
	out, err := datasets.OpenSamples(path, mode, ri, opts.N)
	if err != nil {
		return sampler.Progress{}, err
	}
	bar := newSampleBar(c.Bool("quiet"))
	runErr := sampler.Run(c.Context, m, problems, opts, out, bar.update)
	bar.finish()
	if runErr != nil {
		out.Abandon()
		if c.Context.Err() != nil {
			return bar.last, fmt.Errorf("%s: interrupted; the samples written to %s are kept, continue with --resume: %w", c.Command.Name, path, runErr)
		}
		return bar.last, runErr
	}
	if err := out.Close(); err != nil {
		return bar.last, err
	}
	return bar.last, nil
}

// outputMode is what --resume and --overwrite say to do with an output that holds results.
func outputMode(c *cli.Context) datasets.Mode {
	switch {
	case c.Bool("resume"):
		return datasets.Resume
	case c.Bool("overwrite"):
		return datasets.Overwrite
	}
	return datasets.Keep
}

// checkResults runs datasets.CheckResults before anything is loaded and prints its warning.
func checkResults(c *cli.Context, path, what string, mode datasets.Mode, ri datasets.RunInfo) error {
	warning, err := datasets.CheckResults(path, what, mode, ri)
	if warning != "" {
		fmt.Fprintf(c.App.ErrWriter, "%s: warning: %s\n", c.Command.Name, warning)
	}
	return err
}

// runInfo is the sidecar of a results file written by c's command: the model (folder and a
// fingerprint of its files) and the given settings, which must match on --resume, and the flags
// the output does not depend on (batch size, threads, device: speed only) and the mirage build,
// which are recorded but may change.
func runInfo(c *cli.Context, settings map[string]string) (datasets.RunInfo, error) {
	fp, err := sampler.ModelFingerprint(c.String("model"))
	if err != nil {
		return datasets.RunInfo{}, fmt.Errorf("%s: --model: %w", c.Command.Name, err)
	}
	maps.Copy(settings, fp)
	return datasets.RunInfo{Command: c.Command.Name, Settings: settings, Info: map[string]string{
		"batch-size": strconv.Itoa(c.Int("batch-size")), "threads": strconv.Itoa(c.Int("threads")), "device": c.String("device"),
		"mirage": mirageBuild(),
	}}, nil
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

// runOptionsFromFlags reads the sampling and model flags of mirage sample and rejects values
// outside their ranges (RunOptions.Validate, ModelOptions.Validate) instead of quietly sampling
// something else: sampler.RunOptions reads 0 as "default", so --n 0 would otherwise run.
func runOptionsFromFlags(c *cli.Context) (sampler.RunOptions, sampler.ModelOptions, error) {
	opts := sampler.RunOptions{
		Choice:       sampler.Choice{Temperature: c.Float64("temperature"), TopP: c.Float64("top-p"), TopK: c.Int("top-k"), MinP: c.Float64("min-p")},
		N:            c.Int("n"),
		MaxNewTokens: c.Int("max-new-tokens"),
		Seed:         c.Uint64("seed"),
		BatchSize:    c.Int("batch-size"),
		StopStrings:  unescapeAll(c.StringSlice("stop")),
		Template:     c.String("template"),
		System:       c.String("system"),
	}
	mopts := sampler.ModelOptions{Device: c.String("device"), Threads: c.Int("threads")}
	if err := opts.Validate(); err != nil {
		return opts, mopts, err
	}
	if err := mopts.Validate(); err != nil {
		return opts, mopts, err
	}
	if n := c.Int("limit"); n < 0 {
		return opts, mopts, fmt.Errorf("%s: --limit %d; want 0 (all) or more", c.Command.Name, n)
	}
	return opts, mopts, nil
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
