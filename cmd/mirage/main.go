// Command mirage measures model–task alignment and trains reasoning LLMs: sample completions
// through ONNX Runtime, verify them, compute unbiased pass@k, convert data to and from verl
// parquet, and run SFT and RL.
//
// Each subcommand lives in its own file and only wires flags to package calls.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "mirage:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:  "mirage",
		Usage: "measure model–task alignment (pass@k) and run the RL variants of 'Mirage or Method?'",
		Commands: []*cli.Command{
			// Commands are added here, one constructor per file.
			passkCommand(),
			alignCommand(),
			contaminationCommand(),
			sampleCommand(),
			convertCommand(),
			tokenizeCommand(),
			inspectCommand(),
			verifyCommand(),
			trainCommand(),
			serveRewardCommand(),
			mergeCommand(),
		},
		EnableBashCompletion: true,
	}
}
