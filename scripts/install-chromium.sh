#!/usr/bin/env bash
# Installs what headless WebGL2 needs on a Debian/Ubuntu machine: Debian's Chromium unless a
# Chromium/Chrome is already there (or NCA_GL_CHROMIUM points at one), and Mesa's EGL and DRI
# drivers (libegl-mesa0, libgl1-mesa-dri) unless present: they give Chromium the llvmpipe software
# renderer, 1.5–7× faster than its built-in SwiftShader on machines without a GPU. Used by .ci/run
# and scripts/quickstart.sh. Needs root or sudo to install.
set -euo pipefail
have_browser=0
[ -n "${NCA_GL_CHROMIUM:-}" ] && have_browser=1
for p in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
  [ -x "$p" ] && have_browser=1
done
have_mesa=0
for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib; do
  [ -e "$d/libEGL_mesa.so.0" ] && [ -d "$d/dri" ] && have_mesa=1
done
[ "$have_browser" = 1 ] && [ "$have_mesa" = 1 ] && exit 0
if ! command -v apt-get >/dev/null; then
  [ "$have_browser" = 1 ] && { echo "note: Mesa's EGL (llvmpipe) not found; WebGL falls back to SwiftShader (slower)" >&2; exit 0; }
  echo "no Chromium found and no apt-get to install one: install Chromium or Chrome, or set NCA_GL_CHROMIUM to its executable" >&2
  exit 1
fi
pkgs=()
[ "$have_browser" = 1 ] || pkgs+=(chromium)
[ "$have_mesa" = 1 ] || pkgs+=(libegl-mesa0 libgl1-mesa-dri)
echo "== installing ${pkgs[*]}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${pkgs[@]}"
