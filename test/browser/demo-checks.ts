/**
 * Checks run on the demo page (demos/index.html, driven through window.ncaDemo) with a model file:
 * the growth check (grown from its task's start, the best PSNR reached) and the healing check (a
 * real, scripted mouse click erases cells; the model repairs them). The same functions run on the
 * zoo's models (the acceptance thresholds) and on tiny models trained in the test (the code path).
 */
import type { Page } from 'puppeteer-core';

/** Loads a model into the demo page (view mode) and waits until it runs. */
export async function loadIntoDemo(p: Page, bytes: Buffer, label: string): Promise<void> {
  await p.evaluate(
    async (b64, label) => {
      const bin = atob(b64);
      const u8 = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
      await (window as any).ncaDemo.actions.loadModel(u8, label);
    },
    bytes.toString('base64'),
    label,
  );
}

export interface GrowthResult {
  task: string;
  start: string;
  startPsnr: number;
  best: number;
  bestAt: number;
  curve: [number, number][];
}

/**
 * Grows the loaded model from its task's start — the seed for Distill's tasks, the curriculum's
 * hardest perturbation for the article's (what `evaluate` uses) — and samples the PSNR of the view
 * against the target every 8 steps up to `maxSteps`. "Reaches" = the best sample (growth models may
 * grow on past the target afterwards, which the article shows on purpose).
 */
export async function growthCheck(p: Page, maxSteps = 192): Promise<GrowthResult> {
  return p.evaluate((maxSteps) => {
    const { app } = (window as any).ncaDemo;
    const task = app.task ?? 'none';
    const start = task === 'growing' || task === 'regenerating' || task === 'none' ? 'seed' : 'hardest';
    app.player.freeze(1e9); // the frame loop keeps drawing but stops stepping: the test steps
    app.resetView(start, true);
    app.player.freeze(1e9);
    const startPsnr = app.psnr();
    const curve: [number, number][] = [];
    for (let s = 8; s <= maxSteps; s += 8) {
      app.engine.step(8);
      curve.push([s, app.psnr()]);
    }
    let best = -Infinity, bestAt = 0;
    for (const [s, v] of curve) if (v > best) [best, bestAt] = [v, s];
    app.player.freeze(0);
    return { task, start, startPsnr, best, bestAt, curve };
  }, maxSteps);
}

export interface HealingResult {
  before: number;
  damaged: number;
  erased: number;
  recovered: number;
  final: number;
  curve: [number, number][];
}

/**
 * Settles the loaded model from its target for `settle` steps and measures the PSNR; then a real
 * mouse click (puppeteer) on the live cell nearest the grid's centre erases a disc of `radius`
 * cells; then the model runs `recoverSteps` steps, sampled every 8: "recovered" is the best sample.
 */
export async function healingCheck(p: Page, radius: number, settle = 32, recoverSteps = 128): Promise<HealingResult> {
  const at = await p.evaluate(
    (radius, settle) => {
      const { app, settings } = (window as any).ncaDemo;
      settings.brush = radius;
      app.player.damageRadius = radius;
      app.resetView('target', true);
      app.player.freeze(1e9);
      // the stochastic updates hash the step counter: start it at 0, so the check does not depend on
      // how many frames the page ran before it
      app.engine.stepIndex = 0;
      app.engine.step(settle);
      app.player.draw();
      const e = app.engine;
      const s = e.getState();
      // the live cell nearest the centre
      let best = -1, bd = Infinity;
      for (let y = 0; y < e.height; y++)
        for (let x = 0; x < e.width; x++) {
          const d = Math.hypot(x + 0.5 - e.width / 2, y + 0.5 - e.height / 2);
          if (s[(y * e.width + x) * 16 + 3] > 0.5 && d < bd) [best, bd] = [y * e.width + x, d];
        }
      const cx = (best % e.width) + 0.5, cy = Math.floor(best / e.width) + 0.5;
      const c: HTMLCanvasElement = app.canvas;
      const r = c.getBoundingClientRect();
      const fit = app.player.fit();
      const top = c.height - fit.y - fit.h; // the grid's top edge, buffer pixels from the top
      const clientX = r.left + ((fit.x + cx * fit.scale) * r.width) / c.width;
      const clientY = r.top + ((top + cy * fit.scale) * r.height) / c.height;
      const alive = Array.from({ length: e.width * e.height }, (_, i) => s[i * 16 + 3] > 0.1);
      (window as any).__alive = alive;
      return { clientX, clientY, before: app.psnr(), cx, cy };
    },
    radius,
    settle,
  );
  await p.mouse.click(at.clientX, at.clientY);
  return p.evaluate(
    (at, radius, recoverSteps) => {
      const { app } = (window as any).ncaDemo;
      const e = app.engine;
      const s = e.getState();
      const alive: boolean[] = (window as any).__alive;
      let erased = 0;
      for (let i = 0; i < e.width * e.height; i++) {
        const x = (i % e.width) + 0.5, y = Math.floor(i / e.width) + 0.5;
        const inside = Math.hypot(x - at.cx, y - at.cy) < radius;
        if (inside && alive[i] && s[i * 16 + 3] === 0) erased++;
      }
      const damaged = app.psnr();
      const curve: [number, number][] = [];
      for (let k = 8; k <= recoverSteps; k += 8) {
        e.step(8);
        curve.push([k, app.psnr()]);
      }
      app.player.freeze(0);
      const recovered = Math.max(...curve.map((c) => c[1]));
      return { before: at.before, damaged, erased, recovered, final: curve[curve.length - 1]![1], curve };
    },
    at,
    radius,
    recoverSteps,
  );
}
