package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// stderrBar is the progress bar of the long commands: drawn on stderr, only when stderr is a
// terminal and --quiet is not set, and created at the first update, when the total is known.
type stderrBar struct {
	bar  *progressbar.ProgressBar
	on   bool
	opts []progressbar.Option // beyond the shared ones
}

func newStderrBar(quiet bool, opts ...progressbar.Option) stderrBar {
	return stderrBar{on: !quiet && term.IsTerminal(int(os.Stderr.Fd())), opts: opts}
}

// set draws n of total done (total -1: unknown) with desc at the end ("" keeps the last one).
func (b *stderrBar) set(n, total int, desc string) {
	if !b.on {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions(total, append([]progressbar.Option{progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200 * time.Millisecond)}, b.opts...)...)
	}
	if desc != "" {
		b.bar.Describe(desc)
	}
	b.bar.Set(n)
}

// finish ends the bar; later calls and updates draw nothing.
func (b *stderrBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
		fmt.Fprintln(os.Stderr)
		b.bar = nil
	}
	b.on = false
}
