//go:build !xla

package train

import (
	"errors"

	"github.com/gomlx/gomlx/backends"
)

func newXLABackend() (backends.Backend, error) {
	return nil, errors.New("train: this mirage was built without XLA; rebuild with `go build -tags xla ./cmd/mirage` (needs the PJRT plugin, see docs/training.md) or use --backend go")
}
