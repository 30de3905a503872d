// llama.cpp (through node-llama-cpp's prebuilt binaries) as a test peer for InferPi's GGUF
// support. Reads a JSON request (file given as argv[2]), writes a JSON answer to stdout:
//   {"model": "x.gguf",
//    "tokenize": ["text", ...],            -> "tokens": [[ids], ...] (no BOS, specials not parsed)
//    "greedy": {"tokens": [ids], "n": 32}, -> "greedy": [ids]   (argmax continuation)
//    "top1": {"tokens": [ids]}}            -> "top1": [ids]     (argmax after every position)
// CPU only, single sequence, no sampling options beyond temperature 0.
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath: req.model, useMmap: true});
const out = {
  bos: model.tokens.bos, eos: model.tokens.eos,
};

if (req.tokenize) out.tokens = req.tokenize.map((t) => Array.from(model.tokenize(t, false)));

async function argmaxAfterEach(tokens) {
  const context = await model.createContext({contextSize: Math.max(64, tokens.length + 8),
                                             batchSize: 512, sequences: 1, threads: 1});
  const seq = context.getSequence();
  const input = tokens.map((t) => [t, {generateNext: {token: true, options: {temperature: 0}}}]);
  const res = await seq.controlledEvaluate(input);
  await context.dispose();
  return res.map((r) => r?.next?.token ?? -1);
}

async function greedy(tokens, n) {
  const context = await model.createContext({contextSize: tokens.length + n + 8,
                                             batchSize: 512, sequences: 1, threads: 1});
  const seq = context.getSequence();
  const gen = [];
  // temperature 0 = argmax; no repeat penalty or other sampling options are set.
  for await (const token of seq.evaluate(tokens, {temperature: 0})) {
    gen.push(token);
    if (gen.length >= n) break;
  }
  await context.dispose();
  return gen;
}

if (req.greedy) out.greedy = await greedy(req.greedy.tokens, req.greedy.n);
if (req.top1) out.top1 = await argmaxAfterEach(req.top1.tokens);
await model.dispose();
await llama.dispose();
process.stdout.write(JSON.stringify(out) + "\n");
