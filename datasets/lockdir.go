package datasets

import (
	"fmt"
	"os"
)

// LockDir creates the output folder dir if needed and takes its exclusive lock (flock on the
// folder, no file added to it), as OpenResults does for a results file: a second run writing
// the same folder is refused, naming it, instead of interleaving its metrics and checkpoints
// with the first one's. The lock lasts until the returned unlock is called or the process ends
// (even by kill -9).
func LockDir(dir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f.Close, nil
}
