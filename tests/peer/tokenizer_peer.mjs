// llama.cpp's tokenizer (node-llama-cpp's prebuilt binaries, vocabulary only) as the peer of
// InferPi's tokenizers. Request (JSON file, argv[2]):
//   {"model": "x.gguf", "texts": [["text", parseSpecial], ...]}
// Answer on stdout: {"tokens": [[ids]...], "bos", "eos", "eot", "add_bos"}; no BOS/EOS are
// added to the ids (llama_tokenize with add_special = false).
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: req.model, vocabOnly: true});
const out = {
  tokens: req.texts.map(([text, special]) => Array.from(model.tokenize(text, special))),
  bos: model.tokens.bos, eos: model.tokens.eos, eot: model.tokens.eot,
  add_bos: model.tokens.shouldPrependBosToken,
};
await model.dispose();
await llama.dispose();
process.stdout.write(JSON.stringify(out) + "\n");
