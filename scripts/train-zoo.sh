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
run healing     && {
  # Healing at 48×48 (the article's damage, 3 discs of radius 4, was sized for a 64-cell grid).
  # One run of 8500 iterations, saved every 500 (exact resume, so the chunks are one run). The
  # snapshots are ranked by PSNR from the hardest start on draws of seed 2 (the README reports seed
  # 1's, which the choice did not see). The ranking put 8500 (22.63 dB) and 8000 (22.62 dB) on top;
  # 8500 fails the demo page's click check (test/browser/demos.test.ts: 23.4 → 19.2 dB where 21.4
  # was needed) and 8000 passes it (23.1 → 22.0 ≥ 21.1), so the zoo ships 8000 (HEALING_KEEP).
  snaps=$(mktemp -d)
  nca train pig --task healing --size 48 --hidden 64 --iterations 500 --lr 0.001,3000:0.0003,6500:0.0001 --seed 1 --out "$snaps/h.nca" --no-picture
  cp "$snaps/h.nca" "$snaps/h-500.nca"
  for it in $(seq 1000 500 8500); do
    nca train pig --resume --iterations "$it" --out "$snaps/h.nca" --no-picture --quiet
    cp "$snaps/h.nca" "$snaps/h-$it.nca"
  done
  node scripts/evaluate-zoo.mjs --seed 2 --json "$snaps"/h-*.nca > "$snaps/scores.json"
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); r.sort((a, b) => b.hardest.psnr - a.hardest.psnr); for (const x of r.slice(0, 5)) console.log(`${x.file}: ${x.hardest.psnr.toFixed(2)} dB`)' "$snaps/scores.json"
  n=${HEALING_KEEP:-8000}
  echo "healing: keeping the snapshot at iteration $n"
  cp "$snaps/h-$n.nca" zoo/healing.nca
  nca train pig --resume --iterations "$n" --out zoo/healing.nca   # trains nothing; writes zoo/healing.png
}
run growing     && nca train lizard --task growing     --size 32 --hidden 64 --iterations 1200 --seed 1 --out zoo/growing.nca
exit 0
