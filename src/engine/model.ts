/**
 * The model: which update rule, how wide its hidden layer is, and its weights.
 *
 * Weights are plain row-major float32 arrays, [out][in]:
 *   w0: hidden × 48   (perception → hidden)      b0: hidden
 *   w1: 16 × hidden   (hidden → channel update)  b1: 16 (seed rule always; growing rule only with
 *                                                 `outputBias`, as Distill's models have it)
 * Perception features are ordered in three groups of 16 channels (see docs/model.md):
 *   seed:    [s, moore, sobel_x + sobel_y]       growing: [s, sobel_x / 8, sobel_y / 8]
 */
import { check, checkInt, checkNumber, describe, NcaGlError } from '../errors';
import { cellKey, draw24, STREAM_BASE } from './hash';

export type Rule = 'seed' | 'growing';
export const RULES: readonly Rule[] = ['seed', 'growing'];
/** Channels per cell: RGBA then 12 hidden channels. */
export const CHANNELS = 16;
/** Perception features per cell (3 per channel). */
export const PERCEPTION = 48;
export const MAX_HIDDEN = 256;
/** A cell whose alive signal is at or below this is dead (SPEC §2). */
export const ALIVE_THRESHOLD = 0.1;

export interface Weights {
  w0: Float32Array;
  b0: Float32Array;
  w1: Float32Array;
  /** Output bias: always for the seed rule; for the growing rule when `outputBias` is set. */
  b1?: Float32Array;
}

/** How a model updates: everything but the weights. */
export interface RuleConfig {
  rule: Rule;
  /** Hidden units: a multiple of 4 from 4 to 256. */
  hidden: number;
  /** Probability that an element (seed) or a cell (growing) takes its update in a step. */
  rate: number;
  /** Draw the update mask once per cell (true) or once per channel of each cell (false). */
  perCell: boolean;
  /**
   * Growing rule only: the output layer has a bias b1 (Distill's models do). Absent (false) by
   * default, so models without one keep their shapes; the seed rule always has b1.
   */
  outputBias?: boolean;
}

/** Whether a rule configuration has the output bias b1 (the seed rule always does). */
export function hasOutputBias(cfg: Pick<RuleConfig, 'rule' | 'outputBias'>): boolean {
  return cfg.rule === 'seed' || cfg.outputBias === true;
}

export function defaultRuleConfig(rule: Rule): RuleConfig {
  return rule === 'seed'
    ? { rule, hidden: 64, rate: 0.8, perCell: false }
    : { rule, hidden: 128, rate: 0.5, perCell: true };
}

/** Fills in defaults and checks every field, naming the bad one. */
export function resolveRuleConfig(opts: Partial<RuleConfig> & { rule?: Rule }): RuleConfig {
  const rule = opts.rule ?? 'growing';
  check(RULES.includes(rule), `option 'rule' must be 'seed' or 'growing', got ${describe(rule)}`);
  const d = defaultRuleConfig(rule);
  const hidden = checkInt('hidden', opts.hidden ?? d.hidden, 4, MAX_HIDDEN);
  check(hidden % 4 === 0, `option 'hidden' must be a multiple of 4 (it is stored 4 units per texel), got ${hidden}`);
  const rate = checkNumber('rate', opts.rate ?? d.rate, 0, 1);
  const perCell = opts.perCell ?? d.perCell;
  check(typeof perCell === 'boolean', `option 'perCell' must be true or false, got ${describe(perCell)}`);
  const outputBias = opts.outputBias ?? false;
  check(typeof outputBias === 'boolean', `option 'outputBias' must be true or false, got ${describe(outputBias)}`);
  const cfg: RuleConfig = { rule, hidden, rate, perCell };
  // Only the growing rule's bias is optional; the seed rule's is part of the rule.
  if (rule === 'growing' && outputBias) cfg.outputBias = true;
  return cfg;
}

export interface TensorShape {
  name: keyof Weights;
  rows: number;
  cols: number;
}

/**
 * The parameter tensors of a rule, in a fixed order. `outputBias` adds b1 to the growing rule
 * (the seed rule always has it).
 */
export function weightShapes(rule: Rule, hidden: number, outputBias = false): TensorShape[] {
  const shapes: TensorShape[] = [
    { name: 'w0', rows: hidden, cols: PERCEPTION },
    { name: 'b0', rows: hidden, cols: 1 },
    { name: 'w1', rows: CHANNELS, cols: hidden },
  ];
  if (rule === 'seed' || outputBias) shapes.push({ name: 'b1', rows: CHANNELS, cols: 1 });
  return shapes;
}

/** Throws a `bad-shape` error naming the tensor unless `w` has exactly the rule's tensors, finite. */
export function checkWeights(w: unknown, rule: Rule, hidden: number, outputBias = false): Weights {
  const bias = rule === 'seed' || outputBias;
  if (typeof w !== 'object' || w === null) {
    throw new NcaGlError('bad-shape', `weights must be an object {w0, b0, w1${bias ? ', b1' : ''}}, got ${describe(w)}`);
  }
  const obj = w as Record<string, unknown>;
  const shapes = weightShapes(rule, hidden, bias);
  const out: Partial<Weights> = {};
  for (const s of shapes) {
    const t = obj[s.name];
    const n = s.rows * s.cols;
    const what = s.cols === 1 ? `${s.rows}` : `${s.rows} × ${s.cols}`;
    if (!(t instanceof Float32Array || t instanceof Float64Array || Array.isArray(t))) {
      throw new NcaGlError('bad-shape', `weight '${s.name}' is missing or not a Float32Array: expected ${n} values (${what}) for rule '${rule}' with hidden ${hidden}${rule === 'growing' && s.name === 'b1' ? ' and an output bias' : ''}`);
    }
    if (t.length !== n) {
      throw new NcaGlError('bad-shape', `weight '${s.name}' has ${t.length} values, expected ${n} (${what}) for rule '${rule}' with hidden ${hidden}`);
    }
    const f = Float32Array.from(t as ArrayLike<number>);
    const bad = f.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new NcaGlError('bad-shape', `weight '${s.name}' holds a non-finite value (${f[bad]}) at index ${bad}`);
    out[s.name] = f;
  }
  const extra = Object.keys(obj).filter((k) => !shapes.some((s) => s.name === k));
  if (extra.length > 0) {
    const hint = rule === 'growing' && extra.includes('b1') ? ` (the growing rule has no output bias unless outputBias: true is set)` : '';
    throw new NcaGlError('bad-shape', `unexpected weight tensor(s) ${extra.map((e) => `'${e}'`).join(', ')} for rule '${rule}'${hint}`);
  }
  return out as Weights;
}

/** Zero weights of the right shapes. */
export function zeroWeights(rule: Rule, hidden: number, outputBias = false): Weights {
  const w: Partial<Weights> = {};
  for (const s of weightShapes(rule, hidden, outputBias)) w[s.name] = new Float32Array(s.rows * s.cols);
  return w as Weights;
}

/** Deterministic standard normal draws from the project hash (Box–Muller). */
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

/**
 * Initial weights, reproducible from `seed`.
 * seed rule (article): every weight 100·N(0,1)/(fan_in·fan_out), biases 0.
 * growing rule (Distill): w0 Glorot-uniform, b0 0, w1 0 and b1 (with `outputBias`) 0, so the
 * first model does nothing.
 */
export function initWeights(rule: Rule, hidden: number, seed: number, outputBias = false): Weights {
  const w = zeroWeights(rule, hidden, outputBias);
  if (rule === 'seed') {
    const n0 = normals(seed, 1, w.w0.length);
    const s0 = 100 / (PERCEPTION * hidden);
    for (let i = 0; i < n0.length; i++) w.w0[i] = s0 * n0[i]!;
    const n1 = normals(seed, 2, w.w1.length);
    const s1 = 100 / (hidden * CHANNELS);
    for (let i = 0; i < n1.length; i++) w.w1[i] = s1 * n1[i]!;
  } else {
    const limit = Math.sqrt(6 / (PERCEPTION + hidden));
    for (let i = 0; i < w.w0.length; i++) {
      const k = cellKey(seed, 0, STREAM_BASE + 1, 0, i);
      w.w0[i] = limit * (2 * ((draw24(k, 0) + 0.5) / 16777216) - 1);
    }
  }
  return w;
}

export function cloneWeights(w: Weights): Weights {
  const c: Weights = { w0: w.w0.slice(), b0: w.b0.slice(), w1: w.w1.slice() };
  if (w.b1) c.b1 = w.b1.slice();
  return c;
}

/** Number of trainable parameters. */
export function parameterCount(rule: Rule, hidden: number, outputBias = false): number {
  return weightShapes(rule, hidden, outputBias).reduce((n, s) => n + s.rows * s.cols, 0);
}
