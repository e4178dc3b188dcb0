package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mirage-rl/mirage/datasets"
	"github.com/mirage-rl/mirage/train/onnx"
	"github.com/mirage-rl/mirage/train/weights"
)

// Export data types (ExportOptions.DType).
const (
	DTypeFP32 = "fp32"
	DTypeFP16 = "fp16"
	// DTypeInt8 and DTypeInt4 quantise the decoder layers' projection weights block-wise
	// (onnx.WriteOptions.WeightBits); everything else stays fp32.
	DTypeInt8 = "int8"
	DTypeInt4 = "int4"
)

// Export graph layouts (ExportOptions.Layout).
const (
	// LayoutStandard is the optimum decoder-with-past graph of standard ONNX operators
	// (onnx.Optimum): ONNX Runtime, transformers.js and any other ONNX runtime load it.
	LayoutStandard = "standard"
	// LayoutORT is the graph on ONNX Runtime's contrib operators (onnx.ORT:
	// GroupQueryAttention, a KV cache shared in place between past and present); it needs a head
	// size that is a multiple of 16 and is not written with fp16 weights.
	LayoutORT = "ort"
)

// parseLayout maps a layout name (LayoutStandard, LayoutORT; "" is standard) to train/onnx's;
// flag names the option in the error.
func parseLayout(name, flag string) (onnx.Layout, error) {
	switch name {
	case "", LayoutStandard:
		return onnx.Optimum, nil
	case LayoutORT:
		return onnx.ORT, nil
	}
	return 0, fmt.Errorf("train: %s %q: want %s or %s", flag, name, LayoutStandard, LayoutORT)
}

// ExportOptions configure ExportModel: an HF checkpoint folder converted to an ONNX model folder
// the sampler serves, without training.
type ExportOptions struct {
	// ModelDir holds config.json and model.safetensors (or a sharded index; fp32, bf16 or fp16),
	// or a model.onnx mirage wrote.
	ModelDir string
	// OutDir receives the model folder; it must not exist unless Overwrite is set.
	OutDir string
	// TokenizerDir holds the tokenizer files copied into OutDir; default ModelDir.
	TokenizerDir string
	// DType is the stored weight type: DTypeFP32 (default), DTypeFP16, DTypeInt8 or DTypeInt4.
	DType string
	// Layout is the graph layout: LayoutStandard (default) or LayoutORT.
	Layout string
	// Overwrite replaces an existing OutDir (only once the new folder is complete).
	Overwrite bool
}

// ExportModel reads opts.ModelDir's config and weights (train/weights) and writes them with
// train/onnx, plus the tokenizer files, to opts.OutDir. The folder is built beside OutDir and
// renamed into place when complete: a failure or a cancelled ctx leaves no half-written OutDir
// (and, with Overwrite, the old one untouched).
func ExportModel(ctx context.Context, opts ExportOptions) error {
	if opts.ModelDir == "" || opts.OutDir == "" {
		return errors.New("train: export needs a model folder and an output folder")
	}
	var write onnx.WriteOptions
	switch opts.DType {
	case "", DTypeFP32:
	case DTypeFP16:
		write.Float16 = true
	case DTypeInt8:
		write.WeightBits = 8
	case DTypeInt4:
		write.WeightBits = 4
	default:
		return fmt.Errorf("train: export --dtype %q: want %s, %s, %s or %s", opts.DType, DTypeFP32, DTypeFP16, DTypeInt8, DTypeInt4)
	}
	var err error
	if write.Layout, err = parseLayout(opts.Layout, "export --layout"); err != nil {
		return err
	}
	if datasets.SameFile(opts.ModelDir, opts.OutDir) {
		return fmt.Errorf("train: export --out %s is the --model folder; write the ONNX folder to another folder", opts.OutDir)
	}
	if _, err := os.Lstat(opts.OutDir); err == nil && !opts.Overwrite {
		return fmt.Errorf("train: export --out %s already exists; remove it or pass --overwrite", opts.OutDir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("train: export: %w", err)
	}
	cfg, w, err := weights.Load(opts.ModelDir)
	if err != nil {
		return err
	}
	tokDir := opts.TokenizerDir
	if tokDir == "" {
		tokDir = opts.ModelDir
	}
	dataOpts, err := dataOptions(tokDir, TemplateNone, cfg)
	if err != nil {
		return err
	}
	if err := checkTokenizer(tokDir, dataOpts.Tokenizer, cfg); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	parent := filepath.Dir(filepath.Clean(opts.OutDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opts.OutDir)+".export-")
	if err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed into place
	write.TokenizerDir = tokDir
	e, err := onnx.NewExporter(tmp, cfg, write)
	if err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	if err := e.Export(ctx, w); err != nil {
		return fmt.Errorf("train: export: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0700
		return fmt.Errorf("train: export: %w", err)
	}
	return replaceDir(tmp, opts.OutDir)
}

// replaceDir renames the complete folder tmp to out, moving an existing out aside first and
// removing it only once tmp is in place (a failed rename puts it back).
func replaceDir(tmp, out string) error {
	if _, err := os.Lstat(out); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("train: export: %w", err)
		}
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("train: export: moving the old %s aside: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		if rerr := os.Rename(old, out); rerr != nil {
			return fmt.Errorf("train: export: %w (and restoring the old folder from %s: %v)", err, old, rerr)
		}
		return fmt.Errorf("train: export: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("train: export: the new %s is in place, but removing the old copy %s: %w", out, old, err)
	}
	return nil
}
