/**
 * The widget's pure parts, in Node: pixel-art fitting, pointer → cell mapping (CSS pixels vs the
 * drawing buffer, image row 0 at the top), buffer sizes, and the start states it shows (built from a
 * model file by the tasks layer, src/tasks/start.ts).
 */
import { describe, expect, it } from 'vitest';
import { initWeights } from '../../src/engine/model';
import type { ModelFile } from '../../src/io/model-file';
import { bufferSize, clientToCell, fitGrid } from '../../src/widget/view';
import { parseRestart, restartSteps } from '../../src/widget/restart';
import { NO_PERTURBATION } from '../../src/tasks/perturb';
import { imageState, mildPerturbation, modelStart, modelTarget, startState, targetState, taskStart } from '../../src/tasks/start';

describe('fitGrid', () => {
  it('uses the largest whole-number scale and centres the grid', () => {
    expect(fitGrid(512, 512, 72, 72)).toEqual({ x: 4, y: 4, w: 504, h: 504, scale: 7 });
    expect(fitGrid(300, 200, 40, 40)).toEqual({ x: 50, y: 0, w: 200, h: 200, scale: 5 });
    expect(fitGrid(72, 72, 72, 72).scale).toBe(1);
  });
  it('shrinks by a fraction only when even scale 1 does not fit', () => {
    const f = fitGrid(50, 100, 100, 100);
    expect(f.scale).toBeCloseTo(0.5);
    expect([f.w, f.h, f.x, f.y]).toEqual([50, 50, 0, 25]);
  });
});

describe('clientToCell', () => {
  // a 16×16 grid in a 300×200 CSS box at devicePixelRatio 2: buffer 600×400, scale 25, grid 400×400
  // at buffer x 100..500 (GL viewport x 100, y 0)
  const box = { left: 10, top: 20, width: 300, height: 200 };
  const [bw, bh] = bufferSize(300, 200, 2);
  const fit = fitGrid(bw, bh, 16, 16);
  it('maps CSS pixels through the drawing buffer to cells, row 0 at the top', () => {
    expect([bw, bh]).toEqual([600, 400]);
    expect(fit).toEqual({ x: 100, y: 0, w: 400, h: 400, scale: 25 });
    // the top-left corner of the grid: CSS (10 + 50, 20)
    expect(clientToCell(60, 20, box, bw, bh, fit, 16, 16)).toEqual({ x: 0, y: 0 });
    // the centre of cell (3, 12): buffer (100 + 3.5·25, 12.5·25) → CSS /2
    const c = clientToCell(10 + (100 + 3.5 * 25) / 2, 20 + (12.5 * 25) / 2, box, bw, bh, fit, 16, 16)!;
    expect(c.x).toBeCloseTo(3.5);
    expect(c.y).toBeCloseTo(12.5);
  });
  it('is null in the margins and outside', () => {
    expect(clientToCell(15, 100, box, bw, bh, fit, 16, 16)).toBeNull();
    expect(clientToCell(300, 100, box, bw, bh, fit, 16, 16)).toBeNull();
    expect(clientToCell(100, 10, box, bw, bh, fit, 16, 16)).toBeNull();
  });
  it('accounts for a grid centred vertically (GL y up)', () => {
    const f = fitGrid(100, 300, 10, 10); // scale 10, grid at GL y 100..200
    expect(f.y).toBe(100);
    const b = { left: 0, top: 0, width: 100, height: 300 };
    expect(clientToCell(5, 105, b, 100, 300, f, 10, 10)).toEqual({ x: 0.5, y: 0.5 });
    expect(clientToCell(5, 95, b, 100, 300, f, 10, 10)).toBeNull();
  });
});

describe('bufferSize', () => {
  it('rounds CSS size × devicePixelRatio and clamps it', () => {
    expect(bufferSize(100.4, 50, 1.5)).toEqual([151, 75]);
    expect(bufferSize(0, 10, 1)).toEqual([1, 10]);
    expect(bufferSize(5000, 10, 2, 4096)).toEqual([4096, 20]);
    expect(bufferSize(10, 10, NaN)).toEqual([10, 10]);
  });
});

/** A 12×12 model whose target is a 6×6 opaque orange square, straight RGBA8 at the grid size. */
function model(task: string | undefined): ModelFile {
  const W = 12;
  const rgba = new Uint8Array(W * W * 4);
  for (let y = 3; y < 9; y++) for (let x = 3; x < 9; x++) rgba.set([255, 128, 0, 255], (y * W + x) * 4);
  return {
    rule: { rule: 'seed', hidden: 8, rate: 0.8, perCell: false },
    grid: { width: W, height: W },
    weights: initWeights('seed', 8, 1),
    target: { width: W, height: W, rgba },
    training: task ? { task } : {},
  };
}
const alive = (s: Float32Array) => Array.from({ length: s.length / 16 }, (_, i) => s[i * 16 + 3]!).filter((a) => a > 0.1).length;

describe('the target state', () => {
  // a 3×2 target, row 0 at the top, with zero and negative values (targetState copies, never clamps)
  const W = 3;
  const H = 2;
  const rgba = Float32Array.from({ length: W * H * 4 }, (_, i) => (i % 5) - 2 + (i === 7 ? -0.25 : 0));
  it('puts the target in channels 0–3 of every grid, [b][y][x][16], and 0 in the hidden channels', () => {
    const s = targetState(rgba, 2, W, H);
    expect(s.length).toBe(2 * W * H * 16);
    for (let b = 0; b < 2; b++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const o = ((b * H + y) * W + x) * 16;
          const i = (y * W + x) * 4;
          expect(Array.from(s.subarray(o, o + 4))).toEqual(Array.from(rgba.subarray(i, i + 4)));
          expect(Array.from(s.subarray(o + 4, o + 16))).toEqual(new Array(12).fill(0));
        }
      }
    }
    // any array-like target: a plain array gives the same state
    expect(targetState(Array.from(rgba), 2, W, H)).toEqual(s);
  });
  it('is what imageState and an unperturbed startState give (one implementation)', () => {
    expect(imageState(rgba, W, H)).toEqual(targetState(rgba, 1, W, H));
    expect(startState({ ...NO_PERTURBATION }, rgba, 2, W, H, 7)).toEqual(targetState(rgba, 2, W, H));
  });
  it('refuses a perturbation with a bad field, naming it (evaluate() starts from startState)', () => {
    const ok = { ...NO_PERTURBATION, noise: 0.1 };
    expect(startState(ok, rgba, 1, W, H, 7).some((v, i) => v !== targetState(rgba, 1, W, H)[i])).toBe(true);
    expect(() => startState({ ...ok, noise: Number.NaN }, rgba, 1, W, H, 7)).toThrow(/option 'noise' must be a number from 0 to 100, got NaN/);
    expect(() => startState({ ...ok, radius: -1 }, rgba, 1, W, H, 7)).toThrow(/option 'radius'/);
    expect(() => startState({ ...ok, circles: 2.5 }, rgba, 1, W, H, 7)).toThrow(/option 'circles'/);
    expect(() => startState({ ...ok, ablation: Infinity }, rgba, 1, W, H, 7)).toThrow(/option 'ablation'/);
  });
});

describe('start states from a model file', () => {
  it('rebuilds the premultiplied target from the thumbnail', () => {
    const t = modelTarget(model('growth'))!;
    const i = (4 * 12 + 4) * 4;
    expect(Array.from(t.subarray(i, i + 4))).toEqual([1, Math.fround(128 / 255), 0, 1]);
    expect(t[0]).toBe(0);
  });
  it('grows Distill models (and models without a task) from the seed', () => {
    for (const task of ['growing', 'regenerating', undefined]) {
      const s = modelStart(model(task));
      expect(alive(s)).toBe(1);
      expect(s[(6 * 12 + 6) * 16 + 3]).toBe(1);
    }
  });
  it('holds, grows and heals the article models from mild perturbations of the target', () => {
    expect(alive(modelStart(model('persistence'), 'target'))).toBe(36);
    // growth: truncation radius max(6, 12/5) = 6 cells keeps the whole 6×6 square
    expect(mildPerturbation('growth', 12, 12)!.radius).toBe(6);
    expect(mildPerturbation('growth', 64, 64)!.radius).toBeCloseTo(12.8);
    // healing: 3 discs of radius 3
    expect(mildPerturbation('healing', 64, 64)).toMatchObject({ circles: 3, ablation: 3 });
    expect(mildPerturbation('persistence', 64, 64)).toMatchObject({ noise: 0.1 });
    // never harder than the curriculum level the model reached
    expect(mildPerturbation('healing', 64, 64, { ablation: 1.5 })!.ablation).toBe(1.5);
    expect(mildPerturbation('growth', 64, 64, { radius: 30 })!.radius).toBe(30);
    expect(mildPerturbation('growth', 64, 64, { radius: -1 })!.radius).toBe(Infinity); // no truncation yet
    // growth starts at the disc it reached, not a larger one (the 48×48 heart overgrows from 9.6)
    expect(mildPerturbation('growth', 48, 48, { radius: 6 })!.radius).toBe(6);
    expect(mildPerturbation('growth', 48, 48, { radius: 8 })!.radius).toBe(8);
    expect(mildPerturbation('growth', 48, 48, { radius: 2 })!.radius).toBe(6); // never below the hardest
    expect(mildPerturbation('growth', 48, 48, { noise: 0 })!.radius).toBeCloseTo(9.6); // no radius recorded
    const hardest = taskStart('growth', modelTarget(model('growth')), 12, 12, 'hardest');
    expect(alive(hardest)).toBeLessThanOrEqual(36);
    expect(alive(hardest)).toBeGreaterThan(0);
  });
  it('falls back to the seed when the file has no target', () => {
    const m = model('healing');
    delete m.target;
    expect(alive(modelStart(m, 'target'))).toBe(1);
  });
});

describe('restart policy (issue 15)', () => {
  const q = (steps: number, holdsSteps: number) => ({ quality: { draws: 16, steps, psnrT: 20, psnr10T: 15, psnr50T: 5, worstT: 18, worst10T: 12, worst50T: 3, holdsSteps } });

  it("'auto' restarts a model that fades at 0.8 × the steps it holds, at least T", () => {
    expect(restartSteps(q(16, 400))).toBe(320);
    expect(restartSteps(q(16, 400), 'auto')).toBe(320);
    expect(restartSteps(q(16, 33))).toBe(26); // floor(26.4)
    expect(restartSteps(q(16, 18))).toBe(16); // 14.4 → at least T
  });

  it("'auto' restarts a model that held all 50·T steps measured after them, and never one without figures", () => {
    expect(restartSteps(q(16, 800))).toBe(800);
    expect(restartSteps(q(43, 2150))).toBe(2150);
    expect(restartSteps(q(16, 799))).toBe(639); // one step short of the horizon: it faded
    expect(restartSteps({})).toBe(0);
  });

  it("'never' and a number override the file", () => {
    expect(restartSteps(q(16, 400), 'never')).toBe(0);
    expect(restartSteps(q(16, 400), 100)).toBe(100);
    expect(restartSteps(q(16, 800), 64.9)).toBe(64);
    expect(restartSteps({}, 50)).toBe(50);
    expect(restartSteps(q(16, 400), 0)).toBe(0);
    expect(restartSteps(q(16, 400), NaN)).toBe(0);
  });

  it('reads the attribute', () => {
    expect(parseRestart('never')).toBe('never');
    expect(parseRestart(' Auto ')).toBe('auto');
    expect(parseRestart('120')).toBe(120);
    expect(parseRestart('12.7')).toBe(12);
    expect(parseRestart(null)).toBe('auto');
    expect(parseRestart('')).toBe('auto');
    expect(parseRestart('sometimes')).toBe('auto');
    expect(parseRestart('0')).toBe('auto');
  });
});
