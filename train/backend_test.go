package train

import (
	"strings"
	"testing"
)

func TestNewBackend(t *testing.T) {
	for _, name := range []string{"", "go"} {
		b, err := NewBackend(name)
		if err != nil {
			t.Fatalf("NewBackend(%q): %v", name, err)
		}
		b.Finalize()
	}
	if _, err := NewBackend("tpu"); err == nil || !strings.Contains(err.Error(), `"go" or "xla"`) {
		t.Errorf("unknown backend: err = %v", err)
	}
}
