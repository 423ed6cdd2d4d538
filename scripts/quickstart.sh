#!/usr/bin/env bash
# From a fresh machine to a trained model in one command: Chromium (Debian's, when missing), the
# npm dependencies from the lock file, the build, then the CLI's default job — the growth task on
# the shipped lizard — writing out/lizard-growth.nca and a picture of it, out/lizard-growth.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
npm ci --no-audit --no-fund
# the command-line tool drives Chromium through puppeteer-core, an optional peer dependency of the
# published package (`npm i nca-gl` does not bring it); in a clone it is a dev dependency, which
# `npm ci` installed above. Make sure, in case the install skipped dev dependencies (NODE_ENV=production):
node -e "require.resolve('puppeteer-core')" 2>/dev/null || npm install --no-save --no-audit --no-fund puppeteer-core@^24
npm run build
mkdir -p out
node bin/nca-gl.mjs train lizard --out out/lizard-growth.nca
echo "next: npx nca-gl render out/lizard-growth.nca --out out/lizard.gif"
