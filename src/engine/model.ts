/**
 * The model: which update rule, how wide its hidden layer is, and its weights.
 *
 * Weights are plain row-major float32 arrays, [out][in]:
 *   w0: hidden × 48   (perception → hidden)      b0: hidden
 *   w1: 16 × hidden   (hidden → channel update)  b1: 16 (rules whose output bias is 'always', e.g.
 *                                                 seed; the others only with `outputBias`, as
 *                                                 Distill's growing models have it)
 * Perception features are ordered in three groups of 16 channels (see docs/model.md); what differs
 * per rule is in the registry, src/engine/rules.ts.
 */
import { check, checkInt, checkNumber, describe, NcaGlError } from '../errors';
import { CHANNELS, PERCEPTION, RULE_NAMES, isRule, ruleSpec, type Rule } from './rules';

export { ALIVE_THRESHOLD, CHANNELS, PERCEPTION, RULE_NAMES, type Rule } from './rules';
export { normals } from './hash';
export const MAX_HIDDEN = 256;

export interface Weights {
  w0: Float32Array;
  b0: Float32Array;
  w1: Float32Array;
  /** Output bias: always for a rule whose b1 is part of it (seed); for the others when `outputBias` is set. */
  b1?: Float32Array;
}

/** How a model updates: everything but the weights. */
export interface RuleConfig {
  rule: Rule;
  /** Hidden units: a multiple of 4 from 4 to 256. */
  hidden: number;
  /** Probability that an element (perCell false) or a cell (perCell true) takes its update in a step. */
  rate: number;
  /** Draw the update mask once per cell (true) or once per channel of each cell (false). */
  perCell: boolean;
  /**
   * Rules whose output bias is optional (growing) only: the output layer has a bias b1 (Distill's
   * models do). Absent (false) by default, so models without one keep their shapes; a rule whose
   * bias is 'always' (seed) has b1 regardless.
   */
  outputBias?: boolean;
}

/** Whether a rule configuration has the output bias b1 (a rule whose bias is 'always' does). */
export function hasOutputBias(cfg: Pick<RuleConfig, 'rule' | 'outputBias'>): boolean {
  return ruleSpec(cfg.rule).outputBias === 'always' || cfg.outputBias === true;
}

export function defaultRuleConfig(rule: Rule): RuleConfig {
  return { rule, ...ruleSpec(rule).defaults };
}

/** The rule names for messages: "'seed' or 'growing'". */
export function ruleChoices(): string {
  const q = RULE_NAMES.map((r) => `'${r}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}` : q.join('');
}

/** Fills in defaults and checks every field, naming the bad one. */
export function resolveRuleConfig(opts: Partial<RuleConfig> & { rule?: Rule }): RuleConfig {
  const rule = opts.rule ?? 'growing';
  check(isRule(rule), `option 'rule' must be ${ruleChoices()}, got ${describe(rule)}`);
  const d = defaultRuleConfig(rule);
  const hidden = checkInt('hidden', opts.hidden ?? d.hidden, 4, MAX_HIDDEN);
  check(hidden % 4 === 0, `option 'hidden' must be a multiple of 4 (it is stored 4 units per texel), got ${hidden}`);
  const rate = checkNumber('rate', opts.rate ?? d.rate, 0, 1);
  const perCell = opts.perCell ?? d.perCell;
  check(typeof perCell === 'boolean', `option 'perCell' must be true or false, got ${describe(perCell)}`);
  const outputBias = opts.outputBias ?? false;
  check(typeof outputBias === 'boolean', `option 'outputBias' must be true or false, got ${describe(outputBias)}`);
  const cfg: RuleConfig = { rule, hidden, rate, perCell };
  // Only an optional bias is recorded; a rule whose bias is 'always' has it as part of the rule.
  if (ruleSpec(rule).outputBias === 'optional' && outputBias) cfg.outputBias = true;
  return cfg;
}

export interface TensorShape {
  name: keyof Weights;
  rows: number;
  cols: number;
}

/**
 * The parameter tensors of a rule, in a fixed order. `outputBias` adds b1 to a rule whose bias is
 * optional (a rule whose bias is 'always' has it anyway).
 */
export function weightShapes(rule: Rule, hidden: number, outputBias = false): TensorShape[] {
  const shapes: TensorShape[] = [
    { name: 'w0', rows: hidden, cols: PERCEPTION },
    { name: 'b0', rows: hidden, cols: 1 },
    { name: 'w1', rows: CHANNELS, cols: hidden },
  ];
  if (hasOutputBias({ rule, outputBias })) shapes.push({ name: 'b1', rows: CHANNELS, cols: 1 });
  return shapes;
}

/** Throws a `bad-shape` error naming the tensor unless `w` has exactly the rule's tensors, finite. */
export function checkWeights(w: unknown, rule: Rule, hidden: number, outputBias = false): Weights {
  const bias = hasOutputBias({ rule, outputBias });
  const optionalBias = ruleSpec(rule).outputBias === 'optional';
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
      throw new NcaGlError('bad-shape', `weight '${s.name}' is missing or not a Float32Array: expected ${n} values (${what}) for rule '${rule}' with hidden ${hidden}${optionalBias && s.name === 'b1' ? ' and an output bias' : ''}`);
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
    const hint = optionalBias && extra.includes('b1') ? ` (the ${rule} rule has no output bias unless outputBias: true is set)` : '';
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

/** Initial weights, reproducible from `seed`, as the rule's registry entry says (RuleSpec.init). */
export function initWeights(rule: Rule, hidden: number, seed: number, outputBias = false): Weights {
  const w = zeroWeights(rule, hidden, outputBias);
  ruleSpec(rule).init(w, hidden, seed);
  return w;
}

/**
 * The seed state, [batch][y][x][16]: every grid empty but its centre cell (⌊W/2⌋, ⌊H/2⌋, row 0 at
 * the top), whose channels 3..15 (alpha and the hidden channels) are 1.
 */
export function seedState(batch: number, width: number, height: number): Float32Array {
  const s = new Float32Array(batch * width * height * CHANNELS);
  for (let b = 0; b < batch; b++) {
    const o = ((b * height + Math.floor(height / 2)) * width + Math.floor(width / 2)) * CHANNELS;
    for (let c = 3; c < CHANNELS; c++) s[o + c] = 1;
  }
  return s;
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
