/**
 * CPU reference of the forward CA step, in float64: the oracle every GPU test compares against.
 * It follows docs/model.md line by line and draws its masks with the same hash as the shaders,
 * so stochastic updates match bit for bit. Slow by design; meant for small grids.
 *
 * States are [batch][y][x][16] arrays (row 0 at the top), any numeric array type.
 */
import * as hash from './hash';
import * as model from './model';
import type { Counters } from './hash';
import type { RuleConfig, Weights } from './model';
import * as rules from './rules';

// Local copies: under vitest's module runner every use of an imported binding is a getter call,
// which costs ~4× in these loops.
const { cellKey, draw24, rateThreshold } = hash;
const { CHANNELS, PERCEPTION, hasOutputBias } = model;
const { perceptionStencil, ruleSpec } = rules;

export interface Dims {
  batch: number;
  height: number;
  width: number;
}

export type { Counters };

/** Channel c of cell (x, y) of grid b, zero outside the grid. */
export function at(s: ArrayLike<number>, d: Dims, b: number, y: number, x: number, c: number): number {
  if (x < 0 || y < 0 || x >= d.width || y >= d.height) return 0;
  return s[((b * d.height + y) * d.width + x) * CHANNELS + c]!;
}

/**
 * The perception weight of neighbour (dx, dy) for feature group g (0: self, 1, 2) of `rule`:
 * feature p[16 g + c] = Σ_{dx,dy} stencil(g, dx, dy) · s_c(x + dx, y + dy) (rules.ts,
 * perceptionStencil, with the rule's perception).
 */
export function stencil(rule: RuleConfig['rule'], g: number, dx: number, dy: number): number {
  return perceptionStencil(ruleSpec(rule).perception, g, dx, dy);
}

/** The 48 perception features of one cell. */
export function perceive(rule: RuleConfig['rule'], s: ArrayLike<number>, d: Dims, b: number, y: number, x: number, out = new Float64Array(PERCEPTION)): Float64Array {
  out.fill(0);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const w1 = stencil(rule, 1, dx, dy);
      const w2 = stencil(rule, 2, dx, dy);
      const w0 = dx === 0 && dy === 0 ? 1 : 0;
      for (let c = 0; c < CHANNELS; c++) {
        const v = at(s, d, b, y + dy, x + dx, c);
        out[c]! += w0 * v;
        out[16 + c]! += w1 * v;
        out[32 + c]! += w2 * v;
      }
    }
  }
  return out;
}

export interface MlpActivations {
  /** Hidden pre-activation w0·p + b0. */
  z0: Float64Array;
  /** Hidden activation: the rule's act(z0), e.g. atan (seed) or relu (growing). */
  a: Float64Array;
  /** Output: the rule's output(w1·a (+ b1)), e.g. sigmoid (seed) or the identity (growing). */
  y: Float64Array;
}

/** The MLP of one cell. */
export function mlp(cfg: RuleConfig, w: Weights, p: ArrayLike<number>): MlpActivations {
  const H = cfg.hidden;
  const spec = ruleSpec(cfg.rule);
  const z0 = new Float64Array(H);
  const a = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let z = w.b0[j]!;
    for (let i = 0; i < PERCEPTION; i++) z += w.w0[j * PERCEPTION + i]! * p[i]!;
    z0[j] = z;
    a[j] = spec.act(z);
  }
  const y = new Float64Array(CHANNELS);
  const bias = hasOutputBias(cfg) && w.b1 !== undefined;
  for (let o = 0; o < CHANNELS; o++) {
    let z = bias ? w.b1![o]! : 0;
    for (let j = 0; j < H; j++) z += w.w1[o * H + j]! * a[j]!;
    y[o] = spec.output(z);
  }
  return { z0, a, y };
}

/** The update mask of one cell: 16 zeros and ones. */
export function updateMask(cfg: RuleConfig, d: Dims, k: Counters, b: number, y: number, x: number, out = new Float64Array(CHANNELS)): Float64Array {
  const key = cellKey(k.seed, k.iteration, k.step, b, y * d.width + x);
  const t = rateThreshold(cfg.rate);
  for (let c = 0; c < CHANNELS; c++) out[c] = draw24(key, cfg.perCell ? 0 : c) < t ? 1 : 0;
  return out;
}

/** Max of channel 3 over the 3×3 neighbourhood (zero padded). */
export function maxAlpha(s: ArrayLike<number>, d: Dims, b: number, y: number, x: number): number {
  let m = 0;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m = Math.max(m, at(s, d, b, y + dy, x + dx, 3));
  return m;
}

export interface StepRecord {
  /** The state after the step. */
  next: Float64Array;
  /** Unmasked update u (see docs/model.md). */
  u: Float64Array;
  /** Alive mask per cell (1 alive), [batch][y][x]. */
  alive: Float64Array;
}

/** Whether cell i = (b, y, x) lives after the step x → u, by the rule's alive test. */
function isAlive(spec: rules.RuleSpec, s: ArrayLike<number>, u: Float64Array, d: Dims, b: number, y: number, x: number, i: number): boolean {
  const t = spec.aliveThreshold;
  switch (spec.alive) {
    case 'self':
      return u[i * CHANNELS + 3]! > t;
    case 'neighbourhood':
      return maxAlpha(s, d, b, y, x) > t && maxAlpha(u, d, b, y, x) > t;
    case 'none':
      return true;
  }
}

/** One CA step with its intermediates. */
export function stepDetailed(cfg: RuleConfig, w: Weights, s: ArrayLike<number>, d: Dims, k: Counters): StepRecord {
  const spec = ruleSpec(cfg.rule);
  const n = d.batch * d.height * d.width;
  const u = new Float64Array(n * CHANNELS);
  const p = new Float64Array(PERCEPTION);
  const m = new Float64Array(CHANNELS);
  for (let b = 0; b < d.batch; b++) {
    for (let y = 0; y < d.height; y++) {
      for (let x = 0; x < d.width; x++) {
        perceive(cfg.rule, s, d, b, y, x, p);
        const { y: out } = mlp(cfg, w, p);
        updateMask(cfg, d, k, b, y, x, m);
        const o = ((b * d.height + y) * d.width + x) * CHANNELS;
        for (let c = 0; c < CHANNELS; c++) {
          const xc = s[o + c]!;
          u[o + c] = spec.update(xc, m[c]!, out[c]!);
        }
      }
    }
  }
  const alive = new Float64Array(n);
  const next = new Float64Array(n * CHANNELS);
  for (let b = 0; b < d.batch; b++) {
    for (let y = 0; y < d.height; y++) {
      for (let x = 0; x < d.width; x++) {
        const i = (b * d.height + y) * d.width + x;
        const live = isAlive(spec, s, u, d, b, y, x, i);
        alive[i] = live ? 1 : 0;
        if (live) for (let c = 0; c < CHANNELS; c++) next[i * CHANNELS + c] = u[i * CHANNELS + c]!;
      }
    }
  }
  return { next, u, alive };
}

/** One CA step: x_{t+1} from x_t. */
export function step(cfg: RuleConfig, w: Weights, s: ArrayLike<number>, d: Dims, k: Counters): Float64Array {
  return stepDetailed(cfg, w, s, d, k).next;
}

/** `n` steps from `s`, with step counters k.step, k.step + 1, … */
export function rollout(cfg: RuleConfig, w: Weights, s: ArrayLike<number>, d: Dims, k: Counters, n: number): Float64Array {
  let x: Float64Array = Float64Array.from(s);
  for (let t = 0; t < n; t++) x = step(cfg, w, x, d, { ...k, step: k.step + t });
  return x;
}
