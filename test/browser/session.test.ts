/**
 * TrainingSession faults and round trips on the GPU: a NaN loss rolls back and lowers the learning
 * rate (from a learning-rate spike, and from a transient non-finite weight); a WebGL context lost
 * through WEBGL_lose_context is survived from the last good state; and toModel → encodeModel →
 * decodeModel → fromModel continues with the very losses of an uninterrupted session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pickBest } from '../../src/train/keep-best';
import { type Harness, openHarness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => h?.close());
afterEach(async () => h.assertClean());

/** Options shared by the page functions: a 16×16 disc target, tiny model. */
const SMALL = { width: 16, height: 16, hidden: 16, seed: 3, snapshotEvery: 4 };

describe('NaN rollback', () => {
  it.each(['growing', 'regenerating'])('%s: a learning-rate spike that blows the loss up is rolled back, with a lower learning rate, and training goes on', async (task) => {
    const r = await h.page.evaluate(async (small, task) => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 7.5, y - 7.5) < 5) target.set([0.9, 0.4, 0.2, 1], (y * W + x) * 4);
      // the growing rule's update is unbounded: one iteration at lr 10 overflows the state
      const pool = task === 'regenerating' ? { pool: 4, damage: 1 } : {};
      const s = new NcaGl.TrainingSession(T.canvas(8, 8), { ...small, ...pool, task, target, batch: 2, steps: [6, 6], lr: { boundaries: [6, 7], values: [2e-3, 10, 2e-3] } });
      const faults: any[] = [];
      // a pool (regenerating) is reseeded at a rollback: no diverged state survives in it
      const poolAtFault: boolean[] = [];
      s.on('fault', (f: any) => {
        faults.push(f);
        if (s.regimen.pool) {
          const p = s.regimen.pool.read();
          poolAtFault.push(p.every(Number.isFinite) && p.reduce((n: number, v: number) => n + (v !== 0 ? 1 : 0), 0) === 4 * 13);
        }
      });
      const reports: any[] = [];
      s.on('progress', (p: any) => reports.push({ iteration: p.iteration, loss: p.loss, lrScale: p.lrScale }));
      await s.run({ iterations: 12 });
      const out = { faults, reports, history: s.lossHistory.slice(), iteration: s.iteration, lrScale: s.regimen.trainer.lrScale, poolAtFault };
      s.dispose();
      return out;
    }, SMALL, task);
    expect(r.poolAtFault).toEqual(task === 'regenerating' ? r.faults.map(() => true) : []);
    expect(r.faults.length).toBeGreaterThanOrEqual(1);
    r.faults.forEach((f: any, i: number) => {
      expect(f.kind).toBe('nan');
      expect(f.iteration).toBe(7);
      // the blow-up overflows to Infinity on some renderers and stays finite (past the bound) on others
      expect(f.message).toMatch(/^the loss (became (NaN|Infinity)|exploded to [\d.]+e\+\d+ \(over 1e\+4\)) at iteration 7: rolled back to iteration 4 and lowered the learning rate to ×[\d.]+ of the schedule$/);
      expect(f.message).toContain(`×${1 / 2 ** (i + 1)} of`);
    });
    expect(r.lrScale).toBe(1 / 2 ** r.faults.length);
    expect(r.iteration).toBe(12);
    // every loss that was kept is finite; the history holds one loss per iteration
    expect(r.history.length).toBe(12);
    expect(r.history.every(Number.isFinite)).toBe(true);
    expect(r.reports.filter((p: any) => p.iteration >= 7).every((p: any) => p.lrScale < 1 && Number.isFinite(p.loss))).toBe(true);
  });

  it('a transient non-finite weight rolls back to the last good weights and training continues normally', async () => {
    const r = await h.page.evaluate(async (small) => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.abs(x - 7.5) < 5 && Math.abs(y - 7.5) < 4) target.set([0.2, 0.5, 0.9, 1], (y * W + x) * 4);
      const run = async (poison: boolean) => {
        const s = new NcaGl.TrainingSession(T.canvas(8, 8), { ...small, task: 'persistence', target, batch: 1 });
        const faults: any[] = [];
        s.on('fault', (f: any) => faults.push(f));
        await s.run({ iterations: 6 });
        if (poison) {
          // a corrupted parameter texel (as a GPU fault would leave it), past the checks of setWeights
          const t = s.regimen.trainer;
          const data = t.rt.read(t.paramsTexture);
          data[0] = NaN;
          t.rt.upload(t.paramsTexture, data);
        }
        await s.run({ iterations: 14 });
        const out = { faults, history: s.lossHistory.slice(), lrScale: s.regimen.trainer.lrScale };
        s.dispose();
        return out;
      };
      return { clean: await run(false), poisoned: await run(true) };
    }, SMALL);
    const { clean, poisoned } = r;
    expect(clean.faults).toEqual([]);
    expect(poisoned.faults.map((f: any) => [f.kind, f.iteration])).toEqual([['nan', 6]]);
    expect(poisoned.faults[0].message).toBe('the loss became NaN at iteration 6: rolled back to iteration 4 and lowered the learning rate to ×0.5 of the schedule');
    expect(poisoned.lrScale).toBe(0.5);
    // up to the snapshot the runs agree bit for bit; after it, a halved learning rate gives finite losses close to the clean ones
    expect(poisoned.history.slice(0, 4)).toEqual(clean.history.slice(0, 4));
    expect(poisoned.history.length).toBe(14);
    for (let i = 4; i < 14; i++) {
      expect(Number.isFinite(poisoned.history[i])).toBe(true);
      expect(Math.abs(poisoned.history[i] - clean.history[i]) / clean.history[i]).toBeLessThan(0.1);
    }
  });
});

describe('context loss', () => {
  it('WEBGL_lose_context: training waits, rebuilds from the last good state and repeats the uninterrupted losses', async () => {
    const r = await h.page.evaluate(async (small) => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 7.5, y - 8) < 6) target.set([0.8, 0.7, 0.1, 1], (y * W + x) * 4);
      const run = async (lose: boolean) => {
        const canvas = T.canvas(8, 8);
        const s = new NcaGl.TrainingSession(canvas, { ...small, task: 'growth', target, batch: 1, lr: 2e-3 });
        const faults: any[] = [];
        s.on('fault', (f: any) => faults.push({ kind: f.kind, iteration: f.iteration, message: f.message }));
        await s.run({ iterations: 6 });
        let lost = false;
        if (lose) {
          const gl = s.regimen.trainer.gl;
          const ext = gl.getExtension('WEBGL_lose_context');
          ext.loseContext();
          lost = gl.isContextLost();
          setTimeout(() => ext.restoreContext(), 100);
        }
        await s.run({ iterations: 12 });
        const out = { faults, history: s.lossHistory.slice(), lost, iteration: s.iteration, level: s.regimen.curriculum.state.level, live: T.live() };
        s.dispose();
        return out;
      };
      const clean = await run(false);
      const lost = await run(true);
      return { clean, lost };
    }, SMALL);
    expect(r.lost.lost).toBe(true);
    expect(r.clean.faults).toEqual([]);
    expect(r.lost.faults.map((f: any) => f.kind)).toEqual(['context-lost', 'context-restored']);
    expect(r.lost.faults[1].message).toBe('the WebGL context is back: resumed from iteration 4');
    expect(r.lost.iteration).toBe(12);
    // the restored state is the snapshot at iteration 4: what follows is what an uninterrupted run does
    expect(r.lost.history).toEqual(r.clean.history);
    expect(r.lost.level).toBe(r.clean.level);
  });
});

describe('model-file round trip', () => {
  it.each([
    ['growth', { batch: 1, lr: 2e-3 }],
    ['growing', { batch: 2, steps: [8, 12] }],
  ])('%s: toModel → encodeModel → decodeModel → fromModel continues with the uninterrupted losses', async (task, over) => {
    const r = await h.page.evaluate(
      async (small, task, over) => {
        const { NcaGl, T } = window as any;
        const W = 16;
        const target = new Float32Array(W * W * 4);
        for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 7, y - 8) < 5.5) target.set([0.1, 0.6 + x / 50, 0.3, 1], (y * W + x) * 4);
        const opts = { ...small, ...over, task, target };
        const a = new NcaGl.TrainingSession(T.canvas(8, 8), opts);
        await a.run({ iterations: 10 });
        const uninterrupted = a.lossHistory.slice();
        a.dispose();
        const b = new NcaGl.TrainingSession(T.canvas(8, 8), opts);
        await b.run({ iterations: 5 });
        const bytes = NcaGl.encodeModel(b.toModel());
        b.dispose();
        const model = NcaGl.decodeModel(bytes);
        const c = NcaGl.TrainingSession.fromModel(T.canvas(8, 8), model, target, { ...over, snapshotEvery: small.snapshotEvery });
        const resumedAt = c.iteration;
        await c.run({ iterations: 10 });
        const resumed = c.lossHistory.slice();
        const again = NcaGl.decodeModel(NcaGl.encodeModel(c.toModel()));
        c.dispose();
        return { uninterrupted, resumed, resumedAt, bytes: bytes.length, iterations: again.training.iterations, adam: again.optimizer.step };
      },
      SMALL,
      task,
      over,
    );
    expect(r.resumedAt).toBe(5);
    expect(r.resumed.length).toBe(10);
    expect(r.resumed).toEqual(r.uninterrupted);
    expect(r.iterations).toBe(10);
    expect(r.adam).toBe(10);
  });
});

describe('task switch on resume', () => {
  it("fromModel turns a growing model into a regenerating one (Distill's pair), and ignores a switch to another regimen's task", async () => {
    const r = await h.page.evaluate(async (small) => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 7, y - 8) < 5.5) target.set([0.8, 0.3, 0.5, 1], (y * W + x) * 4);
      const opts = { ...small, task: 'growing', target, batch: 2, steps: [6, 8], pool: 4, damage: 0 };
      const a = new NcaGl.TrainingSession(T.canvas(8, 8), opts);
      await a.run({ iterations: 3 });
      const model = NcaGl.decodeModel(NcaGl.encodeModel(a.toModel()));
      a.dispose();
      const b = NcaGl.TrainingSession.fromModel(T.canvas(8, 8), model, target, { ...opts, task: 'regenerating', damage: 1 });
      const switched = { task: b.regimen.task, damage: b.regimen.preset.damage, at: b.iteration };
      await b.run({ iterations: 5 });
      const saved = NcaGl.decodeModel(NcaGl.encodeModel(b.toModel()));
      b.dispose();
      const c = NcaGl.TrainingSession.fromModel(T.canvas(8, 8), model, target, { ...opts, task: 'growth' });
      const kept = c.regimen.task;
      c.dispose();
      return { switched, savedTask: saved.training.task, savedIterations: saved.training.iterations, finite: b.lossHistory.every(Number.isFinite), kept };
    }, SMALL);
    expect(r.switched).toEqual({ task: 'regenerating', damage: 1, at: 3 });
    expect(r.savedTask).toBe('regenerating');
    expect(r.savedIterations).toBe(5);
    expect(r.finite).toBe(true);
    expect(r.kept).toBe('growing');
  });
});

describe('keep-best and the figures (issue 15)', () => {
  it('evaluates every N iterations on fixed draws, keeps the best snapshot, writes it with the latest weights, and measures the figures as evaluate() does', async () => {
    const r = await h.page.evaluate(async (small) => {
      const { NcaGl, T } = window as any;
      const W = 16;
      const target = new Float32Array(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 7.5, y - 7.5) < 5) target.set([0.9, 0.4, 0.2, 1], (y * W + x) * 4);
      const opts = { ...small, task: 'growth', target, evalEvery: 3, evalDraws: 2 };
      const s = new NcaGl.TrainingSession(T.canvas(8, 8), opts);
      const events: any[] = [];
      s.on('evaluation', (e: any) => events.push({ iteration: e.iteration, psnr: e.psnr, kept: e.kept, best: e.best?.iteration ?? null }));
      const weightsAt: Record<number, Float32Array> = {};
      s.on('progress', (p: any) => {
        if ((p.iteration + 1) % 3 === 0) weightsAt[p.iteration + 1] = s.regimen.trainer.getWeights().w0;
      });
      await s.run({ iterations: 10 });
      const last = s.evaluateLast(); // 10 is not a multiple of 3
      const again = s.evaluateLast();
      const spec = s.evalSpec();
      // the same draws evaluated directly: an engine seeded with EVAL_SEED running the kept weights
      const e = NcaGl.createEngine(T.canvas(8, 8), { rule: 'seed', hidden: 16, width: W, height: W, batch: 2, seed: NcaGl.EVAL_SEED, weights: s.best.weights });
      const direct = NcaGl.evaluate(e, { target: spec.target, start: spec.start, steps: spec.steps, horizon: 1, samples: 1, marks: [1], seed: NcaGl.EVAL_SEED }).psnr;
      const q = s.measureQuality(2);
      const e2 = NcaGl.createEngine(T.canvas(8, 8), { rule: 'seed', hidden: 16, width: W, height: W, batch: 2, seed: NcaGl.EVAL_SEED, weights: s.best.weights });
      const dq = NcaGl.qualityFromReport(NcaGl.evaluate(e2, { target: spec.target, start: spec.start, ...NcaGl.qualityEvalOptions(spec.steps) }), 2);
      e.dispose();
      e2.dispose();
      const m = NcaGl.decodeModel(NcaGl.encodeModel(s.toModel()));
      const keptW0 = weightsAt[s.best.iteration] ?? s.regimen.trainer.getWeights().w0;
      const out = {
        events, last: last && { iteration: last.iteration, kept: last.kept }, again, best: { iteration: s.best.iteration, psnr: s.best.psnr }, direct, spec: { steps: spec.steps, start: spec.start },
        q, dq, fileBest: m.best, fileQuality: m.quality, hasLatest: !!m.latest,
        weightsAreKept: m.weights.w0.every((v: number, i: number) => v === keptW0[i]),
        latestIsCurrent: m.latest ? m.latest.weights.w0.every((v: number, i: number) => v === s.regimen.trainer.getWeights().w0[i]) : null,
      };
      // a session resumed from the file continues from the latest weights and keeps the kept snapshot
      const s2 = NcaGl.TrainingSession.fromModel(T.canvas(8, 8), m, target, { snapshotEvery: 4 });
      (out as any).resumed = { best: s2.best.iteration, evaluations: s2.evaluations, evalEvery: s2.options.evalEvery, quality: s2.quality !== null, sameWeights: s2.regimen.trainer.getWeights().w0.every((v: number, i: number) => v === s.regimen.trainer.getWeights().w0[i]) };
      await s2.step();
      (out as any).resumed.qualityAfterStep = s2.quality;
      s.dispose();
      s2.dispose();
      return out;
    }, SMALL);
    // every 3 iterations, then the last one (10) at the end
    expect(r.events.map((e: any) => e.iteration)).toEqual([3, 6, 9, 10]);
    expect(r.last).toEqual({ iteration: 10, kept: r.events[3].kept });
    expect(r.again).toBeNull();
    // the kept one is what the pure rule picks from the four scores
    const picked = pickBest(r.events.map((e: any) => ({ iteration: e.iteration, psnr: e.psnr, worst: 0 })));
    expect(r.best.iteration).toBe(picked!.iteration);
    expect(r.events.every((e: any) => e.best === null || e.best <= e.iteration)).toBe(true);
    expect(r.spec.steps).toBe(16);
    expect(r.spec.start).toMatchObject({ radius: 6 });
    expect(r.direct).toBe(r.best.psnr);
    expect(r.q).toEqual(r.dq);
    expect(r.fileQuality).toEqual(r.q);
    expect(r.fileBest).toMatchObject({ iteration: r.best.iteration, draws: 2, steps: 16, every: 3, evaluations: 4 });
    expect(r.weightsAreKept).toBe(true);
    expect(r.hasLatest).toBe(r.best.iteration !== 10);
    if (r.hasLatest) expect(r.latestIsCurrent).toBe(true);
    expect(r.resumed).toMatchObject({ best: r.best.iteration, evaluations: 4, evalEvery: 3, quality: true, sameWeights: true, qualityAfterStep: null });
  });
});
