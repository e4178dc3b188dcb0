// Package sampler samples completions from decoder-only language models exported to ONNX,
// through ONNX Runtime: fast, KV-cached, batched, reproducible.
//
// # Pieces
//
//   - InitRuntime loads the ONNX Runtime shared library once per process ($MIRAGE_ORT_LIB, else
//     DefaultLibraryPath set by the Makefile, else a search of .cache/ort). It is the package's
//     only global state.
//   - Open reads a model folder (HF optimum export, onnxruntime-genai builder folder, the older
//     GPT-2 combined-cache layout, or a folder mirage wrote) into a *Model: one ORT session plus
//     what the graph and its config files say (layers, heads, cache layout, dtypes, padding side,
//     EOS ids, context length).
//   - Model.Generate decodes token ids: prompts are prefilled once (several left-padded
//     prompts per run when they fit in a chunk, long ones alone in chunks), each prompt's
//     cache is copied into the N rows that sample from it, finished rows are refilled from the
//     waiting work (continuous batching), and ORT writes logits and caches into buffers the
//     engine owns and reuses step after step.
//   - Run turns problems into prompts with a Tokenizer and a prompt template, calls Generate and
//     hands back one datasets.Sample per problem, in input order.
//
// # Sampling
//
// Temperature 0 is greedy. Otherwise the logits are divided by the temperature, then top-k,
// top-p and min-p cut the candidates (in that order, ties with the cut-off kept), and one token
// is drawn from what is left. Every completion has its own random stream derived from (seed,
// problem index, sample index), so the same seed gives the same completions whatever the batch
// size or the order work is scheduled in. Log-probs are those of the model's own distribution
// (temperature 1, no cut-offs), i.e. the policy's log-likelihood of the completion.
//
// # Errors and ownership
//
// Errors start with "sampler:"; failures inside ONNX Runtime are *RuntimeError values saying
// what was being run. A missing or wrong runtime library wraps ErrNoRuntime and names
// MIRAGE_ORT_LIB and `make ort`. Bad model folders are *FolderError values listing what was
// found. A *Model owns its session and buffers; Close frees them. Nothing this package returns
// needs to be freed by the caller except the Model.
//
// Long calls take a context first. Cancellation is checked between decode steps; a running
// ONNX Runtime call is never abandoned.
package sampler
