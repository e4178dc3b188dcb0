// Package train is mirage's native trainer: supervised fine-tuning (SFT) and RL from verifiable
// rewards (the GRPO family of the paper's RQ1–RQ3) of Llama / Qwen2 models on the GoMLX decoder of
// train/model, with the weights exported to ONNX (train/onnx) for the sampler.
//
// sft.go is one loop that reads top to bottom — batch → loss → gradients → update → log →
// checkpoint — around these parts: ReadExamples (data), LearningRate and AdamW (optim.go),
// checkpoints (checkpoint.go: weights, optimizer moments and step, so a resumed run ends with the
// same weights as an uninterrupted one) and NewBackend (pure Go, or XLA with -tags xla).
//
// rl.go is the RL loop (RL, and RunRL over files): sample with the ONNX Runtime sampler → grade
// (verify) → group rewards (verify.GroupRewards) → advantages (GroupAdvantages, advantage.go) →
// clipped policy-gradient updates over mini-batches (PolicyLoss, policyloss.go) → export the data
// file → reload the sampler's session in place. RLConfig holds its hyper-parameters and
// PaperConfig the paper's; RLStep is one line of steps.jsonl.
//
// Long calls take a context and stop between steps when it is cancelled; progress goes out
// through a callback. Errors are prefixed "train:" and name the file, line and field of bad data.
package train
