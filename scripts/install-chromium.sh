#!/usr/bin/env bash
# Installs Debian's Chromium unless a Chromium/Chrome is already there (or NCA_GL_CHROMIUM points
# at one). Used by .ci/run and scripts/quickstart.sh. Needs root or sudo to install.
set -euo pipefail
[ -n "${NCA_GL_CHROMIUM:-}" ] && exit 0
for p in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
  [ -x "$p" ] && exit 0
done
if ! command -v apt-get >/dev/null; then
  echo "no Chromium found and no apt-get to install one: install Chromium or Chrome, or set NCA_GL_CHROMIUM to its executable" >&2
  exit 1
fi
echo "== installing Debian's chromium"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
