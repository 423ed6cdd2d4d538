#!/usr/bin/env bash
# Runs a command on the lent GPU machine through shared/gpukit (headless Chromium with real-GPU
# WebGL2, Node 18, puppeteer-core): the kit unpacked, its environment set, its Node first on PATH
# (as `node`), and nca-gl pointed at its browser (NCA_GL_CHROMIUM) with the flag set given
# (NCA_GL_WEBGL). Anything the project runs with `node` runs there: the CLI, evaluate-zoo, the
# bench, scripts/train-zoo.sh.
#   bash scripts/gpukit.sh [vulkan|egl|swiftshader] COMMAND [ARGS…]
# Two device calls, back to back (the kit is two parts, a call carries at most 64 MiB):
#   1. carry [".gpukit/p1"]:          bash .gpukit/p1/run.sh unpack
#   2. carry [".gpukit/p2", "dist"]:  bash scripts/gpukit.sh vulkan node bin/nca-gl.mjs train …
# Here, once: mkdir -p .gpukit && cp -r ../shared/gpukit/. .gpukit/ && npm run build
#             (and /.gpukit/ in .git/info/exclude).
# GPUKIT_DIR: the kit's copy (default .gpukit). GPUKIT_HOME unpacks elsewhere than /opt/gpukit:
# with `swiftshader` the script runs on any machine (the software control), which is how it is
# checked without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
flagset=${1:-}
case "$flagset" in
  vulkan|egl|swiftshader) shift ;;
  *) echo "scripts/gpukit.sh: the first argument is the flag set, vulkan, egl or swiftshader, got '$flagset'"; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "scripts/gpukit.sh: no command given (e.g. node bin/nca-gl.mjs train lizard)"; exit 2; }
kitdir=${GPUKIT_DIR:-.gpukit}
kit=$(cd "$kitdir" 2>/dev/null && pwd || echo "$kitdir")/p2/run.sh
[ -f "$kit" ] || { echo "scripts/gpukit.sh: $kitdir/p2/run.sh is missing: copy ../shared/gpukit to $kitdir (see the comment at the top)"; exit 2; }
[ -f dist/node.mjs ] && [ -f dist/cli.mjs ] && [ -f dist/nca-gl.js ] || { echo "scripts/gpukit.sh: dist/ is not built (run npm run build here and carry dist)"; exit 2; }
bash "$kit" unpack
bash "$kit" env
home=${GPUKIT_HOME:-/opt/gpukit}
export NCA_GL_CHROMIUM="$home/root/usr/lib/chromium/chromium-headless-shell"
export NCA_GL_WEBGL=$flagset
# `node` is the kit's (Node 18 with its libraries and puppeteer-core), for the command and anything it starts
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
printf '#!/usr/bin/env bash\nexec bash %q node "$@"\n' "$kit" > "$shim/node"
chmod +x "$shim/node"
export PATH="$shim:$PATH"
echo "scripts/gpukit.sh: $flagset, $(node --version), running: $*"
"$@"
