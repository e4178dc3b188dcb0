// transformers.js side of BenchmarkSamplerVsTransformersJS (sampler/bench_test.go).
//
//   node tjs_bench.mjs <models-root> <model-name>
//
// Loads the model once with @huggingface/transformers (from $MIRAGE_NODE_MODULES, `make
// node-deps`), prints "ready", then runs one timed generate per line read from stdin and prints
// one JSON line per run: {"config", "tokens", "seconds"}. A line is
//
//   <config> <batch> <prompt_len> <new_tokens> <sample 0|1>
//
// Every row is the same kind of prompt as on the Go side (ids 3 + (row*131 + j*17) % 8000); new
// tokens are forced with min_new_tokens. Sampling uses do_sample with top_k 0 (the full
// vocabulary, like mirage's n=16 run); num_return_sequences does nothing with do_sample in
// transformers.js 4.3.1, so n samples of one prompt are that prompt repeated n times.
// Session options are transformers.js defaults (ONNX Runtime's default thread pool).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import readline from 'node:readline';

const require = createRequire(process.env.MIRAGE_NODE_MODULES + '/');
const { AutoModelForCausalLM, env, Tensor } = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);

const [root, name] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = root;
const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32' });
console.log('ready');

function prompt(batch, len, same) {
  const ids = new BigInt64Array(batch * len);
  for (let r = 0; r < batch; r++) {
    const row = same ? 0 : r;
    for (let j = 0; j < len; j++) ids[r * len + j] = BigInt(3 + ((row * 131 + j * 17) % 8000));
  }
  const mask = new BigInt64Array(batch * len).fill(1n);
  return {
    input_ids: new Tensor('int64', ids, [batch, len]),
    attention_mask: new Tensor('int64', mask, [batch, len]),
  };
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [config, b, p, n, s] = line.trim().split(/\s+/);
  if (!config) continue;
  const batch = +b, newTokens = +n, sample = s === '1';
  const inputs = prompt(batch, +p, sample);
  const t0 = process.hrtime.bigint();
  const out = await model.generate({
    ...inputs, max_new_tokens: newTokens, min_new_tokens: newTokens,
    do_sample: sample, top_k: 0, temperature: 1,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const tokens = batch * (out.dims[1] - +p);
  console.log(JSON.stringify({ config, tokens, seconds }));
}
