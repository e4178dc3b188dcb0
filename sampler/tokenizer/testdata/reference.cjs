// Reference token ids for mirage's tokenizer tests, computed by @lenml/tokenizers (a fork of
// transformers.js's tokenizers) under node. Independent of the Go code: it shares no source.
//
// Usage: node reference.cjs < request.json > response.json, with NODE_PATH=$MIRAGE_NODE_MODULES.
// Request:  {"dir": "<folder with tokenizer.json and tokenizer_config.json>",
//            "texts": ["..."], "ids": [[...]]}
// Response: {"encode": [[ids without specials]], "encode_special": [[ids with specials]],
//            "decode": ["text of ids"], "decode_skip": ["text of ids, special tokens skipped"]}
// Decoding turns clean_up_tokenization_spaces off: mirage never rewrites model output.
"use strict";
const fs = require("fs");
const path = require("path");
const { TokenizerLoader } = require("@lenml/tokenizers");

const req = JSON.parse(fs.readFileSync(0, "utf8"));
const readJSON = (name) => JSON.parse(fs.readFileSync(path.join(req.dir, name), "utf8"));
const tok = TokenizerLoader.fromPreTrained({
  tokenizerJSON: readJSON("tokenizer.json"),
  tokenizerConfig: readJSON("tokenizer_config.json"),
});
const texts = req.texts || [];
const ids = req.ids || [];
// transformers.js refuses an empty list; its text is "".
const dec = (x, skip) =>
  x.length === 0 ? "" : tok.decode(x, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
process.stdout.write(
  JSON.stringify({
    encode: texts.map((t) => tok.encode(t, { add_special_tokens: false })),
    encode_special: texts.map((t) => tok.encode(t, { add_special_tokens: true })),
    decode: ids.map((x) => dec(x, false)),
    decode_skip: ids.map((x) => dec(x, true)),
  }),
);
