/**
 * The regimens on the GPU: perturbations against their CPU reference, the Distill pool (gather,
 * reseed the worst, damage the best, write back), a short training run of every preset, and the
 * evaluation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { perturbReference, type Perturbation } from '../../src/tasks/perturb';
import { targetState } from '../../src/tasks/start';
import { cutDies, poolDamageCut, poolDamageDisc, samplePool } from '../../src/train/pool';
import { randomState, randomWeights } from '../helpers/random';
import { PREROLL_STEP, prerollLength } from '../../src/engine/hash';
import { resolveRuleConfig, seedState, type Weights } from '../../src/engine/model';
import * as ref from '../../src/engine/reference';
import { fromB64, type Harness, maxAbsDiff, openHarness, toB64 } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => h?.close());
afterEach(async () => h.assertClean());

describe('perturbations', () => {
  const B = 3, H = 13, W = 18;
  const src = randomState(B, H, W, 41);
  const cases: [string, Perturbation][] = [
    ['noise', { noise: 0.2, radius: Infinity, circles: 0, ablation: 0 }],
    ['truncation', { noise: 0, radius: 5.3, circles: 0, ablation: 0 }],
    ['ablation', { noise: 0, radius: Infinity, circles: 3, ablation: 2.5 }],
    ['all three', { noise: 0.05, radius: 7, circles: 2, ablation: 3 }],
  ];
  it.each(cases)('%s: the GPU output equals the CPU reference for the same seed', async (_, p) => {
    const run = (seed: number, iteration: number) =>
      h.page.evaluate(
        (srcB64, p, B, H, W, seed, iteration) => {
          const { NcaGl, T } = window as any;
          const rt = new NcaGl.gl.Runtime(T.canvas(8, 8), { debug: true });
          const a = NcaGl.layout.makeAtlas(W, H, B, rt.caps.maxTextureSize);
          const s = rt.texture(a.atlasWidth, a.atlasHeight, 4, 'rgba32f', 'src');
          const d = rt.texture(a.atlasWidth, a.atlasHeight, 4, 'rgba32f', 'dst');
          rt.upload(s, NcaGl.layout.packCells(a, T.f32FromB64(srcB64)));
          new NcaGl.PerturbPass(rt, a).run(s, d, { ...p, radius: p.radius ?? Infinity }, seed, iteration);
          const out = T.b64FromF32(NcaGl.layout.unpackCells(a, rt.readAll(d)));
          rt.dispose();
          return out;
        },
        toB64(src), { ...p, radius: p.radius === Infinity ? null : p.radius }, B, H, W, seed, iteration,
      );
    const gpu = fromB64(await run(5, 17));
    const want = perturbReference(src, B, H, W, p, 5, 17);
    // Which cells died must agree exactly (integer comparisons). The Gaussian noise goes through
    // GLSL's float32 log, sqrt and cos (SwiftShader's cos is accurate to ~1e-4 near ±π): within
    // 1e-3·σ of the float64 reference.
    let dead = 0;
    for (let i = 0; i < B * H * W; i++) {
      const gz = gpu.subarray(i * 16, i * 16 + 16).every((v) => v === 0);
      const wz = want.subarray(i * 16, i * 16 + 16).every((v) => v === 0);
      expect(gz).toBe(wz);
      if (wz && !src.subarray(i * 16, i * 16 + 16).every((v) => v === 0)) dead++;
    }
    expect(maxAbsDiff(gpu, want).max).toBeLessThanOrEqual(1e-3 * p.noise + 1e-7);
    if (p.radius !== Infinity || p.circles > 0) expect(dead).toBeGreaterThan(0);
    if (p.noise > 0) expect(maxAbsDiff(want, src).max).toBeGreaterThan(p.noise);
    // random perturbations draw anew every iteration
    const other = fromB64(await run(5, 18));
    if (p.noise > 0 || p.circles > 0) expect(maxAbsDiff(other, gpu).max).toBeGreaterThan(0);
    else expect(maxAbsDiff(other, gpu).max).toBe(0);
  });
});

describe('Distill pool', () => {
  // replace 'worst' (Distill's rule) picks by loss; 'random' by the grids' place in the draw; the
  // `cuts` best of the damaged lose a half-plane instead of a disc
  it.each([
    ['worst', 1, 0],
    ['random', 1, 0],
    ['worst', 2, 1],
    ['random', 3, 2],
  ] as const)('gathers the drawn states, reseeds the worst, damages the best and writes the final states back (replace %s, damage %i, cuts %i)', async (replace, damage, cuts) => {
    const r = await h.page.evaluate(async (replace, damage, cuts) => {
      const { NcaGl, T } = window as any;
      const W = 12, H = 12, B = 4, P = 10;
      const target = new Float32Array(W * H * 4);
      for (let i = 0; i < W * H; i++) target.set([0.5, 0.4, 0.3, 1], i * 4);
      const reg = NcaGl.createRegimen(T.canvas(8, 8), { task: 'regenerating', target, width: W, height: H, hidden: 16, batch: B, pool: P, damage, cuts, replace, steps: [6, 6], seed: 9, debug: true });
      const pool = reg.pool;
      const rt = reg.trainer.rt;
      // distinct pool states: state k is a constant k/10 + 0.05 on every channel of every cell
      const pa = pool.atlas;
      const init = new Float32Array(P * H * W * 16);
      for (let k = 0; k < P; k++) init.fill(k / 10 + 0.05, k * H * W * 16, (k + 1) * H * W * 16);
      rt.upload(pool.texture, NcaGl.layout.packCells(pa, init));
      const before = NcaGl.layout.unpackCells(pa, pool.read());
      const iteration = reg.trainer.iteration;
      await reg.step();
      const drawn = pool.drawn.slice();
      const start = NcaGl.layout.unpackCells(reg.trainer.atlas, rt.readAll(reg.trainer.startTexture));
      const final = reg.trainer.getRolloutState(6);
      const after = NcaGl.layout.unpackCells(pa, pool.read());
      reg.dispose();
      return { drawn, iteration, start: T.b64FromF32(start), final: T.b64FromF32(final), before: T.b64FromF32(before), after: T.b64FromF32(after) };
    }, replace, damage, cuts);
    const W = 12, H = 12, n = W * H * 16;
    const start = fromB64(r.start), final = fromB64(r.final), before = fromB64(r.before), after = fromB64(r.after);
    expect(new Set(r.drawn).size).toBe(4);
    // the pool held constants k/10 + 0.05 (stored as float16); loss vs a flat target grows with |k/10 + 0.05 − 0.5|
    const value = (k: number) => Math.fround(k / 10 + 0.05);
    const lossOf = (k: number) => { const v = value(k); return 3 * 0 + (v - 0.5) ** 2 + (v - 0.4) ** 2 + (v - 0.3) ** 2 + (v - 1) ** 2; };
    const byLoss = [0, 1, 2, 3].sort((a, b) => lossOf(r.drawn[b]) - lossOf(r.drawn[a]));
    // 'random': grid 0 is reseeded and grid 3 damaged; the loss would pick others here
    if (replace === 'random') expect([byLoss[0], byLoss[3]]).not.toEqual([0, 3]);
    const order = replace === 'random' ? [0, 1, 2, 3] : byLoss;
    const worst = order[0]!;
    for (let b = 0; b < 4; b++) {
      const grid = start.subarray(b * n, (b + 1) * n);
      if (b === worst) {
        // the seed: only the centre cell lives, with channels 3..15 = 1
        const centre = (6 * W + 6) * 16;
        expect(Array.from(grid.subarray(centre, centre + 16))).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        expect(grid.reduce((s, v) => s + Math.abs(v), 0)).toBe(13);
      } else {
        const v = before[r.drawn[b] * n]!;
        const zeros = grid.filter((x) => x === 0).length;
        const rank = order.indexOf(b);
        if (rank >= 4 - damage) {
          // exactly the cells of the CPU mirror's disc or half-plane died (all 16 channels), nothing else
          const cut = rank >= 4 - cuts ? poolDamageCut(9, r.iteration, b, W, H) : null;
          const d = poolDamageDisc(9, r.iteration, b, W, H);
          const r2 = Math.fround(d.r * d.r);
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const dead = cut ? cutDies(cut, x, y, W, H) : (x - d.x) ** 2 + (y - d.y) ** 2 < r2;
              const cell = grid.subarray((y * W + x) * 16, (y * W + x + 1) * 16);
              expect(cell.every((v) => v === 0), `cell (${x}, ${y}) of the damaged grid`).toBe(dead);
            }
          }
          expect(zeros).toBeGreaterThan(0);
        } else expect(zeros).toBe(0);
        for (const x of grid) if (x !== 0) expect(x).toBe(v);
      }
    }
    // the drawn slots now hold the final states (float16-rounded); the others are unchanged
    for (let k = 0; k < 10; k++) {
      const b = r.drawn.indexOf(k);
      const slot = after.subarray(k * n, (k + 1) * n);
      if (b < 0) expect(maxAbsDiff(slot, before.subarray(k * n, (k + 1) * n)).max).toBe(0);
      else expect(maxAbsDiff(slot, final.subarray(b * n, (b + 1) * n)).max).toBeLessThan(2e-3);
    }
  });
});

describe('article pool', () => {
  // persistence (noise, fresh 2, no damage) and healing (discs, fresh 1, damage 1), the grids picked
  // by loss; healing again with replace 'random': picked by their place in the draw, whatever the loss
  it.each([
    ['persistence', 2, 0, { noise: { start: 0.1, step: 0.0005, limit: 0.2 } }, 'worst'],
    ['healing', 1, 1, { ablation: { start: 3, step: 0.1, limit: 4 } }, 'worst'],
    ['healing', 1, 1, { ablation: { start: 3, step: 0.1, limit: 4 } }, 'random'],
  ] as const)('%s (fresh %i, damage %i, curriculum %j, replace %s): the pool starts as the target; gather, fresh starts and the perturbation for the grids picked, write-back: exact against the CPU bookkeeping', async (task, fresh, damage, axis, replace) => {
    const W = 12, H = 10, B = 4, P = 9, seed = 7;
    const r = await h.page.evaluate(
      async (task, fresh, damage, axis, replace, W, H, B, P, seed) => {
        const { NcaGl, T } = window as any;
        const target = new Float32Array(W * H * 4);
        for (let i = 0; i < W * H; i++) target.set([0.5, 0.4, 0.3, 1], i * 4);
        const curriculum = { ...NcaGl.preset(task).curriculum, ...axis, steps: { start: 3, step: 1, limit: 3 } };
        const reg = NcaGl.createRegimen(T.canvas(8, 8), { task, target, width: W, height: H, hidden: 8, batch: B, pool: P, fresh, damage, replace, lossSteps: 1, curriculum, seed, debug: true });
        const pool = reg.pool;
        const rt = reg.trainer.rt;
        const pa = pool.atlas;
        const initial = NcaGl.layout.unpackCells(pa, pool.read());
        // distinct pool states: state k is a constant on every channel of every cell
        const init = new Float32Array(P * H * W * 16);
        for (let k = 0; k < P; k++) init.fill(k / 10 + 0.05, k * H * W * 16, (k + 1) * H * W * 16);
        rt.upload(pool.texture, NcaGl.layout.packCells(pa, init));
        const before = NcaGl.layout.unpackCells(pa, pool.read());
        const perturbation = reg.perturbation();
        await reg.step();
        const drawn = pool.drawn.slice();
        const start = NcaGl.layout.unpackCells(reg.trainer.atlas, rt.readAll(reg.trainer.startTexture));
        const final = reg.trainer.getRolloutState(3);
        const after = NcaGl.layout.unpackCells(pa, pool.read());
        reg.dispose();
        const b64 = T.b64FromF32;
        return { drawn, perturbation: { ...perturbation, radius: perturbation.radius === Infinity ? null : perturbation.radius }, initial: b64(initial), start: b64(start), final: b64(final), before: b64(before), after: b64(after) };
      },
      task, fresh, damage, axis, replace, W, H, B, P, seed,
    );
    const n = W * H * 16;
    const [initial, start, final, before, after] = [r.initial, r.start, r.final, r.before, r.after].map(fromB64);
    const target = [0.5, 0.4, 0.3, 1];
    // the pool starts as the target: RGBA = target (stored as float16, which rendering may round
    // toward zero: within one unit in the last place, 2⁻¹⁰ relative), hidden channels 0, in every slot
    let off = 0;
    for (let i = 0; i < P * W * H; i++) {
      for (let c = 0; c < 16; c++) {
        const v = initial[i * 16 + c]!;
        if (c < 4) off = Math.max(off, Math.abs(v - target[c]!) / target[c]!);
        else if (v !== 0) off = Infinity;
      }
    }
    expect(off).toBeLessThanOrEqual(2 ** -10);
    // which slots: the hash's draw, distinct
    expect(r.drawn).toEqual(samplePool(P, B, seed, 0));
    // ranks by the seed rule's loss mean(|e| + e²) against the target (rank 0 = worst)
    const value = (k: number) => before[k * n]!;
    const lossOf = (k: number) => target.reduce((s, t) => s + Math.abs(value(k) - t) + (value(k) - t) ** 2, 0);
    const byLoss = [0, 1, 2, 3].sort((a, b) => lossOf(r.drawn[b]) - lossOf(r.drawn[a]) || a - b);
    // replace 'random': the drawn order (the draw is the randomness); here it is not the loss order,
    // so picking by loss would fail below
    if (replace === 'random') expect(byLoss).not.toEqual([0, 1, 2, 3]);
    const order = replace === 'random' ? [0, 1, 2, 3] : byLoss;
    const p = { ...r.perturbation, radius: r.perturbation.radius ?? Infinity };
    // fresh starts: the target perturbed with the curriculum's perturbation, grid by grid
    const freshWant = perturbReference(targetState(Float32Array.from({ length: W * H * 4 }, (_, i) => target[i % 4]!), B, W, H), B, H, W, p, seed, 0);
    // the damaged: the gathered pool states perturbed the same way
    const gathered = new Float32Array(B * n);
    r.drawn.forEach((k: number, b: number) => gathered.set(before.subarray(k * n, (k + 1) * n), b * n));
    const damagedWant = perturbReference(gathered, B, H, W, p, seed, 0);
    for (let rank = 0; rank < B; rank++) {
      const b = order[rank]!;
      const grid = start.subarray(b * n, (b + 1) * n);
      const want = rank < fresh ? freshWant : rank >= B - damage ? damagedWant : gathered;
      const w = want.subarray(b * n, (b + 1) * n);
      // dead cells agree exactly; noise within float32 transcendental error
      for (let i = 0; i < W * H; i++) expect(grid.subarray(i * 16, i * 16 + 16).every((v) => v === 0)).toBe(w.subarray(i * 16, i * 16 + 16).every((v) => v === 0));
      expect(maxAbsDiff(grid, w).max).toBeLessThanOrEqual(rank < fresh || rank >= B - damage ? 1e-3 * p.noise + 1e-6 : 0);
      if (rank >= B - damage) expect(maxAbsDiff(grid, gathered.subarray(b * n, (b + 1) * n)).max).toBeGreaterThan(0);
    }
    // the drawn slots now hold the final states (float16-rounded); the others are unchanged
    for (let k = 0; k < P; k++) {
      const b = r.drawn.indexOf(k);
      const slot = after.subarray(k * n, (k + 1) * n);
      if (b < 0) expect(maxAbsDiff(slot, before.subarray(k * n, (k + 1) * n)).max).toBe(0);
      else expect(maxAbsDiff(slot, final.subarray(b * n, (b + 1) * n)).max).toBeLessThan(2e-3);
    }
  });
});

describe('preroll', () => {
  // Distill's task without a pool: each iteration restarts from the seed (the preroll of the one
  // before ran in place), runs the drawn preroll, then its rollout: x_0 of the rollout against the
  // CPU reference from the seed with the weights of that iteration
  it('runs the drawn number of steps from the seed before each rollout, with the weights of the iteration', async () => {
    const W = 12, H = 10, B = 2, seed = 5, max = 8;
    const cfg = resolveRuleConfig({ rule: 'growing', hidden: 8, perCell: true });
    const w = randomWeights('growing', 8, 61, { w0: 0.3, b0: 0.1, w1: 0.1 });
    const r = await h.page.evaluate(
      async (W, H, B, seed, max, wB64) => {
        const { NcaGl, T } = window as any;
        const target = new Float32Array(W * H * 4);
        for (let i = 0; i < W * H; i++) target.set([0.5, 0.4, 0.3, 1], i * 4);
        const weights = Object.fromEntries(Object.entries(wB64 as Record<string, string>).map(([k, v]) => [k, T.f32FromB64(v)]));
        const reg = NcaGl.createRegimen(T.canvas(8, 8), { task: 'growing', target, width: W, height: H, hidden: 8, batch: B, steps: [3, 3], pool: 0, preroll: max, seed, weights, debug: true });
        const out: { preroll: number; w: Record<string, string>; x0: string }[] = [];
        for (let i = 0; i < 4; i++) {
          const wi = reg.trainer.getWeights();
          const s = await reg.step();
          out.push({ preroll: s.preroll, w: Object.fromEntries(Object.entries(wi).map(([k, v]) => [k, T.b64FromF32(v)])), x0: T.b64FromF32(reg.trainer.getRolloutState(0)) });
        }
        let refused = '';
        try {
          NcaGl.createRegimen(T.canvas(8, 8), { task: 'growing', target, width: W, height: H, hidden: 8, batch: B, preroll: 3 });
        } catch (e) {
          refused = (e as Error).message;
        }
        reg.dispose();
        return { out, refused };
      },
      W, H, B, seed, max, Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toB64(Float32Array.from(v as Float32Array))])),
    );
    expect(r.out.map((o) => o.preroll)).toEqual([0, 1, 2, 3].map((it) => prerollLength(max, seed, it)));
    expect(r.out.some((o) => o.preroll > 0)).toBe(true);
    const d = { batch: B, height: H, width: W };
    for (const [it, o] of r.out.entries()) {
      const wi = Object.fromEntries(Object.entries(o.w).map(([k, v]) => [k, fromB64(v)])) as unknown as Weights;
      const want = ref.rollout(cfg, wi, seedState(B, W, H), d, { seed, iteration: it, step: PREROLL_STEP }, o.preroll);
      expect(maxAbsDiff(fromB64(o.x0), want).max, `iteration ${it}, preroll ${o.preroll}`).toBeLessThanOrEqual(1e-4);
      if (o.preroll > 0) expect(maxAbsDiff(want, seedState(B, W, H)).max).toBeGreaterThan(1e-2);
    }
    expect(r.refused).toMatch(/^nca-gl: preroll must be an even whole number of steps from 0 to 4096 \(0: none\), got 3/);
  });

  // with a pool the preroll ages the drawn states before they are ranked: the grids that go on are
  // their pool states run `preroll` steps; the worst of those (by the loss against the target)
  // restarts from the seed without a preroll
  it('with a pool: ages the drawn states before ranking them, and the reseeded grid starts from the seed', async () => {
    const W = 12, H = 10, B = 3, P = 6, max = 8;
    const seed = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((s) => prerollLength(max, s, 0) >= 4)!;
    const cfg = resolveRuleConfig({ rule: 'growing', hidden: 8, perCell: true });
    const w = randomWeights('growing', 8, 71, { w0: 0.3, b0: 0.1, w1: 0.1 });
    const init = randomState(P, H, W, 72);
    const target = new Float32Array(W * H * 4);
    for (let i = 0; i < W * H; i++) target.set([0.5, 0.4, 0.3, 1], i * 4);
    const r = await h.page.evaluate(
      async (W, H, B, P, seed, max, wB64, initB64, targetB64) => {
        const { NcaGl, T } = window as any;
        const weights = Object.fromEntries(Object.entries(wB64 as Record<string, string>).map(([k, v]) => [k, T.f32FromB64(v)]));
        const reg = NcaGl.createRegimen(T.canvas(8, 8), { task: 'regenerating', target: T.f32FromB64(targetB64), width: W, height: H, hidden: 8, batch: B, steps: [3, 3], pool: P, damage: 0, preroll: max, seed, weights, debug: true });
        const pool = reg.pool;
        const rt = reg.trainer.rt;
        rt.upload(pool.texture, NcaGl.layout.packCells(pool.atlas, T.f32FromB64(initB64)));
        const before = NcaGl.layout.unpackCells(pool.atlas, pool.read());
        const s = await reg.step();
        const start = NcaGl.layout.unpackCells(reg.trainer.atlas, rt.readAll(reg.trainer.startTexture));
        const drawn = pool.drawn.slice();
        reg.dispose();
        return { preroll: s.preroll, drawn, before: T.b64FromF32(before), start: T.b64FromF32(start) };
      },
      W, H, B, P, seed, max, Object.fromEntries(Object.entries(w).map(([k, v]) => [k, toB64(Float32Array.from(v as Float32Array))])), toB64(init), toB64(target),
    );
    expect(r.preroll).toBe(prerollLength(max, seed, 0));
    const n = W * H * 16;
    const [before, start] = [fromB64(r.before), fromB64(r.start)];
    const gathered = new Float32Array(B * n);
    r.drawn.forEach((k: number, b: number) => gathered.set(before.subarray(k * n, (k + 1) * n), b * n));
    const aged = ref.rollout(cfg, w, gathered, { batch: B, height: H, width: W }, { seed, iteration: 0, step: PREROLL_STEP }, r.preroll);
    // the growing rule's loss: mean squared RGBA error against the target
    const loss = (b: number) => {
      let e = 0;
      for (let i = 0; i < W * H; i++) for (let c = 0; c < 4; c++) e += (aged[b * n + i * 16 + c]! - target[i * 4 + c]!) ** 2;
      return e;
    };
    const worst = [0, 1, 2].reduce((a, b) => (loss(b) > loss(a) ? b : a), 0);
    const seedGrid = seedState(1, W, H);
    for (let b = 0; b < B; b++) {
      const grid = start.subarray(b * n, (b + 1) * n);
      if (b === worst) expect(maxAbsDiff(grid, seedGrid).max).toBe(0);
      else {
        expect(maxAbsDiff(grid, aged.subarray(b * n, (b + 1) * n)).max, `grid ${b}`).toBeLessThanOrEqual(1e-4);
        expect(maxAbsDiff(grid, gathered.subarray(b * n, (b + 1) * n)).max).toBeGreaterThan(1e-2);
      }
    }
  });
});

describe('every preset lowers the loss in a short run', () => {
  it.each([
    ['persistence', 40],
    ['growth', 40],
    ['healing', 40],
    ['growing', 40],
    ['regenerating', 40],
  ])('%s', async (task, iterations) => {
    const r = await h.page.evaluate(
      async (task, iterations) => {
        const { NcaGl, T } = window as any;
        const W = 20;
        const target = new Float32Array(W * W * 4);
        for (let y = 0; y < W; y++)
          for (let x = 0; x < W; x++) if (Math.hypot(x - 9.5, y - 9.5) < 6) target.set([0.9, 0.3 + x / 40, 0.2, 1], (y * W + x) * 4);
        const small = { width: W, height: W, hidden: 32, seed: 2 };
        const over = task === 'growing' || task === 'regenerating' ? { ...small, batch: 4, steps: [16, 20], pool: task === 'regenerating' ? 32 : 0, damage: task === 'regenerating' ? 1 : 0 } : { ...small, batch: 2, lr: 2e-3 };
        const reg = NcaGl.createRegimen(T.canvas(8, 8), { task, target, ...over });
        const losses: number[] = [];
        const levels: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const s = await reg.step();
          losses.push(s.loss);
          levels.push(s.level);
        }
        reg.dispose();
        return { losses, levels };
      },
      task, iterations,
    );
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const head = mean(r.losses.slice(0, 5));
    const tail = mean(r.losses.slice(-5));
    console.log(`${task}: loss ${head.toFixed(4)} → ${tail.toFixed(4)}, curriculum level ${r.levels[r.levels.length - 1]}`);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(tail).toBeLessThan(head);
  });
});

describe('evaluation', () => {
  it('measures PSNR from a task start and along a 10× longer run, over every grid of the batch', async () => {
    const r = await h.page.evaluate(() => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.abs(x - 7.5) < 5 && Math.abs(y - 7.5) < 5) target.set([1, 0.5, 0, 1], (y * W + x) * 4);
      // a growing-rule model that changes nothing (w1 = 0): the start state stays as it is
      const weights = NcaGl.initWeights('growing', 16, 1);
      const e = NcaGl.createEngine(T.canvas(8, 8), { rule: 'growing', hidden: 16, width: W, height: W, weights });
      const same = NcaGl.evaluate(e, { target, start: { noise: 0, radius: Infinity, circles: 0, ablation: 0 }, steps: 4 });
      const cut = NcaGl.evaluate(e, { target, start: { noise: 0, radius: 3, circles: 0, ablation: 0 }, steps: 4, horizon: 5, samples: 4 });
      e.dispose();
      // a batch of 3: each grid its own draw of 2 discs; the report is the mean over the grids
      const e3 = NcaGl.createEngine(T.canvas(8, 8), { rule: 'growing', hidden: 16, width: W, height: W, batch: 3, weights });
      const holes = { noise: 0, radius: Infinity, circles: 2, ablation: 3 };
      const batch = NcaGl.evaluate(e3, { target, start: holes, steps: 4, horizon: 2, samples: 1, seed: 5 });
      // figures at T, 3·T and 6·T (past the horizon): a do-nothing model keeps each grid as it started
      const marked = NcaGl.evaluate(e3, { target, start: holes, steps: 4, horizon: 2, samples: 1, seed: 5, marks: [6, 1, 3] });
      const starts = NcaGl.startState(holes, target, 3, W, W, 5);
      const expected = [0, 1, 2].map((b: number) => NcaGl.displayMse(starts, target, W, W, b));
      e3.dispose();
      return { same, cut, batch, marked, expected };
    });
    expect(new Set(r.expected).size).toBe(3); // three different damages
    expect(r.batch.grids.map((p: number) => 10 ** (-p / 10))).toEqual(r.expected.map((m: number) => expect.closeTo(m, 9)));
    expect(r.batch.mse).toBeCloseTo((r.expected[0] + r.expected[1] + r.expected[2]) / 3, 9);
    expect(r.same.mse).toBe(0);
    expect(r.same.psnr).toBe(null); // Infinity serialises as null
    // truncation at radius 3 keeps the cells with (2x − 15)² + (2y − 15)² < 36: odd offsets
    // (±1|±3|±5)² pairs below 36, 32 cells; the other 68 of the 10×10 square are lost:
    // MSE = 68 · (1 + 0.25 + 0 + 1) / (256 · 4)
    expect(r.cut.mse).toBeCloseTo((68 * 2.25) / 1024, 6);
    expect(r.cut.curve.length).toBe(5);
    expect(r.cut.long.step).toBe(20);
    expect(r.cut.minPsnr).toBeCloseTo(r.cut.psnr, 6);
    // marks: sorted, at their steps, the mean and the worst grid's PSNR (the largest MSE)
    const psnrOf = (m: number) => 10 * Math.log10(1 / m);
    const worst = psnrOf(Math.max(...r.expected));
    const mean = psnrOf((r.expected[0] + r.expected[1] + r.expected[2]) / 3);
    expect(r.marked.marks.map((m: any) => [m.multiple, m.step])).toEqual([[1, 4], [3, 12], [6, 24]]);
    for (const m of r.marked.marks) {
      expect(m.psnr).toBeCloseTo(mean, 6);
      expect(m.worst).toBeCloseTo(worst, 6);
    }
    expect(worst).toBeLessThan(mean);
    expect(r.marked.long.step).toBe(8); // the curve still ends at horizon × T
    expect(r.batch.marks.map((m: any) => m.multiple)).toEqual([1, 2]); // default marks: T and horizon × T
  });
});
