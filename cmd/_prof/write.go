package main

import (
	"github.com/mirage-rl/mirage/train/arch"
	"github.com/mirage-rl/mirage/train/onnx"
)

func writeBench(dir string, layout onnx.Layout, bits int) error {
	cfg := arch.Config{ModelType: "llama", HiddenSize: 512, NumHiddenLayers: 8, NumAttentionHeads: 8,
		IntermediateSize: 1408, VocabSize: 8192, RMSNormEps: 1e-5, RopeTheta: 10000,
		BOSTokenID: arch.TokenIDs{1}, EOSTokenID: arch.TokenIDs{2}}.Defaults()
	return onnx.WriteModel(dir, cfg, arch.RandomWeights(cfg, 1), onnx.WriteOptions{Layout: layout, WeightBits: bits})
}
