/**
 * The float64 training reference (src/train/reference.ts) against central finite differences, for
 * every parameter of every tensor, with stochastic update masks and alive masks active; plus
 * gradient normalisation, Adam by hand, and the masks' link to the hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NcaGlError } from '../../src/errors';
import { cellKey, draw24, prerollLength, rateThreshold } from '../../src/engine/hash';
import { type RuleConfig, type Weights, weightShapes } from '../../src/engine/model';
import { type Dims, mlp, perceive, stepDetailed, updateMask } from '../../src/engine/reference';
import {
  adamInit,
  adamStep,
  type Grads,
  lossAndGrad,
  lossAndPattern,
  lossOnly,
  normalizeGrads,
  type TrainSpec,
} from '../../src/train/reference';
import { randomState, randomWeights, uniform } from '../helpers/random';
import { registerResidual } from '../helpers/test-rule';

const H = 1e-6;
const D: Dims = { batch: 2, height: 5, width: 6 };

function growingCfg(rate = 0.5, hidden = 8): RuleConfig {
  return { rule: 'growing', hidden, rate, perCell: true };
}
function seedCfg(rate = 0.8, perCell = false, hidden = 8): RuleConfig {
  return { rule: 'seed', hidden, rate, perCell };
}

/** Weights that keep the state O(1); the seed rule's alpha bias is lowered so that cells die. */
function weightsFor(cfg: RuleConfig, seed: number): Weights {
  if (cfg.rule === 'growing') {
    const w = randomWeights('growing', cfg.hidden, seed, { w0: 0.3, b0: 0.1, w1: 0.04 });
    // Distill's output bias (negative and positive values, and an exact zero)
    if (cfg.outputBias) (w.b1 = uniform(seed, 9, 16, -0.05, 0.05))[5] = 0;
    return w;
  }
  const w = randomWeights('seed', cfg.hidden, seed, { w0: 0.5, b0: 0.2, w1: 0.5, b1: 0.5 });
  w.b1![3] = -1.5;
  return w;
}

/** An RGBA target in [0, 1] with exact zeros (every 5th value and a transparent corner). */
function targetFor(d: Dims, seed: number): Float32Array {
  const t = uniform(seed, 7, d.height * d.width * 4, 0, 1);
  for (let i = 0; i < t.length; i += 5) t[i] = 0;
  for (let c = 0; c < 4; c++) t[c] = 0;
  return t;
}

function spec(o: Partial<TrainSpec>): TrainSpec {
  return { steps: 6, lossSteps: 3, loss: 'mse', weightDecay: 0, seed: 9, iteration: 11, ...o };
}

type Name = keyof Grads;

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

function toGrads(w: Weights): Grads {
  const g: Grads = { w0: Float64Array.from(w.w0), b0: Float64Array.from(w.b0), w1: Float64Array.from(w.w1) };
  if (w.b1) g.b1 = Float64Array.from(w.b1);
  return g;
}

function samePattern(a: Int8Array, b: Int8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

interface FdResult {
  relErr: Partial<Record<Name, number>>;
  gradNorm: Partial<Record<Name, number>>;
  /** Parameters whose ±h rollouts changed an alive mask, a relu sign or a sign(e). */
  straddled: string[];
  probes: number;
}

/** Central differences of the loss for every parameter, with the kink check of each probe. */
function finiteDifferences(cfg: RuleConfig, w: Weights, x0: ArrayLike<number>, target: ArrayLike<number>, d: Dims, s: TrainSpec): FdResult {
  const exact = lossAndGrad(cfg, w, x0, target, d, s);
  const base = lossAndPattern(cfg, w, x0, target, d, s);
  const res: FdResult = { relErr: {}, gradNorm: {}, straddled: [], probes: 0 };
  for (const shape of weightShapes(cfg.rule, cfg.hidden, cfg.outputBias)) {
    const name = shape.name as Name;
    const g = exact.grads[name]!;
    const fd = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) {
      const losses: number[] = [];
      for (const sign of [1, -1]) {
        const wp = toGrads(w);
        wp[name]![i]! += sign * H;
        const r = lossAndPattern(cfg, wp, x0, target, d, s);
        if (!samePattern(r.pattern, base.pattern)) res.straddled.push(`${name}[${i}]${sign > 0 ? '+' : '-'}`);
        losses.push(r.loss);
        res.probes++;
      }
      fd[i] = (losses[0]! - losses[1]!) / (2 * H);
    }
    res.relErr[name] = norm(fd.map((v, i) => v - g[i]!)) / norm(g);
    res.gradNorm[name] = norm(g);
  }
  return res;
}

/** Alive counts of x_1 … x_T (a dead cell is exactly zero), and alive cells on the grid's border. */
function aliveStats(states: Float64Array[], d: Dims): { alive: number; dead: number; border: number } {
  let alive = 0;
  let dead = 0;
  let border = 0;
  for (const x of states.slice(1)) {
    for (let b = 0; b < d.batch; b++) {
      for (let y = 0; y < d.height; y++) {
        for (let xx = 0; xx < d.width; xx++) {
          const o = ((b * d.height + y) * d.width + xx) * 16;
          const live = x.subarray(o, o + 16).some((v) => v !== 0);
          if (!live) dead++;
          else {
            alive++;
            if (y === 0 || xx === 0 || y === d.height - 1 || xx === d.width - 1) border++;
          }
        }
      }
    }
  }
  return { alive, dead, border };
}

const CASES: { name: string; cfg: RuleConfig; spec: TrainSpec }[] = [
  { name: 'growing, mse, K=3 < T=6, weight decay', cfg: growingCfg(0.5, 4), spec: spec({ loss: 'mse', steps: 6, lossSteps: 3, weightDecay: 1e-3 }) },
  { name: 'seed per element, l1l2, K=2 < T=6, weight decay', cfg: seedCfg(0.8, false, 4), spec: spec({ loss: 'l1l2', steps: 6, lossSteps: 2, weightDecay: 1e-3, iteration: 5 }) },
  { name: 'growing, l1l2, K=T=5', cfg: growingCfg(0.5, 4), spec: spec({ loss: 'l1l2', steps: 5, lossSteps: 5, seed: 3, iteration: 0 }) },
  { name: 'seed per cell, mse, K=T=4', cfg: seedCfg(0.8, true, 4), spec: spec({ loss: 'mse', steps: 4, lossSteps: 4, seed: 77, iteration: 123456 }) },
  { name: 'growing with output bias b1, mse, K=2 < T=5, weight decay', cfg: { ...growingCfg(0.5, 4), outputBias: true }, spec: spec({ loss: 'mse', steps: 5, lossSteps: 2, weightDecay: 1e-3, seed: 21 }) },
];

describe('lossAndGrad against central finite differences (every parameter)', () => {
  it.each(CASES)('$name', ({ cfg, spec: s }) => {
    const w = weightsFor(cfg, 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const target = targetFor(D, 5);
    const { states } = lossAndGrad(cfg, w, x0, target, D, s);
    const st = aliveStats(states, D);
    expect(st.dead).toBeGreaterThan(0);
    expect(st.alive).toBeGreaterThan(0);
    expect(st.border).toBeGreaterThan(0);

    const r = finiteDifferences(cfg, w, x0, target, D, s);
    if (process.env.NCA_REPORT) process.stdout.write(`${JSON.stringify({ case: s, rule: cfg.rule, ...r, straddled: r.straddled.length })}\n`);
    // No probe crossed a discontinuity, so every difference below is a valid derivative estimate.
    expect(r.straddled).toEqual([]);
    expect(r.probes).toBe(2 * weightShapes(cfg.rule, cfg.hidden, cfg.outputBias).reduce((n, t) => n + t.rows * t.cols, 0));
    for (const t of weightShapes(cfg.rule, cfg.hidden, cfg.outputBias)) {
      const name = t.name as Name;
      expect(r.gradNorm[name], `|g| of ${name}`).toBeGreaterThan(1e-4);
      expect(r.relErr[name], `relative error of ${name}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('detects a probe that straddles an alive threshold', () => {
    // Put one cell's alpha right at the threshold for the seed rule with no update (rate 0):
    // x' = (x_3 > 0.1) ? x : 0, so moving alpha across 0.1 flips the pattern.
    const cfg = seedCfg(0);
    const w = weightsFor(cfg, 3);
    const x0 = new Float64Array(D.batch * D.height * D.width * 16);
    x0[3] = 0.1;
    const s = spec({ steps: 1, lossSteps: 1 });
    const t = targetFor(D, 5);
    const a = lossAndPattern(cfg, w, x0, t, D, s).pattern;
    x0[3] = 0.1 + 1e-12;
    const b = lossAndPattern(cfg, w, x0, t, D, s).pattern;
    expect(samePattern(a, b)).toBe(false);
  });

  it('detects a probe that straddles a relu kink', () => {
    // With w0 = 0 every cell's z0 = b0; moving b0[1] across 0 flips the relu sign of unit 1.
    const cfg = growingCfg();
    const w = weightsFor(cfg, 3);
    w.w0.fill(0);
    w.b0[1] = 0;
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const s = spec({ steps: 1, lossSteps: 1 });
    const t = targetFor(D, 5);
    const a = lossAndPattern(cfg, w, x0, t, D, s).pattern;
    const wp = toGrads(w);
    wp.b0[1] = 1e-12;
    const b = lossAndPattern(cfg, wp, x0, t, D, s).pattern;
    expect(samePattern(a, b)).toBe(false);
    wp.b0[1] = -1e-12;
    expect(samePattern(a, lossAndPattern(cfg, wp, x0, t, D, s).pattern)).toBe(true);
  });
});

describe('a rule given only by its registry entry (the test rule residual: tanh, residual update, no alive masking)', () => {
  // everything rule-specific in the references comes from the RuleSpec: act, actBack, output,
  // update, updateDx, updateDz, the alive test and the perception
  let remove: () => void;
  beforeAll(() => {
    remove = registerResidual();
  });
  afterAll(() => remove?.());

  it.each([
    { name: 'per element, mse, K=3 < T=6, weight decay', cfg: { rule: 'residual', hidden: 4, rate: 0.5, perCell: false }, spec: spec({ loss: 'mse', steps: 6, lossSteps: 3, weightDecay: 1e-3 }) },
    { name: 'per cell, l1l2, K=T=4', cfg: { rule: 'residual', hidden: 8, rate: 0.7, perCell: true }, spec: spec({ loss: 'l1l2', steps: 4, lossSteps: 4, seed: 77, iteration: 3 }) },
  ] as { name: string; cfg: RuleConfig; spec: TrainSpec }[])('lossAndGrad matches central finite differences of every parameter: $name', ({ cfg, spec: s }) => {
    const w = randomWeights(cfg.rule, cfg.hidden, 3, { w0: 0.5, b0: 0.2, w1: 0.5, b1: 0.2 });
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const target = targetFor(D, 5);
    const { states } = lossAndGrad(cfg, w, x0, target, D, s);
    // no alive masking: every cell lives, x_1 is the unmasked update u, also where alpha ≤ 0.1
    const first = stepDetailed(cfg, w, x0, D, { seed: s.seed, iteration: s.iteration, step: 0 });
    expect(Array.from(first.alive).every((v) => v === 1)).toBe(true);
    expect(Array.from(first.next)).toEqual(Array.from(first.u));
    expect(Array.from(states[1]!)).toEqual(Array.from(first.next));
    let lowKept = 0;
    for (let i = 0; i < D.batch * D.height * D.width; i++) if (states[1]![i * 16 + 3]! <= 0.1 && states[1]!.subarray(i * 16, i * 16 + 16).some((v) => v !== 0)) lowKept++;
    expect(lowKept).toBeGreaterThan(3);
    const r = finiteDifferences(cfg, w, x0, target, D, s);
    expect(r.straddled).toEqual([]);
    for (const t of weightShapes(cfg.rule, cfg.hidden, cfg.outputBias)) {
      const name = t.name as Name;
      expect(r.gradNorm[name], `|g| of ${name}`).toBeGreaterThan(1e-4);
      expect(r.relErr[name], `relative error of ${name}`).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('recorded backward intermediates (one per GPU backward pass)', () => {
  it.each([
    ['growing with b1', { ...growingCfg(0.5, 8), outputBias: true }],
    ['seed per element', seedCfg(0.8, false, 8)],
  ] as const)('%s: leave the gradient unchanged and add up to it (b0, w1, b1), chained through time', (_n, cfg) => {
    const w = weightsFor(cfg, 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const target = targetFor(D, 5);
    const s = spec({ loss: 'mse', steps: 4, lossSteps: 2 });
    const plain = lossAndGrad(cfg, w, x0, target, D, s);
    const r = lossAndGrad(cfg, w, x0, target, D, s, { record: true });
    expect(plain.steps).toBeUndefined();
    expect(r.steps).toHaveLength(s.steps);
    for (const k of Object.keys(plain.grads) as Name[]) expect(Array.from(r.grads[k]!)).toEqual(Array.from(plain.grads[k]!));
    const H = cfg.hidden;
    const cells = D.batch * D.height * D.width;
    const b0 = new Float64Array(H);
    const w1 = new Float64Array(16 * H);
    const b1 = new Float64Array(16);
    for (let t = 0; t < s.steps; t++) {
      const st = r.steps![t]!;
      for (let i = 0; i < cells; i++) {
        for (let j = 0; j < H; j++) {
          b0[j]! += st.gz0[i * H + j]!;
          for (let c = 0; c < 16; c++) w1[c * H + j]! += st.gz1[i * 16 + c]! * st.act[i * H + j]!;
        }
        for (let c = 0; c < 16; c++) b1[c]! += st.gz1[i * 16 + c]!;
      }
      // g_t in full = what flows back through step t + the loss term at t (zero outside the window)
      if (t > 0) {
        const inWindow = t >= s.steps - s.lossSteps + 1;
        const diff = st.gx.map((v, i) => r.steps![t - 1]!.gNext[i]! - v);
        expect(diff.some((v) => v !== 0)).toBe(inWindow);
      }
      expect(st.gp.some((v) => v !== 0)).toBe(true);
      expect(st.gDirect.some((v) => v !== 0)).toBe(true);
    }
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(norm(Array.from(a, (v, i) => v - b[i]!))).toBeLessThanOrEqual(1e-12 * Math.max(1, norm(b)));
    close(b0, r.grads.b0);
    close(w1, r.grads.w1);
    close(b1, r.grads.b1!);
    expect(norm(r.grads.w1)).toBeGreaterThan(1e-4);
  });
});

describe('loss values', () => {
  it.each([
    ['growing', growingCfg(), spec({ loss: 'mse', weightDecay: 1e-2 })],
    ['seed', seedCfg(), spec({ loss: 'l1l2', weightDecay: 1e-2 })],
  ] as const)('%s: lossOnly equals lossAndGrad, per-sample losses average to the data loss', (_n, cfg, s) => {
    const w = weightsFor(cfg, 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const target = targetFor(D, 5);
    const a = lossOnly(cfg, w, x0, target, D, s);
    const b = lossAndGrad(cfg, w, x0, target, D, s);
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.perSample)).toEqual(Array.from(b.perSample));
    let decay = 0;
    for (const t of Object.values(toGrads(w))) for (const v of t) decay += v * v;
    const mean = (b.perSample[0]! + b.perSample[1]!) / D.batch;
    expect(mean).toBeCloseTo(b.loss - s.weightDecay * decay, 14);
    expect(b.perSample[0]).not.toBe(b.perSample[1]);
    expect(b.states).toHaveLength(s.steps + 1);
    // By hand for one grid: mean over its loss window of f(e).
    let sum = 0;
    for (let t = s.steps - s.lossSteps + 1; t <= s.steps; t++) {
      for (let j = 0; j < D.height * D.width; j++) {
        for (let c = 0; c < 4; c++) {
          const e = b.states[t]![j * 16 + c]! - target[j * 4 + c]!;
          sum += s.loss === 'mse' ? e * e : Math.abs(e) + e * e;
        }
      }
    }
    expect(b.perSample[0]).toBeCloseTo(sum / (s.lossSteps * D.height * D.width * 4), 14);
  });

  it('throws NcaGlError for bad arguments', () => {
    const cfg = growingCfg();
    const w = weightsFor(cfg, 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const t = targetFor(D, 5);
    const bad = (f: () => unknown, code: string, msg: RegExp) => {
      expect(f).toThrow(NcaGlError);
      expect(f).toThrow(msg);
      try {
        f();
      } catch (e) {
        expect((e as NcaGlError).code).toBe(code);
      }
    };
    bad(() => lossAndGrad(cfg, w, x0, t, D, spec({ steps: 3, lossSteps: 4 })), 'bad-argument', /lossSteps.*must not exceed 'steps'/);
    bad(() => lossAndGrad(cfg, w, x0, t, D, spec({ steps: 0 })), 'bad-argument', /'steps'/);
    bad(() => lossOnly(cfg, w, x0, t, D, spec({ loss: 'l2' as never })), 'bad-argument', /'loss'/);
    bad(() => lossOnly(cfg, w, x0, t, D, spec({ weightDecay: -1 })), 'bad-argument', /'weightDecay'/);
    bad(() => lossOnly(cfg, w, x0, t.subarray(1), D, spec({})), 'bad-shape', /target has/);
    bad(() => lossOnly(cfg, w, x0.subarray(1), t, D, spec({})), 'bad-shape', /start state has/);
    bad(() => lossOnly(cfg, { ...w, b1: new Float32Array(16) }, x0, t, D, spec({})), 'bad-shape', /'b1'.*no b1/);
    bad(() => lossOnly(seedCfg(), w, x0, t, D, spec({})), 'bad-shape', /'b1' is missing/);
    bad(() => adamStep(toGrads(w), toGrads(w), adamInit(cfg), { lr: Number.NaN }), 'bad-argument', /'lr'/);
  });
});

describe('gradient normalisation and Adam', () => {
  it('normalizeGrads gives unit-norm tensors and leaves zero tensors at zero', () => {
    const g: Grads = {
      w0: Float64Array.from(uniform(1, 1, 384, -3, 3)),
      b0: Float64Array.from(uniform(1, 2, 8, -1e-3, 1e-3)),
      w1: Float64Array.from(uniform(1, 3, 128, -50, 50)),
      b1: new Float64Array(16),
    };
    const n = normalizeGrads(g);
    for (const k of ['w0', 'b0', 'w1'] as const) {
      expect(norm(n[k]!)).toBeCloseTo(1, 4);
      expect(Math.abs(norm(n[k]!) - norm(g[k]!) / (norm(g[k]!) + 1e-8))).toBeLessThan(1e-14);
      expect(n[k]![0]! / n[k]![1]!).toBeCloseTo(g[k]![0]! / g[k]![1]!, 12);
    }
    expect(Array.from(n.b1!)).toEqual(new Array(16).fill(0));
    expect(g.w0[0]).toBe(Float64Array.from(uniform(1, 1, 384, -3, 3))[0]); // input untouched
  });

  it('adamInit has zero moments of the rule shapes', () => {
    const s = adamInit(seedCfg());
    expect(s.n).toBe(0);
    expect([s.m.w0.length, s.m.b0.length, s.m.w1.length, s.m.b1!.length]).toEqual([384, 8, 128, 16]);
    expect(adamInit(growingCfg()).v.b1).toBeUndefined();
  });

  it('adamStep matches a hand computation over two steps, with bias correction', () => {
    const lr = 0.01;
    const w0: Grads = { w0: Float64Array.of(1, -1), b0: Float64Array.of(0.5), w1: Float64Array.of(0) };
    const g1: Grads = { w0: Float64Array.of(0.5, -2), b0: Float64Array.of(0), w1: Float64Array.of(1e-3) };
    const g2: Grads = { w0: Float64Array.of(0.1, 3), b0: Float64Array.of(4), w1: Float64Array.of(-1e-3) };
    const zero = (): Grads => ({ w0: new Float64Array(2), b0: new Float64Array(1), w1: new Float64Array(1) });
    const s0 = { n: 0, m: zero(), v: zero() };
    const a = adamStep(w0, g1, s0, { lr });
    const b = adamStep(a.weights, g2, a.state, { lr });
    // Step 1: m = 0.1 g, v = 0.001 g², so m̂ = g, v̂ = g² and w moves by lr·g/(|g| + ε).
    const w1 = [1 - (lr * 0.5) / (0.5 + 1e-8), -1 - (lr * -2) / (2 + 1e-8)];
    expect(a.state.n).toBe(1);
    expect(a.weights.w0[0]).toBeCloseTo(w1[0]!, 15);
    expect(a.weights.w0[1]).toBeCloseTo(w1[1]!, 15);
    expect(a.weights.b0[0]).toBe(0.5); // g = 0: m = v = 0, no move
    expect(a.weights.w1[0]).toBeCloseTo(-lr * (1e-3 / (1e-3 + 1e-8)), 15);
    // Step 2, element w0[1]: m = 0.9·(−0.2) + 0.1·3 = 0.12, v = 0.999·0.004 + 0.001·9 = 0.012996,
    // m̂ = 0.12 / (1 − 0.81) = 0.6315789…, v̂ = 0.012996 / (1 − 0.998001) = 6.5012506…
    expect(b.state.n).toBe(2);
    expect(b.state.m.w0[1]).toBeCloseTo(0.12, 15);
    expect(b.state.v.w0[1]).toBeCloseTo(0.012996, 15);
    expect(b.weights.w0[1]).toBeCloseTo(w1[1]! - (lr * (0.12 / 0.19)) / (Math.sqrt(0.012996 / 0.001999) + 1e-8), 14);
    // element w0[0]: m = 0.9·0.05 + 0.1·0.1 = 0.055, v = 0.999·0.00025 + 0.001·0.01 = 0.00025975
    expect(b.weights.w0[0]).toBeCloseTo(w1[0]! - (lr * (0.055 / 0.19)) / (Math.sqrt(0.00025975 / 0.001999) + 1e-8), 14);
    // b0: first gradient 0, so m = 0.4, v = 0.016: m̂ = 0.4 / 0.19, v̂ = 0.016 / 0.001999
    expect(b.weights.b0[0]).toBeCloseTo(0.5 - (lr * (0.4 / 0.19)) / (Math.sqrt(0.016 / 0.001999) + 1e-8), 14);
    // Inputs untouched.
    expect(Array.from(w0.w0)).toEqual([1, -1]);
    expect(Array.from(s0.m.w0)).toEqual([0, 0]);
    expect(a.state.m.w0[1]).toBeCloseTo(-0.2, 15);
  });

  it('adamStep honours beta1, beta2 and eps', () => {
    const w: Grads = { w0: Float64Array.of(0), b0: Float64Array.of(0), w1: Float64Array.of(0) };
    const g: Grads = { w0: Float64Array.of(2), b0: Float64Array.of(2), w1: Float64Array.of(2) };
    const z = (): Grads => ({ w0: new Float64Array(1), b0: new Float64Array(1), w1: new Float64Array(1) });
    const r = adamStep(w, g, { n: 0, m: z(), v: z() }, { lr: 1, beta1: 0.5, beta2: 0.75, eps: 1 });
    // m̂ = 2, v̂ = 4: w = −2 / (2 + 1)
    expect(r.weights.w0[0]).toBeCloseTo(-2 / 3, 15);
    expect(r.state.m.w0[0]).toBeCloseTo(1, 15);
    expect(r.state.v.w0[0]).toBeCloseTo(1, 15);
  });
});

describe('the backward pass uses the forward pass masks', () => {
  it('growing: rate 1, rate 0.5 and another iteration give different gradients; rate 0 only weight decay', () => {
    const w = weightsFor(growingCfg(), 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const t = targetFor(D, 5);
    const s = spec({ weightDecay: 1e-3 });
    const half = lossAndGrad(growingCfg(0.5), w, x0, t, D, s).grads;
    const full = lossAndGrad(growingCfg(1), w, x0, t, D, s).grads;
    const other = lossAndGrad(growingCfg(0.5), w, x0, t, D, { ...s, iteration: s.iteration + 1 }).grads;
    expect(norm(half.w1.map((v, i) => v - full.w1[i]!))).toBeGreaterThan(1e-3 * norm(half.w1));
    expect(norm(half.w1.map((v, i) => v - other.w1[i]!))).toBeGreaterThan(1e-3 * norm(half.w1));
    const none = lossAndGrad(growingCfg(0), w, x0, t, D, s).grads;
    const ww = toGrads(w);
    for (const k of ['w0', 'b0', 'w1'] as const) expect(Array.from(none[k])).toEqual(Array.from(ww[k]).map((v) => 2e-3 * v));
  });

  it('seed, one step: dL/db1 is the sum over live cells of m_c·f′(e)/N·y(1−y), with m_c from the hash', () => {
    const cfg = seedCfg(0.5);
    const w = weightsFor(cfg, 3);
    const x0 = randomState(D.batch, D.height, D.width, 4);
    const target = targetFor(D, 5);
    const s = spec({ steps: 1, lossSteps: 1, seed: 21, iteration: 8 });
    const { grads, states } = lossAndGrad(cfg, w, x0, target, D, s);
    const N = D.batch * D.height * D.width * 4;
    const expected = new Float64Array(16);
    const thr = rateThreshold(cfg.rate);
    let fired = 0;
    let kept = 0;
    for (let b = 0; b < D.batch; b++) {
      for (let y = 0; y < D.height; y++) {
        for (let x = 0; x < D.width; x++) {
          const cell = (b * D.height + y) * D.width + x;
          if (states[1]!.subarray(cell * 16, cell * 16 + 16).every((v) => v === 0)) continue; // dead
          const out = mlp(cfg, w, perceive('seed', x0, D, b, y, x)).y;
          const key = cellKey(s.seed, s.iteration, 0, b, y * D.width + x);
          const mask = updateMask(cfg, D, { seed: s.seed, iteration: s.iteration, step: 0 }, b, y, x);
          for (let c = 0; c < 4; c++) {
            // The per-element mask is the hash draw of channel c (not a per-cell draw).
            const m = draw24(key, c) < thr ? 1 : 0;
            expect(mask[c]).toBe(m);
            if (m) fired++;
            else kept++;
            const e = states[1]![cell * 16 + c]! - target[(y * D.width + x) * 4 + c]!;
            expected[c]! += (m * (2 * e) * out[c]! * (1 - out[c]!)) / N;
          }
        }
      }
    }
    expect(fired).toBeGreaterThan(10);
    expect(kept).toBeGreaterThan(10);
    for (let c = 0; c < 16; c++) expect(grads.b1![c]).toBeCloseTo(expected[c]!, 15);
    expect(norm(expected)).toBeGreaterThan(1e-3);
  });
});

describe('the growing rule with an output bias (Distill)', () => {
  it('adds b1 to the update, and only when the rule has one', () => {
    const cfg: RuleConfig = { ...growingCfg(0.5, 4), outputBias: true };
    const w = weightsFor(cfg, 8);
    const x = randomState(1, 3, 3, 2);
    const p = perceive('growing', x, { batch: 1, height: 3, width: 3 }, 0, 1, 1);
    const withBias = mlp(cfg, w, p).y;
    const without = mlp(growingCfg(0.5, 4), { w0: w.w0, b0: w.b0, w1: w.w1 }, p).y;
    for (let c = 0; c < 16; c++) expect(withBias[c]! - without[c]!).toBeCloseTo(w.b1![c]!, 12);
    expect(w.b1!.some((v) => v !== 0)).toBe(true);
    // the reference refuses b1 for a growing rule without outputBias, and demands it with
    expect(() => lossOnly(growingCfg(0.5, 4), w, x, new Float32Array(36), { batch: 1, height: 3, width: 3 }, spec({ steps: 1, lossSteps: 1 }))).toThrow(/unexpected weights tensor\(s\) 'b1'.*outputBias/);
    expect(() => lossOnly(cfg, { w0: w.w0, b0: w.b0, w1: w.w1 }, x, new Float32Array(36), { batch: 1, height: 3, width: 3 }, spec({ steps: 1, lossSteps: 1 }))).toThrow(/b1/);
  });
});

describe('the preroll length (hash.prerollLength)', () => {
  it('draws every even length from 0 to the maximum, about equally often, the same for the same (seed, iteration)', () => {
    const counts = new Map<number, number>();
    for (let it = 0; it < 3000; it++) {
      const p = prerollLength(10, 7, it);
      expect(p % 2).toBe(0);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(10);
      expect(prerollLength(10, 7, it)).toBe(p);
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10]);
    for (const n of counts.values()) expect(Math.abs(n - 500)).toBeLessThan(100);
    // another seed, another sequence; no maximum, no preroll
    expect(Array.from({ length: 50 }, (_, i) => prerollLength(10, 8, i))).not.toEqual(Array.from({ length: 50 }, (_, i) => prerollLength(10, 7, i)));
    expect(Array.from({ length: 50 }, (_, i) => prerollLength(0, 7, i)).every((p) => p === 0)).toBe(true);
  });
});
