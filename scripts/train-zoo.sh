#!/usr/bin/env bash
# Retrains the model zoo (zoo/*.nca) with the project's own trainer, one model at a time.
# Each line is the exact command behind one shipped model; they were run on a 2-core machine with
# software WebGL (README.md, "Results", has times and figures). With a GPU they take minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
nca() { node bin/nca-gl.mjs "$@"; }
only=${1:-all}
run() { [ "$only" = all ] || [ "$only" = "$1" ]; }
run growth      && nca train heart  --task growth      --size 32 --padding 7 --hidden 64 --iterations 3000 --lr 0.001 --seed 1 --out zoo/growth.nca
run persistence && nca train pig    --task persistence --size 32 --hidden 64 --iterations 2500 --lr 0.001 --seed 1 --out zoo/persistence.nca
run healing     && nca train pig    --task healing     --size 32 --hidden 64 --iterations 6000 --lr 0.001,3000:0.0003 --seed 1 --out zoo/healing.nca
run growing     && nca train lizard --task growing     --size 32 --hidden 64 --iterations 1200 --seed 1 --out zoo/growing.nca
exit 0
