/**
 * The counter-based hash behind every random choice the CA makes (update masks, perturbations).
 *
 * It is a pure function of integers, computed bit for bit the same in TypeScript (here) and in
 * GLSL (`glsl/common/hash.glsl`), so the CPU reference draws the same masks as the GPU and the
 * backward pass regenerates the forward pass's masks instead of storing them.
 *
 * hash32 is Chris Wellons' "lowbias32" integer finaliser. A key chains the counters:
 *   key = H(H(H(H(H(seed) ^ iteration) ^ step) ^ batch) ^ cell),  cell = y * W + x
 * and an element's 24-bit draw is H(key ^ channel) >> 8 (channel 0 for per-cell draws).
 * A draw fires when it is below floor(rate * 2^24): an integer comparison, so the float rate is
 * never compared in two precisions.
 */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** Key of one cell's draws at one step of one iteration. All inputs are taken mod 2^32. */
export function cellKey(seed: number, iteration: number, step: number, batch: number, cell: number): number {
  let h = hash32(seed >>> 0);
  h = hash32((h ^ iteration) >>> 0);
  h = hash32((h ^ step) >>> 0);
  h = hash32((h ^ batch) >>> 0);
  return hash32((h ^ cell) >>> 0);
}

/** 24-bit draw for one channel of a cell (channel 0 for per-cell draws). */
export function draw24(key: number, channel: number): number {
  return hash32((key ^ channel) >>> 0) >>> 8;
}

/** Integer threshold for a firing probability: a draw fires when draw24 < threshold. */
export function rateThreshold(rate: number): number {
  return Math.min(1 << 24, Math.max(0, Math.floor(rate * (1 << 24))));
}

/** Uniform float in [0, 1) from a 24-bit draw, exact in float32. */
export function unit(d24: number): number {
  return d24 / 16777216;
}

/**
 * Step indices at and above this value are reserved for streams other than the update masks
 * (perturbations, pool damage), so those draws never coincide with a mask draw.
 */
export const STREAM_BASE = 0xf0000000;

/** Deterministic standard normal draws from the hash (Box–Muller), on stream STREAM_BASE + `stream`. */
export function normals(seed: number, stream: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = cellKey(seed, 0, STREAM_BASE + stream, 0, i);
    const u1 = (draw24(k, 0) + 0.5) / 16777216;
    const u2 = (draw24(k, 1) + 0.5) / 16777216;
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/** The counters that key a step's draws (cellKey): run seed, training iteration, step. */
/**
 * Step counter of the first preroll step (forward steps before a training rollout,
 * Trainer.enqueueIteration): far above any rollout step, below the streams.
 */
export const PREROLL_STEP = 0x40000000;
/** Hash stream of the per-iteration preroll length. */
export const PREROLL_STREAM = STREAM_BASE + 3;

/**
 * The preroll of iteration `it` for a preset preroll of `max` steps (even): an even number drawn
 * uniformly from {0, 2, …, max} by the hash of (seed, it).
 */
export function prerollLength(max: number, seed: number, it: number): number {
  return max > 0 ? 2 * (cellKey(seed, it, PREROLL_STREAM, 0, 0) % (Math.floor(max / 2) + 1)) : 0;
}

export interface Counters {
  seed: number;
  iteration: number;
  step: number;
}
