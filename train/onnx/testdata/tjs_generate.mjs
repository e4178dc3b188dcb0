// Greedy generation with transformers.js (@huggingface/transformers) on a local model folder.
// Used by TestTransformersJS: node tjs_generate.mjs <models-root> <model-name> <dtype> <max_new_tokens> <ids,...>
// Prints the full id sequence as JSON. Needs MIRAGE_NODE_MODULES (make node-deps).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(process.env.MIRAGE_NODE_MODULES + '/');
const { AutoModelForCausalLM, env, Tensor } = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);

const [root, name, dtype, maxNew, idList] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = root;
const model = await AutoModelForCausalLM.from_pretrained(name, { dtype });
const ids = idList.split(',').map(BigInt);
const input_ids = new Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
const out = await model.generate({ input_ids, max_new_tokens: +maxNew, do_sample: false });
console.log(JSON.stringify(Array.from(out.data, Number)));
