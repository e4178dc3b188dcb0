package sampler

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// fingerprintFiles are the files besides *.onnx* and *.data that decide a model's output.
var fingerprintFiles = []string{"tokenizer.json", "tokenizer_config.json", "config.json", "genai_config.json", "generation_config.json"}

// ModelFingerprint identifies the model folder dir for a results file's sidecar
// (datasets.RunInfo.Settings), so that a resumed run can refuse another model: "model" is the
// folder's absolute path and "model file NAME" the size and time of change of every file that
// decides the output (graph, weights, tokenizer, configs). Size and time, not a hash:
// model.onnx.data can be gigabytes.
func ModelFingerprint(dir string) (map[string]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sampler: model folder: %w", err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, fmt.Errorf("sampler: model folder: %w", err)
	}
	fp := map[string]string{"model": abs}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !(strings.Contains(name, ".onnx") || strings.HasSuffix(name, ".data") || slices.Contains(fingerprintFiles, name)) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("sampler: model folder: %w", err)
		}
		fp["model file "+name] = fmt.Sprintf("%d bytes, changed %s", fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano))
	}
	return fp, nil
}
