/**
 * Runs in the test page that several browser test files share: an engine rollout and training
 * iterations on the GPU, with the arrays moved as base64 (harness.ts).
 */
import type { Page } from 'puppeteer-core';
import type { Weights } from '../../src/engine/model';
import { RESIDUAL_GLSL_PATH } from '../fixtures/rules/residual.mjs';
import { fromB64, toB64 } from './harness';

export type B64Map = Record<string, string>;
export const enc = (w: Record<string, ArrayLike<number>>): B64Map => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toB64(Float32Array.from(v))]));
export const dec = (m: B64Map): Weights => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, fromB64(v)])) as unknown as Weights;

/**
 * Runs an engine made with `opts` (createEngine's options, weights aside) from `s0` in the page:
 * the state after each of `checkpoints` steps.
 */
export async function pageRollout(page: Page, opts: Record<string, unknown>, w: Weights, s0: Float32Array, checkpoints: number[]): Promise<Float32Array[]> {
  const out: string[] = await page.evaluate(
    (opts, wb, sb, checkpoints) => {
      const T = (window as any).T;
      const weights = Object.fromEntries(Object.entries(wb as Record<string, string>).map(([k, v]) => [k, T.f32FromB64(v)]));
      const o = opts as { width: number; height: number };
      const e = (window as any).NcaGl.createEngine(T.canvas(o.width, o.height), { ...opts, weights, debug: true });
      e.setState(T.f32FromB64(sb));
      const res: string[] = [];
      let done = 0;
      for (const c of checkpoints) {
        e.step(c - done);
        done = c;
        res.push(T.b64FromF32(e.getState()));
      }
      e.dispose();
      return res;
    },
    opts, enc(w as unknown as Record<string, Float32Array>), toB64(s0), checkpoints,
  );
  return out.map(fromB64);
}

export interface PageRun {
  grads: B64Map[];
  weights: B64Map[];
  states: { m: B64Map; v: B64Map; step: number }[];
  losses: number[];
  perSample: number[][];
  memory: number;
  /** With a preroll: x_0 of each iteration's rollout (the start after the preroll). */
  x0: string[];
}

/**
 * Runs `iterations` training iterations in the page; after each, returns the gradient, weights,
 * Adam moments and losses. `preroll`: forward steps before each rollout (Trainer.enqueueIteration).
 */
export async function pageTrain(page: Page, opts: Record<string, unknown>, iterations: number, start: Float32Array | 'seed', target: Float32Array, weights: Weights, preroll = 0): Promise<PageRun> {
  return page.evaluate(
    async (opts, iterations, startB64, targetB64, wB64, preroll) => {
      const { NcaGl, T } = window as any;
      const f = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, T.f32FromB64(v)]));
      const e = (w: Record<string, Float32Array>) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, T.b64FromF32(v)]));
      const tr = NcaGl.createTrainer(T.canvas(8, 8), { ...opts, target: T.f32FromB64(targetB64), weights: f(wB64), start: startB64 === 'seed' ? 'seed' : T.f32FromB64(startB64), debug: true });
      const out: any = { grads: [], weights: [], states: [], losses: [], perSample: [], memory: tr.memoryBytes(), x0: [] };
      for (let i = 0; i < iterations; i++) {
        if (preroll) {
          tr.enqueueIteration({ preroll });
          out.losses.push(await tr.readLoss());
          out.x0.push(T.b64FromF32(tr.getRolloutState(0)));
        } else out.losses.push(await tr.step());
        out.perSample.push(Array.from(tr.lastSampleLosses));
        out.grads.push(e(tr.getGradient()));
        const s = tr.saveState();
        out.weights.push(e(s.weights));
        out.states.push({ m: e(s.optimizer.m), v: e(s.optimizer.v), step: s.optimizer.step });
      }
      tr.dispose();
      return out;
    },
    opts, iterations, start === 'seed' ? 'seed' : toB64(start), toB64(target), enc(weights as unknown as Record<string, Float32Array>), preroll,
  );
}

/** ‖a − b‖ / ‖b‖. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d) / Math.sqrt(n);
}

/**
 * Registers the test-only rule `residual` (test/fixtures/rules/residual.mjs, its GLSL fetched from
 * the fixtures, not under glsl/) in the page, with the test seam NcaGl.registerTestRule.
 */
export async function registerResidualInPage(page: Page): Promise<void> {
  await page.addScriptTag({
    type: 'module',
    content: `import { residualRule } from '/test/fixtures/rules/residual.mjs';
      const glsl = await (await fetch('/${RESIDUAL_GLSL_PATH}')).text();
      window.NcaGl.registerTestRule(residualRule(glsl));
      window.residualRegistered = true;`,
  });
  await page.waitForFunction(() => (window as any).residualRegistered === true, { timeout: 30_000 });
}
