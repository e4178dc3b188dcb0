//go:build xla

package train

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// newXLABackend opens GoMLX's XLA/PJRT backend ("cuda" when a GPU plugin is installed, else
// "cpu"); GOMLX_BACKEND (e.g. "xla:cuda") overrides the choice as in GoMLX.
func newXLABackend() (backends.Backend, error) {
	b, err := xla.New("")
	if err != nil {
		return nil, fmt.Errorf("train: xla backend: %w", err)
	}
	return b, nil
}
