//go:build !xla

package train

import (
	"strings"
	"testing"
)

func TestXLAStubNamesTheBuildTag(t *testing.T) {
	_, err := NewBackend("xla")
	if err == nil || !strings.Contains(err.Error(), "-tags xla") {
		t.Errorf("err = %v, want one telling how to build with -tags xla", err)
	}
}
