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

func main() { os.Exit(run(os.Args)) }

// run is mirage with these arguments (args[0] is the program name): Ctrl-C and SIGTERM end
// its context. It returns the exit code.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().RunContext(ctx, args); err != nil {
		fmt.Fprintln(os.Stderr, "mirage:", err)
		return 1
	}
	return 0
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
