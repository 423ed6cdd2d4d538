#!/usr/bin/env bash
# From a fresh machine to a trained model in one command: Chromium (Debian's, when missing), the
# npm dependencies from the lock file, the build, then the CLI's default job — the growth task on
# the shipped lizard — writing out/lizard-growth.nca and a picture of it, out/lizard-growth.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
npm ci --no-audit --no-fund
npm run build
mkdir -p out
node bin/nca-gl.mjs train lizard --out out/lizard-growth.nca
echo "next: npx nca-gl render out/lizard-growth.nca --out out/lizard.gif"
