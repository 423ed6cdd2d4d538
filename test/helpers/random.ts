/** Reproducible test data from the project hash (no Math.random in tests). */
import { cellKey, draw24 } from '../../src/engine/hash';
import { type Rule, type Weights, zeroWeights } from '../../src/engine/model';

/** Uniform numbers in [lo, hi) from (seed, stream). */
export function uniform(seed: number, stream: number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (draw24(cellKey(seed, stream, 0x5eed, 0, i), 0) / 16777216);
  return out;
}

/** Random weights of a rule, each tensor scaled by `scale[name]`. */
export function randomWeights(rule: Rule, hidden: number, seed: number, scale: Partial<Record<keyof Weights, number>>): Weights {
  const w = zeroWeights(rule, hidden);
  let stream = 1;
  for (const k of Object.keys(w) as (keyof Weights)[]) {
    const t = w[k]!;
    const s = scale[k] ?? 0.1;
    t.set(uniform(seed, stream++, t.length, -s, s));
  }
  return w;
}

/**
 * A random state with negatives, exact zeros (every 7th value) and a dead region, where alpha is
 * mostly above the alive threshold so cells live on every border.
 */
export function randomState(batch: number, height: number, width: number, seed: number): Float32Array {
  const n = batch * height * width * 16;
  const s = uniform(seed, 100, n, -1, 1);
  for (let i = 0; i < n; i += 7) s[i] = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((b * height + y) * width + x) * 16;
        const a = Math.abs(s[o + 3]!);
        // a dead square in the middle of grid 1; elsewhere alpha in [0.05, 1.05)
        const dead = b === 1 && Math.abs(x - width / 2) < 3 && Math.abs(y - height / 2) < 3;
        s[o + 3] = dead ? 0 : 0.05 + a;
        if (dead) for (let c = 0; c < 16; c++) s[o + c] = 0;
      }
    }
  }
  return s;
}
