// The benchmark's workloads, shared by the nca-gl side and the TF.js side (bench/tfjs/).
// Fields: rule ('growing' | 'seed'), batch, size (square grid), hidden, steps (rollout length T),
// lossSteps (loss over the last K states), loss ('mse' | 'l1l2'), normalizeGrads (per tensor, Distill),
// start (where every grid starts: 'target', the bench's synthetic disc with hidden channels 0, or
// 'seed', one live centre cell).
// The growing-rule configs start from the target: a grown creature, what most of a batch is when
// training with a sample pool (Distill's experiments 2 and 3, the zoo), and what the engine's work
// depends on (it skips cells far from life, docs/model.md). From the seed an untrained model keeps
// almost every cell dead, which would flatter nca-gl and say nothing about training.

/** @typedef {{ rule: 'growing' | 'seed', batch: number, size: number, hidden: number, steps: number, lossSteps: number, loss: 'mse' | 'l1l2', normalizeGrads: boolean, start: 'target' | 'seed' }} BenchWorkload */

/** @type {{ standard: BenchWorkload, reduced: BenchWorkload, seed: BenchWorkload, quick: BenchWorkload }} */
export const CONFIGS = Object.freeze({
  // Distill's regimen (SPEC §4): 72×72 (a 40×40 target padded by 16), batch 8, 64 steps
  standard: Object.freeze({ rule: 'growing', batch: 8, size: 72, hidden: 128, steps: 64, lossSteps: 1, loss: 'mse', normalizeGrads: true, start: 'target' }),
  // the same at a size that software WebGL finishes in seconds
  reduced: Object.freeze({ rule: 'growing', batch: 4, size: 40, hidden: 64, steps: 32, lossSteps: 1, loss: 'mse', normalizeGrads: true, start: 'target' }),
  // the seed article's regimen (SPEC §3): 64×64, batch 1, loss (|e| + e²) over the last 8 of 24 steps
  seed: Object.freeze({ rule: 'seed', batch: 1, size: 64, hidden: 64, steps: 24, lossSteps: 8, loss: 'l1l2', normalizeGrads: false, start: 'target' }),
  // about the README's quick job (`nca-gl train lizard`): two 32×32 grids, one 64×64 square on llvmpipe (not run by default)
  quick: Object.freeze({ rule: 'growing', batch: 2, size: 32, hidden: 64, steps: 32, lossSteps: 1, loss: 'mse', normalizeGrads: true, start: 'target' }),
});
