#!/usr/bin/env bash
# The test peers: node-llama-cpp (prebuilt llama.cpp for linux-x64) and @huggingface/jinja
# (chat template reference renderer), pinned in tests/peer/package.json and installed into
# tests/peer/node_modules (not committed). Skipped quietly when npm is missing; the peer
# tests then skip with that reason.
set -euo pipefail
peer="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/peer" && pwd)"
if [ -f "$peer/node_modules/node-llama-cpp/package.json" ] &&
   grep -q '"version": "3.21.1"' "$peer/node_modules/node-llama-cpp/package.json" &&
   [ -f "$peer/node_modules/@huggingface/jinja/package.json" ] &&
   grep -q '"version": "0.5.13"' "$peer/node_modules/@huggingface/jinja/package.json"; then
  echo "setup: node-llama-cpp 3.21.1 and @huggingface/jinja 0.5.13 present"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "setup: npm not found; llama.cpp peer tests will skip"
  exit 0
fi
echo "setup: installing node-llama-cpp@3.21.1 and @huggingface/jinja@0.5.13 into $peer/node_modules"
# Use the prebuilt binaries only: never try to build llama.cpp from source here.
(cd "$peer" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund)
