// Reference chat-template renderings for mirage's chat tests: transformers.js's
// PreTrainedTokenizer.apply_chat_template (which renders with @huggingface/jinja), run under
// node. It shares no code with the Go renderer (gonja).
//
// Usage: node reference.cjs < request.json > response.json, with NODE_PATH=$MIRAGE_NODE_MODULES.
// Request:  [{"tokenizer_json": "<path>", "tokenizer_config": "<path>", "template": "<optional
//            override>", "cases": [{"messages": [...], "add_generation_prompt": bool,
//            "kwargs": {...}}]}, ...]  (one entry per model, loaded once per run)
// Response: [[{"text": "..."} | {"error": "..."}, ...], ...] in request order.
"use strict";
const fs = require("fs");
const { PreTrainedTokenizer } = require("@huggingface/transformers");

const readJSON = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const render = (job) => {
  const config = readJSON(job.tokenizer_config);
  if (job.template) config.chat_template = job.template;
  const tok = new PreTrainedTokenizer(readJSON(job.tokenizer_json), config);
  return job.cases.map((c) => {
    try {
      return {
        text: tok.apply_chat_template(c.messages, {
          tokenize: false,
          add_generation_prompt: c.add_generation_prompt,
          ...(c.kwargs || {}),
        }),
      };
    } catch (e) {
      return { error: String(e && e.message ? e.message : e) };
    }
  });
};
process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(0, "utf8")).map(render)));
