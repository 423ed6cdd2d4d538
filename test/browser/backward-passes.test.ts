/**
 * Each GPU backward pass against the matching intermediate of the float64 CPU reference
 * (src/train/reference.ts, lossAndGrad with `record`), so that a failure names the pass, for the
 * two shipped rules and the test-only rule `residual` (test/fixtures/rules/). White-box: after one
 * iteration the test reads the trainer's scratch textures (its private fields bw, g and rt) and
 * undoes their layouts (atlas: layout.ts; packed by 2 or 4: glsl/common/packed.glsl).
 *
 * A pass reads the GPU outputs of the passes before it, so the tests run in pipeline order and the
 * first one that fails names the faulty pass (later ones fail through it): a 1-step rollout gives
 * loss_grad → bw_out → bw_hidden of its only step, a 2-step one (both states in the loss window)
 * bw_input → bw_perceive of step 1, whose inputs the 1-step tests cover.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { atlasTexel, type Atlas } from '../../src/engine/layout';
import { resolveRuleConfig, type Rule, type Weights } from '../../src/engine/model';
import * as tref from '../../src/train/reference';
import { hiddenQuadsEven } from '../../src/train/backward';
import { randomState, randomWeights, uniform } from '../helpers/random';
import { RESIDUAL, registerResidual } from '../helpers/test-rule';
import { enc, registerResidualInPage, relErr } from './gpu-runs';
import { fromB64, type Harness, openHarness, toB64 } from './harness';

const remove = registerResidual();
let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  await registerResidualInPage(h.page);
});
afterAll(async () => {
  remove();
  await h?.close();
});
afterEach(async () => h.assertClean());

const [W, H, B] = [13, 9, 2];
/**
 * Relative error ‖gpu − ref‖ / ‖ref‖ allowed per intermediate (float32 GPU, float64 reference;
 * llvmpipe measured 0.6–3.5e-7).
 */
const PASS_TOL = 1e-5;

interface Tex {
  width: number;
  height: number;
  layers: number;
  data: string;
}

/** One training iteration in the page; then the trainer's backward textures, every layer. */
async function gpuIntermediates(opts: Record<string, unknown>, x0: Float32Array, target: Float32Array, w: Weights): Promise<{ atlas: Atlas; tex: Record<string, Tex> }> {
  return h.page.evaluate(
    async (opts, x0b, tb, wb) => {
      const { NcaGl, T } = window as any;
      const weights = Object.fromEntries(Object.entries(wb as Record<string, string>).map(([k, v]) => [k, T.f32FromB64(v)]));
      const tr = NcaGl.createTrainer(T.canvas(8, 8), { ...opts, target: T.f32FromB64(tb), weights, start: T.f32FromB64(x0b), debug: true });
      await tr.step();
      const read = (t: any) => {
        const all = new Float32Array(t.width * t.height * 4 * t.layers);
        for (let l = 0; l < t.layers; l++) all.set(tr.rt.read(t, l), l * t.width * t.height * 4);
        return { width: t.width, height: t.height, layers: t.layers, data: T.b64FromF32(all) };
      };
      const out = { atlas: { ...tr.atlas }, tex: { gout: read(tr.bw.gout), hidden: read(tr.bw.hidden), gp: read(tr.bw.gp), g0: read(tr.g[0]), g1: read(tr.g[1]) } };
      tr.dispose();
      return out;
    },
    opts, toB64(x0), toB64(target), enc(w as unknown as Record<string, Float32Array>),
  );
}

/**
 * `n` values per cell from texture `t`: quad q of cell (b, y, x) is layer `layer(q, tx)` at texel
 * (tx >> shift, ty), where (tx, ty) is the cell's atlas texel (shift 0: the plain atlas layout).
 */
function cellsOf(a: Atlas, t: Tex, n: number, shift: number, layer: (q: number, tx: number) => number): Float64Array {
  const data = fromB64(t.data);
  const out = new Float64Array(a.batch * a.height * a.width * n);
  for (let b = 0; b < a.batch; b++)
    for (let y = 0; y < a.height; y++)
      for (let x = 0; x < a.width; x++) {
        const [tx, ty] = atlasTexel(a, b, x, y);
        const o = ((b * a.height + y) * a.width + x) * n;
        for (let q = 0; q < n / 4; q++) {
          const s = ((layer(q, tx) * t.height + ty) * t.width + (tx >> shift)) * 4;
          for (let k = 0; k < 4; k++) out[o + 4 * q + k] = data[s + k]!;
        }
      }
  return out;
}

const CASES = [
  { rule: 'seed' as Rule, hidden: 16, perCell: false, loss: 'l1l2', scales: { w0: 0.5, b0: 0.2, w1: 0.5, b1: 0.5 } },
  // an odd number of hidden quads (5) and Distill's output bias
  { rule: 'growing' as Rule, hidden: 20, perCell: true, outputBias: true, loss: 'mse', scales: { w0: 0.3, b0: 0.1, w1: 0.04, b1: 0.05 } },
  { rule: RESIDUAL, hidden: 16, perCell: false, loss: 'mse', scales: { w0: 0.4, b0: 0.2, w1: 0.3, b1: 0.1 } },
];

describe.each(CASES)('backward passes one by one against the CPU reference, $rule rule (hidden $hidden)', ({ rule, hidden, perCell, outputBias, loss, scales }) => {
  const cfg = resolveRuleConfig({ rule, hidden, perCell, outputBias });
  const w = randomWeights(rule, hidden, 31, scales);
  if (outputBias) w.b1 = uniform(31, 40, 16, -0.05, 0.05);
  const x0 = randomState(B, H, W, 32);
  const target = uniform(33, 300, W * H * 4, 0, 1);
  // the reference's intermediates of a 1-step and a 2-step rollout: steps[t] of x_t → x_{t+1}
  const ref = (T: number) => {
    const spec = { steps: T, lossSteps: T, loss: loss as 'mse' | 'l1l2', weightDecay: 0, seed: 5, iteration: 0 };
    return tref.lossAndGrad(cfg, w, x0, target, { batch: B, height: H, width: W }, spec, { record: true }).steps!;
  };
  const [one] = ref(1);
  const [two0, two1] = ref(2);
  const gpu: Record<number, { atlas: Atlas; tex: Record<string, Tex> }> = {};
  const HQ = hiddenQuadsEven(hidden);

  beforeAll(async () => {
    for (const T of [1, 2]) {
      const opts = { rule, hidden, perCell, ...(outputBias ? { outputBias } : {}), width: W, height: H, batch: B, steps: T, lossSteps: T, loss, weightDecay: 0, normalizeGrads: false, lr: 1e-3, seed: 5, atlasOrder: 'rows' };
      gpu[T] = await gpuIntermediates(opts, x0, target, w);
    }
  });
  /** Values per cell of texture `name` after the T-step iteration (cellsOf). */
  const cells = (T: number, name: string, n: number, shift: number, layer: (q: number, tx: number) => number) => cellsOf(gpu[T]!.atlas, gpu[T]!.tex[name]!, n, shift, layer);

  /** Compares, logs and checks one intermediate. */
  const check = (pass: string, got: ArrayLike<number>, ref: ArrayLike<number>) => {
    expect(got.length, pass).toBe(ref.length);
    const e = relErr(got, ref);
    console.log(`${rule}: ${pass} relative error ${e.toExponential(2)}`);
    expect(Math.hypot(...Array.from(ref)), `${pass}: the reference is not zero`).toBeGreaterThan(1e-6);
    expect(e, pass).toBeLessThanOrEqual(PASS_TOL);
  };

  it('loss_grad: g_T = dL/dx_T of the last state (T = 1 and 2)', () => {
    check('loss_grad g_1 (T = 1)', cells(1, 'g0', 16, 0, (q) => q), one!.gNext);
    check('loss_grad g_2 (T = 2)', cells(2, 'g0', 16, 0, (q) => q), two1!.gNext);
  });

  it('bw_out: g_z1 to the MLP and g_direct to x_0 (T = 1)', () => {
    check('bw_out g_z1', cells(1, 'gout', 16, 0, (q) => q), one!.gz1);
    check('bw_out g_direct', cells(1, 'gout', 16, 0, (q) => 4 + q), one!.gDirect);
  });

  it('bw_hidden: g_z0 and the activation, packed by 2 (T = 1); the activation where g_out is not zero', () => {
    check('bw_hidden g_z0', cells(1, 'hidden', hidden, 1, (q, tx) => 2 * q + (tx & 1)), one!.gz0);
    // Cells whose g_out is zero (dead, or not updated) are skipped by perceive, bw_hidden and
    // bw_input: their g_z0 is 0 (checked above) and their activation, which only ever meets that
    // zero g_out, is not computed. Both kinds of cell occur in this state.
    const n = one!.gz1.length / 16;
    const used = Array.from({ length: n }, (_, i) => one!.gz1.slice(i * 16, i * 16 + 16).some((v) => v !== 0));
    expect(used.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(used.filter((u) => !u).length).toBeGreaterThanOrEqual(5);
    const where = (a: ArrayLike<number>) => Array.from(a).filter((_, k) => used[Math.floor(k / hidden)]);
    check('bw_hidden act (cells with g_out ≠ 0)', where(cells(1, 'hidden', hidden, 1, (q, tx) => 2 * (HQ + q) + (tx & 1))), where(one!.act));
  });

  it('bw_input: g_p = w0ᵀ g_z0, packed by 4 (step 1 of T = 2)', () => {
    check('bw_input g_p', cells(2, 'gp', 48, 2, (q, tx) => q * 4 + (tx & 3)), two1!.gp);
  });

  it('bw_perceive: g_1 = g_direct + perceptionᵀ g_p + the loss term at 1 (step 1 of T = 2)', () => {
    check('bw_perceive g_1', cells(2, 'g1', 16, 0, (q) => q), two0!.gNext);
  });
});
