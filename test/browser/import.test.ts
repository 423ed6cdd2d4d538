/**
 * Acceptance of issue 14 on the GPU (software WebGL without one): Distill's published models,
 * imported by importModel, run in nca-gl as they do in the article.
 *   - experiment 2 (persistent) lizard: from one seed cell on a 72×72 grid, ≥ 39 dB RGBA PSNR at
 *     step 400 against its 2020 target (the lizard tile of the article's emoji atlas, padded by 16
 *     cells as the article's notebook pads it), over 8 grids; upright (the target flipped upside
 *     down scores far lower);
 *   - experiment 3 (regenerating) lizard: with the left half of every grid cut away at step 200,
 *     back within 3 dB of its pre-cut PSNR at step 400 (4 grids);
 * Software WebGL runs 72×72×8 at 0.1–0.3 s per step on an idle 2-core machine (about 1 s with the
 * cores shared: ex2 392 s, ex3 313 s, the widgets 65 s measured so): the slowest tests of the suite.
 *   - the zoo's 8-bit files run in <nca-canvas model="zoo/…"> like any model.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src/cli/png';
import { type Harness, openHarness, ROOT, toB64 } from './harness';

import { DISTILL } from '../helpers/fixtures';
const N = 72;
const PAD = 16;
/** Grids per run: 8 for the growth check (the issue's mean over ≥ 8), 4 for the cut (time). */
const GRIDS = 8;
const CUT_GRIDS = 4;
/** 400 steps of 72×72×8 took 392 s with the 2 cores shared (40–120 s idle): room beyond the suite's 10 min. */
const LONG = 1_200_000;

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  console.log(`browser tests on: ${h.renderer} (${h.mode})`);
});
afterAll(async () => h?.close());
afterEach(async () => h.assertClean());

/** The 2020 target: tile `tile` of the atlas (40×40, premultiplied RGBA8) at (16, 16) of a 72×72 grid, as floats. */
function distillTarget(tile: number): Float32Array {
  const png = decodePng(new Uint8Array(readFileSync(`${DISTILL}/distill_emoji_sprite.png`)));
  expect([png.width, png.height]).toEqual([400, 40]);
  const t = new Float32Array(N * N * 4);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < 4; c++) t[((y + PAD) * N + x + PAD) * 4 + c] = png.rgba[(y * 400 + tile * 40 + x) * 4 + c]! / 255;
  return t;
}

function flipRows(t: Float32Array): Float32Array {
  const f = new Float32Array(t.length);
  for (let y = 0; y < N; y++) f.set(t.subarray(y * N * 4, (y + 1) * N * 4), (N - 1 - y) * N * 4);
  return f;
}

interface Run {
  /** PSNR of the mean MSE over the grids, and per grid, at each mark. */
  marks: { step: number; psnr: number; grids: number[]; flipped: number }[];
  msPerStep: number;
}

/** Imports `json` in the page and runs it from the seed on GRIDS grids. */
async function run(json: string, target: Float32Array, marks: number[]): Promise<Run> {
  return h.page.evaluate(
    (json, tb64, fb64, marks, N, GRIDS) => {
      const { NcaGl, T } = window as any;
      const target = T.f32FromB64(tb64);
      const flipped = T.f32FromB64(fb64);
      const m = NcaGl.importModel(json, { name: 'distill.json' });
      const e = NcaGl.createEngine(T.canvas(8, 8), NcaGl.modelEngineOptions(m, { batch: GRIDS, seed: 20 }));
      // one live cell at the centre of each grid, as Distill's notebook seeds it
      e.setState(NcaGl.startState('seed', target, GRIDS, N, N, 0));
      const score = (st: Float32Array, t: Float32Array) => Array.from({ length: GRIDS }, (_, g) => NcaGl.displayMse(st, t, N, N, g));
      const out: { step: number; psnr: number; grids: number[]; flipped: number }[] = [];
      let done = 0;
      const t0 = performance.now();
      for (const s of [...marks].sort((a, b) => a - b)) {
        e.step(s - done);
        done = s;
        const st: Float32Array = e.getState();
        const mse = score(st, target);
        const mean = mse.reduce((a, b) => a + b, 0) / GRIDS;
        const mf = score(st, flipped).reduce((a, b) => a + b, 0) / GRIDS;
        out.push({ step: s, psnr: NcaGl.psnr(mean), grids: mse.map(NcaGl.psnr), flipped: NcaGl.psnr(mf) });
      }
      const msPerStep = (performance.now() - t0) / done;
      e.dispose();
      return { marks: out, msPerStep };
    },
    json, toB64(target), toB64(flipRows(target)), marks, N, GRIDS,
  );
}

describe("Distill's published models, imported", () => {
  it('experiment 2 lizard grows from one seed to ≥ 39 dB at step 400 (8 grids), upright', async () => {
    const target = distillTarget(0);
    const json = readFileSync(`${DISTILL}/ex2_lizard.json`, 'utf8');
    const t0 = Date.now();
    const r = await run(json, target, [100, 400]);
    const at400 = r.marks.find((m) => m.step === 400)!;
    console.log(`ex2 lizard: PSNR ${r.marks.map((m) => `${m.psnr.toFixed(2)} dB at ${m.step}`).join(', ')}; grids at 400 ${at400.grids.map((p) => p.toFixed(1)).join(' ')}; flipped target ${at400.flipped.toFixed(1)} dB; ${r.msPerStep.toFixed(0)} ms/step (72×72×${GRIDS}), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect(at400.psnr).toBeGreaterThanOrEqual(39);
    expect(Math.min(...at400.grids)).toBeGreaterThan(30);
    // upright: against the target turned upside down it is nowhere near
    expect(at400.flipped).toBeLessThan(at400.psnr - 15);
    // it grew: at step 100 it was still far from the target
    expect(r.marks.find((m) => m.step === 100)!.psnr).toBeLessThan(at400.psnr - 3);
  }, LONG);

  it('experiment 3 lizard regrows a half cut away at step 200 (left, right, top, bottom) to within 3 dB by step 400 (evaluateCut)', async () => {
    const target = distillTarget(0);
    const json = readFileSync(`${DISTILL}/ex3_lizard.json`, 'utf8');
    const t0 = Date.now();
    // the library's regeneration check (scripts/evaluate-zoo.mjs runs it on the zoo): T = 100 here,
    // settle 2·T, cut grid b's half HALVES[b], regrow for 2·T
    const r = await h.page.evaluate((json, tb64, grids) => {
      const { NcaGl, T } = window as any;
      const m = NcaGl.importModel(json, { name: 'distill.json' });
      const e = NcaGl.createEngine(T.canvas(8, 8), NcaGl.modelEngineOptions(m, { batch: grids, seed: 20 }));
      try {
        return NcaGl.evaluateCut(e, { target: T.f32FromB64(tb64), start: 'seed', steps: 100 });
      } finally {
        e.dispose();
      }
    }, json, toB64(target), CUT_GRIDS);
    console.log(`ex3 lizard: ${r.before.toFixed(2)} dB at ${r.cutStep}, ${r.cut.toFixed(2)} dB after the cut, ${r.after.toFixed(2)} dB at ${r.afterStep} (${r.grids.map((g: { half: string; after: number }) => `${g.half} ${g.after.toFixed(1)}`).join(', ')}); ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    expect([r.cutStep, r.afterStep]).toEqual([200, 400]);
    expect(r.grids.map((g: { half: string }) => g.half)).toEqual(['left', 'right', 'top', 'bottom']);
    expect(r.before).toBeGreaterThan(30);
    expect(r.cut).toBeLessThan(r.before - 10); // the cut removed a real part of it
    expect(r.after).toBeGreaterThanOrEqual(r.before - 3);
  }, LONG);
});

describe('the zoo files', () => {
  it('run in <nca-canvas model="zoo/…"> from a seed, with their 8-bit weights equal to the imported ones', async () => {
    const p = await h.newPage();
    await p.setContent(`<!doctype html><html><head><base href="${h.serverUrl}/"></head><body>
      <script src="dist/nca-gl.js"></script>
      <nca-canvas model="zoo/distill-lizard-regenerating.nca" speed="4" style="width:144px"></nca-canvas>
      <nca-canvas model="zoo/distill-butterfly-regenerating.nca" speed="4" style="width:144px"></nca-canvas>
      <nca-canvas model="zoo/distill-lizard-persistent.nca" speed="4" style="width:144px"></nca-canvas></body></html>`);
    await p.waitForFunction(() => [...document.querySelectorAll('nca-canvas')].every((el: any) => el.widget?.frames > 12), { timeout: 300_000, polling: 500 });
    const got = await p.evaluate(() =>
      [...document.querySelectorAll('nca-canvas')].map((el: any) => {
        const st: Float32Array = el.engine.getState();
        let alive = 0;
        for (let i = 3; i < st.length; i += 16) if (st[i]! > 0.1) alive++;
        return { rule: el.widget.model.rule, alive, q: Object.keys(el.widget.model.quantization ?? {}), origin: el.widget.model.origin };
      }),
    );
    console.log(`zoo widgets: ${got.map((g) => `${g.alive} live cells`).join(', ')}`);
    for (const g of got) {
      expect(g.rule).toEqual({ rule: 'growing', hidden: 128, rate: 0.5, perCell: true, outputBias: true });
      expect(g.q).toEqual(['w0', 'b0', 'w1', 'b1']);
      expect(g.origin.license).toBe('CC-BY-4.0');
      expect(g.alive).toBeGreaterThan(40); // grown from the single seed cell
    }
    await p.close();
    // the zoo's weights are Distill's 8-bit values exactly: the float import gives the same floats
    const same = await h.page.evaluate(
      (zb64, json) => {
        const { NcaGl } = window as any;
        const z = NcaGl.decodeModel(NcaGl.base64ToBytes(zb64));
        const f = NcaGl.importModel(json, { keep8bit: false });
        let max = 0;
        for (const k of ['w0', 'b0', 'w1', 'b1']) for (let i = 0; i < f.weights[k].length; i++) max = Math.max(max, Math.abs(z.weights[k][i] - f.weights[k][i]));
        return max;
      },
      readFileSync(`${ROOT}/zoo/distill-lizard-regenerating.nca`).toString('base64'),
      readFileSync(`${DISTILL}/ex3_lizard.json`, 'utf8'),
    );
    expect(same).toBe(0);
  });
});
