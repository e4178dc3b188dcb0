package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mirage-rl/mirage/train/arch"
)

// Load reads a model folder's config.json and weights, checked against the config: HF
// safetensors (model.safetensors or a sharded index) when present, else the initializers of
// model.onnx (a folder mirage's ONNX writer produced, fp32 or fp16).
func Load(dir string) (arch.Config, Weights, error) {
	if exists(filepath.Join(dir, "genai_config.json")) && !exists(filepath.Join(dir, "config.json")) {
		// Its graph is not one mirage wrote (fused ops, other weight names): say what to use
		// instead of "no config.json".
		return arch.Config{}, nil, fmt.Errorf("weights: %s is an onnxruntime-genai folder (genai_config.json, no config.json): mirage samples from it but trains from a Hugging Face folder (config.json + model.safetensors) or a model folder mirage wrote", dir)
	}
	cfg, err := arch.ReadConfig(dir)
	if err != nil {
		return arch.Config{}, nil, fmt.Errorf("weights: %w", err)
	}
	cfg = cfg.Defaults()
	var w Weights
	source := dir
	switch {
	case exists(filepath.Join(dir, "model.safetensors")) || exists(filepath.Join(dir, indexFile)):
		w, err = ReadHF(dir)
	case exists(filepath.Join(dir, "model.onnx")):
		source = filepath.Join(dir, "model.onnx")
		w, err = ReadONNX(source)
		w = hfNamed(w)
	default:
		return arch.Config{}, nil, fmt.Errorf("weights: %s holds no model.safetensors, %s or model.onnx", dir, indexFile)
	}
	if err != nil {
		return arch.Config{}, nil, err
	}
	w, err = Match(cfg, w, source)
	if err != nil {
		return arch.Config{}, nil, err
	}
	return cfg, w, nil
}

// hfNamed keeps the tensors with HF weight names (model.* and lm_head.*), dropping the graph's
// own constants, which ONNX also stores as initializers.
func hfNamed(w Weights) Weights {
	out := Weights{}
	for name, t := range w {
		if strings.HasPrefix(name, "model.") || strings.HasPrefix(name, "lm_head.") {
			out[name] = t
		}
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
