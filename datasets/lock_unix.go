//go:build unix

package datasets

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock (flock) on f without waiting: one run at a time
// writes a results file and its sidecar. The lock goes with the file's descriptor: closing f,
// or the process ending (even by kill -9), releases it.
func lockFile(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("datasets: %s is being written by another run (it holds the file's lock); wait for that run to end, or write to another file", f.Name())
		}
		return fmt.Errorf("datasets: lock %s: %w", f.Name(), err)
	}
	return nil
}
