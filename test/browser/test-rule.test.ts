/**
 * A third rule that is not shipped, added by one registry entry and one GLSL file
 * (test/fixtures/rules/residual.mjs and residual.glsl: u = x + m · tanh(z1) with a tanh hidden layer
 * and no alive masking), registered with the test seam registerTestRule in Node (the CPU
 * references) and in the page (the GPU passes). The generic passes (engine/update, engine/alive,
 * train/bw_out, train/bw_hidden, …) run it unchanged: forward steps and gradients against the
 * float64 CPU reference.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveRuleConfig, type Weights } from '../../src/engine/model';
import * as ref from '../../src/engine/reference';
import * as tref from '../../src/train/reference';
import { randomState, randomWeights, uniform } from '../helpers/random';
import { RESIDUAL as RULE, registerResidual } from '../helpers/test-rule';
import { dec, pageRollout, pageTrain, registerResidualInPage, relErr } from './gpu-runs';
import { type Harness, maxAbsDiff, openHarness } from './harness';

// registered while the tests are collected: the describe blocks resolve its configuration
const remove = registerResidual();
let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  // the same entry in the page
  await registerResidualInPage(h.page);
});
afterAll(async () => {
  remove();
  await h?.close();
});
afterEach(async () => h.assertClean());

const SCALES: Partial<Record<keyof Weights, number>> = { w0: 0.4, b0: 0.2, w1: 0.3, b1: 0.1 };

describe('forward step, residual test rule', () => {
  const [W, H, B, STEPS] = [19, 13, 2, 32];
  /**
   * Max |gpu − ref| allowed, times max(1, max |x|) of the state compared: engine.test.ts's 1e-4
   * for states of order 1. With no alive masking and a residual update the state grows (to |x| ≈ 20
   * in 32 steps here), and float32 rounding of the large channels reaches every channel through
   * the perception and the MLP, so the bound scales with the state.
   */
  const TOL = 1e-4;
  /** |a − b| at most, over max(1, max |b|) */
  const scaledDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let big = 1;
    for (let i = 0; i < b.length; i++) big = Math.max(big, Math.abs(b[i]!));
    return maxAbsDiff(a, b).max / big;
  };
  const hidden = 32;
  const cfg = resolveRuleConfig({ rule: RULE, hidden });
  const dims = { batch: B, height: H, width: W };
  const k = { seed: 1234, iteration: 0, step: 0 };

  it(`matches the CPU reference within ${TOL} · max(1, max |x|) after 1 and ${STEPS} steps, with no cell masked`, async () => {
    const w = randomWeights(RULE, hidden, 7, SCALES);
    const s0 = randomState(B, H, W, 11);
    const [gpu1, gpu32] = await pageRollout(h.page, { rule: RULE, hidden, width: W, height: H, batch: B, seed: k.seed }, w, s0, [1, STEPS]);
    const ref1 = ref.rollout(cfg, w, s0, dims, k, 1);
    const ref32 = ref.rollout(cfg, w, s0, dims, k, STEPS);
    const d1 = scaledDiff(gpu1!, ref1);
    const d32 = scaledDiff(gpu32!, ref32);
    let big = 0;
    for (const v of ref32) big = Math.max(big, Math.abs(v));
    console.log(
      `residual: max |gpu − ref| / max(1, max |ref|) after 1 step ${d1.toExponential(2)}, after ${STEPS} ${d32.toExponential(2)}` +
        ` (max |gpu − ref| ${maxAbsDiff(gpu32!, ref32).max.toExponential(2)}, max |x| ${big.toFixed(2)})`,
    );
    expect(d1).toBeLessThanOrEqual(TOL);
    expect(d32).toBeLessThanOrEqual(TOL);
    expect(big).toBeGreaterThan(1); // the relative part of the tolerance is used
    // what the data must exercise: no alive masking (cells with alpha ≤ 0.1, the dead square of
    // grid 1 among them, are not zeroed: every cell of x_32 is non-zero, on the borders too),
    // negative values, and a state that moved
    const cells = B * H * W;
    let low = 0;
    for (let i = 0; i < cells; i++) {
      const cell = gpu32!.subarray(i * 16, i * 16 + 16);
      expect(cell.some((v) => v !== 0)).toBe(true);
      if (ref32[i * 16 + 3]! <= 0.1) low++;
    }
    expect(low).toBeGreaterThan(10);
    expect(ref1.some((v) => v < 0)).toBe(true);
    expect(maxAbsDiff(ref32, s0).max).toBeGreaterThan(0.5);
  });

  it('draws its stochastic masks bit for bit like the reference', async () => {
    // w = 0 but b1 = 2: every update adds tanh(2), so the mask can be read off the state
    const wm = randomWeights(RULE, hidden, 1, { w0: 0, b0: 0, w1: 0, b1: 0 });
    wm.b1!.fill(2);
    const flat = new Float32Array(B * H * W * 16).fill(0.5);
    const [gpu] = await pageRollout(h.page, { rule: RULE, hidden, width: W, height: H, batch: B, seed: k.seed }, wm, flat, [1]);
    const want = ref.rollout(cfg, wm, flat, dims, k, 1);
    let updated = 0;
    for (let i = 0; i < want.length; i++) {
      const fired = want[i] !== 0.5;
      expect(Math.abs(gpu![i]! - 0.5) > 1e-6, `element ${i}`).toBe(fired);
      if (fired) updated++;
    }
    expect(Math.abs(updated / want.length - cfg.rate)).toBeLessThan(0.05);
  });
});

describe.each([
  { hidden: 16, loss: 'l1l2', lossSteps: 8, weightDecay: 1e-3, perCell: false },
  // an odd number of hidden quads (20 = 5 × 4) and per-cell masks
  { hidden: 20, loss: 'mse', lossSteps: 2, weightDecay: 0, perCell: true },
])('gradients, residual test rule, hidden $hidden ($loss over the last $lossSteps states)', ({ hidden, loss, lossSteps, weightDecay, perCell }) => {
  const [W, H, B, T] = [17, 11, 2, 16];
  /** Relative error ‖g_gpu − g_ref‖ / ‖g_ref‖ allowed per tensor (as trainer.test.ts). */
  const GRAD_TOL = 1e-3;
  const cfg = resolveRuleConfig({ rule: RULE, hidden, perCell });

  it(`match the CPU reference within ${GRAD_TOL} relative error per tensor, and so does the loss`, async () => {
    const w = randomWeights(RULE, hidden, 21, SCALES);
    const x0 = randomState(B, H, W, 22);
    // a premultiplied target with transparent cells
    const target = uniform(23, 300, W * H * 4, 0, 1);
    for (let i = 0; i < W * H; i++) {
      const a = i % 5 === 0 ? 0 : target[i * 4 + 3]!;
      target[i * 4 + 3] = a;
      for (let c = 0; c < 3; c++) target[i * 4 + c]! *= a;
    }
    const opts = { rule: RULE, hidden, perCell, width: W, height: H, batch: B, steps: T, lossSteps, loss, weightDecay, normalizeGrads: false, lr: 1e-3, seed: 77 };
    const run = await pageTrain(h.page, opts, 1, x0, target, w);
    const spec = { steps: T, lossSteps, loss: loss as 'mse' | 'l1l2', weightDecay, seed: 77, iteration: 0 };
    const want = tref.lossAndGrad(cfg, w, x0, target, { batch: B, height: H, width: W }, spec);
    const got = dec(run.grads[0]!);
    const report: string[] = [];
    expect(Object.keys(want.grads).sort()).toEqual(['b0', 'b1', 'w0', 'w1']);
    for (const k of Object.keys(want.grads) as (keyof Weights)[]) {
      // the GPU gradient texture holds the loss gradient; weight decay's 2λw joins in the Adam pass
      const refG = Float64Array.from(want.grads[k]!, (g, i) => g - 2 * weightDecay * (w[k] as Float32Array)[i]!);
      const e = relErr(got[k]!, refG);
      report.push(`${k} ${e.toExponential(2)}`);
      expect(Math.hypot(...refG)).toBeGreaterThan(1e-6);
      expect(e, k).toBeLessThanOrEqual(GRAD_TOL);
    }
    console.log(`residual, hidden ${hidden}: relative gradient error ${report.join(', ')}; loss gpu ${run.losses[0]} ref ${want.loss}`);
    expect(Math.abs(run.losses[0]! - want.loss)).toBeLessThanOrEqual(1e-5 * Math.max(1, want.loss));
    for (let b = 0; b < B; b++) expect(run.perSample[0]![b]!).toBeCloseTo(want.perSample[b]!, 5);
  });
});
