// Package pipeline composes mirage's packages into the runs that the CLI and the lab make:
// SampleFile (problems → samples.jsonl), VerifyFile (samples → scored samples), PassK (scored
// files → pass@k curves), Align (sample → verify → pass@k → the alignment report) and
// Contamination (the partial-prompt memorisation test). Each takes an options struct that its caller fills (from flags, from a lab study),
// checks it before loading anything, reports progress through callbacks and prints nothing:
// the caller decides what the user sees. The file protocols these runs rely on (results files,
// their sidecar, model fingerprints) live in datasets and sampler, where the RL trainer and the
// reward service reuse them.
package pipeline

import (
	"encoding/json"
	"fmt"
	"maps"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/sampler"
)

// runInfo is the sidecar of a results file that command writes from the model folder model: the
// model's fingerprint and settings, which must match on --resume, and what the output does not
// depend on (batch size, threads, device: speed only; the mirage build), recorded but never
// compared.
func runInfo(command, model string, settings map[string]string, batchSize int, load sampler.ModelOptions) (datasets.RunInfo, error) {
	fp, err := sampler.ModelFingerprint(model)
	if err != nil {
		return datasets.RunInfo{}, fmt.Errorf("%s: --model: %w", command, err)
	}
	maps.Copy(settings, fp)
	return datasets.RunInfo{Command: command, Settings: settings, Info: map[string]string{
		"batch-size": strconv.Itoa(batchSize), "threads": strconv.Itoa(load.Threads), "device": load.Device,
		"mirage": mirageBuild(),
	}}, nil
}

// mirageBuild names the mirage build (module version and VCS revision) for the sidecar.
func mirageBuild() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || (s.Key == "vcs.modified" && s.Value == "true") {
			v += " " + s.Key + "=" + s.Value
		}
	}
	return v
}

// checkResults runs datasets.CheckResults and passes its warning to warn (nil: dropped).
func checkResults(path, what string, mode datasets.Mode, ri datasets.RunInfo, warn func(string)) error {
	warning, err := datasets.CheckResults(path, what, mode, ri)
	if warning != "" && warn != nil {
		warn(warning)
	}
	return err
}

// readProblems reads the problems file: all of them, and the first limit (0: all).
func readProblems(path string, limit int) (all, limited []datasets.Problem, err error) {
	all, err = datasets.ReadProblems(path)
	if err != nil {
		return nil, nil, err
	}
	if limit > 0 && limit < len(all) {
		return all, all[:limit], nil
	}
	return all, all, nil
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// jsonText is v as JSON, for settings that are lists; < > & stay as they are (a stop string
// like </answer> reads as itself in the sidecar and in errors).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // strings only: cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}
