package onnx_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
)

// A random ~34M-parameter Llama as an ONNX model folder, e.g. for a sampler benchmark.
func ExampleWriteModel() {
	cfg := arch.Config{ModelType: "llama", HiddenSize: 512, NumHiddenLayers: 6, NumAttentionHeads: 8,
		NumKeyValueHeads: 4, IntermediateSize: 1408, VocabSize: 32000, TieWordEmbeddings: true,
		BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2}}
	dir, err := os.MkdirTemp("", "model")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := onnx.WriteModel(dir, cfg, arch.RandomWeights(cfg, 1), onnx.WriteOptions{}); err != nil {
		log.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.1fM parameters\n", float64(arch.ParamCount(cfg))/1e6)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// 34.1M parameters
	// config.json
	// generation_config.json
	// model.onnx
	// model.onnx.data
}

// Between RL steps only the weights change: an Exporter writes the graph once and afterwards
// rewrites only model.onnx.data.
func ExampleExporter() {
	cfg := arch.Config{ModelType: "qwen2", HiddenSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4,
		NumKeyValueHeads: 2, IntermediateSize: 128, VocabSize: 256, TieWordEmbeddings: true}
	dir, err := os.MkdirTemp("", "policy")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	e, err := onnx.NewExporter(dir, cfg, onnx.WriteOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for step := range 3 {
		w := arch.RandomWeights(cfg, uint64(step)) // stands for the weights after an update
		if err := e.Export(context.Background(), w); err != nil {
			log.Fatal(err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, onnx.DataFile))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Size() >= 4*arch.ParamCount(cfg))
	// Output: true
}
