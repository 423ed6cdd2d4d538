/**
 * Float64 parameter tensors for the training reference (src/train/reference.ts): shape checks,
 * per-tensor gradient normalisation and Adam, as docs/model.md steps 5 and 6.
 */
import { check, checkNumber, describe, NcaGlError } from '../errors';
import { hasOutputBias, type RuleConfig, type TensorShape, weightShapes } from '../engine/model';
import { ruleSpec } from '../engine/rules';

/** Float64 copies of parameter tensors, same names and shapes as Weights (b1 when the rule has one: hasOutputBias). */
export interface Grads {
  w0: Float64Array;
  b0: Float64Array;
  w1: Float64Array;
  b1?: Float64Array;
}

/** Weights, Grads or plain arrays: anything with the tensors of a rule. */
export interface ParamsLike {
  w0: ArrayLike<number>;
  b0: ArrayLike<number>;
  w1: ArrayLike<number>;
  b1?: ArrayLike<number> | undefined;
}

type Name = keyof Grads;

function isArrayLike(t: unknown): t is ArrayLike<number> {
  return ArrayBuffer.isView(t) || Array.isArray(t);
}

/** Checks that `w` has exactly the tensors of `shapes` and copies them to float64. */
function copyTensors(w: unknown, shapes: TensorShape[], what: string, hint: string): Grads {
  if (typeof w !== 'object' || w === null) throw new NcaGlError('bad-shape', `${what} must be an object {${shapes.map((s) => s.name).join(', ')}}, got ${describe(w)}`);
  const obj = w as Record<string, unknown>;
  const out: Partial<Grads> = {};
  for (const s of shapes) {
    const t = obj[s.name];
    const n = s.rows * s.cols;
    if (!isArrayLike(t)) throw new NcaGlError('bad-shape', `${what} tensor '${s.name}' is missing or not an array: expected ${n} values${hint}`);
    if (t.length !== n) throw new NcaGlError('bad-shape', `${what} tensor '${s.name}' has ${t.length} values, expected ${n}${hint}`);
    out[s.name as Name] = Float64Array.from(t);
  }
  const extra = Object.keys(obj).filter((k) => obj[k] !== undefined && !shapes.some((s) => s.name === k));
  if (extra.length > 0) throw new NcaGlError('bad-shape', `unexpected ${what} tensor(s) ${extra.map((e) => `'${e}'`).join(', ')}${hint}`);
  return out as Grads;
}

/** Float64 copies of the parameters of `cfg`'s rule; throws `bad-shape` naming the bad tensor. */
export function toFloat64Params(cfg: RuleConfig, w: unknown, what: string): Grads {
  const bias = hasOutputBias(cfg);
  const hint = ` for rule '${cfg.rule}' with hidden ${cfg.hidden}${ruleSpec(cfg.rule).outputBias === 'optional' ? (bias ? ' and an output bias' : ` (this ${cfg.rule}-rule model has no b1; set outputBias: true)`) : ''}`;
  return copyTensors(w, weightShapes(cfg.rule, cfg.hidden, bias), what, hint);
}

/** Zero tensors of the rule's shapes. */
export function zeroGrads(cfg: RuleConfig): Grads {
  const g: Partial<Grads> = {};
  for (const s of weightShapes(cfg.rule, cfg.hidden, hasOutputBias(cfg))) g[s.name as Name] = new Float64Array(s.rows * s.cols);
  return g as Grads;
}

/** Σ w² over every parameter of the rule. */
export function sumOfSquares(cfg: RuleConfig, w: Grads): number {
  let s = 0;
  for (const sh of weightShapes(cfg.rule, cfg.hidden, hasOutputBias(cfg))) for (const v of w[sh.name as Name]!) s += v * v;
  return s;
}

/** The tensor names present in `g`, in the fixed order w0, b0, w1, b1. */
function names(g: Grads): Name[] {
  return (['w0', 'b0', 'w1', 'b1'] as const).filter((k) => g[k] !== undefined);
}

/** The shapes of `g`'s tensors (as flat vectors), to check other tensor sets against. */
function flatShapes(g: Grads): TensorShape[] {
  return names(g).map((k) => ({ name: k, rows: g[k]!.length, cols: 1 }));
}

function grads(g: unknown, what: string): Grads {
  if (typeof g !== 'object' || g === null) throw new NcaGlError('bad-shape', `${what} must be an object {w0, b0, w1[, b1]}, got ${describe(g)}`);
  const obj = g as Record<string, unknown>;
  const shapes: TensorShape[] = [];
  for (const k of ['w0', 'b0', 'w1', 'b1'] as const) {
    const t = obj[k];
    if (t === undefined && k === 'b1') continue;
    if (!isArrayLike(t)) throw new NcaGlError('bad-shape', `${what} tensor '${k}' is missing or not an array`);
    shapes.push({ name: k, rows: t.length, cols: 1 });
  }
  return copyTensors(g, shapes, what, '');
}

/** Per-tensor normalisation (Distill): g / (‖g‖₂ + 1e-8), separately for each tensor. */
export function normalizeGrads(g: Grads): Grads {
  const src = grads(g, 'gradients');
  const out: Partial<Grads> = {};
  for (const k of names(src)) {
    const t = src[k]!;
    let s = 0;
    for (const v of t) s += v * v;
    const scale = 1 / (Math.sqrt(s) + 1e-8);
    out[k] = t.map((v) => v * scale);
  }
  return out as Grads;
}

export interface AdamOptions {
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
}

export interface AdamState {
  /** Updates done so far. */
  n: number;
  /** First moments. */
  m: Grads;
  /** Second moments. */
  v: Grads;
}

function nonNegative(name: string, v: unknown): number {
  check(typeof v === 'number' && Number.isFinite(v) && v >= 0, `option '${name}' must be a finite number ≥ 0, got ${describe(v)}`);
  return v;
}

/** Adam state before the first update: zero moments, n = 0. */
export function adamInit(cfg: RuleConfig): AdamState {
  return { n: 0, m: zeroGrads(cfg), v: zeroGrads(cfg) };
}

/**
 * One Adam update (docs/model.md step 6) with step count n = s.n + 1:
 *   m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − lr · (m / (1−β1ⁿ)) / (sqrt(v / (1−β2ⁿ)) + ε).
 * Returns new float64 weights and state; mutates nothing.
 */
export function adamStep(w: ParamsLike, g: Grads, s: AdamState, o: AdamOptions): { weights: Grads; state: AdamState } {
  check(typeof o === 'object' && o !== null, `Adam options must be an object {lr, beta1?, beta2?, eps?}, got ${describe(o)}`);
  const lr = nonNegative('lr', o.lr);
  const b1 = checkNumber('beta1', o.beta1 ?? 0.9, 0, 1);
  const b2 = checkNumber('beta2', o.beta2 ?? 0.999, 0, 1);
  check(b1 < 1 && b2 < 1, `options 'beta1' and 'beta2' must be below 1, got ${b1} and ${b2}`);
  const eps = nonNegative('eps', o.eps ?? 1e-8);
  check(typeof s === 'object' && s !== null, `Adam state must be an object {n, m, v}, got ${describe(s)}`);
  check(Number.isInteger(s.n) && s.n >= 0, `Adam state 'n' must be a non-negative integer, got ${describe(s.n)}`);
  const gg = grads(g, 'gradients');
  const shapes = flatShapes(gg);
  const hint = ' (it must have the same tensors and sizes as the gradients)';
  const w64 = copyTensors(w, shapes, 'weights', hint);
  const m = copyTensors(s.m, shapes, "Adam state 'm'", hint);
  const v = copyTensors(s.v, shapes, "Adam state 'v'", hint);
  const n = s.n + 1;
  const c1 = 1 - Math.pow(b1, n);
  const c2 = 1 - Math.pow(b2, n);
  for (const k of names(gg)) {
    const gt = gg[k]!;
    const mt = m[k]!;
    const vt = v[k]!;
    const wt = w64[k]!;
    for (let i = 0; i < gt.length; i++) {
      const gi = gt[i]!;
      mt[i] = b1 * mt[i]! + (1 - b1) * gi;
      vt[i] = b2 * vt[i]! + (1 - b2) * gi * gi;
      wt[i] = wt[i]! - (lr * (mt[i]! / c1)) / (Math.sqrt(vt[i]! / c2) + eps);
    }
  }
  return { weights: w64, state: { n, m, v } };
}
