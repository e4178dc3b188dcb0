// Package atomicfile writes a file so that readers see either the old file or the whole new one,
// never a half-written one: a killed run leaves at most a hidden temporary file behind.
//
// It is a leaf (it imports nothing of mirage's), so datasets and everything above it may use it.
// Its errors carry no package prefix on purpose: each caller wraps them with its own ("onnx: ...",
// "weights: ..."), and the os errors inside already name the file.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write calls fill with a temporary file in path's folder (named ".<base>.tmp<random>"), then
// syncs it, gives it mode 0644 and renames it to path. If fill or any step fails, the temporary
// file is removed, path is left as it was, and the error is returned: fill's error as fill
// returned it.
func Write(path string, fill func(io.Writer) error) error {
	return write(path, fill, true)
}

// WriteUnsynced is Write without the sync: readers still see the old file or the whole new one,
// but after a crash (of the machine, not the process) the new file may be empty. It suits files
// rebuilt from elsewhere after a crash, rewritten often (the RL trainer's policy folder, rebuilt
// from its checkpoint on resume).
func WriteUnsynced(path string, fill func(io.Writer) error) error {
	return write(path, fill, false)
}

func write(path string, fill func(io.Writer) error, sync bool) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	// Sync before the rename: otherwise a crash soon after can leave path renamed but empty.
	if sync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
