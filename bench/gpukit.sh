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
kit=.gpukit/p2/run.sh
[ -f "$kit" ] || { echo "bench/gpukit.sh: $kit is missing: copy ../shared/gpukit to .gpukit (see the comment at the top)"; exit 2; }
[ -f dist/node.mjs ] && [ -f dist/nca-gl.js ] || { echo "bench/gpukit.sh: dist/ is not built (run npm run build here and carry dist)"; exit 2; }
bash "$kit" unpack
bash "$kit" env
home=${GPUKIT_HOME:-/opt/gpukit}
export NCA_GL_CHROMIUM="$home/root/usr/lib/chromium/chromium-headless-shell"
case "$flagset" in
  vulkan|egl|swiftshader) export NCA_GL_WEBGL=$flagset ;;
  *) echo "bench/gpukit.sh: flag set must be vulkan, egl or swiftshader, got '$flagset'"; exit 2 ;;
esac
out=${OUT:-bench}
mkdir -p "$out"
bash "$kit" node bench/run.mjs --out "$out/results-gpu.json" "$@"
