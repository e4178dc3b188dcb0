package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/mirage-rl/mirage/train"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "convert a Hugging Face checkpoint to an ONNX model folder mirage sample serves",
		ArgsUsage: " ",
		Description: `Reads --model's config.json and model.safetensors (or its shards; fp32, bf16 or fp16; Llama
or Qwen2) and writes --out: model.onnx + model.onnx.data (the optimum
decoder-with-past signature, standard ONNX operators), config.json, generation_config.json and
the tokenizer files, as 'mirage train sft' exports them. The folder is built beside --out and
renamed into place when complete; an existing --out is refused unless --overwrite, and a
failed export leaves it as it was.

--dtype fp16 stores weights, caches and logits as float16 (half the disk and memory; the graph
computes in float32). --dtype int8 or int4 quantises the decoder layers' projection weights
block-wise (32 inputs per scale, symmetric) and multiplies by them with ONNX Runtime's
com.microsoft.MatMulNBits; embeddings, the LM head, norms, caches and logits stay fp32.

--layout ort writes the graph on ONNX Runtime's contrib operators, as onnxruntime-genai's model
builder does (GroupQueryAttention with the rotary embedding inside, SkipSimplifiedLayerNormalization;
sequences right-padded; a KV cache that past and present can share in place): ONNX Runtime only,
head sizes that are multiples of 16, fp32, int8 or int4. The default, --layout standard, is the
optimum graph of standard operators any ONNX runtime loads.

Examples:
   mirage export --model Qwen2.5-0.5B --out qwen-0.5b-onnx
   mirage export --model Qwen2.5-0.5B --out qwen-0.5b-fp16 --dtype fp16 --overwrite
   mirage export --model Qwen2.5-0.5B --out qwen-0.5b-int4 --dtype int4
   mirage export --model Qwen2.5-0.5B --out qwen-0.5b-ort --layout ort --dtype int4`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "HF checkpoint `DIR` (config.json + model.safetensors or shards)", Required: true},
			&cli.StringFlag{Name: "out", Usage: "ONNX model folder to write", Required: true},
			&cli.StringFlag{Name: "tokenizer", Usage: "folder whose tokenizer files are copied (default: --model)"},
			&cli.StringFlag{Name: "dtype", Usage: "stored weight type: fp32, fp16, int8 or int4", Value: train.DTypeFP32},
			&cli.StringFlag{Name: "layout", Usage: "graph layout: standard (standard ONNX operators) or ort (ONNX Runtime contrib operators)", Value: train.LayoutStandard},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --out"},
		},
		Action: func(c *cli.Context) error {
			opts := train.ExportOptions{
				ModelDir:     c.String("model"),
				OutDir:       c.String("out"),
				TokenizerDir: c.String("tokenizer"),
				DType:        c.String("dtype"),
				Layout:       c.String("layout"),
				Overwrite:    c.Bool("overwrite"),
			}
			if err := train.ExportModel(c.Context, opts); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %s (%s, %s layout)\n", opts.OutDir, opts.DType, opts.Layout)
			return nil
		},
	}
}
