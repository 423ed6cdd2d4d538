#!/usr/bin/env bash
# Imports Distill's published demo models into zoo/ as 8-bit .nca files (weights only, no target
# thumbnail: each is under 10 KB). The sources are the article's demo models,
# public/webgl_models8/ex{2,3}_{🦎,🦋}.json of https://github.com/distillpub/post--growing-ca
# (CC-BY 4.0; see zoo/LICENSE-distill.md). The 8-bit values are kept as they are: no new rounding.
#   bash scripts/import-distill-zoo.sh [folder holding ex2_lizard.json, ex3_lizard.json, ex3_butterfly.json]
set -euo pipefail
src=${1:-test/fixtures/distill}
cd "$(dirname "$0")/.."
attribution='Mordvintsev, Randazzo, Niklasson, Levin: Growing Neural Cellular Automata, Distill 2020 (doi:10.23915/distill.00023)'
url='https://github.com/distillpub/post--growing-ca'
imp() { # source file, emoji, output, task
  node bin/nca-gl.mjs import "$src/$1" --out "$3" --task "$4" --license CC-BY-4.0 \
    --attribution "$attribution" --url "$url/blob/master/public/webgl_models8/$2"
}
imp ex2_lizard.json 'ex2_🦎.json' zoo/distill-lizard-persistent.nca growing
imp ex3_lizard.json 'ex3_🦎.json' zoo/distill-lizard-regenerating.nca regenerating
imp ex3_butterfly.json 'ex3_🦋.json' zoo/distill-butterfly-regenerating.nca regenerating
