/**
 * Perturbations of start states (SPEC §3, docs/regimen.md): what one is, and the CPU reference that
 * applies it (the shown and evaluated starts, tasks/start.ts). On the GPU, PerturbPass
 * (train/perturb.ts, glsl/regimen/perturb.frag) applies it to a batch; both draw the same random
 * numbers:
 *   truncation  cells farther than `radius` from the grid centre die;
 *   ablation    `circles` discs of radius `ablation` at random cells die;
 *   noise       every channel of every surviving cell gets `noise` · N(0, 1) added.
 * Each grid of a batch gets its own draws, from the hash of (seed, iteration, stream, grid, …).
 *
 * "Farther than r" compares integers: with centre c = ((W−1)/2, (H−1)/2),
 * a cell dies when (2x − (W−1))² + (2y − (H−1))² ≥ fround(4r²); a disc of radius ρ around cell
 * (cx, cy) kills (x, y) when (x − cx)² + (y − cy)² < fround(ρ²). So the GPU (float32) and this
 * reference agree exactly on which cells die (both take the bounds from perturbBounds).
 */
import { checkInt, checkNumber } from '../errors';
import { cellKey, draw24, STREAM_BASE } from '../engine/hash';

export interface Perturbation {
  /** σ of the additive Gaussian noise (0: none). */
  noise: number;
  /** Truncation radius in cells (Infinity: none). */
  radius: number;
  /** Number of ablated discs per grid. */
  circles: number;
  /** Radius of each ablated disc, in cells (0: none). */
  ablation: number;
}

export const NO_PERTURBATION: Perturbation = { noise: 0, radius: Infinity, circles: 0, ablation: 0 };

/** Hash stream of the perturbations (noise uses it, disc centres stream + 1). */
export const PERTURB_STREAM = STREAM_BASE + 16;

export function checkPerturbation(p: Perturbation): Perturbation {
  return {
    noise: checkNumber('noise', p.noise, 0, 100),
    radius: p.radius === Infinity ? Infinity : checkNumber('radius', p.radius, 0, 1e6),
    circles: checkInt('circles', p.circles, 0, 64),
    ablation: checkNumber('ablation', p.ablation, 0, 1e6),
  };
}

/** float32 rounding of x² (what the shader compares against). */
const f32sq = (x: number) => Math.fround(Math.fround(x) * Math.fround(x));

/**
 * The squared distances the death tests compare against, rounded to float32 as the shader sees them:
 * `trunc4` = fround(4r²) (−1: no truncation) and `radius2` = fround(ρ²) of the ablated discs.
 */
export function perturbBounds(p: Perturbation): { trunc4: number; radius2: number } {
  return { trunc4: p.radius === Infinity ? -1 : Math.fround(4 * Math.fround(p.radius) * Math.fround(p.radius)), radius2: f32sq(p.ablation) };
}

/** CPU reference: the perturbed copy of `src` ([b][y][x][16]). */
export function perturbReference(src: ArrayLike<number>, batch: number, height: number, width: number, p: Perturbation, seed: number, iteration: number): Float64Array {
  const out = Float64Array.from(src);
  const { trunc4, radius2: r2 } = perturbBounds(p);
  for (let b = 0; b < batch; b++) {
    const centres: [number, number][] = [];
    for (let k = 0; k < p.circles; k++) {
      const key = cellKey(seed, iteration, PERTURB_STREAM + 1, b, k);
      centres.push([draw24(key, 0) % width, draw24(key, 1) % height]);
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((b * height + y) * width + x) * 16;
        let keep = true;
        if (trunc4 >= 0) {
          const dx = 2 * x - (width - 1);
          const dy = 2 * y - (height - 1);
          if (dx * dx + dy * dy >= trunc4) keep = false;
        }
        for (const [cx, cy] of centres) if ((x - cx) ** 2 + (y - cy) ** 2 < r2) keep = false;
        if (!keep) {
          for (let c = 0; c < 16; c++) out[o + c] = 0;
          continue;
        }
        if (p.noise > 0) {
          const key = cellKey(seed, iteration, PERTURB_STREAM, b, y * width + x);
          for (let c = 0; c < 16; c++) {
            const u1 = (draw24(key, 2 * c) + 0.5) / 16777216;
            const u2 = draw24(key, 2 * c + 1) / 16777216;
            out[o + c]! += Math.fround(p.noise) * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
          }
        }
      }
    }
  }
  return out;
}
