/**
 * widenModel (src/io/widen.ts): more hidden units, the same update (checked with the CPU reference's
 * MLP on random perceptions, negative and zero inputs included), the optimiser's first moments
 * widened with zeros and its second moments with the old units' means, the keep-best latest
 * weights widened too, the file round-trips; and `train --resume --hidden N` (resumeWiden) widens
 * only when N grows the model.
 */
import { describe, expect, it } from 'vitest';
import { parseTrain } from '../../src/cli/args';
import { conflicts, resumeWiden } from '../../src/cli/checkpoint';
import { resolveConfig } from '../../src/cli/config';
import { UsageError } from '../../src/cli/errors';
import { CHANNELS, initWeights, PERCEPTION, type RuleConfig, type Weights } from '../../src/engine/model';
import { mlp } from '../../src/engine/reference';
import { decodeModel, encodeModel, type ModelFile } from '../../src/io/model-file';
import { widenModel } from '../../src/io/widen';

/** Deterministic values in [-1, 1). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A trained-looking model: every weight nonzero, Adam moments (v ≥ 0), optionally keep-best's latest. */
function model(rule: RuleConfig, latest = false): ModelFile {
  const w = (seed: number): Weights => {
    const init = initWeights(rule.rule, rule.hidden, seed, rule.outputBias);
    const out: Weights = { w0: noise(init.w0.length, seed), b0: noise(init.b0.length, seed + 1), w1: noise(init.w1.length, seed + 2) };
    if (init.b1) out.b1 = noise(init.b1.length, seed + 3);
    return out;
  };
  const v = w(30);
  for (const k of Object.keys(v) as (keyof Weights)[]) v[k] = v[k]!.map(Math.abs);
  const m: ModelFile = {
    rule,
    grid: { width: 16, height: 16 },
    weights: w(1),
    training: { task: 'regenerating', iterations: 40, seed: 3 },
    optimizer: { step: 40, m: w(20), v },
    resume: { iteration: 40 },
  };
  if (latest) {
    m.latest = { weights: w(10) };
    m.best = { iteration: 30, psnr: 25, worst: 20, draws: 4, steps: 16, every: 10, evaluations: 4 };
  }
  return m;
}

/** The largest difference of the MLP's output between two weight sets over `n` perceptions. */
function outputGap(a: RuleConfig, wa: Weights, b: RuleConfig, wb: Weights, n = 64): number {
  let gap = 0;
  for (let k = 0; k < n; k++) {
    // perceptions from -4 … 4, one all zeros, one all negative
    const p = k === 0 ? new Float32Array(PERCEPTION) : k === 1 ? new Float32Array(PERCEPTION).fill(-2) : noise(PERCEPTION, 100 + k).map((x) => 4 * x);
    const ya = mlp(a, wa, p).y;
    const yb = mlp(b, wb, p).y;
    for (let o = 0; o < CHANNELS; o++) gap = Math.max(gap, Math.abs(ya[o]! - yb[o]!));
  }
  return gap;
}

describe('widenModel', () => {
  const growing: RuleConfig = { rule: 'growing', hidden: 8, rate: 0.5, perCell: true };
  const cases: [string, RuleConfig][] = [
    ['growing', growing],
    ['growing with an output bias', { ...growing, outputBias: true }],
    ['seed (atan, sigmoid, b1)', { rule: 'seed', hidden: 12, rate: 0.5, perCell: false }],
  ];

  for (const [name, rule] of cases) {
    it(`${name}: the same update with more units; old weights in place, new output weights 0`, () => {
      const m = model(rule, true);
      const w = widenModel(m, rule.hidden + 8, 5);
      const H = rule.hidden;
      const H2 = H + 8;
      expect(w.rule).toEqual({ ...rule, hidden: H2 });
      expect(w.weights.w0.length).toBe(H2 * PERCEPTION);
      expect(w.weights.w1.length).toBe(CHANNELS * H2);
      // the same function: exactly (the new units add 0·a), float64 reference
      expect(outputGap(rule, m.weights, w.rule, w.weights)).toBe(0);
      expect(outputGap(rule, m.latest!.weights, w.rule, w.latest!.weights)).toBe(0);
      // but not the same weights: the new units' input weights are drawn (a widening that left
      // them 0 would never train), their biases and output weights are 0
      const fresh = w.weights.w0.subarray(H * PERCEPTION);
      expect(fresh.some((x) => x !== 0)).toBe(true);
      expect(w.weights.b0.subarray(H).every((x) => x === 0)).toBe(true);
      for (let o = 0; o < CHANNELS; o++) {
        expect(Array.from(w.weights.w1.subarray(o * H2, o * H2 + H))).toEqual(Array.from(m.weights.w1.subarray(o * H, (o + 1) * H)));
        expect(w.weights.w1.subarray(o * H2 + H, (o + 1) * H2).every((x) => x === 0)).toBe(true);
      }
      expect(Array.from(w.weights.w0.subarray(0, H * PERCEPTION))).toEqual(Array.from(m.weights.w0));
      // Adam: the old moments kept where they were; the new first moments 0, the new second
      // moments the old units' mean for the same input (w0), output (w1) or over the biases (b0)
      for (const k of ['m', 'v'] as const) {
        const a = m.optimizer![k];
        const b = w.optimizer![k];
        expect(Array.from(b.w0.subarray(0, H * PERCEPTION))).toEqual(Array.from(a.w0));
        expect(Array.from(b.b0.subarray(0, H))).toEqual(Array.from(a.b0));
        expect(b.w1[(CHANNELS - 1) * H2 + H - 1]).toBe(a.w1[CHANNELS * H - 1]);
        if (a.b1) expect(Array.from(b.b1!)).toEqual(Array.from(a.b1));
      }
      const am = m.optimizer!.m;
      const bm = w.optimizer!.m;
      expect(bm.w0.subarray(H * PERCEPTION).every((x) => x === 0)).toBe(true);
      expect(bm.b0.subarray(H).every((x) => x === 0)).toBe(true);
      for (let o = 0; o < CHANNELS; o++) expect(bm.w1.subarray(o * H2 + H, (o + 1) * H2).every((x) => x === 0)).toBe(true);
      expect(am.w0.some((x) => x !== 0)).toBe(true);
      const av = m.optimizer!.v;
      const bv = w.optimizer!.v;
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const range = (n: number) => Array.from({ length: n }, (_, i) => i);
      for (const p of [0, 1, PERCEPTION - 1]) {
        const want = mean(range(H).map((j) => av.w0[j * PERCEPTION + p]));
        expect(want).toBeGreaterThan(0);
        for (const j of [H, H2 - 1]) expect(bv.w0[j * PERCEPTION + p]).toBeCloseTo(want, 6);
      }
      // the columns differ, so a single mean over the whole tensor would fail the check above
      expect(mean(range(H).map((j) => av.w0[j * PERCEPTION]))).not.toBeCloseTo(mean(range(H).map((j) => av.w0[j * PERCEPTION + 1])), 6);
      for (let j = H; j < H2; j++) expect(bv.b0[j]).toBeCloseTo(mean(Array.from(av.b0)), 6);
      for (let o = 0; o < CHANNELS; o++) {
        const want = mean(Array.from(av.w1.subarray(o * H, (o + 1) * H)));
        for (let j = H; j < H2; j++) expect(bv.w1[o * H2 + j]).toBeCloseTo(want, 6);
      }
      expect(w.optimizer!.step).toBe(40);
      // the input is untouched, and the result is a valid file
      expect(m.rule.hidden).toBe(H);
      const back = decodeModel(encodeModel(w));
      expect(back.rule.hidden).toBe(H2);
      expect(outputGap(rule, m.weights, back.rule, back.weights)).toBe(0);
    });
  }

  it('draws the new units from the seed: the same seed gives the same model, another seed another', () => {
    const m = model(growing);
    const a = widenModel(m, 16, 5).weights.w0;
    expect(Array.from(widenModel(m, 16, 5).weights.w0)).toEqual(Array.from(a));
    expect(Array.from(widenModel(m, 16, 6).weights.w0)).not.toEqual(Array.from(a));
  });

  it('refuses to shrink, to stay, a size that is not a multiple of 4 or too large, and an 8-bit model, naming why', () => {
    const m = model(growing);
    expect(() => widenModel(m, 4, 1)).toThrow(/from 8 to 4 hidden units: a model only grows/);
    expect(() => widenModel(m, 8, 1)).toThrow(/a model only grows/);
    expect(() => widenModel(m, 10, 1)).toThrow(/multiple of 4 up to 256/);
    expect(() => widenModel(m, 260, 1)).toThrow(/multiple of 4 up to 256/);
    expect(() => widenModel({ ...m, quantization: { w0: { scale: 0.01, zero: 128 } } }, 16, 1)).toThrow(/stored 8-bit/);
  });
});

describe('train --resume --hidden N', () => {
  const c = resolveConfig(parseTrain(['lizard', '-t', 'regenerating', '--hidden', '8', '--size', '16']));
  const resume = (...more: string[]) => parseTrain(['lizard', '--resume', ...more]);

  it('grows the model (not a conflict), and sets the run to the new size; fewer units is a conflict', () => {
    expect(conflicts(resume('--hidden', '16'), c)).toEqual([]);
    expect(conflicts(resume('--hidden', '4'), c)).toEqual(['--hidden (checkpoint: 8)']);
    const m = model({ rule: 'growing', hidden: 8, rate: 0.5, perCell: true });
    const cfg = { ...c };
    const w = resumeWiden(resume('--hidden', '16'), cfg, m, 'm.nca');
    expect(w!.rule.hidden).toBe(16);
    expect(cfg.hidden).toBe(16);
    // drawn from the run's seed
    expect(Array.from(w!.weights.w0)).toEqual(Array.from(widenModel(m, 16, c.seed).weights.w0));
    // the same size, or no --hidden: nothing to do
    expect(resumeWiden(resume('--hidden', '8'), { ...c }, m, 'm.nca')).toBeNull();
    expect(resumeWiden(resume(), { ...c }, m, 'm.nca')).toBeNull();
  });

  it('an 8-bit checkpoint is a usage error naming the file', () => {
    const m = { ...model({ rule: 'growing', hidden: 8, rate: 0.5, perCell: true }), quantization: { w0: { scale: 0.01, zero: 128 } } };
    let err: unknown;
    try {
      resumeWiden(resume('--hidden', '16'), { ...c }, m, 'm.nca');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/train --resume --hidden 16: m.nca: .*stored 8-bit/);
  });
});
