package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/cmd/mirage/internal/pipeline"
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
whatever --batch-size: each problem's random streams follow the seed and the problem's id, not
its position, so the same problems in another order, or split into shards, draw the same.

--shard I/N samples only the problems at positions i with i mod N = I, for the tasks of a batch
job; inside a Kubernetes Indexed Job (--shards N with $JOB_COMPLETION_INDEX) or a Slurm array
job ($SLURM_ARRAY_TASK_ID, _MIN, _COUNT) the shard is found without --shard. The sidecar records
the shard, and --resume refuses another one. mirage merge joins the shards' files.

Examples:
   mirage sample --model testdata/models/tiny-llama --data testdata/data/math500_sample.json --out samples.jsonl
   mirage sample --model qwen2.5-0.5b-instruct-onnx --data aime.parquet --out s.jsonl --n 64 --temperature 1 --top-p 1
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --template raw --stop "</answer>" --stop "\n\n\n"
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --resume          # after a kill or Ctrl-C
   mirage sample --model DIR --data problems.jsonl --out s.jsonl --overwrite       # discard s.jsonl, start again
   mirage sample --model DIR --data problems.jsonl --out s-1.jsonl --shard 1/4       # the second of four shards
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
			&cli.StringFlag{Name: "shard", Usage: "take shard I/N of the problems (those at positions i with i mod N = I; default: from $JOB_COMPLETION_INDEX with --shards, or $SLURM_ARRAY_TASK_ID)"},
			&cli.IntFlag{Name: "shards", Usage: "number of shards when the index comes from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions)"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress bar"},
		},
		Action: sampleAction,
	}
}

func sampleAction(c *cli.Context) error {
	o := sampleOptions(c, c.String("out"))
	var err error
	if o.Shard, err = shardFromFlags(c); err != nil {
		return err
	}
	bar := newSampleBar(c.Bool("quiet"))
	o.OnProgress = bar.update
	p, err := pipeline.SampleFile(c.Context, o)
	bar.finish()
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "wrote %d problems × %d completions to %s: %d tokens in %s (%.0f tokens/s)\n",
			p.Done, c.Int("n"), c.String("out"), p.Tokens, p.Elapsed.Round(time.Millisecond), float64(p.Tokens)/max(p.Elapsed.Seconds(), 1e-9))
	}
	return nil
}

// sampleOptions reads the flags of mirage sample (also align's) for a run writing out.
func sampleOptions(c *cli.Context, out string) pipeline.SampleOptions {
	return pipeline.SampleOptions{
		Command: c.Command.Name,
		Model:   c.String("model"),
		Data:    c.String("data"),
		Out:     out,
		Mode:    outputMode(c),
		Limit:   c.Int("limit"),
		Run: sampler.RunOptions{
			Choice:       sampler.Choice{Temperature: c.Float64("temperature"), TopP: c.Float64("top-p"), TopK: c.Int("top-k"), MinP: c.Float64("min-p")},
			N:            c.Int("n"),
			MaxNewTokens: c.Int("max-new-tokens"),
			Seed:         c.Uint64("seed"),
			BatchSize:    c.Int("batch-size"),
			StopStrings:  unescapeAll(c.StringSlice("stop")),
			Template:     c.String("template"),
			System:       c.String("system"),
		},
		Load: loadOptions(c),
		Warn: warner(c),
	}
}

// shardFromFlags is the shard --shard names, else the one the batch scheduler's variables
// give (--shards counts a Kubernetes Indexed Job's completions).
func shardFromFlags(c *cli.Context) (datasets.Shard, error) {
	if s := c.String("shard"); s != "" {
		return datasets.ParseShard(s)
	}
	return datasets.ShardFromEnv(os.Getenv, c.Int("shards"))
}

// loadOptions reads --device and --threads.
func loadOptions(c *cli.Context) sampler.ModelOptions {
	return sampler.ModelOptions{Device: c.String("device"), Threads: c.Int("threads")}
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

// warner prints a pipeline's warnings on stderr, prefixed with the command's name.
func warner(c *cli.Context) func(string) {
	return func(msg string) { fmt.Fprintf(c.App.ErrWriter, "%s: warning: %s\n", c.Command.Name, msg) }
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

// sampleBar draws Run's progress.
type sampleBar struct{ stderrBar }

func newSampleBar(quiet bool) *sampleBar {
	return &sampleBar{stderrBar: newStderrBar(quiet, progressbar.OptionShowIts(), progressbar.OptionSetItsString("problems"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionSetDescription("sampling"))}
}

func (b *sampleBar) update(p sampler.Progress) {
	desc := ""
	if s := p.Elapsed.Seconds(); s > 0 {
		desc = fmt.Sprintf("%.0f tokens/s", float64(p.Tokens)/s)
	}
	b.set(p.Done, p.Total, desc)
}
