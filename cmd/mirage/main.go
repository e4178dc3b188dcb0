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
// its context. It returns the exit code: 0 on success, 1 on an error (printed to stderr),
// 130 (128 + SIGINT) whenever Ctrl-C stopped the run, as shells expect, and 143 (128 +
// SIGTERM) when SIGTERM cut a command short; a command that SIGTERM lets finish cleanly
// (serve-reward's graceful shutdown) exits 0.
func run(args []string) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(signalCause{s})
		case <-ctx.Done():
		}
	}()
	err := newApp().RunContext(ctx, args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mirage:", err)
	}
	if s, ok := context.Cause(ctx).(signalCause); ok && (s.sig == os.Interrupt || err != nil) {
		if n, ok := s.sig.(syscall.Signal); ok {
			return 128 + int(n)
		}
	}
	if err != nil {
		return 1
	}
	return 0
}

// signalCause is the cause of run's context when a signal cancelled it.
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string { return "stopped by " + s.sig.String() }

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
			exportCommand(),
			verifyCommand(),
			trainCommand(),
			serveRewardCommand(),
			mergeCommand(),
			labCommand(),
		},
		EnableBashCompletion: true,
	}
}
