package sampler

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuntimeHelper is not a test: TestBadLibrary re-runs the test binary with only this
// function selected, because the runtime is initialised once per process.
func TestRuntimeHelper(t *testing.T) {
	if os.Getenv("MIRAGE_TEST_RUNTIME_HELPER") != "1" {
		t.Skip("helper process for TestBadLibrary")
	}
	_, err := InitRuntime()
	if err == nil {
		os.Stdout.WriteString("OK\n")
	} else {
		os.Stdout.WriteString("ERR " + err.Error() + "\n")
	}
}

func TestBadLibrary(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(text, []byte("this is not a library\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, lib, want string
	}{
		{"missing", filepath.Join(dir, "nope.so"), "no such file"},
		{"directory", dir, "not a regular file"},
		{"text file", text, "not an ELF"},
		{"not onnx runtime", "/lib/x86_64-linux-gnu/libc.so.6", "not an ONNX Runtime library"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := os.Stat(c.lib); c.name == "not onnx runtime" && err != nil {
				t.Skipf("no %s on this machine", c.lib)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestRuntimeHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "MIRAGE_TEST_RUNTIME_HELPER=1", EnvLibrary+"="+c.lib)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper process failed (a crash instead of an error?): %v\n%s", err, out)
			}
			s := string(out)
			if !strings.Contains(s, "ERR ") {
				t.Fatalf("library %s was accepted:\n%s", c.lib, s)
			}
			for _, w := range []string{c.want, EnvLibrary, "make ort"} {
				if !strings.Contains(s, w) {
					t.Errorf("error for %s does not mention %q:\n%s", c.name, w, s)
				}
			}
		})
	}
}

func TestGoodLibrary(t *testing.T) {
	path, err := InitRuntime()
	if err != nil {
		t.Skipf("no ONNX Runtime here (run `make ort`): %v", err)
	}
	if path == "" {
		t.Fatal("InitRuntime returned no path")
	}
}
