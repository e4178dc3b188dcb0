package sampler

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ORTVersion is the ONNX Runtime release `make ort` fetches (C API 24, which onnxruntime_go
// v1.27.0 speaks). Any later 1.x library works too.
const ORTVersion = "1.24.3"

// EnvLibrary names the environment variable that points at the ONNX Runtime shared library
// (e.g. a CUDA build on a GPU machine). It wins over every other way of finding the library.
const EnvLibrary = "MIRAGE_ORT_LIB"

// DefaultLibraryPath is the library used when MIRAGE_ORT_LIB is unset. The Makefile sets it at
// link time (-ldflags -X) to the library `make ort` caches, so a built binary runs as is.
var DefaultLibraryPath string

// ErrNoRuntime is returned (wrapped) when the ONNX Runtime shared library is missing or is not a
// usable ONNX Runtime; its message says how to get one.
var ErrNoRuntime = errors.New("onnx runtime library not usable")

// The process-wide ONNX Runtime environment: the one piece of global state in this package.
// ORT allows a single environment per process; it is created on first use and lives until exit.
var runtimeEnv struct {
	once sync.Once
	path string
	err  error
}

// InitRuntime loads the ONNX Runtime shared library and creates the process-wide environment,
// once; later calls return the first call's result. Open calls it, so callers rarely need to.
// It returns the path of the library it loaded.
//
// The library is, in order: $MIRAGE_ORT_LIB; DefaultLibraryPath (set by the Makefile); then
// libonnxruntime.so.1 next to the executable or in its .cache/ort/<version>/, then in the
// .cache/ort/<version>/ of the mirage module that holds the working directory. A missing or
// unusable library gives an error wrapping ErrNoRuntime that names MIRAGE_ORT_LIB and `make ort`.
func InitRuntime() (string, error) {
	runtimeEnv.once.Do(func() {
		runtimeEnv.path, runtimeEnv.err = initRuntime()
	})
	return runtimeEnv.path, runtimeEnv.err
}

func initRuntime() (string, error) {
	path, how, err := findLibrary()
	if err != nil {
		return "", err
	}
	if err := checkLibraryFile(path); err != nil {
		return "", runtimeError(path, how, err)
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
		return "", runtimeError(path, how, fmt.Errorf("not an ONNX Runtime library with C API 24 (ONNX Runtime %s or later): %v", ORTVersion, err))
	}
	return path, nil
}

func runtimeError(path, how string, err error) error {
	return fmt.Errorf("sampler: %w: %s (%s): %v; point %s at libonnxruntime.so from ONNX Runtime %s or later, or run `make ort` to fetch it",
		ErrNoRuntime, path, how, err, EnvLibrary, ORTVersion)
}

// findLibrary returns the library to load and how it was chosen.
func findLibrary() (path, how string, err error) {
	if p := os.Getenv(EnvLibrary); p != "" {
		return p, "from $" + EnvLibrary, nil
	}
	if DefaultLibraryPath != "" {
		if _, err := os.Stat(DefaultLibraryPath); err == nil {
			return DefaultLibraryPath, "built-in default", nil
		}
	}
	var tried []string
	if DefaultLibraryPath != "" {
		tried = append(tried, DefaultLibraryPath)
	}
	for _, c := range libraryCandidates() {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c, "found by search", nil
		}
		tried = append(tried, c)
	}
	return "", "", fmt.Errorf("sampler: %w: no libonnxruntime.so.1 found (looked in %s); set %s to the library's path or run `make ort` to fetch it",
		ErrNoRuntime, strings.Join(tried, ", "), EnvLibrary)
}

// libraryCandidates lists where a library may sit when nothing names it: beside the executable,
// in the executable's and the module's .cache/ort/<version>/.
func libraryCandidates() []string {
	const name = "libonnxruntime.so.1"
	rel := filepath.Join(".cache", "ort", ORTVersion, name)
	var out []string
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		out = append(out, filepath.Join(dir, name), filepath.Join(dir, rel), filepath.Join(dir, "..", rel))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isMirageModule(filepath.Join(dir, "go.mod")) {
				out = append(out, filepath.Join(dir, rel))
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return out
}

func isMirageModule(gomod string) bool {
	b, err := os.ReadFile(gomod)
	return err == nil && bytes.Contains(b, []byte("module github.com/mirage-rl/mirage\n"))
}

// checkLibraryFile rejects what dlopen would fail on, or crash on, with a readable reason.
func checkLibraryFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return fmt.Errorf("not an ELF shared library (%d bytes)", st.Size())
	}
	if !bytes.Equal(hdr[:4], []byte("\x7fELF")) {
		return fmt.Errorf("not an ELF shared library (starts with %q)", hdr[:4])
	}
	if hdr[4] != 2 { // ELFCLASS64
		return fmt.Errorf("not a 64-bit ELF library")
	}
	if et := uint16(hdr[16]) | uint16(hdr[17])<<8; et != 3 { // ET_DYN, little-endian
		return fmt.Errorf("ELF file is not a shared library (type %d)", et)
	}
	return nil
}

// ortError converts an error from ONNX Runtime or onnxruntime_go into one of ours: it says
// what mirage was doing and keeps the runtime's message. It is the one place that does so.
func ortError(doing string, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.TrimPrefix(msg, "Error running network: ")
	return &RuntimeError{Doing: doing, Err: errors.New(msg)}
}

// RuntimeError is a failure inside ONNX Runtime.
type RuntimeError struct {
	Doing string // what mirage asked of the runtime, e.g. "decode step"
	Err   error  // the runtime's own message
}

func (e *RuntimeError) Error() string {
	return "sampler: onnx runtime: " + e.Doing + ": " + e.Err.Error()
}
func (e *RuntimeError) Unwrap() error { return e.Err }
