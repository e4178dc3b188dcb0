package main

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/verify/serve"
)

func serveRewardCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve-reward",
		Usage:     "serve the verifiers as an HTTP reward service (OpenRLHF remote reward, verl custom_reward_function)",
		ArgsUsage: " ",
		Description: `Serves mirage's graders over HTTP for RL engines that run elsewhere:

   POST /get_reward  OpenRLHF's remote reward protocol (--reward.remote_url http://HOST:PORT/get_reward):
                     {"query": [...], "prompts": [...], "labels": [...]} → {"rewards", "scores", "extra_logs"}
   POST /v1/score    a batch of {data_source, response, ground_truth, extra_info, reward} items
                     (deploy/verl_reward.py calls it as verl's custom_reward_function)
   GET  /healthz     "ok"

Rewards: ` + strings.Join(serve.Rewards(), ", ") + `.
The first five are mirage train rl's (--reward): "ground_truth" is the paper's format-gated
accuracy (1 only for a right answer in the <think>…</think> <answer>…</answer> format),
"incorrect" rewards wrong answers in the format, "format" the format alone, "random" is
Bernoulli(--random-p) × format, "majority" rewards the most frequent answer among the responses
of one prompt. A grader name gives 1 for a right answer under that grader whatever the format
(minus --format-penalty out of format). Verifications run on all cores (--workers), each within --budget; a malformed
request gets a 400 with the reason. SIGTERM or Ctrl-C stops accepting requests and lets those
under way finish (at most --grace). docs/scale-out.md documents the endpoints.

Examples:
   mirage serve-reward --addr 127.0.0.1:8000
   MIRAGE_REWARD_TOKEN=s3cret mirage serve-reward --addr 0.0.0.0:8000 --trim-suffix '<|im_end|>'
   mirage serve-reward --reward math --format boxed --budget 2s`,
		Flags: slices.Concat([]cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "address to listen on", Value: "127.0.0.1:8000"},
			&cli.StringFlag{Name: "reward", Usage: "default reward: " + strings.Join(serve.Rewards(), ", "), Value: serve.RewardGroundTruth},
			&cli.StringFlag{Name: "token", Usage: "bearer token every request but /healthz must carry", EnvVars: []string{"MIRAGE_REWARD_TOKEN"}},
			&cli.DurationFlag{Name: "budget", Usage: "time budget of one verification", Value: 5 * time.Second},
			&cli.Int64Flag{Name: "max-body-bytes", Usage: "largest request body", Value: 64 << 20},
			&cli.IntFlag{Name: "max-items", Usage: "most responses in one request", Value: 1 << 16},
			&cli.StringSliceFlag{Name: "trim-suffix", Usage: "text cut from the end of every response before grading, e.g. an end-of-sequence token (repeatable)"},
			&cli.Float64Flag{Name: "random-p", Usage: "probability of reward 1 of the random reward", Value: 0.5},
			&cli.BoolFlag{Name: "format-strict", Usage: "RL rewards check the format with the released code's regex (a newline inside <think> or <answer> fails)"},
			&cli.DurationFlag{Name: "grace", Usage: "how long a shutdown waits for requests under way", Value: 30 * time.Second},
		}, flagsWithout(verifyFlags(), "in", "out", "json", "quiet")),
		Action: func(c *cli.Context) error {
			vopts := verifyOptions(c)
			if err := vopts.Validate(); err != nil {
				return err
			}
			h, err := serve.New(serve.Options{
				Verify:       vopts,
				Reward:       c.String("reward"),
				Budget:       c.Duration("budget"),
				MaxBodyBytes: c.Int64("max-body-bytes"),
				MaxItems:     c.Int("max-items"),
				Workers:      vopts.Workers,
				Token:        c.String("token"),
				TrimSuffixes: c.StringSlice("trim-suffix"),
				RandomP:      c.Float64("random-p"),
				FormatStrict: c.Bool("format-strict"),
			})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return fmt.Errorf("serve-reward: %w", err)
			}
			fmt.Fprintf(c.App.ErrWriter, "mirage serve-reward: listening on http://%s (POST /get_reward, POST /v1/score, GET /healthz)\n", ln.Addr())
			if err := serve.Run(c.Context, ln, h, c.Duration("grace")); err != nil {
				return err
			}
			fmt.Fprintln(c.App.ErrWriter, "mirage serve-reward: stopped")
			return nil
		},
	}
}
