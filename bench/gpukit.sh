#!/usr/bin/env bash
# npm run bench on the lent GPU machine, through shared/gpukit (headless Chromium with real-GPU
# WebGL2, Node 18, puppeteer-core). Two device calls, back to back (the kit is two parts):
#   1. carry [".gpukit/p1"]:          bash .gpukit/p1/run.sh unpack
#   2. carry [".gpukit/p2", "dist"]:  bash bench/gpukit.sh [vulkan|egl|swiftshader] [bench/run.mjs options]
# Here, once: mkdir -p .gpukit && cp -r ../shared/gpukit/. .gpukit/ && npm run build
#             (dist/ must hold the library, dist/node.mjs and dist/bench/tfjs.js).
# Results go to $OUT/results-gpu.json (the device's output folder) or bench/results-gpu.json.
# Runs anywhere the kit unpacks (set GPUKIT_HOME to unpack elsewhere than /opt/gpukit); with
# `swiftshader` it is the software control, which is how this script is tested without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
flagset=${1:-vulkan}
shift || true
case "$flagset" in
  vulkan|egl|swiftshader) ;;
  *) echo "bench/gpukit.sh: flag set must be vulkan, egl or swiftshader, got '$flagset'"; exit 2 ;;
esac
out=${OUT:-bench}
mkdir -p "$out"
# the kit's set-up and its Node: scripts/gpukit.sh
bash scripts/gpukit.sh "$flagset" node bench/run.mjs --out "$out/results-gpu.json" "$@"
